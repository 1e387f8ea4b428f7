//! Text rules (docs/security.md, "Limits"): what configuration accepts in names, labels
//! and prose, and how signals are made storable without being refused.
//!
//! Configuration is refused with a 400 naming the field: a name with a NUL, a line
//! break or a direction override (U+202E turns "exe.txt" into "txt.exe") is a mistake or
//! an attack. Signals (ping bodies, problem keys and messages, entity ids) are never
//! refused for their form: control characters become U+FFFD and the answer says which
//! field was changed.

use std::borrow::Cow;

/// What replaces a character a signal cannot be stored with.
pub const REPLACEMENT: char = '\u{FFFD}';

/// True for characters no name or label may hold: control characters (C0, DEL, C1) and
/// the invisible direction marks and overrides.
pub fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn refuse_forbidden(field: &str, text: &str) -> Result<(), String> {
    match text.chars().find(|c| is_forbidden(*c)) {
        Some(c) => Err(format!(
            "{field}: remove the control or direction character U+{:04X} (names and labels \
             take no NUL, line break, tab or direction override)",
            c as u32
        )),
        None => Ok(()),
    }
}

/// A name: trimmed, 1 to `max` characters, none of them forbidden.
pub fn name(field: &str, text: &str, max: usize) -> Result<String, String> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(format!("{field} must be 1-{max} characters"));
    }
    refuse_forbidden(field, t)?;
    Ok(t.to_string())
}

/// A label (a tag, a key's name, a comment on one line): trimmed, at most `max`
/// characters, may be empty, none of them forbidden.
pub fn label(field: &str, text: &str, max: usize) -> Result<String, String> {
    let t = text.trim();
    if t.chars().count() > max {
        return Err(format!("{field} must be at most {max} characters"));
    }
    refuse_forbidden(field, t)?;
    Ok(t.to_string())
}

/// Prose (a description, a note): at most `max` characters; line breaks and tabs are
/// fine, other control characters (NUL first of all) are not.
pub fn prose(field: &str, text: &str, max: usize) -> Result<String, String> {
    if text.chars().count() > max {
        return Err(format!("{field} must be at most {max} characters"));
    }
    match text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        Some(c) => Err(format!(
            "{field}: remove the control character U+{:04X}",
            c as u32
        )),
        None => Ok(text.to_string()),
    }
}

/// A signal's text made storable: control characters other than line breaks and tabs
/// become U+FFFD. Borrowed when nothing changed.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let bad = |c: char| c.is_control() && !matches!(c, '\n' | '\r' | '\t');
    if !text.chars().any(bad) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if bad(c) { REPLACEMENT } else { c })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_the_promise() {
        assert_eq!(name("name", "  Backup  ", 200).unwrap(), "Backup");
        for bad in [
            "",
            "   ",
            "a\0b",
            "a\nb",
            "a\rb",
            "inv\u{202E}txt.exe",
            "x\u{85}y",
        ] {
            let e = name("name", bad, 200).unwrap_err();
            assert!(e.starts_with("name"), "{bad:?}: {e}");
        }
        assert!(name("name", &"x".repeat(201), 200).is_err());
        assert!(
            name("name", &"é".repeat(200), 200).is_ok(),
            "characters, not bytes"
        );
        assert_eq!(label("tag", "", 100).unwrap(), "");
        assert!(label("tag", "a\u{2066}", 100).is_err());
    }

    #[test]
    fn prose_takes_lines_but_no_nul() {
        assert!(prose("description", "line one\nline two\ttab", 100).is_ok());
        assert!(prose("description", "a\0", 100)
            .unwrap_err()
            .contains("U+0000"));
    }

    #[test]
    fn signals_are_scrubbed_not_refused() {
        assert!(matches!(scrub("plain\ntext"), Cow::Borrowed(_)));
        assert_eq!(scrub("a\0b\u{1b}c"), "a\u{FFFD}b\u{FFFD}c");
    }
}
