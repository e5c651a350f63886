-- In step with PostgreSQL, which drops the per-row foreign-key checks of notifications (see its
-- migration). SQLite's checks cost nothing measurable and dropping them means rebuilding the
-- table, so they stay here.
SELECT 1;
