package dev.wallet.limits.model;

import java.util.Map;

/**
 * Thresholds of the AML monitors, tuned by the risk team in the same file as the limits.
 *
 * @param largeTransaction     per currency: a single movement at or above it is flagged
 * @param structuringMinCount  this many movements just below the threshold from one owner ...
 * @param structuringBandPercent ... each within this percentage below it ...
 * @param structuringWindowHours ... within this many hours are flagged together
 * @param rapidWindowMinutes   money that came into a wallet and went out again within this window ...
 * @param rapidOutPercent      ... for at least this percentage of what came in ...
 * @param rapidMinIn           ... when what came in reached this (per currency) is flagged
 */
public record AmlRules(Map<String, Long> largeTransaction, int structuringMinCount, int structuringBandPercent,
                       int structuringWindowHours, int rapidWindowMinutes, int rapidOutPercent,
                       Map<String, Long> rapidMinIn) {

  /** The longest rapid in-and-out window the rules may set: a week. */
  public static final int MAX_RAPID_WINDOW_MINUTES = 10_080;

  public AmlRules {
    largeTransaction = Map.copyOf(largeTransaction);
    rapidMinIn = Map.copyOf(rapidMinIn);
  }

  /** The lowest amount that counts as "just below" the large threshold: threshold * (100 - band) / 100. */
  public long structuringFloor(long threshold) {
    return threshold - Math.multiplyExact(threshold, structuringBandPercent) / 100;
  }
}
