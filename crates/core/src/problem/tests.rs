//! Unit tests of the problem rules.

use super::*;

#[test]
fn display_status_by_precedence() {
    let now = Timestamp(1_000);
    assert_eq!(
        display_status(true, Some(Timestamp(9_999)), true, now),
        "resolved"
    );
    assert_eq!(
        display_status(false, Some(Timestamp(9_999)), true, now),
        "muted"
    );
    assert_eq!(
        display_status(false, Some(Timestamp(500)), true, now),
        "acknowledged"
    );
    assert_eq!(display_status(false, None, false, now), "open");
}

fn items(body: &[u8]) -> Vec<Reported> {
    read_report(body, 10).unwrap().items
}

#[test]
fn reports_are_read_liberally_and_say_what_they_could_not_read() {
    let nul = items(br#"{"key": "inv\u0000oice", "message": "a\u0000b"}"#);
    assert_eq!(nul[0].key, "inv\u{FFFD}oice");
    assert_eq!(nul[0].replaced, ["key", "message"]);
    let one = items(br#"{"key": "invoice:1", "message": "bad VAT"}"#);
    assert_eq!(one[0].severity, Severity::Error);
    let many = items(br#"[{"key": "a", "severity": "warning"}, {"key": 42, "details": {"x": 1}}]"#);
    assert_eq!(many[1].key, "42");
    assert_eq!(many[1].details.as_deref(), Some(r#"{"x":1}"#));
    // Other names, spellings and types.
    let odd = read_report(
        br#"[{"id": "invoice:7", "level": "FATAL", "error": {"code": 5}, "customer": "ACME"},
            {"key": "b", "severity": "urgent", "details": "text"},
            {"severity": "error"}, "just text"]"#,
        10,
    )
    .unwrap();
    assert_eq!(odd.items.len(), 2);
    assert_eq!(odd.items[0].key, "invoice:7");
    assert_eq!(odd.items[0].severity, Severity::Critical);
    assert_eq!(odd.items[0].message, r#"{"code":5}"#);
    assert_eq!(
        odd.items[0].details.as_deref(),
        Some(r#"{"customer":"ACME"}"#)
    );
    assert_eq!(odd.extras, ["customer"]);
    assert_eq!(odd.items[1].severity, Severity::Error);
    assert_eq!(odd.items[1].details.as_deref(), Some(r#"{"value":"text"}"#));
    assert_eq!(
        odd.notes,
        [r#"problem 1: severity "urgent" read as error (use info, warning, error or critical)"#]
    );
    assert!(
        odd.unread[0].starts_with("problem 2: key is required"),
        "{:?}",
        odd.unread
    );
    assert!(odd.unread[1].starts_with("problem 3: each problem must be an object"));
    let big = format!(
        r#"{{"key": "a", "details": {{"x": "{}"}}}}"#,
        "y".repeat(9_000)
    );
    let r = read_report(big.as_bytes(), 1).unwrap();
    assert!(r.items[0].details.as_deref().unwrap().contains("truncated"));
    assert!(read_report(b"[", 10).unwrap_err().contains("must be JSON"));
    assert!(read_report(b"[]", 10).is_err());
    assert!(read_report(br#"[{"key":"a"},{"key":"b"}]"#, 1).is_err());
    assert!(!read_report(br#"{"key": "overdue:overflow"}"#, 1)
        .unwrap()
        .unread
        .is_empty());
    for (word, sev) in [
        ("Warn", Severity::Warning),
        ("debug", Severity::Info),
        ("crit", Severity::Critical),
        ("ERR", Severity::Error),
    ] {
        assert_eq!(Severity::read_loosely(word), Some(sev), "{word}");
    }
}

#[test]
fn keys_parse_in_every_form() {
    for body in [
        &br#"["a", "b"]"#[..],
        br#"[{"key": "a"}, {"key": "b"}]"#,
        br#"{"keys": ["a", "b"]}"#,
    ] {
        assert_eq!(parse_keys(body, 10).unwrap(), vec!["a", "b"]);
    }
    assert_eq!(parse_keys(br#"{"key": "a"}"#, 10).unwrap(), vec!["a"]);
    assert!(parse_keys(br#"[""]"#, 10).is_err());
}

#[test]
fn decisions() {
    let now = Timestamp(100 * 3_600_000);
    assert_eq!(
        on_report(None, Severity::Warning, now),
        Decision::Open {
            reopens: false,
            notify: false
        }
    );
    let open = Known {
        resolved_at: None,
        notified: Some(Severity::Error),
        muted_until: None,
    };
    assert_eq!(
        on_report(Some(open), Severity::Error, now),
        Decision::Repeat { escalate: false }
    );
    assert_eq!(
        on_report(Some(open), Severity::Critical, now),
        Decision::Repeat { escalate: true }
    );
    let muted = Known {
        muted_until: Some(Timestamp(now.0 + 1)),
        ..open
    };
    assert_eq!(
        on_report(Some(muted), Severity::Critical, now),
        Decision::Repeat { escalate: false }
    );
    // A warning that was never notified rising to error notifies.
    let quiet = Known {
        notified: None,
        ..open
    };
    assert_eq!(
        on_report(Some(quiet), Severity::Error, now),
        Decision::Repeat { escalate: true }
    );
    let recent = Known {
        resolved_at: Some(Timestamp(now.0 - 3_600_000)),
        ..open
    };
    assert_eq!(
        on_report(Some(recent), Severity::Error, now),
        Decision::Rejoin { escalate: false }
    );
    let old = Known {
        resolved_at: Some(Timestamp(now.0 - 25 * 3_600_000)),
        ..open
    };
    assert_eq!(
        on_report(Some(old), Severity::Error, now),
        Decision::Open {
            reopens: true,
            notify: true
        }
    );
}

#[test]
fn auto_resolve() {
    assert_eq!(
        AutoResolve::parse("on_next_run"),
        Ok(AutoResolve::OnNextRun)
    );
    assert_eq!(AutoResolve::parse("explicit"), Ok(AutoResolve::Explicit));
    let after = AutoResolve::parse("after 2h").unwrap();
    assert_eq!(after, AutoResolve::After(Dur(7_200_000)));
    assert_eq!(after.to_text(), "after 2h");
    assert_eq!(after.expires(Timestamp(0)), Some(Timestamp(7_200_000)));
    assert!(AutoResolve::parse("later").is_err());
    assert!(AutoResolve::parse("after 0s").is_err());
    let now = Timestamp(1_000_000);
    assert_eq!(
        run_cutoff(AutoResolve::OnNextRun, Some(400), None, now),
        Some(Timestamp(999_600))
    );
    assert_eq!(
        run_cutoff(AutoResolve::OnNextRun, None, Some(Timestamp(5)), now),
        Some(Timestamp(5))
    );
    assert_eq!(
        run_cutoff(AutoResolve::Explicit, Some(400), None, now),
        None
    );
}
