//! Password hashing: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane).
//!
//! Requests hash through [`Hashers`]: a fixed set of threads (one a core), each reusing one
//! buffer of argon2 memory, fed by a bounded queue. However many requests arrive at once, at most
//! `workers` hashes run and at most `workers` buffers exist, so memory stays flat; past the queue
//! bound a caller is told to come back (503 with `Retry-After`). The plain functions below are for
//! the command line and start-up, which hash once.

use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::AppError;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;
/// A stored hash asking for more memory than this is refused rather than computed.
const MAX_STORED_KIB: u32 = 64 * 1024;

fn params() -> Result<Params, String> {
    Params::new(19 * 1024, 2, 1, None).map_err(|e| e.to_string())
}

/// Hashes into `blocks`, growing it once to the size the parameters need.
pub fn hash_with(password: &str, blocks: &mut Vec<Block>) -> Result<String, String> {
    let params = params()?;
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| e.to_string())?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    if blocks.len() < params.block_count() {
        blocks.resize(params.block_count(), Block::default());
    }
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon
        .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, &mut blocks[..])
        .map_err(|e| e.to_string())?;
    let output = Output::new(&out).map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params)
            .try_into()
            .map_err(|e: argon2::password_hash::Error| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, computed in `blocks`.
fn matches_with(password: &str, stored: &str, blocks: &mut Vec<Block>) -> bool {
    let mut compute = || -> Result<bool, String> {
        let parsed = PasswordHash::new(stored).map_err(|e| e.to_string())?;
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| e.to_string())?;
        let version = parsed
            .version
            .map(Version::try_from)
            .transpose()
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        let params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
        if params.m_cost() > MAX_STORED_KIB {
            return Err("stored hash asks for too much memory".into());
        }
        let expected = parsed.hash.ok_or("stored hash has no output")?;
        let mut salt_buf = [0u8; 64];
        let salt = parsed
            .salt
            .ok_or("stored hash has no salt")?
            .decode_b64(&mut salt_buf)
            .map_err(|e| e.to_string())?;
        if blocks.len() < params.block_count() {
            blocks.resize(params.block_count(), Block::default());
        }
        let mut out = vec![0u8; expected.len()];
        Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut blocks[..])
            .map_err(|e| e.to_string())?;
        // `Output`'s equality is constant-time.
        Ok(Output::new(&out).map_err(|e| e.to_string())? == expected)
    };
    match compute() {
        Ok(ok) => ok,
        Err(e) => {
            tracing::warn!(error = %e, "a stored password hash could not be checked");
            false
        }
    }
}

/// A fixed hash that no password matches in practice, checked for unknown accounts so both
/// answers take the same time.
fn dummy() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_with("a password that no account has", &mut Vec::new()).unwrap_or_default()
    })
}

/// Whether `password` matches `stored`; `None` (an unknown account, or one with no password yet)
/// is checked against a fixed hash and never matches.
pub fn verify_with(password: &str, stored: Option<&str>, blocks: &mut Vec<Block>) -> bool {
    match stored {
        Some(s) => matches_with(password, s, blocks),
        None => {
            matches_with(password, dummy(), blocks);
            false
        }
    }
}

/// One-off hash, for the command line and start-up.
pub fn hash(password: &str) -> Result<String, String> {
    hash_with(password, &mut Vec::new())
}

/// One-off check, for the command line and start-up.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    verify_with(password, stored, &mut Vec::new())
}

type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// The bounded hashing pool every request goes through.
#[derive(Clone)]
pub struct Hashers {
    queue: SyncSender<Job>,
    /// What a caller past the queue bound is told to wait.
    retry_after_secs: i64,
}

impl Hashers {
    /// `workers` threads (0: one a core) and room for `queued` more waiting jobs.
    pub fn start(workers: usize, queued: usize) -> Result<Hashers, String> {
        let workers = if workers == 0 {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
        } else {
            workers
        };
        let (tx, rx) = mpsc::sync_channel::<Job>(queued);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    let mut blocks: Vec<Block> = Vec::new();
                    loop {
                        let job = match rx.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(&mut blocks),
                            // Every sender is gone: the app has stopped.
                            Err(_) => return,
                        }
                    }
                })
                .map_err(|e| format!("cannot start the password hashing threads: {e}"))?;
        }
        // Computed now, so the first unknown-account login costs what any other does.
        let _ = dummy();
        Ok(Hashers {
            queue: tx,
            retry_after_secs: 1,
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        let job: Job = Box::new(move |blocks| {
            let _entered = span.enter();
            let _ = tx.send(f(blocks));
        });
        match self.queue.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                tracing::warn!("password hashing queue is full; asking the caller to retry");
                return Err(AppError::Busy {
                    retry_after_secs: self.retry_after_secs,
                });
            }
            Err(TrySendError::Disconnected(_)) => {
                return Err(AppError::internal(
                    "the password hashing threads have stopped",
                ))
            }
        }
        rx.await
            .map_err(|_| AppError::internal("a password hashing job was dropped"))
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move |blocks| hash_with(&password, blocks))
            .await?
            .map_err(AppError::internal)
    }

    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        self.run(move |blocks| verify_with(&password, stored.as_deref(), blocks))
            .await
    }
}

/// The password rule, the same for sign-up, invitations and the first admin.
pub fn check_strength(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        return Err(format!("must be at least {MIN_LENGTH} characters"));
    }
    if n > MAX_LENGTH {
        return Err(format!("must be at most {MAX_LENGTH} characters"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", Some(&h)));
        assert!(!verify("wrong horse battery", Some(&h)));
        assert!(!verify("a password that no account has", None));
    }

    #[test]
    fn hashes_made_by_the_argon2_crate_verify_and_the_reverse() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params().unwrap());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon
            .hash_password(b"shared secret 1", &salt)
            .unwrap()
            .to_string();
        assert!(verify("shared secret 1", Some(&theirs)));
        let ours = hash("shared secret 2").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon.verify_password(b"shared secret 2", &parsed).is_ok());
        assert!(!verify("anything at all", Some("not a hash")));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_strength("short").is_err());
        assert!(check_strength("long enough password").is_ok());
    }

    #[actix_web::test]
    async fn the_pool_refuses_past_its_queue_bound() {
        let pool = Hashers::start(1, 1).unwrap();
        // One worker and room for one more: a burst gets 503s, and the ones taken are answered.
        let results = futures_util::future::join_all(
            (0..8).map(|_| pool.hash("a long enough password".into())),
        )
        .await;
        assert!(results
            .iter()
            .any(|r| matches!(r, Err(AppError::Busy { .. }))));
        assert!(results.iter().any(|r| r.is_ok()));
    }
}
