package dev.wallet.edge.gateway;

import io.vertx.core.Future;
import java.util.Optional;

/**
 * A bank or card gateway as the wallet uses it: ask it to collect money into the wallet (a
 * deposit) or to pay money out (a withdrawal), and ask what became of a request. Outcomes arrive
 * later, as signed webhooks ({@link GatewayEvent}, {@link WebhookSignature}); {@link #status} is
 * how the wallet finds out about a request no webhook answered, and {@link #events} how it finds
 * out what no webhook brought about a request it stopped waiting for (a chargeback, a returned
 * payout, whose webhook the gateway gave up delivering).
 *
 * <p>Every request carries the wallet's own reference (the deposit's or withdrawal's id) and is
 * idempotent on it at the gateway, so asking again after a timeout never collects or pays twice.
 * A future fails with {@link GatewayUnavailableException} when the gateway gave no usable answer:
 * the request may or may not have reached it, and {@link #status} tells later.
 */
public interface Gateway {

  /** The gateway's name: its webhook path segment and its clearing account (clearing.&lt;name&gt;). */
  String name();

  Future<GatewayAck> collect(GatewayRequest request);

  Future<GatewayAck> payout(GatewayRequest request);

  Future<GatewayStatus> status(String reference);

  /**
   * The gateway's record of every event, oldest first, from the one after the event {@code after}
   * (from its first without one, and for an id it does not know: it lost its records, or it is
   * another gateway's), at most {@code limit} of them. Read over the gateway's authenticated API, so
   * its events need no signature.
   */
  Future<GatewayFeedPage> events(Optional<String> after, int limit);
}
