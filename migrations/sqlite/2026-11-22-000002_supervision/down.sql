DROP TABLE supervision_logs;
DROP TABLE supervision_policy_rules;
