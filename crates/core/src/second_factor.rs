//! The second factor's rules (docs/security.md, "Second factor"): time-based one-time
//! codes (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock skew either
//! way) through `totp-rs`, each step accepted once; recovery codes in a form people can
//! type; the enrolment link as a QR code drawn by `qrcode`. Pure: the time and the
//! random bytes come from the caller.

use totp_rs::{Algorithm, Secret, TOTP};

use crate::Timestamp;

/// Seconds per code.
pub const STEP_SECS: u64 = 30;

/// Digits per code.
pub const DIGITS: usize = 6;

/// Recovery codes made at a time.
pub const RECOVERY_CODES: usize = 10;

/// The issuer authenticator apps show next to the account.
pub const ISSUER: &str = "Overdue";

fn totp(secret_b32: &str, account: &str) -> Result<TOTP, String> {
    let bytes = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|_| "the stored second factor is unreadable".to_string())?;
    TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        1,
        STEP_SECS,
        bytes,
        Some(ISSUER.to_string()),
        account.replace(':', " "),
    )
    .map_err(|e| format!("second factor: {e}"))
}

/// A new secret from 20 random bytes, in base32 (what authenticator apps take).
pub fn encode_secret(random: [u8; 20]) -> String {
    match Secret::Raw(random.to_vec()).to_encoded() {
        Secret::Encoded(s) => s,
        Secret::Raw(_) => String::new(),
    }
}

/// The `otpauth://` link an authenticator app reads (as a QR code, or pasted).
pub fn otpauth_url(secret_b32: &str, account: &str) -> Result<String, String> {
    Ok(totp(secret_b32, account)?.get_url())
}

/// The step (30-second slot) `code` belongs to at `now`, when it is right and later
/// than `last_step` (a code is accepted once: a code seen over a shoulder or in a log
/// cannot sign in again). Spaces and dashes in the code are ignored.
pub fn accepted_step(
    secret_b32: &str,
    code: &str,
    now: Timestamp,
    last_step: Option<i64>,
) -> Option<i64> {
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    if code.len() != DIGITS {
        return None;
    }
    let t = totp(secret_b32, "x").ok()?;
    let secs = u64::try_from(now.0.div_euclid(1000)).ok()?;
    let here = (secs / STEP_SECS) as i64;
    (here - 1..=here + 1).find(|&step| {
        let want = t.generate(step as u64 * STEP_SECS);
        Some(step) > last_step && same(want.as_bytes(), code.as_bytes())
    })
}

/// The code of `secret_b32` at `at` (what the authenticator app shows then).
pub fn code_at(secret_b32: &str, at: Timestamp) -> Result<String, String> {
    let secs = u64::try_from(at.0.div_euclid(1000)).map_err(|e| e.to_string())?;
    Ok(totp(secret_b32, "x")?.generate(secs))
}

/// Equal without telling how much of it is, by its time.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A recovery code in the form it is shown and stored: 10 letters and digits from 10
/// random bytes (no look-alikes), as `xxxxx-xxxxx`.
pub fn recovery_code(random: [u8; 10]) -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let chars: String = random
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A typed recovery code in its stored form (lower case, the dash where it belongs),
/// or `None` when it cannot be one.
pub fn normal_recovery_code(typed: &str) -> Option<String> {
    let chars: String = typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (chars.len() == 10).then(|| format!("{}-{}", &chars[..5], &chars[5..]))
}

/// The QR code of `text` as an SVG path over a square of the returned width (one unit
/// per module), for the page to draw without any image.
pub fn qr_path(text: &str) -> Result<(usize, String), String> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| e.to_string())?;
    let width = code.width();
    let mut d = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            d.push_str(&format!("M{} {}h1v1h-1z", i % width, i / width));
        }
    }
    Ok((width, d))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238's SHA-1 secret, "12345678901234567890".
    const RFC: [u8; 20] = *b"12345678901234567890";

    #[test]
    fn codes_follow_rfc_6238_and_are_taken_once() {
        let s = encode_secret(RFC);
        // RFC 6238, T = 59 s: 94287082 (8 digits); the last 6 are the 6-digit code.
        let at = Timestamp(59_000);
        assert_eq!(code_at(&s, at).unwrap(), "287082");
        assert_eq!(accepted_step(&s, "287082", at, None), Some(1));
        assert_eq!(accepted_step(&s, "287 082", at, None), Some(1));
        assert_eq!(accepted_step(&s, "287082", at, Some(1)), None, "once");
        assert_eq!(accepted_step(&s, "287083", at, None), None);
        assert_eq!(accepted_step(&s, "28708", at, None), None);
        // One step of skew either way, not two.
        assert_eq!(
            accepted_step(&s, "287082", Timestamp(89_000), None),
            Some(1)
        );
        assert_eq!(accepted_step(&s, "287082", Timestamp(121_000), None), None);
    }

    #[test]
    fn the_link_names_overdue_and_the_account() {
        let url = otpauth_url(&encode_secret(RFC), "ann@example.com").unwrap();
        assert!(
            url.starts_with("otpauth://totp/Overdue:ann%40example.com?"),
            "{url}"
        );
        assert!(url.contains("issuer=Overdue"), "{url}");
        let (w, d) = qr_path(&url).unwrap();
        assert!(w >= 21 && d.starts_with('M'), "{w}");
    }

    #[test]
    fn recovery_codes_are_typed_in_any_case() {
        let c = recovery_code([0, 1, 2, 3, 4, 5, 6, 7, 8, 30]);
        assert_eq!(c, "abcde-fghj9");
        assert_eq!(
            normal_recovery_code(" ABCDE FGHJ9 ").as_deref(),
            Some("abcde-fghj9")
        );
        assert_eq!(normal_recovery_code("abcde-fghj"), None);
    }
}
