//! Verifying a push's JWT (docs/behaviour.md, "What senders send"): a Pub/Sub push
//! subscription with authentication sends `Authorization: Bearer <JWT>` signed by its
//! provider. With a JWKS file configured (`OVERDUE_PUSH_JWKS`, the provider's public
//! keys) and an audience (`OVERDUE_PUSH_AUDIENCE`), every push must carry a token
//! signed by one of those keys (RS256, found by `kid`), for that audience, not
//! expired. The file is read at start (a bad one stops the start) and again when a
//! token names a key it does not hold, so rotated keys are picked up by replacing it.

use std::path::PathBuf;
use std::sync::RwLock;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};

/// The push's JWT check.
#[derive(Debug)]
pub struct PushJwt {
    path: PathBuf,
    audience: String,
    keys: RwLock<JwkSet>,
}

/// Reads a JWKS file, or says why it cannot be used.
fn load(path: &PathBuf) -> Result<JwkSet, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let set: JwkSet = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not a JWKS ({{\"keys\": [...]}}): {e}",
            path.display()
        )
    })?;
    if set.keys.is_empty() {
        return Err(format!("{} holds no keys", path.display()));
    }
    Ok(set)
}

impl PushJwt {
    /// Reads the JWKS file at `path`; tokens must be for `audience`.
    pub fn new(path: PathBuf, audience: String) -> Result<PushJwt, String> {
        if audience.trim().is_empty() {
            return Err(
                "give the audience the push subscription sets (OVERDUE_PUSH_AUDIENCE)".into(),
            );
        }
        let keys = RwLock::new(load(&path)?);
        Ok(PushJwt {
            path,
            audience,
            keys,
        })
    }

    /// The key `kid` names, reading the file again when it is not there.
    fn key(&self, kid: &str) -> Result<DecodingKey, String> {
        let find = |set: &JwkSet| set.find(kid).map(DecodingKey::from_jwk);
        let held = self.keys.read().ok().and_then(|s| find(&s));
        let found = match held {
            Some(k) => Some(k),
            None => {
                let fresh = load(&self.path)?;
                let k = find(&fresh);
                if let Ok(mut keys) = self.keys.write() {
                    *keys = fresh;
                }
                k
            }
        };
        found
            .ok_or_else(|| format!("no key {kid:?} in the configured JWKS"))?
            .map_err(|e| format!("key {kid:?} cannot verify: {e}"))
    }

    /// Checks an `Authorization` header's value; `Err` says what is wrong, in words.
    pub fn check(&self, authorization: Option<&str>) -> Result<(), String> {
        let token = authorization
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or("this push URL needs Authorization: Bearer <the push subscription's token>")?;
        let header = decode_header(token).map_err(|e| format!("the token is not a JWT: {e}"))?;
        if header.alg != Algorithm::RS256 {
            return Err(format!(
                "the token is signed with {:?}; RS256 is expected",
                header.alg
            ));
        }
        let kid = header.kid.ok_or("the token names no key (kid)")?;
        let key = self.key(&kid)?;
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "aud"]);
        decode::<serde_json::Value>(token, &key, &v)
            .map(|_| ())
            .map_err(|e| format!("the token does not verify: {e}"))
    }
}
