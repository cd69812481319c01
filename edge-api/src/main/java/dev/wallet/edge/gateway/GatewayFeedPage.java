package dev.wallet.edge.gateway;

import java.util.List;

/** A page of a gateway's event feed, oldest first; {@code more}: later events follow the last one. */
public record GatewayFeedPage(List<Entry> entries, boolean more) {

  public GatewayFeedPage {
    entries = List.copyOf(entries);
  }

  /** One event of the feed, read or not. */
  public sealed interface Entry permits GatewayEvent, Unreadable {
    String id();
  }

  /**
   * An event with an id that this wallet cannot read (a type the gateway added since, a currency or
   * a field it does not know): what is wrong with it, for the operator who must look at it.
   */
  public record Unreadable(String id, String problem) implements Entry {
  }
}
