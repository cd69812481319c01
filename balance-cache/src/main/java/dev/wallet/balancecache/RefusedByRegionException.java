package dev.wallet.balancecache;

/**
 * Another region answered a message between regions with a refusal of that message itself, which
 * asking again only repeats: a status about the request (a 400, a 404, a 500: an error of its own
 * while handling it), or a believed 200 that names no decision this region knows (a code of a newer
 * release, a body that does not parse). The region answers other messages, so the sweeper passes
 * over this one alone (docs/architecture.md, "Regions"); a region that gave no answer, or answered
 * that it can take nothing now (a 503, a 429, this region's signature refused), is left alone for
 * the rest of a pass instead.
 */
public final class RefusedByRegionException extends IllegalStateException {

  public RefusedByRegionException(String message) {
    super(message);
  }

  public RefusedByRegionException(String message, Throwable cause) {
    super(message, cause);
  }

  public static boolean among(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof RefusedByRegionException) {
        return true;
      }
    }
    return false;
  }
}
