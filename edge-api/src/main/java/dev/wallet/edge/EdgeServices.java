package dev.wallet.edge;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.edge.admin.ClusterGauges;
import dev.wallet.edge.console.LiveFigures;
import dev.wallet.edge.funds.Funds;
import dev.wallet.edge.http.ConnectionCap;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.edge.http.MoneyGate;
import dev.wallet.edge.http.RateLimiter;
import dev.wallet.edge.live.BalanceFeed;
import dev.wallet.edge.live.SocketsPerCaller;
import dev.wallet.edge.money.MerchantRegions;
import dev.wallet.edge.regions.ClearingCheck;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.ledger.MoneyHalts;
import dev.wallet.limits.Limits;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.openapi.contract.OpenAPIContract;
import java.util.Optional;

/**
 * What every verticle instance of one process shares: the money core (and so the only sweeper of
 * the process), the ledger reader, the funds (deposits, withdrawals, webhooks), the live balance
 * feed (one subscription to the money core's outbox tail, fanned out to sockets), the rate limiter
 * (one bucket per caller per process, whichever event loop serves the caller), the parsed OpenAPI
 * document and its text, the meter registry, the limits module (its Hazelcast member embedded), and
 * the process's caps: connections, and balance sockets per caller; the gate that knows whether
 * reconciliation has halted money movement; the console's Live figures (one client to Prometheus, its
 * answers shared by every page open on this process); with several regions, the check of this one's books
 * against theirs, and how to ask them about their merchants.
 */
record EdgeServices(BalanceCache cache, LedgerReader ledger, Funds funds, BalanceFeed feed, RateLimiter rateLimiter,
                    OpenAPIContract contract, Buffer openApiDocument, PrometheusMeterRegistry registry,
                    EdgeMetrics metrics, Limits limits, ConnectionCap connections, SocketsPerCaller socketsPerCaller,
                    MoneyHalts halts, MoneyGate gate, ClusterGauges clusterGauges, LiveFigures liveFigures,
                    Optional<ClearingCheck> clearingCheck, Optional<MerchantRegions> merchantRegions) {
}
