-- More typed columns: how a competence was assessed, and how a credential was verified. SQLite
-- cannot add a constraint to an existing table, so triggers refuse the same rows.
CREATE TRIGGER competency_assessments_method_check_insert BEFORE INSERT ON competency_assessments
WHEN NOT (NEW.evidence_method IN ('direct_observation','recording','supervisor_report','portfolio','unspecified'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: competency_assessments holds a value its column does not allow'); END;
CREATE TRIGGER competency_assessments_method_check_update BEFORE UPDATE ON competency_assessments
WHEN NOT (NEW.evidence_method IN ('direct_observation','recording','supervisor_report','portfolio','unspecified'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: competency_assessments holds a value its column does not allow'); END;
CREATE TRIGGER accreditations_check_insert BEFORE INSERT ON accreditations
WHEN NOT (NEW.verification_method IS NULL OR NEW.verification_method IN ('register_lookup','certificate_seen','body_confirmation','other'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: accreditations holds a value its column does not allow'); END;
CREATE TRIGGER accreditations_check_update BEFORE UPDATE ON accreditations
WHEN NOT (NEW.verification_method IS NULL OR NEW.verification_method IN ('register_lookup','certificate_seen','body_confirmation','other'))
BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: accreditations holds a value its column does not allow'); END;
