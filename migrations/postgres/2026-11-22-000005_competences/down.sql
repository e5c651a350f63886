DELETE FROM supervision_policy_rules WHERE id = '01934f0a-0000-7000-8000-000000000008';
DROP TABLE framework_assessors;
DROP TABLE competency_assessments;
DROP TABLE competencies;
DROP TABLE competency_frameworks;
