package dev.wallet.ledger;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

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
  private static final Pattern DATABASE = Pattern.compile("([^:/=,\\s]+):(\\d{1,5})/(\\w{1,63})");

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

  /**
   * {@code host:port/database} with the home database's roles and passwords, or the home database
   * itself for {@code home}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public LedgerDatabase database(String spec) {
    if (spec.equals("home")) {
      return home;
    }
    Matcher m = DATABASE.matcher(spec.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("a database is host:port/database or home, got '" + spec + "'");
    }
    return new LedgerDatabase(m.group(1), Integer.parseInt(m.group(2)), m.group(3), home.user(), home.password());
  }

  /**
   * This placement once {@code moved} is in {@code to} (the home database or another): what every
   * process of the region is configured with after {@code LedgerTool move-shards}.
   */
  public LedgerPlacement moving(ShardRange moved, LedgerDatabase to) {
    List<Placed> after = new ArrayList<>();
    int movedEnd = moved.first() + moved.count();
    for (Placed p : placed) {
      int first = p.shards().first();
      int end = first + p.shards().count();
      if (first < moved.first()) {
        after.add(new Placed(new ShardRange(first, Math.min(end, moved.first()) - first), p.database()));
      }
      if (end > movedEnd) {
        int from = Math.max(first, movedEnd);
        after.add(new Placed(new ShardRange(from, end - from), p.database()));
      }
    }
    if (!to.sameDatabase(home)) {
      after.add(new Placed(moved, to));
    }
    after.sort(Comparator.comparingInt(p -> p.shards().first()));
    return new LedgerPlacement(home, joined(after));
  }

  /** Adjacent ranges of one database as one range. */
  private static List<Placed> joined(List<Placed> sorted) {
    List<Placed> joined = new ArrayList<>();
    for (Placed p : sorted) {
      Placed last = joined.isEmpty() ? null : joined.get(joined.size() - 1);
      if (last != null && last.database().sameDatabase(p.database())
          && last.shards().first() + last.shards().count() == p.shards().first()) {
        joined.set(joined.size() - 1, new Placed(new ShardRange(last.shards().first(),
          last.shards().count() + p.shards().count()), last.database()));
      } else {
        joined.add(p);
      }
    }
    return joined;
  }

  /** As {@code WALLET_LEDGER_PLACEMENT} writes it; empty for one database. */
  public String spec() {
    return placed.stream().map(p -> p.shards().first() + "-" + (p.shards().first() + p.shards().count() - 1) + "="
      + p.database()).collect(Collectors.joining(","));
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
