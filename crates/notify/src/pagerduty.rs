//! The PagerDuty channel (Events API v2): an alert's messages become `trigger`,
//! `acknowledge` and `resolve` events of one incident, keyed by the alert's dedup key.
//! PagerDuty escalates by itself, so it gets no repeats from Overdue.

use std::time::Instant;

use overdue_core::{EventRecord, Transition};
use serde::{Deserialize, Serialize};

use crate::channel::{check_http_url, mask_secret};
use crate::guard::AddressPolicy;
use crate::text::{facts, problem_lines, Links};
use crate::webhook::{Delivery, WebhookError, Webhooks};

/// Where events go unless a channel says otherwise.
pub const EVENTS_URL: &str = "https://events.pagerduty.com/v2/enqueue";

/// A PagerDuty channel's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagerDutyConfig {
    /// The integration's routing key (a secret: shown masked).
    pub routing_key: String,
    /// Another events endpoint (PagerDuty's EU service region, a proxy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl PagerDutyConfig {
    /// Checks the routing key and the URL.
    pub fn validate(&mut self, policy: AddressPolicy) -> Result<(), WebhookError> {
        self.routing_key = self.routing_key.trim().to_string();
        let k = &self.routing_key;
        if k.is_empty() || k.len() > 64 || !k.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(WebhookError::Invalid(
                "routing_key must be the integration key of a PagerDuty service: 1-64 \
                 letters and digits (Events API v2)"
                    .into(),
            ));
        }
        match &self.url {
            Some(u) if u.trim().is_empty() => {
                self.url = None;
                Ok(())
            }
            Some(u) => check_http_url("url", u, policy),
            None => Ok(()),
        }
    }

    /// As shown after creation.
    pub fn masked(&self) -> PagerDutyConfig {
        PagerDutyConfig {
            routing_key: mask_secret(&self.routing_key),
            url: self.url.clone(),
        }
    }

    /// Keeps the stored key when the masked one is sent back.
    pub fn keep_secrets(&mut self, stored: &PagerDutyConfig) {
        if self.routing_key == mask_secret(&stored.routing_key) {
            self.routing_key = stored.routing_key.clone();
        }
    }
}

/// The events a message makes: its action and dedup key, one per incident concerned.
pub fn events(
    cfg: &PagerDutyConfig,
    ev: &EventRecord,
    links: &Links,
    site: &str,
) -> Vec<serde_json::Value> {
    let Some(alert) = &ev.alert else {
        return Vec::new();
    };
    let keys = if alert.incidents.is_empty() {
        vec![alert.dedup_key.clone()]
    } else {
        alert.incidents.clone()
    };
    let simple = |action: &str, key: &str| {
        serde_json::json!({
            "routing_key": cfg.routing_key,
            "event_action": action,
            "dedup_key": key,
        })
    };
    match alert.transition {
        Transition::Resolve => keys.iter().map(|k| simple("resolve", k)).collect(),
        Transition::Acknowledge => keys.iter().map(|k| simple("acknowledge", k)).collect(),
        Transition::Trigger | Transition::Escalate | Transition::Once | Transition::Digest => {
            let mut out: Vec<serde_json::Value> = keys
                .iter()
                .map(|k| trigger(cfg, ev, k, links, site, &alert.severity))
                .collect();
            if alert.transition == Transition::Once {
                // A one-shot (a channel test) opens nothing that stays open.
                out.extend(keys.iter().map(|k| simple("resolve", k)));
            }
            out
        }
    }
}

fn trigger(
    cfg: &PagerDutyConfig,
    ev: &EventRecord,
    key: &str,
    links: &Links,
    site: &str,
    severity: &str,
) -> serde_json::Value {
    let summary: String = ev.headline().chars().take(1024).collect();
    let mut details = serde_json::Map::new();
    for (k, v) in facts(ev) {
        details.insert(k.to_lowercase().replace(' ', "_"), v.into());
    }
    let problems = problem_lines(ev);
    if !problems.is_empty() {
        details.insert("problems".into(), problems.into());
    }
    let mut link_list = Vec::new();
    if let Some(m) = &links.monitor {
        link_list.push(serde_json::json!({ "href": m, "text": "Monitor in Overdue" }));
    }
    if let Some(a) = &links.ack {
        link_list.push(serde_json::json!({ "href": a, "text": "Acknowledge in Overdue" }));
    }
    let severity = match severity {
        "critical" | "error" | "warning" | "info" => severity,
        _ => "error",
    };
    serde_json::json!({
        "routing_key": cfg.routing_key,
        "event_action": "trigger",
        "dedup_key": key,
        "payload": {
            "summary": summary,
            "source": format!("overdue: {}", ev.monitor.name),
            "severity": severity,
            "timestamp": ev.at,
            "component": ev.monitor.name,
            "group": ev.monitor.project,
            "class": ev.event.as_str(),
            "custom_details": details,
        },
        "links": link_list,
        "client": "Overdue",
        "client_url": site,
    })
}

/// Sends the events of one message, in order; the first failure stops (a retry sends
/// them all again: PagerDuty deduplicates by key).
pub async fn send(
    http: &Webhooks,
    cfg: &PagerDutyConfig,
    ev: &EventRecord,
    links: &Links,
    site: &str,
    idempotency_key: &str,
) -> Delivery {
    let started = Instant::now();
    let url = cfg.url.as_deref().unwrap_or(EVENTS_URL);
    let all = events(cfg, ev, links, site);
    if all.is_empty() {
        return Delivery::failed(
            "nothing to send to PagerDuty: the message is about no alert".into(),
            true,
            started,
        );
    }
    let mut last = None;
    for (i, event) in all.iter().enumerate() {
        let d = http
            .post_json(url, event, &format!("{idempotency_key}.{i}"))
            .await;
        if !d.ok {
            return Delivery {
                duration: started.elapsed(),
                ..d
            };
        }
        last = Some(d);
    }
    last.map(|d| Delivery {
        duration: started.elapsed(),
        ..d
    })
    .unwrap_or_else(|| Delivery::failed("no event sent".into(), true, started))
}
