package dev.wallet.edge.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of the wallet's processes (each with its children: PostgreSQL's backends), read from
 * /proc, so a run can say where its CPU went: milliseconds of CPU per request, per process.
 * The processes come from a file of {@code name pid} lines that scripts/bench.sh writes.
 */
final class ProcessCpu {

  /** Linux reports utime and stime in clock ticks of 10 ms (CLK_TCK 100) on every platform the JDK runs on. */
  private static final double MS_PER_TICK = 10;

  private final Map<String, Long> pids = new LinkedHashMap<>();
  /**
   * Every compiler thread seen so far, by process, thread and start time, with its ticks when last
   * read. HotSpot ends idle compiler threads (and starts new ones): a sum over the threads alive at
   * each reading would lose an ended thread's CPU and could go backwards between two readings.
   */
  private final Map<String, Long> compilerTicksSeen = new HashMap<>();

  ProcessCpu(Path pidsFile) {
    try {
      for (String line : Files.readAllLines(pidsFile)) {
        String[] fields = line.trim().split("\\s+");
        if (fields.length == 2) {
          pids.put(fields[0], Long.parseLong(fields[1]));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** CPU milliseconds used so far, per process. */
  Map<String, Double> sample() {
    Map<String, Double> used = new LinkedHashMap<>();
    pids.forEach((name, pid) -> used.put(name, ticks(pid) * MS_PER_TICK));
    return used;
  }

  /**
   * CPU milliseconds the JIT compilers (HotSpot's C1 and C2 threads) of the Java processes among
   * them, and of this process, have used so far: while they are busy the code measured is not yet
   * the code that runs once a process has warmed up.
   */
  synchronized double compilersMs() {
    readCompilers(Path.of("/proc/self"));
    pids.values().forEach(pid -> readCompilers(Path.of("/proc", Long.toString(pid))));
    return compilerTicksSeen.values().stream().mapToLong(Long::longValue).sum() * MS_PER_TICK;
  }

  private void readCompilers(Path proc) {
    try (DirectoryStream<Path> threads = Files.newDirectoryStream(proc.resolve("task"))) {
      for (Path thread : threads) {
        readCompiler(proc, thread);
      }
    } catch (IOException | RuntimeException gone) {
      // a process that ended meanwhile: its threads keep what they were last read at
    }
  }

  private void readCompiler(Path proc, Path thread) {
    try {
      if (Files.readString(thread.resolve("comm")).strip().matches("C[12] CompilerThre.*")) {
        String[] fields = statFields(thread);
        // utime, stime; starttime tells a new thread from an ended one that had the same id
        compilerTicksSeen.put(proc.getFileName() + "/" + thread.getFileName() + "/" + fields[19],
          Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
      }
    } catch (IOException | RuntimeException gone) {
      // a thread that ended meanwhile: it keeps what it was last read at
    }
  }

  /** The fields of a process's or thread's /proc stat after its name, from state on. */
  private static String[] statFields(Path proc) throws IOException {
    String stat = Files.readString(proc.resolve("stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
  }

  /** What each process used between two samples. */
  static Map<String, Double> since(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> used = new LinkedHashMap<>();
    after.forEach((name, ms) -> used.put(name, ms - before.getOrDefault(name, ms)));
    return used;
  }

  private static long ticks(long pid) {
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      String[] fields = statFields(proc);
      // utime and stime, plus cutime and cstime: the children it reaped (PostgreSQL's ended backends)
      long total = Long.parseLong(fields[11]) + Long.parseLong(fields[12]) + Long.parseLong(fields[13])
        + Long.parseLong(fields[14]);
      Path children = proc.resolve("task").resolve(Long.toString(pid)).resolve("children");
      if (Files.exists(children)) {
        for (String child : Files.readString(children).trim().split("\\s+")) {
          if (!child.isEmpty()) {
            total += ticks(Long.parseLong(child));
          }
        }
      }
      return total;
    } catch (IOException | RuntimeException gone) {
      return 0; // a child that ended between the listing and the read: its parent's cutime has it
    }
  }
}
