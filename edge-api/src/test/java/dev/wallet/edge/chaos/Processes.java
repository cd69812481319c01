package dev.wallet.edge.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real processes the faults hit. A JVM that scripts/run.sh started is restarted exactly as it
 * was started: its command line, environment and folder are read from /proc before it is killed,
 * and its new pid goes to the same pid file, so that whoever stops the system finds it.
 */
final class Processes {

  /** How a process was started, to start it again. */
  record Started(String name, List<String> command, Map<String, String> environment, Path directory) {
  }

  private final Path runDir;
  private final Path logDir;

  Processes(Path runDir, Path logDir) {
    this.runDir = runDir;
    this.logDir = logDir;
  }

  long pid(String name) {
    return pidIn(runDir.resolve(name + ".pid"));
  }

  static long pidIn(Path pidFile) {
    try {
      return Long.parseLong(Files.readString(pidFile).trim());
    } catch (IOException e) {
      throw new IllegalStateException("no pid in " + pidFile, e);
    }
  }

  Started howStarted(String name) {
    long pid = pid(name);
    Path proc = Path.of("/proc", Long.toString(pid));
    try {
      List<String> command = Arrays.asList(Files.readString(proc.resolve("cmdline")).split("\0"));
      Map<String, String> environment = new HashMap<>();
      for (String pair : Files.readString(proc.resolve("environ")).split("\0")) {
        int equals = pair.indexOf('=');
        if (equals > 0) {
          environment.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
      }
      return new Started(name, command, environment, proc.resolve("cwd").toRealPath());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read how " + name + " (pid " + pid + ") was started", e);
    }
  }

  void start(Started started) {
    ProcessBuilder builder = new ProcessBuilder(started.command()).directory(started.directory().toFile())
      .redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir.resolve(started.name() + ".out").toFile()));
    builder.environment().clear();
    builder.environment().putAll(started.environment());
    try {
      Process process = builder.start();
      Files.writeString(runDir.resolve(started.name() + ".pid"), process.pid() + "\n");
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + started.name() + " again", e);
    }
  }

  /** SIGKILL, and waits until the process is gone. */
  static void kill(long pid) {
    ProcessHandle handle = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid));
    handle.destroyForcibly();
    try {
      handle.onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("process " + pid + " did not die within 30 s of SIGKILL", e);
    }
  }

  /** Runs a command to its end; its output, or an exception naming the command when it fails. */
  static String run(Duration timeout, List<String> command) {
    return run(timeout, command, "");
  }

  /** As {@link #run(Duration, List)}, with {@code input} on the command's standard input. */
  static String run(Duration timeout, List<String> command, String input) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (var stdin = process.getOutputStream()) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
      }
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output);
      }
      return output;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts a command and leaves it running (a DEBUG SLEEP that holds its connection). */
  static Process background(List<String> command) {
    try {
      return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + String.join(" ", command), e);
    }
  }

  static List<String> words(String commandLine) {
    return new ArrayList<>(Arrays.asList(commandLine.trim().split("\\s+")));
  }
}
