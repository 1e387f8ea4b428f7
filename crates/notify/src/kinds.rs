//! The table of channel kinds: per kind its name, label, help, Healthchecks' name, the
//! fields it takes (type, required, secret, help) and how it sends. The API's checks,
//! the dashboard's form and the v3 mirror read this one table; a new kind of HTTP
//! channel is a row here and a payload function in [`crate::presets`].

use crate::kind::{Field, FieldType, Kind, Sender};
use crate::presets;

const fn field(name: &'static str, label: &'static str, kind: FieldType) -> Field {
    Field {
        name,
        label,
        help: "",
        kind,
        required: false,
        secret: false,
        default: None,
    }
}

impl Field {
    const fn help(mut self, help: &'static str) -> Field {
        self.help = help;
        self
    }
    const fn required(mut self) -> Field {
        self.required = true;
        self
    }
    const fn secret(mut self) -> Field {
        self.secret = true;
        self
    }
    const fn or(mut self, default: &'static str) -> Field {
        self.default = Some(default);
        self
    }
}

const URL: FieldType = FieldType::Url;
const fn token(max: usize) -> FieldType {
    FieldType::Token { max }
}
const fn number(min: i64, max: i64) -> FieldType {
    FieldType::Number { min, max }
}

/// A webhook URL that is itself the credential (Slack, Teams, Discord, Mattermost).
const fn hook_url(help: &'static str) -> Field {
    field("url", "Webhook URL", URL)
        .help(help)
        .required()
        .secret()
}

/// A paging channel's cap (`overdue_core::page_cap`): new incidents per ten minutes.
const fn page_limit() -> Field {
    field("page_limit", "Page cap", number(1, 1000))
        .help("At most this many incidents in 10 minutes; the alerts beyond become one incident until the last of them resolves.")
        .or("20")
}

/// The other endpoint of a service with a default one (self-hosted, a region, a proxy).
const fn other_url(default: &'static str) -> Field {
    field("url", "Server URL", URL)
        .help("Leave empty for the service itself; set it for a self-hosted server, another region or a proxy.")
        .or(default)
}

/// Most HTTP services: a malformed request, a wrong key, a gone endpoint.
const CLIENT_ERRORS: &[u16] = &[400, 401, 403, 404, 410];

/// Every kind of channel, in the order the dashboard offers them.
pub static KINDS: &[Kind] = &[
    Kind {
        kind: "email",
        label: "E-mail",
        v3: "email",
        help: "One message per address, plain text and HTML, with a link to acknowledge. The server's SMTP relay (OVERDUE_SMTP_URL) sends it.",
        fields: &[field("to", "Addresses", FieldType::Addresses)
            .help("Comma-separated; each address gets its own message (at most 50).")
            .required()],
        sender: Sender::Email,
    },
    Kind {
        kind: "slack",
        label: "Slack",
        v3: "slack",
        help: "An incoming webhook of a Slack app (Apps → Incoming Webhooks). Messages name the monitor and the reason and carry an acknowledgement link.",
        fields: &[hook_url("https://hooks.slack.com/services/…")],
        sender: Sender::Http { permanent: &[400, 403, 404, 410], build: presets::slack::slack },
    },
    Kind {
        kind: "msteams",
        label: "Microsoft Teams",
        v3: "msteamsw",
        help: "A Teams Workflows webhook (the channel's … → Workflows → \"Post to a channel when a webhook request is received\"). Messages are Adaptive Cards.",
        fields: &[hook_url("The workflow's HTTP POST URL.")],
        sender: Sender::Http { permanent: CLIENT_ERRORS, build: presets::chat::teams },
    },
    Kind {
        kind: "discord",
        label: "Discord",
        v3: "discord",
        help: "A channel webhook (Server Settings → Integrations → Webhooks). Text from jobs never mentions anyone.",
        fields: &[hook_url("https://discord.com/api/webhooks/…")],
        sender: Sender::Http { permanent: CLIENT_ERRORS, build: presets::chat::discord },
    },
    Kind {
        kind: "telegram",
        label: "Telegram",
        v3: "telegram",
        help: "A bot (from @BotFather) posts to a chat, group or channel it was added to.",
        fields: &[
            field("bot_token", "Bot token", token(100)).help("From @BotFather: 123456:ABC-…").required().secret(),
            field("chat_id", "Chat id", token(64)).help("The chat's number (-100… for groups and channels) or @channelname.").required(),
            field("topic", "Topic id", number(1, i64::MAX)).help("For a forum group: the topic's message thread id."),
            other_url("https://api.telegram.org"),
        ],
        sender: Sender::Http { permanent: CLIENT_ERRORS, build: presets::chat::telegram },
    },
    Kind {
        kind: "mattermost",
        label: "Mattermost",
        v3: "mattermost",
        help: "An incoming webhook of a Mattermost team (Integrations → Incoming Webhooks). Text from jobs never mentions anyone.",
        fields: &[hook_url("https://mattermost.example.com/hooks/…")],
        sender: Sender::Http { permanent: CLIENT_ERRORS, build: presets::chat::mattermost },
    },
    Kind {
        kind: "pagerduty",
        label: "PagerDuty",
        v3: "pd",
        help: "The integration key of a PagerDuty service (Events API v2). Each alert is one incident: triggered, acknowledged and resolved from Overdue.",
        fields: &[
            field("routing_key", "Integration key", token(64)).help("32 letters and digits, from the service's Events API v2 integration.").required().secret(),
            other_url(presets::paging::PAGERDUTY_URL),
            page_limit(),
        ],
        sender: Sender::Http { permanent: &[400, 404, 410], build: presets::paging::pagerduty },
    },
    Kind {
        kind: "opsgenie",
        label: "Opsgenie",
        v3: "opsgenie",
        help: "An API integration's key. Each alert is one Opsgenie alert (alias: its dedup key), acknowledged and closed from Overdue.",
        fields: &[
            field("api_key", "API key", token(64)).help("The API integration's key (a UUID).").required().secret(),
            other_url(presets::paging::OPSGENIE_URL),
            page_limit(),
        ],
        sender: Sender::Http { permanent: CLIENT_ERRORS, build: presets::paging::opsgenie },
    },
    Kind {
        kind: "ntfy",
        label: "ntfy",
        v3: "ntfy",
        help: "A push notification to an ntfy topic (ntfy.sh or your own server), priority by severity, with a button to acknowledge.",
        fields: &[
            field("topic", "Topic", token(64)).help("The topic your phones subscribe to.").required(),
            field("token", "Access token", token(200)).help("For a protected topic: an access token (tk_…).").secret(),
            other_url("https://ntfy.sh"),
        ],
        sender: Sender::Http { permanent: CLIENT_ERRORS, build: presets::push::ntfy },
    },
    Kind {
        kind: "gotify",
        label: "Gotify",
        v3: "gotify",
        help: "A message to your Gotify server, priority by severity.",
        fields: &[
            field("url", "Server URL", URL).help("Your Gotify server: https://gotify.example.com").required(),
            field("token", "Application token", token(100)).help("An application's token (Apps → the app's token).").required().secret(),
        ],
        sender: Sender::Http { permanent: CLIENT_ERRORS, build: presets::push::gotify },
    },
    Kind {
        kind: "pushover",
        label: "Pushover",
        v3: "po",
        help: "A Pushover notification, priority by severity; critical alerts may use emergency priority (repeated until acknowledged in Pushover).",
        fields: &[
            field("user_key", "User or group key", token(40)).help("From your Pushover dashboard.").required().secret(),
            field("app_token", "Application token", token(40)).help("An application registered for Overdue.").required().secret(),
            field("device", "Device", token(100)).help("Only this device (comma-separated names); empty: all."),
            field("emergency", "Critical alerts", FieldType::Choice { choices: &["high", "emergency"] })
                .help("emergency: repeated every `retry` seconds until acknowledged in Pushover or `expire` passes.")
                .or("high"),
            field("retry", "Retry (s)", number(30, 10_800)).help("Emergency: seconds between repeats.").or("300"),
            field("expire", "Expire (s)", number(30, 10_800)).help("Emergency: stop repeating after this many seconds.").or("3600"),
            other_url(presets::push::PUSHOVER_URL),
        ],
        sender: Sender::Http { permanent: &[400, 401, 403, 404, 410, 413, 422], build: presets::push::pushover },
    },
    Kind {
        kind: "sms",
        label: "SMS gateway",
        v3: "sms",
        help: "Any SMS gateway's HTTP API (Twilio-style form POST with basic auth by default, or JSON). The text fits one SMS: DOWN db-backup missed 03:10.",
        fields: &[
            field("url", "Gateway URL", URL).help("The gateway's send endpoint, e.g. https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json").required().secret(),
            field("to", "To", token(32)).help("The phone number to text (+15551234567).").required(),
            field("from", "From", token(32)).help("The sender number or name, if the gateway wants one."),
            field("format", "Format", FieldType::Choice { choices: &["form", "json"] }).help("How the gateway wants the fields: form (application/x-www-form-urlencoded, as Twilio) or json.").or("form"),
            field("to_param", "Name of the number", token(64)).help("The gateway's name for the recipient field (Twilio: To; others: to, recipient, phone).").or("To"),
            field("from_param", "Name of the sender", token(64)).help("The gateway's name for the sender field (Twilio: From; others: from, sender).").or("From"),
            field("text_param", "Name of the text", token(64)).help("The gateway's name for the message field (Twilio: Body; others: text, message).").or("Body"),
            field("username", "Username", token(200)).help("Basic authentication (Twilio: the account SID)."),
            field("password", "Password", token(200)).help("Basic authentication (Twilio: the auth token).").secret(),
            field("token", "Bearer token", token(500)).help("Sent as Authorization: Bearer …, for gateways that use one.").secret(),
        ],
        sender: Sender::Http { permanent: CLIENT_ERRORS, build: presets::sms::sms },
    },
    Kind {
        kind: "elasticsearch",
        label: "Elasticsearch / OpenSearch",
        v3: "elasticsearch",
        help: "Each message as a document in an index, by the _bulk API (NDJSON), for an existing Elasticsearch or OpenSearch dashboard.",
        fields: &[
            field("url", "Bulk URL", URL).help("The cluster's _bulk endpoint: https://es.example.com:9200/_bulk").required(),
            field("index", "Index", token(255)).help("Where the documents go.").or("overdue-events"),
            field("api_key", "API key", token(500)).help("Sent as Authorization: ApiKey …; leave empty for none.").secret(),
        ],
        sender: Sender::Http { permanent: &[400, 401, 403, 404, 410], build: presets::bulk::elasticsearch },
    },
    Kind {
        kind: "webhook",
        label: "Webhook",
        v3: "webhook",
        help: "Overdue sends a JSON event (or your template) to this URL when a monitor goes down, recovers, or reports problems.",
        fields: &[
            field("url", "URL", URL).help("May contain $NAME, $STATUS, … (percent-encoded).").required().secret(),
            field("method", "Method", FieldType::Choice { choices: &["POST", "PUT", "PATCH", "GET", "DELETE"] }).help("The HTTP method the receiver expects; GET sends no body.").or("POST"),
            field("headers", "Headers", FieldType::Headers).help("Values are shown masked after creation.").secret(),
            field("body", "Body template", FieldType::Template).help("Empty: the default JSON document. $JSON, $NAME, $STATUS, $REASON, $TEXT, …"),
        ],
        sender: Sender::Webhook,
    },
];

/// The kind named `kind`.
pub fn find(kind: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == kind)
}

/// Every kind's wire name, comma-separated (for errors).
pub fn names() -> String {
    KINDS.iter().map(|k| k.kind).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (i, k) in KINDS.iter().enumerate() {
            assert!(
                find(k.kind).is_some_and(|f| std::ptr::eq(f, &KINDS[i])),
                "{}",
                k.kind
            );
            for f in k.fields {
                assert_eq!(k.fields.iter().filter(|g| g.name == f.name).count(), 1);
                // The form and `GET /api/v1/channel-kinds` explain every field.
                assert!(
                    !f.help.trim().is_empty(),
                    "{}.{} has no help",
                    k.kind,
                    f.name
                );
                assert!(
                    !(f.required && f.default.is_some()),
                    "{}.{}",
                    k.kind,
                    f.name
                );
            }
            // Paging kinds are the ones the core rules treat as paging.
            let paging = matches!(k.kind, "pagerduty" | "opsgenie");
            assert_eq!(overdue_core::alert::is_paging(k.kind), paging, "{}", k.kind);
            // Their cap's default is the core's.
            if paging {
                let cap = k.field("page_limit").and_then(|f| f.default);
                let core = overdue_core::page_cap::DEFAULT_LIMIT.to_string();
                assert_eq!(cap, Some(core.as_str()), "{}", k.kind);
            }
        }
    }
}
