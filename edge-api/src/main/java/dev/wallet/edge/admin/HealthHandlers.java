package dev.wallet.edge.admin;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.ShardAvailability;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.edge.http.MoneyGate;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.Reply;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.ledger.MoneyHalt;
import dev.wallet.limits.Limits;
import dev.wallet.balancecache.async.Deadline;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * /health: live while the process runs; ready while money can move through this edge on at
 * least one shard. A halt of money movement by reconciliation ({@code checks.money: halted}, with
 * the reason) reads as {@code degraded}: it is shared by every edge, so taking edges out of a
 * balancer would not help, and reads still work. Each dependency and shard is reported, so that a partial outage reads as one:
 * {@code ready} when everything works, {@code degraded} (still 200) when some shards cannot take
 * writes or PostgreSQL is down (transfers still move; history, deposits and withdrawals wait),
 * and 503 only when this edge can move nothing: no shard writable, or its rules not in force.
 * Every edge shares Redis and PostgreSQL, so taking edges out of a load balancer for a shared,
 * partial fault would turn it into a total one; a 503 is this edge's own failure.
 */
public final class HealthHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(HealthHandlers.class);
  static final long CHECK_TIMEOUT_MS = 1_000;

  private final Vertx vertx;
  private final BalanceCache cache;
  private final LedgerReader ledger;
  private final Limits limits;
  private final MoneyGate gate;

  public HealthHandlers(Vertx vertx, BalanceCache cache, LedgerReader ledger, Limits limits, MoneyGate gate) {
    this.vertx = vertx;
    this.cache = cache;
    this.ledger = ledger;
    this.limits = limits;
    this.gate = gate;
  }

  public void live(RoutingContext ctx) {
    Reply.ok(new JsonObject().put("status", "live")).send(ctx);
  }

  public void ready(RoutingContext ctx) {
    Future<ShardAvailability> shards = cache.availability(CHECK_TIMEOUT_MS);
    Future<Void> postgres = Deadline.within(vertx, ledger.ping(), CHECK_TIMEOUT_MS);
    boolean rules = limits.rulesInForce().isPresent();
    Future.join(shards, postgres).onComplete(checked -> readiness(shards.result(), postgres, rules).send(ctx));
  }

  private Reply readiness(ShardAvailability shards, Future<Void> postgres, boolean rules) {
    JsonObject checks = new JsonObject().put("redis", redisState(shards)).put("postgres", state(postgres.succeeded()))
      .put("rules", state(rules));
    List<MoneyHalt> halts = gate.halts();
    checks.put("money", !halts.isEmpty() ? "halted" : gate.everRead() ? "moving" : "unknown");
    JsonObject details = new JsonObject().put("checks", checks).put("shards", shardDetails(shards));
    if (!halts.isEmpty()) {
      details.put("halt", haltDetails(halts));
    }
    if (shards.noneWritable() || !rules) {
      LOG.warn("not ready: {} (postgres: {})", details.encode(), postgres.cause());
      return Problem.unavailable("not ready: " + checks.encode()).with("checks", checks)
        .with("shards", details.getJsonObject("shards")).reply();
    }
    boolean everythingUp = shards.allWritable() && postgres.succeeded() && halts.isEmpty();
    if (!everythingUp) {
      LOG.warn("degraded: {} (postgres: {})", details.encode(), postgres.cause());
    }
    return Reply.ok(details.put("status", everythingUp ? "ready" : "degraded"));
  }

  /**
   * Why money does not move: each halt in force by its kind and subject, and how old this edge's
   * knowledge of them is. The evidence is for /admin/reconciliation/halt: readiness answers anyone
   * who reaches it (until 2026-12-07 it carried the evidence, such as the operator's own balances).
   */
  private JsonObject haltDetails(List<MoneyHalt> halts) {
    JsonArray each = new JsonArray();
    halts.forEach(halt -> each.add(new JsonObject().put("id", halt.id()).put("kind", halt.kind().name())
      .put("subject", halt.subject()).put("raisedAt", halt.raisedAt().toString())));
    return new JsonObject().put("halts", each).put("stateAgeSeconds", gate.stateAge().toSeconds());
  }

  private static String redisState(ShardAvailability shards) {
    return shards.allWritable() ? "up" : shards.noneWritable() ? "down" : "degraded";
  }

  private static String state(boolean up) {
    return up ? "up" : "down";
  }

  private static JsonObject shardDetails(ShardAvailability shards) {
    JsonArray masters = new JsonArray();
    shards.masters().forEach(master -> masters.add(new JsonObject().put("endpoint", master.endpoint())
      .put("answering", master.answering()).put("onlineReplicas", master.onlineReplicas())
      .put("shards", master.shards())));
    return new JsonObject().put("total", shards.shardCount())
      .put("writable", shards.shardCount() - shards.unwritable().size())
      .put("unwritable", new JsonArray(shards.unwritable().stream().map(ShardId::name).toList()))
      .put("masters", masters);
  }
}
