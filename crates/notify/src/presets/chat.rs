//! The chat presets beside Slack: Microsoft Teams (a Workflows webhook: an Adaptive
//! Card, at most 28 KB), Discord (content ≤ 2,000, an embed with title ≤ 256 and
//! description ≤ 4,096, no mentions), Telegram (`sendMessage`, HTML, text ≤ 4,096) and
//! Mattermost (Markdown text, no mentions). Text from users and jobs is escaped for each
//! (Markdown, HTML); long problem lists end with "… and N more".

use serde_json::{json, Value};

use super::{base, Level, Message, Request};
use crate::kind::Settings;
use crate::text::{ack_label, chars, clip, facts, fit_lines, html, markdown, markdown_quiet};

/// The lines of the message's problems.
fn problems(m: &Message<'_>) -> crate::text::ProblemLines {
    crate::text::problem_list(m.ev)
}

/// Teams' limit on a card, in bytes.
pub const TEAMS_MAX_BYTES: usize = 28_000;

/// Microsoft Teams: a message with one Adaptive Card (headline, facts, problems, buttons
/// to acknowledge and to open the monitor).
pub fn teams(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let url = s.text("url").unwrap_or_default();
    let lines = problems(m).map(markdown);
    // The card must stay under 28 KB: fewer lines until it does.
    let mut budget = 20_000;
    loop {
        let card = teams_card(m, &fit_lines(&lines, "\n\n", budget, chars));
        if serde_json::to_string(&card).map_or(0, |t| t.len()) <= TEAMS_MAX_BYTES || budget < 200 {
            return Ok(vec![Request::json(url, card)]);
        }
        budget /= 2;
    }
}

fn teams_card(m: &Message<'_>, problem_text: &str) -> Value {
    let color = match m.level() {
        Level::Good => "Good",
        Level::Warning | Level::Info => "Warning",
        _ => "Attention",
    };
    let mut body = vec![json!({
        "type": "TextBlock", "text": markdown(&m.ev.title()), "weight": "Bolder",
        "size": "Medium", "wrap": true, "color": color,
    })];
    let fact_set: Vec<Value> = facts(m.ev)
        .into_iter()
        .map(|(k, v)| json!({ "title": k, "value": markdown(&v) }))
        .collect();
    body.push(json!({ "type": "FactSet", "facts": fact_set }));
    if !problem_text.is_empty() {
        body.push(json!({ "type": "TextBlock", "text": problem_text, "wrap": true }));
    }
    let mut actions = Vec::new();
    if let Some(a) = &m.links.ack {
        actions.push(json!({ "type": "Action.OpenUrl", "title": ack_label(m.ev), "url": a }));
    }
    if let Some(u) = &m.links.monitor {
        actions.push(json!({ "type": "Action.OpenUrl", "title": "Open in Overdue", "url": u }));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": { "width": "Full" },
                "body": body,
                "actions": actions,
            }
        }]
    })
}

/// Discord: the headline as content, an embed with the facts as fields and the problems
/// and links as description; `allowed_mentions` empty so no text pings anyone.
pub fn discord(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let ev = m.ev;
    let color = match m.level() {
        Level::Good => 0x2e_a0_43,
        Level::Warning | Level::Info => 0xd2_99_22,
        _ => 0xcf_22_2e,
    };
    let fields: Vec<Value> = facts(ev)
        .into_iter()
        .take(25)
        .map(|(k, v)| json!({ "name": k, "value": clip(&markdown(&v), 1024), "inline": true }))
        .collect();
    let mut links = Vec::new();
    if let Some(a) = &m.links.ack {
        links.push(format!("[{}]({a})", ack_label(ev)));
    }
    if let Some(p) = &m.links.problems {
        links.push(format!("[Open the problems]({p})"));
    }
    let link_line = links.join(" · ");
    // An embed holds at most 6,000 characters in all: the description gets what the
    // title and fields leave, up to its own 4,096.
    let title = clip(&markdown(&ev.title()), 256);
    let used: usize = chars(&title)
        + fields
            .iter()
            .map(|f| {
                chars(f["name"].as_str().unwrap_or("")) + chars(f["value"].as_str().unwrap_or(""))
            })
            .sum::<usize>();
    let room = 4_096.min(6_000usize.saturating_sub(used + 100)) - chars(&link_line) - 2;
    let lines = problems(m).map(|l| format!("• {}", markdown(l)));
    let mut description = fit_lines(&lines, "\n", room, chars);
    if !link_line.is_empty() {
        description = format!("{description}\n\n{link_line}").trim().to_string();
    }
    let mut embed = json!({
        "title": title,
        "description": description,
        "color": color,
        "fields": fields,
        "timestamp": ev.at,
        "footer": { "text": "Overdue" },
    });
    if let Some(u) = &m.links.monitor {
        embed["url"] = u.clone().into();
    }
    Ok(vec![Request::json(
        s.text("url").unwrap_or_default(),
        json!({
            "content": clip(&markdown(&ev.title()), 2_000),
            "embeds": [embed],
            "allowed_mentions": { "parse": [] },
        }),
    )])
}

/// Telegram's limit on a message's text.
pub const TELEGRAM_MAX: usize = 4_096;

/// Telegram: `sendMessage` with HTML (every `<`, `>`, `&` from users escaped: one stray
/// `<` is a permanent 400), to a chat and optionally a forum topic.
pub fn telegram(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let ev = m.ev;
    let headline = match &m.links.monitor {
        Some(u) => format!("<b><a href=\"{}\">{}</a></b>", html(u), html(&ev.title())),
        None => format!("<b>{}</b>", html(&ev.title())),
    };
    let mut text = vec![headline];
    for (k, v) in facts(ev) {
        text.push(format!("<b>{k}:</b> {}", html(&v)));
    }
    let mut links = Vec::new();
    if let Some(a) = &m.links.ack {
        links.push(format!("<a href=\"{}\">{}</a>", html(a), ack_label(ev)));
    }
    if let Some(p) = &m.links.problems {
        links.push(format!("<a href=\"{}\">Open the problems</a>", html(p)));
    }
    let head = text.join("\n");
    let tail = links.join(" · ");
    let room = TELEGRAM_MAX.saturating_sub(chars(&head) + chars(&tail) + 4);
    let lines = problems(m).map(|l| format!("• {}", html(l)));
    let body = fit_lines(&lines, "\n", room, chars);
    let full = [head, body, tail]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut msg = json!({
        "chat_id": s.text("chat_id").unwrap_or_default(),
        "text": full,
        "parse_mode": "HTML",
        "link_preview_options": { "is_disabled": true },
    });
    if let Some(topic) = s.number("topic") {
        msg["message_thread_id"] = topic.into();
    }
    let token = s.text("bot_token").unwrap_or_default();
    Ok(vec![Request::json(
        format!("{}/bot{token}/sendMessage", base(s)),
        msg,
    )])
}

/// Mattermost's limit on a post.
pub const MATTERMOST_MAX: usize = 16_383;

/// Mattermost: a Markdown post (Slack-compatible incoming webhook; Mattermost ignores
/// Slack's blocks, so the text carries everything).
pub fn mattermost(s: &Settings, m: &Message<'_>) -> Result<Vec<Request>, String> {
    let ev = m.ev;
    let headline = markdown_quiet(&ev.title());
    let mut text = vec![match &m.links.monitor {
        Some(u) => format!("#### [{headline}]({u})"),
        None => format!("#### {headline}"),
    }];
    for (k, v) in facts(ev) {
        text.push(format!("**{k}:** {}  ", markdown_quiet(&v)));
    }
    let mut links = Vec::new();
    if let Some(a) = &m.links.ack {
        links.push(format!("[{}]({a})", ack_label(ev)));
    }
    if let Some(p) = &m.links.problems {
        links.push(format!("[Open the problems]({p})"));
    }
    let head = text.join("\n");
    let tail = links.join(" · ");
    let room = MATTERMOST_MAX.saturating_sub(chars(&head) + chars(&tail) + 4);
    let lines = problems(m).map(|l| format!("- {}", markdown_quiet(l)));
    let body = fit_lines(&lines, "\n", room, chars);
    let full = [head, body, tail]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    Ok(vec![Request::json(
        s.text("url").unwrap_or_default(),
        json!({ "text": full }),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::{fixtures, Body};

    fn settings(kind: &str, v: Value) -> Settings {
        let k = crate::kinds::find(kind).unwrap();
        Settings::from_input(k, v.as_object().unwrap().clone()).unwrap()
    }

    fn one(r: Result<Vec<Request>, String>) -> (String, Value) {
        let r = r.unwrap();
        assert_eq!(r.len(), 1);
        match &r[0].body {
            Body::Json(v) => (r[0].url.clone(), v.clone()),
            other => panic!("not JSON: {other:?}"),
        }
    }

    #[test]
    fn long_problem_lists_stay_within_each_service() {
        let (ev, links) = fixtures::problems(500);
        let m = Message {
            ev: &ev,
            links: &links,
            site: "https://od.example.com",
        };
        let (_, t) = one(teams(
            &settings("msteams", json!({"url": "https://x.example/w"})),
            &m,
        ));
        assert!(t.to_string().len() <= TEAMS_MAX_BYTES);
        let (_, d) = one(discord(
            &settings("discord", json!({"url": "https://x.example/d"})),
            &m,
        ));
        let desc = d["embeds"][0]["description"].as_str().unwrap();
        assert!(chars(desc) <= 4_096, "{}", chars(desc));
        assert!(desc.contains("… and ") && desc.ends_with(")"), "{desc}");
        let (url, g) = one(telegram(
            &settings(
                "telegram",
                json!({"bot_token": "1:abc", "chat_id": "42", "topic": 3}),
            ),
            &m,
        ));
        assert_eq!(url, "https://api.telegram.org/bot1:abc/sendMessage");
        let text = g["text"].as_str().unwrap();
        assert!(chars(text) <= TELEGRAM_MAX);
        assert!(text.contains("more"));
        assert_eq!(g["message_thread_id"], 3);
        // Every `<` from a job's message is escaped.
        assert!(text.contains("rejected &lt;0&gt;"), "{text}");
    }

    #[test]
    fn user_text_is_escaped_per_service() {
        let (ev, links) = fixtures::down();
        let m = Message {
            ev: &ev,
            links: &links,
            site: "",
        };
        let (_, mm) = one(mattermost(
            &settings("mattermost", json!({"url": "https://x.example/h"})),
            &m,
        ));
        let text = mm["text"].as_str().unwrap();
        assert!(
            text.contains("DB \\<backup\\> & \\*co\\* @\u{200B}channel"),
            "{text}"
        );
        let (_, d) = one(discord(
            &settings("discord", json!({"url": "https://x.example/d"})),
            &m,
        ));
        assert_eq!(d["allowed_mentions"], json!({"parse": []}));
        assert_eq!(d["embeds"][0]["url"], "https://od.example.com/monitors/abc");
        let (_, t) = one(teams(
            &settings("msteams", json!({"url": "https://x.example/w"})),
            &m,
        ));
        let card = &t["attachments"][0]["content"];
        assert_eq!(card["actions"][0]["url"], "https://od.example.com/ack/tok");
        assert_eq!(card["body"][0]["color"], "Attention");
    }
}
