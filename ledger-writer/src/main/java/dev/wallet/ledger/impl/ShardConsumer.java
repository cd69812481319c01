package dev.wallet.ledger.impl;

import dev.wallet.ledger.LedgerWriterOptions;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.lettuce.core.StreamMessage;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's loop for one shard: read a batch, make sure Redis replicated it, commit it to
 * PostgreSQL, give retired keys their lifetime, acknowledge. Any failure leaves the batch
 * unacknowledged and the loop retries it with backoff: the lag grows and nothing is skipped.
 */
final class ShardConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(ShardConsumer.class);
  private static final long IDLE_POLL_MS = 50;
  private static final long MAX_BACKOFF_MS = 2_000;
  private static final long HOUSEKEEPING_MS = 2_000;
  private static final long REPLICATION_TIMEOUT_MS = 1_000;
  private static final long CYCLE_TIMEOUT_MS = 30_000;

  private final Vertx vertx;
  private final OutboxStream stream;
  private final LedgerStore store;
  private final LedgerWriterOptions options;
  private boolean groupReady;
  private boolean ownPendingDone;
  private long nextClaimAt;
  private long nextHousekeepingAt;
  private long backoffMs;
  private volatile long backlog;
  private volatile boolean stopped;
  private Future<Void> current = Future.succeededFuture();

  ShardConsumer(Vertx vertx, OutboxStream stream, LedgerStore store, LedgerWriterOptions options) {
    this.vertx = vertx;
    this.stream = stream;
    this.store = store;
    this.options = options;
  }

  void start() {
    loop();
  }

  /** Completes once the batch in progress, if any, has ended. */
  Future<Void> stop() {
    stopped = true;
    return current;
  }

  long backlog() {
    return backlog;
  }

  private void loop() {
    if (stopped) {
      return;
    }
    // a round that hangs (a node that neither answers nor refuses) must not stop the shard for good
    Future<Integer> cycle = cycle().timeout(CYCLE_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
    current = cycle.transform(done -> Future.succeededFuture());
    cycle.onComplete(done -> {
      if (done.failed()) {
        backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(50, backoffMs * 2));
        LOG.error("ledger writer for {} failed, retrying in {} ms: {}", stream.shard(), backoffMs, done.cause().toString());
        vertx.setTimer(backoffMs, t -> loop());
      } else {
        backoffMs = 0;
        if (done.result() > 0) {
          vertx.runOnContext(v -> loop());
        } else {
          vertx.setTimer(IDLE_POLL_MS, t -> loop());
        }
      }
    });
  }

  /** One round; answers how many entries it committed. */
  private Future<Integer> cycle() {
    return ensureGroup()
      .compose(ready -> read())
      .compose(this::commit)
      .compose(count -> housekeepingIfDue().map(count));
  }

  private Future<Void> ensureGroup() {
    return groupReady ? Future.succeededFuture() : stream.ensureGroup().onSuccess(ok -> groupReady = true);
  }

  private Future<List<StreamMessage<String, String>>> read() {
    if (!ownPendingDone) {
      return stream.ownPending(options.batchSize()).compose(mine -> {
        if (!mine.isEmpty()) {
          return Future.succeededFuture(mine);
        }
        ownPendingDone = true;
        return read();
      });
    }
    long now = System.currentTimeMillis();
    if (now >= nextClaimAt) {
      nextClaimAt = now + Math.max(1_000, options.claimIdleMs() / 2);
      return stream.claimAbandoned(options.claimIdleMs(), options.batchSize())
        .compose(claimed -> claimed.isEmpty() ? stream.next(options.batchSize()) : Future.succeededFuture(claimed));
    }
    return stream.next(options.batchSize());
  }

  private Future<Integer> commit(List<StreamMessage<String, String>> messages) {
    if (messages.isEmpty()) {
      return Future.succeededFuture(0);
    }
    List<Positioned> batch = positioned(messages);
    return stream.replicated(options.minReplicaAcks(), REPLICATION_TIMEOUT_MS)
      .compose(replicated -> replicated
        ? store.write(batch)
        : Future.failedFuture(new IllegalStateException("outbox entries of " + stream.shard()
          + " are not on enough replicas yet; not writing them to the ledger")))
      .compose(committed -> retire(batch))
      .compose(retired -> stream.ack(batch.stream().map(Positioned::streamId).toList()))
      .map(acked -> batch.size());
  }

  /** In stream order, each entry once (a claim and a re-read may return the same entry). */
  private static List<Positioned> positioned(List<StreamMessage<String, String>> messages) {
    Map<String, Positioned> byId = new LinkedHashMap<>();
    for (StreamMessage<String, String> m : messages) {
      byId.putIfAbsent(m.getId(), new Positioned(m.getId(), OutboxStream.parse(m)));
    }
    List<Positioned> batch = new ArrayList<>(byId.values());
    batch.sort((a, b) -> compareStreamIds(a.streamId(), b.streamId()));
    return batch;
  }

  private Future<Void> retire(List<Positioned> batch) {
    List<Future<Boolean>> expiring = new ArrayList<>();
    for (Positioned p : batch) {
      for (String key : p.record().retire()) {
        expiring.add(stream.retire(key, options.idempotencyRetentionMs()));
      }
    }
    return Future.all(expiring).mapEmpty();
  }

  private Future<Void> housekeepingIfDue() {
    long now = System.currentTimeMillis();
    if (now < nextHousekeepingAt) {
      return Future.succeededFuture();
    }
    nextHousekeepingAt = now + HOUSEKEEPING_MS;
    return stream.trimCommitted()
      .compose(trimmed -> stream.backlog())
      .onSuccess(count -> backlog = count)
      .mapEmpty();
  }

  static int compareStreamIds(String a, String b) {
    String[] x = a.split("-");
    String[] y = b.split("-");
    int byTime = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
    return byTime != 0 ? byTime : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
  }
}
