package dev.wallet.balancecache.impl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** A script from resources/lua, with the shared library in front, and the SHA1 Redis caches it under. */
record LuaScript(String name, String body, String sha1) {

  static LuaScript load(String name) {
    String body = resource("lib") + "\n" + resource(name);
    return new LuaScript(name, body, sha1(body));
  }

  /** A script that needs nothing of the shared library: sent as it is, when sent with its body. */
  static LuaScript alone(String name) {
    String body = resource(name);
    return new LuaScript(name, body, sha1(body));
  }

  /**
   * saga_local: the saga's three scripts, each as a local function of its keys and arguments, in front
   * of saga_local.lua, which runs them in turn. Its shebang asks for the flag that lets it reach the
   * keys of other slots on its node.
   */
  static LuaScript sagaInOneScript() {
    StringBuilder body = new StringBuilder("#!lua flags=allow-cross-slot-keys\n").append(resource("lib")).append('\n');
    for (String step : List.of("saga_debit", "saga_credit", "saga_finish")) {
      body.append("local function ").append(step).append("(KEYS, ARGV)\n").append(resource(step)).append("\nend\n");
    }
    body.append(resource("saga_local"));
    return new LuaScript("saga_local", body.toString(), sha1(body.toString()));
  }

  private static String resource(String name) {
    String path = "/lua/" + name + ".lua";
    try (InputStream in = LuaScript.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing script " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String body) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
