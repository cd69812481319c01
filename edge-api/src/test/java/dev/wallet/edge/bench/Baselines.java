package dev.wallet.edge.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the wallet is compared with, measured in the same run on the same machine: Redis running
 * the wallet's own transfer script as fast as {@code redis-benchmark} can drive it (one process per
 * master, all at once), and PostgreSQL running a bank transfer ({@code pgbench}'s TPC-B).
 */
final class Baselines {

  /** A baseline's rate and median latency. */
  record Rate(double perSecond, double p50Ms) {
  }

  /** One master's share of the script benchmark: where it runs and the EVALSHA arguments. */
  record ScriptTarget(String host, int port, List<String> evalsha) {
  }

  private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
  private static final Pattern LATENCY = Pattern.compile("latency average = ([0-9.]+) ms");

  private Baselines() {
  }

  /**
   * {@code redis-benchmark} against every master at once, {@code clients} connections in all,
   * {@code requestsPerMaster} calls each. The rate is every call over the wall-clock time of the
   * slowest process; the median latency is the middle of the masters' medians.
   */
  static Rate script(List<ScriptTarget> targets, int clients, long requestsPerMaster) {
    int perMaster = Math.max(1, clients / targets.size());
    List<Process> processes = new ArrayList<>();
    long start = System.nanoTime();
    for (ScriptTarget target : targets) {
      List<String> command = new ArrayList<>(List.of("redis-benchmark", "-h", target.host(), "-p",
        Integer.toString(target.port()), "-c", Integer.toString(perMaster), "-n", Long.toString(requestsPerMaster),
        "-r", "1000000000", "--csv"));
      command.addAll(target.evalsha());
      processes.add(start(command, Map.of()));
    }
    List<Double> medians = new ArrayList<>();
    for (Process process : processes) {
      String csv = finish(process, "redis-benchmark");
      String[] row = lastCsvRow(csv);
      medians.add(Double.parseDouble(row[row.length - 4]));
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    medians.sort(null);
    return new Rate(requestsPerMaster * targets.size() / seconds, medians.get(medians.size() / 2));
  }

  /** {@code pgbench} TPC-B on the database {@code bench.sh} initialised at scale 10. */
  static Rate pgbench(String host, int port, String user, String password, String database, int clients,
                      int seconds) {
    Process process = start(List.of("pgbench", "-h", host, "-p", Integer.toString(port), "-U", user, "-n",
      "-c", Integer.toString(clients), "-j", "2", "-T", Integer.toString(seconds), database),
      Map.of("PGPASSWORD", password));
    String out = finish(process, "pgbench");
    return new Rate(Double.parseDouble(find(TPS, out)), Double.parseDouble(find(LATENCY, out)));
  }

  private static Process start(List<String> command, Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(environment);
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.get(0), e);
    }
  }

  private static String finish(Process process, String what) {
    try {
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() != 0) {
        throw new IllegalStateException(what + " failed: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * redis-benchmark --csv: a header, then a row per test ending in rps, avg, min, p50, p95, p99, max
   * (read from the end: the test's name is the command, whose JSON argument holds commas).
   */
  private static String[] lastCsvRow(String csv) {
    String[] lines = csv.replace('\r', '\n').split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      String line = lines[i].trim();
      if (line.startsWith("\"") && !line.startsWith("\"test\"")) {
        String[] cells = line.replace("\"", "").split(",");
        if (cells.length >= 8) {
          return cells;
        }
      }
    }
    throw new IllegalStateException("redis-benchmark printed no result: " + csv);
  }

  private static String find(Pattern pattern, String text) {
    Matcher matcher = pattern.matcher(text);
    if (!matcher.find()) {
      throw new IllegalStateException("unexpected output: " + text);
    }
    return matcher.group(1);
  }
}
