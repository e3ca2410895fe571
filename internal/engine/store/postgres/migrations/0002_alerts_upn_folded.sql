-- The alert filter on user principal names compares them folded by the
-- engine (engine.FoldUserPrincipalName: Unicode case folding), the same on
-- every backend; PostgreSQL's lower() depends on the database's collation.
-- The engine fills the column for the alerts already stored as part of
-- this migration (upgrades.go).
ALTER TABLE alerts ADD COLUMN upn_folded TEXT COLLATE "C";
