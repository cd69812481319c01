package dev.wallet.edge.money;

import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.RefundView;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.Representations;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import java.util.function.Function;

/**
 * How a money movement's outcome is answered (transfers, payments, refunds): 201 when it is done,
 * 202 while it goes through the saga, both with Location where it can be read back; otherwise the
 * refusal's problem, which names the movement behind it ("{name}Id", "{name}Status") when there is
 * one: still in flight under this key, or reversed because the destination refused the credit.
 */
public record MovementReply<V>(String name, Optional<String> path, Function<V, JsonObject> representation,
                        Function<V, String> id, Function<V, TransferStatus> status) {

  public static final MovementReply<TransferView> TRANSFER = new MovementReply<>("transfer", Optional.of("/v1/transfers"),
    Representations::transfer, transfer -> transfer.id().value(), TransferView::status);
  public static final MovementReply<PaymentView> PAYMENT = new MovementReply<>("payment", Optional.of("/v1/payments"),
    Representations::payment, payment -> payment.id().value(), PaymentView::status);
  public static final MovementReply<RefundView> REFUND = new MovementReply<>("refund", Optional.empty(),
    Representations::refund, refund -> refund.id().value(), RefundView::status);

  public Reply answer(Outcome<V> outcome) {
    Reply reply = switch (outcome.code()) {
      case OK -> located(Reply.created(representation.apply(outcome.value())), outcome.value());
      case PENDING -> located(Reply.accepted(representation.apply(outcome.value())), outcome.value());
      default -> refused(outcome);
    };
    return reply.replayed(outcome.replayed());
  }

  private Reply refused(Outcome<V> outcome) {
    boolean reversed = outcome.value() != null && status.apply(outcome.value()) == TransferStatus.REVERSED;
    Problem problem = reversed ? Problem.forReversal(outcome) : Problem.forRefusal(outcome);
    if (outcome.value() != null) {
      problem = problem.with(name + "Id", id.apply(outcome.value()))
        .with(name + "Status", status.apply(outcome.value()).wire());
    }
    return problem.reply();
  }

  private Reply located(Reply reply, V movement) {
    return path.map(at -> reply.withHeader("Location", at + "/" + id.apply(movement))).orElse(reply);
  }
}
