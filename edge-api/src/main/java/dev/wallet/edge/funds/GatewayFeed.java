package dev.wallet.edge.funds;

import dev.wallet.balancecache.async.Sequential;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.gateway.GatewayFeedPage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
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
 * <p>An event is read once it is recorded with the state change it causes; a failure to drive its
 * movement further after that is the reconciler's to finish, as for any movement left part-way. An
 * event that must wait for its movement (it is ahead of the state it follows) stops the read there
 * until a later round, for {@link #WAIT_LIMIT} at most: one that would wait for ever (a return of a
 * payout the wallet recorded as declined) must not stop every later event. Past that it is counted
 * with the contradictions and read past. The position, the last event read, is kept in PostgreSQL
 * (edge.gateway_feed_positions) after each round, whatever part of it was read.
 */
final class GatewayFeed {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayFeed.class);
  static final int PAGE = 100;
  /** At most this many pages a round, so that a long feed does not hold the reconciler's other work back. */
  private static final int PAGES_A_ROUND = 10;
  /** Longer than any wait the state machine has (a hold being placed or released) lasts while Redis answers. */
  static final Duration WAIT_LIMIT = Duration.ofMinutes(10);

  private final Gateway gateway;
  private final FundsStore store;
  private final Funds funds;
  private final MeterRegistry meters;
  /**
   * The event a round of this process stopped at to wait, and since when (System.nanoTime). Only the
   * latest round that read to its end keeps its own: an event read past, here or by another edge, is
   * forgotten.
   */
  private final Map<String, Long> waitingSince = new ConcurrentHashMap<>();

  GatewayFeed(Gateway gateway, FundsStore store, Funds funds, MeterRegistry meters) {
    this.gateway = gateway;
    this.store = store;
    this.funds = funds;
    this.meters = meters;
    unreadableEvents();  // exported at zero: a counter that first appears at 1 is no increase to its alert
  }

  /**
   * Events the wallet cannot read (until 2026-12-06 one stopped the feed for good, every later event
   * with it), counted with the contradictions: an operator must see what the gateway said.
   */
  private Counter unreadableEvents() {
    return meters.counter("wallet_gateway_contradictions_total", "gateway", gateway.name(), "movement", "unreadable");
  }

  /**
   * One round: the feed read from its position on, a page at a time, until {@code moneyHalted} says
   * so; returns how many events were read.
   */
  Future<Integer> follow(BooleanSupplier moneyHalted) {
    return store.feedPosition(gateway.name()).compose(start -> {
      Round round = new Round(start, moneyHalted);
      return Sequential.repeatWhile(round::nextPage)
        // a round a halt stopped did not read as far as the events waiting: their clocks run on
        .onSuccess(read -> {
          if (!moneyHalted.getAsBoolean()) {
            waitingSince.keySet().retainAll(round.waitingOn);
          }
        })
        .transform(reading -> round.savePosition().transform(saved -> reading.failed() ? Future.<Integer>failedFuture(
          reading.cause()) : saved.failed() ? Future.failedFuture(saved.cause()) : Future.succeededFuture(round.read)));
    });
  }

  /** How far one round got. Touched by one round only, one step at a time. */
  private final class Round {
    private final Optional<String> start;
    private Optional<String> position;
    private int pages;
    private int read;
    private boolean waiting;
    private final Set<String> waitingOn = new HashSet<>(1);
    private final BooleanSupplier moneyHalted;

    Round(Optional<String> start, BooleanSupplier moneyHalted) {
      this.start = start;
      this.position = start;
      this.moneyHalted = moneyHalted;
    }

    /** Whether to read another page after this one. */
    Future<Boolean> nextPage() {
      pages++;
      return gateway.events(position, PAGE).compose(page -> {
        Iterator<GatewayFeedPage.Entry> entries = page.entries().iterator();
        return Sequential.repeatWhile(() -> entries.hasNext() && goesOn() ? apply(entries.next())
            : Future.succeededFuture(false))
          .map(done -> goesOn() && page.more() && pages < PAGES_A_ROUND);
      });
    }

    /** Not waiting for an event's movement, nor halted: the position stays at the last event read. */
    private boolean goesOn() {
      return !waiting && !moneyHalted.getAsBoolean();
    }

    /** Whether the entry was read (recorded, a duplicate, or refused for good); false when it must wait. */
    private Future<Boolean> apply(GatewayFeedPage.Entry entry) {
      if (entry instanceof GatewayFeedPage.Unreadable unreadable) {
        unreadableEvents().increment();
        LOG.error("gateway {} feed: event {} cannot be read by this wallet, and is read past: {}; see "
          + "docs/operations.md#gateway-contradiction", gateway.name(), unreadable.id(), unreadable.problem());
        return Future.succeededFuture(readPast(unreadable, "unreadable"));
      }
      GatewayEvent event = (GatewayEvent) entry;
      return funds.recordEvent(event, event.toJson().encode())
        .compose(result -> driven(event).map(done -> readPast(event, result.name())))
        .recover(failure -> {
          if (!(failure instanceof EventRefusedException refused)) {
            return Future.failedFuture(failure);
          }
          if (refused.reason() != EventRefusedException.Reason.NOT_YET || waitedTooLong(event, refused)) {
            funds.refusedFromFeed(event, refused);
            return Future.succeededFuture(readPast(event, "refused"));
          }
          waiting = true;
          waitingOn.add(event.id());
          return Future.succeededFuture(false);
        });
    }

    private Future<Void> driven(GatewayEvent event) {
      return funds.driveAfter(event).recover(failure -> {
        LOG.warn("gateway {} feed: event {} is recorded and its {} not driven further yet ({}); the reconciler "
          + "finishes it", gateway.name(), event.id(), event.reference(), failure.toString());
        return Future.succeededFuture();
      });
    }

    private boolean waitedTooLong(GatewayEvent event, EventRefusedException refused) {
      long now = System.nanoTime();
      Long since = waitingSince.putIfAbsent(event.id(), now);
      if (since == null) {
        meters.counter("wallet_gateway_feed_events_total", "gateway", gateway.name(), "result", "waiting").increment();
        LOG.warn("gateway {} feed: event {} waits for its {} (read again each round, for {} at most): {}",
          gateway.name(), event.id(), event.reference(), WAIT_LIMIT, refused.getMessage());
        return false;
      }
      return now - since > WAIT_LIMIT.toNanos();
    }

    private boolean readPast(GatewayFeedPage.Entry entry, String result) {
      meters.counter("wallet_gateway_feed_events_total", "gateway", gateway.name(), "result",
        result.toLowerCase(Locale.ROOT)).increment();
      position = Optional.of(entry.id());
      read++;
      return true;
    }

    Future<Void> savePosition() {
      return position.equals(start) ? Future.succeededFuture()
        : store.saveFeedPosition(gateway.name(), position.orElseThrow());
    }
  }
}
