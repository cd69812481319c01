package dev.wallet.balancecache.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Control over the real Redis processes that scripts/infra-up.sh started: find the master of a
 * slot, kill it with SIGKILL, start it again, and wait for the cluster to heal.
 */
public final class RedisNodes {

  private RedisNodes() {
  }

  public static String cli(int port, String... args) {
    List<String> command = new java.util.ArrayList<>(List.of("redis-cli", "-h", TestEnvironment.redisHost(), "-p",
      Integer.toString(port)));
    command.addAll(List.of(args));
    return run(command);
  }

  /** Sets the node's {@code appendfsync}, as scripts/infra-up.sh sets replicas'. */
  public static void setFsync(int port, String policy) {
    String answer = cli(port, "config", "set", "appendfsync", policy).trim();
    if (!answer.equals("OK")) {
      throw new IllegalStateException(port + " refused appendfsync " + policy + ": " + answer);
    }
  }

  /** The node's {@code appendfsync}: always, everysec or no. */
  public static String fsyncOf(int port) {
    return cli(port, "config", "get", "appendfsync").lines().skip(1).findFirst().orElse("").trim();
  }

  /** The node's id in the cluster. */
  public static String idOf(int port) {
    return cli(port, "cluster", "myid").trim();
  }

  public static int slotOf(String key) {
    for (int port : TestEnvironment.redisPorts()) {
      if (ping(port)) {
        return Integer.parseInt(cli(port, "cluster", "keyslot", key).trim());
      }
    }
    throw new IllegalStateException("no Redis node answers");
  }

  /** The port of the node that is master for {@code shard}'s slot right now. */
  public static int masterOf(dev.wallet.balancecache.model.ShardId shard) {
    return masterOfSlot(slotOf(shard.tag()));
  }

  /** The port of the node that is master for {@code slot} right now, as the cluster sees it. */
  public static int masterOfSlot(int slot) {
    for (int port : TestEnvironment.redisPorts()) {
      String nodes;
      try {
        nodes = cli(port, "cluster", "nodes");
      } catch (IllegalStateException unreachable) {
        continue;
      }
      for (String line : nodes.split("\n")) {
        String[] f = line.trim().split(" ");
        if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail") || !f[7].equals("connected")) {
          continue;
        }
        for (int i = 8; i < f.length; i++) {
          if (covers(f[i], slot)) {
            return Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
          }
        }
      }
      throw new IllegalStateException("no master covers slot " + slot);
    }
    throw new IllegalStateException("no Redis node answers");
  }

  /** The ports of the nodes that are masters serving slots right now. */
  public static List<Integer> masters() {
    return nodesWhere(fields -> fields[2].contains("master") && !fields[2].contains("fail") && fields.length > 8);
  }

  /** The ports of the live replicas of the master on {@code masterPort}. */
  public static List<Integer> replicasOf(int masterPort) {
    String masterId = cli(masterPort, "cluster", "myid").trim();
    return nodesWhere(fields -> fields[2].contains("slave") && !fields[2].contains("fail") && fields[3].equals(masterId));
  }

  private static List<Integer> nodesWhere(java.util.function.Predicate<String[]> wanted) {
    for (int port : TestEnvironment.redisPorts()) {
      if (!ping(port)) {
        continue;
      }
      return cli(port, "cluster", "nodes").lines().map(line -> line.trim().split(" "))
        .filter(fields -> fields.length >= 8 && wanted.test(fields))
        .map(fields -> Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1, fields[1].indexOf('@'))))
        .sorted().toList();
    }
    throw new IllegalStateException("no Redis node answers");
  }

  private static boolean covers(String range, int slot) {
    if (range.startsWith("[")) {
      return false;
    }
    String[] ends = range.split("-");
    int from = Integer.parseInt(ends[0]);
    int to = ends.length > 1 ? Integer.parseInt(ends[1]) : from;
    return slot >= from && slot <= to;
  }

  public static void kill9(int port) {
    Path pidFile = TestEnvironment.dataDir().resolve("redis/" + port + "/redis.pid");
    try {
      String pid = Files.readString(pidFile).trim();
      run(List.of("kill", "-9", pid));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + pidFile, e);
    }
  }

  /** Sends a signal to the node's process: STOP freezes it at once (it answers nothing), CONT resumes it. */
  public static void signal(int port, String signal) {
    Path pidFile = TestEnvironment.dataDir().resolve("redis/" + port + "/redis.pid");
    try {
      run(List.of("kill", "-" + signal, Files.readString(pidFile).trim()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + pidFile, e);
    }
  }

  public static void start(int port) {
    run(List.of("redis-server", TestEnvironment.dataDir().resolve("redis/" + port + "/redis.conf").toString()));
    Eventually.await("redis on " + port + " to answer", Duration.ofSeconds(30), () -> ping(port));
  }

  public static boolean ping(int port) {
    try {
      return cli(port, "ping").trim().equals("PONG");
    } catch (IllegalStateException e) {
      return false;
    }
  }

  /** Every node up, every node seeing cluster_state:ok, and every master with a connected replica. */
  public static void awaitHealthy(Duration timeout) {
    Eventually.await("the Redis Cluster to heal", timeout, RedisNodes::healthy);
  }

  private static boolean healthy() {
    List<Integer> ports = TestEnvironment.redisPorts();
    for (int port : ports) {
      if (!ping(port) || !cli(port, "cluster", "info").contains("cluster_state:ok")) {
        return false;
      }
    }
    for (int port : ports) {
      String replication = cli(port, "info", "replication");
      if (replication.contains("role:master") && replication.contains("connected_slaves:0")) {
        return false;
      }
      if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
        return false;
      }
    }
    return true;
  }

  private static String run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
      }
      return out.replace("\r", "");
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
