-- The alert filter on user principal names compares them folded by the
-- engine (engine.FoldUserPrincipalName: Unicode case folding), the same on
-- every backend; SQLite's NOCASE and lower() fold ASCII only. The engine
-- fills the column for the alerts already stored as part of this
-- migration (upgrades.go).
ALTER TABLE alerts ADD COLUMN upn_folded TEXT;
