package dev.wallet.edge;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.Location;
import io.vertx.openapi.contract.MediaType;
import io.vertx.openapi.contract.OpenAPIContract;
import io.vertx.openapi.contract.Operation;
import io.vertx.openapi.contract.Parameter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.Yaml;

/**
 * The OpenAPI document (classpath openapi.yaml) as the validator of requests: each operation's
 * JSON body schema and query parameter schemas, compiled once, check every request of that
 * operation on the event loop (small, bounded documents: cheaper than a hop to a worker). Bodies
 * are parsed by {@link StrictJson} first, so duplicate members, comments and deep nesting never
 * reach the schema. A request the document does not describe gets 400 invalid_request (415 for a
 * body that is not JSON) and changes nothing.
 */
final class ApiSchema {

  static final String DOCUMENT = "openapi.yaml";
  private static final String JSON = "application/json";
  private static final String BODY = "wallet.body";
  private static final String QUERY = "wallet.query";

  private final OpenAPIContract contract;
  private final StrictJson json;

  private ApiSchema(OpenAPIContract contract, StrictJson json) {
    this.contract = contract;
    this.json = json;
  }

  /** The document as served (its text) and as the validator holds it (resolved, schemas compiled on use). */
  record Document(Buffer text, OpenAPIContract contract) {
  }

  /**
   * Reads and resolves the document once per process; every verticle shares the result. The
   * served text is the document as written; the validator's copy differs in one respect only:
   * vertx-openapi refuses to load a response media type it cannot validate
   * (application/problem+json, application/yaml), so in its copy responses declare their JSON
   * bodies as application/json and the YAML one as text/plain. Responses are not validated at run
   * time; requests are, against exactly the schemas written here.
   */
  static Future<Document> load(Vertx vertx) {
    return vertx.fileSystem().readFile(DOCUMENT).compose(text -> OpenAPIContract.from(vertx, forValidator(text))
      .map(contract -> new Document(text, contract)));
  }

  private static JsonObject forValidator(Buffer text) {
    Map<String, Object> parsed = new Yaml().load(text.toString(StandardCharsets.UTF_8));
    JsonObject document = new JsonObject(parsed);
    JsonObject paths = document.getJsonObject("paths");
    paths.fieldNames().forEach(path -> paths.getJsonObject(path).forEach(operation -> {
      if (operation.getValue() instanceof JsonObject definition) {
        renameResponseMediaTypes(definition.getJsonObject("responses"));
      }
    }));
    renameResponseMediaTypes(document.getJsonObject("components").getJsonObject("responses"));
    return document;
  }

  private static void renameResponseMediaTypes(JsonObject responses) {
    if (responses == null) {
      return;
    }
    responses.forEach(response -> {
      if (response.getValue() instanceof JsonObject definition && definition.getValue("content") instanceof
        JsonObject content) {
        rename(content, "application/problem+json", JSON);
        rename(content, "application/yaml", "text/plain");
      }
    });
  }

  private static void rename(JsonObject content, String from, String to) {
    Object media = content.remove(from);
    if (media != null) {
      content.put(to, media);
    }
  }

  static ApiSchema of(OpenAPIContract contract, int maxJsonDepth) {
    return new ApiSchema(contract, new StrictJson(maxJsonDepth));
  }

  /** Guard for one operation: a JSON body and query parameters as the document describes them. */
  Handler<RoutingContext> validate(String operationId) {
    Operation operation = contract.operation(operationId);
    if (operation == null) {
      throw new IllegalArgumentException("the OpenAPI document has no operation " + operationId);
    }
    Optional<Validator> body = bodyValidator(operation);
    Map<String, QueryParameter> query = queryParameters(operation);
    return ctx -> {
      ctx.put(QUERY, validQuery(ctx, query));
      body.ifPresent(validator -> ctx.put(BODY, validBody(ctx, validator)));
      ctx.next();
    };
  }

  /** The body the guard validated. */
  static JsonObject body(RoutingContext ctx) {
    JsonObject body = ctx.get(BODY);
    if (body == null) {
      throw new IllegalStateException("route " + ctx.normalizedPath() + " is not behind a body validation");
    }
    return body;
  }

  /** A query parameter the guard validated, converted to the type the document gives it. */
  static Optional<Object> query(RoutingContext ctx, String name) {
    Map<String, Object> query = ctx.get(QUERY);
    return Optional.ofNullable(query == null ? null : query.get(name));
  }

  private Optional<Validator> bodyValidator(Operation operation) {
    if (operation.getRequestBody() == null) {
      return Optional.empty();
    }
    MediaType media = operation.getRequestBody().getContent().get(JSON);
    return Optional.of(repository().validator(media.getSchema()));
  }

  private JsonObject validBody(RoutingContext ctx, Validator validator) {
    requireJsonContentType(ctx);
    Buffer raw = ctx.body().buffer();
    if (raw == null || raw.length() == 0) {
      throw ProblemException.invalid("a JSON body is required");
    }
    JsonObject parsed = json.object(raw.getBytes());
    requireValid(validator.validate(parsed), "body");
    return parsed;
  }

  private static void requireJsonContentType(RoutingContext ctx) {
    String type = ctx.request().getHeader("Content-Type");
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim();
    if (!JSON.equalsIgnoreCase(mediaType)) {
      throw new ProblemException(Problem.of(ProblemCode.UNSUPPORTED_MEDIA_TYPE,
        "send the body as Content-Type: application/json"));
    }
  }

  private record QueryParameter(Parameter parameter, Validator validator) {
  }

  private Map<String, QueryParameter> queryParameters(Operation operation) {
    Map<String, QueryParameter> query = new HashMap<>();
    for (Parameter parameter : operation.getParameters()) {
      if (parameter.getIn() == Location.QUERY) {
        query.put(parameter.getName(), new QueryParameter(parameter, repository().validator(parameter.getSchema())));
      }
    }
    return query;
  }

  private static Map<String, Object> validQuery(RoutingContext ctx, Map<String, QueryParameter> declared) {
    Set<String> unknown = ctx.queryParams().names().stream().filter(name -> !declared.containsKey(name))
      .collect(Collectors.toCollection(java.util.TreeSet::new));
    if (!unknown.isEmpty()) {
      throw ProblemException.invalid("unknown query parameters " + unknown);
    }
    Map<String, Object> values = new HashMap<>();
    declared.forEach((name, declaration) -> singleValue(ctx, name).ifPresent(text -> {
      Object value = typed(declaration.parameter(), text);
      requireValid(declaration.validator().validate(value), name);
      values.put(name, value);
    }));
    declared.forEach((name, declaration) -> {
      if (declaration.parameter().isRequired() && !values.containsKey(name)) {
        throw ProblemException.invalid("the query parameter " + name + " is required");
      }
    });
    return values;
  }

  private static Optional<String> singleValue(RoutingContext ctx, String name) {
    List<String> values = ctx.queryParam(name);
    if (values.size() > 1) {
      throw ProblemException.invalid("give " + name + " at most once");
    }
    return values.stream().findFirst();
  }

  /** Query values are text; the schema's type says what they must read as. */
  private static Object typed(Parameter parameter, String text) {
    if (!"integer".equals(parameter.getSchema().get("type"))) {
      return text;
    }
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException notANumber) {
      throw ProblemException.invalid(parameter.getName() + " must be an integer");
    }
  }

  private static void requireValid(OutputUnit result, String what) {
    if (Boolean.TRUE.equals(result.getValid())) {
      return;
    }
    throw ProblemException.invalid(describe(result, what));
  }

  /**
   * The most precise error, e.g. "body/amount: Instance type number is invalid. Expected integer":
   * the one deepest in the instance, so that an error inside a batch item names the item
   * ("body/items/3/amount") rather than the array holding it.
   */
  private static String describe(OutputUnit result, String what) {
    OutputUnit deepest = deepestError(result);
    String location = deepest.getInstanceLocation() == null ? "" : deepest.getInstanceLocation().replaceFirst("^#", "");
    String error = deepest.getError() == null ? "does not match the API's schema" : deepest.getError();
    return what + location + ": " + error;
  }

  private static OutputUnit deepestError(OutputUnit unit) {
    if (unit.getErrors() == null || unit.getErrors().isEmpty()) {
      return unit;
    }
    OutputUnit deepest = null;
    for (OutputUnit child : unit.getErrors()) {
      OutputUnit candidate = deepestError(child);
      if (deepest == null || depth(candidate) >= depth(deepest)) {
        deepest = candidate;
      }
    }
    return deepest;
  }

  private static int depth(OutputUnit unit) {
    return unit.getInstanceLocation() == null ? 0 : unit.getInstanceLocation().length();
  }

  private SchemaRepository repository() {
    return contract.getSchemaRepository();
  }
}
