//! The help pages' text: "Getting started", the concept pages and the cron and
//! OnCalendar cheat sheet, each a list of blocks. Short on purpose: each page says
//! what a newcomer needs and names the page of the dashboard where it is done; the
//! full rules are in the project's docs (docs/behaviour.md).

/// A piece of a help page.
pub enum Block {
    /// A paragraph.
    P(&'static str),
    /// A sub-heading.
    H(&'static str),
    /// Text to copy: a command, a URL, an expression.
    Code(&'static str),
    /// A list of points.
    List(&'static [&'static str]),
    /// A table: its first row is the header.
    Table(&'static [&'static [&'static str]]),
}

/// A help page.
pub struct Topic {
    /// Its address: `/help/<slug>`.
    pub slug: &'static str,
    /// Its title.
    pub title: &'static str,
    /// What it is about, in one sentence (shown in the list and in search results).
    pub summary: &'static str,
    /// Its text.
    pub body: &'static [Block],
}

use Block::{Code, List, Table, H, P};

/// Every help page, "Getting started" first.
pub const TOPICS: &[Topic] = &[
    Topic {
        slug: "getting-started",
        title: "Getting started",
        summary: "Ping a URL from your job, add a channel, and read an alert.",
        body: &[
            H("1. Make a monitor"),
            P("On Monitors, choose \"New monitor\". Give it a name and say when the job runs: every so often (an interval), or a cron expression or systemd OnCalendar event with its time zone. Grace is how late it may be before it counts as down."),
            H("2. Ping its URL from the job"),
            P("The monitor's page shows its ping URL (the \"⋯\" menu of the list copies it). Call it when the job succeeds; Overdue notices when the call does not come."),
            Code("0 3 * * * /usr/local/bin/backup.sh && curl -fsS -m 10 --retry 5 -o /dev/null https://overdue.example/ping/<uuid>"),
            P("To see how long runs take and catch jobs that hang, ping /start before the job and /fail when it fails; or send its exit status:"),
            Code("curl -fsS -m 10 --retry 5 https://overdue.example/ping/<uuid>/start\n/usr/local/bin/backup.sh\ncurl -fsS -m 10 --retry 5 https://overdue.example/ping/<uuid>/$?"),
            P("Scripts written for Healthchecks work unchanged: only the base URL changes."),
            H("3. Add a channel"),
            P("On Channels, pick a kind (e-mail, Slack, Teams, Telegram, a webhook, a paging service, …), fill in its fields and press \"Send test\" to see it arrive. A default channel is given to new monitors; a new default offers itself to the monitors that notify nobody."),
            H("4. Read an alert"),
            List(&[
                "The subject says what happened and to which monitor: \"DOWN: backup (missed)\".",
                "missed: no ping came by the deadline; failed: the job said it failed; hung: it started and did not finish within its maximum run time; stalled: it stopped reporting progress; too short: it finished faster than it can have done its work.",
                "The message says when the run was expected, the last ping, and links to the monitor and to acknowledge.",
                "Acknowledging stops reminders and escalation. The alert resolves by itself when the monitor is up again, and everyone who was told hears of it.",
            ]),
            P("The Alerts page lists what is open; Routes decide who hears of what, and when."),
        ],
    },
    Topic {
        slug: "grace",
        title: "Schedules, grace and late",
        summary: "When a run is due, when a monitor is late, and when it is down.",
        body: &[
            P("An interval monitor is due one period after its last success. A cron monitor is due when its expression next fires in its time zone — exactly when cron or systemd would start the job, never more often."),
            List(&[
                "late: past due, but inside grace. Nobody is told yet.",
                "down: grace has passed without a ping. The alert goes out at once.",
                "running: a run has started and not ended; it must end within its maximum run time (grace, unless set), or the monitor is down as hung.",
                "paused: no alerts until resumed (or, unless \"manual resume\" is set, until the next ping).",
            ]),
            P("Periods and graces go from 1 second to 1 year. Write durations as 90s, 15m, 2h, 1d or 1h30m."),
            P("Set grace to how late the job may reasonably be: how long it can run plus some slack for a busy machine. Too short and you get false alarms; too long and you hear late."),
        ],
    },
    Topic {
        slug: "runs",
        title: "Runs and steps",
        summary: "Start and end pings, run ids, steps, progress, stalls and completion reports.",
        body: &[
            P("A run goes from /start to /success (the plain URL), /warn or /fail, or to its timeout. Overdue keeps its duration, exit status, log and steps."),
            Table(&[
                &["URL", "What it means"],
                &["/ping/<uuid>/start", "a run starts"],
                &["/ping/<uuid>", "success: the open run ends"],
                &["/ping/<uuid>/fail", "failure"],
                &["/ping/<uuid>/warn", "success with warnings"],
                &["/ping/<uuid>/<0-255>", "exit status: 0 is success, anything else a failure"],
                &["/ping/<uuid>/log", "a log line; changes nothing"],
                &["/ping/<uuid>/step/<name>", "the run enters a step"],
                &["/ping/<uuid>/progress?done=N&total=M", "progress; resets the stall timer"],
            ]),
            List(&[
                "Jobs that overlap send ?rid=<uuid> on each ping so that start and end pair up.",
                "Steps may each have a maximum duration: the alert names the step that hung.",
                "A stall timeout catches a job that is still running but no longer doing anything.",
                "A minimum run time catches jobs that finish too fast to have done their work (too short).",
                "The end ping may carry a JSON report: counts, errors and warnings are shown with the run.",
            ]),
        ],
    },
    Topic {
        slug: "problems",
        title: "Problems: single units that failed",
        summary: "One failing invoice, customer or order, reported by key, without a mail every run.",
        body: &[
            P("A batch that handles 5,000 invoices must not stop, nor send 5,000 mails, because invoice 123 is invalid. It reports the units that failed:"),
            Code("curl -fsS -X POST --data '[{\"key\": \"invoice:123\", \"severity\": \"error\", \"message\": \"VAT number missing\"}]' https://overdue.example/ping/<uuid>/problems"),
            List(&[
                "One open problem per key: a repeat report counts up and does not notify again, unless the severity rises.",
                "error and critical notify; info and warning are listed and gathered into a daily digest.",
                "A problem resolves on the next run that completes without reporting it (the default), only when resolved explicitly (/resolve, the dashboard or the API), or after a time without a new report — chosen per monitor.",
                "The Problems page lists open problems: acknowledge, assign, note, link a ticket, mute or resolve them.",
            ]),
        ],
    },
    Topic {
        slug: "chains",
        title: "Chains and dependencies",
        summary: "Pipelines of jobs with one end-to-end deadline, and one alert for one cause.",
        body: &[
            P("A chain is a pipeline: extract, then transform, then load. Its run starts with its first member's start and ends with its last member's success."),
            List(&[
                "A chain has a deadline: within a time of its start, or by a time of day in its time zone, or both.",
                "When it misses its deadline it alerts once, naming the member where it stopped.",
                "Its page shows each member's state and how far tonight's run got.",
                "A monitor may also depend on another (after A, within 1h): each success of A expects it within the hour, and while A is down the alerts of what depends on it are muted — one cause, one alert.",
            ]),
            P("Create chains on the Chains page: pick the members in order and set the deadline."),
        ],
    },
    Topic {
        slug: "flows",
        title: "Flows: entities with SLAs",
        summary: "Orders, tickets or shipments moving through stages, each with a time limit.",
        body: &[
            P("A flow has ordered stages, each with an SLA for leaving it, and terminal stages. Services send an event when an entity enters a stage:"),
            Code("curl -fsS -X POST https://overdue.example/flow/<ping key>/orders/12345/authorized"),
            List(&[
                "An entity that stays in a stage past its SLA opens an alert (\"order 12345 stuck in authorized for 4 h 10 min\"); it resolves when the entity moves on.",
                "Skipping forward is allowed; an event for an earlier stage is recorded but does not move the entity back; terminal stages are final.",
                "SLAs may count only business hours of a calendar (hours, weekdays, holidays, time zone).",
                "Alerts can fire on aggregates instead: more than 50 (or 2 %) of orders breached in a stage within 15 min pages once.",
                "Events can also come in batches through the API or from a RabbitMQ queue.",
            ]),
        ],
    },
    Topic {
        slug: "routes",
        title: "Routes, quiet hours and escalation",
        summary: "Who hears of which alert, when: matching, quiet hours, reminders, escalation, grouping.",
        body: &[
            P("An alert goes to its monitor's own channels, then to the channels of the first route that matches it (and of the next ones while a route says continue). Each channel hears of an alert once."),
            List(&[
                "A route matches kinds (down, problem, event, …), severities, reasons, tags (all of them) and monitor names or slugs with * wildcards. Nothing ticked matches everything.",
                "Active hours: outside them the route does not match, and matching goes on to the next route.",
                "Quiet hours defer, never drop: an alert inside them waits and is sent when they end, if it is still open and unacknowledged; those that opened and resolved meanwhile come as one summary.",
                "Reminders repeat the alert while it is open and unacknowledged.",
                "Escalation tells a backup channel when nobody acknowledged within a time (counted from when the quiet hours end, when held).",
                "Grouping gathers alerts into one message per monitor, per tag or for the whole project.",
                "Silences mute matching alerts for a while (maintenance); quiet hours only delay them.",
            ]),
            P("\"Test a route\" on the Routes page says where an alert would go at a given time, whether quiet hours would hold it and until when, and when each escalation step would fire."),
        ],
    },
    Topic {
        slug: "cron",
        title: "Cron and OnCalendar cheat sheet",
        summary: "Schedules written as cron expressions or systemd OnCalendar events.",
        body: &[
            P("Cron has five fields: minute, hour, day of month, month, day of week. * is any; a-b a range; a,b a list; */n every n."),
            Table(&[
                &["Cron", "Runs"],
                &["*/5 * * * *", "every 5 minutes"],
                &["0 * * * *", "every hour, on the hour"],
                &["30 2 * * *", "every day at 02:30"],
                &["0 9 * * 1-5", "Monday to Friday at 09:00"],
                &["0 3 * * 0", "Sundays at 03:00"],
                &["0 8-18/2 * * 1-5", "weekdays, every 2 hours from 08:00 to 18:00"],
                &["0 0 1 * *", "the first of each month at midnight"],
                &["0 0 L * *", "the last day of each month at midnight"],
                &["0 12 * * 5#3", "the third Friday of each month at noon"],
            ]),
            P("As in cron, when both day of month and day of week are set (neither is *), a day matching either one runs. In the hour a DST change skips, fixed-time jobs run at the change; in the hour it repeats, they run once."),
            Table(&[
                &["OnCalendar", "Runs"],
                &["daily", "every day at 00:00"],
                &["hourly", "every hour"],
                &["weekly", "Mondays at 00:00"],
                &["*-*-* 02:30:00", "every day at 02:30"],
                &["Mon..Fri *-*-* 09:00:00", "weekdays at 09:00"],
                &["*-*-* *:0/15:00", "every 15 minutes"],
                &["Sat *-*-1..7 18:00:00", "the first Saturday of each month at 18:00"],
            ]),
            P("The monitor form previews the next runs of what you type, in its time zone, and says in words what is wrong with an expression."),
        ],
    },
];

/// The text of a page under its title, for search: summary and every block, each
/// ending a sentence.
pub fn text_of(t: &Topic) -> String {
    let mut out = format!("{}.", t.summary.trim_end_matches('.'));
    for b in t.body {
        match b {
            P(s) | H(s) | Code(s) => {
                out.push_str(". ");
                out.push_str(s);
            }
            List(items) => {
                for i in items.iter() {
                    out.push_str(". ");
                    out.push_str(i);
                }
            }
            Table(rows) => {
                for row in rows.iter() {
                    out.push_str(". ");
                    out.push_str(&row.join(": "));
                }
            }
        }
    }
    out
}

/// The pages where every word of `query` appears (any case), best first: those with
/// a word in the title before the others; with each, a sentence holding the first word.
pub fn search(query: &str) -> Vec<(&'static Topic, String)> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(bool, &'static Topic, String)> = TOPICS
        .iter()
        .filter_map(|t| {
            let text = text_of(t);
            let lower = format!("{} {}", t.title, text).to_lowercase();
            if !words.iter().all(|w| lower.contains(w.as_str())) {
                return None;
            }
            let in_title = words
                .iter()
                .any(|w| t.title.to_lowercase().contains(w.as_str()));
            let sentence = text
                .split(". ")
                .map(|s| s.trim_end_matches('.'))
                .find(|s| s.to_lowercase().contains(words[0].as_str()))
                .unwrap_or(t.summary)
                .trim()
                .to_string();
            Some((in_title, t, sentence))
        })
        .collect();
    found.sort_by_key(|(in_title, _, _)| !*in_title);
    found.into_iter().map(|(_, t, s)| (t, s)).collect()
}
