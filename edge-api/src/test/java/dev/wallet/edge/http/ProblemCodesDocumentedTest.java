package dev.wallet.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * A client generated from the OpenAPI document reads a problem's code as one of an enum: a code the
 * edge answers that the document lacks fails such a client (until 2026-12-07 three of the
 * authorizations' codes were missing).
 */
class ProblemCodesDocumentedTest {

  @Test
  @DisplayName("every problem code the edge answers is one the OpenAPI document lists, and it lists no other")
  void everyCodeIsDocumented() throws IOException {
    List<String> documented = problemCodesOfTheDocument();

    assertThat(documented).containsExactlyInAnyOrderElementsOf(
      Arrays.stream(ProblemCode.values()).map(ProblemCode::wire).toList());
  }

  @SuppressWarnings("unchecked")
  private static List<String> problemCodesOfTheDocument() throws IOException {
    try (InputStream document = ProblemCodesDocumentedTest.class.getResourceAsStream("/openapi.yaml")) {
      Map<String, Object> root = new Yaml().load(document);
      Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) root.get("components")).get("schemas");
      Map<String, Object> problem = (Map<String, Object>) ((Map<String, Object>) schemas.get("Problem")).get("properties");
      return (List<String>) ((Map<String, Object>) problem.get("code")).get("enum");
    }
  }
}
