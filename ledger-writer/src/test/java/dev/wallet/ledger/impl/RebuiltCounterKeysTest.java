package dev.wallet.ledger.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which limit counters a rebuilt record names, from what its first posting says it counted. */
class RebuiltCounterKeysTest {

  private static final String COUNTED = new JsonObject().put("amt", "500").put("cnt", 1)
    .put("keys", new JsonArray().add(new JsonArray().add("{s0007}:lim:o1:p2p/USD:d").add("1764806400000"))
      .add(new JsonArray().add("{s0007}:lim:o1:out:v:12:01").add("1764777720000")))
    .encode();

  @Test
  @DisplayName("the keys of what the posting counted, in order")
  void fromWhatWasCounted() {
    JsonObject movement = new JsonObject().put("kind", "transfer").put("counted", COUNTED);

    assertThat(new JsonArray(HotTierRebuild.counterKeys(movement)).getList())
      .containsExactly("{s0007}:lim:o1:p2p/USD:d", "{s0007}:lim:o1:out:v:12:01");
  }

  @Test
  @DisplayName("a posting written before its counted named them carries the list itself, read as it is")
  void fromAnOlderPosting() {
    String written = "[\"{s0007}:lim:o1:p2p\\/USD:d\"]";
    JsonObject movement = new JsonObject().put("lim", written).put("counted", COUNTED);

    assertThat(HotTierRebuild.counterKeys(movement)).isEqualTo(written);
  }

  @Test
  @DisplayName("nothing counted names no counter")
  void nothingCounted() {
    assertThat(HotTierRebuild.counterKeys(new JsonObject().put("kind", "transfer"))).isEqualTo("[]");
  }
}
