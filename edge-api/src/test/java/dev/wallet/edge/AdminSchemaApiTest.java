package dev.wallet.edge;

import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.edge.http.ApiSchema;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.OutputUnit;
import io.vertx.junit5.VertxExtension;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;

/**
 * The admin routes are described by the served OpenAPI document and their requests validated by
 * it through the same guard as the public routes: a malformed request is answered 400
 * invalid_request (415 for a body in the wrong media type) before its handler runs.
 */
@ExtendWith(VertxExtension.class)
class AdminSchemaApiTest {

  private static final String PERIOD = "from=2026-01-01T00:00:00Z&to=2026-01-31T00:00:00Z";
  private static EdgeFixture edge;
  private static ApiCaller risk;
  private static OpenAPIContract contract;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx);
    risk = edge.as("risk-officer", "risk");
    contract = Await.result(ApiSchema.load(vertx)).contract();
  }

  @AfterAll
  static void stop() {
    edge.close();
  }

  @Test
  @DisplayName("every admin route of the edge is an operation of the served OpenAPI document")
  void everyAdminRouteIsDocumented() {
    String served = Await.result(edge.http.get("/openapi.yaml").send()).bodyAsString();
    Map<String, Map<String, Object>> paths = new Yaml().<Map<String, Map<String, Map<String, Object>>>>load(served)
      .get("paths");
    Map<String, List<String>> adminRoutes = Map.ofEntries(
      Map.entry("/admin/wallets/{walletId}", List.of("get")),
      Map.entry("/admin/wallets/{walletId}/status", List.of("post")),
      Map.entry("/admin/reconciliation", List.of("get")),
      Map.entry("/admin/reconciliation/halt", List.of("get")),
      Map.entry("/admin/reconciliation/halt/release", List.of("post")),
      Map.entry("/admin/limits", List.of("get", "put")),
      Map.entry("/admin/limits/audit", List.of("get")),
      Map.entry("/admin/kyc/{ownerId}", List.of("get", "put")),
      Map.entry("/admin/aml/flags", List.of("get")),
      Map.entry("/admin/reports/large-transactions", List.of("get")),
      Map.entry("/admin/reports/aml-flags", List.of("get")),
      Map.entry("/admin/regions/clearing", List.of("get")));
    adminRoutes.forEach((path, methods) -> assertThat(paths.get(path)).as(path).isNotNull()
      .containsKeys(methods.toArray(String[]::new)));
    assertThat(paths.keySet().stream().filter(path -> path.startsWith("/admin")))
      .containsExactlyInAnyOrderElementsOf(adminRoutes.keySet());
  }

  @Test
  @DisplayName("malformed query parameters of admin reads are refused by the document: unknown, out of range, not a number, missing, not an instant")
  void malformedQueries() {
    assertInvalid(risk.get("/admin/limits/audit?limit=0"), "limit");
    assertInvalid(risk.get("/admin/limits/audit?limit=501"), "limit");
    assertInvalid(risk.get("/admin/limits/audit?limit=many"), "limit");
    assertInvalid(risk.get("/admin/aml/flags?kind=velocity"), "kind");
    assertInvalid(risk.get("/admin/aml/flags?from=yesterday"), "from");
    assertInvalid(risk.get("/admin/aml/flags?limit=1&limit=2"), "limit");
    assertInvalid(risk.get("/admin/reports/large-transactions?from=2026-01-01T00:00:00Z"), "to");
    assertInvalid(risk.get("/admin/reports/aml-flags?" + PERIOD + "&format=xlsx"), "format");
    assertInvalid(risk.get("/admin/reconciliation?verbose=1"), "verbose");
    assertInvalid(risk.get("/admin/reconciliation/halt?x=1"), "x");
    assertInvalid(risk.get("/admin/limits?version=3"), "version");
    assertInvalid(risk.get("/admin/kyc/alice?tier=full"), "tier");
  }

  @Test
  @DisplayName("malformed admin bodies are refused by the document: unknown members, wrong types, empty, wrong media type")
  void malformedBodies() {
    assertInvalid(send(HttpMethod.PUT, "/admin/kyc/alice", "application/json",
      new JsonObject().put("tier", "full").put("note", "vip").encode()), "note");
    assertInvalid(send(HttpMethod.PUT, "/admin/kyc/alice", "application/json",
      new JsonObject().put("tier", 3).encode()), "tier");
    assertInvalid(send(HttpMethod.PUT, "/admin/kyc/alice", "application/json",
      new JsonObject().put("country", "DE").encode()), "tier");
    assertProblem(send(HttpMethod.PUT, "/admin/kyc/alice", "text/plain", "{\"tier\":\"full\"}"), 415,
      "unsupported_media_type");
    assertInvalid(send(HttpMethod.PUT, "/admin/limits", "application/yaml", ""), "body");
    assertProblem(send(HttpMethod.PUT, "/admin/limits", "application/json", "{\"tiers\":{}}"), 415,
      "unsupported_media_type");
    assertInvalid(send(HttpMethod.POST, "/admin/reconciliation/halt/release", "application/json",
      new JsonObject().put("reason", "checked").put("force", true).encode()), "force");
  }

  @Test
  @DisplayName("well-formed admin requests pass the guard and reach their handlers")
  void wellFormedRequestsReachTheirHandlers() {
    assertThat(risk.get("/admin/limits/audit?limit=5").statusCode()).isEqualTo(200);
    assertThat(risk.get("/admin/aml/flags?limit=10&from=2026-01-01T00:00:00Z").bodyAsJsonObject()
      .containsKey("flags")).isTrue();
    HttpResponse<Buffer> report = risk.get("/admin/reports/aml-flags?" + PERIOD);
    assertThat(report.statusCode()).as(report.bodyAsString()).isEqualTo(200);
    assertThat(report.getHeader("Content-Type")).startsWith("text/csv");
    assertThat(risk.get("/admin/reconciliation/halt").bodyAsJsonObject().containsKey("halted")).isTrue();
    assertThat(risk.get("/admin/kyc/alice").bodyAsJsonObject().getString("ownerId")).isEqualTo("alice");
  }

  @Test
  @DisplayName("the admin routes' answers have the shapes the document gives them")
  void answersMatchTheDocument() {
    String owner = "schema-" + UUID.randomUUID();
    HttpResponse<Buffer> rules = risk.get("/admin/limits");
    assertMatchesDocument("adminGetLimits", rules);
    HttpResponse<Buffer> set = send(HttpMethod.PUT, "/admin/kyc/" + owner, "application/json",
      new JsonObject().put("tier", rules.bodyAsJsonObject().getString("defaultTier")).put("country", "DE").encode());
    assertMatchesDocument("adminSetKyc", set);
    assertMatchesDocument("adminGetKyc", risk.get("/admin/kyc/" + owner));
    assertMatchesDocument("adminLimitsAudit", risk.get("/admin/limits/audit?limit=20"));
    assertMatchesDocument("adminAmlFlags", risk.get("/admin/aml/flags?limit=20"));
    assertMatchesDocument("adminGetHalt", risk.get("/admin/reconciliation/halt"));
    assertThat(set.bodyAsJsonObject().getString("updatedBy")).isEqualTo("risk-officer");
  }

  @Test
  @DisplayName("the role guard comes first: a user's malformed admin request is 403, not a description of the schema")
  void rolesBeforeSchema() {
    assertProblem(edge.newUser().get("/admin/limits/audit?limit=0"), 403, "forbidden");
  }

  /** A 200 whose JSON body the operation's 200 response schema accepts. */
  private static void assertMatchesDocument(String operationId, HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(operationId + ": " + response.bodyAsString()).isEqualTo(200);
    JsonSchema schema = contract.operation(operationId).getResponse(200).getContent().get("application/json")
      .getSchema();
    OutputUnit result = contract.getSchemaRepository().validator(schema).validate(response.bodyAsJsonObject());
    assertThat(result.getValid()).as(operationId + ": " + result.getErrors() + " in " + response.bodyAsString())
      .isTrue();
  }

  private static void assertInvalid(HttpResponse<Buffer> response, String naming) {
    assertProblem(response, 400, "invalid_request");
    assertThat(response.bodyAsJsonObject().getString("detail")).contains(naming);
  }

  private static HttpResponse<Buffer> send(HttpMethod method, String path, String contentType, String body) {
    return Await.result(edge.http.request(method, path).putHeader("Authorization", "Bearer " + risk.token())
      .putHeader("Content-Type", contentType).sendBuffer(Buffer.buffer(body)));
  }
}
