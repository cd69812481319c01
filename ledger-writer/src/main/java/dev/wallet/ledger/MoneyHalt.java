package dev.wallet.ledger;

import dev.wallet.ledger.ReconciliationReport.Kind;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A halt of every money movement, raised by reconciliation for a finding of scope
 * {@link ReconciliationReport.Scope#EVERYTHING} and in force until a person releases it.
 *
 * @param id        the halt's row, which its release names
 * @param raisedBy  the reconciler instance that found it
 * @param raisedAt  when it was stored (every edge refuses money movements within about a second)
 */
public record MoneyHalt(long id, Kind kind, String subject, String evidence, String raisedBy, Instant raisedAt) {

  /** What the logs and the console say about it (evidence included: not for callers of the API). */
  public String reason() {
    return "reconciliation found " + kind + " " + subject + ": " + evidence;
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("kind", kind.name()).put("subject", subject).put("evidence", evidence)
      .put("raisedBy", raisedBy).put("raisedAt", raisedAt.toString());
  }
}
