package dev.wallet.edge.regions;

import dev.wallet.balancecache.RefusedByRegionException;
import dev.wallet.balancecache.RegionLink;
import dev.wallet.balancecache.RegionUnreachableException;
import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.async.Deadline;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.ClearingPosition;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.gateway.WebhookSignature;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.money.MerchantRegions;
import dev.wallet.edge.money.Merchants;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The channel between regions, its sending end (docs/architecture.md, "Regions"): a settlement goes to the
 * destination region's edges, {@code POST /internal/v1/settlements}, naming this region in
 * {@link #REGION_HEADER} and signed with the secret this region shares with that one (HMAC-SHA256
 * over a timestamp and the body, {@link WebhookSignature}). The answer is
 * that region's decision; anything else (no answer in time, a 5xx) fails the call, and the movement
 * stays pending at its source, where the sweeper asks again: delivered at least once, credited at
 * most once (the destination keeps its first decision). An answer that refuses the message itself,
 * not the region saying it can take nothing now ({@code NOT_NOW}), fails it with
 * {@link RefusedByRegionException}. The same channel asks another region about its merchants: who
 * one is and what fee it pays, and a refund of a payment to it.
 *
 * <p>A call waits for a connection of the pool at most its timeout ({@code connectTimeout}): until
 * 2026-12-07 a call whose caller had given up stayed queued while the other region did not answer,
 * without bound, and was sent when it came back, ahead of every new one and too old to be accepted.
 */
public final class RegionChannel implements RegionLink, MerchantRegions {

  public static final String PATH = "/internal/v1/settlements";
  public static final String FINISHED_PATH = "/internal/v1/settlements/finished";
  public static final String CLEARING_PATH = "/internal/v1/clearing";
  public static final String MERCHANTS_PATH = "/internal/v1/merchants";
  public static final String REFUNDS_PATH = "/internal/v1/refunds";
  /** Which region sends: the receiver checks the signature with the secret it shares with that one. */
  public static final String REGION_HEADER = "X-Wallet-Region";
  /** The signature of a region's answer ({@link #answering}), as {@link WebhookSignature#HEADER} is a request's. */
  public static final String ANSWER_SIGNATURE_HEADER = "Wallet-Answer-Signature";
  /**
   * Answers that say the region can take nothing now, whatever the message: busy, a shard or a
   * dependency of it away, a proxy in front of it that did not reach it, or this region's signature
   * refused (a secret being changed, or one of the two not upgraded yet). Any other answer but a 200
   * refuses the message itself, and asking again repeats it.
   */
  private static final Set<Integer> NOT_NOW = Set.of(401, 403, 408, 429, 502, 503, 504);

  private final Vertx vertx;
  private final WebClient http;
  private final Regions regions;
  private final Function<String, String> secretWith;
  private final long timeoutMs;
  private final Clock clock;

  /** {@code secretWith}: the secret this region shares with a region, by its name. */
  public RegionChannel(Vertx vertx, WebClient http, Regions regions, Function<String, String> secretWith,
                       long timeoutMs, Clock clock) {
    this.vertx = vertx;
    this.http = http;
    this.regions = regions;
    this.secretWith = secretWith;
    this.timeoutMs = timeoutMs;
    this.clock = clock;
  }

  @Override
  public Future<OutcomeCode> credit(String region, Settlement settlement) {
    return post(region, PATH, settlement).map(answer -> decisionIn(region, answer));
  }

  /**
   * The decision a believed answer names. One this region cannot read, a code of a newer release
   * among them (while regions are upgraded one after the other), refuses this delivery alone.
   */
  private static OutcomeCode decisionIn(String region, HttpResponse<Buffer> answer) {
    try {
      return OutcomeCode.valueOf(answer.bodyAsJsonObject().getString("code"));
    } catch (DecodeException | IllegalArgumentException | ClassCastException | NullPointerException unknown) {
      throw new RefusedByRegionException("region " + region + " answered a delivery with no decision this region "
        + "knows: " + answer.bodyAsString(), unknown);
    }
  }

  @Override
  public Future<Void> finished(String region, Settlement settlement) {
    return post(region, FINISHED_PATH, settlement).mapEmpty();
  }

  @Override
  public Future<Optional<Merchants.Merchant>> merchant(String region, WalletId wallet) {
    return post(region, MERCHANTS_PATH, new JsonObject().put("walletId", wallet.value()))
      .map(answer -> MerchantMessage.merchantFromJson(answer.bodyAsJsonObject()));
  }

  @Override
  public Future<Reply> refund(String region, Refund refund, WalletId merchant) {
    return post(region, REFUNDS_PATH, MerchantMessage.refundToJson(refund, merchant))
      .map(answer -> MerchantMessage.replyFromJson(answer.bodyAsJsonObject()));
  }

  /** The settlement, signed, to {@code path} at {@code region}'s edges; anything but a 200 fails. */
  private Future<HttpResponse<Buffer>> post(String region, String path, Settlement settlement) {
    return post(region, path, SettlementMessage.toJson(settlement));
  }

  private Future<HttpResponse<Buffer>> post(String region, String path, JsonObject message) {
    Buffer body = Buffer.buffer(message.encode());
    String signed = signedFor(region, "POST", path, body.getBytes());
    return Deadline.within(vertx, http.postAbs(edgeOf(region) + path).putHeader(WebhookSignature.HEADER, signed)
        .putHeader(REGION_HEADER, self()).putHeader("Content-Type", "application/json").connectTimeout(timeoutMs)
        .idleTimeout(timeoutMs).sendBuffer(body), timeoutMs)
      .recover(noAnswer -> Future.failedFuture(new RegionUnreachableException(region, noAnswer)))
      .map(answer -> answered(region, path, signed, answer));
  }

  /** {@code region}'s books against the others ({@link ClearingMessage}), asked through the same signed channel. */
  public Future<ClearingPosition> position(String region) {
    String signed = signedFor(region, "GET", CLEARING_PATH, new byte[0]);
    return Deadline.within(vertx, http.getAbs(edgeOf(region) + CLEARING_PATH).putHeader(WebhookSignature.HEADER, signed)
        .putHeader(REGION_HEADER, self()).connectTimeout(timeoutMs).idleTimeout(timeoutMs).send(), timeoutMs)
      .map(answer -> ClearingMessage.fromJson(answered(region, CLEARING_PATH, signed, answer).bodyAsJsonObject()));
  }

  /**
   * What a region's answer signs: the path and the signature of the request it answers, the region
   * answering, then its body. Bound to the request, an answer cannot be replayed to another (an
   * answer {"code":"OK"} names no movement). Until 2026-12-07 answers were not signed: an answer
   * changed on its way to "refused" made the source give the money back while the destination kept
   * its credit, and a changed clearing position hid a disagreement.
   */
  public static byte[] answering(String path, String requestSignature, String from, byte[] body) {
    return addressed("ANSWER", path + " " + requestSignature, from, body);
  }

  private String signedFor(String region, String method, String path, byte[] body) {
    return new WebhookSignature(secretWith.apply(region)).header(clock.instant().getEpochSecond(),
      addressed(method, path, self(), body));
  }

  /**
   * What a request between regions signs: its method, its path and the region sending it, then its
   * body. Until 2026-12-06 the body alone was signed, so a delivery captured on its way to a region
   * could be replayed to another of its paths with the same body (a settlement as the source's
   * "finished" notice, which lets the destination's marker expire while the source still delivers,
   * and the next delivery is credited again), or sent back to its sender as if from its receiver.
   */
  public static byte[] addressed(String method, String path, String from, byte[] body) {
    byte[] head = (method + " " + path + " " + from + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] signed = Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, signed, head.length, body.length);
    return signed;
  }

  private String self() {
    return regions.self().orElseThrow().name();
  }

  private String edgeOf(String region) {
    return regions.regions().stream().filter(r -> r.name().equals(region)).findFirst()
      .orElseThrow(() -> new IllegalArgumentException("no region " + region)).edge().toString();
  }

  /** A 200 signed by {@code region} for this request; anything else fails, and the question is asked again later. */
  private HttpResponse<Buffer> answered(String region, String path, String requestSignature,
                                        HttpResponse<Buffer> answer) {
    if (answer.statusCode() != 200) {
      throw failureOf(region, answer);
    }
    byte[] body = answer.bodyAsBuffer() == null ? new byte[0] : answer.bodyAsBuffer().getBytes();
    WebhookSignature.Verdict verdict = new WebhookSignature(secretWith.apply(region)).verify(
      answer.getHeader(ANSWER_SIGNATURE_HEADER), answering(path, requestSignature, region, body),
      clock.instant().getEpochSecond());
    if (verdict != WebhookSignature.Verdict.VALID) {
      throw new IllegalStateException("region " + region + "'s answer to " + path + " is not believed (" + verdict
        + "): it is not signed with the secret of the pair for this request");
    }
    return answer;
  }

  private static IllegalStateException failureOf(String region, HttpResponse<Buffer> answer) {
    String why = "region " + region + " answered " + answer.statusCode() + ": " + answer.bodyAsString();
    return NOT_NOW.contains(answer.statusCode()) ? new IllegalStateException(why) : new RefusedByRegionException(why);
  }
}
