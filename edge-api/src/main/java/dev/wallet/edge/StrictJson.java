package dev.wallet.edge;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;

/**
 * Parses JSON objects strictly: a duplicated member is an error (otherwise {@code {"amount":1,
 * "amount":100000}} means whatever the parser keeps last), and comments, which Vert.x's own
 * parser accepts, are not JSON.
 */
final class StrictJson {

  private static final JsonFactory FACTORY = JsonFactory.builder()
    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
    .build();

  private StrictJson() {
  }

  /** Throws {@link ProblemException} (400) unless {@code bytes} hold exactly one JSON object. */
  static JsonObject object(byte[] bytes) {
    Object parsed;
    try {
      parsed = JacksonCodec.fromParser(FACTORY.createParser(bytes), Object.class);
    } catch (DecodeException | IOException malformed) {
      throw ProblemException.invalid("the body is not valid JSON");
    }
    if (!(parsed instanceof JsonObject object)) {
      throw ProblemException.invalid("the body must be a JSON object");
    }
    return object;
  }
}
