package dev.wallet.edge.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.util.function.Predicate;

/**
 * Parses JSON objects strictly: a duplicated member is an error (otherwise {@code {"amount":1,
 * "amount":100000}} means whatever the parser keeps last), comments, which Vert.x's own parser
 * accepts, are not JSON, and nesting is bounded so that a body of 16 KB of {@code [[[[...} costs
 * nothing but a 400. A string holding NUL (U+0000) is refused too: PostgreSQL's text cannot
 * hold it, and until 2026-12-07 a status reason with one was applied in Redis and then refused by the
 * ledger writer at every retry, which stopped that shard's ledger. So is one holding half of a
 * surrogate pair alone, which is no character: UTF-8 has none for it, so a request's hash, and
 * PostgreSQL's text, held '?' in its place (until 2026-12-07 another request under the same key was
 * taken for a replay of one with '?' there).
 */
public final class StrictJson {

  /** Tokens and webhooks are shallow documents; request bodies get the configured depth. */
  static final int SHALLOW_DEPTH = 8;

  private final JsonFactory factory;
  private final int maxDepth;

  public StrictJson(int maxDepth) {
    this.maxDepth = maxDepth;
    this.factory = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build())
      .build();
  }

  /** Throws {@link ProblemException} (400) unless {@code bytes} hold exactly one JSON object. */
  public JsonObject object(byte[] bytes) {
    Object parsed;
    try {
      parsed = JacksonCodec.fromParser(factory.createParser(bytes), Object.class);
    } catch (DecodeException | IOException malformed) {
      throw ProblemException.invalid(tooDeep(malformed) ? "the body nests deeper than " + maxDepth + " levels"
        : "the body is not valid JSON");
    }
    if (!(parsed instanceof JsonObject object)) {
      throw ProblemException.invalid("the body must be a JSON object");
    }
    if (holds(object, StrictJson::holdsNul)) {
      throw ProblemException.invalid("a string of the body holds NUL (\\u0000)");
    }
    if (holds(object, StrictJson::holdsUnpairedSurrogate)) {
      throw ProblemException.invalid("a string of the body holds half of a surrogate pair alone (no character)");
    }
    return object;
  }

  /** Whether a member name or a string value anywhere in {@code value} is {@code bad}. */
  private static boolean holds(Object value, Predicate<String> bad) {
    if (value instanceof String text) {
      return bad.test(text);
    }
    if (value instanceof JsonObject object) {
      return object.fieldNames().stream().anyMatch(name -> bad.test(name) || holds(object.getValue(name), bad));
    }
    if (value instanceof JsonArray array) {
      return array.stream().anyMatch(item -> holds(item, bad));
    }
    return false;
  }

  private static boolean holdsNul(String text) {
    return text.indexOf('\0') >= 0;
  }

  private static boolean holdsUnpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  private static boolean tooDeep(Exception malformed) {
    return malformed instanceof StreamConstraintsException || malformed.getCause() instanceof StreamConstraintsException;
  }
}
