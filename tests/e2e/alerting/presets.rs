//! The channel presets of the kinds table (Teams, Discord, Telegram, Mattermost, ntfy,
//! Gotify, Pushover, Opsgenie, SMS gateways) against a real HTTP receiver, each
//! payload asserted field by field: a monitor down, acknowledged and recovered; secrets
//! masked; the v3 names; a permanent error not retried. Both databases.

use std::time::Duration;

use serde_json::{json, Value};

use crate::both;
use crate::harness::{Backend, Received, Receiver, TestApp};

/// Creates a channel and returns it.
async fn channel(app: &TestApp, body: Value) -> Value {
    let (s, c) = app
        .api("POST", "/api/v1/channels", Some(body.clone()))
        .await;
    assert_eq!(s, 201, "{body} → {c}");
    c
}

/// The one request whose path starts with `prefix` among `got`.
fn at<'a>(got: &'a [Received], prefix: &str) -> &'a Received {
    let found: Vec<&Received> = got.iter().filter(|r| r.path.starts_with(prefix)).collect();
    assert_eq!(
        found.len(),
        1,
        "{prefix}: {:?}",
        got.iter().map(|r| &r.path).collect::<Vec<_>>()
    );
    found[0]
}

fn form(r: &Received) -> Vec<(String, String)> {
    url::form_urlencoded::parse(r.body.as_bytes())
        .into_owned()
        .collect()
}

const NAME: &str = "DB <backup> & *co* @channel";
const TG_TOKEN: &str = "123456:ABC-def_GHIjklMNO";

async fn presets_deliver_field_by_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    let base = &app.base;
    let hook = &rx.url;
    let mut ids = Vec::new();
    for body in [
        json!({"kind": "msteams", "name": "teams", "url": format!("{hook}/teams/wf?sig=secret123456")}),
        json!({"kind": "discord", "name": "discord", "url": format!("{hook}/discord/1/tok3n")}),
        json!({"kind": "telegram", "name": "tg", "bot_token": TG_TOKEN,
               "chat_id": -1001234567890_i64, "topic": 42, "url": format!("{hook}/tg/")}),
        json!({"kind": "mattermost", "name": "mm", "url": format!("{hook}/mm/hooks/xyz")}),
        json!({"kind": "ntfy", "name": "ntfy", "topic": "ops-alerts", "token": "tk_abcdefghijklmnop",
               "url": format!("{hook}/ntfy")}),
        json!({"kind": "gotify", "name": "gotify", "url": format!("{hook}/gotify"), "token": "AbCdEf123456789"}),
        json!({"kind": "pushover", "name": "po", "user_key": "uQiRzpo4DXghDmr9QzzfQu27cmVRsG",
               "app_token": "azGDORePK8gMaC0QOYAMyEEuzJnyUi", "emergency": "emergency", "retry": 60,
               "url": format!("{hook}/po")}),
        json!({"kind": "opsgenie", "name": "og", "api_key": "eb243592-faa2-4ba2-a551q-1afdf565c889",
               "url": format!("{hook}/og")}),
        json!({"kind": "sms", "name": "sms", "url": format!("{hook}/sms"), "to": "+15550100",
               "from": "Overdue", "username": "AC0123456789", "password": "authtoken0123456789"}),
        json!({"kind": "sms", "name": "sms json", "url": format!("{hook}/jsonsms"), "to": "+15550101",
               "format": "json", "to_param": "to", "text_param": "text", "token": "bearer-0123456789"}),
    ] {
        ids.push(
            channel(&app, body).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // Secrets are masked after creation; the rest is shown as given.
    let (_, list) = app.api("GET", "/api/v1/channels", None).await;
    let cfg = |name: &str| {
        list["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["config"]
            .clone()
    };
    assert_eq!(cfg("tg")["bot_token"], "••••••lMNO");
    assert_eq!(cfg("tg")["chat_id"], "-1001234567890");
    assert_eq!(cfg("tg")["topic"], 42);
    assert!(!cfg("teams")["url"]
        .as_str()
        .unwrap()
        .contains("secret123456"));
    assert_eq!(cfg("sms")["password"], "••••••6789");
    assert_eq!(cfg("sms")["username"], "AC0123456789");
    assert_eq!(cfg("po")["retry"], 60);
    // The v3 mirror names them as Healthchecks does.
    let (_, v3) = app.api("GET", "/api/v3/channels/", None).await;
    let kinds: Vec<&str> = v3["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    for k in [
        "msteamsw",
        "discord",
        "telegram",
        "mattermost",
        "ntfy",
        "gotify",
        "po",
        "opsgenie",
        "sms",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }

    let m = app
        .monitor(json!({"name": NAME, "slug": "db-backup", "period": "1h", "severity": "critical", "channels": ids}))
        .await;
    let public = overdue_core::PublicRef::of(&m).to_string();
    let monitor_url = format!("{base}/monitors/{public}");
    assert_eq!(app.ping(&format!("{m}/fail")).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(15), |all| all.len() >= 10)
        .await;
    let headline = format!("DOWN: {NAME} — failed");
    let md_headline = "DOWN: DB \\<backup\\> & \\*co\\* @channel — failed";

    // Microsoft Teams: one Adaptive Card.
    let t = at(&got, "/hook/teams/wf?sig=secret123456").json();
    assert_eq!(t["type"], "message");
    let att = &t["attachments"][0];
    assert_eq!(
        att["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &att["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    assert_eq!(card["body"][0]["text"], md_headline);
    assert_eq!(card["body"][0]["color"], "Attention");
    assert_eq!(card["body"][1]["type"], "FactSet");
    assert!(card["body"][1]["facts"]
        .as_array()
        .unwrap()
        .contains(&json!({"title": "Reason", "value": "failed"})));
    assert_eq!(card["actions"][0]["title"], "Acknowledge");
    let ack = card["actions"][0]["url"].as_str().unwrap().to_string();
    assert!(ack.starts_with(&format!("{base}/ack/")), "{ack}");
    assert_eq!(card["actions"][1]["url"], monitor_url.as_str());

    // Discord: content, one embed, no mentions.
    let d = at(&got, "/hook/discord/1/tok3n").json();
    assert_eq!(d["content"], md_headline);
    assert_eq!(d["allowed_mentions"], json!({"parse": []}));
    let e = &d["embeds"][0];
    assert_eq!(e["title"], md_headline);
    assert_eq!(e["url"], monitor_url.as_str());
    assert_eq!(e["color"], 0xcf222e);
    assert_eq!(e["footer"]["text"], "Overdue");
    assert!(e["fields"]
        .as_array()
        .unwrap()
        .contains(&json!({"name": "Reason", "value": "failed", "inline": true})));
    assert!(e["description"]
        .as_str()
        .unwrap()
        .starts_with("[Acknowledge](http"));
    assert!(e["timestamp"].as_str().unwrap().ends_with("+00:00"));

    // Telegram: sendMessage with HTML, the user's text escaped.
    let g = at(&got, &format!("/hook/tg/bot{TG_TOKEN}/sendMessage"));
    let g = g.json();
    assert_eq!(g["chat_id"], "-1001234567890");
    assert_eq!(g["message_thread_id"], 42);
    assert_eq!(g["parse_mode"], "HTML");
    assert_eq!(g["link_preview_options"], json!({"is_disabled": true}));
    let text = g["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "<b><a href=\"{monitor_url}\">DOWN: DB &lt;backup&gt; &amp; *co* @channel — failed</a></b>\n<b>Monitor:</b> DB &lt;backup&gt;"
        )),
        "{text}"
    );
    assert!(text.contains("<b>Reason:</b> failed"), "{text}");
    assert!(text.contains(&format!("<a href=\"{base}/ack/")), "{text}");

    // Mattermost: Markdown that mentions no one.
    let mm = at(&got, "/hook/mm/hooks/xyz").json();
    let text = mm["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "#### [DOWN: DB \\<backup\\> & \\*co\\* @\u{200B}channel — failed]({monitor_url})\n"
        )),
        "{text}"
    );
    assert!(text.contains("**Reason:** failed"), "{text}");
    assert!(
        text.contains(&format!("[Acknowledge]({base}/ack/")),
        "{text}"
    );

    // ntfy: JSON to the root, priority by severity, a view action.
    let n = at(&got, "/hook/ntfy/");
    assert_eq!(
        n.header("authorization"),
        Some("Bearer tk_abcdefghijklmnop")
    );
    let n = n.json();
    assert_eq!(n["topic"], "ops-alerts");
    assert_eq!(n["title"], headline.as_str());
    assert_eq!(n["priority"], 5);
    assert_eq!(n["tags"], json!(["rotating_light"]));
    assert_eq!(n["click"], monitor_url.as_str());
    assert_eq!(n["actions"][0]["action"], "view");
    assert_eq!(n["actions"][0]["label"], "Acknowledge");
    assert!(n["actions"][0]["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{base}/ack/")));
    assert!(n["message"].as_str().unwrap().contains("Reason: failed"));

    // Gotify: the token in a header, never in the URL.
    let gt = at(&got, "/hook/gotify/message");
    assert_eq!(gt.header("x-gotify-key"), Some("AbCdEf123456789"));
    let gt = gt.json();
    assert_eq!(gt["title"], headline.as_str());
    assert_eq!(gt["priority"], 10);
    assert!(gt["extras"]["client::notification"]["click"]["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{base}/ack/")));

    // Pushover: emergency priority for a critical alert, with retry and expire.
    let po = at(&got, "/hook/po").json();
    assert_eq!(po["token"], "azGDORePK8gMaC0QOYAMyEEuzJnyUi");
    assert_eq!(po["user"], "uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
    assert_eq!(po["title"], headline.as_str());
    assert_eq!(
        (
            po["priority"].clone(),
            po["retry"].clone(),
            po["expire"].clone()
        ),
        (json!(2), json!(60), json!(3600))
    );
    assert_eq!(po["url_title"], "Acknowledge");
    assert!(po["message"].as_str().unwrap().chars().count() <= 1024);

    // Opsgenie: an alert aliased by the dedup key.
    let og = at(&got, "/hook/og/v2/alerts");
    assert_eq!(
        og.header("authorization"),
        Some("GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889")
    );
    let og = og.json();
    let alias = og["alias"].as_str().unwrap().to_string();
    assert!(
        alias.starts_with(&format!("overdue/down/{public}/")),
        "{alias}"
    );
    assert_eq!(og["message"], headline.as_str());
    assert_eq!(og["priority"], "P1");
    assert_eq!(og["source"], "Overdue");
    assert_eq!(og["entity"], NAME);
    assert_eq!(og["details"]["reason"], "failed");

    // SMS: a Twilio-style form with basic auth; JSON with a bearer token.
    let sms = at(&got, "/hook/sms");
    assert_eq!(
        sms.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        sms.header("authorization"),
        Some("Basic QUMwMTIzNDU2Nzg5OmF1dGh0b2tlbjAxMjM0NTY3ODk=")
    );
    assert_eq!(
        form(sms),
        vec![
            ("To".to_string(), "+15550100".to_string()),
            ("From".to_string(), "Overdue".to_string()),
            ("Body".to_string(), "DOWN db-backup failed".to_string()),
        ]
    );
    let sj = at(&got, "/hook/jsonsms");
    assert_eq!(sj.header("authorization"), Some("Bearer bearer-0123456789"));
    assert_eq!(
        sj.json(),
        json!({"to": "+15550101", "text": "DOWN db-backup failed"})
    );

    // Acknowledged: only the paging channel hears it.
    let (_, open) = app.api("GET", "/api/v1/alerts?status=open", None).await;
    let id = open["alerts"][0]["id"].as_i64().unwrap();
    let (s, _) = app
        .api("POST", &format!("/api/v1/alerts/{id}/acknowledge"), None)
        .await;
    assert_eq!(s, 200);
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 11)
        .await;
    let enc: String = url::form_urlencoded::byte_serialize(alias.as_bytes()).collect();
    assert_eq!(
        got[10].path,
        format!("/hook/og/v2/alerts/{enc}/acknowledge?identifierType=alias")
    );
    assert_eq!(got[10].json()["source"], "Overdue");

    // Recovered: every channel hears it; Opsgenie closes the alert.
    assert_eq!(app.ping(&m).await, 200);
    let got = rx
        .wait_for(Duration::from_secs(15), |all| all.len() >= 21)
        .await;
    let up = &got[11..];
    assert_eq!(
        at(
            up,
            &format!("/hook/og/v2/alerts/{enc}/close?identifierType=alias")
        )
        .json()["note"],
        "Resolved in Overdue (up)"
    );
    let card = at(up, "/hook/teams").json();
    assert_eq!(
        card["attachments"][0]["content"]["body"][0]["color"],
        "Good"
    );
    let n = at(up, "/hook/ntfy/").json();
    assert_eq!(
        (n["priority"].clone(), n["tags"].clone()),
        (json!(3), json!(["white_check_mark"]))
    );
    let po = at(up, "/hook/po").json();
    assert_eq!(po["priority"], 0);
    assert!(po.get("retry").is_none());
    assert_eq!(
        at(up, "/hook/discord").json()["embeds"][0]["color"],
        0x2ea043
    );
    assert_eq!(form(at(up, "/hook/sms"))[2].1, "UP db-backup");
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(rx.all().len(), 21, "nothing more");

    // A channel test to a paging channel opens nothing that stays open.
    let og_id = &ids[7];
    let (s, r) = app
        .api("POST", &format!("/api/v1/channels/{og_id}/test"), None)
        .await;
    assert_eq!(s, 200, "{r}");
    let got = rx
        .wait_for(Duration::from_secs(10), |all| all.len() >= 23)
        .await;
    assert_eq!(got[21].path, "/hook/og/v2/alerts");
    assert!(got[22].path.ends_with("/close?identifierType=alias"));
    app.stop().await;
}
both!(
    presets_deliver_field_by_field,
    presets_deliver_field_by_field
);

async fn permanent_errors_are_not_retried(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rx = Receiver::start().await;
    rx.answer_with(403);
    let c = channel(
        &app,
        json!({"kind": "telegram", "name": "blocked", "bot_token": TG_TOKEN, "chat_id": "@ops",
               "topic": 9, "url": rx.url}),
    )
    .await;
    let id = c["id"].as_str().unwrap();
    let (s, r) = app
        .api("POST", &format!("/api/v1/channels/{id}/test"), None)
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["state"], "failed", "{r}");
    assert_eq!(
        r["error"],
        "receiver answered 403 Forbidden: {\"ok\":false,\"description\":\"Forbidden: bot was blocked by the user\"}"
    );
    // The base retry interval is a second: nothing comes again.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(rx.all().len(), 1);
    let (_, log) = app
        .api("GET", &format!("/api/v1/channels/{id}/deliveries"), None)
        .await;
    assert_eq!(log["deliveries"].as_array().unwrap().len(), 1, "{log}");
    // A change: the masked token sent back keeps the stored one, `null` clears the
    // topic, a wrong type is refused with nothing written.
    let path = format!("/api/v1/channels/{id}");
    let (s, e) = app
        .api(
            "PATCH",
            &path,
            Some(json!({"chat_id": "@ops2", "topic": "general"})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    let (s, c) = app
        .api(
            "PATCH",
            &path,
            Some(json!({"bot_token": "••••••lMNO", "chat_id": "@ops2", "topic": null})),
        )
        .await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["config"]["chat_id"], "@ops2");
    assert!(c["config"].get("topic").is_none(), "{c}");
    rx.answer_with(0);
    let (s, r) = app
        .api("POST", &format!("/api/v1/channels/{id}/test"), None)
        .await;
    assert_eq!((s, r["state"].as_str()), (200, Some("sent")), "{r}");
    let sent = rx.all().pop().unwrap();
    assert_eq!(sent.path, format!("/hook/bot{TG_TOKEN}/sendMessage"));
    assert_eq!(sent.json()["chat_id"], "@ops2");
    assert!(sent.json().get("message_thread_id").is_none());
    // The list of kinds the form is drawn from names every field.
    let (s, k) = app.api("GET", "/api/v1/channel-kinds", None).await;
    assert_eq!(s, 200);
    let tg = k["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "telegram")
        .unwrap();
    assert_eq!(tg["label"], "Telegram");
    let names: Vec<&str> = tg["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bot_token", "chat_id", "topic", "url"]);
    assert_eq!(tg["fields"][0]["secret"], true);
    assert_eq!(tg["fields"][3]["default"], "https://api.telegram.org");
    app.stop().await;
}
both!(
    permanent_errors_are_not_retried,
    permanent_errors_are_not_retried
);
