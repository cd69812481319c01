package dev.wallet.edge.funds;

import dev.wallet.balancecache.async.Sequential;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.gateway.GatewayFeedPage;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the gateway's event feed, its own record of every event, from where it was last read,
 * and applies each event as its webhook is applied: at most once per event id, so an event a
 * webhook brought already changes nothing. A gateway gives up delivering a webhook after a while,
 * and the reconciler asks only about movements still waiting: a chargeback or a returned payout of a
 * completed movement whose webhook never came was learnt from nothing else (until 2026-12-06 it was
 * never learnt, and the wallet kept money the gateway had taken back).
 *
 * <p>An event that must wait for its movement (it is ahead of the state it follows) stops the read
 * there until the next round. The position, the last event read, is kept in PostgreSQL
 * (edge.gateway_feed_positions) after each round, whatever part of it was read.
 */
final class GatewayFeed {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayFeed.class);
  static final int PAGE = 100;
  /** At most this many pages a round, so that a long feed does not hold the reconciler's other work back. */
  private static final int PAGES_A_ROUND = 10;

  private final Gateway gateway;
  private final FundsStore store;
  private final Funds funds;
  private final MeterRegistry meters;

  GatewayFeed(Gateway gateway, FundsStore store, Funds funds, MeterRegistry meters) {
    this.gateway = gateway;
    this.store = store;
    this.funds = funds;
    this.meters = meters;
  }

  /** One round: the feed read from its position on, a page at a time; returns how many events were read. */
  Future<Integer> follow() {
    return store.feedPosition(gateway.name()).compose(start -> {
      Round round = new Round(start);
      return Sequential.repeatWhile(round::nextPage)
        .eventually(round::savePosition)
        .map(done -> round.read);
    });
  }

  /** How far one round got. Touched by one round only, one step at a time. */
  private final class Round {
    private final Optional<String> start;
    private Optional<String> position;
    private int pages;
    private int read;
    private boolean waiting;

    Round(Optional<String> start) {
      this.start = start;
      this.position = start;
    }

    /** Whether to read another page after this one. */
    Future<Boolean> nextPage() {
      pages++;
      return gateway.events(position, PAGE).compose(page -> {
        Iterator<GatewayEvent> events = page.events().iterator();
        return Sequential.repeatWhile(() -> events.hasNext() && !waiting ? apply(events.next())
            : Future.succeededFuture(false))
          .map(done -> !waiting && page.more() && pages < PAGES_A_ROUND);
      });
    }

    /** Whether the event was read (applied, a duplicate, or refused for good); false when it must wait. */
    private Future<Boolean> apply(GatewayEvent event) {
      return funds.onEvent(event, event.toJson().encode())
        .map(result -> readPast(event, result.name()))
        .recover(failure -> {
          if (!(failure instanceof EventRefusedException refused)) {
            return Future.failedFuture(failure);
          }
          if (refused.reason() == EventRefusedException.Reason.NOT_YET) {
            LOG.warn("gateway {} feed: event {} waits for its {}: {}", gateway.name(), event.id(), event.reference(),
              refused.getMessage());
            waiting = true;
            return Future.succeededFuture(false);
          }
          funds.refusedFromFeed(event, refused);
          return Future.succeededFuture(readPast(event, "refused"));
        });
    }

    private boolean readPast(GatewayEvent event, String result) {
      meters.counter("wallet_gateway_feed_events_total", "gateway", gateway.name(), "result",
        result.toLowerCase(Locale.ROOT)).increment();
      position = Optional.of(event.id());
      read++;
      return true;
    }

    Future<Void> savePosition() {
      return position.equals(start) ? Future.succeededFuture()
        : store.saveFeedPosition(gateway.name(), position.orElseThrow());
    }
  }
}
