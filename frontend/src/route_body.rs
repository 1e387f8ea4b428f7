//! The route form's values: filled from a saved route, cleared, and turned into the
//! API's JSON (`POST` for a new route, `PATCH` for a change, which says "none" where a
//! new route leaves a field out). What only the API sets is carried over from the
//! route being edited: further escalation steps and the first step's other channels,
//! a window's weekdays and holidays.

use leptos::prelude::*;
use overdue_types::route_form::duration_text;
use overdue_types::Route;

/// The form's fields.
#[derive(Clone, Copy)]
pub struct Fields {
    /// Name.
    pub name: RwSignal<String>,
    /// Matched kinds, severities, reasons and tags (ticked chips).
    pub kinds: RwSignal<Vec<String>>,
    /// Matched severities.
    pub severities: RwSignal<Vec<String>>,
    /// Matched reasons.
    pub reasons: RwSignal<Vec<String>>,
    /// Matched tags (all of them).
    pub tags: RwSignal<Vec<String>>,
    /// Monitor patterns, comma-separated.
    pub pattern: RwSignal<String>,
    /// Channel ids ticked.
    pub chosen: RwSignal<Vec<String>>,
    /// Remind every.
    pub repeat: RwSignal<String>,
    /// The first escalation step's delay.
    pub escalate_after: RwSignal<String>,
    /// The first escalation step's first channel.
    pub backup: RwSignal<String>,
    /// Start the steps over.
    pub looping: RwSignal<bool>,
    /// Quiet hours.
    pub quiet_from: RwSignal<String>,
    /// Quiet hours' end.
    pub quiet_to: RwSignal<String>,
    /// Active hours.
    pub active_from: RwSignal<String>,
    /// Active hours' end.
    pub active_to: RwSignal<String>,
    /// The windows' zone.
    pub tz: RwSignal<String>,
    /// Group by.
    pub group_by: RwSignal<String>,
    /// Group wait.
    pub group_wait: RwSignal<String>,
    /// Continue matching.
    pub cont: RwSignal<bool>,
}

impl Fields {
    /// Empty fields.
    pub fn new() -> Fields {
        let text = || RwSignal::new(String::new());
        let list = || RwSignal::new(Vec::<String>::new());
        Fields {
            name: text(),
            kinds: list(),
            severities: list(),
            reasons: list(),
            tags: list(),
            pattern: text(),
            chosen: list(),
            repeat: text(),
            escalate_after: text(),
            backup: text(),
            looping: RwSignal::new(false),
            quiet_from: text(),
            quiet_to: text(),
            active_from: text(),
            active_to: text(),
            tz: text(),
            group_by: text(),
            group_wait: text(),
            cont: RwSignal::new(false),
        }
    }

    /// Empties every field (after a save, or when an edit is given up).
    pub fn clear(&self) {
        for s in [
            self.name,
            self.pattern,
            self.repeat,
            self.escalate_after,
            self.backup,
            self.quiet_from,
            self.quiet_to,
            self.active_from,
            self.active_to,
            self.tz,
            self.group_by,
            self.group_wait,
        ] {
            s.set(String::new());
        }
        for l in [
            self.kinds,
            self.severities,
            self.reasons,
            self.tags,
            self.chosen,
        ] {
            l.set(Vec::new());
        }
        self.looping.set(false);
        self.cont.set(false);
    }
}

fn listed(m: &serde_json::Value, key: &str) -> Vec<String> {
    m[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Puts a saved route's values in the fields.
pub fn fill(f: &Fields, r: &Route) {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    f.name.set(r.name.clone());
    f.kinds.set(listed(&r.matcher, "kinds"));
    f.severities.set(listed(&r.matcher, "severities"));
    f.reasons.set(listed(&r.matcher, "reasons"));
    f.tags.set(listed(&r.matcher, "tags"));
    f.pattern.set(listed(&r.matcher, "monitors").join(", "));
    f.chosen.set(r.channels.clone());
    f.cont.set(r.continue_matching);
    f.looping.set(r.escalate_loop);
    f.repeat.set(
        r.repeat_every
            .map(|s| duration_text(s * 1_000))
            .unwrap_or_default(),
    );
    f.quiet_from.set(text(&r.quiet["from"]));
    f.quiet_to.set(text(&r.quiet["to"]));
    f.active_from.set(text(&r.active["from"]));
    f.active_to.set(text(&r.active["to"]));
    f.tz.set(
        r.quiet["tz"]
            .as_str()
            .or(r.active["tz"].as_str())
            .unwrap_or("")
            .to_string(),
    );
    let step = r.escalate.first();
    f.escalate_after.set(
        step.and_then(|s| overdue_types::route_form::input_ms(&s.after))
            .map(duration_text)
            .unwrap_or_default(),
    );
    f.backup.set(
        step.and_then(|s| s.channels.first().cloned())
            .unwrap_or_default(),
    );
    f.group_by.set(r.group_by.clone().unwrap_or_default());
    f.group_wait.set(
        r.group_wait
            .map(|s| duration_text(s * 1_000))
            .unwrap_or_default(),
    );
}

/// The JSON to send for the fields; `was` is the route being edited.
pub fn body(f: &Fields, was: Option<&Route>) -> serde_json::Value {
    let text = |s: RwSignal<String>| s.get_untracked().trim().to_string();
    let mut m = serde_json::Map::new();
    let patterns = crate::widgets::list_of(&text(f.pattern));
    for (key, v) in [
        ("kinds", f.kinds.get_untracked()),
        ("reasons", f.reasons.get_untracked()),
        ("severities", f.severities.get_untracked()),
        ("tags", f.tags.get_untracked()),
        ("monitors", patterns),
    ] {
        if !v.is_empty() {
            m.insert(key.into(), v.into());
        }
    }
    let mut b = serde_json::json!({
        "name": text(f.name), "match": m, "channels": f.chosen.get_untracked(),
        "continue": f.cont.get_untracked(), "escalate_loop": f.looping.get_untracked(),
    });
    // A change says "none" where a new route leaves the field out.
    let none = was.map(|_| serde_json::Value::Null);
    let mut set = |key: &str, v: Option<serde_json::Value>| {
        if let Some(v) = v.or_else(|| none.clone()) {
            b[key] = v;
        }
    };
    let given = |s: RwSignal<String>| (!text(s).is_empty()).then(|| text(s).into());
    set("repeat_every", given(f.repeat));
    let zone = match text(f.tz) {
        z if z.is_empty() => "UTC".to_string(),
        z => z,
    };
    // A window's other parts (weekdays, holidays) set through the API are kept.
    let window = |before: Option<&serde_json::Value>, from: String, to: String| {
        (!from.is_empty()).then(|| {
            let mut w = before
                .filter(|v| v.is_object())
                .cloned()
                .unwrap_or_else(|| serde_json::json!({}));
            w["from"] = from.into();
            w["to"] = to.into();
            w["tz"] = zone.clone().into();
            w
        })
    };
    set(
        "quiet",
        window(was.map(|r| &r.quiet), text(f.quiet_from), text(f.quiet_to)),
    );
    set(
        "active",
        window(
            was.map(|r| &r.active),
            text(f.active_from),
            text(f.active_to),
        ),
    );
    set("group_by", given(f.group_by));
    if !text(f.group_by).is_empty() {
        b["group_wait"] = text(f.group_wait).into();
    }
    b["escalate"] = steps(f, was).into();
    b
}

/// The escalation steps: the form's first step, then the rest set through the API.
fn steps(f: &Fields, was: Option<&Route>) -> Vec<serde_json::Value> {
    let (after, backup) = (
        f.escalate_after.get_untracked().trim().to_string(),
        f.backup.get_untracked(),
    );
    let mut steps: Vec<serde_json::Value> = was
        .map(|r| {
            r.escalate
                .iter()
                .filter_map(|s| serde_json::to_value(s).ok())
                .collect()
        })
        .unwrap_or_default();
    if after.is_empty() || backup.is_empty() {
        if !steps.is_empty() {
            steps.remove(0);
        }
        return steps;
    }
    let mut others: Vec<serde_json::Value> = steps
        .first()
        .and_then(|s| s["channels"].as_array().cloned())
        .map(|c| c.into_iter().skip(1).collect())
        .unwrap_or_default();
    others.retain(|c| c.as_str() != Some(backup.as_str()));
    let mut channels = vec![serde_json::Value::from(backup)];
    channels.extend(others);
    let first = serde_json::json!({"after": after, "channels": channels});
    match steps.first_mut() {
        Some(s) => *s = first,
        None => steps.push(first),
    }
    steps
}
