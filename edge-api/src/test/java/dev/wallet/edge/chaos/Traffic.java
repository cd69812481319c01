package dev.wallet.edge.chaos;

import dev.wallet.balancecache.async.Sequential;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The clients: each loop asks for one movement (a transfer to the owner's other wallet on the same
 * shard or to anyone, a payment to a merchant, or a merchant's refund of an acknowledged payment),
 * settles it with a fresh Idempotency-Key, books its fate, rests a moment, and goes on until told
 * to stop. A stopped loop still settles the movement it holds.
 */
final class Traffic {

  private static final long THINK_MS = 20;

  private final Vertx vertx;
  private final Customers customers;
  private final Book book;
  private final Settler settler;
  private final String keys = UUID.randomUUID().toString();
  private long sequence;
  private volatile boolean running;
  private int phase;
  private List<Future<Void>> loops = List.of();

  Traffic(Vertx vertx, Customers customers, Book book, Settler settler) {
    this.vertx = vertx;
    this.customers = customers;
    this.book = book;
    this.settler = settler;
  }

  /** Starts {@code clients} loops whose movements belong to {@code phase}. */
  void start(int clients, int phase) {
    this.phase = phase;
    running = true;
    List<Future<Void>> started = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      started.add(Sequential.repeatWhile(() -> running ? next(client).map(true) : Future.succeededFuture(false)));
    }
    loops = started;
  }

  /** Completes once every loop has settled what it held. */
  Future<Void> stop() {
    running = false;
    return Future.all(loops).mapEmpty();
  }

  private Future<Void> next(int client) {
    Movement movement = pick();
    book.asked(movement);
    return settler.settle(movement, client).compose(settled -> {
      book.settled(settled);
      if (settled.kind == Movement.Kind.PAYMENT && settled.fate == Movement.Fate.ACKNOWLEDGED) {
        Customers.Wallet merchant = customers.merchants.stream().filter(w -> w.id().equals(settled.to)).findFirst()
          .orElseThrow();
        book.payable(new Movement.Payment(settled.id, settled.from, settled.to, merchant.token(), settled.amount));
      }
      return vertx.timer(THINK_MS).mapEmpty();
    });
  }

  private Movement pick() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    double dice = random.nextDouble();
    if (dice < 0.15) {
      Movement.Payment payment = book.refundable(random.nextInt(1 << 20));
      if (payment != null) {
        return refund(payment, 1 + random.nextLong(Math.min(payment.refundable, 300)));
      }
    }
    int source = random.nextInt(customers.personal.size());
    if (dice < 0.45) {
      Customers.Wallet merchant = customers.merchants.get(random.nextInt(customers.merchants.size()));
      return payment(customers.personal.get(source), merchant, 100 + random.nextLong(1_900));
    }
    Customers.Wallet destination = random.nextDouble() < 0.3 ? customers.sibling(source)
      : customers.personal.get((source + 1 + random.nextInt(customers.personal.size() - 1)) % customers.personal.size());
    return transfer(customers.personal.get(source), destination, 1 + random.nextLong(500));
  }

  private Movement transfer(Customers.Wallet from, Customers.Wallet to, long amount) {
    String body = "{\"fromWalletId\":\"" + from.id() + "\",\"toWalletId\":\"" + to.id() + "\",\"amount\":" + amount
      + ",\"currency\":\"USD\"}";
    return new Movement(Movement.Kind.TRANSFER, phase, key(), "/v1/transfers", from.token(), body, from.id(), to.id(),
      amount, null);
  }

  private Movement payment(Customers.Wallet payer, Customers.Wallet merchant, long amount) {
    String body = "{\"fromWalletId\":\"" + payer.id() + "\",\"merchantWalletId\":\"" + merchant.id()
      + "\",\"amount\":" + amount + ",\"currency\":\"USD\"}";
    return new Movement(Movement.Kind.PAYMENT, phase, key(), "/v1/payments", payer.token(), body, payer.id(),
      merchant.id(), amount, null);
  }

  private Movement refund(Movement.Payment payment, long amount) {
    return new Movement(Movement.Kind.REFUND, phase, key(), "/v1/payments/" + payment.id + "/refunds",
      payment.merchantToken, "{\"amount\":" + amount + "}", payment.merchant, payment.payer, amount, payment);
  }

  private String key() {
    return keys + "-" + sequence++;
  }
}
