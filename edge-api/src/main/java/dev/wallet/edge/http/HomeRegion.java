package dev.wallet.edge.http;

import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.ShardedId;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * Whether this edge's region serves a request (docs/architecture.md, "Regions"). Every id carries
 * its shard and every shard belongs to one region, so the id a request is about (in its path, or
 * the wallet money leaves from) names the region that must answer it. A request about another
 * region's wallet is answered 307 with that region's URL for the same request, before anything
 * reads or writes: it is never applied in the wrong region. An id no region owns names nothing: 404.
 */
public final class HomeRegion {

  private static final String CONTEXT_KEY = HomeRegion.class.getName();

  private final Regions regions;
  private final ShardRange shards;

  public HomeRegion(Regions regions, ShardRange shards) {
    this.regions = regions;
    this.shards = shards;
  }

  /** The first handler of every request: what the checks below consult. */
  public void attach(RoutingContext ctx) {
    ctx.put(CONTEXT_KEY, this);
    ctx.next();
  }

  /**
   * {@code id}, when this region serves it.
   *
   * @throws ProblemException wrong_region (307) when another region does, not_found when none does
   */
  public static <T extends ShardedId> T requireHere(RoutingContext ctx, T id) {
    HomeRegion home = ctx.get(CONTEXT_KEY);
    if (home != null) {
      home.check(ctx, id);
    }
    return id;
  }

  private void check(RoutingContext ctx, ShardedId id) {
    if (shards.contains(id.shard())) {
      return;
    }
    Optional<Regions.Region> owner = regions.homeOf(id.shard()).filter(region -> regions.self()
      .map(self -> !self.equals(region)).orElse(false));
    throw new ProblemException(owner
      .map(region -> Problem.wrongRegion(region.name(), region.edge() + ctx.request().uri()))
      .orElseGet(Problem::notFound));
  }
}
