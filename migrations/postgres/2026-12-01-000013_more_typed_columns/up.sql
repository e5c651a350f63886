-- More typed columns: how a competence was assessed, and how a credential was verified.
ALTER TABLE competency_assessments ADD CONSTRAINT competency_assessments_evidence_method_check CHECK (evidence_method IN ('direct_observation','recording','supervisor_report','portfolio','unspecified'));
ALTER TABLE accreditations ADD CONSTRAINT accreditations_verification_method_check CHECK (verification_method IS NULL OR verification_method IN ('register_lookup','certificate_seen','body_confirmation','other'));
