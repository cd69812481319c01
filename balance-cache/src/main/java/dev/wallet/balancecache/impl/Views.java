package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.RetiredRecords.PaymentRecordFacts;
import dev.wallet.balancecache.model.AuthorizationView;
import dev.wallet.balancecache.model.BalanceChange;
import dev.wallet.balancecache.model.CaptureView;
import dev.wallet.balancecache.model.Credited;
import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.RefundId;
import dev.wallet.balancecache.model.RefundView;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.balancecache.outbox.MovementKind;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Response;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Turns what the scripts and hashes hold (JSON, strings) into the money core's records, at one place. */
final class Views {

  private Views() {
  }

  /**
   * The outcome of a script call. A value is read when the outcome carries one: always for
   * accepted outcomes, and for the in-flight transfer behind IDEMPOTENCY_IN_FLIGHT.
   */
  static <T> Outcome<T> outcome(ScriptReply reply, Function<JsonObject, T> valueOf) {
    return switch (reply.kind()) {
      case KEY_REUSED -> Outcome.refused(OutcomeCode.IDEMPOTENCY_KEY_REUSED);
      case IN_FLIGHT -> new Outcome<>(OutcomeCode.IDEMPOTENCY_IN_FLIGHT, valueOf.apply(reply.outcome()), false);
      case NEW, REPLAY, UNRECORDED -> decided(reply, valueOf);
      case ELSEWHERE -> throw new IllegalStateException("saga_local's ELSEWHERE reaches only CrossShardSaga");
    };
  }

  private static <T> Outcome<T> decided(ScriptReply reply, Function<JsonObject, T> valueOf) {
    OutcomeCode code = OutcomeCode.valueOf(reply.outcome().getString("code"));
    boolean hasValue = code.accepted() || reply.outcome().containsKey("status");
    return new Outcome<>(code, hasValue ? valueOf.apply(reply.outcome()) : null, reply.kind() == ScriptReply.Kind.REPLAY,
      reply.outcome().getString("rule", ""));
  }

  static Wallet wallet(JsonObject o) {
    return new Wallet(new WalletId(o.getString("walletId")), o.getString("ownerId"),
      Currencies.parse(o.getString("currency")), WalletType.fromWire(o.getString("type")),
      WalletStatus.fromWire(o.getString("status")), units(o, "available"), units(o, "held"), units(o, "seq"),
      Instant.ofEpochMilli(o.getLong("createdAt")));
  }

  static Optional<Wallet> wallet(Map<String, String> h) {
    if (h.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Wallet(new WalletId(h.get("id")), h.get("owner"), Currencies.parse(h.get("cur")),
      WalletType.fromWire(h.get("type")), WalletStatus.fromWire(h.get("status")), Long.parseLong(h.get("avail")),
      Long.parseLong(h.get("held")), Long.parseLong(h.get("seq")), Instant.ofEpochMilli(Long.parseLong(h.get("created")))));
  }

  /** The identity fields of a wallet hash, null each when the wallet does not exist. */
  static Optional<WalletIdentity> identity(WalletId id, Response owner, Response currency, Response type,
                                           Response parent) {
    if (owner == null) {
      return Optional.empty();
    }
    return Optional.of(new WalletIdentity(id, owner.toString(), Currencies.parse(currency.toString()),
      WalletType.fromWire(type.toString()), Optional.ofNullable(parent).map(p -> new WalletId(p.toString()))));
  }

  static BalanceChange balance(JsonObject o) {
    return new BalanceChange(new WalletId(o.getString("walletId")), units(o, "available"), units(o, "held"),
      units(o, "seq"));
  }

  static Credited credited(JsonObject o) {
    return new Credited(o.getString("postingId"), money(o), Instant.ofEpochMilli(o.getLong("createdAt")), balance(o));
  }

  static HoldView hold(JsonObject o) {
    long at = o.containsKey("finishedAt") ? o.getLong("finishedAt") : o.getLong("createdAt");
    return new HoldView(new HoldId(o.getString("holdId")),
      HoldView.HoldStatus.valueOf(o.getString("status").toUpperCase(Locale.ROOT)), money(o), o.getString("reference"),
      Instant.ofEpochMilli(at), balance(o));
  }

  static TransferView transfer(JsonObject o) {
    TransferStatus status = TransferStatus.fromWire(o.getString("status"));
    return new TransferView(new TransferId(o.getString("id")), status, new WalletId(o.getString("fromWalletId")),
      new WalletId(o.getString("toWalletId")), money(o), Instant.ofEpochMilli(o.getLong("createdAt")),
      reversalReason(status, o.getString("code")), Optional.ofNullable(o.getJsonObject("source")).map(Views::balance));
  }

  static Optional<TransferView> transfer(Map<String, String> h) {
    if (h.isEmpty() || !MovementKind.TRANSFER.wire().equals(h.getOrDefault("kind", MovementKind.TRANSFER.wire()))) {
      return Optional.empty();
    }
    TransferStatus status = TransferStatus.fromWire(h.get("state"));
    return Optional.of(new TransferView(new TransferId(h.get("id")), status, new WalletId(h.get("from")),
      new WalletId(h.get("to")), money(h), Instant.ofEpochMilli(Long.parseLong(h.get("created"))),
      reversalReason(status, h.get("code")), Optional.empty()));
  }

  /** A payment as its outcome describes it; refunds are known only to its record (see below). */
  static PaymentView payment(JsonObject o) {
    TransferStatus status = TransferStatus.fromWire(o.getString("status"));
    return new PaymentView(new PaymentId(o.getString("id")), status, new WalletId(o.getString("fromWalletId")),
      new WalletId(o.getString("toWalletId")), money(o), units(o, "fee"), 0,
      Optional.ofNullable(o.getString("reference")), Instant.ofEpochMilli(o.getLong("createdAt")),
      reversalReason(status, o.getString("code")));
  }

  /** A payment from its movement record and, once it reached the merchant, its payment record. */
  static Optional<PaymentView> payment(Map<String, String> movement, Map<String, String> paymentRecord) {
    if (movement.isEmpty() || !MovementKind.PAYMENT.wire().equals(movement.get("kind"))) {
      return Optional.empty();
    }
    TransferStatus status = TransferStatus.fromWire(movement.get("state"));
    long refunded = Long.parseLong(paymentRecord.getOrDefault("refunded", "0"));
    String ref = movement.getOrDefault("ref", "");
    // a payment through a credit stripe names its merchant wallet in 'to_parent'
    return Optional.of(new PaymentView(new PaymentId(movement.get("id")), status, new WalletId(movement.get("from")),
      new WalletId(movement.getOrDefault("to_parent", movement.get("to"))), money(movement), Long.parseLong(movement.get("fee")), refunded,
      ref.isEmpty() ? Optional.empty() : Optional.of(ref), Instant.ofEpochMilli(Long.parseLong(movement.get("created"))),
      reversalReason(status, movement.get("code"))));
  }

  /** A payment the ledger holds, once its movement record has expired: completed, or reversed by its merchant side. */
  static PaymentView payment(PaymentRecordFacts p) {
    return new PaymentView(new PaymentId(p.paymentId()),
      p.reversal().isPresent() ? TransferStatus.REVERSED : TransferStatus.COMPLETED, new WalletId(p.payer()),
      new WalletId(p.merchantWallet()), new Money(p.amount(), Currencies.parse(p.currency())), p.fee(), p.refunded(),
      p.reference(), Instant.ofEpochMilli(p.createdMs()), p.reversal());
  }

  /** An authorization from an outcome that carries it (its record's fields, as strings). */
  static AuthorizationView authorization(JsonObject o) {
    Map<String, String> record = new HashMap<>();
    o.getJsonObject("authorization").forEach(field -> record.put(field.getKey(), String.valueOf(field.getValue())));
    return authorization(record).orElseThrow();
  }

  /**
   * The outcome that carries {@code ended} as its record's fields, which {@link #authorization(JsonObject)}
   * reads back: for an answer given from the ledger and recorded under a key.
   */
  static JsonObject outcomeOf(AuthorizationView ended) {
    JsonObject record = new JsonObject().put("id", ended.id().value()).put("state", ended.status().wire())
      .put("wallet", ended.payer().value()).put("to", ended.merchant().value())
      .put("auth", Long.toString(ended.authorized().minor())).put("cur", ended.authorized().currencyCode())
      .put("captured", Long.toString(ended.capturedMinor())).put("amt", Long.toString(ended.heldMinor()))
      .put("by", ended.releasedBy().orElse("")).put("ref", ended.orderRef().orElse(""))
      .put("created", Long.toString(ended.createdAt().toEpochMilli()))
      .put("exp", Long.toString(ended.expiresAt().toEpochMilli()));
    return new JsonObject().put("code", OutcomeCode.OK.name()).put("authorization", record);
  }

  /** An authorization from its record (HGETALL of {sNNNN}:h:<id>); a withdrawal's hold is none. */
  static Optional<AuthorizationView> authorization(Map<String, String> h) {
    if (h.isEmpty() || !h.containsKey("to")) {
      return Optional.empty();
    }
    String by = h.getOrDefault("by", "");
    String ref = h.getOrDefault("ref", "");
    return Optional.of(new AuthorizationView(new HoldId(h.get("id")),
      AuthorizationView.Status.valueOf(h.get("state").toUpperCase(Locale.ROOT)), new WalletId(h.get("wallet")),
      new WalletId(h.get("to")), new Money(Long.parseLong(h.get("auth")), Currencies.parse(h.get("cur"))),
      Long.parseLong(h.get("captured")), Long.parseLong(h.get("amt")), by.isEmpty() ? Optional.empty() : Optional.of(by),
      ref.isEmpty() ? Optional.empty() : Optional.of(ref), Instant.ofEpochMilli(Long.parseLong(h.get("created"))),
      Instant.ofEpochMilli(Long.parseLong(h.get("exp")))));
  }

  static CaptureView capture(JsonObject o) {
    return new CaptureView(payment(o), o.containsKey("authorization") ? Optional.of(authorization(o)) : Optional.empty());
  }

  static RefundView refund(JsonObject o) {
    TransferStatus status = TransferStatus.fromWire(o.getString("status"));
    return new RefundView(new RefundId(o.getString("id")), new PaymentId(o.getString("paymentId")), status,
      new WalletId(o.getString("fromWalletId")), new WalletId(o.getString("toWalletId")), money(o),
      Instant.ofEpochMilli(o.getLong("createdAt")), reversalReason(status, o.getString("code")));
  }

  private static Optional<OutcomeCode> reversalReason(TransferStatus status, String code) {
    return status == TransferStatus.REVERSED ? Optional.of(OutcomeCode.valueOf(code)) : Optional.empty();
  }

  static WalletStatus status(JsonObject o) {
    return WalletStatus.fromWire(o.getString("status"));
  }

  private static Money money(JsonObject o) {
    return new Money(units(o, "amount"), Currencies.parse(o.getString("currency")));
  }

  private static Money money(Map<String, String> record) {
    return new Money(Long.parseLong(record.get("amt")), Currencies.parse(record.get("cur")));
  }

  private static long units(JsonObject o, String field) {
    return Long.parseLong(o.getString(field));
  }
}
