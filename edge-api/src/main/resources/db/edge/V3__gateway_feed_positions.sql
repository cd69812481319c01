-- How far the edge has read each gateway's event feed: the id of the last event it applied from it.
-- A gateway gives up delivering a webhook after a while (its retries end, or the edge refused it
-- while it could not apply it); the feed is the gateway's own record of every event, read after
-- the position to learn what no webhook brought (until 2026-12-06 such a chargeback or returned
-- payout was never learnt: the reconciler asks only about movements still waiting). Reading an
-- event again is harmless, each is applied at most once (gateway_events), so the position may
-- step back when two edges write it.
CREATE TABLE gateway_feed_positions (
  gateway    text        PRIMARY KEY,
  after_id   text        NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE ON gateway_feed_positions TO ${app_role};
