package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/** Ids, request hashes and the checks every deposit and withdrawal makes before it is recorded. */
final class FundsIds {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern ID = Pattern.compile("[dx][0-9]{4,}_[0-9a-f]{24}");

  private FundsIds() {
  }

  /** d0042_<24 hex>: the wallet's shard, 96 random bits. Also the credit's posting id in the ledger. */
  static String deposit(WalletId wallet) {
    return sharded('d', wallet);
  }

  /** x0042_<24 hex>. */
  static String withdrawal(WalletId wallet) {
    return sharded('x', wallet);
  }

  /**
   * Whether {@code id} has the shape of a deposit's or a withdrawal's id. Until 2026-12-07 any path
   * segment was looked up, and one PostgreSQL refuses (a NUL, as {@code %00}) was answered 500.
   */
  static boolean wellFormed(String id) {
    return ID.matcher(id).matches();
  }

  /**
   * Refused before anything is held or asked of a gateway; the refusal is recorded under the request's
   * key, a failed movement, so that it stays the key's answer.
   */
  static Optional<OutcomeCode> refusal(Wallet wallet, Money amount) {
    if (!wallet.currency().equals(amount.currency())) {
      return Optional.of(OutcomeCode.CURRENCY_MISMATCH);
    }
    if (wallet.status() != WalletStatus.ACTIVE) {
      return Optional.of(OutcomeCode.WALLET_INACTIVE);
    }
    return Optional.empty();
  }

  private static String sharded(char kind, WalletId wallet) {
    byte[] random = new byte[12];
    RANDOM.nextBytes(random);
    return String.format("%c%04d_%s", kind, wallet.shard().number(), HexFormat.of().formatHex(random));
  }
}
