DROP INDEX courses_service_idx;
ALTER TABLE courses DROP COLUMN service_id;
DELETE FROM supervision_policy_rules WHERE service_id IS NOT NULL;
DROP INDEX supervision_policy_rules_service_idx;
ALTER TABLE supervision_policy_rules DROP COLUMN service_id;
DROP TABLE supervisor_services;
