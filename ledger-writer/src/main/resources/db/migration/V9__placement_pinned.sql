-- Which shards of the ledger this database holds (docs/architecture.md, "A ledger over several
-- databases"): written by the first writer that commits here, compared by every later batch, so that
-- a placement changed while shards have postings here is refused rather than followed (moving a
-- shard to another database is not built). Append-only like the rest.
CREATE TABLE ledger_shards (
  shard integer PRIMARY KEY CHECK (shard >= 0)
);

CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON ledger_shards
  FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON ledger_shards
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change();

GRANT SELECT, INSERT ON ledger_shards TO ${app_role};
