package dev.wallet.edge.gateway;

import io.vertx.core.Future;

/**
 * A bank or card gateway as the wallet uses it: ask it to collect money into the wallet (a
 * deposit) or to pay money out (a withdrawal), and ask what became of a request. Outcomes arrive
 * later, as signed webhooks ({@link GatewayEvent}, {@link WebhookSignature}); {@link #status} is
 * how the wallet finds out when a webhook never comes.
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
}
