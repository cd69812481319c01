package dev.wallet.edge.gateway;

/** The gateway took a request; its outcome follows as a webhook. */
public record GatewayAck(String gatewayRef) {
}
