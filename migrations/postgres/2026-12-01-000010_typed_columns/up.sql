-- Typed columns: each status, format, kind, stage and outcome column takes only the values its
-- Rust enum knows, so a value the code cannot read never gets in. PostgreSQL checks them with
-- CHECK constraints; SQLite cannot add a constraint to an existing table, so triggers refuse
-- the same rows on INSERT and UPDATE.
ALTER TABLE supervision_logs ADD CONSTRAINT supervision_logs_supervision_type_check CHECK (supervision_type IN ('case_management','clinical_skills','clinical','supervision_of_supervision'));
ALTER TABLE supervision_logs ADD CONSTRAINT supervision_logs_format_check CHECK (format IN ('individual','group'));
ALTER TABLE supervision_logs ADD CONSTRAINT supervision_logs_status_check CHECK (status IN ('submitted','signed_off','rejected'));
ALTER TABLE supervision_policy_rules ADD CONSTRAINT supervision_policy_rules_supervision_type_check CHECK (supervision_type IN ('case_management','clinical_skills','clinical','supervision_of_supervision'));
ALTER TABLE supervision_policy_rules ADD CONSTRAINT supervision_policy_rules_formats_check CHECK (formats IN ('individual','group','individual,group','group,individual'));
ALTER TABLE supervision_policy_rules ADD CONSTRAINT supervision_policy_rules_stage_check CHECK (stage IS NULL OR stage IN ('trainee','qualified'));
ALTER TABLE users ADD CONSTRAINT users_stage_check CHECK (stage IS NULL OR stage IN ('trainee','qualified'));
ALTER TABLE courses ADD CONSTRAINT courses_kind_check CHECK (kind IN ('practitioner_training','supervisor_training','cpd'));
ALTER TABLE training_records ADD CONSTRAINT training_records_status_check CHECK (status IN ('enrolled','in_progress','completed','withdrawn'));
ALTER TABLE competency_assessments ADD CONSTRAINT competency_assessments_outcome_check CHECK (outcome IN ('met','not_yet_met'));
ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN ('pending','sending','sent','failed','dead'));
