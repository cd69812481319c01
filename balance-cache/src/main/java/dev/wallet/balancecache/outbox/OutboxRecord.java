package dev.wallet.balancecache.outbox;

import dev.wallet.balancecache.model.PostgresText;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;

/**
 * One entry of a shard's outbox stream, as the money core's scripts write it: a posting (with
 * entries that sum to zero per currency) or an event without entries (a wallet opened, a
 * status change, a transfer completed). The ledger writer turns each into rows, then gives the
 * Redis keys in {@code retire} their lifetime, because only then may they expire.
 *
 * <p>{@code idempotencyScope} names the idempotency record (Redis key) of the request behind the
 * posting, when a client request is behind it; postings driven by the system (a saga's credit)
 * have none.
 *
 * <p>Wire format: the stream field {@code p} holds JSON; amounts, balances and sequences are
 * decimal strings (Lua numbers are doubles); {@code type} is a {@link PostingType}'s wire name, and
 * an entry of any other type does not parse.
 */
public record OutboxRecord(String id, PostingType type, String shard, Instant at, Optional<String> reference,
                           Optional<String> idempotencyScope, List<OutboxEntry> entries,
                           List<WalletBalance> balances, Optional<AccountEvent> account, List<String> retire,
                           Map<String, String> movement) {

  public static final String FIELD = "p";

  /**
   * A NUL in any string of the record (a reason, a reference) is read as U+FFFD ({@link PostgresText}):
   * a record the ledger refuses at every retry stops its shard's ledger.
   */
  public static OutboxRecord parse(String json) {
    JsonObject p = json.indexOf("\\u0000") >= 0 ? PostgresText.withoutNul(new JsonObject(json)) : new JsonObject(json);
    if (p.getInteger("v", 0) != 1) {
      throw new IllegalArgumentException("unknown outbox record version in " + json);
    }
    return new OutboxRecord(p.getString("id"), PostingType.fromWire(p.getString("type")), p.getString("shard"),
      Instant.ofEpochMilli(p.getLong("ts")), Optional.ofNullable(p.getString("ref")),
      Optional.ofNullable(p.getString("scope")), entries(p), balances(p),
      Optional.ofNullable(p.getJsonObject("account")).map(AccountEvent::from), strings(array(p, "retire")),
      movement(p));
  }

  private static List<OutboxEntry> entries(JsonObject p) {
    JsonArray array = array(p, "entries");
    List<OutboxEntry> entries = new ArrayList<>();
    if (array != null) {
      for (int i = 0; i < array.size(); i++) {
        entries.add(OutboxEntry.from(array.getJsonObject(i)));
      }
    }
    return List.copyOf(entries);
  }

  private static List<WalletBalance> balances(JsonObject p) {
    JsonArray array = array(p, "balances");
    List<WalletBalance> balances = new ArrayList<>();
    if (array != null) {
      for (int i = 0; i < array.size(); i++) {
        balances.add(WalletBalance.from(array.getJsonObject(i)));
      }
    }
    return List.copyOf(balances);
  }

  /** A saga debit's or a hold's own fields (destination, fee, limits...), which its later steps use. */
  private static Map<String, String> movement(JsonObject p) {
    Map<String, String> fields = new TreeMap<>();
    JsonObject movement = p.getJsonObject("movement");
    if (movement != null) {
      movement.forEach(field -> fields.put(field.getKey(), String.valueOf(field.getValue())));
    }
    return Collections.unmodifiableMap(fields);
  }

  /** Lua's JSON encoder writes an empty list as {}: read that as an empty array. */
  private static JsonArray array(JsonObject p, String field) {
    Object value = p.getValue(field);
    return value instanceof JsonArray list ? list : null;
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(item -> out.add((String) item));
    }
    return List.copyOf(out);
  }

  /** One line of a posting: a signed amount on one bucket of one account. */
  public record OutboxEntry(String account, String bucket, long amount, String currency, long balanceAfter, long seq) {

    static OutboxEntry from(JsonObject e) {
      return new OutboxEntry(e.getString("account"), e.getString("bucket"), Long.parseLong(e.getString("amount")),
        e.getString("currency"), Long.parseLong(e.getString("balanceAfter")), Long.parseLong(e.getString("seq")));
    }
  }

  /** Both balances of a wallet the posting touched, right after it. */
  public record WalletBalance(String wallet, long available, long held, long seq) {

    static WalletBalance from(JsonObject b) {
      return new WalletBalance(b.getString("wallet"), Long.parseLong(b.getString("available")),
        Long.parseLong(b.getString("held")), Long.parseLong(b.getString("seq")));
    }
  }

  /**
   * What an event says about a wallet: who owns it and what it is when opened (and, for a
   * merchant's credit stripe, the merchant wallet it belongs to), its status when changed.
   */
  public record AccountEvent(String id, Optional<String> owner, Optional<String> currency, Optional<String> type,
                             Optional<String> status, Optional<String> previous, Optional<String> reason,
                             Optional<String> parent) {

    static AccountEvent from(JsonObject a) {
      return new AccountEvent(a.getString("id"), Optional.ofNullable(a.getString("owner")),
        Optional.ofNullable(a.getString("currency")), Optional.ofNullable(a.getString("type")),
        Optional.ofNullable(a.getString("status")), Optional.ofNullable(a.getString("previous")),
        Optional.ofNullable(a.getString("reason")), Optional.ofNullable(a.getString("parent")));
    }
  }
}
