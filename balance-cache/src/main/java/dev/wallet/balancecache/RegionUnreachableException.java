package dev.wallet.balancecache;

/**
 * Another region gave no answer at all: no connection, or no reply within the channel's deadline.
 * Unlike an answer that was not a decision (a 503 of one of its shards), it says nothing about one
 * shard there: the whole region is taken as out of reach for the rest of a sweep pass.
 */
public final class RegionUnreachableException extends RuntimeException {

  public RegionUnreachableException(String region, Throwable cause) {
    super("region " + region + " gave no answer: " + cause, cause);
  }
}
