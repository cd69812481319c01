package dev.wallet.edge.chaos;

import dev.wallet.balancecache.async.Sequential;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The suite's customers, made through the public API: a treasury filled by a sandbox deposit,
 * owners with two wallets on one shard (so that some transfers are one script and most cross
 * shards), each funded from the treasury, and merchants. Every funding transfer is a movement of
 * the book, so the model starts from what the wallet acknowledged.
 */
final class Customers {

  /** A wallet and the token of its owner. */
  record Wallet(String id, String token) {
  }

  /**
   * The owner of the first merchant: scripts/chaos.sh lists it in WALLET_STRIPED_MERCHANT_OWNERS,
   * so payments from other shards to that merchant land on its credit stripes and are swept.
   */
  static final String STRIPED_OWNER = "chaos-hot-shop";
  private static final long RETRY_MS = 250;
  private static final long DEPOSIT_MAX_MINOR = 100_000_000;

  final List<Wallet> personal = new ArrayList<>();
  final List<Wallet> merchants = new ArrayList<>();
  private final Vertx vertx;
  private final ChaosHttp http;
  private final Book book;
  private final Settler settler;
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private Wallet treasury;
  private Wallet striped;

  Customers(Vertx vertx, ChaosHttp http, Book book, Settler settler) {
    this.vertx = vertx;
    this.http = http;
    this.book = book;
    this.settler = settler;
  }

  /** {@code owners} owners of two funded wallets each, and {@code merchantCount} merchants. */
  Future<Void> make(int owners, int merchantCount, long fundingMinor) {
    return openTreasury(owners * 2L * fundingMinor)
      .compose(done -> Sequential.forEach(range(owners), n -> pairOf("chaos-" + run + "-owner-" + n)))
      .compose(done -> Sequential.forEach(range(merchantCount),
        n -> merchant(n == 0 ? STRIPED_OWNER : "chaos-" + run + "-shop-" + n)))
      .compose(done -> Future.all(personal.stream().map(wallet -> fund(wallet, fundingMinor)).toList()))
      .mapEmpty();
  }

  /** The sibling of a personal wallet: its owner's other wallet, on the same shard. */
  Wallet sibling(int index) {
    return personal.get(index ^ 1);
  }

  List<Wallet> all() {
    List<Wallet> all = new ArrayList<>(personal);
    all.addAll(merchants);
    all.add(treasury);
    return all;
  }

  private Future<Void> openTreasury(long totalMinor) {
    String token = http.token("chaos-" + run + "-treasury", "user");
    return open(token, "personal", null).compose(id -> {
      treasury = new Wallet(id, token);
      List<Long> deposits = new ArrayList<>();
      for (long left = totalMinor; left > 0; left -= DEPOSIT_MAX_MINOR) {
        deposits.add(Math.min(left, DEPOSIT_MAX_MINOR));
      }
      return Sequential.forEach(deposits, amount -> deposit(treasury, amount));
    });
  }

  private Future<Void> pairOf(String owner) {
    String token = http.token(owner, "user");
    return open(token, "personal", null).compose(first -> open(token, "personal", first).map(second -> {
      personal.add(new Wallet(first, token));
      personal.add(new Wallet(second, token));
      return null;
    }));
  }

  private Future<Void> merchant(String owner) {
    String token = http.token(owner, "user", "merchant");
    return open(token, "merchant", null).map(id -> {
      merchants.add(new Wallet(id, token));
      if (owner.equals(STRIPED_OWNER)) {
        striped = new Wallet(id, token);
      }
      return null;
    });
  }

  /** The merchant paid through credit stripes, if the run made merchants. */
  Optional<Wallet> striped() {
    return Optional.ofNullable(striped);
  }

  private Future<String> open(String token, String type, String colocateWith) {
    String body = "{\"currency\":\"USD\",\"type\":\"" + type + "\""
      + (colocateWith == null ? "" : ",\"colocateWith\":\"" + colocateWith + "\"") + "}";
    String key = "open-" + UUID.randomUUID();
    return untilAnswered(() -> http.post(0, "/v1/wallets", token, key, body), 201).map(answer -> {
      String id = answer.json().getString("id");
      book.opened(id);
      return id;
    });
  }

  private Future<Void> fund(Wallet wallet, long amountMinor) {
    String body = "{\"fromWalletId\":\"" + treasury.id() + "\",\"toWalletId\":\"" + wallet.id() + "\",\"amount\":"
      + amountMinor + ",\"currency\":\"USD\"}";
    Movement funding = new Movement(Movement.Kind.FUNDING, 0, "fund-" + wallet.id(), "/v1/transfers",
      treasury.token(), body, treasury.id(), wallet.id(), amountMinor, null);
    book.asked(funding);
    return settler.settle(funding, 0).map(settled -> {
      book.settled(settled);
      if (settled.fate != Movement.Fate.ACKNOWLEDGED) {
        throw new IllegalStateException("funding " + wallet.id() + " was not acknowledged: " + settled.fate + " "
          + settled.anomaly);
      }
      return null;
    });
  }

  /** A sandbox deposit, polled until the gateway's webhook completed it. */
  private Future<Void> deposit(Wallet wallet, long amountMinor) {
    String body = "{\"walletId\":\"" + wallet.id() + "\",\"amount\":" + amountMinor
      + ",\"currency\":\"USD\",\"source\":{\"type\":\"sandbox\"}}";
    String key = "deposit-" + UUID.randomUUID();
    return untilAnswered(() -> http.post(0, "/v1/deposits", wallet.token(), key, body), 201, 202)
      .map(answer -> "/v1/deposits/" + answer.json().getString("id"))
      .compose(path -> Sequential.repeatWhile(() -> vertx.timer(RETRY_MS)
        .compose(t -> untilAnswered(() -> http.get(0, path, wallet.token()), 200))
        .map(answer -> depositPending(answer.json().getString("status"))))
      .map(completed -> {
        book.deposited(wallet.id(), amountMinor);
        return null;
      }));
  }

  private static boolean depositPending(String status) {
    if ("failed".equals(status)) {
      throw new IllegalStateException("the treasury's deposit failed");
    }
    return !"completed".equals(status);
  }

  /** The request again after a pause while it gets no answer or a 5xx, for up to a minute; then it must be one of {@code expected}. */
  private Future<ChaosHttp.Answer> untilAnswered(java.util.function.Supplier<Future<ChaosHttp.Answer>> request,
                                                  int... expected) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    ChaosHttp.Answer[] last = new ChaosHttp.Answer[1];
    return Sequential.repeatWhile(() -> request.get().transform(result -> {
      last[0] = result.succeeded() ? result.result() : null;
      boolean again = (last[0] == null || last[0].status() >= 500) && System.nanoTime() < deadline;
      return again ? vertx.timer(RETRY_MS).map(true) : Future.succeededFuture(false);
    })).map(done -> expectedAnswer(last[0], expected));
  }

  private static ChaosHttp.Answer expectedAnswer(ChaosHttp.Answer answer, int... expected) {
    for (int status : expected) {
      if (answer != null && answer.status() == status) {
        return answer;
      }
    }
    throw new IllegalStateException("setting up customers: expected " + java.util.Arrays.toString(expected)
      + ", got " + (answer == null ? "no answer" : answer.status() + " " + answer.body()));
  }

  private static List<Integer> range(int count) {
    return java.util.stream.IntStream.range(0, count).boxed().toList();
  }
}
