package dev.wallet.limits.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.map.IMap;
import dev.wallet.balancecache.async.Deadline;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.limits.Compliance;
import dev.wallet.limits.Limits;
import dev.wallet.limits.LimitsOptions;
import dev.wallet.limits.LimitsUnavailableException;
import dev.wallet.limits.model.AuditRecord;
import dev.wallet.limits.model.Decision;
import dev.wallet.limits.model.KycProfile;
import dev.wallet.limits.model.Movement;
import dev.wallet.limits.model.PublishOutcome;
import dev.wallet.limits.model.PublishedRules;
import dev.wallet.limits.model.RulesInForce;
import dev.wallet.limits.model.RulesReview;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Limits} on an embedded Hazelcast member: rules from the replicated map (kept in step with
 * PostgreSQL by a reconciler), profiles from the write-through map, decisions by {@link LimitsEngine}.
 * Hazelcast's blocking calls run on worker threads; its async calls are bridged to futures on the
 * caller's context.
 */
public final class HazelcastLimits implements Limits {

  private static final Logger LOG = LoggerFactory.getLogger(HazelcastLimits.class);
  public static final String API_SOURCE = "api";
  private static final String WARM_UP_KEY = " warm-up";
  private static final long FORGET_RETRY_MS = 1_000;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final LimitsOptions options;
  private final RulesRegistry registry;
  private final RulesStore store;
  private final IMap<String, KycProfile> profiles;
  private final Optional<RulesFileWatcher> watcher;
  private final PgCompliance compliance;
  private long reconcileTimer = -1;
  private boolean reconciling;
  private UUID mergeListener;
  private volatile boolean closed;
  private volatile long forgetRetry = -1;

  public HazelcastLimits(Vertx vertx, HazelcastInstance hazelcast, Pool pool, LedgerNodes ledger, LimitsOptions options) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.options = options;
    this.registry = new RulesRegistry(hazelcast);
    this.store = new RulesStore(pool, options.ruleset());
    this.profiles = hazelcast.getMap(LimitsHazelcast.PROFILES_MAP);
    this.watcher = options.rulesFile().map(path -> new RulesFileWatcher(vertx, path, options.rulesPollMs(),
      (yaml, actor, writtenAt) -> publishFile(yaml, actor, RulesFileWatcher.sourceOf(path), writtenAt)));
    this.compliance = new PgCompliance(vertx, pool, ledger, this::rulesInForce, options);
  }

  @Override
  public Future<Void> start() {
    return vertx.executeBlocking(() -> {
      registry.start();
      mergeListener = hazelcast.getLifecycleService().addLifecycleListener(this::forgetProfilesOnceMerged);
      warmUpProfiles();
      return null;
    }, false)
      .compose(listening -> reconcile())
      .compose(reconciled -> startWatcher())
      .compose(watching -> compliance.start())
      .onSuccess(started -> reconcileTimer = vertx.setPeriodic(options.reconcileMs(), tick -> reconcileInBackground()));
  }

  /**
   * The first use of a map with a store makes every partition check whether it must load; until
   * that is done, reads are retried inside Hazelcast and the first checks could time out. Blocking.
   */
  private void warmUpProfiles() {
    profiles.get(WARM_UP_KEY);
  }

  /**
   * After a split brain, the side that merged took none of its copies of profiles along
   * (LimitsHazelcast), but the side it joined may hold copies older than PostgreSQL's, changed
   * meanwhile on the side that merged. Every member's copies are forgotten, so profiles are read
   * from PostgreSQL again. Until that is done, checks may read a copy from before the split.
   */
  private void forgetProfilesOnceMerged(LifecycleEvent event) {
    if (event.getState() == LifecycleState.MERGED) {
      forgetProfiles();
    }
  }

  private void forgetProfiles() {
    vertx.executeBlocking(() -> {
      profiles.evictAll();
      return null;
    }, false)
      .onSuccess(forgotten -> LOG.warn("this member merged into a cluster after a split brain: every member's "
        + "KYC profiles are read from PostgreSQL again"))
      .onFailure(failure -> {
        if (!closed && hazelcast.getLifecycleService().isRunning()) {
          LOG.error("KYC profiles copied before a split brain could not be forgotten, retrying in {} ms",
            FORGET_RETRY_MS, failure);
          forgetRetry = vertx.setTimer(FORGET_RETRY_MS, retry -> forgetProfiles());
        }
      });
  }

  @Override
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(reconcileTimer);
    vertx.cancelTimer(forgetRetry);
    watcher.ifPresent(RulesFileWatcher::stop);
    compliance.stop();
    return vertx.executeBlocking(() -> {
      if (mergeListener != null && hazelcast.getLifecycleService().isRunning()) {
        hazelcast.getLifecycleService().removeLifecycleListener(mergeListener);
      }
      registry.stop();
      return null;
    }, false);
  }

  @Override
  public Future<Decision> check(Movement movement) {
    return judged(movement.ownerId(), (rules, profile) -> LimitsEngine.decide(rules, profile, movement));
  }

  @Override
  public Future<Decision> standing(String ownerId) {
    return judged(ownerId, LimitsEngine::standing);
  }

  private Future<Decision> judged(String ownerId, BiFunction<RulesInForce, Optional<KycProfile>, Decision> judge) {
    Optional<String> down = registry.unavailable();
    Optional<RulesInForce> rules = registry.inForce();
    if (down.isPresent() || rules.isEmpty()) {
      return Future.failedFuture(new LimitsUnavailableException(down.orElse("no rules in force")));
    }
    return storedProfile(ownerId).map(profile -> judge.apply(rules.get(), profile));
  }

  @Override
  public Optional<RulesInForce> rulesInForce() {
    return registry.unavailable().isPresent() ? Optional.empty() : registry.inForce();
  }

  @Override
  public long highestVersionSeen() {
    return registry.highestSeen();
  }

  @Override
  public Future<PublishOutcome> publish(String yaml, String actor, String source, OptionalLong basedOn) {
    return publishValid(yaml, actor, source, tree -> store.publish(yaml, tree, source, actor, basedOn));
  }

  /** The watched file's text, last written at {@code writtenAt}. */
  private Future<PublishOutcome> publishFile(String yaml, String actor, String source, Instant writtenAt) {
    return publishValid(yaml, actor, source, tree -> store.publishFile(yaml, tree, source, actor, writtenAt));
  }

  private Future<PublishOutcome> publishValid(String yaml, String actor, String source,
                                              Function<JsonNode, Future<PublishOutcome>> stored) {
    RulesParser.Validation validation = RulesParser.validate(yaml);
    if (!validation.valid()) {
      return store.recordRefusal(yaml, validation.problems(), source, actor)
        .recover(LimitsUnavailableException.whenOutage("the refusal could not be audited"))
        .map(audited -> new PublishOutcome.Refused(validation.problems()));
    }
    return stored.apply(validation.tree().orElseThrow())
      .recover(LimitsUnavailableException.whenOutage("the rules could not be stored"))
      .compose(outcome -> share(outcome).map(outcome));
  }

  @Override
  public RulesReview review(String yaml) {
    RulesParser.Validation validation = RulesParser.validate(yaml);
    Optional<PublishedRules> inForce = rulesInForce().map(RulesInForce::published);
    String diff = validation.tree().map(tree -> RulesDiff.since(inForce.map(PublishedRules::yaml), tree)).orElse("");
    return new RulesReview(validation.located(), diff, inForce.map(PublishedRules::version));
  }

  @Override
  public Future<KycProfile> profile(String ownerId) {
    Optional<RulesInForce> rules = registry.inForce();
    if (rules.isEmpty()) {
      return Future.failedFuture(new LimitsUnavailableException("no rules in force"));
    }
    return storedProfile(ownerId).map(found -> found.filter(KycProfile::known).orElseGet(() ->
      new KycProfile(ownerId, rules.get().rules().defaultTier(), null, 0, "default tier", "")));
  }

  @Override
  public Future<KycProfile> setProfile(String ownerId, String tier, Optional<String> country, String actor,
                                       String source) {
    Optional<RulesInForce> rules = registry.inForce();
    if (rules.isEmpty()) {
      return Future.failedFuture(new LimitsUnavailableException("no rules in force"));
    }
    if (rules.get().rules().tier(tier).isEmpty()) {
      return Future.failedFuture(new IllegalArgumentException("tier '" + tier + "' is not defined by rules version "
        + rules.get().published().version() + "; tiers: " + rules.get().rules().tiers().keySet()));
    }
    if (country.isPresent() && !country.get().matches("[A-Z]{2}")) {
      return Future.failedFuture(new IllegalArgumentException("country must be an ISO-3166 alpha-2 code such as DE"));
    }
    SetProfile update = new SetProfile(tier, country.orElse(null), System.currentTimeMillis(), actor, source);
    return bridge(() -> profiles.submitToKey(ownerId, update), "the KYC profile could not be written",
      writeTimeoutMs());
  }

  /**
   * A change is written through to PostgreSQL (KycMapStore), which may take up to its own timeout:
   * answered before that, a change still under way was answered 503 and then landed (until
   * 2026-12-06, when it had a lookup's deadline), and its retry audited it twice.
   */
  private long writeTimeoutMs() {
    return LimitsHazelcast.DATABASE_TIMEOUT_MS + options.profileTimeoutMs();
  }

  @Override
  public Future<List<AuditRecord>> audit(int limit) {
    return store.audit(limit).recover(LimitsUnavailableException.whenOutage("the audit"));
  }

  @Override
  public Compliance compliance() {
    return compliance;
  }

  @Override
  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  private Future<Optional<KycProfile>> storedProfile(String ownerId) {
    return bridge(() -> profiles.getAsync(ownerId), "the KYC profile could not be read", options.profileTimeoutMs())
      .map(Optional::ofNullable);
  }

  /**
   * A Hazelcast call on the caller's context, within {@code timeoutMs}, any failure an outage.
   * The completion is handed over on the thread that completes Hazelcast's future, never through
   * Hazelcast's default executor: on a machine with fewer than three cores that executor starts a
   * new thread for every callback (the common fork-join pool has parallelism 1 there), which was
   * measured at two thread starts per transfer.
   */
  private <T> Future<T> bridge(Supplier<CompletionStage<T>> call, String what, long timeoutMs) {
    Future<T> result;
    try {
      Context caller = vertx.getOrCreateContext();
      CompletionStage<T> stage = call.get();
      result = answeredOnVertxThread(stage) ? Future.succeededFuture(stage.toCompletableFuture().getNow(null))
        : handedOver(stage, caller);
    } catch (RuntimeException memberDown) {
      result = Future.failedFuture(memberDown);
    }
    return Deadline.within(vertx, result, timeoutMs)
      .recover(failure -> Future.failedFuture(new LimitsUnavailableException(what + ": " + failure, failure)));
  }

  /**
   * A read the near cache answered is complete before the call returns. On a Vert.x thread it is
   * taken as it is: handing it over costs a task on the event loop and a deadline timer set and
   * cancelled, for every transfer's limit check and every balance read (docs/benchmarks.md).
   */
  private static boolean answeredOnVertxThread(CompletionStage<?> stage) {
    CompletableFuture<?> future = stage.toCompletableFuture();
    return future.isDone() && !future.isCompletedExceptionally() && Vertx.currentContext() != null;
  }

  private static <T> Future<T> handedOver(CompletionStage<T> stage, Context caller) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, failure) -> caller.runOnContext(back -> {
      if (failure == null) {
        promise.complete(value);
      } else {
        promise.fail(failure);
      }
    }), Runnable::run);
    return promise.future();
  }

  private Future<Void> share(PublishOutcome outcome) {
    PublishedRules rules;
    if (outcome instanceof PublishOutcome.Published published) {
      rules = published.rules();
    } else if (outcome instanceof PublishOutcome.Unchanged unchanged) {
      rules = unchanged.rules();
    } else {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      registry.share(rules);
      return null;
    }, false);
  }

  private Future<Void> startWatcher() {
    if (watcher.isEmpty()) {
      return Future.succeededFuture();
    }
    return store.latestFrom(watcher.get().source())
      .compose(last -> watcher.get().start(last.map(PublishedRules::sha256)));
  }

  /**
   * Takes from PostgreSQL a version this member missed (e.g. its publisher died before sharing it),
   * and goes back to PostgreSQL's latest from a version in force that PostgreSQL does not hold: every
   * version is committed there before it is shared, so one it lacks came from elsewhere (a put into
   * the shared map by a foreign process, membership being unauthenticated; a number PostgreSQL
   * reused after losing a version). Until 2026-12-07 such a version was enforced for good, and the
   * versions published after it were not. The version in force is taken before PostgreSQL is read: a
   * version shared meanwhile was committed before, so it is never taken for foreign.
   */
  private Future<Void> reconcile() {
    Optional<PublishedRules> enforced = registry.inForce().map(RulesInForce::published);
    return store.latest().compose(latest -> {
      if (latest.isEmpty()) {
        return Future.succeededFuture();
      }
      if (latest.get().version() > registry.highestSeen()) {
        return share(new PublishOutcome.Published(latest.get()));
      }
      return enforced.isEmpty() ? Future.succeededFuture()
        : store.holds(enforced.get()).map(held -> {
          if (!held) {
            registry.replace(enforced.get(), latest.get());
          }
          return null;
        });
    });
  }

  private void reconcileInBackground() {
    if (reconciling) {
      return;
    }
    reconciling = true;
    reconcile()
      .onFailure(failure -> LOG.warn("rules reconciliation with PostgreSQL failed, retrying in {} ms: {}",
        options.reconcileMs(), failure.toString()))
      .onComplete(done -> reconciling = false);
  }
}
