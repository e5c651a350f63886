DROP TABLE calendar_feeds;
DROP TABLE person_interests;
DROP INDEX users_left_on_idx;
DROP INDEX users_started_on_idx;
ALTER TABLE users DROP COLUMN left_on;
