-- Courses a service requires: of everyone in it, or of one practitioner role.
CREATE TABLE required_courses (
    id TEXT PRIMARY KEY NOT NULL,
    service_id TEXT NOT NULL REFERENCES services (id),
    course_id TEXT NOT NULL REFERENCES courses (id),
    -- NULL: everyone in the service
    practitioner_role TEXT REFERENCES practitioner_roles (code),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX required_courses_service_idx ON required_courses (service_id, id);
CREATE INDEX required_courses_course_idx ON required_courses (course_id);
