package dev.wallet.limits.model;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one KYC tier may do. Amounts are minor units per currency code.
 *
 * @param perTransaction    per operation, the most one movement may move
 * @param daily             per outgoing operation, the most a UTC day may sum to
 * @param monthly           per outgoing operation, the most a UTC month may sum to
 * @param velocityPerMinute the most outgoing movements (all operations together) in one UTC minute
 */
public record TierRules(String name, Set<Operation> operations, Map<Operation, Map<String, Long>> perTransaction,
                        Map<Operation, Map<String, Long>> daily, Map<Operation, Map<String, Long>> monthly,
                        long velocityPerMinute) {

  public TierRules {
    operations = Set.copyOf(operations);
    perTransaction = Map.copyOf(perTransaction);
    daily = Map.copyOf(daily);
    monthly = Map.copyOf(monthly);
  }

  public boolean allows(Operation operation) {
    return operations.contains(operation);
  }

  public static Optional<Long> limit(Map<Operation, Map<String, Long>> table, Operation operation, String currency) {
    return Optional.ofNullable(table.getOrDefault(operation, Map.of()).get(currency));
  }
}
