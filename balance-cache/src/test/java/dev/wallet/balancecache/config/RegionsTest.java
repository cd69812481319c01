package dev.wallet.balancecache.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RegionsTest {

  private static final String TWO = "a=http://127.0.0.1:8080,b=https://wallet-b.example/";

  private static Regions regions(Map<String, String> env) {
    return Regions.from(Settings.of(env, new JsonObject()), 64);
  }

  @Test
  @DisplayName("without regions there is one, owning shards 0 to 63 as before regions existed")
  void single() {
    Regions single = regions(Map.of());

    assertThat(single.multiple()).isFalse();
    assertThat(single.shards(64)).isEqualTo(new ShardRange(0, 64));
  }

  @Test
  @DisplayName("region i owns shards from 1000 × i, and every shard names its region or none")
  void rangesByPosition() {
    Regions b = regions(Map.of("WALLET_REGIONS", TWO, "WALLET_REGION", "b"));

    assertThat(b.shards(64)).isEqualTo(new ShardRange(1000, 64));
    assertThat(b.self().orElseThrow().edge().toString()).isEqualTo("https://wallet-b.example");
    assertThat(b.homeOf(new ShardId(42)).orElseThrow().name()).isEqualTo("a");
    assertThat(b.homeOf(new ShardId(1042)).orElseThrow().name()).isEqualTo("b");
    assertThat(b.homeOf(new ShardId(2042))).isEmpty();
    assertThat(regions(Map.of("WALLET_REGIONS", TWO, "WALLET_REGION", "a")).shards(64))
      .isEqualTo(new ShardRange(0, 64));
  }

  @Test
  @DisplayName("a configuration that would put a wallet in two regions, or in none, is refused at start")
  void refused() {
    assertThatThrownBy(() -> regions(Map.of("WALLET_REGIONS", TWO)))
      .hasMessageContaining("set together");
    assertThatThrownBy(() -> regions(Map.of("WALLET_REGIONS", TWO, "WALLET_REGION", "c")))
      .hasMessageContaining("not among");
    assertThatThrownBy(() -> regions(Map.of("WALLET_REGIONS", "a=http://x,a=http://y", "WALLET_REGION", "a")))
      .hasMessageContaining("named twice");
    assertThatThrownBy(() -> regions(Map.of("WALLET_REGIONS", "a=ftp://x", "WALLET_REGION", "a")))
      .hasMessageContaining("http(s) URL");
    assertThatThrownBy(() -> regions(Map.of("WALLET_REGIONS", "A=http://x", "WALLET_REGION", "A")))
      .hasMessageContaining("lower-case");
    assertThatThrownBy(() -> Regions.from(Settings.of(Map.of("WALLET_REGIONS", TWO, "WALLET_REGION", "a"),
      new JsonObject()), 1001)).hasMessageContaining("at most 1000 shards");
  }

  @Test
  @DisplayName("an owner's home shard is the same position in every region's range")
  void homesInARange() {
    ShardRange b = new ShardRange(1000, 64);

    assertThat(b.homeOf("alice").number()).isEqualTo(1000 + ShardId.homeOf("alice", 64).number());
    assertThat(b.contains(new ShardId(1063))).isTrue();
    assertThat(b.contains(new ShardId(1064))).isFalse();
    assertThat(b.contains(new ShardId(63))).isFalse();
    assertThat(b.at(64)).isEqualTo(new ShardId(1000));
  }
}
