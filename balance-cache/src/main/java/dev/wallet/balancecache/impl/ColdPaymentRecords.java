package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.RetiredRecords.PaymentRecordFacts;
import dev.wallet.balancecache.RetiredRecords;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Restores refunds' payment records that have expired from the hot tier (lib.lua, refund_bound). A
 * refund that finds its record gone answers PAYMENT_RECORD_COLD with the last entry its shard's
 * outbox held then ({@code seen}) and Redis's time ({@code at}). Once the ledger has committed the
 * outbox through that entry, every change ever made to the record is in the ledger: the record read
 * from there is what the refund is asked again with.
 */
final class ColdPaymentRecords {

  private static final long POLL_MS = 25;

  private final Vertx vertx;
  private final Function<ShardId, LedgerOutbox> outboxes;
  private final long waitMs;
  private final Supplier<RetiredRecords> ledger;

  ColdPaymentRecords(Vertx vertx, Function<ShardId, LedgerOutbox> outboxes, long waitMs,
                     Supplier<RetiredRecords> ledger) {
    this.vertx = vertx;
    this.outboxes = outboxes;
    this.waitMs = waitMs;
    this.ledger = ledger;
  }

  static boolean cold(ScriptReply reply) {
    return reply.kind() == ScriptReply.Kind.UNRECORDED
      && OutcomeCode.PAYMENT_RECORD_COLD.name().equals(reply.outcome().getString("code"));
  }

  /** {@code refund}, which answered {@code cold}, to be asked again with its payment record as the ledger holds it. */
  Future<Movement> restoring(Movement refund, JsonObject cold) {
    ShardId shard = refund.source();
    long deadline = System.nanoTime() + waitMs * 1_000_000;
    return committedThrough(outboxes.apply(shard), cold.getString("seen"), deadline)
      .compose(committed -> ledger.get().paymentRecord(shard, refund.paymentId()))
      .map(found -> refund.withPaymentFacts(facts(found, cold.getString("at"))));
  }

  private Future<Void> committedThrough(LedgerOutbox outbox, String entryId, long deadlineNanos) {
    return outbox.committedThrough(entryId).compose(committed -> {
      if (committed) {
        return Future.succeededFuture();
      }
      if (System.nanoTime() > deadlineNanos) {
        return Future.failedFuture(new BalanceCacheUnavailableException("the payment record of a refund expired "
          + "from the hot tier, and the ledger has not yet committed " + outbox.shard() + " through " + entryId
          + ", so it cannot be restored: retry", null));
      }
      Promise<Void> waited = Promise.promise();
      vertx.setTimer(POLL_MS, timer -> waited.complete());
      return waited.future().compose(again -> committedThrough(outbox, entryId, deadlineNanos));
    });
  }

  /** The payment record as the ledger holds it, with the hot record's fields; empty when it holds none. */
  Future<Map<String, String>> fromLedger(ShardId shard, String paymentId) {
    return ledger.get().paymentRecord(shard, paymentId).map(found -> found.map(ColdPaymentRecords::fields).orElse(Map.of()));
  }

  /** The payment as the ledger holds it, wherever it was paid. */
  Future<Optional<PaymentRecordFacts>> fromLedger(String paymentId) {
    return ledger.get().payment(paymentId);
  }

  /** As move.lua's ARGV[14]: amounts as text, which Lua's JSON numbers (doubles) would round past 2^53. */
  static String facts(Optional<PaymentRecordFacts> found, String at) {
    JsonObject facts = new JsonObject().put("at", at).put("found", found.isPresent());
    found.map(ColdPaymentRecords::fields).ifPresent(fields -> fields.forEach(facts::put));
    return facts.encode();
  }

  private static Map<String, String> fields(PaymentRecordFacts p) {
    return Map.of("id", p.paymentId(), "amt", Long.toString(p.amount()), "fee", Long.toString(p.fee()),
      "refunded", Long.toString(p.refunded()), "payer", p.payer(), "merchant", p.merchant(), "cur", p.currency(),
      "created", Long.toString(p.createdMs()));
  }
}
