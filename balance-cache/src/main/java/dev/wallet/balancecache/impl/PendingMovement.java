package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;
import io.vertx.core.json.JsonArray;
import java.util.List;
import java.util.Map;

/**
 * A movement whose source was debited and whose destination has not been settled yet: all the
 * saga's later steps need, from the request that debited it or from its record (the sweeper).
 */
record PendingMovement(String id, MovementKind kind, WalletId from, WalletId to, Money amount, long fee,
                       String idempotencyRecord, String paymentId, List<String> counterKeys) {

  static PendingMovement of(Movement m) {
    return new PendingMovement(m.id(), m.kind(), m.from(), m.to(), m.amount(), m.fee(), m.idempotencyRecord(),
      m.paymentId(), m.counterKeys());
  }

  /** From the movement record the debit wrote (HGETALL of {sNNNN}:x:<id>). */
  static PendingMovement of(Map<String, String> record) {
    List<String> counters = new JsonArray(record.getOrDefault("lim", "[]")).stream().map(String.class::cast).toList();
    return new PendingMovement(record.get("id"), MovementKind.fromWire(record.get("kind")),
      new WalletId(record.get("from")), new WalletId(record.get("to")), new Money(Long.parseLong(record.get("amt")), Currencies.parse(record.get("cur"))),
      Long.parseLong(record.get("fee")), record.get("idem"), record.getOrDefault("pay", ""), counters);
  }
}
