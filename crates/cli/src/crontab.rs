//! `overdue import-crontab [FILE]` (docs/behaviour.md, "API"): one monitor per crontab
//! line, with the
//! line's schedule, named after its command, its slug derived from the command. Run
//! again, it skips lines whose slug exists (idempotent). `--rewrite` prints the crontab
//! with each command wrapped in `overdue exec <uuid> --`.

use anyhow::{anyhow, Result};
use serde_json::json;

use crate::manage::Api;

/// One job line of a crontab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Line number (1-based).
    pub line: usize,
    /// The five cron fields (macros such as `@daily` expanded).
    pub cron: String,
    /// The fields as written (kept when the line is rewritten).
    pub when: String,
    /// The user field of a system crontab.
    pub user: Option<String>,
    /// The command.
    pub command: String,
}

/// Parses a crontab: comments, blank lines and variable assignments are skipped;
/// `@reboot` lines too (they have no schedule), with a note. `system`: lines carry a
/// user field after the schedule (`/etc/crontab`).
pub fn parse(text: &str, system: bool) -> (Vec<Job>, Vec<String>) {
    let (mut jobs, mut notes) = (Vec::new(), Vec::new());
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('=') && !first.starts_with('@') {
            continue; // MAILTO=…, PATH=…
        }
        let (cron, when, rest) = if let Some(m) = first.strip_prefix('@') {
            let cron = match m {
                "yearly" | "annually" => "0 0 1 1 *",
                "monthly" => "0 0 1 * *",
                "weekly" => "0 0 * * 0",
                "daily" | "midnight" => "0 0 * * *",
                "hourly" => "0 * * * *",
                "reboot" => {
                    notes.push(format!("line {}: @reboot has no schedule: skipped", i + 1));
                    continue;
                }
                other => {
                    notes.push(format!("line {}: unknown @{other}: skipped", i + 1));
                    continue;
                }
            };
            (
                cron.to_string(),
                first.to_string(),
                line[first.len()..].trim_start(),
            )
        } else {
            let mut rest = line;
            let mut fields = Vec::new();
            for _ in 0..5 {
                let Some((f, r)) = rest.split_once(char::is_whitespace) else {
                    rest = "";
                    break;
                };
                fields.push(f);
                rest = r.trim_start();
            }
            if fields.len() < 5 || rest.is_empty() {
                notes.push(format!("line {}: not a cron line: skipped", i + 1));
                continue;
            }
            let cron = fields.join(" ");
            (cron.clone(), cron, rest)
        };
        let (user, command) = if system {
            match rest.split_once(char::is_whitespace) {
                Some((u, c)) => (Some(u.to_string()), c.trim_start()),
                None => {
                    notes.push(format!("line {}: no user and command: skipped", i + 1));
                    continue;
                }
            }
        } else {
            (None, rest)
        };
        jobs.push(Job {
            line: i + 1,
            cron,
            when,
            user,
            command: command.to_string(),
        });
    }
    (jobs, notes)
}

/// A slug from a command: its program's base name and first words, lowercase letters,
/// digits and `-`, at most 50 characters.
pub fn slug_of(command: &str) -> String {
    let mut words = command.split_whitespace();
    let program = words
        .next()
        .map(|p| p.rsplit('/').next().unwrap_or(p))
        .unwrap_or("job");
    let mut text = program.to_string();
    for w in words.take(3) {
        if w.starts_with(['>', '<', '|', '&', '2']) {
            break;
        }
        text.push('-');
        text.push_str(w.rsplit('/').next().unwrap_or(w));
    }
    let mut slug = String::new();
    for ch in text.to_lowercase().chars() {
        if ch.is_ascii_alphanumeric() {
            slug.push(ch);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug: String = slug.trim_matches('-').chars().take(50).collect();
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "job".into()
    } else {
        slug
    }
}

/// Imports `text`: creates the monitors whose slug is new, returns the report (and, with
/// `rewrite`, the rewritten crontab).
pub fn import(api: &Api, text: &str, system: bool, tz: &str, rewrite: bool) -> Result<String> {
    let (jobs, notes) = parse(text, system);
    if jobs.is_empty() {
        return Err(anyhow!(
            "no cron job lines found{}",
            if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            }
        ));
    }
    let existing = api.monitor_slugs()?;
    let mut report = Vec::new();
    let mut ids = Vec::new();
    let mut taken: Vec<String> = Vec::new();
    for job in &jobs {
        let base = slug_of(&job.command);
        // The same command twice in one crontab: `-2`, `-3`…
        let mut slug = base.clone();
        let mut n = 2;
        while taken.contains(&slug) {
            slug = format!("{base}-{n}");
            n += 1;
        }
        taken.push(slug.clone());
        if let Some(id) = existing
            .iter()
            .find(|(s, _)| *s == slug)
            .map(|(_, id)| id.clone())
        {
            report.push(format!("line {}: {slug} exists, kept", job.line));
            ids.push(id);
            continue;
        }
        let name: String = job.command.chars().take(100).collect();
        let body = json!({"name": name, "slug": slug, "cron": job.cron, "tz": tz, "grace": "1h",
                          "tags": ["crontab"]});
        let v = api
            .call("POST", "/api/v1/monitors", Some(&body))
            .map_err(|e| anyhow!("line {}: {e}", job.line))?;
        let id = v["uuid"].as_str().unwrap_or("").to_string();
        report.push(format!(
            "line {}: {slug} created: {}",
            job.line,
            v["ping_url"].as_str().unwrap_or("")
        ));
        ids.push(id);
    }
    report.extend(notes);
    if !rewrite {
        return Ok(report.join("\n"));
    }
    let mut out = text.lines().map(str::to_string).collect::<Vec<_>>();
    for (job, id) in jobs.iter().zip(&ids) {
        let user = job
            .user
            .as_deref()
            .map(|u| format!("{u} "))
            .unwrap_or_default();
        let quoted = job.command.replace('\'', r"'\''");
        out[job.line - 1] = format!("{} {user}overdue exec {id} -- sh -c '{quoted}'", job.when);
    }
    eprintln!("{}", report.join("\n"));
    Ok(out.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crontab_lines() {
        let text = "MAILTO=ops@example.com\n# backups\n30 2 * * 1-5 /usr/local/bin/backup.sh --full > /var/log/b.log 2>&1\n@daily  /opt/rotate-logs\n@reboot /opt/start\n*/5 * * * *\nbad line\n";
        let (jobs, notes) = parse(text, false);
        assert_eq!(jobs.len(), 2, "{jobs:?}");
        assert_eq!(jobs[0].cron, "30 2 * * 1-5");
        assert_eq!(
            jobs[0].command,
            "/usr/local/bin/backup.sh --full > /var/log/b.log 2>&1"
        );
        assert_eq!(
            (jobs[1].cron.as_str(), jobs[1].when.as_str()),
            ("0 0 * * *", "@daily")
        );
        assert_eq!(notes.len(), 3, "{notes:?}");
        let (sys, _) = parse("17 * * * * root cd / && run-parts /etc/cron.hourly\n", true);
        assert_eq!(sys[0].user.as_deref(), Some("root"));
        assert_eq!(sys[0].command, "cd / && run-parts /etc/cron.hourly");
    }

    #[test]
    fn slugs() {
        assert_eq!(
            slug_of("/usr/local/bin/backup.sh --full > /var/log/b.log"),
            "backup-sh-full"
        );
        assert_eq!(
            slug_of("python3 /opt/etl/sync.py customers"),
            "python3-sync-py-customers"
        );
        assert_eq!(slug_of("!!!"), "job");
    }
}
