//! The alerts report as a picture (docs/behaviour.md, "Reports"): a bar per day (or
//! week), stacked by reason, with a count axis, its first, middle and last dates, a
//! tooltip per bar, and the same figures as a table for screen readers and copying.

use leptos::prelude::*;
use overdue_types::reports::{AlertsReport, AlertsRow};

const W: f64 = 640.0;
const H: f64 = 200.0;
const LEFT: f64 = 34.0;
const BOTTOM: f64 = 22.0;

/// Reasons in stacking order (bottom first), with their words.
pub const REASONS: &[(&str, &str)] = &[
    ("missed", "missed"),
    ("failed", "failed"),
    ("hung", "hung"),
    ("step", "hung in a step"),
    ("stall", "stalled"),
    ("too_short", "too short"),
    ("problem", "unit problem"),
    ("breach", "flow breach"),
    ("channel", "channel failing"),
    ("event", "event"),
];

/// A round top for the count axis: 1, 2, 5 × a power of ten.
fn nice(max: i64) -> i64 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= max {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// "3 alerts (failed 2, unit problem 1)".
fn said(r: &AlertsRow) -> String {
    let parts: Vec<String> = REASONS
        .iter()
        .filter_map(|(k, words)| r.by_reason.get(*k).map(|n| format!("{words} {n}")))
        .collect();
    let noun = if r.total == 1 { "alert" } else { "alerts" };
    if parts.is_empty() {
        format!("{}: {} {noun}", r.date, r.total)
    } else {
        format!("{}: {} {noun} ({})", r.date, r.total, parts.join(", "))
    }
}

/// The chart and its table.
pub fn alerts_chart(r: &AlertsReport) -> impl IntoView {
    let top = nice(r.rows.iter().map(|x| x.total).max().unwrap_or(0).max(1));
    let n = r.rows.len().max(1) as f64;
    let slot = (W - LEFT - 8.0) / n;
    let base = H - BOTTOM;
    let y = |count: i64| base - (count as f64 / top as f64) * (base - 8.0);
    let bars = r
        .rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let x = LEFT + i as f64 * slot + slot * 0.15;
            let w = (slot * 0.7).max(1.0);
            let mut below = 0;
            let parts = REASONS
                .iter()
                .filter_map(|(k, _)| row.by_reason.get(*k).map(|n| (*k, *n)))
                .map(|(k, count)| {
                    let (y0, y1) = (y(below), y(below + count));
                    below += count;
                    view! {
                        <rect class=format!("seg r-{k}") x=format!("{x:.1}") y=format!("{y1:.1}")
                            width=format!("{w:.1}") height=format!("{:.1}", (y0 - y1).max(0.5))/>
                    }
                })
                .collect_view();
            view! { <g class="day"><title>{said(row)}</title>{parts}</g> }
        })
        .collect_view();
    let dates: Vec<(usize, String)> = match r.rows.len() {
        0 => Vec::new(),
        1 => vec![(0, r.rows[0].date.clone())],
        len => {
            let mut v = vec![(0, r.rows[0].date.clone())];
            if len > 2 {
                v.push((len / 2, r.rows[len / 2].date.clone()));
            }
            v.push((len - 1, r.rows[len - 1].date.clone()));
            v
        }
    };
    let date_ticks = dates
        .into_iter()
        .map(|(i, d)| {
            let x = LEFT + (i as f64 + 0.5) * slot;
            view! { <text class="tick date" x=format!("{x:.1}") y=H - 6.0 text-anchor="middle">{d}</text> }
        })
        .collect_view();
    let grain = if r.grain == "week" { "week" } else { "day" };
    let label = format!(
        "Alerts per {grain}, {} to {}: {} in all, at most {} in a {grain}",
        r.rows.first().map(|x| x.date.as_str()).unwrap_or(""),
        r.rows.last().map(|x| x.date.as_str()).unwrap_or(""),
        r.total,
        r.rows.iter().map(|x| x.total).max().unwrap_or(0)
    );
    let legend = REASONS
        .iter()
        .filter(|(k, _)| r.by_reason.contains_key(*k))
        .map(|(k, words)| {
            view! {
                <span class="total"><span class=format!("key r-{k}")></span>" "{format!("{words} {}", r.by_reason[*k])}</span>
            }
        })
        .collect_view();
    let rows = r
        .rows
        .iter()
        .filter(|x| x.total > 0)
        .map(|x| view! { <li>{said(x)}</li> })
        .collect_view();
    view! {
        <svg id="alerts-chart" class="chart" viewBox=format!("0 0 {W} {H}") role="img" aria-label=label>
            <line class="grid" x1=LEFT y1=y(top / 2) x2=W - 8.0 y2=y(top / 2)/>
            <line class="axis" x1=LEFT y1="8" x2=LEFT y2=base/>
            <line class="axis" x1=LEFT y1=base x2=W - 8.0 y2=base/>
            <text class="tick" x=LEFT - 4.0 y=y(top) + 4.0 text-anchor="end">{top.to_string()}</text>
            <text class="tick" x=LEFT - 4.0 y=y(top / 2) + 4.0 text-anchor="end">{(top / 2).to_string()}</text>
            <text class="tick" x=LEFT - 4.0 y=base text-anchor="end">"0"</text>
            {bars}
            {date_ticks}
        </svg>
        <p class="legend hint">"Alerts per " {grain} " (count). " {legend}</p>
        <details class="figures">
            <summary>"The figures as a list"</summary>
            <ul id="alerts-figures">{rows}</ul>
        </details>
    }
}
