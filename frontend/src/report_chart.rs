//! Reports as pictures (docs/behaviour.md, "Reports"): the alerts report as a bar per
//! day (or week), stacked by reason, with a count axis, its first, middle and last
//! dates, a tooltip per bar, and the same figures as a list for screen readers; each
//! flow as a funnel (entries per stage, the breached part marked) beside its table, and
//! its breaches per day.

use leptos::prelude::*;
use overdue_types::reports::{AlertsReport, AlertsRow, DayCount, FlowFigures, FlowsReport};

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

/// Seconds in words ("41 min", "2 h 5 min"); "–" for none.
pub(crate) fn span(s: Option<i64>) -> String {
    s.map_or_else(|| "–".into(), crate::strip::span)
}

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

/// One flow as a funnel: a line per stage saying its entries and breaches, over a bar
/// as long as its entries (the longest fills the width), the breached part marked. The
/// words are the text; the bars are drawn for the eye only.
fn funnel(f: &FlowFigures) -> impl IntoView {
    let most = f.stages.iter().map(|s| s.entered).max().unwrap_or(0).max(1) as f64;
    let stages = f
        .stages
        .iter()
        .map(|s| {
            let w = s.entered as f64 * 100.0 / most;
            let wb = s.breached as f64 * 100.0 / most;
            view! {
                <li>
                    <span class="funnel-label">{format!("{} · {} entered, {} breached", s.stage, s.entered, s.breached)}</span>
                    <svg class="funnel-bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
                        <rect class="seg r-problem" x="0" y="0" width=format!("{:.2}", w.max(0.5)) height="10"/>
                        <rect class="seg r-failed" x="0" y="0" width=format!("{wb:.2}") height="10"/>
                    </svg>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="funnel" aria-label=format!("{} by stage", f.name)>{stages}</ul> }
}

/// A flow's breaches per day: a bar per day on a count axis with its first and last
/// dates, a tooltip per bar, the total and the worst day in its label and in words.
fn breach_days(name: &str, days: &[DayCount]) -> impl IntoView {
    let (h, bottom) = (90.0, 16.0);
    let most = days.iter().map(|d| d.n).max().unwrap_or(0);
    let top = nice(most.max(1));
    let slot = (W - LEFT - 8.0) / days.len().max(1) as f64;
    let base = h - bottom;
    let y = |n: i64| base - (n as f64 / top as f64) * (base - 6.0);
    let noun = |n: i64| if n == 1 { "breach" } else { "breaches" };
    let bars = days
        .iter()
        .enumerate()
        .filter(|(_, d)| d.n > 0)
        .map(|(i, d)| {
            let x = LEFT + i as f64 * slot + slot * 0.15;
            view! {
                <rect class="seg r-breach" x=format!("{x:.1}") y=format!("{:.1}", y(d.n))
                    width=format!("{:.1}", (slot * 0.7).max(1.0)) height=format!("{:.1}", (base - y(d.n)).max(0.5))>
                    <title>{format!("{}: {} {}", d.date, d.n, noun(d.n))}</title>
                </rect>
            }
        })
        .collect_view();
    let total: i64 = days.iter().map(|d| d.n).sum();
    let (first, last) = (
        days.first().map(|d| d.date.clone()).unwrap_or_default(),
        days.last().map(|d| d.date.clone()).unwrap_or_default(),
    );
    let words = match days.iter().filter(|d| d.n > 0).max_by_key(|d| d.n) {
        None => format!("No breaches from {first} to {last}."),
        Some(worst) => format!(
            "{total} {} from {first} to {last}; the most on {}: {}.",
            noun(total),
            worst.date,
            worst.n
        ),
    };
    view! {
        <svg class="chart breach-days" viewBox=format!("0 0 {W} {h}") role="img"
            aria-label=format!("{name}: breaches per day. {words}")>
            <line class="axis" x1=LEFT y1="6" x2=LEFT y2=base/>
            <line class="axis" x1=LEFT y1=base x2=W - 8.0 y2=base/>
            <text class="tick" x=LEFT - 4.0 y=y(top) + 4.0 text-anchor="end">{top.to_string()}</text>
            <text class="tick" x=LEFT - 4.0 y=base text-anchor="end">"0"</text>
            {bars}
            <text class="tick date" x=LEFT y=h - 3.0 text-anchor="start">{first}</text>
            <text class="tick date" x=W - 8.0 y=h - 3.0 text-anchor="end">{last}</text>
        </svg>
        <p class="legend hint">"Breaches per day (count). " {words}</p>
    }
}

/// The flows report: per flow its funnel, its breaches per day and a table of its
/// stages.
pub fn flows(r: &FlowsReport, csv: String) -> impl IntoView {
    let pct = |x: Option<f64>| x.map(|v| format!("{v} %")).unwrap_or_else(|| "–".into());
    let each = r
        .flows
        .iter()
        .map(|f| {
            let rows = f
                .stages
                .iter()
                .map(|s| view! {
                    <tr><td data-label="Stage">{s.stage.clone()}</td>
                        <td data-label="Entered">{format!("{} (before {})", s.entered, s.previous_entered)}</td>
                        <td data-label="Breached">{format!("{} (before {})", s.breached, s.previous_breached)}</td>
                        <td data-label="Breach rate">{pct(s.breach_rate)}</td>
                        <td data-label="Time in stage">{format!("p50 {} · p95 {} (before: p50 {})", span(s.p50), span(s.p95), span(s.previous_p50))}</td></tr>
                })
                .collect_view();
            view! {
                <h3>{f.name.clone()}</h3>
                {funnel(f)}
                {breach_days(&f.name, &f.breaches)}
                <div class="table-wrap" tabindex="0"><table class="cards">
                    <thead><tr><th>"Stage"</th><th>"Entered"</th><th>"Breached"</th><th>"Breach rate"</th><th>"Time in stage"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table></div>
            }
        })
        .collect_view();
    view! {
        <section id="report-flows">
            <h2>"Flows"</h2>
            {if r.flows.is_empty() {
                view! { <p class="hint">"No flows in this scope."</p> }.into_any()
            } else {
                each.into_any()
            }}
            <p><a href=csv download="overdue-flows.csv">"Download as CSV"</a></p>
        </section>
    }
}
