package dev.wallet.edge.gateway;

import java.util.Objects;

/**
 * The gateway took a request; its outcome follows as a webhook. Its reference is required: the
 * wallet records it as the proof that the gateway has the request (an answer without one is no
 * acknowledgement, and the request is asked again).
 */
public record GatewayAck(String gatewayRef) {
  public GatewayAck {
    Objects.requireNonNull(gatewayRef, "an acknowledgement without the gateway's reference");
  }
}
