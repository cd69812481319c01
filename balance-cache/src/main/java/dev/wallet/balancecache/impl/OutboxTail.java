package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.model.BalanceEvent;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxRecord;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every shard's outbox stream from its end and hands each wallet's new balances to the
 * subscribers of this process: the feed behind live balance sockets, whichever instance made the
 * change. Plain XREAD, outside the ledger's consumer group, so it takes nothing from the ledger.
 * At most once and in order per wallet (a wallet lives on one shard); an entry the ledger writer
 * trimmed before this tail read it is missed, which the wallet sequence lets a client detect.
 */
final class OutboxTail {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxTail.class);
  private static final int BATCH = 500;
  private static final long BUSY_POLL_MS = 10;
  private static final long IDLE_POLL_MS = 100;
  private static final long FAILING_POLL_MS = 1_000;

  private final Vertx vertx;
  private final ScriptRunner runner;
  private final int shardCount;
  private final List<Consumer<BalanceEvent>> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean running;

  OutboxTail(Vertx vertx, ScriptRunner runner, int shardCount) {
    this.vertx = vertx;
    this.runner = runner;
    this.shardCount = shardCount;
  }

  synchronized AutoCloseable subscribe(Consumer<BalanceEvent> listener) {
    listeners.add(listener);
    if (!running) {
      running = true;
      vertx.runOnContext(start -> {
        for (int n = 0; n < shardCount; n++) {
          follow(new ShardId(n));
        }
      });
    }
    return () -> listeners.remove(listener);
  }

  void stop() {
    running = false;
  }

  private void follow(ShardId shard) {
    if (!running) {
      return;
    }
    String key = Keys.outbox(shard);
    runner.send(key, Request.cmd(Command.XREVRANGE).arg(key).arg("+").arg("-").arg("COUNT").arg(1))
      .map(last -> last == null || last.size() == 0 ? "0-0" : last.get(0).get(0).toString())
      .onSuccess(lastId -> poll(key, lastId))
      .onFailure(failure -> {
        LOG.warn("cannot find the end of {} yet: {}", key, failure.toString());
        vertx.setTimer(FAILING_POLL_MS, t -> follow(shard));
      });
  }

  private void poll(String key, String afterId) {
    if (!running) {
      return;
    }
    runner.send(key, Request.cmd(Command.XREAD).arg("COUNT").arg(BATCH).arg("STREAMS").arg(key).arg(afterId))
      .map(reply -> deliver(reply, afterId))
      .onComplete(read -> {
        if (read.failed()) {
          LOG.warn("reading {} failed, will try again: {}", key, read.cause().toString());
          vertx.setTimer(FAILING_POLL_MS, t -> poll(key, afterId));
        } else {
          boolean moved = !read.result().equals(afterId);
          vertx.setTimer(moved ? BUSY_POLL_MS : IDLE_POLL_MS, t -> poll(key, read.result()));
        }
      });
  }

  /** Hands every balance in the reply to every listener; answers the last id read. */
  private String deliver(Response reply, String afterId) {
    if (reply == null) {
      return afterId;
    }
    String last = afterId;
    Response entries = streamEntries(reply);
    for (Response entry : entries) {
      last = entry.get(0).toString();
      publish(OutboxRecord.parse(field(entry.get(1), OutboxRecord.FIELD)));
    }
    return last;
  }

  private void publish(OutboxRecord record) {
    for (OutboxRecord.WalletBalance b : record.balances()) {
      BalanceEvent event = new BalanceEvent(new WalletId(b.wallet()), b.available(), b.held(), b.seq(),
        record.reference().orElse(record.id()), record.type(), record.at());
      for (Consumer<BalanceEvent> listener : listeners) {
        try {
          listener.accept(event);
        } catch (RuntimeException e) {
          LOG.error("a balance listener failed on {}; it stays subscribed", event, e);
        }
      }
    }
  }

  /** XREAD answers a map (RESP3) or a list of [key, entries] pairs (RESP2) for the one stream read. */
  private static Response streamEntries(Response reply) {
    if (reply.isMap()) {
      return reply.get(reply.getKeys().iterator().next());
    }
    return reply.get(0).get(1);
  }

  private static String field(Response fields, String name) {
    if (fields.isMap()) {
      return fields.get(name).toString();
    }
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      if (name.equals(fields.get(i).toString())) {
        return fields.get(i + 1).toString();
      }
    }
    throw new IllegalStateException("outbox entry without field " + name);
  }

}
