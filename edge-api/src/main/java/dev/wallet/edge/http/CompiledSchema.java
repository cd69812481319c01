package dev.wallet.edge.http;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A request body's JSON Schema compiled into plain checks, for the keywords this API's document
 * uses, answering one question: is this value certainly valid? Whenever it is not sure (a number
 * that is not a plain integer, a string with surrogate pairs) or the value is invalid, the answer is
 * no, and the document's own validator decides and words the error. So it makes a valid request
 * cheaper and never lets an invalid one pass: the interpreting validator, which compiles a schema's
 * pattern again for every value it checks, was a sixth of an edge's CPU under transfers.
 * {@code CompiledSchemaTest} holds it to the validator's answers, body by body.
 */
public final class CompiledSchema {

  /** Keywords that describe and never constrain (and the resolver's note of where a schema came from). */
  private static final Set<String> ANNOTATIONS = Set.of("description", "title", "default", "example", "examples",
    "deprecated", "readOnly", "writeOnly", "$comment", "__absolute_uri__");
  private static final String LOCAL_SCHEMAS = "#/components/schemas/";

  private final JsonObject document;
  private final Map<String, Predicate<Object>> byReference = new HashMap<>();

  private CompiledSchema(JsonObject document) {
    this.document = document;
  }

  /** Thrown while compiling a schema that uses something this class does not check. */
  public static final class Unsupported extends RuntimeException {
    Unsupported(String what) {
      super(what, null, false, false);
    }
  }

  /**
   * {@code schema}'s check, with its {@code $ref}s read from {@code document}'s components; empty when
   * the schema uses a keyword or a form this class does not compile.
   */
  public static Optional<Predicate<Object>> of(JsonObject schema, JsonObject document) {
    try {
      return Optional.of(new CompiledSchema(document).compile(schema));
    } catch (Unsupported unsupported) {
      return Optional.empty();
    }
  }

  private Predicate<Object> compile(JsonObject schema) {
    List<Predicate<Object>> checks = new ArrayList<>();
    for (String keyword : schema.fieldNames()) {
      if (!ANNOTATIONS.contains(keyword)) {
        checks.add(keyword(keyword, schema));
      }
    }
    Predicate<Object>[] all = checks.toArray(Predicate[]::new);
    return value -> {
      for (Predicate<Object> check : all) {
        if (!check.test(value)) {
          return false;
        }
      }
      return true;
    };
  }

  private Predicate<Object> keyword(String keyword, JsonObject schema) {
    Object argument = schema.getValue(keyword);
    return switch (keyword) {
      case "$ref" -> reference((String) argument);
      case "type" -> type(argument);
      case "properties" -> properties((JsonObject) argument);
      case "required" -> required((JsonArray) argument);
      case "additionalProperties" -> additionalProperties(argument, schema.getJsonObject("properties", new JsonObject()));
      case "minLength" -> stringLength(integer(argument), Integer.MAX_VALUE);
      case "maxLength" -> stringLength(0, integer(argument));
      case "pattern" -> pattern(Pattern.compile((String) argument));
      case "minimum" -> whole(integer(argument), Long.MAX_VALUE);
      case "maximum" -> whole(Long.MIN_VALUE, integer(argument));
      case "enum" -> oneOfStrings((JsonArray) argument);
      case "const" -> oneOfStrings(new JsonArray().add(argument));
      case "items" -> items(compile((JsonObject) argument));
      case "anyOf" -> anyOf((JsonArray) argument);
      case "minItems" -> arraySize(integer(argument), Integer.MAX_VALUE);
      case "maxItems" -> arraySize(0, integer(argument));
      default -> throw new Unsupported("keyword " + keyword);
    };
  }

  private Predicate<Object> reference(String ref) {
    int local = ref.indexOf(LOCAL_SCHEMAS);
    if (local < 0) {
      throw new Unsupported("$ref " + ref);
    }
    String name = ref.substring(local + LOCAL_SCHEMAS.length());
    Predicate<Object> known = byReference.get(name);
    if (known != null) {
      return known;
    }
    JsonObject target = document.getJsonObject("components").getJsonObject("schemas").getJsonObject(name);
    if (target == null) {
      throw new Unsupported("$ref " + ref);
    }
    Predicate<Object>[] compiled = new Predicate[1];
    byReference.put(name, value -> compiled[0].test(value)); // a schema that refers to itself
    compiled[0] = compile(target);
    return compiled[0];
  }

  private static Predicate<Object> type(Object argument) {
    Set<String> allowed = new HashSet<>();
    if (argument instanceof String one) {
      allowed.add(one);
    } else if (argument instanceof JsonArray several) {
      several.forEach(type -> allowed.add((String) type));
    } else {
      throw new Unsupported("type " + argument);
    }
    return value -> {
      String type = typeOf(value);
      return allowed.contains(type) || type.equals("integer") && allowed.contains("number");
    };
  }

  /** The JSON type of a parsed value; "uncertain" for numbers other than plain integers. */
  private static String typeOf(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof Boolean) {
      return "boolean";
    }
    if (value instanceof Integer || value instanceof Long) {
      return "integer";
    }
    if (value instanceof JsonObject) {
      return "object";
    }
    if (value instanceof JsonArray) {
      return "array";
    }
    return "uncertain";
  }

  private Predicate<Object> properties(JsonObject declared) {
    Map<String, Predicate<Object>> checks = new HashMap<>();
    declared.forEach(property -> checks.put(property.getKey(), compile((JsonObject) property.getValue())));
    return value -> {
      if (!(value instanceof JsonObject object)) {
        return true;
      }
      for (Map.Entry<String, Predicate<Object>> check : checks.entrySet()) {
        if (object.containsKey(check.getKey()) && !check.getValue().test(object.getValue(check.getKey()))) {
          return false;
        }
      }
      return true;
    };
  }

  private static Predicate<Object> required(JsonArray names) {
    List<String> required = names.stream().map(String.class::cast).toList();
    return value -> !(value instanceof JsonObject object) || required.stream().allMatch(object::containsKey);
  }

  private Predicate<Object> additionalProperties(Object argument, JsonObject declared) {
    Set<String> known = declared.fieldNames();
    if (Boolean.TRUE.equals(argument)) {
      return value -> true;
    }
    Predicate<Object> others = Boolean.FALSE.equals(argument) ? extra -> false : compile((JsonObject) argument);
    return value -> {
      if (!(value instanceof JsonObject object)) {
        return true;
      }
      for (String name : object.fieldNames()) {
        if (!known.contains(name) && !others.test(object.getValue(name))) {
          return false;
        }
      }
      return true;
    };
  }

  /** Lengths count code points; a string with surrogate pairs is left to the validator. */
  private static Predicate<Object> stringLength(long min, long max) {
    return value -> !(value instanceof String text)
      || text.length() == text.codePointCount(0, text.length()) && text.length() >= min && text.length() <= max;
  }

  private static Predicate<Object> pattern(Pattern pattern) {
    return value -> !(value instanceof String text) || pattern.matcher(text).find();
  }

  /** Bounds on a number: exact for plain integers; any other number is left to the validator. */
  private static Predicate<Object> whole(long min, long max) {
    return value -> {
      if (value instanceof Integer || value instanceof Long) {
        long number = ((Number) value).longValue();
        return number >= min && number <= max;
      }
      return !typeOf(value).equals("uncertain");
    };
  }

  private static Predicate<Object> oneOfStrings(JsonArray values) {
    Set<String> allowed = new HashSet<>();
    for (Object value : values) {
      if (!(value instanceof String text)) {
        throw new Unsupported("enum of " + value);
      }
      allowed.add(text);
    }
    return value -> value instanceof String text && allowed.contains(text);
  }

  /** Certainly valid when one of the schemas certainly holds; when none is sure, the validator decides. */
  private Predicate<Object> anyOf(JsonArray schemas) {
    List<Predicate<Object>> branches = new ArrayList<>();
    for (Object schema : schemas) {
      if (!(schema instanceof JsonObject branch)) {
        throw new Unsupported("anyOf of " + schema);
      }
      branches.add(compile(branch));
    }
    return value -> {
      for (Predicate<Object> branch : branches) {
        if (branch.test(value)) {
          return true;
        }
      }
      return false;
    };
  }

  private static Predicate<Object> items(Predicate<Object> each) {
    return value -> {
      if (!(value instanceof JsonArray array)) {
        return true;
      }
      for (Object item : array) {
        if (!each.test(item)) {
          return false;
        }
      }
      return true;
    };
  }

  private static Predicate<Object> arraySize(long min, long max) {
    return value -> !(value instanceof JsonArray array) || array.size() >= min && array.size() <= max;
  }

  private static long integer(Object argument) {
    if (argument instanceof Integer || argument instanceof Long) {
      return ((Number) argument).longValue();
    }
    throw new Unsupported("bound " + argument);
  }
}
