//! The webhook channel: configuration, validation and delivery.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use overdue_core::EventRecord;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::guard::{check_literal, resolver, AddressPolicy};
use crate::template::{default_json, render, Context};

/// A webhook channel's settings (stored as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Target URL; may contain variables (percent-encoded when expanded).
    pub url: String,
    /// HTTP method (default POST).
    #[serde(default = "default_method")]
    pub method: String,
    /// Extra headers; values may contain variables.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Body template; without one the body is the default JSON document.
    #[serde(default)]
    pub body: Option<String>,
}

fn default_method() -> String {
    "POST".into()
}

/// Why a webhook configuration was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum WebhookError {
    /// Something the user must fix, with the reason.
    #[error("{0}")]
    Invalid(String),
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

impl WebhookConfig {
    /// Checks the settings; `policy` refuses literal private addresses up front (names
    /// are checked again at delivery, on the resolved address).
    pub fn validate(&mut self, policy: AddressPolicy) -> Result<(), WebhookError> {
        self.method = self.method.to_uppercase();
        if !METHODS.contains(&self.method.as_str()) {
            return Err(WebhookError::Invalid(format!(
                "method {:?} is not supported: use one of {}",
                self.method,
                METHODS.join(", ")
            )));
        }
        let url = url::Url::parse(&self.url).map_err(|e| {
            WebhookError::Invalid(format!("url {:?} is not a valid URL: {e}", self.url))
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(WebhookError::Invalid(format!(
                "url must start with http:// or https://, got {:?}",
                self.url
            )));
        }
        if url.host().is_none() {
            return Err(WebhookError::Invalid("url has no host".into()));
        }
        check_literal(&url, policy).map_err(WebhookError::Invalid)?;
        for (name, value) in &self.headers {
            if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(WebhookError::Invalid(format!(
                    "header name {name:?} is not valid"
                )));
            }
            if value.contains(['\r', '\n']) {
                return Err(WebhookError::Invalid(format!(
                    "header {name:?} contains a line break"
                )));
            }
        }
        Ok(())
    }

    fn is_json_body(&self) -> bool {
        match self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            Some((_, v)) => v.to_ascii_lowercase().contains("json"),
            None => self
                .body
                .as_deref()
                .is_none_or(|b| b.trim_start().starts_with(['{', '['])),
        }
    }
}

/// The outcome of one delivery attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// HTTP status, when a response arrived.
    pub status_code: Option<u16>,
    /// What went wrong.
    pub error: Option<String>,
    /// The receiver answered 2xx.
    pub ok: bool,
    /// Retrying cannot help (refused address, broken URL, a 400, 404 or 410).
    pub permanent: bool,
    /// The receiver asked to wait (HTTP 429 `Retry-After`).
    pub retry_after: Option<Duration>,
    /// How long it took.
    pub duration: Duration,
}

impl Delivery {
    /// A failure before or without an answer.
    pub fn failed(error: String, permanent: bool, started: Instant) -> Delivery {
        Delivery {
            status_code: None,
            error: Some(error),
            ok: false,
            permanent,
            retry_after: None,
            duration: started.elapsed(),
        }
    }

    /// The outcome of an HTTP answer: 2xx accepted; 400, 404 and 410 permanent (the
    /// request or the receiver is wrong, a retry gets the same answer); 429 waits for
    /// `Retry-After` (or Telegram's `parameters.retry_after`); anything else is retried.
    /// The error quotes the start of the answer's body (Slack says why: `no_service`,
    /// `invalid_payload`).
    pub async fn from_response(resp: reqwest::Response, started: Instant) -> Delivery {
        let status = resp.status();
        let header_wait = resp
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let ok = status.is_success();
        let text = if ok {
            String::new()
        } else {
            resp.text().await.unwrap_or_default()
        };
        // Telegram says how long to wait in its JSON answer, not in a header.
        let body_wait = || {
            serde_json::from_str::<serde_json::Value>(&text)
                .ok()?
                .pointer("/parameters/retry_after")?
                .as_u64()
        };
        let retry_after = header_wait.or_else(body_wait).map(Duration::from_secs);
        let error = (!ok).then(|| {
            let detail: String = text.trim().chars().take(200).collect();
            if detail.is_empty() || detail.starts_with('<') {
                format!("receiver answered {status}")
            } else {
                format!("receiver answered {status}: {detail}")
            }
        });
        Delivery {
            status_code: Some(status.as_u16()),
            error,
            ok,
            permanent: matches!(status.as_u16(), 400 | 404 | 410),
            retry_after: (status.as_u16() == 429).then_some(retry_after).flatten(),
            duration: started.elapsed(),
        }
    }

    /// The outcome of a request that got no answer. Without the URL: delivery errors
    /// are shown to every reader of the delivery log, and the URL may hold a token.
    pub fn from_error(e: reqwest::Error, started: Instant) -> Delivery {
        // Where it tried, as `host:port` (the path and query may hold a token).
        let place = e
            .url()
            .and_then(|u| Some(format!("{}:{}", u.host_str()?, u.port_or_known_default()?)));
        let (timeout, connect) = (e.is_timeout(), e.is_connect());
        let chain = error_chain(&e.without_url());
        // The address guard's refusal is permanent: no retry reaches another address.
        let permanent = chain.contains("refused: ");
        let root = root_cause(&chain);
        let text = match place {
            Some(_) if permanent => chain[chain.find("refused: ").unwrap_or(0)..].to_string(),
            Some(p) if timeout => format!("{p} did not answer in time"),
            Some(p) if connect => format!("could not connect to {p}: {root}"),
            _ => chain,
        };
        Delivery::failed(text, permanent, started)
    }
}

/// Sends webhooks through one shared HTTP client with the address guard installed.
#[derive(Debug, Clone)]
pub struct Webhooks {
    client: reqwest::Client,
    policy: AddressPolicy,
}

impl Webhooks {
    /// A client with `timeout` per request and the given address policy.
    pub fn new(policy: AddressPolicy, timeout: Duration) -> Result<Webhooks, String> {
        let redirect = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                return attempt.error("too many redirects");
            }
            match check_literal(attempt.url(), policy) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .redirect(redirect)
            .dns_resolver(resolver(policy))
            .user_agent(concat!("Overdue/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Webhooks { client, policy })
    }

    /// Delivers `ev` to the webhook `cfg` with an idempotency key the receiver may use
    /// to drop repeats of a retried delivery.
    pub async fn send(
        &self,
        cfg: &WebhookConfig,
        ev: &EventRecord,
        idempotency_key: &str,
    ) -> Delivery {
        let started = Instant::now();
        let fail = |error: String, permanent: bool| Delivery::failed(error, permanent, started);
        let url_text = render(&cfg.url, ev, Context::Url);
        let url = match url::Url::parse(&url_text) {
            Ok(u) => u,
            Err(e) => {
                // The URL itself is not repeated: it may hold a token.
                return fail(format!("the url is invalid after expansion: {e}"), true);
            }
        };
        if let Err(e) = check_literal(&url, self.policy) {
            return fail(e, true);
        }
        let method = match reqwest::Method::from_bytes(cfg.method.as_bytes()) {
            Ok(m) => m,
            Err(_) => return fail(format!("bad method {:?}", cfg.method), true),
        };
        let json = cfg.is_json_body();
        let body = match &cfg.body {
            Some(t) => render(
                t,
                ev,
                if json {
                    Context::JsonBody
                } else {
                    Context::TextBody
                },
            ),
            None => default_json(ev).to_string(),
        };
        let mut req = self
            .client
            .request(method.clone(), url)
            .header("Idempotency-Key", idempotency_key);
        if !cfg
            .headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case("content-type"))
        {
            req = req.header(
                "Content-Type",
                if json {
                    "application/json"
                } else {
                    "text/plain; charset=utf-8"
                },
            );
        }
        for (k, v) in &cfg.headers {
            req = req.header(k.as_str(), render(v, ev, Context::Header));
        }
        if method != reqwest::Method::GET {
            req = req.body(body);
        }
        match req.send().await {
            Ok(resp) => Delivery::from_response(resp, started).await,
            Err(e) => Delivery::from_error(e, started),
        }
    }

    /// Sends one preset request (always a POST), checked against the address policy,
    /// with an `Idempotency-Key`.
    pub async fn request(&self, req: &crate::request::Request, idempotency_key: &str) -> Delivery {
        use crate::request::Body;
        let started = Instant::now();
        let url = match url::Url::parse(&req.url) {
            // The URL itself is not repeated: it may hold a token (Telegram's bot).
            Err(e) => return Delivery::failed(format!("the url is invalid: {e}"), true, started),
            Ok(u) => u,
        };
        if let Err(e) = check_literal(&url, self.policy) {
            return Delivery::failed(e, true, started);
        }
        let mut r = self
            .client
            .post(url)
            .header("Idempotency-Key", idempotency_key);
        for (k, v) in &req.headers {
            r = r.header(*k, v.as_str());
        }
        if let Some((user, password)) = &req.basic {
            r = r.basic_auth(user, Some(password));
        }
        r = match &req.body {
            Body::Json(v) => r.json(v),
            Body::Ndjson(text) => r
                .header("Content-Type", "application/x-ndjson")
                .body(text.clone()),
            Body::Form(pairs) => r
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(
                    url::form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(pairs)
                        .finish(),
                ),
        };
        match r.send().await {
            Ok(resp) => Delivery::from_response(resp, started).await,
            Err(e) => Delivery::from_error(e, started),
        }
    }
}

/// The last link of an error chain ("Connection refused (os error 111)").
fn root_cause(chain: &str) -> String {
    chain
        .rsplit(": ")
        .next()
        .unwrap_or(chain)
        .trim()
        .to_string()
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answer(status: u16, retry_after: Option<&str>, body: &str) -> Delivery {
        let mut b = http::Response::builder().status(status);
        if let Some(r) = retry_after {
            b = b.header("Retry-After", r);
        }
        let resp = reqwest::Response::from(b.body(body.to_string()).unwrap());
        Delivery::from_response(resp, Instant::now()).await
    }

    #[tokio::test]
    async fn answers_decide_retries() {
        let ok = answer(202, None, "").await;
        assert!(ok.ok && ok.error.is_none());
        // The request or the receiver is wrong: a retry gets the same answer.
        for code in [400, 404, 410] {
            let d = answer(code, None, "no_service").await;
            assert!(!d.ok && d.permanent, "{code}");
            assert!(d.error.unwrap().ends_with(": no_service"));
        }
        // Too many requests: wait as asked, then retry.
        let d = answer(429, Some("120"), "").await;
        assert!(!d.permanent);
        assert_eq!(d.retry_after, Some(Duration::from_secs(120)));
        // A receiver's trouble passes: retried, no body text from an HTML error page.
        let d = answer(
            429,
            None,
            r#"{"ok":false,"error_code":429,"parameters":{"retry_after":31}}"#,
        )
        .await;
        assert_eq!(d.retry_after, Some(Duration::from_secs(31)));
        let d = answer(503, None, "<html>busy</html>").await;
        assert!(!d.permanent && d.retry_after.is_none());
        assert_eq!(
            d.error.as_deref(),
            Some("receiver answered 503 Service Unavailable")
        );
    }
}
