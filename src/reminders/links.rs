//! Where each reminder sends its reader: the page that shows the lapse and where it is dealt
//! with. A practitioner's own lapses and a supervisor's queue open web pages; what a training
//! lead is told of someone else still points at the API until the lead's pages exist. This is
//! the one place to change them.

/// The reader's own home page: their supervision compliance per type.
pub fn own_compliance() -> String {
    "/".into()
}

/// The reader's own credentials and CPD progress, on their home page.
pub fn own_credentials() -> String {
    "/#credentials".into()
}

/// The reader's countersigning queue.
pub fn sign_off_queue() -> String {
    "/sign-off".into()
}

/// A person's supervision compliance.
pub fn compliance(person: &str) -> String {
    format!("/api/v1/practitioners/{person}/supervision-compliance")
}

/// A person's accreditations and registrations.
pub fn accreditations(person: &str) -> String {
    format!("/api/v1/practitioners/{person}/accreditations")
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
    "/settings#reminders".into()
}

/// A person's live assessments of practice.
pub fn live_assessments(person: &str) -> String {
    format!("/api/v1/practitioners/{person}/live-assessments")
}

/// A person's audits by their bodies.
pub fn body_audits(person: &str) -> String {
    format!("/api/v1/practitioners/{person}/body-audits")
}
