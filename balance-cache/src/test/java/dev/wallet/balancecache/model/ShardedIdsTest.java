package dev.wallet.balancecache.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Ids that carry their shard: what is one, and which shard it names. */
class ShardedIdsTest {

  @Test
  @DisplayName("a random or derived id names its shard, and parses back to it")
  void roundTrip() {
    for (int shard : List.of(0, 7, 42, 999, 1_000, ShardId.MAX_SHARDS - 1)) {
      WalletId random = WalletId.random(new ShardId(shard));
      WalletId derived = WalletId.derived(new ShardId(shard), "seed-" + shard);

      assertThat(random.value()).matches("w\\d{4}_[0-9a-f]{24}");
      assertThat(random.shard()).isEqualTo(new ShardId(shard));
      assertThat(derived.shard()).isEqualTo(new ShardId(shard));
      assertThat(derived).isEqualTo(WalletId.derived(new ShardId(shard), "seed-" + shard));
      assertThat(WalletId.isWalletId(random.value())).isTrue();
    }
    assertThat(new WalletId("w0042_3f9c2a0b7d1e4c5a6b7c8d9e").shard()).isEqualTo(new ShardId(42));
  }

  @Test
  @DisplayName("anything else is refused: another kind, a short or long id, upper-case or non-hex digits, a shard "
    + "that is not four digits, no underscore")
  void malformed() {
    List<String> malformed = List.of("", "w0042_3f9c2a0b7d1e4c5a6b7c8d9", "w0042_3f9c2a0b7d1e4c5a6b7c8d9e0",
      "t0042_3f9c2a0b7d1e4c5a6b7c8d9e", "W0042_3f9c2a0b7d1e4c5a6b7c8d9e", "w0042_3F9C2A0B7D1E4C5A6B7C8D9E",
      "w0042_3f9c2a0b7d1e4c5a6b7c8d9g", "w004a_3f9c2a0b7d1e4c5a6b7c8d9e", "w-042_3f9c2a0b7d1e4c5a6b7c8d9e",
      "w00420_3f9c2a0b7d1e4c5a6b7c8d9", "w0042-3f9c2a0b7d1e4c5a6b7c8d9e", "w0042_3f9c2a0b7d1e4c5a6b7c8d9 ");
    for (String id : malformed) {
      assertThat(WalletId.isWalletId(id)).as(id).isFalse();
      assertThatThrownBy(() -> new WalletId(id)).as(id).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(WalletId.isWalletId(null)).isFalse();
    assertThatThrownBy(() -> new WalletId(null)).isInstanceOf(IllegalArgumentException.class);
  }
}
