package dev.wallet.limits.impl;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import dev.wallet.limits.HazelcastOptions;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LimitsHazelcastTest {

  /**
   * Hazelcast's own JVM hook terminates the member at SIGTERM, while the edge's hook is still draining
   * requests that need the limits: until 2026-12-07 each of those was answered 503.
   */
  @Test
  @DisplayName("a member has no shutdown hook of its own: the edge shuts it down once its servers have drained")
  void noShutdownHookOfItsOwn() {
    Config config = LimitsHazelcast.config(new HazelcastOptions("wallet-test", "127.0.0.1", 5701, 3,
      List.of("127.0.0.1:5701")), null);

    assertThat(config.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
  }
}
