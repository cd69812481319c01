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
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/**
 * Moves a range of shards' ledger from the database that holds them to another (docs/architecture.md,
 * "A ledger over several databases"; {@code LedgerTool move-shards}), so that a ledger that outgrows
 * its databases can spread over more, the way the money core's shards spread over Redis masters.
 * Every account of a shard, its postings, entries and events are in one database, so a shard moves
 * whole, while the region's writers go on:
 * <ol>
 *   <li>the rows are copied in one snapshot of the source, without locks, in each account's sequence
 *       order through the target's own triggers, which recompute every hash chain, and compared. The
 *       source's transaction that will retire the shards deletes the copied postings and their
 *       entries already, uncommitted, while the writers go on;</li>
 *   <li>the moved shards' locks are taken in the source, the locks every writer transaction takes
 *       for its shards (V16): the writers of these shards wait from here, every other shard goes on.
 *       What they committed since the snapshot (their outbox's stream positions are the order they
 *       commit in) is copied too;</li>
 *   <li>each account's last hash, and every count, must come out as in the source, or nothing is
 *       committed. The snapshot's copy is compared before the writers wait; under the locks only the
 *       accounts that the rows copied since touched are, and the source's delete of every row of the
 *       shards left (the one exception to append-only, V10) must bring what it removed to as many as
 *       the target took in all.
 *       The target commits with a record that the rows are arriving from the source, which holds them
 *       still: the target refuses their writers and readers (V17);</li>
 *   <li>the source commits its delete with the record of where the rows went. The waiting writers
 *       find the shards gone (WL005) and follow the record to the target ({@link ShardStores}), as
 *       readers do;</li>
 *   <li>the target records that it holds them, and commits: from here it takes their writers.</li>
 * </ol>
 * A process started later with the old placement follows the records too; {@link Report#placement()}
 * is the placement to give the region's processes from now on. A move interrupted before the
 * source's commit is finished by running it again: what the writers committed to the source
 * meanwhile is copied under the locks, the copy compared once more, and the source retires its rows.
 * One interrupted after it is confirmed by running it again; until then no database takes the
 * shards' writers (they wait, and the region's alerts say so).
 */
public final class ShardMove {

  private static final String MOVING = "SET LOCAL wallet.ledger_moving_shards = 'on'";
  /** Held by a move's two sessions for the move's length: one move at a time in either database. */
  private static final String ONE_MOVE_AT_A_TIME = "SELECT pg_try_advisory_lock(hashtextextended('ledger:moves', 0))";
  /** The moved shards' writer locks, in the order writers take them (V16); refused if they moved already. */
  private static final String FENCE = "SELECT ledger_lock_shards(?::text[])";
  /**
   * The wallet a {@code wallet_opened} posting opened: the posting is named after it (open_wallet.lua,
   * {@code <walletId>.open}), and has no entries to name it otherwise. Were the name to change, the
   * comparison would refuse the move, nothing committed.
   */
  private static final String OPENED_WALLET = "left(id, -length('.open'))";
  /** How much longer than the last posting copied a writer transaction might still commit one before it. */
  private static final String STRAGGLER_MARGIN = "10 minutes";
  /** A temporary table the accounts of the rows copied go through, since an account may be there already. */
  private static final String ARRIVING_ACCOUNTS = "ledger_move_arriving_accounts";
  /** Move records (V10, V17): the source's, the target's until the source committed, the target's after. */
  private static final String OUT = "out";
  private static final String ARRIVING = "arriving";
  private static final String IN = "in";

  /**
   * What a move did.
   *
   * @param resumed   the target had the copy from an interrupted move; only what the source took since ran
   * @param fencedMs  how long the moved shards' writers waited for the move
   * @param placement {@code WALLET_LEDGER_PLACEMENT} for every process of the region from now on
   */
  public record Report(ShardRange shards, LedgerDatabase from, LedgerDatabase to, long accounts, long postings,
                       long entries, long events, boolean resumed, long fencedMs, String placement) {
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
    return run(() -> { }, () -> { });
  }

  /**
   * {@code beforeFence} runs after the copy of the snapshot and the source's uncommitted delete of
   * what it copied (a test writes more there);
   * {@code afterTargetCommit} between the two commits (a test interrupts the move there).
   */
  Report run(Runnable beforeFence, Runnable afterTargetCommit) throws SQLException, IOException {
    return run(beforeFence, afterTargetCommit, () -> { });
  }

  /** The same, with {@code afterSourceCommit} between the source's commit and the target's confirmation. */
  Report run(Runnable beforeFence, Runnable afterTargetCommit, Runnable afterSourceCommit)
      throws SQLException, IOException {
    try (Connection from = connect(source); Connection to = connect(target)) {
      prepare(from, source);
      prepare(to, target);
      boolean resumed = alreadyCopied(to);
      if (resumed && !heldBySource(from)) {
        return confirmOnly(from, to);
      }
      Counts snapshot = null;
      if (!resumed) {
        refuseUnlessHeld(from);
        snapshot = copySnapshot(from, to);
      }
      checkNow(to);
      Reached reached = reachedIn(to);
      Map<Integer, Counts> retiredBefore = resumed ? Map.of() : retireCompared(from, reached);
      beforeFence.run();
      long fencedAt = System.nanoTime();
      fence(from);
      Counts since = copySince(from, to, reached);
      Counts copied;
      if (resumed) {
        copied = sameInBoth(from, to);
      } else {
        sameSince(from, to, reached);
        copied = snapshot.plus(since);
      }
      Map<Integer, Counts> perShard = retire(from, to, copied, retiredBefore);
      if (!resumed) {
        record(to, ARRIVING, source, perShard);
      }
      to.commit();
      afterTargetCommit.run();
      record(from, OUT, target, perShard);
      from.commit();
      long fencedMs = (System.nanoTime() - fencedAt) / 1_000_000;
      afterSourceCommit.run();
      confirm(to, perShard);
      return report(copied, resumed, fencedMs);
    }
  }

  private Report report(Counts copied, boolean resumed, long fencedMs) {
    return new Report(moved, source, target, copied.accounts(), copied.postings(), copied.entries(), copied.events(),
      resumed, fencedMs, owners.moving(moved, target).spec());
  }

  /**
   * The target holds the shards from here: the source has retired them. Until this commits, the
   * target refuses their writers and readers (V17), so that a move interrupted before the source's
   * commit never leaves them writable in two databases.
   */
  private void confirm(Connection to, Map<Integer, Counts> perShard) throws SQLException {
    record(to, IN, source, perShard);
    to.commit();
  }

  /**
   * Run again after the source retired the shards: a move that ended before the target confirmed
   * them is confirmed; one that finished (run with the placement it replaced) has nothing to do.
   * Only if the source's record says they went to this target: a copy left arriving by a move
   * interrupted before the source's commit, after which the shards went elsewhere, is stale.
   */
  private Report confirmOnly(Connection from, Connection to) throws SQLException {
    refuseUnlessMovedHere(from);
    if (!latestMoves(to).values().stream().allMatch(ARRIVING::equals)) {
      throw new Refused("shards " + moved + " moved to " + target + " already; the region's placement is "
        + owners.moving(moved, target).spec());
    }
    Map<Integer, Counts> arrived = countsPerShard(to);
    confirm(to, arrived);
    return report(Counts.total(arrived), true, 0);
  }

  /**
   * The source's latest record of each moved shard is {@code out} to the target. Until 2026-12-07 a
   * stale copy was confirmed whatever the source said, and two databases held the shards.
   */
  private void refuseUnlessMovedHere(Connection from) throws SQLException {
    Map<Integer, String> latest = new TreeMap<>();
    try (PreparedStatement st = from.prepareStatement("SELECT DISTINCT ON (shard) shard, direction || ' ' || peer "
        + "FROM ledger_shard_moves WHERE shard = ANY (?) ORDER BY shard, id DESC")) {
      st.setArray(1, from.createArrayOf("integer", moved.numbers().boxed().toArray()));
      try (ResultSet rows = st.executeQuery()) {
        while (rows.next()) {
          latest.put(rows.getInt(1), rows.getString(2));
        }
      }
    }
    String here = OUT + " " + target;
    if (!moved.numbers().allMatch(n -> here.equals(latest.get(n)))) {
      throw new Refused("shards " + moved + " did not leave " + source + " for " + target + " (its latest move records: "
        + latest + "): its copy in " + target + " is not confirmed; nothing was changed");
    }
  }

  /** No other move running, and what the database holds known. */
  private void prepare(Connection connection, LedgerDatabase database) throws SQLException {
    connection.setAutoCommit(true);
    if (!granted(connection, ONE_MOVE_AT_A_TIME)) {
      throw new Refused("another shard move is running on " + database + "; one at a time");
    }
    pinIfNeverPinned(connection, database);
    connection.setAutoCommit(false);
  }

  /**
   * From here until the source commits, no writer commits to the moved shards: each writer
   * transaction takes its shards' locks first, and a move's lock waits for those in progress.
   */
  private void fence(Connection from) throws SQLException {
    try (PreparedStatement st = from.prepareStatement(FENCE)) {
      st.setArray(1, from.createArrayOf("text", moved.all().stream().map(ShardId::name).toArray()));
      st.execute();
    }
  }

  /**
   * The whole comparison: the target's copy has every row, by shard, and each account's last link as
   * the source has them (in the snapshot's transaction, the snapshot's copy; in a resumed move, under
   * the locks, everything). What was copied, or a refusal.
   */
  private Counts sameInBoth(Connection from, Connection to) throws SQLException {
    Both<Shape> shapes = inBoth(from, to, this::shape);
    if (!shapes.same()) {
      refuse(from, to, shapes.target().total() + " against " + shapes.source().total());
    }
    return shapes.target().total();
  }

  /**
   * Under the locks, after the snapshot's copy was compared: the accounts that the rows copied since
   * touched end in the same link in both databases. Whether the copy missed a row of the source is
   * for the source's delete to tell ({@link #retire}), which counts them all.
   */
  private void sameSince(Connection from, Connection to, Reached reached) throws SQLException {
    List<String> touched = touchedSince(from, reached);
    if (!touched.isEmpty() && !inBoth(from, to, connection -> lastHashes(connection, touched)).same()) {
      refuse(from, to, "the last links of the accounts written since the snapshot differ");
    }
  }

  /** {@code read} of both databases at once (the source's on a second thread): the moved shards' writers wait. */
  private static <T> Both<T> inBoth(Connection from, Connection to, SqlRead<T> read) throws SQLException {
    CompletableFuture<T> inSource = CompletableFuture.supplyAsync(() -> {
      try {
        return read.of(from);
      } catch (SQLException failed) {
        throw new CompletionException(failed);
      }
    });
    T inTarget = read.of(to);
    try {
      return new Both<>(inSource.join(), inTarget);
    } catch (CompletionException failed) {
      if (failed.getCause() instanceof SQLException sql) {
        throw sql;
      }
      throw failed;
    }
  }

  @FunctionalInterface
  private interface SqlRead<T> {
    T of(Connection connection) throws SQLException;
  }

  private record Both<T>(T source, T target) {
    boolean same() {
      return source.equals(target);
    }
  }

  private void refuse(Connection from, Connection to, String why) throws SQLException {
    to.rollback();
    from.rollback();
    throw new Refused("the copy of shards " + moved + " in " + target + " differs from " + source + ": " + why
      + "; nothing was committed by this run");
  }

  private static Connection connect(LedgerDatabase database) throws SQLException {
    Connection connection = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
    connection.setAutoCommit(false);
    return connection;
  }

  /**
   * Pins what the current placement gives a database that no writer pinned yet (one database so
   * far, or none committed there): its moves must change a known set. Only with shards no other
   * database holds, as a writer pins ({@link ShardStores}): until 2026-12-07 a placement that gave an
   * empty database shards another held pinned them there, and the move took that database as the
   * shards' source, copied nothing and had the target hold them beside the database that did.
   */
  private void pinIfNeverPinned(Connection connection, LedgerDatabase database) throws SQLException {
    List<Integer> given = regionShards.numbers().filter(n -> owners.databaseOf(new ShardId(n)).sameDatabase(database))
      .boxed().toList();
    if (!given.isEmpty() && !granted(connection, SqlQueries.ANY_PINNED)) {
      refuseIfHeldElsewhere(database, given);
    }
    try (PreparedStatement pin = connection.prepareStatement("INSERT INTO ledger_shards (shard) SELECT unnest(?) "
        + "WHERE NOT EXISTS (SELECT 1 FROM ledger_shards) AND NOT EXISTS (SELECT 1 FROM ledger_shard_moves) "
        + "ON CONFLICT (shard) DO NOTHING")) {
      pin.setArray(1, connection.createArrayOf("integer", given.toArray()));
      pin.executeUpdate();
    }
  }

  /** Fails when a database of the placement, or the target, other than {@code database} holds any of {@code given}. */
  private void refuseIfHeldElsewhere(LedgerDatabase database, List<Integer> given) throws SQLException {
    List<LedgerDatabase> others = new ArrayList<>(owners.databases());
    if (others.stream().noneMatch(target::sameDatabase)) {
      others.add(target);
    }
    for (LedgerDatabase other : others.stream().filter(other -> !other.sameDatabase(database)).toList()) {
      try (Connection connection = connect(other)) {
        List<Integer> there = held(connection).stream().filter(given::contains).toList();
        if (!there.isEmpty()) {
          throw new Refused(other + " holds shards " + there + ", which the placement gives " + database
            + ", where no writer committed yet: the placement is not the region's (nothing was pinned or moved)");
        }
      }
    }
  }

  private void refuseUnlessHeld(Connection from) throws SQLException {
    Set<Integer> held = held(from);
    List<Integer> missing = moved.numbers().filter(n -> !held.contains(n)).boxed().toList();
    if (!missing.isEmpty()) {
      throw new Refused(source + " does not hold shards " + missing + " (it holds " + held + ")");
    }
  }

  /** Whether the source still holds the moved shards (all of them: a move takes them together). */
  private boolean heldBySource(Connection from) throws SQLException {
    Set<Integer> held = held(from);
    if (moved.numbers().allMatch(held::contains)) {
      return true;
    }
    if (moved.numbers().anyMatch(held::contains)) {
      throw new Refused(source + " holds some of shards " + moved + " and not others (it holds " + held + ")");
    }
    return false;
  }

  /**
   * The target took these shards in an earlier run (their latest record there is {@code arriving}, or
   * {@code in} once confirmed), or never: any other state is refused.
   */
  private boolean alreadyCopied(Connection to) throws SQLException {
    Map<Integer, String> latest = latestMoves(to);
    long arrived = moved.numbers().filter(n -> ARRIVING.equals(latest.get(n)) || IN.equals(latest.get(n))).count();
    if (arrived == moved.count()) {
      return true;
    }
    if (arrived > 0 || single(to, "SELECT count(*) FROM accounts WHERE " + ofShards) > 0) {
      throw new Refused(target + " already has ledger rows of shards " + moved + " that no move brought");
    }
    return false;
  }

  /** Each moved shard's latest move record in {@code connection}'s database, for those that have one. */
  private Map<Integer, String> latestMoves(Connection connection) throws SQLException {
    Map<Integer, String> latest = new HashMap<>();
    try (PreparedStatement st = connection.prepareStatement("SELECT DISTINCT ON (shard) shard, direction "
        + "FROM ledger_shard_moves WHERE shard = ANY (?) ORDER BY shard, id DESC")) {
      st.setArray(1, connection.createArrayOf("integer", moved.numbers().boxed().toArray()));
      try (ResultSet rows = st.executeQuery()) {
        while (rows.next()) {
          latest.put(rows.getInt(1), rows.getString(2));
        }
      }
    }
    return latest;
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
   * The moved shards' rows as one snapshot of the source shows them, read without locks, and compared
   * with the copy in that snapshot: whole, before the writers wait.
   */
  private Counts copySnapshot(Connection from, Connection to) throws SQLException, IOException {
    from.commit();  // the checks' transaction: the snapshot begins with the copy
    from.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    copySince(from, to, reachedIn(to));
    Counts copied = sameInBoth(from, to);
    from.commit();
    from.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
    return copied;
  }

  /**
   * The moved shards' rows that the source has past what the target has. A shard's writers commit
   * its outbox in stream order, one transaction at a time (the shard's lock), so those are its
   * postings and account events past the last stream position the target has of the shard, their
   * entries, and the accounts they touch or open (new ones, and ones the target has already). Entries go in
   * each account's sequence order; the target's triggers check and chain them as if the writer
   * wrote them.
   */
  private Counts copySince(Connection from, Connection to, Reached reached) throws SQLException, IOException {
    ensureMonths(from, to, reached.postings());
    long accounts = copyAccounts(from, to, reached.accountsTouched());
    long postings = copyTable(from, to, "postings", "postings", reached.postings(), "created_at, id");
    long entries = copyTable(from, to, "entries", "entries", reached.entries(), "account_id, seq, idx");
    long events = copyTable(from, to, "account_events", "account_events", reached.events(), "created_at, id");
    return new Counts(accounts, postings, entries, events);
  }

  /** The accounts that the source's rows past {@code reached} touch or open. */
  private static List<String> touchedSince(Connection from, Reached reached) throws SQLException {
    List<String> touched = new ArrayList<>();
    try (Statement st = from.createStatement();
         ResultSet rows = st.executeQuery("SELECT id FROM accounts WHERE " + reached.accountsTouched())) {
      while (rows.next()) {
        touched.add(rows.getString(1));
      }
    }
    return touched;
  }

  /**
   * The target's deferred checks (every posting balances) of what it has so far run now, before the
   * writers wait, rather than at its commit, when they would (2.2 s of 4.5 for a shard of 100,000
   * postings); what arrives later is checked as it arrives.
   */
  private static void checkNow(Connection to) throws SQLException {
    try (Statement st = to.createStatement()) {
      st.execute("SET CONSTRAINTS ALL IMMEDIATE");
    }
  }

  /** A Redis stream id (1733300000000-7) as a value that orders as the stream does. */
  private static String position(String streamId) {
    return "ARRAY[split_part(" + streamId + ", '-', 1)::bigint, split_part(" + streamId + ", '-', 2)::bigint]";
  }

  /**
   * Where the target's copy of the moved shards ends, read before the writers wait (it reads the
   * target's postings).
   *
   * @param positions each moved shard's last stream position in the target (none: before any), as an
   *                  SQL expression of {@code $shard}
   * @param recent    an SQL condition on a source posting that every one past those positions meets:
   *                  recorded (its writer's transaction began) at most {@link #STRAGGLER_MARGIN}
   *                  before the last one the target has, so that the source's postings are found
   *                  by their recording time's index, not read whole; a writer transaction open
   *                  longer than that would be missed, and the source's delete, which counts every
   *                  row of the shards, would refuse the move ({@link #retire})
   */
  private record Reached(String ofShards, String positions, String recent) {

    String postings() {
      return ofShards + " AND " + recent + " AND " + position("stream_id") + " > " + positions.replace("$shard", "shard");
    }

    /**
     * The source's postings up to those positions: the ones the target has (a shard's writers commit
     * in stream order, so every posting up to the last one copied was in the snapshot).
     */
    String compared() {
      return ofShards + " AND " + position("stream_id") + " <= " + positions.replace("$shard", "shard");
    }

    String events() {
      return "EXISTS (SELECT 1 FROM accounts a WHERE a.id = account_events.account_id AND a." + ofShards + " AND "
        + position("account_events.stream_id") + " > " + positions.replace("$shard", "a.shard") + ")";
    }

    String entries() {
      return "(posting_id, created_at) IN (SELECT id, created_at FROM postings WHERE " + postings() + ")";
    }

    String accountsTouched() {
      return ofShards + " AND id IN (SELECT account_id FROM entries WHERE " + entries()
        + " UNION SELECT account_id FROM account_events WHERE " + events()
        + " UNION SELECT " + OPENED_WALLET + " FROM postings WHERE type = 'wallet_opened' AND " + postings() + ")";
    }
  }

  private Reached reachedIn(Connection to) throws SQLException {
    Map<String, String> reached = new HashMap<>();
    try (Statement st = to.createStatement();
         ResultSet rows = st.executeQuery("SELECT DISTINCT ON (shard) shard, " + position("stream_id")
           + "::text FROM postings WHERE " + ofShards + " ORDER BY shard, " + position("stream_id") + " DESC")) {
      while (rows.next()) {
        reached.put(rows.getString(1), rows.getString(2));
      }
    }
    String positions = moved.all().stream().map(shard -> " WHEN '" + shard.name() + "' THEN '"
        + reached.getOrDefault(shard.name(), "{-1,-1}") + "'::bigint[]")
      .collect(Collectors.joining("", "(CASE $shard", " END)"));
    try (Statement st = to.createStatement();
         ResultSet row = st.executeQuery("SELECT (max(recorded_at) - interval '" + STRAGGLER_MARGIN + "')::text "
           + "FROM postings WHERE " + ofShards)) {
      row.next();
      String since = row.getString(1);
      return new Reached(ofShards, positions, since == null ? "true" : "recorded_at >= '" + since + "'::timestamptz");
    }
  }

  /** The target's monthly partitions of the postings about to arrive. */
  private static void ensureMonths(Connection from, Connection to, String postings) throws SQLException {
    try (Statement st = from.createStatement();
         ResultSet months = st.executeQuery("SELECT DISTINCT date_trunc('month', created_at AT TIME ZONE 'UTC')::date "
           + "FROM postings WHERE " + postings);
         PreparedStatement ensure = to.prepareStatement("SELECT ledger_ensure_month(?)")) {
      while (months.next()) {
        ensure.setDate(1, months.getDate(1));
        ensure.execute();
      }
    }
  }

  /** Accounts pass through a temporary table: a later copy touches accounts an earlier one brought. */
  private static long copyAccounts(Connection from, Connection to, String where) throws SQLException, IOException {
    try (Statement st = to.createStatement()) {
      st.execute("CREATE TEMPORARY TABLE IF NOT EXISTS " + ARRIVING_ACCOUNTS + " (LIKE accounts)");
      copyTable(from, to, "accounts", ARRIVING_ACCOUNTS, where, "opened_at, id");
      String columns = columns(to, "accounts");
      long arrived = st.executeUpdate("INSERT INTO accounts (" + columns + ") SELECT " + columns + " FROM "
        + ARRIVING_ACCOUNTS + " ORDER BY opened_at, id ON CONFLICT (id) DO NOTHING");
      st.execute("DELETE FROM " + ARRIVING_ACCOUNTS);
      return arrived;
    }
  }

  /** The rows copied. */
  private static long copyTable(Connection from, Connection to, String table, String into, String where, String order)
      throws SQLException, IOException {
    String columns = columns(from, table);
    Path rows = Files.createTempFile("ledger-move-" + table, ".copy");
    try {
      try (OutputStream out = Files.newOutputStream(rows)) {
        from.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + columns + " FROM " + table + " WHERE "
          + where + " ORDER BY " + order + ") TO STDOUT (FORMAT binary)", out);
      }
      try (InputStream in = Files.newInputStream(rows)) {
        return to.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + into + " (" + columns + ") FROM STDIN "
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

    static final Counts NONE = new Counts(0, 0, 0, 0);

    Counts plus(Counts other) {
      return new Counts(accounts + other.accounts, postings + other.postings, entries + other.entries,
        events + other.events);
    }

    static Counts total(Map<Integer, Counts> perShard) {
      return perShard.values().stream().reduce(NONE, Counts::plus);
    }
  }

  /** What the comparison of the two copies compares: every count by shard, and each account's last link. */
  private record Shape(Map<Integer, Counts> perShard, Map<String, String> lastHashes) {

    Counts total() {
      return Counts.total(perShard);
    }
  }

  private Shape shape(Connection connection) throws SQLException {
    return new Shape(countsPerShard(connection), lastHashes(connection, null));
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
        counts.put(shardNumber(rows.getString("shard")), new Counts(rows.getLong("accounts"),
          rows.getLong("postings"), rows.getLong("entries"), rows.getLong("events")));
      }
    }
    return counts;
  }

  private static int shardNumber(String shardName) {
    return Integer.parseInt(shardName.substring(1));
  }

  /**
   * Each account's last link (equal last links mean equal chains, every link hashing the one before),
   * of the moved shards' accounts, or of {@code only} among them; one index probe an account.
   */
  private Map<String, String> lastHashes(Connection connection, List<String> only) throws SQLException {
    Map<String, String> last = new HashMap<>();
    try (PreparedStatement st = connection.prepareStatement("SELECT a.id, encode(l.hash, 'hex') FROM accounts a "
        + "CROSS JOIN LATERAL (SELECT e.hash FROM entries e WHERE e.account_id = a.id "
        + "ORDER BY e.seq DESC, e.idx DESC LIMIT 1) l WHERE a." + ofShards + (only == null ? "" : " AND a.id = ANY (?)"))) {
      if (only != null) {
        st.setArray(1, connection.createArrayOf("text", only.toArray()));
      }
      try (ResultSet rows = st.executeQuery()) {
        while (rows.next()) {
          last.put(rows.getString(1), rows.getString(2));
        }
      }
    }
    return last;
  }

  /**
   * Before the writers wait, and in the transaction that retires the rest under the locks: the
   * source's delete of the postings the target has and compared (up to the positions it reached),
   * their entries and ids. The moved shards' writers go on meanwhile: they append, and nothing they
   * append reads a deleted row under a lock (V15). Most of a shard's rows go here, so what the
   * writers wait for is the catch-up and its delete, not the shard's whole history. A redelivered
   * posting among these waits for the move ({@code ON CONFLICT} on a row it deletes) while its
   * transaction holds its shards' locks, which the fence then waits for: PostgreSQL ends that
   * deadlock by failing one of the two, the writer's batch (it is read again) or the move (run again).
   *
   * @return what went, by shard
   */
  private Map<Integer, Counts> retireCompared(Connection from, Reached reached) throws SQLException {
    try (Statement st = from.createStatement()) {
      st.execute(MOVING);
      String compared = reached.compared();
      Map<Integer, Long> entries = deleted(st, "entries",
        "(posting_id, created_at) IN (SELECT id, created_at FROM postings WHERE " + compared + ")", "account_id");
      deleteIds(st, compared);
      Map<Integer, Long> postings = deleted(st, "postings", compared, null);
      return byShard(Map.of(), postings, entries, Map.of());
    }
  }

  /**
   * Under the locks, the source's rows of the moved shards that are left (all of them in a resumed
   * move) go, in the order their references allow, uncommitted: with those {@code retiredBefore},
   * they must be as many as the target took ({@code copied}), or both databases roll back. This
   * delete takes every row of the shards that is left, so it counts what no condition of the copy
   * could miss.
   *
   * @return what went, by shard
   */
  private Map<Integer, Counts> retire(Connection from, Connection to, Counts copied, Map<Integer, Counts> retiredBefore)
      throws SQLException {
    Map<Integer, Counts> gone = new HashMap<>(retiredBefore);
    try (Statement st = from.createStatement()) {
      st.execute(MOVING);
      Map<Integer, Long> entries = deleted(st, "entries", "account_id IN (" + accountsOfShards + ")", "account_id");
      Map<Integer, Long> events = deleted(st, "account_events", "account_id IN (" + accountsOfShards + ")", "account_id");
      deleteIds(st, ofShards);
      Map<Integer, Long> postings = deleted(st, "postings", ofShards, null);
      Map<Integer, Long> accounts = deleted(st, "accounts", ofShards, null);
      byShard(accounts, postings, entries, events).forEach((shard, counts) -> gone.merge(shard, counts, Counts::plus));
    }
    if (!Counts.total(gone).equals(copied)) {
      refuse(from, to, "the source's delete of the shards' rows removed " + Counts.total(gone) + ", the target took "
        + copied);
    }
    return gone;
  }

  /** By the ids as an array: one probe of its key each, where IN read every posting id of the database. */
  private static void deleteIds(Statement st, String postings) throws SQLException {
    st.executeUpdate("DELETE FROM ledger_posting_ids WHERE id = ANY (ARRAY(SELECT id FROM postings WHERE " + postings
      + "))");
  }

  private static Map<Integer, Counts> byShard(Map<Integer, Long> accounts, Map<Integer, Long> postings,
      Map<Integer, Long> entries, Map<Integer, Long> events) {
    Map<Integer, Counts> counts = new HashMap<>();
    Set<Integer> shards = new TreeSet<>(accounts.keySet());
    shards.addAll(postings.keySet());
    shards.addAll(entries.keySet());
    shards.addAll(events.keySet());
    for (int shard : shards) {
      counts.put(shard, new Counts(accounts.getOrDefault(shard, 0L), postings.getOrDefault(shard, 0L),
        entries.getOrDefault(shard, 0L), events.getOrDefault(shard, 0L)));
    }
    return counts;
  }

  /**
   * Deletes {@code table}'s rows that match, counted by shard: the row's own, or that of the account
   * it names in {@code accountColumn} (which is deleted after it).
   */
  private static Map<Integer, Long> deleted(Statement st, String table, String where, String accountColumn)
      throws SQLException {
    String delete = "WITH gone AS (DELETE FROM " + table + " WHERE " + where + " RETURNING "
      + (accountColumn == null ? "shard) SELECT shard, count(*) FROM gone GROUP BY shard"
        : accountColumn + " AS account) SELECT a.shard, sum(g.n) FROM (SELECT account, count(*) AS n FROM gone "
          + "GROUP BY account) g JOIN accounts a ON a.id = g.account GROUP BY a.shard");
    Map<Integer, Long> counts = new HashMap<>();
    try (ResultSet rows = st.executeQuery(delete)) {
      while (rows.next()) {
        counts.put(shardNumber(rows.getString(1)), rows.getLong(2));
      }
    }
    return counts;
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

  private static boolean granted(Connection connection, String sql) throws SQLException {
    try (Statement st = connection.createStatement(); ResultSet row = st.executeQuery(sql)) {
      row.next();
      return row.getBoolean(1);
    }
  }

  private static long single(Connection connection, String sql) throws SQLException {
    try (Statement st = connection.createStatement(); ResultSet row = st.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }
}
