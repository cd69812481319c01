package dev.wallet.limits.testing;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.limits.testing.LimitsTestSupport.Member;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real split brain of one cluster's members and its healing. The lone member forms a cluster of
 * its own because the members it knows are not up when it starts; the larger side's first two
 * members do not know it. Once the larger side's third member, the one the lone member knows, has
 * joined them, the lone member finds that side and merges into it, as after a network partition.
 * Each side has the permissive rules (one ruleset in PostgreSQL) and writes through to PostgreSQL.
 */
public final class SplitBrain implements AutoCloseable {

  // ports of their own, outside the 5901-5920 other test members take the next free one of
  private static final int LONE_PORT = 5934;
  private static final int JOINS_LAST_PORT = 5933;
  private static final List<Integer> LARGER_PORTS = List.of(5931, 5932, JOINS_LAST_PORT);
  private static final Duration MERGE = Duration.ofSeconds(60);

  private final Vertx vertx;
  private final String cluster = LimitsTestSupport.newClusterName();
  private final List<Member> members = new ArrayList<>();

  private SplitBrain(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Blocking: the lone side and two members of the larger side, split. */
  public static SplitBrain open(Vertx vertx) {
    SplitBrain split = new SplitBrain(vertx);
    try {
      split.members.add(Member.knowing(vertx, split.cluster, LONE_PORT, List.of(LONE_PORT, JOINS_LAST_PORT)));
      Await.result(split.lone().limits().publish(TestRules.permissive(), "test", "api"));
      split.members.add(Member.knowing(vertx, split.cluster, LARGER_PORTS.get(0), LARGER_PORTS));
      split.members.add(Member.knowing(vertx, split.cluster, LARGER_PORTS.get(1), LARGER_PORTS));
      split.assertSplit();
      return split;
    } catch (RuntimeException | AssertionError e) {
      split.close();
      throw e;
    }
  }

  public Member lone() {
    return members.get(0);
  }

  /** A member of the larger side. */
  public Member larger() {
    return members.get(1);
  }

  /** Blocking: the larger side's third member joins, and the lone member merges into that side. */
  public void heal() {
    assertSplit();
    members.add(Member.knowing(vertx, cluster, JOINS_LAST_PORT, LARGER_PORTS));
    Eventually.await("the lone member to merge into the larger side", MERGE,
      () -> lone().hazelcast().getCluster().getMembers().size() == members.size());
  }

  public List<Member> members() {
    return List.copyOf(members);
  }

  private void assertSplit() {
    if (lone().hazelcast().getCluster().getMembers().size() != 1
      || larger().hazelcast().getCluster().getMembers().size() != members.size() - 1) {
      throw new AssertionError("the two sides were to be split: " + lone().hazelcast().getCluster().getMembers()
        + " and " + larger().hazelcast().getCluster().getMembers());
    }
  }

  @Override
  public void close() {
    for (int i = members.size() - 1; i >= 0; i--) {
      members.get(i).close();
    }
  }
}
