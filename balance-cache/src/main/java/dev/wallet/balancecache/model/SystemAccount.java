package dev.wallet.balancecache.model;

import java.util.Currency;
import java.util.regex.Pattern;

/**
 * An account of the wallet itself, one per name, currency and shard, so that every posting
 * balances inside one shard: external clearing (money that came in from or went out to a bank
 * or card network), fee revenue, and each shard's in-transit account for cross-shard transfers.
 * System accounts may go negative: clearing accounts mirror what the outside world holds.
 */
public record SystemAccount(String name, Currency currency) {

  private static final Pattern NAME = Pattern.compile("[a-z]+(\\.[a-z]+)*");
  public static final String TRANSIT = "transit";
  public static final String FEES = "fees";
  public static final String REGION = "region";

  public SystemAccount {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("system account names are lower-case words joined by dots");
    }
  }

  public static SystemAccount clearing(String gateway, Currency currency) {
    return new SystemAccount("clearing." + gateway, currency);
  }

  public static SystemAccount fees(Currency currency) {
    return new SystemAccount(FEES, currency);
  }

  public static SystemAccount transit(Currency currency) {
    return new SystemAccount(TRANSIT, currency);
  }

  /**
   * What a region's books hold against region {@code peer} (docs/architecture.md, "Regions"): on the
   * source shard of a movement to that region, what it owes there (credited by the debit); on the
   * destination shard of a movement from there, what that region owes here (debited by the credit).
   */
  public static SystemAccount region(String peer, Currency currency) {
    return new SystemAccount(REGION + "." + peer, currency);
  }

  /** Whether this is a region's clearing account (see {@link #region}). */
  public static boolean isRegionAccountId(String accountId) {
    return accountId.startsWith(REGION + ".");
  }

  /** The ledger's id of this account on a shard, e.g. clearing.sandbox:USD:s0042. */
  public String id(ShardId shard) {
    return name + ":" + currency.getCurrencyCode() + ":" + shard.name();
  }
}
