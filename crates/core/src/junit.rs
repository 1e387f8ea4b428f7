//! JUnit XML as a completion report (docs/behaviour.md, "Pings"): the format test
//! runners (`pytest --junitxml`, Maven, Gradle, Go's `gotestsum`) and data-quality tools
//! write. Each `<testcase>` counts; one with a `<failure>` or `<error>` is an error of
//! the report ("suite.case: message"), one `<skipped>` a warning. Counts: `tests`,
//! `failures`, `errors`, `skipped`, and `processed` / `failed` for the monitor's
//! failure limits.

use std::collections::BTreeMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::run::{Report, ReportStatus};

/// Most failing and skipped cases listed (the counts go on past them).
const MAX_LISTED: usize = 100;

/// Whether a body looks like JUnit XML: markup with a `<testsuites>` or `<testsuite>`
/// element in its first 4 KiB.
pub fn looks_like(body: &[u8]) -> bool {
    let head = &body[..body.len().min(4_096)];
    let text = String::from_utf8_lossy(head);
    text.trim_start().starts_with('<') && text.contains("<testsuite")
}

/// An attribute's value, unescaped (`None` when absent or unreadable).
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.0 == name)
        .and_then(|a| {
            quick_xml::escape::unescape(&a.value)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// One test case being read.
#[derive(Default)]
struct Case {
    name: String,
    outcome: Option<(bool, String)>,
    skipped: Option<String>,
}

/// Reads JUnit XML into a report; `Err` says why it could not be read.
pub fn read(body: &[u8]) -> Result<Report, String> {
    let text = std::str::from_utf8(body).map_err(|_| "JUnit XML is not UTF-8".to_string())?;
    let mut reader = Reader::from_str(text);
    let (mut tests, mut failures, mut errors, mut skipped) = (0u64, 0u64, 0u64, 0u64);
    let (mut failed_list, mut skipped_list) = (Vec::new(), Vec::new());
    let mut case: Option<Case> = None;
    let mut finish = |c: Case| {
        tests += 1;
        match c.outcome {
            Some((is_error, message)) => {
                if is_error {
                    errors += 1;
                } else {
                    failures += 1;
                }
                if failed_list.len() < MAX_LISTED {
                    failed_list.push(serde_json::Value::String(if message.is_empty() {
                        c.name
                    } else {
                        format!("{}: {message}", c.name)
                    }));
                }
            }
            None if c.skipped.is_some() => {
                skipped += 1;
                if skipped_list.len() < MAX_LISTED {
                    let why = c.skipped.unwrap_or_default();
                    skipped_list.push(serde_json::Value::String(if why.is_empty() {
                        format!("{} skipped", c.name)
                    } else {
                        format!("{} skipped: {why}", c.name)
                    }));
                }
            }
            None => {}
        }
    };
    let mut seen_suite = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("JUnit XML is not well-formed: {e}"))?;
        let (e, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(end) => {
                if end.name().0 == "testcase" {
                    if let Some(c) = case.take() {
                        finish(c);
                    }
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.name().0 {
            "testsuite" | "testsuites" => seen_suite = true,
            "testcase" => {
                if let Some(c) = case.take() {
                    finish(c);
                }
                let name = attr(e, "name").unwrap_or_default();
                let name = match attr(e, "classname").filter(|c| !c.is_empty()) {
                    Some(class) => format!("{class}.{name}"),
                    None => name,
                };
                let c = Case {
                    name,
                    ..Case::default()
                };
                if empty {
                    finish(c);
                } else {
                    case = Some(c);
                }
            }
            tag @ ("failure" | "error") => {
                if let Some(c) = case.as_mut() {
                    let message = attr(e, "message").unwrap_or_default();
                    let message = message.lines().next().unwrap_or_default().to_string();
                    c.outcome.get_or_insert((tag == "error", message));
                }
            }
            "skipped" => {
                if let Some(c) = case.as_mut() {
                    c.skipped = Some(attr(e, "message").unwrap_or_default());
                }
            }
            _ => {}
        }
    }
    if let Some(c) = case.take() {
        finish(c);
    }
    if !seen_suite {
        return Err("JUnit XML has no <testsuite> or <testsuites> element".into());
    }
    let failed = failures + errors;
    let counts = BTreeMap::from([
        ("tests".to_string(), tests),
        ("failures".to_string(), failures),
        ("errors".to_string(), errors),
        ("skipped".to_string(), skipped),
        ("processed".to_string(), tests),
        ("failed".to_string(), failed),
    ]);
    let status = match (failed, skipped) {
        (0, 0) => ReportStatus::Success,
        (0, _) => ReportStatus::Warn,
        _ => ReportStatus::Fail,
    };
    Ok(Report {
        status: Some(status),
        errors: failed_list,
        warnings: skipped_list,
        log: None,
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As pytest `--junitxml` writes it.
    const PYTEST: &str = r#"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="1" skipped="1" tests="3" time="0.03" timestamp="2026-12-06T23:50:00.000000+00:00" hostname="ci"><testcase classname="test_invoices" name="test_totals" time="0.001" /><testcase classname="test_invoices" name="test_vat" time="0.001"><failure message="assert 19 == 21&#10;second line">def test_vat():
&gt;       assert 19 == 21
E       assert 19 == 21</failure></testcase><testcase classname="test_invoices" name="test_later" time="0.000"><skipped type="pytest.skip" message="not ready">/tmp/test_invoices.py:9: not ready</skipped></testcase></testsuite></testsuites>"#;

    #[test]
    fn a_pytest_report() {
        assert!(looks_like(PYTEST.as_bytes()));
        let r = read(PYTEST.as_bytes()).unwrap();
        assert_eq!(r.status, Some(ReportStatus::Fail));
        assert_eq!(r.counts["tests"], 3);
        assert_eq!(r.counts["failures"], 1);
        assert_eq!(r.counts["skipped"], 1);
        assert_eq!(r.counts["failed"], 1);
        assert_eq!(
            r.errors,
            vec![serde_json::json!("test_invoices.test_vat: assert 19 == 21")]
        );
        assert_eq!(
            r.warnings,
            vec![serde_json::json!(
                "test_invoices.test_later skipped: not ready"
            )]
        );
    }

    #[test]
    fn errors_and_a_clean_run() {
        let xml = r#"<testsuite name="s"><testcase name="a"><error message="boom"/></testcase><testcase name="b"/></testsuite>"#;
        let r = read(xml.as_bytes()).unwrap();
        assert_eq!((r.counts["errors"], r.counts["tests"]), (1, 2));
        assert_eq!(r.errors, vec![serde_json::json!("a: boom")]);
        let clean = read(br#"<testsuite name="s"><testcase name="a"/></testsuite>"#).unwrap();
        assert_eq!(clean.status, Some(ReportStatus::Success));
    }

    #[test]
    fn what_is_not_junit() {
        assert!(!looks_like(b"all done"));
        assert!(!looks_like(b"<html><body>hi</body></html>"));
        assert!(read(b"<testsuite name='s'><testcase name='a'></wrong></testsuite>").is_err());
        assert!(read(b"<report/>").is_err());
    }
}
