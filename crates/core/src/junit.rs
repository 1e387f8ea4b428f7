//! JUnit XML as a completion report (docs/behaviour.md, "Pings"): the format test
//! runners (`pytest --junitxml`, Maven, Gradle, Go's `gotestsum`) and data-quality tools
//! write. Each `<testcase>` counts; one with a `<failure>` or `<error>` is an error of
//! the report ("suite.case: message"), one `<skipped>` a warning. Counts: `tests`,
//! `failures`, `errors`, `skipped`, and `processed` / `failed` for the monitor's
//! failure limits.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// What a JUnit XML report says (the run's `Report` is made from it:
/// `crate::run::BodyReport::detect`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Junit {
    /// Test cases.
    pub tests: u64,
    /// Cases with a `<failure>`.
    pub failures: u64,
    /// Cases with an `<error>`.
    pub errors: u64,
    /// Cases `<skipped>`.
    pub skipped: u64,
    /// "suite.case: message" of the failing cases (the first [`MAX_LISTED`]).
    pub failed_cases: Vec<String>,
    /// "suite.case skipped: why" of the skipped ones (the first [`MAX_LISTED`]).
    pub skipped_cases: Vec<String>,
}

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

/// Reads JUnit XML; `Err` says why it could not be read.
pub fn read(body: &[u8]) -> Result<Junit, String> {
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
                    failed_list.push(if message.is_empty() {
                        c.name
                    } else {
                        format!("{}: {message}", c.name)
                    });
                }
            }
            None if c.skipped.is_some() => {
                skipped += 1;
                if skipped_list.len() < MAX_LISTED {
                    let why = c.skipped.unwrap_or_default();
                    skipped_list.push(if why.is_empty() {
                        format!("{} skipped", c.name)
                    } else {
                        format!("{} skipped: {why}", c.name)
                    });
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
    Ok(Junit {
        tests,
        failures,
        errors,
        skipped,
        failed_cases: failed_list,
        skipped_cases: skipped_list,
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
        assert_eq!((r.tests, r.failures, r.errors, r.skipped), (3, 1, 0, 1));
        assert_eq!(
            r.failed_cases,
            vec!["test_invoices.test_vat: assert 19 == 21"]
        );
        assert_eq!(
            r.skipped_cases,
            vec!["test_invoices.test_later skipped: not ready"]
        );
    }

    #[test]
    fn errors_and_a_clean_run() {
        let xml = r#"<testsuite name="s"><testcase name="a"><error message="boom"/></testcase><testcase name="b"/></testsuite>"#;
        let r = read(xml.as_bytes()).unwrap();
        assert_eq!((r.errors, r.tests), (1, 2));
        assert_eq!(r.failed_cases, vec!["a: boom"]);
        let clean = read(br#"<testsuite name="s"><testcase name="a"/></testsuite>"#).unwrap();
        assert_eq!((clean.tests, clean.failures + clean.errors), (1, 0));
    }

    #[test]
    fn what_is_not_junit() {
        assert!(!looks_like(b"all done"));
        assert!(!looks_like(b"<html><body>hi</body></html>"));
        assert!(read(b"<testsuite name='s'><testcase name='a'></wrong></testsuite>").is_err());
        assert!(read(b"<report/>").is_err());
    }
}
