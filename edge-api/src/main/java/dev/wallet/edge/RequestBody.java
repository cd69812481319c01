package dev.wallet.edge;

import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Currency;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request body read strictly: one JSON object with only the members the endpoint knows, money
 * as a JSON integer of minor units, ids and currencies checked by the model's own records. Every
 * violation is a 400 {@code invalid_request} naming the member, thrown before anything moves.
 */
final class RequestBody {

  private final JsonObject json;

  private RequestBody(JsonObject json) {
    this.json = json;
  }

  static RequestBody of(RoutingContext ctx, Set<String> knownMembers) {
    Buffer body = ctx.body().buffer();
    if (body == null || body.length() == 0) {
      throw ProblemException.invalid("a JSON body is required");
    }
    return new RequestBody(StrictJson.object(body.getBytes())).requireOnly(knownMembers);
  }

  /** Refuses members the endpoint does not know, rather than ignoring what the client meant. */
  RequestBody requireOnly(Set<String> knownMembers) {
    Set<String> unknown = new TreeSet<>(json.fieldNames());
    unknown.removeAll(knownMembers);
    if (!unknown.isEmpty()) {
      throw ProblemException.invalid("unknown members " + unknown + "; allowed: " + new TreeSet<>(knownMembers));
    }
    return this;
  }

  String text(String member) {
    return optionalText(member).orElseThrow(() -> ProblemException.invalid(member + " is required"));
  }

  /** A member that may be absent or null. */
  Optional<String> optionalText(String member) {
    Object value = json.getValue(member);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text) || text.isEmpty()) {
      throw ProblemException.invalid(member + " must be a non-empty string");
    }
    return Optional.of(text);
  }

  Currency currency(String member) {
    try {
      return Currencies.parse(text(member));
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalid(member + ": " + e.getMessage());
    }
  }

  /** A positive JSON integer no larger than the money core can hold exactly; 10.0, "10" and 1e1 are refused. */
  long amount(String member) {
    Object value = json.getValue(member);
    if (!(value instanceof Integer || value instanceof Long)) {
      throw ProblemException.invalid(member + " must be an integer number of minor units");
    }
    long minor = ((Number) value).longValue();
    if (minor <= 0 || minor > Money.MAX_MINOR) {
      throw ProblemException.invalid(member + " must be between 1 and " + Money.MAX_MINOR);
    }
    return minor;
  }

  Money money(String amountMember, String currencyMember) {
    return new Money(amount(amountMember), currency(currencyMember));
  }

  WalletId walletId(String member) {
    return toWalletId(member, text(member));
  }

  Optional<WalletId> optionalWalletId(String member) {
    return optionalText(member).map(text -> toWalletId(member, text));
  }

  /** A nested object; the caller decides which members it may have ({@link #requireOnly}). */
  RequestBody object(String member) {
    if (!(json.getValue(member) instanceof JsonObject nested)) {
      throw ProblemException.invalid(member + " must be an object");
    }
    return new RequestBody(nested);
  }

  private static WalletId toWalletId(String member, String text) {
    try {
      return new WalletId(text);
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalid(member + " is not a wallet id");
    }
  }
}
