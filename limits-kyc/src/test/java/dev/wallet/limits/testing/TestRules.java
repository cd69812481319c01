package dev.wallet.limits.testing;

/**
 * Rules texts for tests. Three tiers, each missing one operation the edge can reach:
 * unverified cannot send, basic cannot receive, full cannot withdraw.
 */
public final class TestRules {

  public static final long LARGE_USD = 1_000_000;

  private TestRules() {
  }

  /**
   * For tests that are not about limits: an owner without a profile is "unverified", as in
   * production, but here that tier may do everything, within limits no test reaches.
   */
  public static String permissive() {
    String everything = rules("unverified", 1_000_000_000_000L, 1_000_000_000_000L, 1_000_000);
    int unverified = everything.indexOf("  unverified:\n");
    int basic = everything.indexOf("  basic:\n");
    int vip = everything.indexOf("  vip:\n");
    int merchants = everything.indexOf("merchants:\n");
    String vipTier = everything.substring(vip, merchants);
    return everything.substring(0, unverified) + vipTier.replace("  vip:\n", "  unverified:\n")
      + everything.substring(basic);
  }

  public static String rules(String defaultTier, long p2pPerTransaction, long p2pDaily, int velocityPerMinute) {
    return rules(defaultTier, p2pPerTransaction, p2pDaily, p2pDaily, velocityPerMinute);
  }

  /** As {@link #rules(String, long, long, int)}, with monthly windows of their own (a payer's month and day differ). */
  public static String rules(String defaultTier, long p2pPerTransaction, long p2pDaily, long p2pMonthly,
                             int velocityPerMinute) {
    return """
      # test rules
      currencies: [USD]
      defaultTier: %1$s
      tiers:
        unverified:
          operations: [receive, deposit]
          perTransaction:
            receive: {USD: 100000000}
            deposit: {USD: 100000000}
        basic:
          operations: [p2p_send, deposit]
          perTransaction:
            p2p_send: {USD: %2$d}
            deposit: {USD: 1000000000000}
          daily:
            p2p_send: {USD: %3$d}
          monthly:
            p2p_send: {USD: %6$d}
          velocityPerMinute: %4$d
        full:
          operations: [p2p_send, receive, merchant_payment, deposit]
          perTransaction:
            p2p_send: {USD: %2$d}
            receive: {USD: 1000000000000}
            merchant_payment: {USD: %2$d}
            deposit: {USD: 1000000000000}
          daily:
            p2p_send: {USD: %3$d}
            merchant_payment: {USD: %3$d}
          monthly:
            p2p_send: {USD: %6$d}
            merchant_payment: {USD: %6$d}
          velocityPerMinute: %4$d
        vip:
          operations: [p2p_send, receive, merchant_payment, deposit, withdrawal]
          perTransaction:
            p2p_send: {USD: %2$d}
            receive: {USD: 1000000000000}
            merchant_payment: {USD: %2$d}
            deposit: {USD: 1000000000000}
            withdrawal: {USD: %2$d}
          daily:
            p2p_send: {USD: %3$d}
            merchant_payment: {USD: %3$d}
            withdrawal: {USD: %3$d}
          monthly:
            p2p_send: {USD: %6$d}
            merchant_payment: {USD: %6$d}
            withdrawal: {USD: %6$d}
          velocityPerMinute: %4$d
      merchants:
        override-merchant:
          perTransaction: {USD: 5000}
          daily: {USD: 7000}
      blockedCountries: [KP]
      aml:
        largeTransaction: {USD: %5$d}
        structuring: {minCount: 3, bandPercent: 10, windowHours: 24}
        rapidInOut: {windowMinutes: 60, outPercent: 80, minIn: {USD: 500000}}
      """.formatted(defaultTier, p2pPerTransaction, p2pDaily, velocityPerMinute, LARGE_USD, p2pMonthly);
  }
}
