package dev.wallet.edge.chaos;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The Redis Cluster's nodes as real processes, through redis-cli: who is master of what, each
 * node's pid (its pid file under the data folder), and whether the cluster is whole again.
 */
final class RedisNodes {

  /** One line of CLUSTER NODES. */
  record Node(String id, int port, boolean master, String masterId, boolean failing, boolean connected,
              List<int[]> slots) {

    boolean serves(int slot) {
      return slots.stream().anyMatch(range -> range[0] <= slot && slot <= range[1]);
    }
  }

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

  private final String host;
  private final List<Integer> ports;
  private final Path dataDir;
  private final int shards;
  private List<Integer> shardSlots;

  RedisNodes(String host, List<Integer> ports, Path dataDir, int shards) {
    this.host = host;
    this.ports = List.copyOf(ports);
    this.dataDir = dataDir;
    this.shards = shards;
  }

  String cli(int port, String... args) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-h", host, "-p", Integer.toString(port)));
    command.addAll(List.of(args));
    return Processes.run(COMMAND_TIMEOUT, command).trim();
  }

  List<String> cliCommand(int port, String... args) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-h", host, "-p", Integer.toString(port)));
    command.addAll(List.of(args));
    return command;
  }

  /** The cluster as a node that answers sees it. */
  List<Node> nodes() {
    for (int port : ports) {
      try {
        return parse(cli(port, "CLUSTER", "NODES"));
      } catch (IllegalStateException notAnswering) {
        // ask the next one
      }
    }
    throw new IllegalStateException("no Redis node answers CLUSTER NODES");
  }

  List<Node> masters() {
    return nodes().stream().filter(node -> node.master() && !node.failing() && !node.slots().isEmpty())
      .sorted(java.util.Comparator.comparingInt(Node::port)).toList();
  }

  List<Node> replicasOf(Node master) {
    return nodes().stream().filter(node -> master.id().equals(node.masterId()) && !node.failing()).toList();
  }

  Set<ShardId> shardsOf(Node master) {
    List<Integer> slots = shardSlots();
    Set<ShardId> served = new HashSet<>();
    for (int n = 0; n < shards; n++) {
      if (master.serves(slots.get(n))) {
        served.add(new ShardId(n));
      }
    }
    return served;
  }

  /** Each shard's hash slot as the cluster computes it (CLUSTER KEYSLOT of its tag), asked once. */
  private List<Integer> shardSlots() {
    if (shardSlots == null) {
      StringBuilder commands = new StringBuilder();
      for (int n = 0; n < shards; n++) {
        commands.append("CLUSTER KEYSLOT ").append(new ShardId(n).tag()).append('\n');
      }
      List<Integer> answered = java.util.Arrays.stream(Processes.run(COMMAND_TIMEOUT,
          cliCommand(masters().get(0).port()), commands.toString()).split("\n")).map(String::trim)
        .filter(line -> line.matches("\\d+")).map(Integer::parseInt).toList();
      if (answered.size() != shards) {
        throw new IllegalStateException("CLUSTER KEYSLOT of every shard's tag answered " + answered);
      }
      shardSlots = answered;
    }
    return shardSlots;
  }

  /** Movements debited and not finished, over every shard's {@code pending} set: one redis-cli that follows the slots. */
  long pendingSagas() {
    StringBuilder commands = new StringBuilder();
    for (int n = 0; n < shards; n++) {
      commands.append("ZCARD ").append(new ShardId(n).tag()).append(":pending\n");
    }
    int port = masters().get(0).port();
    List<Long> counts = java.util.Arrays.stream(Processes.run(COMMAND_TIMEOUT, cliCommand(port, "-c"),
        commands.toString()).split("\n")).map(String::trim).filter(line -> line.matches("\\d+"))
      .map(Long::parseLong).toList();
    if (counts.size() != shards) {
      throw new IllegalStateException("ZCARD of every shard's pending set answered " + counts);
    }
    return counts.stream().mapToLong(Long::longValue).sum();
  }

  /**
   * What the credit stripes of {@code merchant} hold available, all shards together: zero once the
   * stripe sweeper has swept them all, after which no sweep starts until a payment lands on one.
   */
  long heldOnStripes(String merchant) {
    StringBuilder commands = new StringBuilder();
    for (int n = 0; n < shards; n++) {
      ShardId shard = new ShardId(n);
      commands.append("HGET ").append(shard.tag()).append(":w:")
        .append(WalletId.derived(shard, "stripe|" + merchant).value()).append(" avail\n");
    }
    int port = masters().get(0).port();
    return java.util.Arrays.stream(Processes.run(COMMAND_TIMEOUT, cliCommand(port, "-c"), commands.toString())
        .split("\n")).map(String::trim).filter(line -> line.matches("-?\\d+"))
      .mapToLong(Long::parseLong).sum();
  }

  long pid(int port) {
    return Processes.pidIn(dataDir.resolve(Integer.toString(port)).resolve("redis.pid"));
  }

  /** Starts a node again the way scripts/infra-up.sh does (it daemonizes from its own configuration). */
  void start(int port) {
    Processes.run(COMMAND_TIMEOUT, List.of("redis-server", dataDir.resolve(Integer.toString(port))
      .resolve("redis.conf").toString()));
  }

  /**
   * Every node answers and says the cluster is ok, none is marked failing, and every master has a
   * replica online: what every shard needs to take writes.
   */
  boolean whole() {
    try {
      for (int port : ports) {
        if (!cli(port, "CLUSTER", "INFO").contains("cluster_state:ok")) {
          return false;
        }
      }
      List<Node> nodes = nodes();
      return nodes.size() == ports.size() && nodes.stream().allMatch(node -> !node.failing() && node.connected())
        && masters().stream().allMatch(master -> !replicasOf(master).isEmpty());
    } catch (IllegalStateException notYet) {
      return false;
    }
  }

  private static List<Node> parse(String clusterNodes) {
    List<Node> nodes = new ArrayList<>();
    for (String line : clusterNodes.split("\n")) {
      String[] fields = line.trim().split(" ");
      if (fields.length < 8) {
        continue;
      }
      String flags = fields[2];
      int port = Integer.parseInt(fields[1].substring(fields[1].lastIndexOf(':') + 1, fields[1].indexOf('@')));
      List<int[]> slots = new ArrayList<>();
      for (int i = 8; i < fields.length; i++) {
        if (!fields[i].startsWith("[")) {
          String[] range = fields[i].split("-");
          slots.add(new int[] {Integer.parseInt(range[0]), Integer.parseInt(range[range.length - 1])});
        }
      }
      nodes.add(new Node(fields[0], port, flags.contains("master"), fields[3], flags.contains("fail"),
        "connected".equals(fields[7]), slots));
    }
    return nodes;
  }
}
