-- Making a month's partitions takes an ACCESS EXCLUSIVE lock on postings and entries. Behind a long
-- reader (a chain verification, a dump, a large report) it waited, and every writer's insert and every
-- read queued behind it: all shards stopped committing for as long as the reader ran. It now gives up
-- after 2 s (lock_not_available, 55P03); the writer makes months ahead on a timer and tries again, and a
-- batch that needed the month is retried like any failed batch.
ALTER FUNCTION ledger_ensure_month(date) SET lock_timeout = '2s';
