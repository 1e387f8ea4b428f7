//! Flow events from Rust (docs/behaviour.md, "Flows (entity SLAs)"): one event by the
//! flow's event URL, or batches through the management API.

use crate::{path, Client, Error};

/// What [`Client::flow_events`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowEventsSent {
    /// Events stored.
    pub stored: u64,
    /// Of those, events that moved an entity.
    pub applied: u64,
    /// Events the server could not read, kept aside there.
    pub kept_aside: u64,
    /// Why (the first ones).
    pub problems: Vec<String>,
}

impl Client {
    /// Tells flow `flow` that `entity` reached `stage` (at `at`, RFC 3339; default now)
    /// by the flow's event URL under the project's `ping_key`. Returns whether the
    /// event moved the entity.
    pub fn flow_event(
        &self,
        ping_key: &str,
        flow: &str,
        entity: &str,
        stage: &str,
        at: Option<&str>,
    ) -> Result<bool, Error> {
        let path = path(&["flow", ping_key, flow, entity, stage])?;
        let mut url = reqwest::Url::parse(&format!("{}{path}", self.base))
            .map_err(|e| Error::Invalid(e.to_string()))?;
        if let Some(at) = at {
            url.query_pairs_mut().append_pair("at", at);
        }
        let r = self
            .http
            .post(url)
            .send()
            .map_err(|e| Error::Unreachable(e.to_string()))?;
        let status = r.status().as_u16();
        let ok = r.status().is_success();
        let v: serde_json::Value =
            serde_json::from_str(&r.text().unwrap_or_default()).unwrap_or_default();
        if ok {
            return Ok(v["applied"] == true);
        }
        let body = v["error"].as_str().unwrap_or_default().to_string();
        Err(Error::Status { status, body })
    }

    /// Sends flow events in batches of 10,000 to `POST /api/v1/flows/<flow>/events`
    /// (read through the flow's mapping when it has one). Every batch is sent: events
    /// the server could not read are kept aside there (docs/behaviour.md, "What senders
    /// send") and counted here with the first reasons, the rest stored.
    pub fn flow_events(
        &self,
        flow: &str,
        api_key: &str,
        events: &[serde_json::Value],
    ) -> Result<FlowEventsSent, Error> {
        let mut sent = FlowEventsSent::default();
        let path = path(&["api", "v1", "flows", flow, "events"])?;
        for chunk in events.chunks(10_000) {
            let body = serde_json::Value::from(chunk.to_vec());
            // Some kept aside, the rest stored: the 422's answer counts both.
            let r = self.api("POST", &path, api_key, Some(&body))?;
            let n = |k: &str| r[k].as_u64().unwrap_or(0);
            sent.stored += n("stored");
            sent.applied += n("applied");
            sent.kept_aside += n("kept_aside");
            if let Some(p) = r["problems"].as_array() {
                sent.problems.extend(
                    p.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .take(20),
                );
            }
        }
        Ok(sent)
    }
}
