package dev.wallet.limits;

import com.hazelcast.core.HazelcastInstance;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.limits.impl.HazelcastLimits;
import dev.wallet.limits.impl.LimitsHazelcast;
import dev.wallet.limits.model.AuditRecord;
import dev.wallet.limits.model.Decision;
import dev.wallet.limits.model.KycProfile;
import dev.wallet.limits.model.Movement;
import dev.wallet.limits.model.PublishOutcome;
import dev.wallet.limits.model.RulesInForce;
import dev.wallet.limits.model.RulesReview;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * KYC tiers and limits. Decides, before money moves, whether a movement is refused or which
 * limit checks the money core must apply atomically with the debit; keeps the risk team's rules
 * (versioned and audited in PostgreSQL, shared by every member through Hazelcast) and the owners'
 * KYC profiles (a Hazelcast map written through to PostgreSQL).
 *
 * <p>Fails closed: {@link #check} fails with {@link LimitsUnavailableException} when it cannot
 * decide (no rules, member down, profile unreadable), and then money must not move.
 */
public interface Limits {

  /**
   * A Hazelcast member of the rules' cluster, with the KYC profiles written through to {@code appPool}
   * and near-cached, and the rules replicated to every member.
   */
  static HazelcastInstance newMember(HazelcastOptions options, Pool appPool) {
    return LimitsHazelcast.newMember(options, appPool);
  }

  /**
   * @param hazelcast a member made by {@link #newMember} (its KYC map is backed by {@code pool})
   * @param pool      PostgreSQL as the application role
   */
  static Limits create(Vertx vertx, HazelcastInstance hazelcast, Pool pool, LimitsOptions options) {
    return create(vertx, hazelcast, pool, LedgerNodes.single(pool), options);
  }

  /**
   * @param ledger every database of the ledger, the home one on {@code pool}: the AML monitors and
   *               reports read the ledger's movements in all of them
   */
  static Limits create(Vertx vertx, HazelcastInstance hazelcast, Pool pool, LedgerNodes ledger, LimitsOptions options) {
    return new HazelcastLimits(vertx, hazelcast, pool, ledger, options);
  }

  /** Loads the latest version (PostgreSQL, the cluster), then watches the file and reconciles. */
  Future<Void> start();

  Future<Void> close();

  Future<Decision> check(Movement movement);

  /**
   * Whether money may move for the owner at all (a tier the rules define, a country they do not
   * block), whatever the movement: what a merchant is judged for when it is paid, whose sales no
   * tier's maxima are written for. Fails as {@link #check} does when the rules cannot be read.
   */
  Future<Decision> standing(String ownerId);

  /** The version this member enforces, if any. */
  Optional<RulesInForce> rulesInForce();

  /**
   * The highest version this member has seen, enforced or not (one it could not parse included); 0
   * for none: what a change made on a member that enforces nothing was made against.
   */
  long highestVersionSeen();

  /** Validates, versions, audits and shares a rules text; a refused text is audited too. */
  default Future<PublishOutcome> publish(String yaml, String actor, String source) {
    return publish(yaml, actor, source, OptionalLong.empty());
  }

  /**
   * The same, for a text changed from version {@code basedOn} (0: from none): published only while
   * that is still the latest version, else {@link PublishOutcome.Superseded} and nothing changes.
   */
  Future<PublishOutcome> publish(String yaml, String actor, String source, OptionalLong basedOn);

  /**
   * What {@link #publish} would make of a text, without publishing or auditing it: each problem at
   * its place, or the rule-by-rule diff against the version this member enforces. Pure; no I/O.
   */
  RulesReview review(String yaml);

  /** The owner's profile; an owner never profiled has the rules' default tier and no country. */
  Future<KycProfile> profile(String ownerId);

  /**
   * Sets an owner's tier (and country, when given), atomically on the owner's entry and written
   * through, with its audit line, to PostgreSQL before it is answered. {@code source} is where the
   * change was made ("api", "console"), as {@link #publish} names it.
   *
   * @throws IllegalArgumentException (failed future) for a tier the rules in force do not define
   */
  Future<KycProfile> setProfile(String ownerId, String tier, Optional<String> country, String actor, String source);

  /** The newest audit lines first. */
  Future<List<AuditRecord>> audit(int limit);

  Compliance compliance();

  /** The member this module runs on; whoever made it shuts it down, after {@link #close()}. */
  HazelcastInstance hazelcast();
}
