package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.edge.live.WalletSocket;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live balances across a failover, with an edge of its own: every edge that saw the failover closes
 * the sockets of the shards that changed master, so one shared with other tests would close theirs
 * too, a moment later.
 */
@ExtendWith(VertxExtension.class)
class SocketFailoverApiTest {

  private static Vertx vertx;
  private static EdgeFixture a;

  @BeforeAll
  static void start(Vertx testVertx) {
    vertx = testVertx;
    a = EdgeFixture.start(vertx);
  }

  @AfterAll
  static void stop() {
    a.close();
  }

  @Test
  @DisplayName("a failover of the master of a wallet's shard closes the wallet's sockets with 1013, and the client "
    + "reads the wallet again: a balance pushed from the old master may be one the failover took back, and the new "
    + "master's next change may come with its seq")
  void aFailoverClosesTheShardsSockets() {
    ApiCaller alice = a.newUser();
    String wallet = alice.openWallet();
    String near = alice.openWalletNear(wallet);
    alice.deposit(wallet, 5_000);
    LiveSocket socket = LiveSocket.open(vertx, a.port(), wallet, alice.token());
    socket.awaitSnapshot();
    ShardId shard = new WalletId(wallet).shard();
    int replica = RedisNodes.replicasOf(RedisNodes.masterOf(shard)).get(0);

    RedisNodes.cli(replica, "CLUSTER", "FAILOVER");
    Eventually.await("the replica to take the shard over", Duration.ofSeconds(30),
      () -> RedisNodes.masterOf(shard) == replica);
    String key = newKey();
    Eventually.await("a transfer after the failover", Duration.ofSeconds(30),
      () -> alice.post("/v1/transfers", ApiCaller.transfer(wallet, near, 100), key).statusCode() == 201);

    socket.awaitClose();
    assertThat(socket.closeCode).isEqualTo(WalletSocket.TRY_AGAIN_LATER);
    assertThat(socket.closeReason).contains("changed master");
  }
}
