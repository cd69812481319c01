package dev.wallet.edge.chaos;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;

/**
 * One money movement a client asked for, under one Idempotency-Key, and what became of it. Its
 * fields are written by the one client loop that settles it, and read only after it settled.
 */
final class Movement {

  enum Kind { TRANSFER, PAYMENT, REFUND, FUNDING }

  /** ACKNOWLEDGED: answered 201 (at once or after a 202); REFUSED: a definite 4xx; UNRESOLVED: neither by the deadline. */
  enum Fate { OPEN, ACKNOWLEDGED, REFUSED, UNRESOLVED }

  final Kind kind;
  final int phase;
  final String key;
  final String path;
  final String token;
  final String body;
  final String from;
  final String to;
  final long amount;
  /** The payment a refund returns money from. */
  final Payment refunded;

  Fate fate = Fate.OPEN;
  /** The movement's id, once an answer named it (also for a reversal, which a refusal names). */
  String id;
  long fee;
  /** An attempt ended without a definite answer (no answer in time, a broken connection, a 5xx). */
  boolean unknown;
  /** The money left the source and came back: the destination refused the credit. */
  boolean reversed;
  /** An answer no correct wallet gives (a 400, a reused key...): a violation in itself. */
  String anomaly;
  int attempts;
  long firstSentNanos;
  long acknowledgedNanos;

  Movement(Kind kind, int phase, String key, String path, String token, String body, String from, String to,
           long amount, Payment refunded) {
    this.kind = kind;
    this.phase = phase;
    this.key = key;
    this.path = path;
    this.token = token;
    this.body = body;
    this.from = from;
    this.to = to;
    this.amount = amount;
    this.refunded = refunded;
  }

  ShardId sourceShard() {
    return new WalletId(from).shard();
  }

  ShardId destinationShard() {
    return new WalletId(to).shard();
  }

  /** What the destination receives. */
  long credited() {
    return amount - fee;
  }

  /** An acknowledged payment and what of it is still refundable, as far as the clients know. */
  static final class Payment {

    final String id;
    final String payer;
    final String merchant;
    final String merchantToken;
    long refundable;

    Payment(String id, String payer, String merchant, String merchantToken, long refundable) {
      this.id = id;
      this.payer = payer;
      this.merchant = merchant;
      this.merchantToken = merchantToken;
      this.refundable = refundable;
    }
  }
}
