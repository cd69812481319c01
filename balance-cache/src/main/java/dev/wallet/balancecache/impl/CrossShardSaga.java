package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferView;
import io.vertx.core.Future;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transfer between wallets on different shards, in three scripts (see docs/architecture.md):
 * <ol>
 *   <li>debit, on the source shard: source wallet into the shard's in-transit account, the
 *       transfer recorded as pending;</li>
 *   <li>credit, on the destination shard: in-transit into the destination wallet, decided once
 *       per transfer (credited or refused for good);</li>
 *   <li>finish, on the source shard: completed, or reversed back into the source wallet when the
 *       destination refused.</li>
 * </ol>
 * Each step is idempotent, so whoever drives a transfer (the request that started it, or the
 * sweeper after a crash) may repeat any step; the destination's first decision settles the end.
 */
public final class CrossShardSaga {

  private static final Logger LOG = LoggerFactory.getLogger(CrossShardSaga.class);

  private final ScriptRunner runner;
  private final Scripts scripts;
  private final long refusalRetentionMs;

  CrossShardSaga(ScriptRunner runner, Scripts scripts, long refusalRetentionMs) {
    this.runner = runner;
    this.scripts = scripts;
    this.refusalRetentionMs = refusalRetentionMs;
  }

  /** Runs all three steps. When a later step cannot be reached, answers PENDING and leaves it to the sweeper. */
  Future<Outcome<TransferView>> transfer(Transfer command, TransferId id) {
    return debit(command, id).compose(debited -> {
      if (debited.code() != OutcomeCode.PENDING || debited.replayed()) {
        return Future.succeededFuture(debited);
      }
      return drive(debited.value(), Keys.idempotency(command.from().shard(), command.idempotencyKey()))
        .recover(failure -> {
          LOG.warn("transfer {} left pending for the sweeper: {}", id, failure.toString());
          return Future.succeededFuture(debited);
        });
    });
  }

  /** Step 1. */
  public Future<Outcome<TransferView>> debit(Transfer command, TransferId id) {
    ShardId source = command.from().shard();
    SystemAccount transit = SystemAccount.transit(command.amount().currency());
    List<String> keys = List.of(Keys.wallet(command.from()), Keys.systemAccount(source, transit),
      Keys.idempotency(source, command.idempotencyKey()), Keys.transfer(id), Keys.pendingTransfers(source),
      Keys.outbox(source));
    List<String> args = List.of(id.value(), Long.toString(command.amount().minor()), command.amount().currencyCode(),
      RedisBalanceCache.requestHash(command.canonical()), command.actor(), command.to().value(), transit.id(source),
      Long.toString(refusalRetentionMs));
    return runner.run(scripts.sagaDebit, keys, args).map(reply -> Views.outcome(reply, Views::transfer));
  }

  /** Steps 2 and 3 for a transfer whose source was debited; its idempotency record is at {@code idemKey}. */
  Future<Outcome<TransferView>> drive(TransferView pending, String idemKey) {
    return credit(pending).compose(decision -> decision == OutcomeCode.OK
      ? finish(pending, idemKey, "completed", "")
      : finish(pending, idemKey, "reversed", decision.name()));
  }

  /** Step 2: the destination's decision, OK or a final refusal. */
  public Future<OutcomeCode> credit(TransferView pending) {
    ShardId destination = pending.to().shard();
    SystemAccount transit = SystemAccount.transit(pending.amount().currency());
    List<String> keys = List.of(Keys.wallet(pending.to()), Keys.systemAccount(destination, transit),
      Keys.creditDecision(destination, pending.id()), Keys.outbox(destination));
    List<String> args = List.of(pending.id().value(), Long.toString(pending.amount().minor()),
      pending.amount().currencyCode(), transit.id(destination));
    return runner.run(scripts.sagaCredit, keys, args)
      .map(reply -> OutcomeCode.valueOf(reply.outcome().getString("code")));
  }

  /** Step 3. */
  Future<Outcome<TransferView>> finish(TransferView pending, String idemKey, String decision, String refusalCode) {
    ShardId source = pending.from().shard();
    SystemAccount transit = SystemAccount.transit(pending.amount().currency());
    List<String> keys = List.of(Keys.transfer(pending.id()), Keys.pendingTransfers(source), idemKey,
      Keys.wallet(pending.from()), Keys.systemAccount(source, transit), Keys.outbox(source));
    List<String> args = List.of(pending.id().value(), decision, refusalCode, transit.id(source),
      Keys.creditDecision(pending.to().shard(), pending.id()));
    return runner.run(scripts.sagaFinish, keys, args).map(reply -> Views.outcome(reply, Views::transfer));
  }
}
