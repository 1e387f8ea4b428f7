//! Property tests (a brief fuzz run in every `cargo test`): the parsers that read what
//! jobs and users send never panic, whatever the input, and answer either a value or a
//! refusal that says something. `PROPTEST_CASES` and `PROPTEST_RNG_SEED` make a
//! longer or different run.

use overdue_core::problem::{parse_keys, read_report};
use overdue_core::{parse_duration, Schedule};
use proptest::prelude::*;

/// 2,000 cases from a fixed seed, so CI is repeatable; `PROPTEST_CASES` and
/// `PROPTEST_RNG_SEED` run more, or other, cases.
fn config() -> ProptestConfig {
    let base = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            base.cases
        } else {
            2_000
        },
        rng_seed: if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
            base.rng_seed
        } else {
            proptest::test_runner::RngSeed::Fixed(20_261_202)
        },
        ..base
    }
}

/// Text that looks like what the parsers expect, bent: digits, units, cron fields,
/// JSON punctuation, and the odd Unicode.
fn near_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            Just("0".to_string()),
            Just("59".to_string()),
            Just("*".to_string()),
            Just("/".to_string()),
            Just("-".to_string()),
            Just(",".to_string()),
            Just(" ".to_string()),
            Just("h".to_string()),
            Just("m".to_string()),
            Just("s".to_string()),
            Just("d".to_string()),
            Just("w".to_string()),
            Just("9999999999999999999".to_string()),
            Just("MON".to_string()),
            Just("L".to_string()),
            Just("#".to_string()),
            Just("?".to_string()),
            Just("é".to_string()),
            any::<char>().prop_map(|c| c.to_string()),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn durations_never_panic(text in near_text()) {
        if let Ok(d) = parse_duration(&text) {
            prop_assert!(d.millis() >= 0);
        }
    }

    #[test]
    fn durations_from_any_string(text in ".{0,40}") {
        let _ = parse_duration(&text);
    }

    #[test]
    fn cron_never_panics(expr in near_text(), tz in prop_oneof![
        Just("UTC".to_string()), Just("Europe/Riga".to_string()),
        Just("America/New_York".to_string()), Just("Mars/Olympus".to_string()), ".{0,12}"
    ]) {
        match Schedule::cron(&expr, &tz) {
            Ok(_) => {}
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn problem_reports_never_panic(body in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_report(&body, 100);
        let _ = parse_keys(&body, 100);
    }

    #[test]
    fn json_shaped_reports_never_panic(items in prop::collection::vec(
        (".{0,12}", prop_oneof![Just("error"), Just("warning"), Just("info"), Just("critical"), Just("loud")], ".{0,20}"),
        0..20,
    )) {
        let body = serde_json::to_vec(&items.iter().map(|(k, s, m)| {
            serde_json::json!({"key": k, "severity": s, "message": m})
        }).collect::<Vec<_>>()).unwrap();
        match read_report(&body, 10) {
            Ok(r) => {
                prop_assert!(r.items.len() + r.unread.len() <= 10);
                prop_assert!(r.unread.iter().all(|u| !u.is_empty()));
            }
            Err(e) => prop_assert!(!e.is_empty()),
        }
    }
}
