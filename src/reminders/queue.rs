//! Queueing lapses. The scan writes one notification per (recipient, lapse key) under a unique
//! index, so however often it runs, and on however many instances, a lapse is queued once; a
//! recipient's new notifications of one run become one delivery in the outbox (a digest).

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Nullable, Text, Timestamp};

use super::rules::{digest_subject, Lapse};
use crate::db::schema::{notifications, users};
use crate::db::{write_tx, DbConn};
use crate::error::AppError;
use crate::mail::escape_html;

fn digest(name: &str, lapses: &[&Lapse], link: Option<&str>) -> (String, String, String) {
    let subject = digest_subject(lapses);
    let mut sorted: Vec<&&Lapse> = lapses.iter().collect();
    sorted.sort_by_key(|l| (!l.kind.urgent(), l.kind, l.due_on));
    let mut text =
        format!("Hello {name},\n\nThe training and supervision registry found these for you:\n\n");
    let mut html = format!(
        "<p>Hello {},</p><p>The training and supervision registry found these for you:</p><ul>",
        escape_html(name)
    );
    for l in &sorted {
        text.push_str(&format!("- {}\n", l.summary));
        html.push_str(&format!("<li>{}</li>", escape_html(&l.summary)));
    }
    html.push_str("</ul>");
    if let Some(link) = link {
        text.push_str(&format!("\nOpen the registry: {link}\n"));
        html.push_str(&format!(
            "<p><a href=\"{0}\">Open the registry</a></p>",
            escape_html(link)
        ));
    }
    text.push_str(
        "\nYou can turn off reminders that are not urgent in your notification preferences.\n",
    );
    html.push_str(
        "<p>You can turn off reminders that are not urgent in your notification preferences.</p>",
    );
    (subject, text, html)
}

/// Which of these lapses are not queued yet (for a dry run: writes nothing).
pub fn unseen<'a>(conn: &mut DbConn, lapses: &'a [Lapse]) -> Result<Vec<&'a Lapse>, AppError> {
    let mut recipients: Vec<&str> = lapses.iter().map(|l| l.recipient_id.as_str()).collect();
    recipients.sort_unstable();
    recipients.dedup();
    let mut known = std::collections::HashSet::new();
    // In chunks: SQLite allows at most 32,766 bound values in one statement.
    for chunk in recipients.chunks(5000) {
        known.extend(
            notifications::table
                .filter(notifications::recipient_id.eq_any(chunk))
                .select((notifications::recipient_id, notifications::dedupe_key))
                .load::<(String, String)>(conn)?,
        );
    }
    Ok(lapses
        .iter()
        .filter(|l| !known.contains(&(l.recipient_id.clone(), l.key.clone())))
        .collect())
}

/// Queues the lapses: returns how many notifications were new.
pub fn queue(
    conn: &mut DbConn,
    lapses: &[Lapse],
    link: Option<&str>,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    // Known lapses are dropped with a few queries; the unique index still settles races between
    // instances scanning at the same moment.
    let fresh = unseen(conn, lapses)?;
    let mut by_recipient: BTreeMap<&str, Vec<&Lapse>> = BTreeMap::new();
    for l in fresh {
        by_recipient
            .entry(l.recipient_id.as_str())
            .or_default()
            .push(l);
    }
    let ids: Vec<&str> = by_recipient.keys().copied().collect();
    let mut people: HashMap<String, (String, String)> = HashMap::new();
    for chunk in ids.chunks(5000) {
        people.extend(
            users::table
                .filter(users::id.eq_any(chunk))
                .filter(users::active.eq(true))
                .select((users::id, users::email, users::full_name))
                .load::<(String, String, String)>(conn)?
                .into_iter()
                .map(|(id, email, name)| (id, (email, name))),
        );
    }
    let mut queued = 0;
    for (recipient, mine) in by_recipient {
        let Some((email, name)) = people.get(recipient) else {
            continue;
        };
        queued += write_tx(conn, |conn| {
            let mut fresh: Vec<(&Lapse, String)> = Vec::new();
            for l in &mine {
                let id = uuid::Uuid::now_v7().to_string();
                let n = diesel::sql_query(
                    "INSERT INTO notifications (id, recipient_id, dedupe_key, kind, urgent, subject_id, summary, due_on, delivery_id, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9) ON CONFLICT DO NOTHING",
                )
                .bind::<Text, _>(&id)
                .bind::<Text, _>(&l.recipient_id)
                .bind::<Text, _>(&l.key)
                .bind::<Text, _>(l.kind.as_str())
                .bind::<Bool, _>(l.kind.urgent())
                .bind::<Nullable<Text>, _>(&l.subject_id)
                .bind::<Text, _>(&l.summary)
                .bind::<Nullable<Date>, _>(l.due_on)
                .bind::<Timestamp, _>(now)
                .execute(conn)?;
                if n == 1 {
                    fresh.push((l, id));
                }
            }
            if fresh.is_empty() {
                return Ok(0);
            }
            let lapses: Vec<&Lapse> = fresh.iter().map(|(l, _)| *l).collect();
            let (subject, text, html) = digest(name, &lapses, link);
            let delivery = crate::outbox::enqueue(
                conn,
                &crate::outbox::Outgoing {
                    recipient_id: recipient,
                    recipient_email: email,
                    subject: &subject,
                    text: &text,
                    html: &html,
                },
                now,
            )?;
            let new_ids: Vec<&str> = fresh.iter().map(|(_, id)| id.as_str()).collect();
            diesel::update(notifications::table.filter(notifications::id.eq_any(&new_ids)))
                .set(notifications::delivery_id.eq(&delivery))
                .execute(conn)?;
            Ok(fresh.len())
        })?;
    }
    Ok(queued)
}
