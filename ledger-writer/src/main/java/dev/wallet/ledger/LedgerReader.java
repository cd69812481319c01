package dev.wallet.ledger;

import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.RetiredRecords;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.ledger.impl.PgLedgerReader;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Reads served from the ledger. */
public interface LedgerReader extends RetiredRecords {

  /** Over one database. */
  static LedgerReader create(Pool pool) {
    return create(LedgerNodes.single(pool));
  }

  /** Over every database of the ledger. */
  static LedgerReader create(LedgerNodes nodes) {
    return new PgLedgerReader(nodes);
  }

  /**
   * A wallet's entries, newest first. The cursor is opaque to callers; pages stay stable while
   * new entries arrive, because a page is bounded by the wallet's sequence, not by an offset.
   * A cursor of {@link #entriesOfAccounts} (a hot merchant whose credit stripes have gone since)
   * goes on by time over the wallet's own entries: a pass of pages goes on the way it began.
   *
   * @throws IllegalArgumentException (as a failed future) for a malformed cursor or limit
   */
  Future<EntryPage> entries(WalletId wallet, int limit, Optional<String> cursor);

  /**
   * A hot merchant's entries: its wallet's and its credit stripes' ({@code accounts}, the wallet
   * first), newest first by time, without the sweeps that move its money between them. Each entry
   * names its account: a stripe's balanceAfter and seq are the stripe's. The cursor is opaque, and
   * of this listing only.
   *
   * <p>Each account's entries reach the ledger through its own shard's writer, some later than
   * others, so the first page ends where none can still arrive below it: before the time of the
   * last posting committed on the shard of any account the ledger has not caught up with, and
   * before the moment Redis was read for the others. {@code asRead}: the accounts as Redis showed
   * them just before ({@code HotTierAccess.readings}), for the first page (an account without one
   * that the ledger has entries of is taken as one it has not caught up with); a page after a cursor
   * does not need them. A cursor of {@link #entries} (a pass begun before the merchant's stripes
   * opened) goes on over the wallet's own entries by its sequence: the stripes' entries are all
   * newer than that pass's first page.
   *
   * @throws IllegalArgumentException (as a failed future) for a malformed cursor or limit
   */
  Future<EntryPage> entriesOfAccounts(List<WalletId> accounts, List<HotTierAccess.Reading> asRead, int limit,
                                      Optional<String> cursor);

  /**
   * The earliest time an entry of {@code accounts} that the ledger has not recorded yet may bear, as
   * Redis showed them just before ({@code asRead}); empty only when no account Redis read is there
   * (an account Redis does not hold is taken as recorded). A shard's writer commits in order and its
   * master stamps in order, so an entry the ledger lacks is dated no earlier than the shard's last
   * committed posting; one of an account the ledger has caught up with is yet to come, dated no
   * earlier than its master's clock when read (until 2026-12-07 such an account set no bound, and a
   * balance at an instant still to come was answered, then another once it had come).
   */
  Future<Optional<Instant>> unrecordedFrom(List<WalletId> accounts, List<HotTierAccess.Reading> asRead);

  /** The wallet's balance at {@code at}, from balance_after: one index lookup per bucket, no replay. */
  Future<PointInTimeBalance> balanceAt(WalletId wallet, Instant at);

  /**
   * A hot merchant's balance at {@code at} ({@code accounts}: its wallet first, then its credit
   * stripes): the sum of theirs, plus what sweeps between them carried then (debited by that instant,
   * neither credited nor reversed yet; a sweep debited more than a day before is not looked for:
   * reconciliation reports one that long in transit). Its seq is the sum of theirs.
   */
  Future<PointInTimeBalance> balanceAtOfAccounts(List<WalletId> accounts, Instant at);

  /** A transfer from its postings, or empty when the ledger has none of them (yet). */
  Future<Optional<LedgerTransfer>> transfer(String transferId);

  /** One posting by its id, with its entries. */
  Future<Optional<LedgerPosting>> posting(String postingId);

  /**
   * The owners of the accounts that the postings {@code postingIds} moved money of, or name as their
   * counterparty (a saga's credit names its source): who was on either side of them.
   */
  Future<Set<String>> ownersOf(List<String> postingIds);

  /** The last reconciliation any writer instance published. */
  Future<Optional<ReconciliationReport>> lastReconciliation();

  /**
   * A payment record as the ledger holds it (lib.lua, open_payment_record), for the money core to
   * restore one that expired from the hot tier. Reads {@code shard}'s database only: the posting
   * that opened the record and every change of it are on the paid account's shard.
   */
  @Override
  Future<Optional<PaymentRecordFacts>> paymentRecord(ShardId shard, String paymentId);

  /** Answers whether the database can be reached, for readiness checks. */
  Future<Void> ping();
}
