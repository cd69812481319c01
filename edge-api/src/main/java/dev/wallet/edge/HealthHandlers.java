package dev.wallet.edge;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.limits.Limits;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * /health: live while the process runs; ready only while money can move here: every Redis master
 * and PostgreSQL answer, and this process's Hazelcast member runs with rules in force.
 */
final class HealthHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(HealthHandlers.class);
  static final long CHECK_TIMEOUT_MS = 1_000;

  private final BalanceCache cache;
  private final LedgerReader ledger;
  private final Limits limits;

  HealthHandlers(BalanceCache cache, LedgerReader ledger, Limits limits) {
    this.cache = cache;
    this.ledger = ledger;
    this.limits = limits;
  }

  void live(RoutingContext ctx) {
    Reply.ok(new JsonObject().put("status", "live")).send(ctx);
  }

  void ready(RoutingContext ctx) {
    Future<Void> redis = withinDeadline(cache.ping());
    Future<Void> postgres = withinDeadline(ledger.ping());
    boolean rules = limits.rulesInForce().isPresent();
    Future.join(redis, postgres).onComplete(checked -> readiness(redis, postgres, rules).send(ctx));
  }

  private static Future<Void> withinDeadline(Future<Void> check) {
    return check.timeout(CHECK_TIMEOUT_MS, TimeUnit.MILLISECONDS);
  }

  private static Reply readiness(Future<Void> redis, Future<Void> postgres, boolean rules) {
    JsonObject checks = new JsonObject().put("redis", state(redis)).put("postgres", state(postgres))
      .put("rules", rules ? "up" : "down");
    if (redis.succeeded() && postgres.succeeded() && rules) {
      return Reply.ok(new JsonObject().put("status", "ready").put("checks", checks));
    }
    LOG.warn("not ready: redis {} ({}), postgres {} ({}), rules {}", state(redis), redis.cause(), state(postgres),
      postgres.cause(), checks.getString("rules"));
    return Problem.unavailable("not ready: " + checks.encode()).with("checks", checks).reply();
  }

  private static String state(Future<Void> check) {
    return check.succeeded() ? "up" : "down";
  }
}
