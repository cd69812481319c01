package dev.wallet.edge.bench;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/** The requests the benchmark sends: each as a client of the public API would send it. */
final class Scenarios {

  private Scenarios() {
  }

  /** Transfers of 1 cent between the two wallets of a pair, alternating direction so none runs dry. */
  static Load.Requests sameShard(BenchHttp http, List<Population.Pair> pairs) {
    String keys = UUID.randomUUID().toString();
    return moneyRequests(n -> {
      Population.Pair pair = pairs.get((int) (n % pairs.size()));
      boolean back = (n / pairs.size()) % 2 == 1;
      String from = back ? pair.second() : pair.first().wallet();
      String to = back ? pair.first().wallet() : pair.second();
      return http.post("/v1/transfers", pair.first().token(), keys + n, transfer(from, to));
    });
  }

  /** Transfers of 1 cent from a random wallet to another random wallet: mostly across shards. */
  static Load.Requests randomShards(BenchHttp http, List<Population.Account> accounts,
                                    Map<String, Sockets.Sent> created) {
    String keys = UUID.randomUUID().toString();
    return moneyRequests(n -> {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int source = random.nextInt(accounts.size());
      int other = random.nextInt(accounts.size() - 1);
      Population.Account from = accounts.get(source);
      Population.Account to = accounts.get(other >= source ? other + 1 : other);
      Future<BenchHttp.Answer> sent = http.post("/v1/transfers", from.token(), keys + n,
        transfer(from.wallet(), to.wallet()));
      return created == null ? sent : sent.onSuccess(answer -> remember(answer, created));
    });
  }

  /**
   * POST /v1/transfers/batch: batches of {@code size} 1-cent transfers between the two wallets of a
   * pair (one owner, one shard), alternating direction per batch so none runs dry; {@code atomic} as
   * the batch's flag. Each item has its own key. {@code applied} counts the items the answers say
   * were applied, which is what a transfer per second through this route means.
   */
  static Load.Requests sameShardBatches(BenchHttp http, List<Population.Pair> pairs, int size, boolean atomic,
                                        AtomicLong applied) {
    String keys = UUID.randomUUID().toString();
    return requests(n -> {
      Population.Pair pair = pairs.get((int) (n % pairs.size()));
      boolean back = (n / pairs.size()) % 2 == 1;
      String from = back ? pair.second() : pair.first().wallet();
      String to = back ? pair.first().wallet() : pair.second();
      StringBuilder body = new StringBuilder("{\"atomic\":").append(atomic).append(",\"items\":[");
      for (int i = 0; i < size; i++) {
        String item = transfer(from, to);
        body.append(i == 0 ? "" : ",").append(item, 0, item.length() - 1)
          .append(",\"idempotencyKey\":\"").append(keys).append(n).append('.').append(i).append("\"}");
      }
      body.append("]}");
      return http.post("/v1/transfers/batch", pair.first().token(), null, body.toString())
        .onSuccess(answer -> {
          if (answer.status() == 200 || answer.status() == 201) {
            applied.addAndGet(answer.json().getInteger("accepted"));
          }
        });
    }, atomic ? 201 : 200);
  }

  /** Payments of 1 cent from many payers to one merchant wallet. */
  static Load.Requests hotMerchant(BenchHttp http, List<Population.Account> payers, Population.Account merchant) {
    String keys = UUID.randomUUID().toString();
    return moneyRequests(n -> {
      Population.Account payer = payers.get((int) (n % payers.size()));
      return http.post("/v1/payments", payer.token(), keys + n, "{\"fromWalletId\":\"" + payer.wallet()
        + "\",\"merchantWalletId\":\"" + merchant.wallet() + "\",\"amount\":1,\"currency\":\"USD\"}");
    });
  }

  /** An owner reading one of its wallets. */
  static Load.Requests read(BenchHttp http, List<Population.Account> accounts) {
    return requests(n -> {
      Population.Account account = accounts.get((int) (n % accounts.size()));
      return http.get("/v1/wallets/" + account.wallet(), account.token());
    }, 200);
  }

  /** The cheapest request the edge answers: no token, no I/O. */
  static Load.Requests live(BenchHttp http) {
    return requests(n -> http.get("/health/live", null), 200);
  }

  private static String transfer(String from, String to) {
    return "{\"fromWalletId\":\"" + from + "\",\"toWalletId\":\"" + to + "\",\"amount\":1,\"currency\":\"USD\"}";
  }

  private static void remember(BenchHttp.Answer answer, Map<String, Sockets.Sent> created) {
    if (answer.status() == 201 || answer.status() == 202) {
      var json = answer.json();
      created.put(json.getString("id"), new Sockets.Sent(json.getString("fromWalletId"),
        Instant.parse(json.getString("createdAt"))));
    }
  }

  /** Money moved (201) or accepted while a saga finishes it (202). */
  private static Load.Requests moneyRequests(java.util.function.LongFunction<Future<BenchHttp.Answer>> send) {
    return requests(send, 201, 202);
  }

  private static Load.Requests requests(java.util.function.LongFunction<Future<BenchHttp.Answer>> send,
                                        int... successes) {
    return new Load.Requests() {
      @Override
      public Future<BenchHttp.Answer> send(long n) {
        return send.apply(n);
      }

      @Override
      public boolean succeeded(int status) {
        for (int success : successes) {
          if (status == success) {
            return true;
          }
        }
        return false;
      }
    };
  }
}
