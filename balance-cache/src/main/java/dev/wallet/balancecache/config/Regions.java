package dev.wallet.balancecache.config;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The regions of a deployment and which one this process belongs to (docs/architecture.md,
 * "Regions"). Each region is a complete wallet that owns a partition of the wallets: region i (its
 * position in {@code WALLET_REGIONS}) owns shards 1000 × i to 1000 × i + shards - 1, and since every
 * id carries its shard, every id names its home region. Without {@code WALLET_REGIONS} there is one
 * region, which owns shards 0 to shards - 1 as before regions existed.
 *
 * @param regions every region, in order; empty for a deployment of one region
 * @param self    this process's region; empty for a deployment of one region
 */
public record Regions(List<Region> regions, Optional<Region> self) {

  /** Shards each region may own: a region's range starts at 1000 × its position. */
  public static final int SHARDS_PER_REGION = 1_000;
  public static final Regions SINGLE = new Regions(List.of(), Optional.empty());
  private static final Pattern NAME = Pattern.compile("[a-z]{1,16}");

  /**
   * A region: its name and where its edges answer (the base URL a request for one of its wallets is
   * sent to).
   */
  public record Region(String name, int index, URI edge) {

    public ShardRange shards(int count) {
      return new ShardRange(index * SHARDS_PER_REGION, count);
    }
  }

  public Regions {
    regions = List.copyOf(regions);
  }

  /**
   * {@code WALLET_REGIONS} ({@code regions.all}): {@code name=url,...} in a fixed order, and
   * {@code WALLET_REGION} ({@code regions.self}): which of them this process serves.
   *
   * @throws IllegalArgumentException when one is set without the other, a name or URL is malformed
   *     or repeated, this region is not among them, or a region would own more shards than fit
   */
  public static Regions from(Settings s, int shardCount) {
    String all = s.text("WALLET_REGIONS", "regions.all", "");
    String self = s.text("WALLET_REGION", "regions.self", "");
    if (all.isEmpty() && self.isEmpty()) {
      return SINGLE;
    }
    if (all.isEmpty() || self.isEmpty()) {
      throw new IllegalArgumentException("WALLET_REGION and WALLET_REGIONS are set together or not at all");
    }
    if (shardCount > SHARDS_PER_REGION) {
      throw new IllegalArgumentException("a region owns at most " + SHARDS_PER_REGION + " shards, configured "
        + shardCount);
    }
    List<Region> regions = parse(all);
    Region mine = regions.stream().filter(region -> region.name().equals(self)).findFirst()
      .orElseThrow(() -> new IllegalArgumentException("WALLET_REGION " + self + " is not among WALLET_REGIONS"));
    return new Regions(regions, Optional.of(mine));
  }

  private static List<Region> parse(String all) {
    List<Region> regions = new ArrayList<>();
    for (String item : all.split(",")) {
      String[] nameAndUrl = item.trim().split("=", 2);
      String name = nameAndUrl[0].trim();
      if (!NAME.matcher(name).matches() || nameAndUrl.length < 2) {
        throw new IllegalArgumentException("WALLET_REGIONS takes name=url,... with names of 1 to 16 lower-case letters,"
          + " got '" + item + "'");
      }
      if (regions.stream().anyMatch(region -> region.name().equals(name))) {
        throw new IllegalArgumentException("region " + name + " is named twice in WALLET_REGIONS");
      }
      regions.add(new Region(name, regions.size(), edge(name, nameAndUrl[1].trim())));
    }
    if (regions.size() > ShardId.MAX_SHARDS / SHARDS_PER_REGION) {
      throw new IllegalArgumentException("at most " + ShardId.MAX_SHARDS / SHARDS_PER_REGION + " regions");
    }
    return regions;
  }

  private static URI edge(String name, String url) {
    try {
      URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
        return uri;
      }
    } catch (IllegalArgumentException malformed) {
      // answered below
    }
    throw new IllegalArgumentException("region " + name + " needs an http(s) URL, got '" + url + "'");
  }

  /** The shards this process's region owns. */
  public ShardRange shards(int shardCount) {
    return self.map(region -> region.shards(shardCount)).orElse(ShardRange.of(shardCount));
  }

  /** The region whose range holds {@code shard}: empty when no region owns it (an id that names nothing). */
  public Optional<Region> homeOf(ShardId shard) {
    int index = shard.number() / SHARDS_PER_REGION;
    return index < regions.size() ? Optional.of(regions.get(index)) : Optional.empty();
  }

  public boolean multiple() {
    return self.isPresent();
  }
}
