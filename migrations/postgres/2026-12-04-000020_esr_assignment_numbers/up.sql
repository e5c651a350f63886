-- The ESR (Electronic Staff Record) assignment number of a person's post, when their trust
-- gives it: a staff list exported from ESR carries it, so an import can show it beside the
-- person. Optional; the registry keys people by email.
ALTER TABLE users ADD COLUMN esr_assignment_number TEXT;
