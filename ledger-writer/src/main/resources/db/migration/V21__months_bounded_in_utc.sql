-- A month's partitions are bounded at its first instant in UTC, whoever creates them. The bounds are
-- dates turned into timestamptz by the session's TimeZone: Flyway and the shard move connect through
-- JDBC, which sends the JVM's zone, the writer's pool sends none (the server's default), and the writer
-- chooses the month to prepare in UTC. A month made in Europe/Berlin began an hour before the next one
-- made in UTC ended: a posting in that hour had no partition, and the opposite skew made bounds overlap.
ALTER FUNCTION ledger_ensure_month(date) SET TimeZone = 'UTC';
