package dev.wallet.edge.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the clients know: every movement they asked for with its fate, the payments they may
 * refund, and the model, each wallet's balance as its acknowledged movements make it. Touched only
 * on the suite's one event loop, read by the main thread after the loop's work has completed.
 */
final class Book {

  private final List<Movement> movements = new ArrayList<>();
  private final Map<String, Long> expected = new HashMap<>();
  private final List<Movement.Payment> payments = new ArrayList<>();

  void opened(String wallet) {
    expected.putIfAbsent(wallet, 0L);
  }

  void deposited(String wallet, long amountMinor) {
    expected.merge(wallet, amountMinor, Long::sum);
  }

  void asked(Movement movement) {
    movements.add(movement);
  }

  /** The movement settled: an acknowledged one moves the model's money. */
  void settled(Movement movement) {
    if (movement.fate != Movement.Fate.ACKNOWLEDGED) {
      return;
    }
    expected.merge(movement.from, -movement.amount, Long::sum);
    expected.merge(movement.to, movement.credited(), Long::sum);
    if (movement.kind == Movement.Kind.REFUND) {
      movement.refunded.refundable -= movement.amount;
    }
  }

  void payable(Movement.Payment payment) {
    payments.add(payment);
  }

  /** A payment with something left to refund, or null. */
  Movement.Payment refundable(int pick) {
    for (int i = 0; i < payments.size(); i++) {
      Movement.Payment payment = payments.get(Math.floorMod(pick + i, payments.size()));
      if (payment.refundable > 0) {
        return payment;
      }
    }
    return null;
  }

  long expected(String wallet) {
    return expected.getOrDefault(wallet, 0L);
  }

  Map<String, Long> model() {
    return Map.copyOf(expected);
  }

  List<Movement> movements() {
    return List.copyOf(movements);
  }

  List<Movement> movements(int phase) {
    return movements.stream().filter(m -> m.phase == phase).toList();
  }
}
