package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The arguments of one real {@code move.lua} call (EVALSHA), for {@code redis-benchmark}: the
 * physical limit the wallet's own transfers are compared with in scripts/bench.sh. Built from the
 * same keys, checks and arguments as {@link RedisBalanceCache}'s same-shard transfer, except that
 * the idempotency key and the transfer id hold {@code __rand_int__}, which redis-benchmark replaces
 * on every call, so every call is a new transfer rather than a replay. Only balance-cache knows
 * the key layout; this keeps it that way for the benchmark too.
 */
public final class MoveScriptCall {

  /** redis-benchmark puts 12 random digits in each; two give an id space where runs never collide. */
  private static final String RANDOM = "__rand_int____rand_int__";

  private MoveScriptCall() {
  }

  /** The SHA the money core loads {@code move.lua} under (lib.lua in front). */
  public static String sha1() {
    return new Scripts().move.sha1();
  }

  /** {@code EVALSHA sha numkeys keys... args...} for a transfer of {@code amount} by {@code owner}. */
  public static List<String> transfer(WalletId from, WalletId to, Money amount, String owner,
                                      List<LimitCheck> checks) {
    String id = String.format("t%04d_%s", from.shard().number(), RANDOM); // a transfer id's shape: 24 digits
    Movement movement = new Movement(id, MovementKind.TRANSFER, from, to, amount, 0, owner,
      new IdempotencyKey(owner, RANDOM), "", "", checks, "bench");
    List<String> keys = new ArrayList<>(List.of(Keys.wallet(from), Keys.wallet(to), movement.source().tag()
      + ":idem:" + RANDOM, Keys.movement(movement.source(), id), Keys.outbox(movement.source()),
      Keys.systemAccount(movement.source(), movement.feeAccount()), Keys.paymentRecord(movement.source(), id)));
    keys.addAll(movement.counterKeys());
    keys = Keys.declared(keys);
    List<String> args = List.of(id, "transfer", Long.toString(amount.minor()), "0", amount.currencyCode(),
      RedisBalanceCache.requestHash("bench"), owner, "86400000", movement.feeAccount().id(movement.source()), "", "",
      movement.limitsJson());
    List<String> call = new ArrayList<>(List.of("EVALSHA", sha1(), Integer.toString(keys.size())));
    call.addAll(keys);
    call.addAll(args);
    return call;
  }

  /** The hash slot of a wallet's keys, to find the master that serves it. */
  public static int slot(WalletId wallet) {
    return HashSlot.of(Keys.wallet(wallet));
  }
}
