//! Access tokens (JWT, HS256 pinned, short-lived) and opaque secrets (refresh tokens,
//! invitation tokens), which are stored only as their SHA-256.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ISSUER: &str = "registry";
pub const AUDIENCE: &str = "registry-api";

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// The session (refresh-token family) the token belongs to; logout ends it.
    pub sid: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl_secs: i64,
    /// Keys calendar-feed secrets; derived from the signing secret, never used to sign.
    feed_key: [u8; 32],
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl_secs: i64) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl_secs,
            feed_key: Sha256::new()
                .chain_update(b"registry calendar-feed key v1\0")
                .chain_update(secret)
                .finalize()
                .into(),
        }
    }

    pub fn issue(&self, user_id: &str, session_id: &str, now: i64) -> Result<String, String> {
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id.to_string(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            nbf: now,
            exp: now + self.access_ttl_secs,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| e.to_string())
    }

    /// Checks signature, algorithm, `exp`, `nbf`, `iss` and `aud`.
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| e.to_string())
    }
}

impl TokenKeys {
    /// A person's calendar-feed secret: HMAC-SHA256 of their id and feed nonce under the feed
    /// key, URL-safe. Only its digest is stored; the nonce alone does not give it away.
    pub fn feed_secret(&self, user_id: &str, nonce: &str) -> String {
        use hmac::{Hmac, Mac};
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.feed_key) {
            Ok(m) => m,
            // HMAC takes a key of any length, so this cannot happen.
            Err(_) => return new_secret(),
        };
        mac.update(user_id.as_bytes());
        mac.update(b"\0");
        mac.update(nonce.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

impl TokenKeys {
    /// An invitation's token: HMAC-SHA256 of the invitation id and its nonce under the feed
    /// key, with a label of its own so it can never equal a feed secret. Never stored: rendered
    /// into the email when it is sent; only its digest is kept, to redeem it.
    pub fn invitation_secret(&self, invitation_id: &str, nonce: &str) -> String {
        self.feed_secret(&format!("invitation\0{invitation_id}"), nonce)
    }
}

/// A new random secret, URL-safe (256 bits).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// How a secret is kept at rest.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The signing secret: the configured one, else the one kept in `DATA_DIR/jwt_secret`,
/// generated (mode 0600) on first start.
pub fn load_or_create_secret(configured: Option<&str>, data_dir: &Path) -> Result<Vec<u8>, String> {
    if let Some(s) = configured {
        return Ok(s.as_bytes().to_vec());
    }
    let path = data_dir.join("jwt_secret");
    match std::fs::read_to_string(&path) {
        Ok(s) if s.trim().len() >= 32 => return Ok(s.trim().as_bytes().to_vec()),
        Ok(_) => return Err(format!("{} is shorter than 32 characters", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let secret = {
        let mut bytes = [0u8; 48];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    };
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(secret.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a new JWT signing secret");
    Ok(secret.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_and_a_tampered_one_does_not() {
        let keys = TokenKeys::new(b"0123456789abcdef0123456789abcdef", 900);
        let now = chrono::Utc::now().timestamp();
        let t = keys.issue("u1", "s1", now).unwrap();
        let c = keys.verify(&t).unwrap();
        assert_eq!((c.sub.as_str(), c.sid.as_str()), ("u1", "s1"));
        let other = TokenKeys::new(b"another-secret-another-secret-xx", 900);
        assert!(other.verify(&t).is_err());
        let expired = keys.issue("u1", "s1", now - 2000).unwrap();
        assert!(keys.verify(&expired).is_err());
        let future = keys.issue("u1", "s1", now + 600).unwrap();
        assert!(
            keys.verify(&future).is_err(),
            "nbf in the future must be refused"
        );
    }

    #[test]
    fn the_secret_file_is_private_and_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create_secret(None, dir.path()).unwrap();
        let b = load_or_create_secret(None, dir.path()).unwrap();
        assert_eq!(a, b);
        let mode = std::fs::metadata(dir.path().join("jwt_secret"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
