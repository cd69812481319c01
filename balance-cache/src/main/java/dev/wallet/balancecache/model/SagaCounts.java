package dev.wallet.balancecache.model;

/**
 * What this process's cross-shard sagas and sweeper did since it started: for metrics.
 *
 * @param started      movements whose source this process debited across shards
 * @param completed    movements this process finished as completed (by request or sweep)
 * @param reversed     movements this process reversed because the destination refused
 * @param leftPending  requests answered PENDING because a later step could not be reached
 * @param swept        pending movements the sweeper drove to their end
 * @param sweepFailures attempts of the sweeper that failed and will be retried (movements driven, expired
 *                      authorizations released, owed "finished" notices sent)
 */
public record SagaCounts(long started, long completed, long reversed, long leftPending, long swept,
                         long sweepFailures) {
}
