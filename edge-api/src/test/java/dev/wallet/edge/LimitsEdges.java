package dev.wallet.edge;

import dev.wallet.limits.testing.LimitsTestSupport;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Several edge processes as production starts them ({@link EdgeFixture}), their embedded Hazelcast
 * members in one cluster (one ruleset), all watching the same rules file or none.
 */
final class LimitsEdges {

  final String cluster = LimitsTestSupport.newClusterName();
  final List<EdgeFixture> edges = new ArrayList<>();
  private final Vertx vertx;

  LimitsEdges(Vertx vertx) {
    this.vertx = vertx;
  }

  /** An edge in this cluster; without a file its rules come only through PUT /admin/limits. */
  EdgeFixture start(Optional<Path> rulesFile) {
    return start(rulesFile, Map.of());
  }

  /** With more settings, as an operator would set them (e.g. WALLET_PROMETHEUS_URL). */
  EdgeFixture start(Optional<Path> rulesFile, Map<String, String> settings) {
    Map<String, String> overrides = new HashMap<>(settings);
    overrides.put("WALLET_HZ_CLUSTER", cluster);
    overrides.put("WALLET_RISK_RULES_FILE", rulesFile.map(Path::toString).orElse("none"));
    EdgeFixture edge = EdgeFixture.start(vertx, overrides);
    edges.add(edge);
    return edge;
  }

  void close() {
    edges.forEach(EdgeFixture::close);
  }
}
