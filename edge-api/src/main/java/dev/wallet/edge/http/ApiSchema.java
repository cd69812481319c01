package dev.wallet.edge.http;

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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.Yaml;

/**
 * The OpenAPI document (classpath openapi.yaml) as the validator of requests: each operation's
 * body schema (JSON, or YAML text for the rules file) and query parameter schemas, compiled once,
 * check every request of that operation on the event loop (small, bounded documents: cheaper than
 * a hop to a worker). JSON bodies are parsed by {@link StrictJson} first, so duplicate members,
 * comments and deep nesting never reach the schema. A request the document does not describe gets
 * 400 invalid_request (415 for a body in another media type than the one declared) and changes
 * nothing. Public and admin routes go through the same guard.
 */
public final class ApiSchema {

  static final String DOCUMENT = "openapi.yaml";
  private static final String JSON = "application/json";
  private static final String YAML = "application/yaml";
  private static final String TEXT = "text/plain";
  /**
   * vertx-openapi refuses to load media types it cannot validate; in the validator's copy they
   * become the supported type that holds the same schema (YAML and CSV are text to it).
   */
  private static final Map<String, String> MEDIA_FOR_VALIDATOR = Map.of("application/problem+json", JSON,
    YAML, TEXT, "text/csv", TEXT);
  private static final String BODY = "wallet.body";
  private static final String QUERY = "wallet.query";

  private final OpenAPIContract contract;
  private final StrictJson json;

  private ApiSchema(OpenAPIContract contract, StrictJson json) {
    this.contract = contract;
    this.json = json;
  }

  /** The document as served (its text) and as the validator holds it (resolved, schemas compiled on use). */
  public record Document(Buffer text, OpenAPIContract contract) {
  }

  /**
   * Reads and resolves the document once per process; every verticle shares the result. The
   * served text is the document as written; the validator's copy differs in one respect only:
   * vertx-openapi refuses to load a response media type it cannot validate
   * (application/problem+json, application/yaml), so in its copy responses declare their JSON
   * bodies as application/json and the YAML one as text/plain. Responses are not validated at run
   * time; requests are, against exactly the schemas written here. The one text request body (the
   * rules file, application/yaml) is text/plain in the validator's copy for the same reason.
   */
  public static Future<Document> load(Vertx vertx) {
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
        renameMediaTypes(definition.getJsonObject("requestBody"));
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
      if (response.getValue() instanceof JsonObject definition) {
        renameMediaTypes(definition);
      }
    });
  }

  private static void renameMediaTypes(JsonObject withContent) {
    if (withContent != null && withContent.getValue("content") instanceof JsonObject content) {
      MEDIA_FOR_VALIDATOR.forEach((from, to) -> {
        Object media = content.remove(from);
        if (media != null) {
          content.put(to, media);
        }
      });
    }
  }

  public static ApiSchema of(OpenAPIContract contract, int maxJsonDepth) {
    return new ApiSchema(contract, new StrictJson(maxJsonDepth));
  }

  /** Guard for one operation: a body and query parameters as the document describes them. */
  public Handler<RoutingContext> validate(String operationId) {
    return validate(operationId, parsed -> { });
  }

  /**
   * The same, {@code first} checking the parsed JSON body before the schema does: what the schema
   * would read every item of a large body to find (a batch's size).
   */
  public Handler<RoutingContext> validate(String operationId, Consumer<JsonObject> first) {
    Operation operation = contract.operation(operationId);
    if (operation == null) {
      throw new IllegalArgumentException("the OpenAPI document has no operation " + operationId);
    }
    Optional<Handler<RoutingContext>> body = bodyGuard(operation, first);
    Map<String, QueryParameter> query = queryParameters(operation);
    return ctx -> {
      ctx.put(QUERY, validQuery(ctx, query));
      body.ifPresent(guard -> guard.handle(ctx));
      ctx.next();
    };
  }

  /** The body the guard validated. */
  public static JsonObject body(RoutingContext ctx) {
    JsonObject body = ctx.get(BODY);
    if (body == null) {
      throw new IllegalStateException("route " + ctx.normalizedPath() + " is not behind a body validation");
    }
    return body;
  }

  /** A query parameter the guard validated, converted to the type the document gives it. */
  public static Optional<Object> query(RoutingContext ctx, String name) {
    Map<String, Object> query = ctx.get(QUERY);
    return Optional.ofNullable(query == null ? null : query.get(name));
  }

  /** A JSON body, parsed and kept for {@link #body}; or a YAML text body, checked as text and left to its handler. */
  private Optional<Handler<RoutingContext>> bodyGuard(Operation operation, Consumer<JsonObject> first) {
    if (operation.getRequestBody() == null) {
      return Optional.empty();
    }
    Map<String, MediaType> content = operation.getRequestBody().getContent();
    if (content.containsKey(JSON)) {
      Validator validator = repository().validator(content.get(JSON).getSchema());
      Predicate<Object> certainlyValid = CompiledSchema.of(jsonBodySchema(operation), contract.getRawContract())
        .orElse(body -> false);
      return Optional.of(ctx -> ctx.put(BODY, validBody(ctx, first, certainlyValid, validator)));
    }
    Validator validator = repository().validator(content.get(TEXT).getSchema());
    return Optional.of(ctx -> validText(ctx, validator));
  }

  /** The operation's JSON body schema as the document writes it. */
  JsonObject jsonBodySchema(Operation operation) {
    return contract.getRawContract().getJsonObject("paths").getJsonObject(operation.getOpenAPIPath())
      .getJsonObject(operation.getHttpMethod().name().toLowerCase(Locale.ROOT)).getJsonObject("requestBody")
      .getJsonObject("content").getJsonObject(JSON).getJsonObject("schema");
  }

  /** The compiled check passes most bodies; any other is the validator's to judge and to explain. */
  private JsonObject validBody(RoutingContext ctx, Consumer<JsonObject> first, Predicate<Object> certainlyValid,
                               Validator validator) {
    JsonObject parsed = json.object(requiredBody(ctx, JSON).getBytes());
    first.accept(parsed);
    if (!certainlyValid.test(parsed)) {
      requireValid(validator.validate(parsed), "body");
    }
    return parsed;
  }

  private static void validText(RoutingContext ctx, Validator validator) {
    requireValid(validator.validate(requiredBody(ctx, YAML).toString(StandardCharsets.UTF_8)), "body");
  }

  private static Buffer requiredBody(RoutingContext ctx, String mediaType) {
    requireContentType(ctx, mediaType);
    Buffer raw = ctx.body().buffer();
    if (raw == null || raw.length() == 0) {
      throw ProblemException.invalid("a body (" + mediaType + ") is required");
    }
    return raw;
  }

  private static void requireContentType(RoutingContext ctx, String expected) {
    String type = ctx.request().getHeader("Content-Type");
    String mediaType = type == null ? "" : type.split(";", 2)[0].trim();
    if (!expected.equalsIgnoreCase(mediaType)) {
      throw new ProblemException(Problem.of(ProblemCode.UNSUPPORTED_MEDIA_TYPE,
        "send the body as Content-Type: " + expected));
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
