package dev.wallet.balancecache.outbox;

import java.util.Arrays;
import java.util.Optional;

/**
 * What a movement is (the {@code kind} of its record and of a saga debit's outbox fields), and the
 * posting type of each of its steps: the scripts name a saga's steps {@code <kind>_debit},
 * {@code <kind>_credit}, {@code <kind>_completed} and {@code <kind>_reversed}.
 */
public enum MovementKind {
  TRANSFER("transfer", PostingType.TRANSFER, PostingType.TRANSFER_DEBIT, PostingType.TRANSFER_CREDIT,
    PostingType.TRANSFER_COMPLETED, PostingType.TRANSFER_REVERSED),
  PAYMENT("payment", PostingType.PAYMENT, PostingType.PAYMENT_DEBIT, PostingType.PAYMENT_CREDIT,
    PostingType.PAYMENT_COMPLETED, PostingType.PAYMENT_REVERSED),
  REFUND("refund", PostingType.REFUND, PostingType.REFUND_DEBIT, PostingType.REFUND_CREDIT,
    PostingType.REFUND_COMPLETED, PostingType.REFUND_REVERSED),
  /**
   * A merchant's own money between its wallet and one of its credit stripes (docs/architecture.md,
   * "Hot merchants"): not a movement between parties, so neither limits nor AML count it.
   */
  SWEEP("sweep", null, PostingType.SWEEP_DEBIT, PostingType.SWEEP_CREDIT,
    PostingType.SWEEP_COMPLETED, PostingType.SWEEP_REVERSED);

  private final String wire;
  private final PostingType sameShard;
  private final PostingType debit;
  private final PostingType credit;
  private final PostingType completed;
  private final PostingType reversed;

  MovementKind(String wire, PostingType sameShard, PostingType debit, PostingType credit, PostingType completed,
               PostingType reversed) {
    this.wire = wire;
    this.sameShard = sameShard;
    this.debit = debit;
    this.credit = credit;
    this.completed = completed;
    this.reversed = reversed;
  }

  /** The name in the movement record's {@code kind} (and the scripts' ARGV). */
  public String wire() {
    return wire;
  }

  /** The posting of the whole movement in one script, on one shard; none for a sweep, which always crosses shards. */
  public Optional<PostingType> sameShard() {
    return Optional.ofNullable(sameShard);
  }

  /** Saga step 1, on the source's shard. */
  public PostingType debit() {
    return debit;
  }

  /** Saga step 2, on the destination's shard. */
  public PostingType credit() {
    return credit;
  }

  /** Saga step 3 when the destination took the money. */
  public PostingType completed() {
    return completed;
  }

  /** Saga step 3 when the destination refused it: the source gets the money back. */
  public PostingType reversed() {
    return reversed;
  }

  /** @throws IllegalArgumentException for a kind the scripts do not write */
  public static MovementKind fromWire(String wire) {
    return Arrays.stream(values()).filter(k -> k.wire.equals(wire)).findFirst()
      .orElseThrow(() -> new IllegalArgumentException("unknown movement kind '" + wire + "'"));
  }

  /** The kind whose saga debit this is. */
  public static MovementKind ofDebit(PostingType debit) {
    return Arrays.stream(values()).filter(k -> k.debit == debit).findFirst()
      .orElseThrow(() -> new IllegalArgumentException(debit + " is not a saga debit"));
  }

  @Override
  public String toString() {
    return wire;
  }
}
