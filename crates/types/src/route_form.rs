//! What a route may match, and the route form's rules (docs/behaviour.md, "Routing"):
//! every mistake of a draft at once, each at its field and in words, and a saved route
//! said in words. The server checks the same values again (the API is the contract);
//! these rules let the form show all of them before anything is sent.

use crate::{span, DurationInput, Route};

/// The alert kinds a route can match.
pub const KINDS: &[&str] = &["down", "problem", "event", "channel", "digest", "flow"];
/// The reasons a route can match.
pub const REASONS: &[&str] = &[
    "missed",
    "failed",
    "hung",
    "too_short",
    "stalled",
    "missed_after",
    "incomplete",
    "chain_deadline",
    "overlap",
    "warn",
];
/// The severities, worst first.
pub const SEVERITIES: &[&str] = &["critical", "error", "warning", "info"];

/// A duration's text in milliseconds: `"90"` (seconds), `"90s"`, `"15m"`, `"2h"`,
/// `"1d"`, `"1w"` or compound `"1h30m"`; `None` when it is none of these. The one
/// reading of a duration: the core's `parse_duration` calls it.
pub fn duration_ms(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    // Plain seconds: digits only (no sign: a duration is never negative).
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i64>().ok()?.checked_mul(1_000);
    }
    let (mut total, mut number) = (0i64, String::new());
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit: i64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return None,
        };
        let n: i64 = number.parse().ok()?;
        number.clear();
        total = total.checked_add(n.checked_mul(unit * 1_000)?)?;
    }
    number.is_empty().then_some(total)
}

/// Milliseconds as a duration's text that `duration_ms` reads back: `"30m"`,
/// `"1h30m"`, `"1d"`, `"45s"` (whole seconds; `"0s"` for none).
pub fn duration_text(ms: i64) -> String {
    let mut s = ms.max(0) / 1_000;
    if s == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    for (unit, size) in [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)] {
        if s >= size {
            out.push_str(&format!("{}{unit}", s / size));
            s %= size;
        }
    }
    out
}

/// A duration as the API gives or takes it, in milliseconds.
pub fn input_ms(d: &DurationInput) -> Option<i64> {
    match d {
        DurationInput::Seconds(s) => s.checked_mul(1_000),
        DurationInput::Text(t) => duration_ms(t),
    }
}

/// `"HH:MM"` (or `"H:MM"`, or `"24:00"`, the end of the day) as minutes since
/// midnight; `None` when it is not a time of day. The one reading of a window's times:
/// the core's windows call it.
pub fn minutes_of_day(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(24 * 60),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

/// What the route form holds, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// The name.
    pub name: String,
    /// How many channels are ticked.
    pub channels: usize,
    /// Remind every.
    pub repeat: String,
    /// The first escalation step's delay.
    pub escalate_after: String,
    /// The first escalation step's channel (its id; empty: none).
    pub backup: String,
    /// Quiet hours: from, until.
    pub quiet: (String, String),
    /// Active only: from, until.
    pub active: (String, String),
    /// The zone of both windows.
    pub tz: String,
    /// Whether the browser knows `tz` (the form asks it).
    pub tz_known: bool,
    /// Group by.
    pub group_by: String,
    /// Group wait.
    pub group_wait: String,
}

/// A mistake at a field of the form: the input's id and what to fix, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mistake {
    /// The id of the input it is about (`route-quiet-from`).
    pub field: &'static str,
    /// What is wrong and how to put it right.
    pub message: String,
}

const DURATION_HELP: &str = "use 90s, 15m, 2h or 1d";

/// Every mistake of `d`, in the form's order; none: it may be sent.
pub fn mistakes(d: &Draft) -> Vec<Mistake> {
    let mut out = Vec::new();
    let mut say = |field: &'static str, message: String| out.push(Mistake { field, message });
    if d.name.trim().is_empty() {
        say("route-name", "Name: give the route a name".into());
    }
    if d.channels == 0 {
        say(
            "route-channels",
            "Send to: tick at least one channel".into(),
        );
    }
    let duration = |label: &str, text: &str| -> Option<String> {
        let t = text.trim();
        match duration_ms(t) {
            _ if t.is_empty() => None,
            None => Some(format!(
                "{label}: \"{t}\" is not a duration ({DURATION_HELP})"
            )),
            Some(ms) if ms < 1_000 => Some(format!("{label}: at least 1 second")),
            Some(ms) if ms > 365 * 86_400_000 => Some(format!("{label}: at most 365 days")),
            Some(_) => None,
        }
    };
    if let Some(m) = duration("Remind every", &d.repeat) {
        say("route-repeat", m);
    }
    match (d.escalate_after.trim().is_empty(), d.backup.is_empty()) {
        (false, true) => say(
            "route-backup",
            "Escalate to: choose the backup channel, or clear \"Escalate after\"".into(),
        ),
        (true, false) => say(
            "route-escalate-after",
            "Escalate after: say how long unacknowledged (e.g. 15m)".into(),
        ),
        _ => {
            if let Some(m) = duration("Escalate after", &d.escalate_after) {
                say("route-escalate-after", m);
            }
        }
    }
    let mut windows = false;
    for (label, (from, to), ids) in [
        (
            "Quiet hours",
            &d.quiet,
            ("route-quiet-from", "route-quiet-to"),
        ),
        (
            "Active hours",
            &d.active,
            ("route-active-from", "route-active-to"),
        ),
    ] {
        let (from, to) = (from.trim(), to.trim());
        if from.is_empty() && to.is_empty() {
            continue;
        }
        windows = true;
        let time = |end: &str, text: &str| match text {
            "" => Some(format!("{label}: {end} is missing (HH:MM, e.g. 07:00)")),
            t if minutes_of_day(t).is_none() => Some(format!(
                "{label}: {end} is not a time of day (HH:MM, e.g. 22:00), got \"{t}\""
            )),
            _ => None,
        };
        let (f, u) = (time("from", from), time("until", to));
        if let Some(m) = f {
            say(ids.0, m);
        }
        if let Some(m) = u {
            say(ids.1, m);
        }
        if minutes_of_day(from).is_some() && minutes_of_day(from) == minutes_of_day(to) {
            say(
                ids.1,
                format!("{label}: from and until are both {from}, so the window would be empty"),
            );
        }
    }
    if windows && !d.tz.trim().is_empty() && !d.tz_known {
        say(
            "route-tz",
            format!(
                "Time zone: \"{}\" is not a time zone (pick one, e.g. Europe/Riga)",
                d.tz.trim()
            ),
        );
    }
    let by = d.group_by.trim();
    if !by.is_empty() {
        let good = by == "monitor"
            || by == "all"
            || by.strip_prefix("tag:").is_some_and(|k| !k.is_empty());
        if !good {
            say(
                "route-group-by",
                format!("Group by: \"{by}\" is none of monitor, all or tag:<key> (e.g. tag:team)"),
            );
        }
        match duration("Group wait", &d.group_wait) {
            Some(m) => say("route-group-wait", m),
            None if d.group_wait.trim().is_empty() => say(
                "route-group-wait",
                "Group wait: say how long a group's first alert waits for others (e.g. 30s)".into(),
            ),
            None => {}
        }
    }
    out
}

/// A window (`{"from", "to", "tz", "days"}`) in words: "22:00–07:00 Europe/Riga",
/// with its days when it has some.
pub fn window_words(w: &serde_json::Value) -> Option<String> {
    let from = w["from"].as_str()?;
    let days: Vec<&str> = w["days"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    let days = if days.is_empty() {
        String::new()
    } else {
        format!("{} ", days.join(", "))
    };
    Some(format!(
        "{days}{from}–{} {}",
        w["to"].as_str().unwrap_or("24:00"),
        w["tz"].as_str().unwrap_or("UTC")
    ))
}

/// What a saved route does besides matching, in words, one phrase each: "active …",
/// "quiet 22:00–07:00 Europe/Riga (held, then sent)", "reminds every 30 min",
/// "escalates after 15 min unacknowledged to Backup", "grouped by tag:team, waiting
/// 30 s", "continues". `name_of` names a channel id.
pub fn route_words(r: &Route, name_of: impl Fn(&str) -> String) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(w) = window_words(&r.active) {
        out.push(format!("active {w}"));
    }
    if let Some(w) = window_words(&r.quiet) {
        out.push(format!("quiet {w} (held, then sent)"));
    }
    if let Some(s) = r.repeat_every {
        out.push(format!("reminds every {}", span(s * 1_000)));
    }
    for step in &r.escalate {
        let after = input_ms(&step.after).map(span).unwrap_or_default();
        let who: Vec<String> = step.channels.iter().map(|c| name_of(c)).collect();
        out.push(format!(
            "escalates after {after} unacknowledged to {}",
            who.join(", ")
        ));
    }
    if r.escalate_loop && !r.escalate.is_empty() {
        out.push("then starts the steps over until acknowledged".into());
    }
    if let (Some(g), Some(w)) = (&r.group_by, r.group_wait) {
        out.push(format!("grouped by {g}, waiting {}", span(w * 1_000)));
    }
    if r.continue_matching {
        out.push("continues to the next routes".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> Draft {
        Draft {
            name: "night pager".into(),
            channels: 1,
            tz: "Europe/Riga".into(),
            tz_known: true,
            ..Draft::default()
        }
    }

    #[test]
    fn durations_read_as_the_api_reads_them() {
        assert_eq!(duration_ms("90"), Some(90_000));
        assert_eq!(duration_ms("1h30m"), Some(5_400_000));
        assert_eq!(duration_ms(" 15m "), Some(900_000));
        for bad in ["", "m", "1x", "1.5h", "h1", "-1", "99999999999999999999"] {
            assert_eq!(duration_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations_written_back() {
        for (ms, text) in [
            (1_800_000, "30m"),
            (5_400_000, "1h30m"),
            (86_400_000, "1d"),
            (45_000, "45s"),
            (0, "0s"),
        ] {
            assert_eq!(duration_text(ms), text);
            assert_eq!(duration_ms(text), Some(ms));
        }
    }

    #[test]
    fn times_of_day() {
        assert_eq!(minutes_of_day("22:00"), Some(1_320));
        assert_eq!(minutes_of_day("7:05"), Some(425));
        assert_eq!(minutes_of_day("24:00"), Some(1_440));
        for bad in [
            "24:01", "25:00", "10pm", "22", "22:0", ":30", "-1:00", "22:00:00",
        ] {
            assert_eq!(minutes_of_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_good_draft_has_no_mistakes() {
        assert_eq!(mistakes(&good()), vec![]);
    }

    #[test]
    fn every_mistake_at_once_at_its_field_in_words() {
        let d = Draft {
            name: " ".into(),
            channels: 0,
            repeat: "half an hour".into(),
            escalate_after: "15m".into(),
            quiet: ("10pm".into(), String::new()),
            tz: "Mars/Olympus".into(),
            tz_known: false,
            group_by: "team".into(),
            ..Draft::default()
        };
        let found: Vec<(&str, String)> = mistakes(&d)
            .into_iter()
            .map(|m| (m.field, m.message))
            .collect();
        assert_eq!(
            found,
            vec![
                ("route-name", "Name: give the route a name".to_string()),
                (
                    "route-channels",
                    "Send to: tick at least one channel".into()
                ),
                (
                    "route-repeat",
                    "Remind every: \"half an hour\" is not a duration (use 90s, 15m, 2h or 1d)"
                        .into()
                ),
                (
                    "route-backup",
                    "Escalate to: choose the backup channel, or clear \"Escalate after\"".into()
                ),
                (
                    "route-quiet-from",
                    "Quiet hours: from is not a time of day (HH:MM, e.g. 22:00), got \"10pm\""
                        .into()
                ),
                (
                    "route-quiet-to",
                    "Quiet hours: until is missing (HH:MM, e.g. 07:00)".into()
                ),
                (
                    "route-tz",
                    "Time zone: \"Mars/Olympus\" is not a time zone (pick one, e.g. Europe/Riga)"
                        .into()
                ),
                (
                    "route-group-by",
                    "Group by: \"team\" is none of monitor, all or tag:<key> (e.g. tag:team)"
                        .into()
                ),
                (
                    "route-group-wait",
                    "Group wait: say how long a group's first alert waits for others (e.g. 30s)"
                        .into()
                ),
            ]
        );
        // No internal names in any of them.
        for (_, m) in &found {
            assert!(!m.contains("quiet.") && !m.contains('_'), "{m}");
        }
    }

    #[test]
    fn an_empty_window_and_a_short_delay() {
        let d = Draft {
            quiet: ("22:00".into(), "22:00".into()),
            repeat: "0s".into(),
            escalate_after: String::new(),
            backup: "ch1".into(),
            ..good()
        };
        let fields: Vec<&str> = mistakes(&d).iter().map(|m| m.field).collect();
        assert_eq!(
            fields,
            vec!["route-repeat", "route-escalate-after", "route-quiet-to"]
        );
    }

    #[test]
    fn a_saved_route_in_words() {
        let r: Route = serde_json::from_value(serde_json::json!({
            "id": "r1", "name": "night", "position": 0, "match": {},
            "active": null, "quiet": {"from": "22:00", "to": "07:00", "tz": "Europe/Riga"},
            "digest_at": null, "channels": ["c1"], "continue": true, "repeat_every": 1800,
            "escalate": [{"after": 900, "channels": ["c2"]}], "escalate_loop": false,
            "group_by": "tag:team", "group_wait": 30, "group_interval": 30,
            "created_at": "", "updated_at": ""
        }))
        .unwrap();
        let names = |id: &str| {
            if id == "c2" {
                "Backup".to_string()
            } else {
                id.to_string()
            }
        };
        assert_eq!(
            route_words(&r, names),
            vec![
                "quiet 22:00–07:00 Europe/Riga (held, then sent)",
                "reminds every 30 min",
                "escalates after 15 min unacknowledged to Backup",
                "grouped by tag:team, waiting 30 s",
                "continues to the next routes",
            ]
        );
    }
}
