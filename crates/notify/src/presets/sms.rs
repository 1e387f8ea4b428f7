//! The SMS gateway preset: any gateway's HTTP API, a form POST (Twilio-style: `To`,
//! `From`, `Body`, basic authentication) or JSON, the parameter names configurable. The
//! text is the event's short text cut to one segment: 160 GSM-7 characters, or 70 when
//! it needs Unicode (a name in Cyrillic, an emoji).

use serde_json::{Map, Value};

use super::{Body, Message, Request};
use crate::kind::Settings;

/// GSM 03.38's basic character set (one septet each).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table (two septets each: an escape and the character).
const GSM_EXTENDED: &str = "^{}\\[~]|€\u{c}";

/// The septets a character takes in GSM-7, or `None` when it needs Unicode.
fn septets(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENDED.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// `text` cut to one SMS segment: 160 septets in GSM-7, else 70 UTF-16 units; a cut
/// ends with `...` (GSM-7 has no `…`).
pub fn one_segment(text: &str) -> String {
    let gsm: Option<usize> = text.chars().map(septets).sum();
    let (limit, cost): (usize, fn(char) -> usize) = match gsm {
        Some(n) if n <= 160 => return text.to_string(),
        Some(_) => (160, |c| septets(c).unwrap_or(1)),
        None => (70, |c| c.len_utf16()),
    };
    let mut used = 3;
    let mut out = String::new();
    for c in text.chars() {
        if used + cost(c) > limit {
            break;
        }
        used += cost(c);
        out.push(c);
    }
    let mut out = out.trim_end().to_string();
    if out.chars().count() < text.chars().count() {
        out.push_str("...");
    }
    out
}

/// The gateway request: the number, the sender and the text under the configured
/// parameter names, as a form or JSON, with basic or bearer authentication.
pub fn sms(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let text = one_segment(&m.ev.short_text());
    let mut pairs: Vec<(String, String)> = vec![(
        s.text("to_param").unwrap_or("To").to_string(),
        s.text("to").unwrap_or_default().to_string(),
    )];
    if let Some(from) = s.text("from") {
        pairs.push((
            s.text("from_param").unwrap_or("From").to_string(),
            from.to_string(),
        ));
    }
    pairs.push((s.text("text_param").unwrap_or("Body").to_string(), text));
    let body = if s.text("format") == Some("json") {
        let obj: Map<String, Value> = pairs
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        Body::Json(Value::Object(obj))
    } else {
        Body::Form(pairs)
    };
    let mut r = Request {
        url: s.text("url").unwrap_or_default().to_string(),
        headers: Vec::new(),
        basic: s.text("username").map(|u| {
            (
                u.to_string(),
                s.text("password").unwrap_or_default().to_string(),
            )
        }),
        body,
    };
    if let Some(t) = s.text("token") {
        r = r.header("Authorization", format!("Bearer {t}"));
    }
    Ok(vec![r])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_fit_one_segment() {
        let short = "DOWN db-backup missed 03:10";
        assert_eq!(one_segment(short), short);
        let long = "DOWN ".to_string() + &"a".repeat(200);
        let cut = one_segment(&long);
        assert_eq!(cut.chars().count(), 160);
        assert!(cut.ends_with("..."));
        // Extension characters take two septets.
        let braces = "{".repeat(100);
        assert_eq!(one_segment(&braces).chars().count(), 78 + 3);
        // Unicode: 70 units.
        let cyr = "DOWN резервная-копия ".to_string() + &"ж".repeat(80);
        let cut = one_segment(&cyr);
        assert!(cut.encode_utf16().count() <= 70, "{cut}");
        assert!(cut.ends_with("..."));
    }
}
