package dev.wallet.edge.chaos;

import dev.wallet.balancecache.async.Sequential;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Drives one movement to a definite outcome as a careful client does: the same request under the
 * same Idempotency-Key, again and again, on the other edge each time, until the wallet answers 201
 * (moved) or a refusal; a 202 or a 409 (still being finished) is asked again the same way, which is
 * how a pending transfer is polled to its end.
 */
final class Settler {

  /** What a wallet may answer and still be right: the movement is refused for good and moved nothing. */
  private static final Set<String> REFUSALS = Set.of("insufficient_funds", "refund_exceeds_payment",
    "limit_exceeded", "wallet_inactive", "receiver_cannot_accept");
  private static final long RETRY_MS = 250;

  private final Vertx vertx;
  private final ChaosHttp http;
  private final long deadlineMs;
  /** Told of every acknowledgement. */
  private final Consumer<Movement> acknowledged;

  Settler(Vertx vertx, ChaosHttp http, long deadlineMs, Consumer<Movement> acknowledged) {
    this.vertx = vertx;
    this.http = http;
    this.deadlineMs = deadlineMs;
    this.acknowledged = acknowledged;
  }

  Future<Movement> settle(Movement movement, int firstEdge) {
    long deadline = System.nanoTime() + deadlineMs * 1_000_000;
    int[] edge = {firstEdge};
    movement.firstSentNanos = System.nanoTime();
    return Sequential.repeatWhile(() -> http.post(edge[0]++, movement.path, movement.token, movement.key,
        movement.body)
      .transform(answer -> Future.succeededFuture(decide(movement, answer)))
      .compose(settled -> again(movement, settled, deadline))).map(movement);
  }

  private Future<Boolean> again(Movement movement, boolean settled, long deadline) {
    if (settled) {
      return Future.succeededFuture(false);
    }
    if (System.nanoTime() > deadline) {
      movement.fate = Movement.Fate.UNRESOLVED;
      return Future.succeededFuture(false);
    }
    return vertx.timer(RETRY_MS).map(true);
  }

  /** True once the answer is definite. */
  private boolean decide(Movement movement, AsyncResult<ChaosHttp.Answer> result) {
    movement.attempts++;
    if (result.failed()) {
      movement.unknown = true;
      return false;
    }
    ChaosHttp.Answer answer = result.result();
    return switch (answer.status()) {
      case 201 -> acknowledge(movement, answer.json());
      case 202, 409 -> stillFinishing(movement, answer.json());
      case 500, 502, 503, 504 -> unknown(movement);
      default -> refused(movement, answer);
    };
  }

  private boolean acknowledge(Movement movement, JsonObject body) {
    movement.id = body.getString("id");
    movement.fee = body.getLong("fee", 0L);
    movement.fate = Movement.Fate.ACKNOWLEDGED;
    movement.acknowledgedNanos = System.nanoTime();
    acknowledged.accept(movement);
    return true;
  }

  private static boolean stillFinishing(Movement movement, JsonObject body) {
    String id = body.getString("id", body.getString("transferId", body.getString("paymentId",
      body.getString("refundId"))));
    if (id != null) {
      movement.id = id;
    }
    return false;
  }

  private static boolean unknown(Movement movement) {
    movement.unknown = true;
    return false;
  }

  private static boolean refused(Movement movement, ChaosHttp.Answer answer) {
    JsonObject problem = answer.json();
    if (answer.status() != 422 || !REFUSALS.contains(problem.getString("code", ""))) {
      movement.anomaly = answer.status() + " " + answer.body();
    }
    String id = problem.getString("transferId", problem.getString("paymentId", problem.getString("refundId")));
    if (id != null) {
      movement.id = id;
    }
    movement.reversed = "reversed".equals(problem.getString("transferStatus", problem.getString("paymentStatus",
      problem.getString("refundStatus"))));
    movement.fate = Movement.Fate.REFUSED;
    return true;
  }
}
