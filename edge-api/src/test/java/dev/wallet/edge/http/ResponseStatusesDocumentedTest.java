package dev.wallet.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * A client generated from the OpenAPI document handles the statuses each operation lists; a status
 * the edge answers that its operation lacks reaches such a client as an unexpected error. Until
 * 2026-12-07 the statuses the edge answers on (nearly) every route were missing from most
 * operations: 401 from every authenticated one, 413 and 415 from all but three with a body, 429 from
 * the reads, 307 wrong_region from every one. Which operation answers which is derived here from the
 * document itself (its security, request bodies, parameters, tags) and from where the edge's route
 * table puts its guards (EdgeVerticle), each fact named where it is used.
 */
class ResponseStatusesDocumentedTest {

  /**
   * The ids in paths that {@link PathIds} parses through {@link HomeRegion#requireHere} (a wallet, a
   * transfer, a payment, an authorization's hold): another region's is answered 307 wrong_region.
   */
  private static final Set<String> PATH_IDS_OF_A_REGION = Set.of("walletId", "transferId", "paymentId",
    "authorizationId");
  /**
   * The body members naming the wallet money leaves from, which the money routes' request steps pass
   * to {@link HomeRegion#requireHere} (TransferHandlers, PaymentHandlers and AuthorizationHandlers:
   * fromWalletId; GatewayMovementHandlers: walletId). A batch's items name theirs, and each item is
   * answered wrong_region inside the batch's answer, not the batch (BatchHandlers.fromHere).
   */
  private static final Set<String> SOURCE_MEMBERS = Set.of("fromWalletId", "walletId");
  /** The tags of the operations that move money: each POST of them passes the money gate ({@link MoneyGate}). */
  private static final Set<String> MONEY_TAGS = Set.of("money", "gateway");

  private static final String WRONG_REGION = status(ProblemCode.WRONG_REGION);
  private static final String INVALID = status(ProblemCode.INVALID_REQUEST);
  private static final String UNAUTHORIZED = status(ProblemCode.UNAUTHORIZED);
  private static final String FORBIDDEN = status(ProblemCode.FORBIDDEN);
  private static final String TOO_LARGE = status(ProblemCode.PAYLOAD_TOO_LARGE);
  private static final String MEDIA_TYPE = status(ProblemCode.UNSUPPORTED_MEDIA_TYPE);
  private static final String RATE_LIMITED = status(ProblemCode.RATE_LIMITED);
  private static final String UNAVAILABLE = status(ProblemCode.UNAVAILABLE);

  private static final Map<String, Object> DOCUMENT = load();

  @Test
  @DisplayName("every operation behind a bearer token lists 401 and 429; no operation without one lists 429")
  void tokensAndTheRateLimit() {
    // EdgeVerticle: /v1/* and /admin/* authenticate, then rate-limit; the events socket does the same
    // itself; the webhooks, health, metrics and the document have neither
    for (Operation operation : operations()) {
      if (operation.needsToken()) {
        assertThat(operation.statuses()).as(operation.name()).contains(UNAUTHORIZED, RATE_LIMITED);
      } else {
        assertThat(operation.statuses()).as(operation.name()).doesNotContain(RATE_LIMITED);
      }
    }
  }

  @Test
  @DisplayName("every operation with a request body lists 413 and 415, and only those")
  void bodies() {
    // each route with a body reads it through a size-capped BodyHandler (413) and checks its media
    // type against the document's (ApiSchema.requireContentType, 415); a route without one reads none
    for (Operation operation : operations()) {
      if (operation.hasBody()) {
        assertThat(operation.statuses()).as(operation.name()).contains(TOO_LARGE, MEDIA_TYPE);
      } else {
        assertThat(operation.statuses()).as(operation.name()).doesNotContain(TOO_LARGE, MEDIA_TYPE);
      }
    }
  }

  @Test
  @DisplayName("an operation lists 400 exactly when it has a body, query or required header parameters, or is an admin one")
  void invalidRequests() {
    // a body, a query parameter or a required header (Idempotency-Key) can be malformed; every /admin
    // operation is validated (ApiSchema.validate), which refuses query parameters it does not declare
    for (Operation operation : operations()) {
      boolean malformable = operation.hasBody() || operation.hasQueryOrRequiredHeader()
        || operation.path().startsWith("/admin/");
      assertThat(operation.statuses().contains(INVALID)).as(operation.name() + " lists 400").isEqualTo(malformable);
    }
  }

  @Test
  @DisplayName("every admin operation lists 403: the role guard of /admin/* refuses users")
  void adminRoles() {
    operations().stream().filter(operation -> operation.path().startsWith("/admin/"))
      .forEach(operation -> assertThat(operation.statuses()).as(operation.name()).contains(FORBIDDEN));
  }

  @Test
  @DisplayName("an operation lists 307 wrong_region exactly when its path or the wallet its money leaves names a region")
  void wrongRegion() {
    for (Operation operation : operations()) {
      boolean aboutARegionsId = operation.pathIds().stream().anyMatch(PATH_IDS_OF_A_REGION::contains)
        || operation.requiredBodyMembers().stream().anyMatch(SOURCE_MEMBERS::contains);
      assertThat(operation.statuses().contains(WRONG_REGION)).as(operation.name() + " lists 307")
        .isEqualTo(aboutARegionsId);
    }
  }

  @Test
  @DisplayName("every POST that moves money lists 503: the money gate refuses while a halt is in force")
  void moneyGate() {
    operations().stream().filter(Operation::movesMoney)
      .forEach(operation -> assertThat(operation.statuses()).as(operation.name()).contains(UNAVAILABLE));
    assertThat(operations().stream().filter(Operation::movesMoney)).hasSizeGreaterThan(5);
  }

  @Test
  @DisplayName("wherever 307, 401, 429 or 503 is listed, its response describes the headers the edge sends with it")
  void headersOfTheProblems() {
    List<Problem> problems = List.of(Problem.wrongRegion("b", "https://b.example/v1/transfers"),
      Problem.unauthorized("no token"), Problem.rateLimited(3), Problem.unavailable("away"), Problem.halted());
    for (Problem problem : problems) {
      Set<String> sent = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
      sent.addAll(problem.reply().headers().keySet());
      assertThat(sent).as(problem.code().wire()).isNotEmpty();
      for (Operation operation : operations()) {
        Map<String, Object> response = operation.response(status(problem.code()));
        if (response != null) {
          assertThat(headersOf(response)).as(operation.name() + " " + problem.code().wire()).containsAll(sent);
        }
      }
    }
  }

  @Test
  @DisplayName("a 307 response requires its Location header")
  void locationIsRequired() {
    operations().stream().map(operation -> operation.response(WRONG_REGION)).filter(response -> response != null)
      .forEach(response -> assertThat(map(map(response.get("headers")).get("Location")).get("required"))
        .isEqualTo(true));
  }

  private static String status(ProblemCode code) {
    return String.valueOf(code.status());
  }

  private static Set<String> headersOf(Map<String, Object> response) {
    Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    Object headers = response.get("headers");
    if (headers != null) {
      names.addAll(map(headers).keySet());
    }
    return names;
  }

  /** One operation of the document: its method, its path and what the document says of it. */
  private record Operation(String method, String path, Map<String, Object> definition) {

    String name() {
      return method.toUpperCase() + " " + path + " (" + definition.get("operationId") + ")";
    }

    Set<String> statuses() {
      return new TreeSet<>(map(definition.get("responses")).keySet().stream().map(String::valueOf).toList());
    }

    /** The response of {@code status}, its $ref followed; null when the operation lists none. */
    Map<String, Object> response(String status) {
      Object response = map(definition.get("responses")).get(status);
      return response == null ? null : resolved(map(response));
    }

    /** The operation's own security, else the document's; a token is needed unless one requirement is empty. */
    boolean needsToken() {
      Object security = definition.containsKey("security") ? definition.get("security") : DOCUMENT.get("security");
      List<?> requirements = security == null ? List.of() : (List<?>) security;
      return !requirements.isEmpty() && requirements.stream().noneMatch(requirement -> map(requirement).isEmpty());
    }

    boolean hasBody() {
      return definition.get("requestBody") != null;
    }

    boolean movesMoney() {
      Object tags = definition.get("tags");
      return method.equals("post") && tags != null && ((Collection<?>) tags).stream().anyMatch(MONEY_TAGS::contains);
    }

    boolean hasQueryOrRequiredHeader() {
      return parameters().stream().anyMatch(parameter -> "query".equals(parameter.get("in"))
        || "header".equals(parameter.get("in")) && Boolean.TRUE.equals(parameter.get("required")));
    }

    List<String> pathIds() {
      List<String> ids = new ArrayList<>();
      Matcher matcher = Pattern.compile("\\{([^}]+)}").matcher(path);
      while (matcher.find()) {
        ids.add(matcher.group(1));
      }
      return ids;
    }

    /** The members the JSON body's schema requires; none without a JSON body. */
    List<String> requiredBodyMembers() {
      if (!hasBody()) {
        return List.of();
      }
      Object json = map(resolved(map(definition.get("requestBody"))).get("content")).get("application/json");
      if (json == null) {
        return List.of();
      }
      Object required = resolved(map(map(json).get("schema"))).get("required");
      return required == null ? List.of() : ((List<?>) required).stream().map(String::valueOf).toList();
    }

    private List<Map<String, Object>> parameters() {
      Object own = definition.get("parameters");
      Object ofPath = map(map(DOCUMENT.get("paths")).get(path)).get("parameters");
      return Stream.of(own, ofPath).filter(list -> list != null).flatMap(list -> ((List<?>) list).stream())
        .map(parameter -> resolved(map(parameter))).toList();
    }
  }

  private static List<Operation> operations() {
    List<Operation> operations = new ArrayList<>();
    map(DOCUMENT.get("paths")).forEach((path, item) -> map(item).forEach((method, definition) -> {
      if (Set.of("get", "put", "post", "delete", "patch").contains(method)) {
        operations.add(new Operation(method, path, map(definition)));
      }
    }));
    assertThat(operations).isNotEmpty();
    return operations;
  }

  /** {@code node}, or what its local $ref ('#/components/...') points at. */
  private static Map<String, Object> resolved(Map<String, Object> node) {
    Object ref = node.get("$ref");
    if (ref == null) {
      return node;
    }
    Map<String, Object> target = DOCUMENT;
    for (String step : String.valueOf(ref).replaceFirst("^#/", "").split("/")) {
      target = map(target.get(step));
    }
    return resolved(target);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object node) {
    assertThat(node).isInstanceOf(Map.class);
    return (Map<String, Object>) node;
  }

  private static Map<String, Object> load() {
    try (InputStream document = ResponseStatusesDocumentedTest.class.getResourceAsStream("/openapi.yaml")) {
      return new Yaml().load(document);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
