//! Every email the registry writes, from templates (`templates/mail/`, checked at compile time):
//! a plain-text part and an accessible HTML twin saying the same, with the service's name and
//! whom to write to.

use askama::Template;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::Email;
use crate::dates::uk_date_time;
use crate::error::AppError;

/// Whom a person writes to about the registry: the service's contact address, or its training
/// leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub intro: String,
    pub people: Vec<ContactPerson>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactPerson {
    pub name: Option<String>,
    pub email: String,
}

/// What an email says about where it comes from: the recipient's service and its contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Sender {
    pub service: Option<String>,
    pub contact: Option<Contact>,
}

impl Contact {
    /// The service's own address.
    pub fn mailbox(email: &str) -> Contact {
        Contact {
            intro: "Questions about the registry: write to ".into(),
            people: vec![ContactPerson {
                name: None,
                email: email.to_string(),
            }],
        }
    }

    /// The service's training leads.
    pub fn leads(people: Vec<ContactPerson>) -> Contact {
        Contact {
            intro: if people.len() == 1 {
                "Questions about the registry: your training lead is ".into()
            } else {
                "Questions about the registry: your training leads are ".into()
            },
            people,
        }
    }
}

/// One thing a digest tells, with the link to where it is dealt with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub text: String,
    pub label: String,
    pub url: String,
}

/// A digest of reminders: the urgent ones first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Digest {
    pub heading: String,
    pub name: String,
    pub count_words: String,
    pub urgent: Vec<Item>,
    pub later: Vec<Item>,
    /// Where reminders are turned off; `None` for someone who never signs in.
    pub preferences_url: Option<String>,
}

#[derive(Template)]
#[template(path = "mail/digest.txt")]
struct DigestText<'a> {
    service: Option<&'a str>,
    contact: Option<&'a Contact>,
    m: &'a Digest,
}

#[derive(Template)]
#[template(path = "mail/digest.html")]
struct DigestHtml<'a> {
    service: Option<&'a str>,
    contact: Option<&'a Contact>,
    m: &'a Digest,
}

/// An emailed link (an invitation, a password reset, a countersigning).
struct Link {
    heading: &'static str,
    name: String,
    why: String,
    action: &'static str,
    link: String,
    /// How long the link works, as a sentence.
    lasts: String,
    otherwise: &'static str,
}

#[derive(Template)]
#[template(path = "mail/link.txt")]
struct LinkText<'a> {
    service: Option<&'a str>,
    contact: Option<&'a Contact>,
    m: &'a Link,
}

#[derive(Template)]
#[template(path = "mail/link.html")]
struct LinkHtml<'a> {
    service: Option<&'a str>,
    contact: Option<&'a Contact>,
    m: &'a Link,
}

/// An email of two parts saying the same: plain text and HTML.
fn two_parts(
    to: &str,
    subject: &str,
    text: &impl Template,
    html: &impl Template,
) -> Result<Email, AppError> {
    let rendered = |t: &dyn askama::DynTemplate| {
        t.dyn_render()
            .map_err(|e| AppError::internal(format!("an email template failed: {e}")))
    };
    Ok(Email {
        to: to.to_string(),
        subject: subject.to_string(),
        text: rendered(text)?,
        html: rendered(html)?,
        message_id: None,
        unsubscribe: None,
    })
}

/// "1 thing", "3 things".
pub fn things(n: usize) -> String {
    if n == 1 {
        "1 thing".into()
    } else {
        format!("{n} things")
    }
}

/// A digest as the outbox stores it until it is sent: what it says, rendered then.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDigest {
    pub from: Sender,
    pub digest: Digest,
}

/// The digest email for one person.
pub fn digest(to: &str, subject: &str, from: &Sender, m: &Digest) -> Result<Email, AppError> {
    let (service, contact) = (from.service.as_deref(), from.contact.as_ref());
    two_parts(
        to,
        subject,
        &DigestText {
            service,
            contact,
            m,
        },
        &DigestHtml {
            service,
            contact,
            m,
        },
    )
}

fn link_email(to: &str, subject: &str, from: &Sender, m: &Link) -> Result<Email, AppError> {
    let (service, contact) = (from.service.as_deref(), from.contact.as_ref());
    two_parts(
        to,
        subject,
        &LinkText {
            service,
            contact,
            m,
        },
        &LinkHtml {
            service,
            contact,
            m,
        },
    )
}

/// The invitation sent to a person created without a password. `link` is usually the outbox's
/// placeholder, filled in when the message is sent.
pub fn invitation(
    to: &str,
    full_name: &str,
    link: &str,
    expires_at: &NaiveDateTime,
    from: &Sender,
) -> Result<Email, AppError> {
    link_email(
        to,
        "You have been invited to the Talking Therapies training registry",
        from,
        &Link {
            heading: "Set your password for the training registry",
            name: full_name.to_string(),
            why: "An account has been made for you in the training, accreditation and supervision registry, where you record supervision and keep your training and accreditation up to date.".into(),
            action: "Set your password",
            link: link.to_string(),
            lasts: format!("The link works once, until {}.", uk_date_time(*expires_at)),
            otherwise: "If the link has expired, ask your training lead to send a new invitation.",
        },
    )
}

/// The email with a link to reset a forgotten password.
pub fn password_reset(
    to: &str,
    full_name: &str,
    link: &str,
    expires_at: &NaiveDateTime,
    from: &Sender,
) -> Result<Email, AppError> {
    link_email(
        to,
        "Reset your password for the Talking Therapies training registry",
        from,
        &Link {
            heading: "Reset your password",
            name: full_name.to_string(),
            why: "Someone asked to reset the password of your account in the training, accreditation and supervision registry.".into(),
            action: "Choose a new password",
            link: link.to_string(),
            lasts: format!("The link works once, until {}.", uk_date_time(*expires_at)),
            otherwise: "If you did not ask, you can ignore this email: your password stays as it is.",
        },
    )
}

/// The email asking a supervisor to countersign a log, through a link that needs no sign-in.
pub fn sign_off_request(
    to: &str,
    supervisor: &str,
    supervisee: &str,
    held_on: chrono::NaiveDate,
    link: &str,
    expires_at: &NaiveDateTime,
    from: &Sender,
) -> Result<Email, AppError> {
    link_email(
        to,
        &format!("{supervisee} asks you to countersign a supervision session"),
        from,
        &Link {
            heading: "A supervision session to countersign",
            name: supervisor.to_string(),
            why: format!(
                "{supervisee} has recorded a supervision session with you on {} in the training registry, and names you as their supervisor. Please check it, then countersign it or say why it is not right. You do not need an account.",
                crate::dates::uk_date(held_on)
            ),
            action: "Review the session",
            link: link.to_string(),
            lasts: format!(
                "The link works until {}, or until you have dealt with the session. Opening it changes nothing.",
                uk_date_time(*expires_at)
            ),
            otherwise: "If you did not supervise this person, choose \"Not right\" on the page and say so.",
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sender() -> Sender {
        Sender {
            service: Some("Northfield <Talking> Therapies".into()),
            contact: Some(Contact::leads(vec![
                ContactPerson {
                    name: Some("Lee Lead".into()),
                    email: "lee@example.org".into(),
                },
                ContactPerson {
                    name: Some("Ann Other".into()),
                    email: "ann@example.org".into(),
                },
            ])),
        }
    }

    #[test]
    fn a_digest_reads_the_same_in_both_parts_and_escapes_html() {
        let item = |text: &str| Item {
            text: text.into(),
            label: "See your supervision record".into(),
            url: "https://registry.example/api/v1/x?a=1&b=2".into(),
        };
        let d = Digest {
            heading: "Reminders from the training registry".into(),
            name: "Sam <O'Kafor>".into(),
            count_words: things(2),
            urgent: vec![item("Your clinical supervision is overdue")],
            later: vec![item("A log waits for your sign-off")],
            preferences_url: Some("https://registry.example/prefs".into()),
        };
        let e = digest("sam@example.org", "Subject", &sender(), &d).expect("renders");
        for part in [&e.text, &e.html] {
            assert!(
                part.contains("Your clinical supervision is overdue"),
                "{part}"
            );
            assert!(
                part.contains("Lee Lead") && part.contains("ann@example.org"),
                "{part}"
            );
            assert!(part.contains("2 things"), "{part}");
        }
        assert!(e.text.contains("Hello Sam <O'Kafor>,"), "{}", e.text);
        assert!(e.text.contains("Northfield <Talking> Therapies"));
        assert!(e
            .text
            .contains("  See your supervision record: https://registry.example/api/v1/x?a=1&b=2"));
        assert!(e.html.contains("lang=\"en-GB\""));
        assert!(
            e.html.contains("Sam &#60;O&#39;Kafor&#62;") || e.html.contains("Sam &lt;O"),
            "{}",
            e.html
        );
        assert!(!e.html.contains("<Talking>"));
        assert!(e.html.contains("<h2"), "sections are headed");
        assert!(
            e.text
                .contains("Lee Lead (lee@example.org) or Ann Other (ann@example.org)."),
            "{}",
            e.text
        );
    }

    #[test]
    fn an_invitation_names_the_link_and_when_it_ends() {
        let until = chrono::NaiveDate::from_ymd_opt(2026, 12, 8)
            .and_then(|d| d.and_hms_opt(14, 30, 0))
            .expect("a time");
        let e = invitation(
            "a@example.org",
            "Pat",
            "{{invitation_link}}",
            &until,
            &Sender::default(),
        )
        .expect("renders");
        assert!(
            e.text.contains("Set your password: {{invitation_link}}"),
            "{}",
            e.text
        );
        assert!(e.text.contains("8 December 2026 at 14:30 UTC"));
        assert!(
            e.html.contains("href=\"{{invitation_link}}\""),
            "{}",
            e.html
        );
        assert!(
            !e.text.contains("Questions about"),
            "no contact line without a service"
        );
    }
}
