package dev.wallet.edge.http;

import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;

/**
 * A request body turned into the model's values. Its shape (members, types, ranges, patterns) was
 * checked against the OpenAPI document by {@link ApiSchema}; what is left here is what a schema
 * cannot say: money as a JSON integer (not 10.0), currencies the JDK knows, ids the model's own
 * records accept. Every violation is a 400 {@code invalid_request} naming the member, thrown
 * before anything moves.
 */
public final class RequestBody {

  private final JsonObject json;

  private RequestBody(JsonObject json) {
    this.json = json;
  }

  /** The body {@link ApiSchema#validate} accepted for this request. */
  public static RequestBody of(RoutingContext ctx) {
    return new RequestBody(ApiSchema.body(ctx));
  }

  public String text(String member) {
    return optionalText(member).orElseThrow(() -> ProblemException.invalid(member + " is required"));
  }

  /** A member that may be absent or null. */
  public Optional<String> optionalText(String member) {
    Object value = json.getValue(member);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String text) || text.isEmpty()) {
      throw ProblemException.invalid(member + " must be a non-empty string");
    }
    return Optional.of(text);
  }

  public Currency currency(String member) {
    try {
      return Currencies.parse(text(member));
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalid(member + ": " + e.getMessage());
    }
  }

  /** A positive JSON integer no larger than the money core can hold exactly; 10.0, "10" and 1e1 are refused. */
  public long amount(String member) {
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

  /** A whole number that may be absent or null (then {@code null}). */
  public Long optionalWhole(String member) {
    Object value = json.getValue(member);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw ProblemException.invalid(member + " must be a whole number");
    }
    return ((Number) value).longValue();
  }

  /** A boolean that may be absent or null (then false). */
  public boolean flag(String member) {
    Object value = json.getValue(member);
    if (value == null) {
      return false;
    }
    if (!(value instanceof Boolean yes)) {
      throw ProblemException.invalid(member + " must be true or false");
    }
    return yes;
  }

  public Money money(String amountMember, String currencyMember) {
    return new Money(amount(amountMember), currency(currencyMember));
  }

  public WalletId walletId(String member) {
    return toWalletId(member, text(member));
  }

  public Optional<WalletId> optionalWalletId(String member) {
    return optionalText(member).map(text -> toWalletId(member, text));
  }

  /** An array of objects, each its own body; an empty array is refused. */
  public List<RequestBody> objects(String member) {
    if (!(json.getValue(member) instanceof JsonArray array) || array.isEmpty()) {
      throw ProblemException.invalid(member + " must be a non-empty array of objects");
    }
    List<RequestBody> bodies = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      if (!(array.getValue(i) instanceof JsonObject nested)) {
        throw ProblemException.invalid(member + "/" + i + " must be an object");
      }
      bodies.add(new RequestBody(nested));
    }
    return bodies;
  }

  /** An array of whole numbers that may be absent; present, it holds at least one. */
  public Optional<List<Long>> optionalLongs(String member) {
    Object value = json.getValue(member);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof JsonArray array) || array.isEmpty()
      || !array.stream().allMatch(item -> item instanceof Integer || item instanceof Long)) {
      throw ProblemException.invalid(member + " must be a non-empty array of whole numbers");
    }
    return Optional.of(array.stream().map(item -> ((Number) item).longValue()).toList());
  }

  /** A boolean member that may be absent. */
  public boolean flag(String member, boolean absent) {
    Object value = json.getValue(member);
    if (value == null) {
      return absent;
    }
    if (!(value instanceof Boolean flag)) {
      throw ProblemException.invalid(member + " must be true or false");
    }
    return flag;
  }

  /** A nested object. */
  public RequestBody object(String member) {
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
