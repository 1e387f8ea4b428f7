//! Whether what the file says is what the server holds: the file's fields compared
//! with the server's rendering of the same object, each written as people write it
//! (`"1h"` against `3600` seconds, `"prod db"` against `["prod", "db"]`, channel names
//! against ids), fields the file leaves out left alone.

use serde_json::Value;

/// Fields whose order carries no meaning.
const SETS: &[&str] = &[
    "tags",
    "channels",
    "terminal",
    "kinds",
    "reasons",
    "severities",
    "monitors",
    "days",
];

/// Whether `desired` says nothing `current` does not hold (`field`: its name, for the
/// rules of sets).
pub fn holds(field: &str, desired: &Value, current: &Value) -> bool {
    match (desired, current) {
        (Value::Object(d), Value::Object(c)) => d
            .iter()
            .all(|(k, v)| holds(k, v, c.get(k).unwrap_or(&Value::Null))),
        (Value::Object(d), Value::Null) => d.values().all(empty),
        (Value::Array(d), Value::Array(c)) if SETS.contains(&field) => {
            let (mut d, mut c) = (texts(d), texts(c));
            d.sort();
            c.sort();
            d == c
        }
        (Value::Array(d), Value::Array(c)) => {
            d.len() == c.len() && d.iter().zip(c).all(|(a, b)| holds(field, a, b))
        }
        (Value::String(d), Value::Array(c)) if SETS.contains(&field) => {
            let mut d: Vec<String> = d
                .split([' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            let mut c = texts(c);
            d.sort();
            c.sort();
            d == c
        }
        (Value::String(d), Value::Number(c)) => overdue_core::parse_duration(d)
            .ok()
            .is_some_and(|dur| Some(dur.millis() as f64 / 1_000.0) == c.as_f64()),
        (Value::Number(d), Value::Number(c)) => d.as_f64() == c.as_f64(),
        (Value::String(d), Value::String(c)) if SETS.contains(&field) => {
            let split = |s: &str| {
                let mut v: Vec<String> = s
                    .split([' ', ','])
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect();
                v.sort();
                v
            };
            split(d) == split(c)
        }
        (d, Value::Null) => empty(d),
        (d, c) => d == c,
    }
}

/// Nothing said: `null`, `""`, `[]`, `{}` or `false`.
fn empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.values().all(empty),
        Value::Bool(b) => !b,
        Value::Number(_) => false,
    }
}

fn texts(v: &[Value]) -> Vec<String> {
    v.iter()
        .map(|x| match x {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// The top-level fields of `desired` that `current` does not hold, skipping `ignore`.
pub fn changed(desired: &Value, current: &Value, ignore: &[&str]) -> Vec<String> {
    let Value::Object(d) = desired else {
        return Vec::new();
    };
    d.iter()
        .filter(|(k, _)| !ignore.contains(&k.as_str()))
        .filter(|(k, v)| !holds(k, v, current.get(k.as_str()).unwrap_or(&Value::Null)))
        .map(|(k, _)| k.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn written_as_people_write_it() {
        assert!(holds("grace", &json!("1h"), &json!(3600)));
        assert!(!holds("grace", &json!("2h"), &json!(3600)));
        assert!(holds(
            "tags",
            &json!(["db", "prod"]),
            &json!(["prod", "db"])
        ));
        assert!(holds("tags", &json!("prod db"), &json!(["db", "prod"])));
        assert!(holds("tags", &json!("prod db"), &json!("db prod")));
        assert!(holds(
            "match",
            &json!({"severities": ["critical"]}),
            &json!({"severities": ["critical"], "tags": []})
        ));
        assert!(!holds(
            "match",
            &json!({"severities": ["error"]}),
            &json!({"severities": ["critical"]})
        ));
        assert!(holds(
            "stages",
            &json!([{"name": "a", "sla": "1m"}]),
            &json!([{"name": "a", "sla": 60, "p50": null}])
        ));
        assert!(!holds(
            "stages",
            &json!([{"name": "a"}, {"name": "b"}]),
            &json!([{"name": "b"}, {"name": "a"}])
        ));
        assert!(holds("active", &json!({}), &Value::Null));
        assert!(holds("manual_resume", &json!(false), &Value::Null));
        assert_eq!(
            changed(
                &json!({"name": "x", "grace": "1h", "for": "2h"}),
                &json!({"name": "x", "grace": 60}),
                &["for"]
            ),
            ["grace"]
        );
    }
}
