package dev.wallet.limits;

import dev.wallet.balancecache.config.Settings;
import java.util.Arrays;
import java.util.List;

/**
 * How this process's embedded Hazelcast member finds the others: TCP-IP on the given interface
 * with an explicit member list, never multicast or auto-detection.
 *
 * @param clusterName the cluster; members with another name never join (also names the ruleset)
 * @param host        interface to bind and advertise, e.g. 127.0.0.1
 * @param port        first port to try; the member takes the next free one within {@code portCount}
 * @param members     the members to join, e.g. 127.0.0.1:5701-5703
 */
public record HazelcastOptions(String clusterName, String host, int port, int portCount, List<String> members) {

  public HazelcastOptions {
    members = members.stream().flatMap(member -> expand(member).stream()).toList();
    if (clusterName == null || !clusterName.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new IllegalArgumentException("WALLET_HZ_CLUSTER must be 1 to 64 characters of [A-Za-z0-9_.-]");
    }
    if (port < 1 || port > 65_535 || portCount < 1 || port + portCount - 1 > 65_535) {
      throw new IllegalArgumentException("WALLET_HZ_PORT and WALLET_HZ_PORT_COUNT must give ports within 1-65535");
    }
    if (members.isEmpty()) {
      throw new IllegalArgumentException("WALLET_HZ_MEMBERS must name at least one member");
    }
  }

  /** From the environment, or the YAML's {@code limits.hazelcast} section. */
  public static HazelcastOptions from(Settings s) {
    String host = s.text("WALLET_HZ_HOST", "limits.hazelcast.host", "127.0.0.1");
    int port = s.integer("WALLET_HZ_PORT", "limits.hazelcast.port", 5701);
    int count = s.integer("WALLET_HZ_PORT_COUNT", "limits.hazelcast.portCount", 3);
    String members = s.text("WALLET_HZ_MEMBERS", "limits.hazelcast.members", host + ":" + port + "-" + (port + count - 1));
    return new HazelcastOptions(s.text("WALLET_HZ_CLUSTER", "limits.hazelcast.cluster", "wallet"), host, port, count,
      Arrays.stream(members.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList());
  }

  /** host:5701-5703 stands for three members; Hazelcast itself only takes ranges in the address. */
  private static List<String> expand(String member) {
    java.util.regex.Matcher range = java.util.regex.Pattern.compile("(.+):(\\d+)-(\\d+)").matcher(member);
    if (!range.matches()) {
      return List.of(member);
    }
    int from = Integer.parseInt(range.group(2));
    int to = Integer.parseInt(range.group(3));
    if (to < from || to - from > 100) {
      throw new IllegalArgumentException("WALLET_HZ_MEMBERS: bad port range in " + member);
    }
    return java.util.stream.IntStream.rangeClosed(from, to).mapToObj(port -> range.group(1) + ":" + port).toList();
  }
}
