package dev.wallet.edge.gateway;

import java.util.List;

/** A page of a gateway's event feed, oldest first; {@code more}: later events follow the last one. */
public record GatewayFeedPage(List<GatewayEvent> events, boolean more) {

  public GatewayFeedPage {
    events = List.copyOf(events);
  }
}
