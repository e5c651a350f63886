DROP TABLE cpd_activities;
DROP TABLE accreditations;
DROP TABLE training_records;
DROP TABLE courses;
DROP TABLE cpd_rules;
DROP TABLE credential_kinds;
