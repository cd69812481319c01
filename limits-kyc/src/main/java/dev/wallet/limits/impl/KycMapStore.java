package dev.wallet.limits.impl;

import com.hazelcast.map.MapStore;
import dev.wallet.limits.model.KycProfile;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Writes KYC profiles through to PostgreSQL, each with its audit line in the same transaction, and
 * loads the ones a member does not hold. Hazelcast calls it on its own threads (never an event
 * loop), so waiting here for the reactive pool is allowed; a failure fails the map operation, and
 * so the request that caused it: a profile is never changed in memory but not on disk.
 */
public final class KycMapStore implements MapStore<String, KycProfile> {

  private final Pool pool;
  private final long timeoutMs;

  public KycMapStore(Pool pool, long timeoutMs) {
    this.pool = pool;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public void store(String ownerId, KycProfile profile) {
    if (!profile.known()) {
      throw new IllegalArgumentException("an absent profile is never stored");
    }
    await(pool.withTransaction(conn -> boundedWaits(conn)
      .compose(bounded -> conn.preparedQuery(SqlQueries.LOCK_PROFILE).execute(Tuple.of(ownerId)))
      .compose(previous -> upsert(conn, profile)
        .compose(done -> audit(conn, profile, previous.size() == 0 ? "none" : describe(previous.iterator().next()))))));
  }

  @Override
  public void storeAll(Map<String, KycProfile> profiles) {
    profiles.forEach(this::store);
  }

  /** Profiles are set, never deleted: a deletion would erase what a regulator may ask about. */
  @Override
  public void delete(String ownerId) {
    throw new UnsupportedOperationException("KYC profiles are never deleted");
  }

  @Override
  public void deleteAll(Collection<String> ownerIds) {
    throw new UnsupportedOperationException("KYC profiles are never deleted");
  }

  @Override
  public KycProfile load(String ownerId) {
    return await(pool.preparedQuery(SqlQueries.LOAD_PROFILE).execute(Tuple.of(ownerId))
      .map(rows -> rows.size() == 0 ? KycProfile.none(ownerId) : profile(rows.iterator().next())));
  }

  @Override
  public Map<String, KycProfile> loadAll(Collection<String> ownerIds) {
    return await(pool.preparedQuery(SqlQueries.LOAD_PROFILES).execute(Tuple.of(ownerIds.toArray(String[]::new)))
      .map(rows -> {
        Map<String, KycProfile> found = new HashMap<>();
        ownerIds.forEach(owner -> found.put(owner, KycProfile.none(owner)));
        rows.forEach(row -> found.put(row.getString("owner_id"), profile(row)));
        return found;
      }));
  }

  /** Never preloads: there may be a billion owners; profiles are loaded when first asked for. */
  @Override
  public Iterable<String> loadAllKeys() {
    return null;
  }

  /**
   * A write that waits on a lock gives up, and rolls back, a second before the caller stops waiting
   * for it: otherwise a change answered 503 could still commit once the lock is released, and its
   * retry audit it twice.
   */
  private Future<Void> boundedWaits(SqlConnection conn) {
    long waitMs = Math.max(100, timeoutMs - 1_000);
    return conn.query("SET LOCAL lock_timeout = " + waitMs).execute()
      .compose(set -> conn.query("SET LOCAL statement_timeout = " + waitMs).execute()).mapEmpty();
  }

  private static Future<Void> upsert(SqlConnection conn, KycProfile p) {
    return conn.preparedQuery(SqlQueries.UPSERT_PROFILE).execute(Tuple.of(p.ownerId(), p.tier(), p.country(),
      OffsetDateTime.ofInstant(Instant.ofEpochMilli(p.updatedAtMs()), ZoneOffset.UTC), p.updatedBy(), sourceOf(p)))
      .mapEmpty();
  }

  private static Future<Void> audit(SqlConnection conn, KycProfile p, String before) {
    String detail = "tier/country " + before + " -> " + p.tier() + "/" + (p.country() == null ? "-" : p.country());
    return conn.preparedQuery(SqlQueries.INSERT_AUDIT).execute(Tuple.of(null, "kyc_profile_set", p.updatedBy(),
      sourceOf(p), p.ownerId(), null, detail)).mapEmpty();
  }

  /**
   * A change sent by a member not yet upgraded names no source (read as empty): it came through the
   * API, the only way such a member changes a profile, as the rows set before sources were.
   */
  private static String sourceOf(KycProfile p) {
    return p.source().isEmpty() ? "api" : p.source();
  }

  private static String describe(Row previous) {
    String country = previous.getString("country");
    return previous.getString("tier") + "/" + (country == null ? "-" : country);
  }

  static KycProfile profile(Row row) {
    return new KycProfile(row.getString("owner_id"), row.getString("tier"), row.getString("country"),
      row.getOffsetDateTime("updated_at").toInstant().toEpochMilli(), row.getString("updated_by"),
      row.getString("source"));
  }

  private <T> T await(Future<T> future) {
    try {
      return future.await(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("PostgreSQL did not answer within " + timeoutMs + " ms", e);
    }
  }
}
