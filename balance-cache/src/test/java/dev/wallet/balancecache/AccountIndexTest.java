package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import dev.wallet.balancecache.testing.RedisNodes;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Reconciliation lists a shard's accounts from the shard's index, which the scripts that create an
 * account keep, instead of from every key of the slot (CLUSTER GETKEYSINSLOT blocks the master for
 * as long as the slot is large, and the slot holds every movement and idempotency record too).
 */
class AccountIndexTest extends MoneyCoreTest {

  @Test
  @DisplayName("a shard's listing holds the wallets opened there and the system accounts their postings created, "
    + "and nothing else of the slot")
  void listsWalletsAndSystemAccounts() {
    WalletId wallet = core.funded(owner(), 1_000);
    WalletId neighbour = core.openNear(owner(), wallet);
    Await.result(core.transfer(wallet, neighbour, 10, ownerOf(wallet)));

    List<String> listed = Await.result(cache.hotTier().accountsOnShard(wallet.shard()));

    assertThat(listed).contains(wallet.value(), neighbour.value(), "clearing.sandbox:USD:" + wallet.shard().name())
      .allMatch(id -> id.startsWith("w") || id.endsWith(":" + wallet.shard().name()));
    assertThat(indexMembers(wallet.shard())).contains(wallet.value(), neighbour.value());
  }

  @Test
  @DisplayName("a shard written before it had an index (or restored) is listed whole: the index is completed from the "
    + "slot's keys once, and a wallet opened afterwards is listed from the index alone")
  void completesAnIndexFromBefore() {
    WalletId wallet = core.funded(owner(), 1_000);
    ShardId shard = wallet.shard();
    RedisNodes.cli(masterOf(shard), "DEL", indexKey(shard));
    WalletId opened = core.openNear(owner(), wallet);

    assertThat(Await.result(cache.hotTier().accountsOnShard(shard)))
      .contains(wallet.value(), opened.value(), "clearing.sandbox:USD:" + shard.name());
    assertThat(indexMembers(shard)).contains(wallet.value(), opened.value(), "*");

    WalletId later = core.openNear(owner(), wallet);
    assertThat(Await.result(cache.hotTier().accountsOnShard(shard))).contains(wallet.value(), opened.value(),
      later.value()).doesNotContain("*");
  }

  @Test
  @DisplayName("an account hash written other than by a script is not in the index, and the slot's listing still "
    + "finds it (and adds it)")
  void theSlotFindsWhatTheIndexDoesNotKnow() {
    WalletId wallet = core.funded(owner(), 1_000);
    ShardId shard = wallet.shard();
    Await.result(cache.hotTier().accountsOnShard(shard));
    String stray = "w" + shard.name().substring(1) + "_" + "0".repeat(24);
    RedisNodes.cli(masterOf(shard), "HSET", shard.tag() + ":w:" + stray, "id", stray, "avail", "500", "held", "0",
      "seq", "1");
    try {
      assertThat(Await.result(cache.hotTier().accountsOnShard(shard))).contains(wallet.value()).doesNotContain(stray);
      assertThat(Await.result(cache.hotTier().accountsInSlot(shard))).contains(wallet.value(), stray);
      assertThat(Await.result(cache.hotTier().accountsOnShard(shard))).contains(stray);
    } finally {
      RedisNodes.cli(masterOf(shard), "DEL", shard.tag() + ":w:" + stray);
      RedisNodes.cli(masterOf(shard), "SREM", indexKey(shard), stray);
    }
  }

  private String ownerOf(WalletId wallet) {
    return core.wallet(wallet).ownerId();
  }

  private static List<String> indexMembers(ShardId shard) {
    return Arrays.stream(RedisNodes.cli(masterOf(shard), "SMEMBERS", indexKey(shard)).split("\\s+"))
      .filter(member -> !member.isEmpty()).toList();
  }

  private static String indexKey(ShardId shard) {
    return shard.tag() + ":accounts";
  }

  private static int masterOf(ShardId shard) {
    return RedisNodes.masterOfSlot(RedisNodes.slotOf(shard.tag()));
  }
}
