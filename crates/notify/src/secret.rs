//! Channel secrets after creation: a webhook's URL (its path and query often are the
//! token) and its header values (`Authorization: Bearer …`) are shown masked, even to
//! admins, and a change that sends the masked value back keeps the stored secret.

use crate::webhook::WebhookConfig;

/// What a masked secret shows.
pub const MASK: &str = "••••••";

/// The URL with its path, query and credentials hidden: scheme, host and port stay (so
/// an admin recognises the receiver), and the last four characters of what was hidden.
pub fn mask_url(text: &str) -> String {
    let Ok(url) = url::Url::parse(text) else {
        return MASK.to_string();
    };
    let host = url.host_str().unwrap_or_default();
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    let hidden = &url[url::Position::BeforePath..];
    let tail: String = {
        let chars: Vec<char> = hidden.chars().collect();
        if chars.len() > 8 {
            chars[chars.len() - 4..].iter().collect()
        } else {
            String::new()
        }
    };
    let shown_host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    if hidden.len() <= 1 && url.password().is_none() {
        return format!("{}://{shown_host}{port}/", url.scheme());
    }
    format!("{}://{shown_host}{port}/{MASK}{tail}", url.scheme())
}

/// A secret shown as the mask and its last four characters (long enough secrets only).
pub fn mask_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() > 12 {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{MASK}{tail}")
    } else {
        MASK.to_string()
    }
}

/// Where a URL sends a request: its scheme, host, port and path. A change of any of
/// them moves the channel (docs/security.md, "Secrets and who holds them"); the query
/// and fragment do not. Text that is no URL is compared whole.
pub fn destination(text: &str) -> String {
    match url::Url::parse(text.trim()) {
        Ok(u) => format!(
            "{}://{}:{}{}",
            u.scheme(),
            u.host_str().unwrap_or_default(),
            u.port_or_known_default().unwrap_or(0),
            u.path()
        ),
        Err(_) => text.trim().to_string(),
    }
}

/// True when a change sent `value` for a secret anew: neither left out nor the mask.
pub(crate) fn sent_anew(
    value: Option<&serde_json::Value>,
    masked: impl FnOnce() -> String,
) -> bool {
    match value.and_then(serde_json::Value::as_str) {
        Some(v) => !v.is_empty() && v != MASK && v != masked(),
        None => false,
    }
}

impl WebhookConfig {
    /// Forgets the headers (the webhook's secrets) that `sent` does not give anew: all
    /// when it gives no `headers`, else those sent as the mask. Called when the URL
    /// moved, so a stored `Authorization` never follows it to a new host.
    pub fn forget_kept_headers(&mut self, sent: &serde_json::Map<String, serde_json::Value>) {
        match sent.get("headers").and_then(serde_json::Value::as_object) {
            None => self.headers.clear(),
            Some(given) => self.headers.retain(|name, _| {
                let value = given
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v);
                sent_anew(value, || MASK.to_string())
            }),
        }
    }

    /// The settings as shown after creation: URL and header values masked; method and
    /// body template as they are.
    pub fn masked(&self) -> WebhookConfig {
        WebhookConfig {
            url: mask_url(&self.url),
            method: self.method.clone(),
            headers: self
                .headers
                .keys()
                .map(|k| (k.clone(), MASK.to_string()))
                .collect(),
            body: self.body.clone(),
        }
    }

    /// Takes back the stored secrets where this change sent their masked form: the URL,
    /// and each header whose value is the mask.
    pub fn keep_secrets(&mut self, stored: &WebhookConfig) {
        if self.url == mask_url(&stored.url) {
            self.url = stored.url.clone();
        }
        for (name, value) in self.headers.iter_mut() {
            if value == MASK {
                if let Some((_, old)) = stored
                    .headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                {
                    *value = old.clone();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(url: &str, auth: &str) -> WebhookConfig {
        WebhookConfig {
            url: url.into(),
            method: "POST".into(),
            headers: [("Authorization".to_string(), auth.to_string())].into(),
            body: None,
        }
    }

    #[test]
    fn a_moved_url_takes_no_stored_header_along() {
        let stored = cfg("https://hooks.example.com/a", "Bearer s3cret");
        let mut moved = stored.clone();
        moved.url = "https://evil.example.net/a".into();
        assert_ne!(destination(&stored.url), destination(&moved.url));
        moved.forget_kept_headers(&serde_json::Map::new());
        assert!(moved.headers.is_empty());
        let mut masked = stored.clone();
        let sent = serde_json::json!({"headers": {"authorization": MASK}});
        masked.forget_kept_headers(sent.as_object().unwrap());
        assert!(masked.headers.is_empty(), "the mask is not a new value");
        let mut fresh = stored.clone();
        let sent = serde_json::json!({"headers": {"Authorization": "Bearer new"}});
        fresh.forget_kept_headers(sent.as_object().unwrap());
        assert_eq!(fresh.headers.len(), 1);
        assert_eq!(
            destination("https://h.example.com/a?x=1"),
            destination("https://h.example.com:443/a?y=2"),
            "the query does not move a channel"
        );
        assert_ne!(
            destination("https://h.example.com/a"),
            destination("http://h.example.com/a")
        );
        assert_ne!(
            destination("https://h.example.com/a"),
            destination("https://h.example.com/b")
        );
    }

    #[test]
    fn secrets_are_masked_and_kept() {
        let stored = cfg(
            "https://user:pw@hooks.example.com:8443/services/T0/B0/abcdefgh1234?token=zz9",
            "Bearer s3cret",
        );
        let shown = stored.masked();
        assert_eq!(
            shown.url,
            format!("https://hooks.example.com:8443/{MASK}=zz9")
        );
        assert!(!shown.url.contains("abcdefgh") && !shown.url.contains("pw"));
        assert_eq!(shown.headers["Authorization"], MASK);
        // Sending back what was shown keeps the secrets.
        let mut back = shown.clone();
        back.keep_secrets(&stored);
        assert_eq!(back, stored);
        // A new URL or header value replaces them.
        let mut changed = cfg("https://other.example.com/x", "Bearer new");
        changed.keep_secrets(&stored);
        assert_eq!(changed.url, "https://other.example.com/x");
        assert_eq!(changed.headers["Authorization"], "Bearer new");
        assert_eq!(mask_url("https://example.com/"), "https://example.com/");
        assert_eq!(mask_url("not a url"), MASK);
    }
}
