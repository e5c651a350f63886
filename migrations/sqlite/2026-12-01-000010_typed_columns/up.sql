-- Typed columns: each status, format, kind, stage and outcome column takes only the values its
-- Rust enum knows, so a value the code cannot read never gets in. PostgreSQL checks them with
-- CHECK constraints; SQLite cannot add a constraint to an existing table, so triggers refuse
-- the same rows on INSERT and UPDATE.
CREATE TRIGGER supervision_logs_check_insert BEFORE INSERT ON supervision_logs
WHEN NOT (NEW.supervision_type IN ('case_management','clinical_skills','clinical','supervision_of_supervision')) OR NOT (NEW.format IN ('individual','group')) OR NOT (NEW.status IN ('submitted','signed_off','rejected'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: supervision_logs holds a value its column does not allow'); END;
CREATE TRIGGER supervision_logs_check_update BEFORE UPDATE ON supervision_logs
WHEN NOT (NEW.supervision_type IN ('case_management','clinical_skills','clinical','supervision_of_supervision')) OR NOT (NEW.format IN ('individual','group')) OR NOT (NEW.status IN ('submitted','signed_off','rejected'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: supervision_logs holds a value its column does not allow'); END;
CREATE TRIGGER supervision_policy_rules_check_insert BEFORE INSERT ON supervision_policy_rules
WHEN NOT (NEW.supervision_type IN ('case_management','clinical_skills','clinical','supervision_of_supervision')) OR NOT (NEW.formats IN ('individual','group','individual,group','group,individual')) OR NOT (NEW.stage IS NULL OR NEW.stage IN ('trainee','qualified'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: supervision_policy_rules holds a value its column does not allow'); END;
CREATE TRIGGER supervision_policy_rules_check_update BEFORE UPDATE ON supervision_policy_rules
WHEN NOT (NEW.supervision_type IN ('case_management','clinical_skills','clinical','supervision_of_supervision')) OR NOT (NEW.formats IN ('individual','group','individual,group','group,individual')) OR NOT (NEW.stage IS NULL OR NEW.stage IN ('trainee','qualified'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: supervision_policy_rules holds a value its column does not allow'); END;
CREATE TRIGGER users_check_insert BEFORE INSERT ON users
WHEN NOT (NEW.stage IS NULL OR NEW.stage IN ('trainee','qualified'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users holds a value its column does not allow'); END;
CREATE TRIGGER users_check_update BEFORE UPDATE ON users
WHEN NOT (NEW.stage IS NULL OR NEW.stage IN ('trainee','qualified'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: users holds a value its column does not allow'); END;
CREATE TRIGGER courses_check_insert BEFORE INSERT ON courses
WHEN NOT (NEW.kind IN ('practitioner_training','supervisor_training','cpd'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: courses holds a value its column does not allow'); END;
CREATE TRIGGER courses_check_update BEFORE UPDATE ON courses
WHEN NOT (NEW.kind IN ('practitioner_training','supervisor_training','cpd'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: courses holds a value its column does not allow'); END;
CREATE TRIGGER training_records_check_insert BEFORE INSERT ON training_records
WHEN NOT (NEW.status IN ('enrolled','in_progress','completed','withdrawn'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: training_records holds a value its column does not allow'); END;
CREATE TRIGGER training_records_check_update BEFORE UPDATE ON training_records
WHEN NOT (NEW.status IN ('enrolled','in_progress','completed','withdrawn'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: training_records holds a value its column does not allow'); END;
CREATE TRIGGER competency_assessments_check_insert BEFORE INSERT ON competency_assessments
WHEN NOT (NEW.outcome IN ('met','not_yet_met'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: competency_assessments holds a value its column does not allow'); END;
CREATE TRIGGER competency_assessments_check_update BEFORE UPDATE ON competency_assessments
WHEN NOT (NEW.outcome IN ('met','not_yet_met'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: competency_assessments holds a value its column does not allow'); END;
CREATE TRIGGER deliveries_check_insert BEFORE INSERT ON deliveries
WHEN NOT (NEW.status IN ('pending','sending','sent','failed','dead'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: deliveries holds a value its column does not allow'); END;
CREATE TRIGGER deliveries_check_update BEFORE UPDATE ON deliveries
WHEN NOT (NEW.status IN ('pending','sending','sent','failed','dead'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: deliveries holds a value its column does not allow'); END;
