package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.command.Payment;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What the scripts move: money from a source wallet to a destination wallet, as a transfer, a
 * payment (with a fee) or a refund (bounded by its payment). One mechanism serves all three, in
 * one script on one shard or as the saga across shards.
 */
record Movement(String id, MovementKind kind, WalletId from, WalletId to, Money amount, long fee, String actor,
                IdempotencyKey key, String paymentId, String reference, List<LimitCheck> limits, String requestHash,
                String paymentFacts) {

  /**
   * {@code paymentFacts}: for a refund whose payment record has expired from the hot tier, what the
   * ledger holds of it (ColdPaymentRecords), as move.lua's and saga_debit.lua's ARGV[14]; "" otherwise.
   */
  Movement(String id, MovementKind kind, WalletId from, WalletId to, Money amount, long fee, String actor,
           IdempotencyKey key, String paymentId, String reference, List<LimitCheck> limits, String requestHash) {
    this(id, kind, from, to, amount, fee, actor, key, paymentId, reference, limits, requestHash, "");
  }

  static Movement of(Transfer t, String id) {
    return new Movement(id, MovementKind.TRANSFER, t.from(), t.to(), t.amount(), 0, t.actor(), t.idempotencyKey(),
      "", "", t.limits(), t.requestHash());
  }

  static Movement of(Payment p, String id) {
    return new Movement(id, MovementKind.PAYMENT, p.payer(), p.merchant(), p.amount(), p.feeMinor(), p.actor(),
      p.idempotencyKey(), id, p.orderRef(), p.limits(), p.requestHash());
  }

  /** The same movement to another wallet: a payment to a striped merchant lands on the payer's shard's stripe. */
  Movement to(WalletId destination) {
    return new Movement(id, kind, from, destination, amount, fee, actor, key, paymentId, reference, limits, requestHash,
      paymentFacts);
  }

  /** The same refund, decided on its payment record as the ledger holds it. */
  Movement withPaymentFacts(String facts) {
    return new Movement(id, kind, from, to, amount, fee, actor, key, paymentId, reference, limits, requestHash, facts);
  }

  /** The payment record a refund is bounded by (or a payment opens), on the source shard. */
  String paymentRecord() {
    return Keys.paymentRecord(source(), kind == MovementKind.REFUND ? paymentId : id);
  }

  ShardId source() {
    return from.shard();
  }

  boolean crossShard() {
    return !from.shard().equals(to.shard());
  }

  String idempotencyRecord() {
    return Keys.idempotency(source(), key);
  }

  /** The sender's counters, in the order of {@link #limitsJson()}. */
  List<String> counterKeys() {
    return limits.stream().map(l -> Keys.limitCounter(source(), actor, l.counter())).toList();
  }

  String limitsJson() {
    return limitsJson(limits);
  }

  static String limitsJson(List<LimitCheck> limits) {
    return limitsArray(limits).encode();
  }

  static JsonArray limitsArray(List<LimitCheck> limits) {
    JsonArray checks = new JsonArray();
    limits.forEach(l -> checks.add(new JsonObject().put("r", l.rule()).put("a", l.maxMinor()).put("n", l.maxCount())
      .put("t", l.windowMs())));
    return checks;
  }

  /** The keys move.lua and move_batch.lua take for this movement, after the counters' or before them. */
  List<String> recordKeys() {
    ShardId shard = source();
    return List.of(Keys.wallet(from), Keys.wallet(to), idempotencyRecord(), Keys.movement(shard, id),
      Keys.systemAccount(shard, feeAccount()), paymentRecord());
  }

  /** This movement as one item of move_batch.lua's ARGV[2]. */
  JsonObject batchItem(String requestHash) {
    return new JsonObject().put("id", id).put("kind", kind.wire()).put("amt", Long.toString(amount.minor()))
      .put("fee", Long.toString(fee)).put("cur", amount.currencyCode()).put("rh", requestHash)
      .put("fid", feeAccount().id(source())).put("pay", paymentId).put("ref", reference)
      .put("checks", limitsArray(limits)).put("nc", limits.size());
  }

  /** The shard's fee account for this currency. */
  SystemAccount feeAccount() {
    return SystemAccount.fees(amount.currency());
  }
}
