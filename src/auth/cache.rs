//! A short-lived cache of callers behind access tokens, so most requests skip the session
//! lookup. Changes made on this instance (logout, deactivation, role or service changes,
//! refresh-token reuse) drop the person's entries at once; on other instances they take effect
//! within the TTL (`auth_cache_secs`, default 5 s; 0 turns the cache off).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::policy::Caller;

/// Entries kept at most; past it the cache starts again empty.
const MAX_ENTRIES: usize = 20_000;

pub struct CallerCache {
    ttl: Duration,
    entries: Mutex<HashMap<(String, String), (Caller, Instant)>>,
    /// Browser sessions by their cookie's digest: the caller, when cached, and the session as
    /// it was read (`web_session::Open`).
    browsers: Mutex<HashMap<String, (crate::auth::web_session::Open, Instant)>>,
}

impl CallerCache {
    pub fn new(ttl_secs: u64) -> CallerCache {
        CallerCache {
            ttl: Duration::from_secs(ttl_secs),
            entries: Mutex::new(HashMap::new()),
            browsers: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, user_id: &str, session_id: &str) -> Option<Caller> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().ok()?;
        let (caller, at) = entries.get(&(user_id.to_string(), session_id.to_string()))?;
        (at.elapsed() < self.ttl).then(|| caller.clone())
    }

    pub fn put(&self, caller: &Caller) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(
                (caller.id.clone(), caller.session_id.clone()),
                (caller.clone(), Instant::now()),
            );
        }
    }

    /// Forgets every session of a person (after any change to them or their sessions).
    pub fn forget(&self, user_id: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|(user, _), _| user != user_id);
        }
        if let Ok(mut browsers) = self.browsers.lock() {
            browsers.retain(|_, (open, _)| open.caller.id != user_id);
        }
    }

    /// The browser session behind a cookie's digest, as read at most `ttl` ago.
    pub fn browser(&self, digest: &str) -> Option<crate::auth::web_session::Open> {
        if self.ttl.is_zero() {
            return None;
        }
        let browsers = self.browsers.lock().ok()?;
        let (open, at) = browsers.get(digest)?;
        (at.elapsed() < self.ttl).then(|| open.clone())
    }

    pub fn put_browser(&self, digest: &str, open: &crate::auth::web_session::Open) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut browsers) = self.browsers.lock() {
            if browsers.len() >= MAX_ENTRIES {
                browsers.clear();
            }
            browsers.insert(digest.to_string(), (open.clone(), Instant::now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(id: &str, sid: &str) -> Caller {
        Caller {
            id: id.into(),
            email: "e".into(),
            full_name: "n".into(),
            roles: vec![],
            service_id: None,
            session_id: sid.into(),
        }
    }

    #[test]
    fn entries_are_forgotten_by_person_and_when_off() {
        let c = CallerCache::new(60);
        c.put(&caller("u1", "s1"));
        c.put(&caller("u1", "s2"));
        c.put(&caller("u2", "s3"));
        assert!(c.get("u1", "s1").is_some());
        c.forget("u1");
        assert!(c.get("u1", "s1").is_none() && c.get("u1", "s2").is_none());
        assert!(c.get("u2", "s3").is_some());
        let open = crate::auth::web_session::Open {
            caller: caller("u3", "s4"),
            created: chrono::NaiveDateTime::default(),
            last_seen: chrono::NaiveDateTime::default(),
        };
        c.put_browser("digest", &open);
        assert!(c.browser("digest").is_some());
        c.forget("u3");
        assert!(c.browser("digest").is_none());
        let off = CallerCache::new(0);
        off.put(&caller("u1", "s1"));
        assert!(off.get("u1", "s1").is_none());
    }
}
