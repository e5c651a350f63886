//! Sending: claimed deliveries go out over SMTP a few at a time, and each outcome is recorded.

use futures_util::StreamExt;

use crate::app::AppState;
use crate::error::AppError;

/// Deliveries sent per claim.
const CLAIM_BATCH: i64 = 50;
/// Messages sent at the same time.
const SENDS_IN_FLIGHT: usize = 8;

/// Sends every due delivery, batch by batch.
pub async fn deliver(state: &AppState) -> Result<(usize, usize), AppError> {
    let (mut sent, mut failed) = (0, 0);
    let max = state.settings.reminder_max_attempts;
    let base = state.settings.reminder_backoff_secs;
    // Only what was due when this run began: a failure rescheduled during the run waits for
    // the next one, even with no back-off.
    let started = state.clock.now();
    loop {
        let batch = state
            .db(move |conn| super::claim(conn, CLAIM_BATCH, started))
            .await?;
        if batch.is_empty() {
            break;
        }
        // A few messages in flight at once: each SMTP exchange waits on the network far more
        // than on this process.
        let results: Vec<Result<bool, AppError>> = futures_util::stream::iter(batch)
            .map(|d| send_one(state, d, max, base))
            .buffer_unordered(SENDS_IN_FLIGHT)
            .collect()
            .await;
        for r in results {
            if r? {
                sent += 1;
            } else {
                failed += 1;
            }
        }
    }
    Ok((sent, failed))
}

/// Sends one claimed delivery (rendering an invitation's link first) and records the outcome;
/// answers whether it went out. An invitation no longer open is recorded as dead, unsent.
async fn send_one(
    state: &AppState,
    d: super::Delivery,
    max: i32,
    base: i64,
) -> Result<bool, AppError> {
    let at = state.clock.now();
    // Only an invitation needs the database, to render its link; a digest is rendered from
    // what it says. A message that cannot be made is recorded dead, unsent, with the reason.
    let (email, d) = if d.invitation_id.is_some() {
        let keys = state.tokens.clone();
        let public = state.settings.public_base_url();
        let (email, d) = state
            .db(move |conn| Ok((super::render(conn, &keys, &public, &d, at)?, d)))
            .await?;
        let gone = || {
            AppError::Conflict("the invitation was used, replaced or has expired; not sent".into())
        };
        (email.ok_or_else(gone), d)
    } else {
        (d.email(), d)
    };
    let outcome = match &email {
        Ok(email) => state.mailer.send(email).await,
        Err(AppError::Conflict(why)) => Err(why.clone()),
        Err(e) => Err(format!("the message could not be made: {e}")),
    };
    let ok = outcome.is_ok();
    if let Err(e) = &outcome {
        tracing::warn!(delivery_id = %d.id, error = %e, "reminder not delivered");
    }
    // The attempt's own time, for its back-off; a message that must not go out is dead now.
    let at = state.clock.now();
    let max = if email.is_err() { 1 } else { max };
    state
        .write(move |conn| super::record(conn, &d, outcome, max, base, at))
        .await?;
    Ok(ok)
}

/// Sends a just-queued email in the background (a countersign request to a supervisor from
/// outside the service); the outbox retries it if that fails.
pub fn send_soon(state: &AppState, delivery: Option<String>) {
    if let Some(delivery) = delivery {
        let owned = state.clone();
        state.spawn_background(async move {
            if let Err(e) = deliver_now(&owned, delivery).await {
                tracing::warn!(error = %e, "countersign request not sent; the outbox will retry it");
            }
        });
    }
}

/// Sends one delivery now if it is still waiting (an invitation, just queued): through the
/// outbox, so a failure is retried on the schedule and a dead one is listed.
pub async fn deliver_now(state: &AppState, delivery_id: String) -> Result<bool, AppError> {
    let at = state.clock.now();
    let claimed = state
        .db(move |conn| super::claim_one(conn, &delivery_id, at))
        .await?;
    match claimed {
        Some(d) => {
            send_one(
                state,
                d,
                state.settings.reminder_max_attempts,
                state.settings.reminder_backoff_secs,
            )
            .await
        }
        None => Ok(false),
    }
}
