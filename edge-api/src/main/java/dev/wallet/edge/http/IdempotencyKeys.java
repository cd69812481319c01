package dev.wallet.edge.http;

import dev.wallet.balancecache.model.IdempotencyKey;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code Idempotency-Key} header, scoped to the caller (two callers may pick the same key).
 * Money-moving routes put {@link #require} in front of their handler.
 */
public final class IdempotencyKeys {

  public static final String HEADER = "Idempotency-Key";
  private static final String KEY = "wallet.idempotencyKey";

  private IdempotencyKeys() {
  }

  /** Guard: a valid key, or 400 {@code idempotency_key_missing} before the body is parsed or anything asked. */
  public static void require(RoutingContext ctx) {
    IdempotencyKey key = fromHeader(ctx).orElseThrow(() -> missing("this request moves money: send an "
      + HEADER + " header (1 to 255 printable ASCII characters) and reuse it when you retry"));
    ctx.put(KEY, key);
    ctx.next();
  }

  /** The key {@link #require} accepted. */
  public static IdempotencyKey required(RoutingContext ctx) {
    IdempotencyKey key = ctx.get(KEY);
    if (key == null) {
      throw new IllegalStateException("route " + ctx.normalizedPath() + " is not behind IdempotencyKeys.require");
    }
    return key;
  }

  /** The client's key when it sent one, else a fresh one: the request is then simply not retryable. */
  public static IdempotencyKey orRandom(RoutingContext ctx) {
    return fromHeader(ctx).orElseGet(() -> scoped(ctx, UUID.randomUUID().toString()));
  }

  private static Optional<IdempotencyKey> fromHeader(RoutingContext ctx) {
    List<String> values = ctx.request().headers().getAll(HEADER);
    if (values.isEmpty()) {
      return Optional.empty();
    }
    if (values.size() > 1) {
      throw missing("send exactly one " + HEADER + " header");
    }
    try {
      return Optional.of(scoped(ctx, values.get(0)));
    } catch (IllegalArgumentException malformed) {
      throw missing(malformed.getMessage());
    }
  }

  private static IdempotencyKey scoped(RoutingContext ctx, String key) {
    return new IdempotencyKey(Authenticator.caller(ctx).id(), key);
  }

  /** A key sent in a body (a batch item's), scoped to the caller like the header's: the same key is the same request. */
  public static IdempotencyKey ofCaller(Caller caller, String key) {
    try {
      return new IdempotencyKey(caller.id(), key);
    } catch (IllegalArgumentException malformed) {
      throw ProblemException.invalid(malformed.getMessage());
    }
  }

  private static ProblemException missing(String detail) {
    return new ProblemException(Problem.of(ProblemCode.IDEMPOTENCY_KEY_MISSING, detail));
  }
}
