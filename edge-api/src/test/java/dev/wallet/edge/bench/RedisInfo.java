package dev.wallet.edge.bench;

/** Reading INFO's list lines, such as {@code db0:keys=120,expires=30} or {@code cmdstat_get:calls=12,usec=340}. */
final class RedisInfo {

  private RedisInfo() {
  }

  /** The number a line gives {@code field}, 0 when it names none. */
  static long field(String line, String field) {
    for (String pair : line.substring(line.indexOf(':') + 1).split(",")) {
      int equals = pair.indexOf('=');
      if (equals > 0 && pair.substring(0, equals).equals(field)) {
        return Long.parseLong(pair.substring(equals + 1).trim());
      }
    }
    return 0;
  }
}
