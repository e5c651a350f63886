//! Where each reminder sends its reader: the record that shows the lapse and where it is dealt
//! with. The API's paths until the web pages exist; this is the one place to change them.

/// A person's supervision compliance.
pub fn compliance(person: &str) -> String {
    format!("/api/v1/practitioners/{person}/supervision-compliance")
}

/// A person's accreditations and registrations.
pub fn accreditations(person: &str) -> String {
    format!("/api/v1/practitioners/{person}/accreditations")
}

/// A person's CPD.
pub fn cpd(person: &str) -> String {
    format!("/api/v1/practitioners/{person}/cpd")
}

/// One supervision log, to countersign or reject.
pub fn log(id: &str) -> String {
    format!("/api/v1/supervision-logs/{id}")
}

/// A person's competences.
pub fn competences(person: &str) -> String {
    format!("/api/v1/practitioners/{person}/competencies")
}

/// A course.
pub fn course(id: &str) -> String {
    format!("/api/v1/courses/{id}")
}

/// Who still lacks each required course.
pub fn course_report() -> String {
    "/api/v1/reports/courses".into()
}

/// The recipient's own reminder preferences.
pub fn preferences() -> String {
    "/api/v1/me/notification-preferences".into()
}
