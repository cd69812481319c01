package dev.wallet.ledger.impl;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerPlacement;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * Moves a range of shards' ledger from the database that holds them to another (docs/architecture.md,
 * "A ledger over several databases"; {@code LedgerTool move-shards}), so that a ledger that outgrows
 * its databases can spread over more, the way the money core's shards spread over Redis masters.
 * Every account of a shard, its postings, entries and events are in one database, so a shard moves
 * whole:
 * <ol>
 *   <li>both databases are locked against every ledger write (the money core goes on; the writers'
 *       entries wait in the outboxes), and refused while a ledger writer is connected to either;</li>
 *   <li>the rows are copied in each account's sequence order through the target's own triggers, which
 *       recompute every hash chain; each account's last hash, and every count, must come out as in the
 *       source, or nothing is committed; the target commits them with a record of where they came from;</li>
 *   <li>the source deletes them in the transaction that records where they went (the one exception to
 *       append-only, V10), and commits.</li>
 * </ol>
 * Which shards each database holds (V9's pins, changed by the moves) then refuses any writer still
 * configured with the old placement; the operator gives every process of the region the new one
 * ({@link Report#placement()}). A move interrupted between the two commits is finished by running
 * it again: the target's copy is compared with the source once more, and the source retires its rows.
 */
public final class ShardMove {

  /** The ledger writer's connections say who they are, so that a move can refuse to run under one. */
  public static final String WRITER_APPLICATION = "wallet-ledger-writer";
  private static final String MOVING = "SET LOCAL wallet.ledger_moving_shards = 'on'";
  private static final String LOCK_LEDGER = "LOCK TABLE ledger_shards, ledger_shard_moves, accounts, postings, "
    + "entries, account_events, ledger_posting_ids IN SHARE ROW EXCLUSIVE MODE";

  /**
   * What a move did.
   *
   * @param resumed   the target had the copy from an interrupted move; only the source's part ran
   * @param placement {@code WALLET_LEDGER_PLACEMENT} for every process of the region from now on
   */
  public record Report(ShardRange shards, LedgerDatabase from, LedgerDatabase to, long accounts, long postings,
                       long entries, long events, boolean resumed, String placement) {
  }

  /** The move was refused before anything changed; the message says why. */
  public static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message);
    }
  }

  private final LedgerPlacement owners;
  private final ShardRange regionShards;
  private final ShardRange moved;
  private final LedgerDatabase source;
  private final LedgerDatabase target;
  /** {@code shard IN ('s0040','s0041')}: the moved shards' rows of accounts and postings. */
  private final String ofShards;
  /** The moved shards' accounts' ids, for their entries and events. */
  private final String accountsOfShards;

  /**
   * @param owners the region's current placement, as the owner role (which may delete)
   * @param to     the database the shards go to, as the owner role
   */
  public ShardMove(LedgerPlacement owners, ShardRange regionShards, ShardRange moved, LedgerDatabase to) {
    this.owners = owners;
    this.regionShards = regionShards;
    this.moved = moved;
    this.target = to;
    if (!regionShards.contains(new ShardId(moved.first()))
        || !regionShards.contains(new ShardId(moved.first() + moved.count() - 1))) {
      throw new Refused("shards " + moved + " are not this region's (" + regionShards + ")");
    }
    Set<String> sources = moved.all().stream().map(shard -> owners.databaseOf(shard).toString())
      .collect(Collectors.toCollection(LinkedHashSet::new));
    if (sources.size() != 1) {
      throw new Refused("shards " + moved + " are in several databases (" + sources + "); move each range alone");
    }
    this.source = owners.databaseOf(moved.all().get(0));
    if (source.sameDatabase(to)) {
      throw new Refused("shards " + moved + " are in " + to + " already");
    }
    this.ofShards = "shard IN (" + moved.all().stream().map(shard -> "'" + shard.name() + "'")
      .collect(Collectors.joining(",")) + ")";
    this.accountsOfShards = "SELECT id FROM accounts WHERE " + ofShards;
  }

  /** Moves the shards; blocking (JDBC), for the operator's tool. */
  public Report run() throws SQLException, IOException {
    return run(() -> { });
  }

  /** {@code afterTargetCommit} runs between the two commits (a test interrupts the move there). */
  Report run(Runnable afterTargetCommit) throws SQLException, IOException {
    try (Connection from = connect(source); Connection to = connect(target)) {
      prepare(from, source);
      prepare(to, target);
      boolean resumed = alreadyCopied(to);
      if (resumed) {
        refuseIfFinished(from);
      } else {
        refuseUnlessHeld(from);
        copy(from, to);
      }
      Counts copied = sameInBoth(from, to, resumed);
      Map<Integer, Counts> perShard = countsPerShard(from);
      if (resumed) {
        to.rollback();
      } else {
        record(to, "in", source, perShard);
        to.commit();
        afterTargetCommit.run();
      }
      retire(from, copied);
      record(from, "out", target, perShard);
      from.commit();
      return new Report(moved, source, target, copied.accounts(), copied.postings(), copied.entries(),
        copied.events(), resumed, owners.moving(moved, target).spec());
    }
  }

  /** Locked against every ledger write, no writer connected, and what it holds known. */
  private void prepare(Connection connection, LedgerDatabase database) throws SQLException {
    lock(connection);
    refuseUnderWriters(connection);
    pinIfNeverPinned(connection, database);
  }

  /** The target's copy has every row and each account's last link as the source: what was copied, or a refusal. */
  private Counts sameInBoth(Connection from, Connection to, boolean resumed) throws SQLException {
    Counts copied = counts(to);
    Counts there = counts(from);
    if (copied.equals(there) && lastHashes(to).equals(lastHashes(from))) {
      return copied;
    }
    to.rollback();
    from.rollback();
    throw new Refused("the copy of shards " + moved + " in " + target + " differs from " + source + " (" + copied
      + " against " + there + "); nothing was committed" + (resumed ? " by this run" : ""));
  }

  private static Connection connect(LedgerDatabase database) throws SQLException {
    Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
    connection.setAutoCommit(false);
    return connection;
  }

  /** Until this transaction ends, no ledger row goes in anywhere in this database. */
  private static void lock(Connection connection) throws SQLException {
    try (Statement st = connection.createStatement()) {
      st.execute(LOCK_LEDGER);
    }
  }

  /**
   * A writer that stays connected would commit, after the move, what the old placement tells it to:
   * a new wallet of a moved shard would open where the shard no longer is.
   */
  private static void refuseUnderWriters(Connection connection) throws SQLException {
    long writers = single(connection, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
      + "AND application_name = '" + WRITER_APPLICATION + "'");
    if (writers > 0) {
      throw new Refused(writers + " connection(s) of ledger writers are open to " + connection.getCatalog()
        + ": stop the region's ledger writers before moving shards (the money core goes on; their entries wait)");
    }
  }

  /**
   * Pins what the current placement gives a database that no writer pinned yet (one database so
   * far, or none committed there): its moves must change a known set.
   */
  private void pinIfNeverPinned(Connection connection, LedgerDatabase database) throws SQLException {
    List<Integer> given = regionShards.numbers().filter(n -> owners.databaseOf(new ShardId(n)).sameDatabase(database))
      .boxed().toList();
    try (PreparedStatement pin = connection.prepareStatement("INSERT INTO ledger_shards (shard) SELECT unnest(?) "
        + "WHERE NOT EXISTS (SELECT 1 FROM ledger_shards) AND NOT EXISTS (SELECT 1 FROM ledger_shard_moves)")) {
      pin.setArray(1, connection.createArrayOf("integer", given.toArray()));
      pin.executeUpdate();
    }
  }

  private void refuseUnlessHeld(Connection from) throws SQLException {
    Set<Integer> held = held(from);
    List<Integer> missing = moved.numbers().filter(n -> !held.contains(n)).boxed().toList();
    if (!missing.isEmpty()) {
      throw new Refused(source + " does not hold shards " + missing + " (it holds " + held + ")");
    }
  }

  /** Run again after it finished (with the placement it replaced): nothing to do but say so. */
  private void refuseIfFinished(Connection from) throws SQLException {
    Set<Integer> held = held(from);
    if (moved.numbers().noneMatch(held::contains)) {
      throw new Refused("shards " + moved + " moved to " + target + " already; the region's placement is "
        + owners.moving(moved, target).spec());
    }
  }

  /** The target took these shards in an earlier run that ended before the source retired them. */
  private boolean alreadyCopied(Connection to) throws SQLException {
    Set<Integer> held = held(to);
    long arrived = moved.numbers().filter(held::contains).count();
    if (arrived == moved.count()) {
      return true;
    }
    if (arrived > 0 || single(to, "SELECT count(*) FROM accounts WHERE " + ofShards) > 0) {
      throw new Refused(target + " already has ledger rows of shards " + moved + " that no move brought");
    }
    return false;
  }

  private static Set<Integer> held(Connection connection) throws SQLException {
    Set<Integer> held = new LinkedHashSet<>();
    try (Statement st = connection.createStatement();
         ResultSet rows = st.executeQuery("SELECT shard FROM ledger_shards_held ORDER BY shard")) {
      while (rows.next()) {
        held.add(rows.getInt(1));
      }
    }
    return held;
  }

  /**
   * Accounts, postings (with when the source recorded them), entries in each account's sequence
   * order, events. The target's triggers check and chain every entry as if the writer wrote it.
   */
  private void copy(Connection from, Connection to) throws SQLException, IOException {
    try (Statement st = from.createStatement();
         ResultSet months = st.executeQuery("SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC')::date "
           + "FROM postings "
           + "WHERE " + ofShards);
         PreparedStatement ensure = to.prepareStatement("SELECT ledger_ensure_month(?)")) {
      while (months.next()) {
        ensure.setDate(1, months.getDate(1));
        ensure.execute();
      }
    }
    copyTable(from, to, "accounts", ofShards, "opened_at, id");
    copyTable(from, to, "postings", ofShards, "created_at, id");
    copyTable(from, to, "entries", "account_id IN (" + accountsOfShards + ")", "account_id, seq, idx");
    copyTable(from, to, "account_events", "account_id IN (" + accountsOfShards + ")", "created_at, id");
  }

  private static void copyTable(Connection from, Connection to, String table, String where, String order)
      throws SQLException, IOException {
    String columns = columns(from, table);
    Path rows = Files.createTempFile("ledger-move-" + table, ".copy");
    try {
      try (OutputStream out = Files.newOutputStream(rows)) {
        from.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + columns + " FROM " + table + " WHERE "
          + where + " ORDER BY " + order + ") TO STDOUT (FORMAT binary)", out);
      }
      try (InputStream in = Files.newInputStream(rows)) {
        to.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + table + " (" + columns + ") FROM STDIN "
          + "(FORMAT binary)", in);
      }
    } finally {
      Files.deleteIfExists(rows);
    }
  }

  /** The table's columns as this schema has them (both databases are migrated alike). */
  private static String columns(Connection connection, String table) throws SQLException {
    try (PreparedStatement st = connection.prepareStatement("SELECT string_agg(quote_ident(column_name), ',' ORDER "
        + "BY ordinal_position) FROM information_schema.columns WHERE table_schema = current_schema() "
        + "AND table_name = ?")) {
      st.setString(1, table);
      try (ResultSet row = st.executeQuery()) {
        row.next();
        return row.getString(1);
      }
    }
  }

  private record Counts(long accounts, long postings, long entries, long events) {
  }

  private Counts counts(Connection connection) throws SQLException {
    return new Counts(single(connection, "SELECT count(*) FROM accounts WHERE " + ofShards),
      single(connection, "SELECT count(*) FROM postings WHERE " + ofShards),
      single(connection, "SELECT count(*) FROM entries WHERE account_id IN (" + accountsOfShards + ")"),
      single(connection, "SELECT count(*) FROM account_events WHERE account_id IN (" + accountsOfShards + ")"));
  }

  /** The moved rows by shard, for each shard's record of the move. */
  private Map<Integer, Counts> countsPerShard(Connection connection) throws SQLException {
    Map<Integer, Counts> counts = new HashMap<>();
    try (Statement st = connection.createStatement();
         ResultSet rows = st.executeQuery("""
           SELECT a.shard, count(*) AS accounts,
                  (SELECT count(*) FROM postings p WHERE p.shard = a.shard) AS postings,
                  (SELECT count(*) FROM entries e JOIN accounts ea ON ea.id = e.account_id WHERE ea.shard = a.shard)
                    AS entries,
                  (SELECT count(*) FROM account_events v JOIN accounts va ON va.id = v.account_id
                    WHERE va.shard = a.shard) AS events
             FROM accounts a WHERE a.%s GROUP BY a.shard""".formatted(ofShards))) {
      while (rows.next()) {
        counts.put(Integer.parseInt(rows.getString("shard").substring(1)), new Counts(rows.getLong("accounts"),
          rows.getLong("postings"), rows.getLong("entries"), rows.getLong("events")));
      }
    }
    return counts;
  }

  /** Each account's last link: equal last links mean equal chains, every link hashing the one before. */
  private Map<String, String> lastHashes(Connection connection) throws SQLException {
    Map<String, String> last = new HashMap<>();
    try (Statement st = connection.createStatement();
         ResultSet rows = st.executeQuery("SELECT DISTINCT ON (account_id) account_id, encode(hash, 'hex') FROM "
           + "entries WHERE account_id IN (" + accountsOfShards + ") "
           + "ORDER BY account_id, seq DESC, idx DESC")) {
      while (rows.next()) {
        last.put(rows.getString(1), rows.getString(2));
      }
    }
    return last;
  }

  /** The source's rows of the moved shards go, in the order their references allow. */
  private void retire(Connection from, Counts copied) throws SQLException {
    try (Statement st = from.createStatement()) {
      st.execute(MOVING);
      List<Long> deleted = new ArrayList<>();
      deleted.add((long) st.executeUpdate("DELETE FROM entries WHERE account_id IN (" + accountsOfShards + ")"));
      deleted.add((long) st.executeUpdate("DELETE FROM account_events WHERE account_id IN (" + accountsOfShards + ")"));
      st.executeUpdate("DELETE FROM ledger_posting_ids WHERE id IN (SELECT id FROM postings WHERE " + ofShards + ")");
      deleted.add((long) st.executeUpdate("DELETE FROM postings WHERE " + ofShards));
      deleted.add((long) st.executeUpdate("DELETE FROM accounts WHERE " + ofShards));
      List<Long> expected = List.of(copied.entries(), copied.events(), copied.postings(), copied.accounts());
      if (!deleted.equals(expected)) {
        from.rollback();
        throw new IllegalStateException("the source's rows of " + moved + " changed during the move (deleted "
          + deleted + ", copied " + expected + "); the source kept them");
      }
    }
  }

  /** Each moved shard's record, with what it took along (a shard with no rows yet moves too). */
  private void record(Connection connection, String direction, LedgerDatabase peer, Map<Integer, Counts> perShard)
      throws SQLException {
    try (PreparedStatement st = connection.prepareStatement("INSERT INTO ledger_shard_moves (shard, direction, peer, "
        + "accounts, postings, entries) VALUES (?, ?, ?, ?, ?, ?)")) {
      for (int shard : moved.numbers().toArray()) {
        Counts counts = perShard.getOrDefault(shard, new Counts(0, 0, 0, 0));
        st.setInt(1, shard);
        st.setString(2, direction);
        st.setString(3, peer.toString());
        st.setLong(4, counts.accounts());
        st.setLong(5, counts.postings());
        st.setLong(6, counts.entries());
        st.addBatch();
      }
      st.executeBatch();
    }
  }

  private static long single(Connection connection, String sql) throws SQLException {
    try (Statement st = connection.createStatement(); ResultSet row = st.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }
}
