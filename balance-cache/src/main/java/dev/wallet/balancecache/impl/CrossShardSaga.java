package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.OtherRegionException;
import dev.wallet.balancecache.RefusedByRegionException;
import dev.wallet.balancecache.RegionLink;
import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.command.Payment;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.SagaCounts;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A movement between wallets on different shards, in three scripts (see docs/architecture.md):
 * <ol>
 *   <li>debit, on the source shard: source wallet into the shard's in-transit account, limits
 *       counted, the movement recorded as pending;</li>
 *   <li>credit, on the destination shard: in-transit into the destination (and a payment's fee
 *       into the fee account), decided once per movement (credited or refused for good);</li>
 *   <li>finish, on the source shard: completed, or reversed back into the source wallet when the
 *       destination refused.</li>
 * </ol>
 * Each step is idempotent, so whoever drives a movement (the request that started it, or the
 * sweeper after a crash) may repeat any step; the destination's first decision settles the end.
 */
public final class CrossShardSaga {

  private static final Logger LOG = LoggerFactory.getLogger(CrossShardSaga.class);
  /**
   * How many receivers in a row whose movements (or notices) a destination refused themselves take
   * it out of a sweep's pass: the movements of one receiver refused every time (its key broken there)
   * are passed over alone, however many, but a destination that refuses every receiver's (another
   * region answering 500 to every message: a bug, or a dependency of its own away) would otherwise be
   * sent each of its movements every pass.
   */
  static final int REFUSED_IN_A_ROW = 3;

  private final ScriptRunner runner;
  private final Scripts scripts;
  private final long refusalRetentionMs;
  private final Regions regions;
  private final ShardRange shards;
  private final PendingSets pendingSets;
  private volatile RegionLink link;
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong reversed = new AtomicLong();
  private final AtomicLong leftPending = new AtomicLong();
  /** Owed "finished" notices the sweeper sent and that did not arrive: counted with the sweep's failures. */
  private final AtomicLong noticesFailed = new AtomicLong();
  /** Owed notices another region refused themselves, each logged as an error once. */
  private final ReportedOnce noticesRefused = new ReportedOnce();

  CrossShardSaga(ScriptRunner runner, Scripts scripts, long refusalRetentionMs, PendingSets pendingSets) {
    this.runner = runner;
    this.scripts = scripts;
    this.refusalRetentionMs = refusalRetentionMs;
    this.regions = pendingSets.regions();
    this.shards = pendingSets.shards();
    this.pendingSets = pendingSets;
  }

  void connect(RegionLink value) {
    link = value;
  }

  /** Whether movements to {@code wallet} settle in another region (its credit is that region's to make). */
  boolean settlesElsewhere(WalletId wallet) {
    return !shards.contains(wallet.shard()) && link != null
      && regions.homeOf(wallet.shard()).filter(region -> !regions.self().equals(Optional.of(region))).isPresent();
  }

  /**
   * Runs all three steps. When a later step cannot be reached, answers PENDING and leaves it to the
   * sweeper. A movement to another region's wallet is answered PENDING at once: its credit crosses
   * regions, asked now and by the sweeper until that region decides.
   */
  Future<ScriptReply> run(Movement movement) {
    return run(movement, Set.of());
  }

  /** {@code unrecorded}: refusals of the debit answered UNRECORDED, without writing anything (see saga_debit.lua). */
  Future<ScriptReply> run(Movement movement, Set<OutcomeCode> unrecorded) {
    if (shards.contains(movement.to().shard())
      && runner.sameMaster(Keys.wallet(movement.from()), Keys.wallet(movement.to()))) {
      return inOneScript(movement, unrecorded);
    }
    return stepByStep(movement, unrecorded);
  }

  private Future<ScriptReply> stepByStep(Movement movement, Set<OutcomeCode> unrecorded) {
    Step step = debitStep(movement, unrecorded);
    return runner.run(scripts.sagaDebit, step.keys(), step.args()).compose(debited -> carriedOn(debited,
      () -> Future.succeededFuture(PendingMovement.of(movement))));
  }

  /**
   * All three steps in one script (saga_local.lua), for two shards that one master serves: the same
   * records and postings, in one round trip and one replication wait. When the master does not serve
   * the destination after all (a failover or a moved slot since the slot table was read), nothing was
   * written and the steps run one by one; so they do after a script that failed (before its debit
   * wrote: a later step that fails leaves the movement pending, answered PENDING, for the sweeper).
   */
  Future<ScriptReply> inOneScript(Movement movement) {
    return inOneScript(movement, Set.of());
  }

  private Future<ScriptReply> inOneScript(Movement movement, Set<OutcomeCode> unrecorded) {
    return oneScript(Optional.of(debitStep(movement, unrecorded)), PendingMovement.of(movement),
      () -> stepByStep(movement, unrecorded));
  }

  /**
   * saga_local from {@code debit}, or, without one, from a movement debited already, whose credit and
   * finish the script drives; {@code stepByStep} when the script cannot run them all on its node.
   */
  private Future<ScriptReply> oneScript(Optional<Step> debit, PendingMovement pending,
                                        Supplier<Future<ScriptReply>> stepByStep) {
    Step credit = creditStep(pending);
    Step finish = finishStep(pending, "", ""); // its decision is the script's to fill in
    List<String> args = new ArrayList<>();
    List<String> debitArgs = debit.map(Step::args).orElse(List.of());
    for (List<String> list : List.of(debitArgs, credit.keys(), credit.args(), finish.keys(), finish.args())) {
      args.add(Integer.toString(list.size()));
      args.addAll(list);
    }
    return runner.run(scripts.sagaLocal, debit.orElse(finish).keys(), args)
      .compose(reply -> reply.kind() == ScriptReply.Kind.ELSEWHERE ? stepByStep.get()
        : finished(reply, debit.isPresent()))
      .recover(failure -> failure instanceof BalanceCacheUnavailableException ? Future.failedFuture(failure)
        : stepByStep.get());
  }

  /**
   * Counts what saga_local did as the steps would have been counted; a movement it only drove was
   * counted as started by its debit.
   */
  private Future<ScriptReply> finished(ScriptReply reply, boolean debited) {
    String status = reply.kind() == ScriptReply.Kind.NEW ? reply.outcome().getString("status") : null;
    if (status == null) {
      return Future.succeededFuture(reply); // refused or replayed: no movement started or finished
    }
    if (debited) {
      started.incrementAndGet();
    }
    switch (status) {
      case "completed" -> completed.incrementAndGet();
      case "reversed" -> reversed.incrementAndGet();
      default -> {
        leftPending.incrementAndGet();
        LOG.warn("a movement ({}) left pending for the sweeper by saga_local (its reason is in the Redis log)",
          reply.outcome().getString("id"));
      }
    }
    return Future.succeededFuture(reply);
  }

  /**
   * Steps 2 and 3 after a debit that answered {@code debited} (a saga's first step, or a capture that
   * sent its money into transit): within the region, driven to the end before answering, whose
   * outcome is the answer (PENDING when a step cannot be reached: the sweeper goes on); for another
   * region's wallet, driven beside the answer, which stays PENDING.
   */
  Future<ScriptReply> carriedOn(ScriptReply debited, Supplier<Future<PendingMovement>> pending) {
    if (debited.kind() != ScriptReply.Kind.NEW || !"PENDING".equals(debited.outcome().getString("code"))) {
      return Future.succeededFuture(debited);
    }
    started.incrementAndGet();
    return pending.get().compose(movement -> {
      if (!shards.contains(movement.to().shard())) {
        drive(movement).onFailure(failure -> {
          leftPending.incrementAndGet();
          LOG.info("{} {} to region of {} left pending for the sweeper: {}", movement.kind(), movement.id(),
            movement.to(), failure.toString());
        });
        return Future.succeededFuture(debited);
      }
      return drive(movement).map(finished -> new ScriptReply(debited.kind(), finished.outcome()));
    }).recover(failure -> {
      leftPending.incrementAndGet();
      LOG.warn("a movement ({}) left pending for the sweeper: {}", debited.outcome().getString("id"), failure.toString());
      return Future.succeededFuture(debited);
    });
  }

  /** Step 1 of a transfer alone, for tests that stop a saga after it. */
  public Future<Outcome<TransferView>> debit(Transfer command, TransferId id) {
    return debit(Movement.of(command, id.value())).map(reply -> Views.outcome(reply, Views::transfer));
  }

  /** Step 2 of a transfer alone, for tests that stop a saga after it. */
  public Future<OutcomeCode> credit(TransferView pending) {
    return credit(new PendingMovement(pending.id().value(), MovementKind.TRANSFER, pending.from(), pending.to(),
      pending.amount(), 0, "", "", List.of()));
  }

  /** Step 1 of a payment alone, for tests that stop a saga after it. */
  public Future<Outcome<PaymentView>> debit(Payment command, PaymentId id) {
    return debit(Movement.of(command, id.value())).map(reply -> Views.outcome(reply, Views::payment));
  }

  /** Steps 2 and 3 of a payment debited alone ({@link #debit(Payment, PaymentId)}), for the same tests. */
  public Future<Void> drive(Payment command, PaymentId id) {
    return drive(PendingMovement.of(Movement.of(command, id.value()))).mapEmpty();
  }

  /** Steps 1 and 2 of a payment alone, for tests that stop a saga before its finish. */
  public Future<OutcomeCode> debitAndCredit(Payment command, PaymentId id) {
    Movement movement = Movement.of(command, id.value());
    return debit(movement).compose(debited -> credit(PendingMovement.of(movement)));
  }

  Future<ScriptReply> debit(Movement m) {
    Step step = debitStep(m, Set.of());
    return runner.run(scripts.sagaDebit, step.keys(), step.args());
  }

  /** A script's keys and arguments. */
  private record Step(List<String> keys, List<String> args) {
  }

  private Step debitStep(Movement m, Set<OutcomeCode> unrecorded) {
    ShardId source = m.source();
    SystemAccount transit = between(m.to(), m.amount().currency());
    List<String> keys = new ArrayList<>(List.of(Keys.wallet(m.from()), Keys.systemAccount(source, transit),
      m.idempotencyRecord(), Keys.movement(source, m.id()), pendingSets.setFor(source, m.to().shard()),
      Keys.outbox(source), m.paymentRecord()));
    keys.addAll(m.counterKeys());
    List<String> args = List.of(m.id(), m.kind().wire(), Long.toString(m.amount().minor()), Long.toString(m.fee()),
      m.amount().currencyCode(), m.requestHash(), m.actor(), m.to().value(),
      transit.id(source), Long.toString(refusalRetentionMs), m.paymentId(), m.reference(), m.limitsJson(),
      m.paymentFacts(), RedisBalanceCache.codes(unrecorded));
    return new Step(keys, args);
  }

  /**
   * Steps 2 and 3 for a movement whose source was debited: in one script when one master serves both
   * shards (saga_local without its debit), else one by one.
   */
  Future<ScriptReply> drive(PendingMovement pending) {
    if (shards.contains(pending.to().shard())
      && runner.sameMaster(Keys.wallet(pending.from()), Keys.wallet(pending.to()))) {
      return oneScript(Optional.empty(), pending, () -> driveStepByStep(pending));
    }
    return driveStepByStep(pending);
  }

  private Future<ScriptReply> driveStepByStep(PendingMovement pending) {
    return credit(pending).compose(decision -> decision == OutcomeCode.OK
      ? finish(pending, "completed", "").onSuccess(done -> count(done, completed))
      : finish(pending, "reversed", decision.name()).onSuccess(done -> count(done, reversed)))
      .onSuccess(finished -> toldFinished(pending));
  }

  /**
   * Tells another region that a movement it decided is finished here, so that it may let its decision
   * marker expire: this region never delivers it again. The finish recorded the notice as owed; it
   * is struck off once the region has it, and {@link #deliverOwedNotices} sends what a failure (or a
   * crash before this) left owed.
   */
  private void toldFinished(PendingMovement p) {
    if (shards.contains(p.to().shard()) || link == null || regions.self().isEmpty()) {
      return;
    }
    tell(p.from().shard(), settlement(p)).onFailure(failure ->
      LOG.info("region of {} was not told yet that {} is finished; the sweeper tells it: {}", p.to(), p.id(),
        failure.toString()));
  }

  /**
   * Sends a shard's owed "finished" notices, each struck off once its region has it; answers how many
   * arrived. A region that failed one is not asked again in the same pass: the shard's sweep waits
   * for this, and an unreachable region would otherwise hold it for a timeout per notice owed to it
   * (the shard's pending movements and expiring authorizations with it). Unless the region refused
   * that notice itself ({@link RefusedByRegionException}): it answers, and until 2026-12-07 one notice
   * it refused every time, read first, kept every later one to it owed for good.
   */
  Future<Integer> deliverOwedNotices(ShardId shard) {
    if (link == null) {
      return Future.succeededFuture(0);
    }
    String owed = Keys.owedNotices(shard);
    return runner.send(owed, Request.cmd(Command.HVALS).arg(owed)).compose(notices -> {
      NoticePass pass = new NoticePass();
      return Sequential.forEach(notices.stream().map(Response::toString).toList(),
          notice -> deliverOwed(shard, settlementOf(new JsonObject(notice)), pass))
        .map(done -> pass.told);
    });
  }

  /**
   * Adds {@code receiver} to the receivers {@code destination} refused in a row this pass; whether
   * that makes {@link #REFUSED_IN_A_ROW} of them, and the destination refuses every receiver's.
   */
  static <D> boolean refusesAll(Map<D, Set<WalletId>> refusedInARow, D destination, WalletId receiver) {
    Set<WalletId> refused = refusedInARow.computeIfAbsent(destination, none -> new HashSet<>());
    refused.add(receiver);
    return refused.size() >= REFUSED_IN_A_ROW;
  }

  /** What one pass over a shard's owed notices learned: how many arrived, and which regions failed. */
  private static final class NoticePass {
    final Set<String> failingRegions = new HashSet<>();
    /** Of each region, the receivers of the notices it refused themselves in a row in this pass. */
    final Map<String, Set<WalletId>> refusedInARow = new HashMap<>();
    int told;
  }

  private Future<Void> deliverOwed(ShardId shard, Settlement settlement, NoticePass pass) {
    String region = regions.homeOf(settlement.to().shard()).map(Regions.Region::name).orElse("");
    if (pass.failingRegions.contains(region)) {
      return Future.succeededFuture();
    }
    return tell(shard, settlement).<Void>map(done -> {
      pass.told++;
      pass.refusedInARow.remove(region);
      return null;
    }).recover(failure -> {
      noticesFailed.incrementAndGet();
      // a region that refuses every notice (a 500 to all) is left for the pass, as the sweeper does
      if (RefusedByRegionException.among(failure) && !refusesAll(pass.refusedInARow, region, settlement.to())) {
        passOver(settlement, failure);
      } else {
        pass.failingRegions.add(region);
      }
      return Future.succeededFuture();
    });
  }

  /** Logged once per notice and process: the sweep failures count every pass. */
  private void passOver(Settlement settlement, Throwable failure) {
    if (noticesRefused.first(settlement.movementId())) {
      LOG.error("the region of {} refused the notice that movement {} is finished, as it will when told again; it "
        + "stays owed, and the notices after it are sent all the same: {}", settlement.to(), settlement.movementId(),
        failure.toString());
    }
  }

  private Future<Void> tell(ShardId source, Settlement s) {
    Optional<Regions.Region> home = regions.homeOf(s.to().shard());
    if (home.isEmpty()) {
      return Future.failedFuture(new OtherRegionException(s.to().shard()));
    }
    String owed = Keys.owedNotices(source);
    return link.finished(home.get().name(), s)
      .compose(told -> runner.send(owed, Request.cmd(Command.HDEL).arg(owed).arg(s.movementId())).mapEmpty());
  }

  private Settlement settlement(PendingMovement p) {
    return new Settlement(p.id(), p.kind(), p.from(), p.to(), p.amount(), p.fee(), p.paymentId(),
      regions.self().orElseThrow().name());
  }

  /** A settlement as an owed notice keeps it (this module's own form, not the channel's). */
  private static String noticeOf(Settlement s) {
    return new JsonObject().put("id", s.movementId()).put("kind", s.kind().wire()).put("from", s.from().value())
      .put("to", s.to().value()).put("amount", s.amount().minor()).put("currency", s.amount().currencyCode())
      .put("fee", s.fee()).put("payment", s.paymentId()).put("source", s.sourceRegion()).encode();
  }

  private static Settlement settlementOf(JsonObject notice) {
    return new Settlement(notice.getString("id"), MovementKind.fromWire(notice.getString("kind")),
      new WalletId(notice.getString("from")), new WalletId(notice.getString("to")),
      new Money(notice.getLong("amount"), Currencies.parse(notice.getString("currency"))), notice.getLong("fee"),
      notice.getString("payment"), notice.getString("source"));
  }

  private static void count(ScriptReply finish, AtomicLong counter) {
    if (finish.kind() == ScriptReply.Kind.NEW) {
      counter.incrementAndGet();
    }
  }

  SagaCounts counts(long swept, long sweepFailures) {
    return new SagaCounts(started.get(), completed.get(), reversed.get(), leftPending.get(), swept,
      sweepFailures + noticesFailed.get());
  }

  /** Step 2: the destination's decision, OK or a final refusal; another region's when the wallet is there. */
  Future<OutcomeCode> credit(PendingMovement p) {
    if (!shards.contains(p.to().shard())) {
      return creditElsewhere(p);
    }
    Step step = creditStep(p);
    return credited(runner.run(scripts.sagaCredit, step.keys(), step.args()));
  }

  /** Step 2 within the region: from the destination shard's in-transit account. */
  private Step creditStep(PendingMovement p) {
    ShardId destination = p.to().shard();
    return creditStep(p.id(), p.kind(), p.from(), p.to(), p.amount(), p.fee(), p.paymentId(),
      SystemAccount.transit(p.amount().currency()), Optional.empty(),
      Keys.paymentRecord(destination, p.kind() == MovementKind.PAYMENT ? p.paymentId() : p.id()), false);
  }

  /**
   * Step 2 of a movement another region debited: its credit here, drawn on that region's clearing
   * account, or {@code refusal} (the receiver's limits) as its decision if it has none yet. A refund
   * of a payment to another region's merchant credits the payer here, on whose shard the payment's
   * movement record counts what came back (the merchant's region keeps the bound).
   */
  Future<OutcomeCode> creditFrom(Settlement s, Optional<OutcomeCode> refusal) {
    ShardId destination = s.to().shard();
    String paymentKey = switch (s.kind()) {
      case PAYMENT -> Keys.paymentRecord(destination, s.paymentId());
      case REFUND -> Keys.movement(destination, s.paymentId());
      default -> Keys.paymentRecord(destination, s.movementId());
    };
    Step step = creditStep(s.movementId(), s.kind(), s.from(), s.to(), s.amount(), s.fee(), s.paymentId(),
      SystemAccount.region(s.sourceRegion(), s.amount().currency()), refusal, paymentKey,
      s.kind() == MovementKind.REFUND);
    return credited(runner.run(scripts.sagaCredit, step.keys(), step.args()));
  }

  private static Future<OutcomeCode> credited(Future<ScriptReply> reply) {
    return reply.map(decided -> OutcomeCode.valueOf(decided.outcome().getString("code")));
  }

  /**
   * saga_credit on the destination's shard, from {@code source} (its in-transit or a region's clearing
   * account); {@code paymentKey} is the record a payment opens, or the one a refund from another region
   * ({@code refundFromElsewhere}) counts on.
   */
  private static Step creditStep(String id, MovementKind kind, WalletId from, WalletId to, Money amount, long fee,
                                 String paymentId, SystemAccount source, Optional<OutcomeCode> refusal,
                                 String paymentKey, boolean refundFromElsewhere) {
    ShardId destination = to.shard();
    SystemAccount fees = SystemAccount.fees(amount.currency());
    List<String> keys = List.of(Keys.wallet(to), Keys.systemAccount(destination, source),
      Keys.creditDecision(destination, id), Keys.outbox(destination), Keys.systemAccount(destination, fees),
      paymentKey);
    List<String> args = List.of(id, kind.wire(), Long.toString(amount.minor()), Long.toString(fee),
      amount.currencyCode(), source.id(destination), fees.id(destination), from.value(), paymentId,
      refusal.map(OutcomeCode::name).orElse(""), refundFromElsewhere ? "1" : "");
    return new Step(keys, args);
  }

  private Future<OutcomeCode> creditElsewhere(PendingMovement p) {
    RegionLink connected = link;
    Optional<Regions.Region> home = regions.homeOf(p.to().shard());
    if (connected == null || home.isEmpty() || regions.self().isEmpty()) {
      return Future.failedFuture(new OtherRegionException(p.to().shard()));
    }
    return connected.credit(home.get().name(), settlement(p));
  }

  /**
   * Where a movement's amount waits between its debit and its end, on the source shard: the shard's
   * in-transit account, or for a wallet of another region, the clearing account of that region.
   */
  SystemAccount between(WalletId to, Currency currency) {
    return shards.contains(to.shard()) ? SystemAccount.transit(currency)
      : SystemAccount.region(regions.homeOf(to.shard()).orElseThrow(() -> new OtherRegionException(to.shard())).name(),
        currency);
  }

  /** Step 3. */
  Future<ScriptReply> finish(PendingMovement p, String decision, String refusalCode) {
    Step step = finishStep(p, decision, refusalCode);
    return runner.run(scripts.sagaFinish, step.keys(), step.args());
  }

  private Step finishStep(PendingMovement p, String decision, String refusalCode) {
    ShardId source = p.from().shard();
    SystemAccount transit = between(p.to(), p.amount().currency());
    List<String> keys = new ArrayList<>(List.of(Keys.movement(source, p.id()),
      pendingSets.setFor(source, p.to().shard()), p.idempotencyRecord(), Keys.wallet(p.from()),
      Keys.systemAccount(source, transit), Keys.outbox(source),
      Keys.paymentRecord(source, p.kind() == MovementKind.REFUND ? p.paymentId() : p.id()),
      Keys.owedNotices(source), Keys.pendingMovements(source)));
    keys.addAll(p.counterKeys());
    // the destination's decision marker is retired with the movement, unless another region keeps it: then
    // the notice that lets it expire there is owed from this finish on
    boolean here = shards.contains(p.to().shard());
    String marker = here ? Keys.creditDecision(p.to().shard(), p.id()) : "";
    String notice = here || regions.self().isEmpty() ? "" : noticeOf(settlement(p));
    List<String> args = List.of(p.id(), decision, refusalCode, transit.id(source), marker, notice);
    return new Step(keys, args);
  }
}
