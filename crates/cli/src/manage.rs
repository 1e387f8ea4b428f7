//! `overdue monitors list|create|pause|resume` (docs/behaviour.md, "API"): the management
//! API from a
//! shell, with a project API key (`OVERDUE_API_KEY`). Monitors are named by UUID or slug.

use anyhow::{anyhow, Context, Result};
use serde_json::{json, Value};

use overdue_client::Client;

/// Where and as whom.
pub struct Api {
    client: Client,
    key: String,
}

impl Api {
    /// A connection to `url` with `api_key` (required: say how to give one).
    pub fn new(url: &str, api_key: Option<&str>) -> Result<Api> {
        let key = api_key
            .ok_or_else(|| anyhow!("no API key: set OVERDUE_API_KEY or --api-key"))?
            .to_string();
        let client = Client::new(url).map_err(|e| anyhow!("OVERDUE_URL: {e}"))?;
        Ok(Api { client, key })
    }

    /// One management API call.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        Ok(self.client.api(method, path, &self.key, body)?)
    }

    fn monitors(&self) -> Result<Vec<Value>> {
        let v = self.call("GET", "/api/v1/monitors", None)?;
        Ok(v["monitors"].as_array().cloned().unwrap_or_default())
    }

    /// (slug, UUID) of the monitors that have a slug (the key must be read-write: only
    /// those see the UUIDs).
    pub fn monitor_slugs(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .monitors()?
            .iter()
            .filter_map(|m| {
                Some((
                    m["slug"].as_str()?.to_string(),
                    m["uuid"].as_str()?.to_string(),
                ))
            })
            .collect())
    }

    /// A monitor's UUID (or public reference) from its UUID, reference or slug.
    fn resolve(&self, which: &str) -> Result<String> {
        if uuid::Uuid::try_parse(which).is_ok() {
            return Ok(which.to_string());
        }
        self.monitors()?
            .iter()
            .find(|m| m["slug"].as_str() == Some(which) || m["id"].as_str() == Some(which))
            // The UUID for keys that see it, else the public reference (paths take both).
            .and_then(|m| m["uuid"].as_str().or(m["id"].as_str()).map(str::to_string))
            .ok_or_else(|| anyhow!("no monitor with slug {which:?}"))
    }
}

/// `monitors list`: a table (or the API's JSON with `json`).
pub fn list(api: &Api, as_json: bool) -> Result<String> {
    let ms = api.monitors()?;
    if as_json {
        return Ok(serde_json::to_string_pretty(&ms)?);
    }
    let mut rows = vec![[
        "NAME".to_string(),
        "SLUG".into(),
        "STATE".into(),
        "SCHEDULE".into(),
        "LAST PING".into(),
        "ID".into(),
    ]];
    for m in &ms {
        let s = &m["schedule"];
        let schedule = match s["kind"].as_str() {
            Some("cron") => format!(
                "{} {}",
                s["cron"].as_str().unwrap_or(""),
                s["tz"].as_str().unwrap_or("")
            ),
            Some("interval") => format!("every {}s", s["period"].as_i64().unwrap_or(0)),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let text = |k: &str| m[k].as_str().unwrap_or("").to_string();
        rows.push([
            text("name"),
            text("slug"),
            text("state"),
            schedule,
            m["last_ping"].as_str().unwrap_or("never").to_string(),
            // The UUID (what `overdue ping` takes) for keys that may see it.
            m["uuid"]
                .as_str()
                .or(m["id"].as_str())
                .unwrap_or("")
                .to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    Ok(out)
}

/// Settings of `monitors create`.
pub struct NewMonitor {
    /// Name.
    pub name: String,
    /// Slug.
    pub slug: Option<String>,
    /// Period (`1h`) — or `cron`.
    pub period: Option<String>,
    /// Cron expression.
    pub cron: Option<String>,
    /// Timezone of `cron`.
    pub tz: Option<String>,
    /// Grace.
    pub grace: Option<String>,
    /// Tags, comma- or space-separated.
    pub tags: Option<String>,
}

/// `monitors create`: the new monitor's id and ping URL.
pub fn create(api: &Api, m: NewMonitor) -> Result<String> {
    let mut body = json!({ "name": m.name });
    let set = |b: &mut Value, k: &str, v: Option<String>| {
        if let Some(v) = v {
            b[k] = v.into();
        }
    };
    set(&mut body, "slug", m.slug);
    set(&mut body, "period", m.period);
    set(&mut body, "cron", m.cron);
    set(&mut body, "tz", m.tz);
    set(&mut body, "grace", m.grace);
    if let Some(t) = m.tags {
        body["tags"] = t
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .into();
    }
    let v = api
        .call("POST", "/api/v1/monitors", Some(&body))
        .context("the monitor was not created")?;
    Ok(format!(
        "{}\t{}",
        v["uuid"].as_str().unwrap_or(""),
        v["ping_url"].as_str().unwrap_or("")
    ))
}

/// `monitors pause|resume`: the monitor's state after.
pub fn switch(api: &Api, which: &str, pause: bool) -> Result<String> {
    let id = api.resolve(which)?;
    let action = if pause { "pause" } else { "resume" };
    let path = overdue_client::path(&["api", "v1", "monitors", &id, action])?;
    let v = api.call("POST", &path, None)?;
    Ok(format!(
        "{} is {}",
        v["name"].as_str().unwrap_or(&id),
        v["status"].as_str().unwrap_or("?")
    ))
}
