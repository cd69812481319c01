package dev.wallet.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Validator;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The compiled body checks against the document's own validator: for every JSON request body of
 * the API, a valid body and thousands of broken ones (each value swapped for every kind of JSON
 * value, properties dropped and added, strings at and past their bounds), parsed as a request's
 * body is. Whatever the compiled check passes, the validator must pass too.
 */
@ExtendWith(VertxExtension.class)
class CompiledSchemaTest {

  /** A value for each pattern of the document: a generator of regular-expression matches is not needed for twelve. */
  private static final Map<String, String> PATTERN_SAMPLES = Map.ofEntries(
    Map.entry("\\S", "a reason"),
    Map.entry("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$",
      "2026-11-30T05:00:00Z"),
    Map.entry("^[A-Z]{3}$", "USD"),
    Map.entry("^[A-Za-z0-9 ._:@/-]+$", "officer@example.org"),
    Map.entry("^[A-Za-z0-9_.:-]+$", "key-1"),
    Map.entry("^[\\x20-\\x7E]+$", "order 42"),
    Map.entry("^[\\x21-\\x7E]+$", "ref-42"),
    Map.entry("^[a-z]{1,32}$", "basic"),
    Map.entry("^w[0-9]{4}_[0-9a-f]{24}$", "w0042_3f9c2a0b7d1e4c5a6b7c8d9e"));

  private static final List<Object> ANY_VALUES = List.of("", "x", "USD", "w0042_3f9c2a0b7d1e4c5a6b7c8d9e", "é",
    "\uD83D\uDE00", "a".repeat(300), "\u0000", 0, -1, 1, 2, 1.5, 1.0, Long.MAX_VALUE, Long.MIN_VALUE,
    new BigInteger("1180591620717411303424"), 9_007_199_254_740_992L, true, false, new JsonObject(),
    new JsonArray(), new JsonArray().add(1));

  @Test
  @DisplayName("every JSON request body compiles; its valid body passes both; no broken body passes the compiled "
    + "check that the validator refuses")
  void neverLaxerThanTheValidator(Vertx vertx) {
    OpenAPIContract contract = Await.result(ApiSchema.load(vertx)).contract();
    ApiSchema schema = ApiSchema.of(contract, 16);
    StrictJson json = new StrictJson(16);
    int checked = 0;
    int passedQuickly = 0;
    for (Operation operation : contract.operations()) {
      if (operation.getRequestBody() == null || !operation.getRequestBody().getContent().containsKey("application/json")) {
        continue;
      }
      JsonObject body = schema.jsonBodySchema(operation);
      Predicate<Object> compiled = CompiledSchema.of(body, contract.getRawContract()).orElse(null);
      assertThat(compiled).as(operation.getOperationId() + " compiles").isNotNull();
      Validator validator = contract.getSchemaRepository()
        .validator(operation.getRequestBody().getContent().get("application/json").getSchema());
      JsonObject valid = (JsonObject) sample(body, contract.getRawContract());

      assertThat(validator.validate(valid).getValid()).as(operation.getOperationId() + " " + valid).isTrue();
      assertThat(compiled.test(valid)).as(operation.getOperationId() + " " + valid).isTrue();
      for (Object broken : mutants(valid)) {
        if (!(broken instanceof JsonObject)) {
          continue; // a body that is not an object never reaches the schema
        }
        JsonObject parsed;
        try {
          parsed = json.object(((JsonObject) broken).encode().getBytes(StandardCharsets.UTF_8));
        } catch (ProblemException refusedFirst) {
          continue; // a body the parser refuses (a string holding NUL) never reaches the schema either
        }
        boolean quick = compiled.test(parsed);
        assertThat(!quick || validator.validate(parsed).getValid()).as(operation.getOperationId() + " " + parsed)
          .isTrue();
        checked++;
        passedQuickly += quick ? 1 : 0;
      }
    }
    assertThat(checked).isGreaterThan(1_000);
    assertThat(passedQuickly).as("broken bodies the compiled check still passes (valid ones)").isPositive();
  }

  /**
   * A valid instance of {@code schema}: every property, the smallest allowed values, but a number at
   * least 1 (a gateway event's amount may be 0 for a decline only, and the sample's type is a success).
   */
  private static Object sample(JsonObject schema, JsonObject document) {
    if (schema.containsKey("$ref")) {
      String name = schema.getString("$ref").substring(schema.getString("$ref").lastIndexOf('/') + 1);
      return sample(document.getJsonObject("components").getJsonObject("schemas").getJsonObject(name), document);
    }
    if (schema.containsKey("const")) {
      return schema.getValue("const");
    }
    if (schema.containsKey("enum")) {
      return schema.getJsonArray("enum").getValue(0);
    }
    Object type = schema.getValue("type");
    String first = type instanceof JsonArray types ? types.getString(0) : (String) type;
    return switch (first) {
      case "object" -> {
        JsonObject object = new JsonObject();
        schema.getJsonObject("properties", new JsonObject())
          .forEach(property -> object.put(property.getKey(), sample((JsonObject) property.getValue(), document)));
        yield object;
      }
      case "array" -> new JsonArray().add(sample(schema.getJsonObject("items"), document));
      case "string" -> schema.containsKey("pattern") ? patternSample(schema.getString("pattern"))
        : "x".repeat(Math.max(1, schema.getInteger("minLength", 1)));
      case "integer", "number" -> Math.max(1L, schema.getLong("minimum", 1L));
      case "boolean" -> true;
      default -> throw new IllegalArgumentException("no sample for type " + type);
    };
  }

  private static String patternSample(String pattern) {
    String sample = PATTERN_SAMPLES.get(pattern);
    assertThat(sample).as("a sample for the pattern " + pattern + " (add it to PATTERN_SAMPLES)").isNotNull();
    return sample;
  }

  /** Every body that differs from {@code valid} in one place. */
  private static List<Object> mutants(Object valid) {
    List<Object> mutants = new ArrayList<>();
    mutate(valid, UnaryOperator.identity(), mutants);
    return mutants;
  }

  /** Mutants of {@code value}, each placed back into the whole body by {@code into}. */
  private static void mutate(Object value, UnaryOperator<Object> into, List<Object> out) {
    ANY_VALUES.forEach(other -> out.add(into.apply(copy(other))));
    out.add(into.apply(null));
    if (value instanceof JsonObject object) {
      JsonObject extra = object.copy().put("unexpected", 1);
      out.add(into.apply(extra));
      for (String name : object.fieldNames()) {
        JsonObject without = object.copy();
        without.remove(name);
        out.add(into.apply(without));
        mutate(object.getValue(name), changed -> into.apply(object.copy().put(name, changed)), out);
      }
    } else if (value instanceof JsonArray array) {
      out.add(into.apply(new JsonArray()));
      out.add(into.apply(array.copy().addAll(array.copy())));
      for (int i = 0; i < array.size(); i++) {
        int at = i;
        mutate(array.getValue(i), changed -> into.apply(array.copy().set(at, changed)), out);
      }
    } else if (value instanceof String text) {
      out.add(into.apply(text + "x"));
      out.add(into.apply(text.substring(0, text.length() - 1)));
      out.add(into.apply(" " + text));
      out.add(into.apply(text.toUpperCase()));
      out.add(into.apply(text + "\n"));
    } else if (value instanceof Number number) {
      out.add(into.apply(number.longValue() - 1));
      out.add(into.apply(number.longValue() + 1));
      out.add(into.apply(number.doubleValue()));
    }
  }

  private static Object copy(Object value) {
    return value instanceof JsonObject object ? object.copy() : value instanceof JsonArray array ? array.copy() : value;
  }
}
