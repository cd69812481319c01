package dev.wallet.edge;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Duration;

/** The hot tier's records as tests watch them expire once the ledger has what retired them. */
final class HotRecords {

  private HotRecords() {
  }

  static void awaitGone(Redis redis, String record) {
    Eventually.await(record + " to expire once the ledger holds its last change", Duration.ofSeconds(30),
      () -> Await.result(redis.send(Request.cmd(Command.EXISTS).arg(record))).toInteger() == 0);
  }
}
