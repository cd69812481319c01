package dev.wallet.edge.http;

import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.ShardedId;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.WalletId;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/**
 * Ids in paths. A malformed id names nothing, so it is answered like an id that names nothing: 404.
 * A path names what the request is about, so another region's id is sent there ({@link HomeRegion}).
 */
public final class PathIds {

  private PathIds() {
  }

  public static WalletId wallet(RoutingContext ctx) {
    return parse(ctx, WalletId::new);
  }

  public static PaymentId payment(RoutingContext ctx) {
    return parse(ctx, PaymentId::new);
  }

  public static TransferId transfer(RoutingContext ctx) {
    return parse(ctx, TransferId::new);
  }

  public static <T extends ShardedId> T parse(RoutingContext ctx, Function<String, T> parser) {
    T id;
    try {
      id = parser.apply(ctx.pathParam("id"));
    } catch (IllegalArgumentException malformed) {
      throw new ProblemException(Problem.notFound());
    }
    return HomeRegion.requireHere(ctx, id);
  }
}
