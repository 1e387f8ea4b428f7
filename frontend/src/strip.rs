//! The 90-day status strip on a monitor's page and in the monitors list
//! (docs/behaviour.md, "Uptime"): one cell per day in the project's zone, coloured by
//! the day's worst status, the day's uptime and downtime in its tooltip; on the page
//! the days with downtime said in words under it, in the list in the strip's label.

use leptos::prelude::*;
use overdue_types::{UptimeDay, UptimeDays};

/// Seconds as "41 min", "2 h 5 min", "12 s", "3 d 4 h".
pub(crate) fn span(s: i64) -> String {
    match s {
        s if s >= 86_400 => format!("{} d {} h", s / 86_400, s % 86_400 / 3_600),
        s if s >= 3_600 => format!("{} h {} min", s / 3_600, s % 3_600 / 60),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// A day in words: "2026-12-03: down 41 min, uptime 97.2 %".
fn said(d: &UptimeDay) -> String {
    let uptime = d
        .uptime
        .map(|u| format!(", uptime {u:.1} %"))
        .unwrap_or_default();
    match d.status.as_str() {
        "down" => format!("{}: down {}{uptime}", d.date, span(d.down)),
        "up" => format!("{}: up{uptime}", d.date),
        "paused" => format!("{}: paused", d.date),
        _ => format!("{}: no data", d.date),
    }
}

/// The strip.
pub fn strip(d: UptimeDays) -> impl IntoView {
    let n = d.days.len().max(1);
    let (w, gap) = (600.0 / n as f64, 1.0);
    let down: Vec<&UptimeDay> = d.days.iter().filter(|d| d.status == "down").collect();
    let label = format!(
        "The last {} days ({}): {} with downtime",
        d.days.len(),
        d.zone,
        down.len()
    );
    let words = if down.is_empty() {
        format!(
            "No downtime in the last {} days (days in {}).",
            d.days.len(),
            d.zone
        )
    } else {
        let list: Vec<String> = down.iter().rev().take(10).map(|d| said(d)).collect();
        let more = if down.len() > 10 {
            format!(" (and {} more)", down.len() - 10)
        } else {
            String::new()
        };
        format!(
            "Downtime on {} of the last {} days (days in {}), newest first: {}{more}.",
            down.len(),
            d.days.len(),
            d.zone,
            list.join("; ")
        )
    };
    let cells = d
        .days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            view! {
                <rect class=format!("cell c-{}", day.status) x=format!("{:.2}", i as f64 * w) y="0"
                    width=format!("{:.2}", (w - gap).max(0.5)) height="24">
                    <title>{said(day)}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg id="uptime-strip" class="strip" viewBox="0 0 600 24" preserveAspectRatio="none" role="img" aria-label=label>
            {cells}
        </svg>
        <p class="legend hint" id="strip-words">{words}</p>
    }
}

/// A row's small strip in the monitors list: the same cells, and the days with
/// downtime in its label for screen readers.
pub fn mini(days: &[UptimeDay]) -> impl IntoView {
    let n = days.len().max(1);
    let down: Vec<&UptimeDay> = days.iter().filter(|d| d.status == "down").collect();
    let label = match down.last() {
        None => format!("No downtime in the last {} days", days.len()),
        Some(last) => format!(
            "Downtime on {} of the last {} days, last {}",
            down.len(),
            days.len(),
            said(last)
        ),
    };
    let cells = days
        .iter()
        .enumerate()
        .map(|(i, day)| {
            view! {
                <rect class=format!("cell c-{}", day.status) x=i.to_string() y="0" width="0.8" height="1">
                    <title>{said(day)}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg class="strip mini-strip" viewBox=format!("0 0 {n} 1") preserveAspectRatio="none" role="img" aria-label=label>
            {cells}
        </svg>
    }
}
