package dev.wallet.ledger;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which PostgreSQL database holds which shards of the ledger (docs/architecture.md, "A ledger over
 * several databases"). Every posting balances within one shard and every account lives on one
 * shard, so a shard's accounts, postings, entries and events are complete in one database. The home
 * database ({@code WALLET_PG_*}) holds every shard not placed elsewhere, and alone holds what is not
 * a shard's: money halts, reconciliation runs, the limits' and the edge's own schemas. Every database
 * is reached with the same roles and passwords. Without placements there is one database, as before.
 *
 * @param home   the home database, as the application role
 * @param placed the shard ranges placed on other databases, none overlapping
 */
public record LedgerPlacement(LedgerDatabase home, List<Placed> placed) {

  /** One range of shards and the database that holds them. */
  public record Placed(ShardRange shards, LedgerDatabase database) {
  }

  private static final Pattern ITEM = Pattern.compile("(\\d{1,4})-(\\d{1,4})=([^:/=,\\s]+):(\\d{1,5})/(\\w{1,63})");

  public LedgerPlacement {
    placed = List.copyOf(placed);
    for (int i = 0; i < placed.size(); i++) {
      for (int j = i + 1; j < placed.size(); j++) {
        if (overlap(placed.get(i).shards(), placed.get(j).shards())) {
          throw new IllegalArgumentException("shards " + placed.get(i).shards() + " and " + placed.get(j).shards()
            + " are placed twice");
        }
      }
      if (placed.get(i).database().sameDatabase(home)) {
        throw new IllegalArgumentException("shards " + placed.get(i).shards() + " are placed on the home database");
      }
    }
  }

  /** Everything in one database. */
  public static LedgerPlacement single(LedgerDatabase home) {
    return new LedgerPlacement(home, List.of());
  }

  /**
   * {@code first-last=host:port/database,...} ({@code WALLET_LEDGER_PLACEMENT}), each range within
   * {@code regionShards}; the roles and passwords are the home database's.
   *
   * @throws IllegalArgumentException for a malformed item, a range outside the region's shards, or
   *     shards placed twice
   */
  public static LedgerPlacement parse(String spec, LedgerDatabase home, ShardRange regionShards) {
    List<Placed> placed = new ArrayList<>();
    for (String item : spec.split(",")) {
      if (item.isBlank()) {
        continue;
      }
      Matcher m = ITEM.matcher(item.trim());
      if (!m.matches()) {
        throw new IllegalArgumentException("WALLET_LEDGER_PLACEMENT takes first-last=host:port/database,..., got '"
          + item.trim() + "'");
      }
      int first = Integer.parseInt(m.group(1));
      int last = Integer.parseInt(m.group(2));
      if (last < first || !regionShards.contains(new ShardId(first)) || !regionShards.contains(new ShardId(last))) {
        throw new IllegalArgumentException("shards " + first + "-" + last + " are not a range of this region's shards "
          + regionShards);
      }
      placed.add(new Placed(new ShardRange(first, last - first + 1), new LedgerDatabase(m.group(3),
        Integer.parseInt(m.group(4)), m.group(5), home.user(), home.password())));
    }
    return new LedgerPlacement(home, placed);
  }

  /** The database that holds {@code shard}'s ledger. */
  public LedgerDatabase databaseOf(ShardId shard) {
    return placed.stream().filter(p -> p.shards().contains(shard)).map(Placed::database).findFirst().orElse(home);
  }

  /** Every database of the ledger, the home one first, each once. */
  public List<LedgerDatabase> databases() {
    List<LedgerDatabase> all = new ArrayList<>(List.of(home));
    for (Placed p : placed) {
      if (all.stream().noneMatch(known -> known.sameDatabase(p.database()))) {
        all.add(p.database());
      }
    }
    return all;
  }

  /** The same placement, reached as another role (the owner, for migrations). */
  public LedgerPlacement as(String user, String password) {
    return new LedgerPlacement(home.as(user, password), placed.stream()
      .map(p -> new Placed(p.shards(), p.database().as(user, password))).toList());
  }

  private static boolean overlap(ShardRange a, ShardRange b) {
    return a.first() < b.first() + b.count() && b.first() < a.first() + a.count();
  }
}
