//! `${NAME}` in an `overdue apply` file (docs/behaviour.md, "Configuration as code"):
//! expanded only where a secret belongs — a channel's secret fields (a webhook's URL and
//! header values, a routing key, a token) — and only from variables named
//! `OVERDUE_SECRET_…` or allowed one by one with `--allow-env NAME`. `OVERDUE_API_KEY`
//! is never expanded. Elsewhere `${…}` is text like any other: a file from someone else
//! cannot send the API key, or a CI secret, to a webhook it names.

use anyhow::{anyhow, bail, Result};
use serde_json::Value;

/// The prefix of variables a file may name without `--allow-env`.
pub const PREFIX: &str = "OVERDUE_SECRET_";

/// Which variables a file may read.
pub struct Allowed<'a> {
    /// Names given with `--allow-env`.
    pub extra: &'a [String],
    /// The environment.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

impl Allowed<'_> {
    fn get(&self, name: &str, at: &str) -> Result<String> {
        if name == "OVERDUE_API_KEY" {
            bail!("{at}: ${{OVERDUE_API_KEY}} is never expanded: a file must not carry the key it is applied with");
        }
        if !name.starts_with(PREFIX) && !self.extra.iter().any(|e| e == name) {
            bail!(
                "{at}: ${{{name}}} is not expanded: name the variable {PREFIX}… or allow it \
                 with --allow-env {name}"
            );
        }
        (self.env)(name)
            .ok_or_else(|| anyhow!("{at}: names ${{{name}}}, which is not set in the environment"))
    }
}

/// Expands `${NAME}` in the secret fields of a channel's body (`kind` from the body).
pub fn expand_channel(body: &mut Value, at: &str, allowed: &Allowed<'_>) -> Result<()> {
    let kind = body["kind"].as_str().unwrap_or_default().to_string();
    let Some(k) = overdue_notify::kinds::find(&kind) else {
        return Ok(());
    };
    let Some(obj) = body.as_object_mut() else {
        return Ok(());
    };
    for (name, v) in obj.iter_mut() {
        let secret = k.field(name).is_some_and(|f| f.secret);
        if !secret {
            continue;
        }
        let where_ = format!("{at}.{name}");
        match v {
            Value::Object(headers) => {
                for (h, hv) in headers.iter_mut() {
                    expand_text(hv, &format!("{where_}.{h}"), allowed)?;
                }
            }
            other => expand_text(other, &where_, allowed)?,
        }
    }
    Ok(())
}

fn expand_text(v: &mut Value, at: &str, allowed: &Allowed<'_>) -> Result<()> {
    let Value::String(s) = v else {
        return Ok(());
    };
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let Some(end) = rest[i..].find('}') else {
            bail!("{at}: \"${{\" without its closing \"}}\"");
        };
        out.push_str(&allowed.get(&rest[i + 2..i + end], at)?);
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    *s = out;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn env(n: &str) -> Option<String> {
        match n {
            "OVERDUE_SECRET_PD" => Some("s3cret".into()),
            "OVERDUE_API_KEY" => Some("odk_key".into()),
            "CI_TOKEN" => Some("ci".into()),
            _ => None,
        }
    }

    #[test]
    fn only_secret_fields_and_secret_variables_expand() {
        let allowed = Allowed {
            extra: &[],
            env: &env,
        };
        let mut v = json!({"kind": "pagerduty", "name": "${OVERDUE_SECRET_PD}", "routing_key": "${OVERDUE_SECRET_PD}"});
        expand_channel(&mut v, "f:1: channel p", &allowed).unwrap();
        assert_eq!(v["routing_key"], "s3cret");
        assert_eq!(
            v["name"], "${OVERDUE_SECRET_PD}",
            "not a secret field: text"
        );
        let mut v = json!({"kind": "webhook", "url": "https://x.example/${OVERDUE_API_KEY}"});
        let e = expand_channel(&mut v, "f:2: channel h", &allowed).unwrap_err();
        assert!(e.to_string().contains("never expanded"), "{e}");
        let mut v = json!({"kind": "webhook", "url": "https://x.example/", "headers": {"X": "${CI_TOKEN}"}});
        let e = expand_channel(&mut v, "f:3: channel h", &allowed).unwrap_err();
        assert!(e.to_string().contains("--allow-env CI_TOKEN"), "{e}");
        let extra = ["CI_TOKEN".to_string(), "OVERDUE_API_KEY".to_string()];
        let allowed = Allowed {
            extra: &extra,
            env: &env,
        };
        expand_channel(&mut v, "f:3: channel h", &allowed).unwrap();
        assert_eq!(v["headers"]["X"], "ci");
        let mut v = json!({"kind": "webhook", "url": "${OVERDUE_API_KEY}"});
        assert!(
            expand_channel(&mut v, "f:4", &allowed).is_err(),
            "not even allowed"
        );
        let mut v = json!({"kind": "webhook", "url": "${OVERDUE_SECRET_NONE}"});
        let e = expand_channel(&mut v, "f:5: channel h", &allowed).unwrap_err();
        assert_eq!(
            e.to_string(),
            "f:5: channel h.url: names ${OVERDUE_SECRET_NONE}, which is not set in the environment"
        );
    }
}
