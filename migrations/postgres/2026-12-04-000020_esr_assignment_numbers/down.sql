ALTER TABLE users DROP COLUMN esr_assignment_number;
