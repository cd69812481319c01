package dev.wallet.balancecache.outbox;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one vocabulary of what an outbox entry records, as the scripts write it in the entry's
 * {@code type} and the ledger stores it in {@code postings.type} (and lists it in that column's
 * CHECK constraint). The wire names are stored data, hashed into the ledger's chain: they never
 * change. A new kind is added here, to the script that writes it, and to the constraint by a new
 * migration; {@code PostingVocabularyTest} fails until all three agree.
 *
 * <p>The saga's steps are named after their movement's kind ({@code transfer_debit} ...), as the
 * scripts compose them: see {@link MovementKind}.
 */
public enum PostingType {
  /** A same-shard transfer, in one script (move.lua). */
  TRANSFER("transfer"),
  /** A same-shard payment, fee included (move.lua). */
  PAYMENT("payment"),
  /** A same-shard refund of a payment (move.lua). */
  REFUND("refund"),
  TRANSFER_DEBIT("transfer_debit"),
  TRANSFER_CREDIT("transfer_credit"),
  TRANSFER_COMPLETED("transfer_completed"),
  TRANSFER_REVERSED("transfer_reversed"),
  /** A cross-shard payment's debit; also a cross-shard capture's (capture.lua). */
  PAYMENT_DEBIT("payment_debit"),
  PAYMENT_CREDIT("payment_credit"),
  PAYMENT_COMPLETED("payment_completed"),
  PAYMENT_REVERSED("payment_reversed"),
  REFUND_DEBIT("refund_debit"),
  REFUND_CREDIT("refund_credit"),
  REFUND_COMPLETED("refund_completed"),
  REFUND_REVERSED("refund_reversed"),
  /** A merchant's money leaving one of its wallets (a credit stripe, or its merchant wallet) for another. */
  SWEEP_DEBIT("sweep_debit"),
  SWEEP_CREDIT("sweep_credit"),
  SWEEP_COMPLETED("sweep_completed"),
  SWEEP_REVERSED("sweep_reversed"),
  /** A deposit settled by its gateway: a clearing account pays the wallet (credit.lua). */
  DEPOSIT("deposit"),
  /** A withdrawal the bank sent back after it was paid out (credit.lua). */
  WITHDRAWAL_RETURN("withdrawal_return"),
  /** Available to held: a withdrawal's hold or a card authorization (hold.lua). */
  HOLD("hold"),
  /** A hold paid out: a withdrawal sent (finish_hold.lua). */
  HOLD_SETTLED("hold_settled"),
  /** A hold given back: a withdrawal failed, an authorization voided, expired or captured in part. */
  HOLD_RELEASED("hold_released"),
  /** An authorization's held money to the merchant on the payer's shard (capture.lua). */
  CAPTURE("capture"),
  /** An event without entries: a wallet opened (open_wallet.lua). */
  WALLET_OPENED("wallet_opened"),
  /** An event without entries: a wallet's status changed (set_status.lua). */
  WALLET_STATUS("wallet_status");

  /**
   * The postings that move money between a wallet and someone else, what the AML monitors and
   * reports read. Holds and releases stay within the wallet; reversals undo a debit; a returned
   * withdrawal gives back what the wallet's owner had sent.
   */
  public static final Set<PostingType> MOVEMENTS = EnumSet.of(TRANSFER, TRANSFER_DEBIT, TRANSFER_CREDIT, DEPOSIT,
    PAYMENT, PAYMENT_DEBIT, PAYMENT_CREDIT, CAPTURE, REFUND, REFUND_DEBIT, REFUND_CREDIT, HOLD_SETTLED);

  /**
   * The postings that give a wallet back what it had sent: a reversal of its debit, a withdrawal the
   * bank returned. Not movements of their own, but money that came in all the same: the rapid
   * in-and-out monitor counts them as such, or money sent out, given back and sent out again was
   * judged without the return (the first send's flag held the inflow, and the second went unflagged).
   */
  public static final Set<PostingType> RETURNS = EnumSet.of(TRANSFER_REVERSED, PAYMENT_REVERSED, REFUND_REVERSED,
    WITHDRAWAL_RETURN);

  private static final Map<String, PostingType> BY_WIRE = Arrays.stream(values())
    .collect(Collectors.toUnmodifiableMap(PostingType::wire, Function.identity()));

  private final String wire;

  PostingType(String wire) {
    this.wire = wire;
  }

  /** The name the scripts write and the ledger stores. */
  public String wire() {
    return wire;
  }

  /**
   * The type a stored or written name stands for.
   *
   * @throws IllegalArgumentException for a name outside the vocabulary: a script or a row this
   *     code does not know, which must stop its reader rather than be recorded as something else
   */
  public static PostingType fromWire(String wire) {
    PostingType type = BY_WIRE.get(wire);
    if (type == null) {
      throw new IllegalArgumentException("unknown posting type '" + wire + "': the vocabulary is " + BY_WIRE.keySet());
    }
    return type;
  }

  /** The wire names of {@code types}, for an SQL list such as {@code type = ANY($1)}. */
  public static String[] wires(Set<PostingType> types) {
    return types.stream().map(PostingType::wire).toArray(String[]::new);
  }

  @Override
  public String toString() {
    return wire;
  }
}
