package dev.wallet.edge.chaos;

import dev.wallet.balancecache.model.ShardId;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The faults of issue 9, each on real processes: how it is put in place, how long it lasts, and
 * how the system is made whole again (the killed process started again the way it was started).
 */
final class Faults {

  /** One fault: its name, the shards it stops, and its three steps. */
  interface Fault {

    String name();

    /** Puts the fault in place; answers the shards whose writes it stops (every shard for a process fault). */
    Set<ShardId> inject();

    /** Lets the fault last, under load. */
    void last(Writes writes);

    /** Makes the system whole again. */
    void heal();
  }

  static final List<String> ALL = List.of("master-kill", "replica-stall-master-kill", "writer-kill",
    "postgres-stop", "edge-kill", "redis-stall");

  /** Issue 9 asks for 30 s after losing any one Redis process; twice that is the bound a loaded machine must meet. */
  static final Duration RESUME_WITHIN = Duration.ofSeconds(60);
  private static final Duration AFTER_RESUME = Duration.ofSeconds(3);
  private static final Duration PROCESS_DOWN = Duration.ofSeconds(5);
  private static final Duration POSTGRES_DOWN = Duration.ofSeconds(20);
  private static final int PAUSE_MS = 5_000;
  private static final int REPLICA_SLEEP_S = 6;

  private final SystemUnderTest system;
  private final List<String> pgCtl;
  private final String pgLog;
  private final int shards;

  /** {@code pgCtl}: the pg_ctl command with its data folder (and the account it runs as); {@code pgLog}: the server's log. */
  Faults(SystemUnderTest system, List<String> pgCtl, String pgLog, int shards) {
    this.system = system;
    this.pgCtl = List.copyOf(pgCtl);
    this.pgLog = pgLog;
    this.shards = shards;
  }

  /** The fault called {@code name}; {@code time} picks a different victim on each repetition. */
  Fault create(String name, int time) {
    return switch (name) {
      case "master-kill" -> masterKill(time);
      case "replica-stall-master-kill" -> replicaStallThenMasterKill(time);
      case "writer-kill" -> processKill("ledger writer kill", "ledger-writer", -1);
      case "postgres-stop" -> postgresStop();
      case "edge-kill" -> processKill("edge kill", system.edgeNames.get(time % system.edgeNames.size()),
        time % system.edgeNames.size());
      case "redis-stall" -> redisStall(time);
      default -> throw new IllegalArgumentException("no fault named " + name + "; known: " + ALL);
    };
  }

  private List<RedisNodes.Node> fewestReplicasFirst() {
    RedisNodes redis = system.redis;
    return redis.masters().stream().sorted(java.util.Comparator.comparingInt(m -> redis.replicasOf(m).size()))
      .toList();
  }

  private Set<ShardId> everyShard() {
    Set<ShardId> all = new HashSet<>();
    IntStream.range(0, shards).forEach(n -> all.add(new ShardId(n)));
    return all;
  }

  /**
   * kill -9 of a master under load, one with a single replica first (the hard case: the promoted
   * replica has none until the spare migrates to it); then the node comes back, as a replica.
   */
  private Fault masterKill(int time) {
    RedisNodes redis = system.redis;
    List<RedisNodes.Node> masters = fewestReplicasFirst();
    RedisNodes.Node master = masters.get(time % masters.size());
    return new Fault() {
      public String name() {
        return "master kill with failover";
      }

      public Set<ShardId> inject() {
        Processes.kill(redis.pid(master.port()));
        return redis.shardsOf(master);
      }

      public void last(Writes writes) {
        writes.await(RESUME_WITHIN);
        Pause.hold(AFTER_RESUME);
      }

      public void heal() {
        redis.start(master.port());
      }
    };
  }

  /**
   * A master's only replica stalls (DEBUG SLEEP, so it acknowledges nothing), then the master is
   * killed: what the master took meanwhile was never acknowledged, and the stalled replica, once
   * awake, is what can be promoted.
   */
  private Fault replicaStallThenMasterKill(int time) {
    RedisNodes redis = system.redis;
    List<RedisNodes.Node> lonely = redis.masters().stream().filter(m -> redis.replicasOf(m).size() == 1).toList();
    RedisNodes.Node master = lonely.get(time % lonely.size());
    RedisNodes.Node replica = redis.replicasOf(master).get(0);
    Process[] sleeper = new Process[1];
    return new Fault() {
      public String name() {
        return "replica stalled, then master killed";
      }

      public Set<ShardId> inject() {
        sleeper[0] = Processes.background(redis.cliCommand(replica.port(), "DEBUG", "SLEEP",
          Integer.toString(REPLICA_SLEEP_S)));
        Pause.hold(Duration.ofSeconds(1));
        Processes.kill(redis.pid(master.port()));
        return redis.shardsOf(master);
      }

      public void last(Writes writes) {
        writes.await(RESUME_WITHIN);
        Pause.hold(AFTER_RESUME);
      }

      public void heal() {
        sleeper[0].destroy();
        redis.start(master.port());
      }
    };
  }

  /** kill -9 of a JVM (the ledger writer, an edge) under load, started again the same way after a while. */
  private Fault processKill(String title, String processName, int edge) {
    Processes processes = system.processes;
    Processes.Started started = processes.howStarted(processName);
    return new Fault() {
      public String name() {
        return title;
      }

      public Set<ShardId> inject() {
        Processes.kill(processes.pid(processName));
        return everyShard();
      }

      public void last(Writes writes) {
        Pause.hold(PROCESS_DOWN);
      }

      public void heal() {
        processes.start(started);
        if (edge >= 0) {
          system.awaitReady(edge);
        }
      }
    };
  }

  private Fault postgresStop() {
    return new Fault() {
      public String name() {
        return "PostgreSQL stopped for " + POSTGRES_DOWN.toSeconds() + " s";
      }

      public Set<ShardId> inject() {
        pgCtl("-m", "fast", "-w", "stop");
        return everyShard();
      }

      public void last(Writes writes) {
        Pause.hold(POSTGRES_DOWN);
      }

      public void heal() {
        pgCtl("-l", pgLog, "-w", "-t", "60", "start");
      }
    };
  }

  /** A master stops answering its clients (CLIENT PAUSE) for longer than the request timeout, without a failover. */
  private Fault redisStall(int time) {
    RedisNodes redis = system.redis;
    RedisNodes.Node master = redis.masters().get(time % redis.masters().size());
    return new Fault() {
      public String name() {
        return "Redis master stalled " + PAUSE_MS / 1000 + " s";
      }

      public Set<ShardId> inject() {
        redis.cli(master.port(), "CLIENT", "PAUSE", Integer.toString(PAUSE_MS), "ALL");
        return redis.shardsOf(master);
      }

      public void last(Writes writes) {
        Pause.hold(Duration.ofMillis(PAUSE_MS));
        writes.await(RESUME_WITHIN);
      }

      public void heal() {
        // the pause ends by itself
      }
    };
  }

  private void pgCtl(String... args) {
    List<String> command = new java.util.ArrayList<>(pgCtl);
    command.addAll(List.of(args));
    Processes.run(Duration.ofSeconds(90), command);
  }
}
