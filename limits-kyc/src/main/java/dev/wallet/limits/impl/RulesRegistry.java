package dev.wallet.limits.impl;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.MapEvent;
import com.hazelcast.replicatedmap.ReplicatedMap;
import dev.wallet.limits.model.PublishedRules;
import dev.wallet.limits.model.RulesInForce;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules this member enforces. Versions live in a replicated map keyed by version number, so
 * publishing is a put of a new key (never a read-modify-write) and every member holds every
 * version; a member enforces the highest version it has seen, parsed once when it arrives. A
 * check reads a volatile reference: no Hazelcast call on the path that moves money.
 */
final class RulesRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(RulesRegistry.class);

  /** What this member holds: the rules in force, or why it has none. */
  private record State(Optional<RulesInForce> inForce, long highestSeen, String problem) {
  }

  private final HazelcastInstance hazelcast;
  private final ReplicatedMap<Long, PublishedRules> versions;
  private final AtomicReference<State> state = new AtomicReference<>(
    new State(Optional.empty(), 0, "no rules have been published"));
  private UUID listener;

  RulesRegistry(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
    this.versions = hazelcast.getReplicatedMap(LimitsHazelcast.RULES_MAP);
  }

  /** Blocking (Hazelcast): call from a worker thread. */
  void start() {
    listener = versions.addEntryListener(new Arrivals());
    versions.values().forEach(this::offer);
  }

  /** Blocking (Hazelcast): call from a worker thread. */
  void stop() {
    if (listener != null && hazelcast.getLifecycleService().isRunning()) {
      versions.removeEntryListener(listener);
    }
  }

  /** Hands a version to every member (and to this one at once). Blocking: call from a worker thread. */
  void share(PublishedRules published) {
    versions.put(published.version(), published);
    offer(published);
  }

  /** The rules in force, when this member can enforce any. */
  Optional<RulesInForce> inForce() {
    return state.get().inForce();
  }

  /** Why {@link #inForce()} is empty, or would be unsafe to use. */
  Optional<String> unavailable() {
    if (!hazelcast.getLifecycleService().isRunning()) {
      return Optional.of("the Hazelcast member is not running");
    }
    State current = state.get();
    return current.inForce().isPresent() ? Optional.empty() : Optional.of(current.problem());
  }

  long highestSeen() {
    return state.get().highestSeen();
  }

  /**
   * Takes a version if it is newer than what this member holds. A version this member cannot parse
   * (it was validated where it was published, so this is a code mismatch between members) leaves
   * the member without rules: enforcing an older version could be more lenient than the newest.
   */
  void offer(PublishedRules published) {
    state.updateAndGet(current -> published.version() <= current.highestSeen() ? current : parsed(published));
  }

  /**
   * PostgreSQL's {@code latest} in force instead of {@code foreign}, a version PostgreSQL does not hold,
   * unless another version was taken since. Later versions are taken as usual (the highest seen is
   * {@code latest}'s now); the foreign one stays in the shared map, and a member started later takes it
   * until its own reconciliation.
   */
  void replace(PublishedRules foreign, PublishedRules latest) {
    State current = state.get();
    boolean stillInForce = current.inForce().map(RulesInForce::published).filter(foreign::equals).isPresent();
    if (stillInForce && state.compareAndSet(current, parsed(latest))) {
      LOG.error("rules version {} (sha256 {}, from {}, by {}) was in force here, and PostgreSQL does not hold it: "
        + "PostgreSQL's latest, version {}, is enforced instead", foreign.version(), foreign.sha256(), foreign.source(),
        foreign.actor(), latest.version());
    }
  }

  private static State parsed(PublishedRules published) {
    try {
      RulesInForce rules = new RulesInForce(published, RulesParser.parseValid(published.yaml()));
      LOG.info("rules version {} in force (sha256 {}, from {}, by {})", published.version(), published.sha256(),
        published.source(), published.actor());
      return new State(Optional.of(rules), published.version(), "");
    } catch (RuntimeException unparseable) {
      LOG.error("rules version {} cannot be parsed here; this member refuses to move money until a version it "
        + "can parse arrives", published.version(), unparseable);
      return new State(Optional.empty(), published.version(), "rules version " + published.version()
        + " cannot be parsed by this member");
    }
  }

  private final class Arrivals implements EntryListener<Long, PublishedRules> {
    @Override
    public void entryAdded(EntryEvent<Long, PublishedRules> event) {
      offer(event.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<Long, PublishedRules> event) {
      offer(event.getValue());
    }

    @Override
    public void entryRemoved(EntryEvent<Long, PublishedRules> event) {
    }

    @Override
    public void entryEvicted(EntryEvent<Long, PublishedRules> event) {
    }

    @Override
    public void entryExpired(EntryEvent<Long, PublishedRules> event) {
    }

    @Override
    public void mapCleared(MapEvent event) {
    }

    @Override
    public void mapEvicted(MapEvent event) {
    }
  }
}
