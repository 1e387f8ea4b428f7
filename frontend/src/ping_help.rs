//! How a job pings this monitor: its ping URLs (by UUID, and by slug with the project's
//! ping key) with copy buttons, and ready snippets — a crontab line, `/start` + `/fail`
//! around a script, `overdue exec`, Python and Rust. Shown only to roles that may
//! write: the URLs are secrets.

use leptos::prelude::*;
use overdue_types::{Monitor, ScheduleOut};

use crate::widgets::CopyButton;

const CURL: &str = "curl -fsS -m 10 --retry 5 -o /dev/null";

/// The snippets for ping URL `url` (a UUID URL or a slug URL).
pub fn snippets(m: &Monitor, url: &str) -> Vec<(&'static str, String)> {
    let uuid = m.uuid.clone().unwrap_or_else(|| "<uuid>".into());
    let site = url.split("/ping/").next().unwrap_or_default();
    let job = format!("/usr/local/bin/job.sh && {CURL} {url}");
    // The monitor's own schedule; where cron cannot say it, a systemd timer can.
    let crontab = match &m.schedule {
        ScheduleOut::Cron { cron, tz } if cron.split_whitespace().count() == 5 => {
            format!("# crontab in {tz} (CRON_TZ={tz} where cron has it)
{cron} {job}")
        }
        ScheduleOut::Cron { cron, .. } => format!(
            "# a systemd timer (OnCalendar={}) running a service with
ExecStart=/bin/sh -c '{job}'",
            cron.lines().next().unwrap_or_default()
        ),
        ScheduleOut::Interval { period } => match overdue_types::crontab_every(*period) {
            Some(when) => format!("{when} {job}"),
            None => format!(
                "# cron cannot repeat every {}: a systemd timer can (OnUnitActiveSec={period}s), running
ExecStart=/bin/sh -c '{job}'",
                overdue_types::span(period * 1_000)
            ),
        },
        ScheduleOut::None => format!("# run by its members
{job}"),
    };
    vec![
        ("crontab", crontab),
        (
            "start + fail",
            format!(
                "{CURL} {url}/start\nif /usr/local/bin/job.sh; then\n  {CURL} {url}\nelse\n  {CURL} {url}/fail\nfi"
            ),
        ),
        (
            "overdue exec",
            format!("OVERDUE_URL={site} overdue exec {uuid} -- /usr/local/bin/job.sh"),
        ),
        (
            "Python",
            format!(
                "import overdue  # clients/python/overdue.py\n\nwith overdue.run(\"{uuid}\", base_url=\"{site}\"):\n    do_the_work()  # an exception reports a failure"
            ),
        ),
        (
            "Rust",
            format!(
                "let overdue = overdue_client::Client::new(\"{site}\")?;\nlet run = overdue.run(\"{uuid}\")?;\ndo_the_work()?;\nrun.success()?;"
            ),
        ),
    ]
}

/// The ping URLs and snippets of `m` (nothing for readers without its URL).
pub fn ping_help(m: &Monitor) -> impl IntoView {
    let Some(url) = m.ping_url.clone() else {
        return ().into_any();
    };
    let slug = m.slug_url.clone();
    let name = m.name.clone();
    let list = snippets(m, &url);
    view! {
        <h2>"Ping URL"</h2>
        <div class="row">
            <code id="ping-url">{url.clone()}</code>
            <CopyButton text=url.clone() id="copy-ping-url" what=format!("Copy the ping URL of {name}")/>
        </div>
        {slug.map(|s| view! {
            <p class="hint">"Or by its slug, with the project's ping key:"</p>
            <div class="row">
                <code id="slug-url">{s.clone()}</code>
                <CopyButton text=s id="copy-slug-url" what="Copy the slug ping URL"/>
            </div>
        })}
        <p class="hint">"Append " <code>"/start"</code> " when the job starts, " <code>"/fail"</code>
            " when it fails, or an exit status (" <code>"/1"</code> "); a body is kept with the ping."</p>
        <div id="snippets">
            {list.into_iter().map(|(title, code)| view! {
                <details class="snippet" data-snippet=title>
                    <summary>{title}</summary>
                    <pre>{code.clone()}</pre>
                    <CopyButton text=code what=format!("Copy the {title} snippet")/>
                </details>
            }).collect_view()}
        </div>
    }
    .into_any()
}
