package dev.wallet.edge.bench;

import dev.wallet.balancecache.async.Sequential;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The benchmark's customers, made through the public API as any client would: owners with wallets,
 * each funded by a transfer from a treasury wallet, which sandbox deposits (confirmed by the
 * gateway's webhook) fill first. A transfer is a few times cheaper than a deposit, which keeps the
 * set-up of 10,000 wallets to a minute.
 */
final class Population {

  /** A wallet and the token of its owner. */
  record Account(String token, String owner, String wallet) {
  }

  /** Two wallets of one owner on one shard: every transfer between them is one script. */
  record Pair(Account first, String second) {
  }

  private static final int SETUP_IN_FLIGHT = 64;
  /** Funding transfers a batch: the batch route takes up to 1,000, 32 of a batch in flight at once. */
  private static final int FUNDING_BATCH = 500;
  /** As many funding transfers in flight as {@link #SETUP_IN_FLIGHT} requests would be, or a few more. */
  private static final int FUNDING_BATCHES_IN_FLIGHT = 3;
  private static final long POLL_MS = 100;
  private static final long RETRY_MS = 200;

  private final Vertx vertx;
  private final BenchHttp http;
  /** The most one deposit may bring under the benchmark's rules. */
  private static final long DEPOSIT_MAX_MINOR = 100_000_000;

  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private Account treasury;

  Population(Vertx vertx, BenchHttp http) {
    this.vertx = vertx;
    this.http = http;
  }

  /** Opens the treasury and deposits {@code totalMinor} into it, one deposit at a time. */
  Future<Void> treasury(long totalMinor) {
    String owner = "bench-" + run + "-treasury";
    String token = http.token(owner, "user");
    List<Long> deposits = new ArrayList<>();
    for (long left = totalMinor; left > 0; left -= DEPOSIT_MAX_MINOR) {
      deposits.add(Math.min(left, DEPOSIT_MAX_MINOR));
    }
    return open(token, "personal", null).compose(wallet -> {
      treasury = new Account(token, owner, wallet);
      return Sequential.forEach(deposits, amount -> deposit(token, wallet, amount));
    });
  }

  /**
   * {@code count} owners, each with two wallets on one shard sharing {@code fundingMinor}: a pair's
   * transfers alternate direction, and concurrent ones may arrive in either order, so neither wallet
   * may start empty (a transfer refused for want of money would count as the wallet's error).
   */
  Future<List<Pair>> pairs(int count, long fundingMinor) {
    long half = fundingMinor / 2;
    return inParallel(IntStream.range(0, count).boxed().toList(), n -> {
      String owner = "bench-" + run + "-pair-" + n;
      String token = http.token(owner, "user");
      return open(token, "personal", null)
        .compose(first -> open(token, "personal", first)
          .compose(second -> fund(first, half).compose(funded -> fund(second, fundingMinor - half))
            .map(new Pair(new Account(token, owner, first), second))));
    });
  }

  /**
   * {@code wallets} funded wallets of {@code owners} owners, placed on shards by the wallet service,
   * funded through the batch route: what it saves is the HTTP of each funding transfer.
   */
  Future<List<Account>> spread(int wallets, int owners, long fundingMinor) {
    return inParallel(IntStream.range(0, wallets).boxed().toList(), n -> {
      String owner = "bench-" + run + "-owner-" + (n % owners);
      String token = http.token(owner, "user");
      return open(token, "personal", null).map(wallet -> new Account(token, owner, wallet));
    }).compose(accounts -> fundAll(accounts.stream().map(Account::wallet).toList(), fundingMinor).map(accounts));
  }

  /** Transfers from the treasury to every wallet, {@link #FUNDING_BATCH} a batch, {@link #FUNDING_BATCHES_IN_FLIGHT} at once. */
  private Future<Void> fundAll(List<String> wallets, long amountMinor) {
    List<List<String>> batches = new ArrayList<>();
    for (int first = 0; first < wallets.size(); first += FUNDING_BATCH) {
      batches.add(wallets.subList(first, Math.min(wallets.size(), first + FUNDING_BATCH)));
    }
    return inParallel(batches, FUNDING_BATCHES_IN_FLIGHT, batch -> fundBatch(batch, amountMinor)).mapEmpty();
  }

  /**
   * One batch of funding transfers, sent again (under the same keys, so nothing applies twice) with
   * the items that answered 503 or 409, or whole when the batch did, as a careful client does, for
   * up to a minute.
   */
  private Future<Void> fundBatch(List<String> wallets, long amountMinor) {
    long deadline = System.currentTimeMillis() + 60_000;
    List<String> left = new ArrayList<>(wallets);
    return Sequential.repeatWhile(() -> http.post("/v1/transfers/batch", treasury.token(), null,
        fundingBatch(left, amountMinor)).compose(answer -> {
      List<String> again = new ArrayList<>(answer.status() == 503 ? left : List.of());
      for (Object each : answer.status() == 503 ? List.of() : answer.require(200).json().getJsonArray("items")) {
        JsonObject item = (JsonObject) each;
        int status = item.getInteger("status");
        if (status == 503 || status == 409) {
          again.add(left.get(item.getInteger("index")));
        } else if (status != 201 && status != 202) {
          throw new IllegalStateException("a funding transfer was refused: " + item.encode());
        }
      }
      left.retainAll(again);
      if (!left.isEmpty() && System.currentTimeMillis() >= deadline) {
        throw new IllegalStateException(left.size() + " funding transfers still unanswered after a minute");
      }
      return left.isEmpty() ? Future.succeededFuture(false) : vertx.timer(RETRY_MS).map(true);
    }));
  }

  private String fundingBatch(List<String> wallets, long amountMinor) {
    JsonArray items = new JsonArray();
    for (String wallet : wallets) {
      items.add(new JsonObject().put("idempotencyKey", "fund-" + wallet).put("fromWalletId", treasury.wallet())
        .put("toWalletId", wallet).put("amount", amountMinor).put("currency", "USD"));
    }
    return new JsonObject().put("items", items).encode();
  }

  /** The owner scripts/bench.sh lists in WALLET_STRIPED_MERCHANT_OWNERS: its merchant wallets receive on credit stripes. */
  static final String STRIPED_MERCHANT_OWNER = "bench-striped-merchant";

  /** A merchant wallet (its owner has the merchant role). */
  Future<Account> merchant() {
    return merchant("bench-" + run + "-merchant");
  }

  /** A merchant wallet of the striped owner: payments from every shard land on its stripes. */
  Future<Account> stripedMerchant() {
    return merchant(STRIPED_MERCHANT_OWNER);
  }

  Future<Account> merchant(String owner) {
    String token = http.token(owner, "user", "merchant");
    return open(token, "merchant", null).map(wallet -> new Account(token, owner, wallet));
  }

  private Future<String> open(String token, String type, String colocateWith) {
    String body = "{\"currency\":\"USD\",\"type\":\"" + type + "\""
      + (colocateWith == null ? "" : ",\"colocateWith\":\"" + colocateWith + "\"") + "}";
    String key = "open-" + UUID.randomUUID();
    return retried(() -> http.post("/v1/wallets", token, key, body))
      .map(answer -> answer.require(201).json().getString("id"));
  }

  /**
   * As a careful client does: a 503 (the wallet failed closed, e.g. while its JIT warms up) or a
   * 409 (the first attempt is still being finished, e.g. a saga the sweeper completes) is sent again
   * under the same Idempotency-Key after a pause, for up to a minute.
   */
  private Future<BenchHttp.Answer> retried(java.util.function.Supplier<Future<BenchHttp.Answer>> request) {
    long deadline = System.currentTimeMillis() + 60_000;
    BenchHttp.Answer[] last = new BenchHttp.Answer[1];
    return Sequential.repeatWhile(() -> request.get().compose(answer -> {
      last[0] = answer;
      boolean again = (answer.status() == 503 || answer.status() == 409) && System.currentTimeMillis() < deadline;
      return again ? vertx.timer(RETRY_MS).map(true) : Future.succeededFuture(false);
    })).map(done -> last[0]);
  }

  /** A transfer from the treasury; a cross-shard one may still be finishing (202) when this answers. */
  private Future<Void> fund(String wallet, long amountMinor) {
    String body = "{\"fromWalletId\":\"" + treasury.wallet() + "\",\"toWalletId\":\"" + wallet + "\",\"amount\":"
      + amountMinor + ",\"currency\":\"USD\"}";
    return retried(() -> http.post("/v1/transfers", treasury.token(), "fund-" + wallet, body))
      .map(answer -> {
        answer.require(201, 202);
        return null;
      });
  }

  /**
   * A deposit into a pair's first wallet, which the move.lua baseline debits and never credits: a
   * drained wallet would answer refusals, and the baseline would measure those instead of moves.
   */
  Future<Void> fundBaseline(Pair pair, long amountMinor) {
    return deposit(pair.first().token(), pair.first().wallet(), amountMinor);
  }

  /** A sandbox deposit, then polls it until the gateway's webhook has completed it. */
  private Future<Void> deposit(String token, String wallet, long amountMinor) {
    String body = "{\"walletId\":\"" + wallet + "\",\"amount\":" + amountMinor
      + ",\"currency\":\"USD\",\"source\":{\"type\":\"sandbox\"}}";
    return retried(() -> http.post("/v1/deposits", token, "fund-" + UUID.randomUUID(), body))
      .map(answer -> "/v1/deposits/" + answer.require(201, 202).json().getString("id"))
      .compose(path -> Sequential.repeatWhile(() -> vertx.timer(POLL_MS)
        .compose(t -> retried(() -> http.get(path, token)))
        .map(answer -> {
          String status = answer.require(200).json().getString("status");
          if ("failed".equals(status)) {
            throw new IllegalStateException("a funding deposit failed: " + answer.body());
          }
          return !"completed".equals(status);
        })));
  }

  /** {@code step} over every item, {@link #SETUP_IN_FLIGHT} at a time; answers the results in order. */
  private <T, R> Future<List<R>> inParallel(List<T> items, Function<T, Future<R>> step) {
    return inParallel(items, SETUP_IN_FLIGHT, step);
  }

  /** {@code step} over every item, {@code inFlight} at a time; answers the results in order. */
  private <T, R> Future<List<R>> inParallel(List<T> items, int inFlight, Function<T, Future<R>> step) {
    List<R> results = Collections.synchronizedList(new ArrayList<>(Collections.nCopies(items.size(), null)));
    AtomicInteger next = new AtomicInteger();
    List<Future<Void>> workers = new ArrayList<>();
    for (int w = 0; w < Math.min(inFlight, items.size()); w++) {
      workers.add(Sequential.repeatWhile(() -> {
        int index = next.getAndIncrement();
        if (index >= items.size()) {
          return Future.succeededFuture(false);
        }
        return step.apply(items.get(index)).map(result -> {
          results.set(index, result);
          return true;
        });
      }));
    }
    return Future.all(workers).map(done -> new ArrayList<>(results));
  }
}
