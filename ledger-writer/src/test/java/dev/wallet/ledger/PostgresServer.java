package dev.wallet.ledger;

import dev.wallet.balancecache.testing.TestEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** This worktree's own PostgreSQL (scripts/infra-up.sh), stopped and started with pg_ctl as its account. */
final class PostgresServer {

  private PostgresServer() {
  }

  static void stop() {
    pgCtl("stop", "-m", "fast", "-w", "-t", "60");
  }

  static void start() {
    Path dir = dataDir();
    pgCtl("start", "-w", "-t", "60", "-l", dir.resolve("server.log").toString());
  }

  static boolean running() {
    return run(command("status")) == 0;
  }

  private static void pgCtl(String... args) {
    int code = run(command(args));
    if (code != 0) {
      throw new IllegalStateException("pg_ctl " + String.join(" ", args) + " exited with " + code);
    }
  }

  private static List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      command.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    command.add(bin().resolve("pg_ctl").toString());
    command.addAll(List.of("-D", dataDir().toString()));
    command.addAll(List.of(args));
    return command;
  }

  private static int run(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(
        ProcessBuilder.Redirect.DISCARD).start();
      if (!process.waitFor(90, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not finish in 90 s");
      }
      return process.exitValue();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Resolved: where the postgres account cannot reach the project (a clone under /root), infra-up.sh
   * keeps the data in /var/lib and links it from here, and pg_ctl, run as postgres, cannot follow a
   * link through a folder it may not enter.
   */
  private static Path dataDir() {
    try {
      return TestEnvironment.dataDir().resolve("pg").toRealPath();
    } catch (IOException e) {
      throw new IllegalStateException("no PostgreSQL data folder at " + TestEnvironment.dataDir().resolve("pg"), e);
    }
  }

  /** The newest installed server, as scripts/infra-up.sh picks it. */
  private static Path bin() {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
        .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString())))
        .orElseThrow(() -> new IllegalStateException("no PostgreSQL server under /usr/lib/postgresql"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
