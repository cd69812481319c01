package dev.wallet.edge.gateway.sandbox;

import dev.wallet.balancecache.model.Money;
import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.gateway.GatewayRequest;
import dev.wallet.edge.gateway.WebhookSignature;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A development gateway that behaves like a bank or card network, as a separate HTTP component:
 * the edge asks it to collect or pay out over HTTP, and it announces each outcome later by
 * POSTing a signed webhook to the edge, retrying until the edge answers 2xx, exactly as a real
 * gateway would. Its behaviour is configurable: how long an outcome takes, and which share of
 * requests are declined, lose their answer (the HTTP call fails with 504, and no webhook ever
 * comes nor its event in the feed: the edge must ask), or are reversed later (a chargeback, a
 * returned payout). The instrument's account can force one fate, for tests and demos: "decline",
 * "timeout", "reverse", "timeout-reverse" (every answer, webhook and feed event lost, and reversed
 * before the edge asks), "short"
 * (it moves one minor unit less than asked, and says so in its webhook and when asked),
 * "pending" (acknowledged, and never decided: a gateway taking its time), and "refuse" (refused
 * outright, 422, and not taken: asked about, it is unknown).
 *
 * <p>Its state lives on this verticle's event loop (one instance). With a journal
 * ({@code WALLET_SANDBOX_JOURNAL}, as scripts/run.sh sets it) it remembers what it took across its
 * restarts, as a real gateway does: each request and each outcome is appended to the file before it
 * is answered or announced, and which outcome an edge took; a restarted sandbox reads the file back,
 * announces again every outcome no edge took, and decides what was still undecided. Without a
 * journal a restarted sandbox has forgotten everything, like a gateway that lost its records, and
 * answers "unknown" about what it had acknowledged.
 *
 * <p>Every outcome is an event with an id of its own, the same in its webhook, in each attempt to
 * deliver it, and in the sandbox's event feed ({@code GET /v1/events?after=<event id>}), its record
 * of every event in order, which an edge reads to learn what no webhook brought. An event is in the
 * journal before it is in the feed or announced. The events of a fate that loses answers are left
 * out of the feed, as a fault to inject: the edge learns those outcomes only by asking.
 */
public final class SandboxGateway extends VerticleBase {

  /** The instrument account whose requests are refused outright, as a gateway refuses an invalid account. */
  static final String REFUSED_ACCOUNT = "refuse";

  private static final Logger LOG = LoggerFactory.getLogger(SandboxGateway.class);
  private static final int MAX_DELIVERY_ATTEMPTS = 12;
  private static final long MAX_BACKOFF_MS = 5_000;

  private final EdgeConfig.Gateway settings;
  private final EdgeConfig.SandboxBehaviour behaviour;
  private final WebhookSignature signature;
  private final Random random = new SecureRandom();
  private final Map<String, Operation> operations = new HashMap<>();
  /** Every outcome's event, in the order they happened, and where each id stands in it. */
  private final List<Logged> feed = new ArrayList<>();
  private final Map<String, Integer> feedIndex = new HashMap<>();
  private long nextSeq = 1;
  /** References whose request is being written to the journal: neither taken nor refused yet. */
  private final Set<String> writing = new HashSet<>();
  private Optional<AsyncFile> journal = Optional.empty();
  private boolean ready;
  private WebClient webhooks;
  private HttpServer server;

  public SandboxGateway(EdgeConfig.Gateway settings) {
    this.settings = settings;
    this.behaviour = settings.sandbox();
    this.signature = new WebhookSignature(settings.webhookSecret());
  }

  enum Kind { COLLECTION, PAYOUT }

  enum Fate {
    SUCCEED, DECLINE, LOSE_ANSWER, REVERSE_LATER, LOSE_ANSWER_THEN_REVERSE, SHORT, NEVER_DECIDE;

    /** The HTTP call fails with 504 and no webhook ever comes, the reversal's neither. */
    boolean losesAnswers() {
      return this == LOSE_ANSWER || this == LOSE_ANSWER_THEN_REVERSE;
    }

    boolean reversesLater() {
      return this == REVERSE_LATER || this == LOSE_ANSWER_THEN_REVERSE;
    }
  }

  enum State { PENDING, SUCCEEDED, FAILED, REVERSED }

  /** An outcome's event and its place in the feed. */
  private record Logged(long seq, GatewayEvent event) {

    JsonObject toJson() {
      return new JsonObject().put("seq", seq).put("event", event.toJson());
    }

    static Logged fromJson(JsonObject json) {
      return new Logged(json.getLong("seq"), GatewayEvent.fromJson(json.getJsonObject("event")));
    }
  }

  /** One request the sandbox took, under the wallet's reference. Touched only on this verticle's event loop. */
  private static final class Operation {
    final Kind kind;
    final GatewayRequest request;
    final String gatewayRef;
    final Fate fate;
    State state = State.PENDING;
    /** The state whose webhook an edge last took (answered 2xx), or null. */
    State delivered;
    /** The event of each outcome so far, oldest first. */
    final List<Logged> events = new ArrayList<>();

    Operation(Kind kind, GatewayRequest request, String gatewayRef, Fate fate) {
      this.kind = kind;
      this.request = request;
      this.gatewayRef = gatewayRef;
      this.fate = fate;
    }

    /** One line of the journal: the operation as it is now. */
    JsonObject toJson() {
      return new JsonObject().put("kind", kind.name()).put("request", SandboxProtocol.requestJson(request))
        .put("gatewayRef", gatewayRef).put("fate", fate.name()).put("state", state.name())
        .put("delivered", delivered == null ? null : delivered.name())
        .put("events", new JsonArray(events.stream().map(Logged::toJson).toList()));
    }

    /** The event of the state it is in now: each outcome is logged as it is reached. */
    GatewayEvent latestEvent() {
      return events.get(events.size() - 1).event();
    }

    static Operation fromJson(JsonObject json) {
      Operation operation = new Operation(Kind.valueOf(json.getString("kind")),
        SandboxProtocol.request(json.getJsonObject("request")), json.getString("gatewayRef"),
        Fate.valueOf(json.getString("fate")));
      operation.state = State.valueOf(json.getString("state"));
      operation.delivered = json.getString("delivered") == null ? null : State.valueOf(json.getString("delivered"));
      // journals written before 2026-12-06 have no events: an outcome without one is given one on reading
      Optional.ofNullable(json.getJsonArray("events"))
        .ifPresent(events -> events.forEach(event -> operation.events.add(Logged.fromJson((JsonObject) event))));
      return operation;
    }
  }

  @Override
  public Future<?> start() {
    webhooks = WebClient.create(vertx);
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(16 * 1024));
    router.route().handler(this::requireApiKey);
    router.route().handler(this::requireReady);
    router.post("/v1/collections").handler(ctx -> submit(ctx, Kind.COLLECTION));
    router.post("/v1/payouts").handler(ctx -> submit(ctx, Kind.PAYOUT));
    router.get("/v1/operations/:reference").handler(this::status);
    router.get("/v1/events").handler(this::events);
    // the port first: a second sandbox started on the same journal fails here, before it rewrites the file;
    // on loopback, as a development double with published keys (until 2026-12-07 on every interface)
    return vertx.createHttpServer().requestHandler(router).listen(behaviour.port(), EdgeConfig.Http.LOOPBACK)
      .onSuccess(listening -> server = listening)
      .compose(listening -> openJournal())
      .onSuccess(opened -> ready = true)
      .onFailure(failed -> {
        journal.ifPresent(AsyncFile::close);
        if (server != null) {
          server.close();
        }
      });
  }

  /**
   * Until its journal is read back, and after a write to it failed, the sandbox answers 503 to
   * everything: an operation it may have taken must not be answered "unknown", and a journal with a
   * hole in it would refuse the next start (until restarted, then).
   */
  private void requireReady(RoutingContext ctx) {
    if (!ready) {
      answer(ctx, 503, new JsonObject().put("error", "not ready"));
      return;
    }
    ctx.next();
  }

  private void journalFailed(String what, String reference, Throwable cause) {
    ready = false;
    LOG.error("sandbox could not write {} of {} to its journal; it answers 503 to everything until restarted", what,
      reference, cause);
  }

  @Override
  public Future<?> stop() {
    webhooks.close();
    // closed here, not by the undeployment, so that its port is free when this completes
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return closed.eventually(() -> journal.map(AsyncFile::close).orElse(Future.succeededFuture()));
  }

  /**
   * Reads the journal back (the last line of each reference is its state), writes it again with one
   * line per operation (a temporary file moved over it, so a crash leaves the old one or the new;
   * this also drops a torn last line, which the next append would otherwise extend), decides what was
   * undecided, and opens it to append.
   */
  private Future<Void> openJournal() {
    if (behaviour.journal().isEmpty()) {
      return Future.succeededFuture();
    }
    String path = behaviour.journal().get();
    String rewritten = path + ".new";
    FileSystem files = vertx.fileSystem();
    String folder = Optional.ofNullable(Path.of(path).toAbsolutePath().getParent()).map(Path::toString).orElse(".");
    return files.mkdirs(folder)
      .compose(made -> files.exists(path))
      .compose(exists -> exists ? files.readFile(path) : Future.succeededFuture(Buffer.buffer()))
      .compose(content -> {
        List<String> lines = content.toString(StandardCharsets.UTF_8).lines().filter(line -> !line.isBlank()).toList();
        for (int i = 0; i < lines.size(); i++) {
          readLine(path, lines.get(i), i == lines.size() - 1)
            .ifPresent(operation -> operations.put(operation.request.reference(), operation));
        }
        readFeed();
        Buffer compacted = Buffer.buffer();
        operations.values().forEach(operation -> compacted.appendString(operation.toJson().encode() + "\n"));
        return files.writeFile(rewritten, compacted);
      })
      .compose(written -> files.move(rewritten, path, new CopyOptions().setReplaceExisting(true).setAtomicMove(true)))
      .compose(moved -> files.open(path, new OpenOptions().setAppend(true).setCreate(true)))
      .map(file -> {
        journal = Optional.of(file);
        operations.values().forEach(this::carryOn);
        LOG.info("sandbox journal {}: {} operations remembered", path, operations.size());
        return null;
      });
  }

  /**
   * One line of the journal. A last line cut short by a crash was never answered nor announced (each
   * line is written before), so it is left out; any other line that does not read stops the start.
   */
  private static Optional<Operation> readLine(String path, String line, boolean last) {
    try {
      return Optional.of(Operation.fromJson(new JsonObject(line)));
    } catch (RuntimeException unreadable) {
      if (!last) {
        throw new IllegalStateException("sandbox journal " + path + " has an unreadable line: " + line, unreadable);
      }
      LOG.warn("sandbox journal {}: its last line was cut short and is left out: {}", path, line);
      return Optional.empty();
    }
  }

  /**
   * The feed again from the operations' events, in their order; an outcome read without an event is
   * given one (the journal with it is written before the sandbox answers anything).
   */
  private void readFeed() {
    nextSeq = operations.values().stream().flatMap(operation -> operation.events.stream()).mapToLong(Logged::seq)
      .max().orElse(0) + 1;
    operations.values().stream().filter(operation -> !operation.fate.losesAnswers())
      .flatMap(operation -> operation.events.stream())
      .sorted(Comparator.comparingLong(Logged::seq)).forEach(this::addToFeed);
    operations.values().stream()
      .filter(operation -> operation.state != State.PENDING && operation.events.isEmpty())
      .forEach(operation -> publish(operation, logOutcome(operation)));
  }

  /** The event of the outcome an operation just reached, added to its events (and so to its next journal line). */
  private Logged logOutcome(Operation operation) {
    Logged logged = new Logged(nextSeq++, event(operation));
    operation.events.add(logged);
    return logged;
  }

  /** An outcome's event, once journaled, at the end of the feed: unless its fate loses every word of it. */
  private void publish(Operation operation, Logged logged) {
    if (!operation.fate.losesAnswers()) {
      addToFeed(logged);
    }
  }

  private void addToFeed(Logged logged) {
    feedIndex.put(logged.event().id(), feed.size());
    feed.add(logged);
  }

  /**
   * What was still to happen to an operation when the sandbox stopped, scheduled again: its outcome
   * announced again unless an edge took it (an edge would read it from the feed too, a round later),
   * and what was undecided decided.
   */
  private void carryOn(Operation operation) {
    if (operation.state == State.PENDING) {
      decideLater(operation);
      return;
    }
    if (operation.delivered != operation.state) {
      announce(operation);
    }
    if (operation.state == State.SUCCEEDED && operation.fate.reversesLater()) {
      vertx.setTimer(behaviour.reversalDelayMs(), fired -> reverse(operation));
    }
  }

  /** Appends the operation as it is now to the journal, if there is one; written to the file before this completes. */
  private Future<Void> remember(Operation operation) {
    return journal.map(file -> file.write(Buffer.buffer(operation.toJson().encode() + "\n")))
      .orElse(Future.succeededFuture());
  }

  public int port() {
    return server.actualPort();
  }

  private void requireApiKey(RoutingContext ctx) {
    String header = Optional.ofNullable(ctx.request().getHeader("Authorization")).orElse("");
    byte[] expected = ("Bearer " + settings.apiKey()).getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8))) {
      answer(ctx, 401, new JsonObject().put("error", "unknown API key"));
      return;
    }
    ctx.next();
  }

  private void submit(RoutingContext ctx, Kind kind) {
    GatewayRequest request;
    try {
      request = SandboxProtocol.request(ctx.body().asJsonObject());
    } catch (RuntimeException malformed) {
      answer(ctx, 400, new JsonObject().put("error", "malformed request: " + malformed.getMessage()));
      return;
    }
    Operation known = operations.get(request.reference());
    if (known != null) {
      answerRepeated(ctx, known, kind, request);
      return;
    }
    if (REFUSED_ACCOUNT.equals(request.instrument().account().orElse(""))) {
      answer(ctx, 422, new JsonObject().put("error", "the instrument is not accepted"));
      return;
    }
    if (!writing.add(request.reference())) {
      answer(ctx, 503, new JsonObject().put("error", "the same reference is being taken; try again"));
      return;
    }
    Operation operation = new Operation(kind, request, "sbx_" + hex(10), fate(request));
    // taken (answered about, and its repeats answered with it) only once the journal has it
    remember(operation).onComplete(written -> {
      writing.remove(request.reference());
      if (written.failed()) {
        journalFailed("the request", request.reference(), written.cause());
        answer(ctx, 503, new JsonObject().put("error", "try again"));
        return;
      }
      operations.put(request.reference(), operation);
      decideLater(operation);
      if (operation.fate.losesAnswers()) {
        answer(ctx, 504, new JsonObject().put("error", "upstream timeout"));
        return;
      }
      answer(ctx, 202, accepted(operation));
    });
  }

  private void decideLater(Operation operation) {
    if (operation.fate != Fate.NEVER_DECIDE) {
      vertx.setTimer(behaviour.delayMs(), fired -> resolve(operation));
    }
  }

  /** The gateway is idempotent on the wallet's reference: the same request gets the same answer. */
  private static void answerRepeated(RoutingContext ctx, Operation known, Kind kind, GatewayRequest request) {
    if (known.kind != kind || !known.request.amount().equals(request.amount())) {
      answer(ctx, 409, new JsonObject().put("error", "reference already used for another request"));
      return;
    }
    answer(ctx, 200, accepted(known));
  }

  private static JsonObject accepted(Operation operation) {
    return new JsonObject().put("gatewayRef", operation.gatewayRef).put("status", "pending");
  }

  private Fate fate(GatewayRequest request) {
    String account = request.instrument().account().orElse("");
    return switch (account) {
      case "decline" -> Fate.DECLINE;
      case "timeout" -> Fate.LOSE_ANSWER;
      case "reverse" -> Fate.REVERSE_LATER;
      case "timeout-reverse" -> Fate.LOSE_ANSWER_THEN_REVERSE;
      case "short" -> Fate.SHORT;
      case "pending" -> Fate.NEVER_DECIDE;
      default -> drawnFate();
    };
  }

  private Fate drawnFate() {
    double draw = random.nextDouble();
    if (draw < behaviour.declineRate()) {
      return Fate.DECLINE;
    }
    draw -= behaviour.declineRate();
    if (draw < behaviour.timeoutRate()) {
      return Fate.LOSE_ANSWER;
    }
    draw -= behaviour.timeoutRate();
    return draw < behaviour.reversalRate() ? Fate.REVERSE_LATER : Fate.SUCCEED;
  }

  private void resolve(Operation operation) {
    operation.state = operation.fate == Fate.DECLINE ? State.FAILED : State.SUCCEEDED;
    rememberThenAnnounce(operation, logOutcome(operation));
    if (operation.fate.reversesLater()) {
      vertx.setTimer(behaviour.reversalDelayMs(), fired -> reverse(operation));
    }
  }

  private void reverse(Operation operation) {
    operation.state = State.REVERSED;
    rememberThenAnnounce(operation, logOutcome(operation));
  }

  /**
   * An outcome the journal could not keep is announced all the same: the edge holds it then, and its
   * reconciler asks. (The sandbox answers nothing more after such a failure, its feed included.)
   */
  private void rememberThenAnnounce(Operation operation, Logged logged) {
    remember(operation).onComplete(written -> {
      if (written.failed()) {
        journalFailed("the outcome", operation.request.reference(), written.cause());
      }
      publish(operation, logged);
      announce(operation);
    });
  }

  private void announce(Operation operation) {
    if (!operation.fate.losesAnswers()) {
      State announced = operation.state;
      deliver(operation.latestEvent(), 0, () -> {
        operation.delivered = announced;
        remember(operation).onFailure(failed -> journalFailed("a delivery", operation.request.reference(), failed));
      });
    }
  }

  private GatewayEvent event(Operation operation) {
    GatewayEvent.Type type = switch (operation.state) {
      case SUCCEEDED -> operation.kind == Kind.COLLECTION ? GatewayEvent.Type.DEPOSIT_SUCCEEDED
        : GatewayEvent.Type.PAYOUT_PAID;
      case FAILED -> operation.kind == Kind.COLLECTION ? GatewayEvent.Type.DEPOSIT_FAILED
        : GatewayEvent.Type.PAYOUT_FAILED;
      case REVERSED -> operation.kind == Kind.COLLECTION ? GatewayEvent.Type.DEPOSIT_REVERSED
        : GatewayEvent.Type.PAYOUT_RETURNED;
      case PENDING -> throw new IllegalStateException("no event for a pending operation");
    };
    return new GatewayEvent("evt_" + hex(12), type, operation.request.reference(), moved(operation),
      Optional.of(operation.gatewayRef), reason(operation), Instant.now());
  }

  /** What the sandbox moved: what it was asked, or a minor unit less when its fate is to fall short. */
  private static Money moved(Operation operation) {
    Money asked = operation.request.amount();
    return operation.fate == Fate.SHORT ? new Money(asked.minor() - 1, asked.currency()) : asked;
  }

  private static Optional<String> reason(Operation operation) {
    return switch (operation.state) {
      case FAILED -> Optional.of(operation.kind == Kind.COLLECTION ? "declined by the issuer"
        : "the beneficiary bank refused the payment");
      case REVERSED -> Optional.of(operation.kind == Kind.COLLECTION ? "chargeback" : "returned by the beneficiary bank");
      default -> Optional.empty();
    };
  }

  /** POSTs the event to the webhook URLs in turn until one answers 2xx; gives up on a 4xx (the edge refused it). */
  private void deliver(GatewayEvent event, int attempt, Runnable taken) {
    List<String> urls = behaviour.webhookUrls();
    String url = urls.get(attempt % urls.size());
    Buffer body = event.toJson().toBuffer();
    webhooks.postAbs(url)
      .putHeader("Content-Type", "application/json")
      .putHeader(WebhookSignature.HEADER, signature.header(Instant.now().getEpochSecond(), body.getBytes()))
      .idleTimeout(5_000)
      .sendBuffer(body)
      .onComplete(delivered -> afterDelivery(event, attempt, taken, delivered.succeeded() ? delivered.result() : null,
        delivered.cause()));
  }

  private void afterDelivery(GatewayEvent event, int attempt, Runnable taken, HttpResponse<Buffer> response,
                             Throwable failure) {
    int status = response == null ? 0 : response.statusCode();
    if (status >= 200 && status < 300) {
      taken.run();
      return;
    }
    boolean refused = status >= 400 && status < 500 && status != 408 && status != 429;
    if (refused || attempt + 1 >= MAX_DELIVERY_ATTEMPTS) {
      LOG.warn("sandbox gives up delivering {} {} for {} after {} attempts: last answer {} {}", event.type().wire(),
        event.id(), event.reference(), attempt + 1, status, response == null ? failure : response.bodyAsString());
      return;
    }
    long backoffMs = Math.min(MAX_BACKOFF_MS, 250L << Math.min(attempt, 10));
    vertx.setTimer(backoffMs, fired -> deliver(event, attempt + 1, taken));
  }

  /**
   * GET /v1/events?after=&lt;event id&gt;&amp;limit=&lt;1..1000, 100&gt;: the feed's events after that one, oldest
   * first; from the first for an id it does not have (the journal's events only, without a journal
   * this start's).
   */
  private void events(RoutingContext ctx) {
    int limit;
    try {
      limit = Integer.parseInt(Optional.ofNullable(ctx.queryParams().get("limit")).orElse("100"));
    } catch (NumberFormatException malformed) {
      limit = 0;
    }
    if (limit < 1 || limit > 1_000) {
      answer(ctx, 400, new JsonObject().put("error", "limit is a whole number from 1 to 1000"));
      return;
    }
    int from = Optional.ofNullable(ctx.queryParams().get("after")).map(feedIndex::get).map(index -> index + 1)
      .orElse(0);
    int to = Math.min(feed.size(), from + limit);
    JsonArray events = new JsonArray(feed.subList(from, to).stream().map(logged -> logged.event().toJson()).toList());
    answer(ctx, 200, new JsonObject().put("events", events).put("more", to < feed.size()));
  }

  private void status(RoutingContext ctx) {
    if (writing.contains(ctx.pathParam("reference"))) {
      answer(ctx, 503, new JsonObject().put("error", "the reference is being taken; ask again"));
      return;
    }
    Operation operation = operations.get(ctx.pathParam("reference"));
    if (operation == null) {
      answer(ctx, 404, new JsonObject().put("error", "unknown reference"));
      return;
    }
    JsonObject body = new JsonObject().put("reference", operation.request.reference())
      .put("kind", operation.kind.name().toLowerCase(Locale.ROOT))
      .put("status", operation.state.name().toLowerCase(Locale.ROOT)).put("gatewayRef", operation.gatewayRef)
      .put("amount", moved(operation).minor()).put("currency", moved(operation).currencyCode());
    reason(operation).ifPresent(why -> body.put("reason", why));
    answer(ctx, 200, body);
  }

  private String hex(int bytes) {
    byte[] random = new byte[bytes];
    this.random.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  private static void answer(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toBuffer());
  }
}
