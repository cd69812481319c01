package dev.wallet.limits.impl;

import dev.wallet.balancecache.model.Sha256;
import dev.wallet.limits.model.PublishOutcome;
import dev.wallet.limits.model.PublishedRules;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the risk team's file every poll and publishes it when its content changed. Polling the
 * content (not file-system events) sees every way an editor or a deployment replaces a file
 * (in-place write, rename over, symlink swap) and costs one small read per second.
 *
 * <p>At start, the file is compared with the last version that came from it, not with the version
 * in force: a member restarting does not undo a change made since through the API, while an edit
 * made while every member was down is still picked up.
 */
final class RulesFileWatcher {

  static final String SOURCE_PREFIX = "file:";

  private static final Logger LOG = LoggerFactory.getLogger(RulesFileWatcher.class);

  /**
   * What the file held: its text, its owner on disk for the audit (a file has no author), and when
   * it was last written, which tells an outdated copy from the file changed back.
   */
  private record Content(String yaml, String owner, Instant writtenAt) {
  }

  /** Publishes the file's text. */
  @FunctionalInterface
  interface Publisher {
    Future<PublishOutcome> publish(String yaml, String actor, Instant writtenAt);
  }

  private final Vertx vertx;
  private final Path path;
  private final long pollMs;
  private final Publisher publish;
  /** The text last read (its sha); for a copy refused as outdated, with its modification time. */
  private String lastSeen = "";
  private boolean missingReported;
  private boolean polling;
  private boolean stopped;
  private long timer = -1;

  RulesFileWatcher(Vertx vertx, Path path, long pollMs, Publisher publish) {
    this.vertx = vertx;
    this.path = path;
    this.pollMs = pollMs;
    this.publish = publish;
  }

  String source() {
    return sourceOf(path);
  }

  /** How versions published from the file at {@code path} name their source. */
  static String sourceOf(Path path) {
    return SOURCE_PREFIX + path.toAbsolutePath();
  }

  /**
   * Completes once the file was read and, if it changed, published: a member that has started
   * enforces its file already (a new ruleset had no rules for the first poll's length, and its first
   * requests were refused as unavailable). A first read that fails is logged and tried again, as later.
   */
  Future<Void> start(Optional<String> lastPublishedSha) {
    lastSeen = lastPublishedSha.orElse("");
    return poll().onComplete(first -> {
      if (!stopped) {
        timer = vertx.setPeriodic(pollMs, tick -> poll());
      }
    });
  }

  void stop() {
    stopped = true;
    vertx.cancelTimer(timer);
  }

  /** One read; its failure is logged, and the next poll tries again. */
  private Future<Void> poll() {
    if (polling) {
      return Future.succeededFuture();
    }
    polling = true;
    return vertx.executeBlocking(this::read, false)
      .compose(content -> content.map(this::changed).orElse(Future.succeededFuture()))
      .onFailure(failure -> LOG.warn("rules file {}: will try again in {} ms: {}", path, pollMs, failure.toString()))
      .onComplete(done -> polling = false)
      .otherwiseEmpty();
  }

  private Future<Void> changed(Content content) {
    String sha = Sha256.hex(content.yaml());
    String outdated = sha + "@" + content.writtenAt();
    if (sha.equals(lastSeen) || outdated.equals(lastSeen)) {
      return Future.succeededFuture();
    }
    return publish.publish(content.yaml(), "file owner " + content.owner(), content.writtenAt())
      .onSuccess(outcome -> {
        // a copy refused as outdated is read again once written again, the same text included (touch)
        lastSeen = outcome instanceof PublishOutcome.Superseded ? outdated : sha;
        report(outcome);
      })
      .mapEmpty();
  }

  private void report(PublishOutcome outcome) {
    if (outcome instanceof PublishOutcome.Published p) {
      LOG.info("rules file {} published as version {}", path, p.rules().version());
    } else if (outcome instanceof PublishOutcome.Unchanged u) {
      LOG.info("rules file {}: its text was published already; version {} is in force", path, u.rules().version());
    } else if (outcome instanceof PublishOutcome.Superseded s) {
      LOG.warn("rules file {} is an OUTDATED COPY, not published: its text is an earlier version's from this file, "
        + "and it was written before the latest; version {} stays in force (update this copy; to go back to this "
        + "text on purpose, write the file again, or touch it)", path, s.latest().map(PublishedRules::version).orElse(0L));
    } else if (outcome instanceof PublishOutcome.Refused r) {
      LOG.warn("rules file {} REFUSED, the version in force stays: {}", path, String.join("; ", r.problems()));
    }
  }

  private Optional<Content> read() throws IOException {
    try {
      String yaml = new String(Files.readAllBytes(path), StandardCharsets.UTF_8);
      missingReported = false;
      return Optional.of(new Content(yaml, Files.getOwner(path).getName(),
        Files.getLastModifiedTime(path).toInstant()));
    } catch (NoSuchFileException missing) {
      if (!missingReported) {
        LOG.warn("rules file {} does not exist; the version in force stays until it appears", path);
        missingReported = true;
      }
      return Optional.empty();
    }
  }
}
