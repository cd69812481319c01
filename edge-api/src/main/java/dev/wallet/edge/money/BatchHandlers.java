package dev.wallet.edge.money;

import dev.wallet.balancecache.AtomicBatchSpansShardsException;
import dev.wallet.balancecache.async.Lanes;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.FailureHandler;
import dev.wallet.edge.http.HomeRegion;
import dev.wallet.edge.http.IdempotencyKeys;
import dev.wallet.edge.http.MoneyGate;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemCode;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.RateLimiter;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.RequestBody;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * POST /v1/transfers/batch and /v1/payments/batch: up to {@link #MAX_ITEMS} movements from the
 * caller's wallets in one request (payroll, marketplace payouts), each with its own idempotency key
 * and its own answer. An item's key is scoped to the caller exactly as the header of a single
 * request is, so a single request and a batch item under the same key are the same movement, and
 * retrying a batch re-applies nothing that was applied: each item replays.
 *
 * <p>By default each item goes alone through the path of a single request (the money gate, limits,
 * then the money core), {@link #ITEMS_IN_FLIGHT} at a time, and fails alone. With {@code "atomic":
 * true} every item is checked first (the merchant, the limits the edge decides), and then, the gate
 * still open, all go to the money core as one script on one shard: all or nothing. Wallets on
 * several shards cannot be moved in one atomic step, so such a batch is refused before anything is
 * asked. A batch lasts seconds: until 2026-12-07 the gate was asked once, at its start, and a halt
 * raised meanwhile did not stop its later items.
 */
public final class BatchHandlers {

  public static final int MAX_ITEMS = 1_000;
  /**
   * Items of one batch in flight at once. A single request has one in flight; a batch that kept all
   * of its items in flight would crowd out every other caller's requests on this event loop and shard.
   */
  static final int ITEMS_IN_FLIGHT = 32;
  private static final List<LimitCheck> NONE_CAN_PASS = RulesRefusals.noneCanPass(
    "another item of this atomic batch was refused");

  private final TransferHandlers transfers;
  private final PaymentHandlers payments;
  private final MoneyGate gate;
  private final RateLimiter rate;

  public BatchHandlers(TransferHandlers transfers, PaymentHandlers payments, MoneyGate gate, RateLimiter rate) {
    this.transfers = transfers;
    this.payments = payments;
    this.gate = gate;
    this.rate = rate;
  }

  /** POST /v1/transfers/batch {"atomic"?, "items": [{"idempotencyKey", "fromWalletId", "toWalletId", "amount", "currency"}]} */
  public void transfers(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    Batch batch = charged(caller, Batch.of(ctx));
    List<Transfer> items = batch.map((item, key) -> new Transfer(item.walletId("fromWalletId"),
      item.walletId("toWalletId"), item.money("amount", "currency"), caller.id(), IdempotencyKeys.ofCaller(caller, key),
      List.of(), item.optionalText("description").orElse("")));
    if (batch.atomic()) {
      requireOneShard(items.stream().flatMap(transfer -> Stream.of(transfer.from(), transfer.to())));
    }
    Reply.answer(ctx, run(batch, items, transfer -> fromHere(ctx, transfer, transfer.from()).compose(transfers::checked),
      transfers::apply, transfers::applyAll, transfer -> transfer.withLimits(NONE_CAN_PASS)));
  }

  /** POST /v1/payments/batch {"atomic"?, "items": [{"idempotencyKey", "fromWalletId", "merchantWalletId", "amount", "currency", "orderRef"?}]} */
  public void payments(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    Batch batch = charged(caller, Batch.of(ctx));
    List<PaymentHandlers.Request> items = batch.map((item, key) -> PaymentHandlers.Request.of(caller, item,
      IdempotencyKeys.ofCaller(caller, key)));
    // a hot merchant on another shard is paid on its stripe on the payers' shard: whether the
    // merchants are is the money core's to say (AtomicBatchSpansShardsException)
    if (batch.atomic()) {
      requireOneShard(items.stream().map(PaymentHandlers.Request::payer));
    }
    Reply.answer(ctx, run(batch, items, payment -> fromHere(ctx, payment, payment.payer()).compose(payments::checked),
        payments::apply, payments::applyAll, payment -> payment.withLimits(NONE_CAN_PASS))
      .recover(BatchHandlers::spanningShards));
  }

  /**
   * Each item is a movement, and costs the caller's rate what a request of its own would: the route took
   * one token (until 2026-12-07 that was all, and 1,000 items cost what one transfer did).
   */
  private Batch charged(Caller caller, Batch batch) {
    rate.charge(caller.id(), batch.items().size() - 1L);
    return batch;
  }

  /**
   * An item whose money leaves another region's wallet is that item's {@code wrong_region}, with the
   * batch route there, as a request of its own would be: the other items go on.
   */
  private static <I> Future<I> fromHere(RoutingContext ctx, I item, WalletId payer) {
    try {
      HomeRegion.requireHere(ctx, payer);
      return Future.succeededFuture(item);
    } catch (ProblemException elsewhere) {
      return Future.failedFuture(elsewhere);
    }
  }

  private <I, C> Future<Reply> run(Batch batch, List<I> items, Function<I, Future<C>> check,
                                          Function<C, Future<Reply>> apply,
                                          Function<List<C>, Future<List<Reply>>> applyAll,
                                          UnaryOperator<C> noneCanPass) {
    Context context = Vertx.currentContext();
    if (!batch.atomic()) {
      return Lanes.map(items, ITEMS_IN_FLIGHT, item -> Reply.onContextOf(context,
          gate.whenOpen().map(item).compose(check).compose(apply).recover(BatchHandlers::itemAnswer)))
        .map(replies -> Reply.ok(answer(batch, replies)));
    }
    return Lanes.map(items, ITEMS_IN_FLIGHT, item -> Reply.onContextOf(context,
        Future.succeededFuture(item).compose(check).map(Checked::passed).recover(Checked::refusal)))
      .compose(checked -> checked.stream().allMatch(Checked::ok)
        ? gate.whenOpen().compose(open -> applyAll.apply(checked.stream().map(Checked::command).toList()))
          .map(replies -> atomicAnswer(batch, replies))
        : answeredBefore(checked, applyAll, noneCanPass).map(replies -> refused(batch, replies)));
  }

  /**
   * The answers of an atomic batch the edge refuses: an item that passed may have been applied by an
   * earlier request under its key (the same batch sent again with an item added). Those items go to
   * the money core all together with a check no amount passes: it answers each one its key recorded
   * with that first answer, and applies none. Until 2026-12-07 they were answered "not applied" (as a
   * refusal inside the script would not have), and a client could send one again under a new key.
   * Without the money core's answer, they are answered "not applied by this request", as before.
   * Items that span shards (a merchant on another shard) are the batch's refusal as such: until
   * 2026-12-07 they were answered "not applied" too, an item paid before among them.
   */
  private static <C> Future<List<Reply>> answeredBefore(List<Checked<C>> checked,
                                                        Function<List<C>, Future<List<Reply>>> applyAll,
                                                        UnaryOperator<C> noneCanPass) {
    List<Reply> notApplied = checked.stream().map(Checked::reply).toList();
    List<C> passed = checked.stream().filter(Checked::ok).map(item -> noneCanPass.apply(item.command())).toList();
    if (passed.isEmpty()) {
      return Future.succeededFuture(notApplied);
    }
    return applyAll.apply(passed).map(fromCore -> {
      Iterator<Reply> recorded = fromCore.iterator();
      return checked.stream().map(item -> {
        if (!item.ok()) {
          return item.reply();
        }
        Reply answer = recorded.next();
        return applied(answer) ? answer : item.reply();
      }).toList();
    }).recover(unanswered -> unanswered instanceof AtomicBatchSpansShardsException ? Future.failedFuture(unanswered)
      : Future.succeededFuture(notApplied));
  }

  /** An item's refusal, or a dependency that did not answer for it, is that item's answer; anything else fails the batch. */
  private static Future<Reply> itemAnswer(Throwable failure) {
    return FailureHandler.known(failure).map(problem -> Future.succeededFuture(problem.reply()))
      .orElseGet(() -> Future.failedFuture(failure));
  }

  /** One item of an atomic batch after the edge's checks: the checked command, or the refusal's answer. */
  private record Checked<C>(C command, Reply refused) {

    static <C> Checked<C> passed(C command) {
      return new Checked<>(command, null);
    }

    /** A refusal stops the batch with an answer; a dependency that did not answer fails it (503, nothing moved). */
    static <C> Future<Checked<C>> refusal(Throwable failure) {
      return FailureHandler.known(failure).filter(problem -> problem.code() != ProblemCode.UNAVAILABLE)
        .map(problem -> Future.succeededFuture(new Checked<C>(null, problem.reply())))
        .orElseGet(() -> Future.failedFuture(failure));
    }

    boolean ok() {
      return refused == null;
    }

    Reply reply() {
      return ok() ? Problem.forRefusal(OutcomeCode.BATCH_REFUSED).reply() : refused;
    }
  }

  private static Reply atomicAnswer(Batch batch, List<Reply> replies) {
    return replies.stream().allMatch(BatchHandlers::applied) ? Reply.created(answer(batch, replies))
      : refused(batch, replies);
  }

  /**
   * An item's answer that applied it (2xx): a 307 wrong_region refuses an item here as a 4xx does
   * (until 2026-12-06 an atomic batch whose items all were 307 found no refused item, and failed 500).
   */
  private static boolean applied(Reply reply) {
    return reply.status() < 300;
  }

  /** 422 atomic_batch_refused naming the first item that refused, with every item's answer. */
  private static Reply refused(Batch batch, List<Reply> replies) {
    int failed = firstRefusal(replies);
    String code = replies.get(failed).body().getString("code");
    return Problem.of(ProblemCode.ATOMIC_BATCH_REFUSED, "item " + failed + " was refused (" + code
        + "); no item of this atomic batch was applied by this request")
      .with("failedIndex", failed).with("items", answer(batch, replies).getJsonArray("items")).reply();
  }

  private static int firstRefusal(List<Reply> replies) {
    String notApplied = ProblemCode.ATOMIC_BATCH_REFUSED.wire();
    for (int i = 0; i < replies.size(); i++) {
      if (!applied(replies.get(i)) && !notApplied.equals(replies.get(i).body().getString("code"))) {
        return i;
      }
    }
    throw new IllegalStateException("an atomic batch refused without a refused item");
  }

  private static JsonObject answer(Batch batch, List<Reply> replies) {
    JsonArray items = new JsonArray();
    int accepted = 0;
    for (int i = 0; i < replies.size(); i++) {
      Reply reply = replies.get(i);
      boolean ok = applied(reply);
      accepted += ok ? 1 : 0;
      items.add(new JsonObject().put("index", i).put("idempotencyKey", batch.keys().get(i))
        .put("status", reply.status()).put("replayed", reply.headers().containsKey(Reply.REPLAYED_HEADER))
        .put(ok ? "result" : "problem", reply.body()));
    }
    return new JsonObject().put("atomic", batch.atomic()).put("count", replies.size()).put("accepted", accepted)
      .put("refused", replies.size() - accepted).put("items", items);
  }

  /** Ids carry their shard: whether one script can move them all is known before anything is asked. */
  private static void requireOneShard(Stream<WalletId> wallets) {
    Set<String> shards = new TreeSet<>();
    wallets.map(WalletId::shard).map(ShardId::tag).forEach(shards::add);
    if (shards.size() > 1) {
      throw spansShards(List.copyOf(shards));
    }
  }

  private static Future<Reply> spanningShards(Throwable failure) {
    return Future.failedFuture(failure instanceof AtomicBatchSpansShardsException spans ? spansShards(spans.shards())
      : failure);
  }

  private static ProblemException spansShards(List<String> shards) {
    return new ProblemException(Problem.of(ProblemCode.ATOMIC_BATCH_SPANS_SHARDS, "the wallets of an atomic batch "
      + "must all be on one shard (an owner's wallets are, and a hot merchant's stripes are on every shard); this "
      + "batch touches " + shards.size() + " shards. Send it without \"atomic\", or one atomic batch per shard")
      .with("shards", shards));
  }

  /**
   * A batch's size, checked on its parsed body before the schema reads every item: a larger body
   * could otherwise hold the event loop for the schema's slow validator (one string of it outside
   * what the compiled check decides, an emoji in a description) before its size refused it.
   */
  public static void requireAtMostMaxItems(JsonObject body) {
    if (body.getValue("items") instanceof JsonArray items && items.size() > MAX_ITEMS) {
      throw new ProblemException(Problem.of(ProblemCode.BATCH_TOO_LARGE, "a batch holds at most " + MAX_ITEMS
        + " items; this one has " + items.size() + ". Split it; each item keeps its idempotencyKey")
        .with("maxItems", MAX_ITEMS));
    }
  }

  /** The body of a batch: its items, their keys (each once), whether it is atomic. */
  private record Batch(boolean atomic, List<RequestBody> items, List<String> keys) {

    static Batch of(RoutingContext ctx) {
      RequestBody body = RequestBody.of(ctx);
      List<RequestBody> items = body.objects("items");
      List<String> keys = items.stream().map(item -> item.text("idempotencyKey")).toList();
      requireDistinct(keys);
      return new Batch(body.flag("atomic", false), items, keys);
    }

    private static void requireDistinct(List<String> keys) {
      Map<String, Integer> first = new HashMap<>();
      for (int i = 0; i < keys.size(); i++) {
        Integer earlier = first.putIfAbsent(keys.get(i), i);
        if (earlier != null) {
          throw ProblemException.invalid("items " + earlier + " and " + i + " have the same idempotencyKey: "
            + "each item is its own movement and needs its own key");
        }
      }
    }

    <T> List<T> map(ItemParser<T> parser) {
      return IntStream.range(0, items.size()).mapToObj(i -> parse(parser, i)).toList();
    }

    private <T> T parse(ItemParser<T> parser, int index) {
      try {
        return parser.parse(items.get(index), keys.get(index));
      } catch (ProblemException invalid) {
        throw ProblemException.invalid("items/" + index + ": " + invalid.problem().detail());
      }
    }
  }

  @FunctionalInterface
  private interface ItemParser<T> {
    T parse(RequestBody item, String key);
  }
}
