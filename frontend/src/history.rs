//! A monitor's history on its page: the run durations chart (axes, failed runs in their
//! own colour, median, 95th percentile and max runtime), the runs, the status over time
//! as a timeline with its changes in words, and the pings — each saying what will show
//! there while it is empty.

use leptos::prelude::*;
use leptos_router::components::A;
use overdue_types::run_stats::percentile;
use overdue_types::timeline;
use overdue_types::{Flip, Ping, Run};

use crate::time::stamp;

/// The chart's drawing area (SVG units).
const W: f64 = 600.0;
const H: f64 = 160.0;
const LEFT: f64 = 84.0;
const BOTTOM: f64 = 24.0;

fn secs(d: f64) -> String {
    match d {
        d if d >= 3600.0 => format!("{:.1} h", d / 3600.0),
        d if d >= 60.0 => format!("{:.1} min", d / 60.0),
        d if d >= 1.0 => format!("{d:.1} s"),
        // Quick runs in milliseconds: "0.0 s" would say nothing.
        d if d >= 0.01 => format!("{:.0} ms", d * 1000.0),
        d => format!("{:.1} ms", d * 1000.0),
    }
}

/// Room for this many runs at least: a single run is one bar at the right (the newest
/// end), not a block across the whole chart.
const SLOTS: usize = 20;

/// Durations of the finished runs, oldest to newest (newest at the right); failed ones
/// red; the median and the 95th percentile as lines, and the monitor's max runtime
/// (`max_runtime`, seconds) when it has one. The dates and the lines' values are also
/// said under the chart in text, readable on a phone, where the chart's own date labels
/// are left out.
pub fn chart(runs: Vec<Run>, max_runtime: Option<i64>) -> impl IntoView {
    let done: Vec<Run> = runs
        .into_iter()
        .rev()
        .filter(|r| r.duration.is_some())
        .collect();
    if done.is_empty() {
        return view! { <p class="hint" id="chart-empty">"The durations of finished runs will be drawn here."</p> }
            .into_any();
    }
    let durations: Vec<f64> = done.iter().filter_map(|r| r.duration).collect();
    let limit = max_runtime.map(|s| s as f64);
    let (p50, p95) = (percentile(&durations, 50.0), percentile(&durations, 95.0));
    // The scale takes the max runtime in when it is near the runs (within 4×): a limit
    // far above them would flatten every bar; it is said in the legend either way.
    let longest = durations.iter().copied().fold(0.0_f64, f64::max);
    let drawn_limit = limit.filter(|l| *l <= longest * 4.0);
    let max = longest.max(drawn_limit.unwrap_or(0.0)).max(0.001);
    let (plot_w, plot_h) = (W - LEFT - 8.0, H - BOTTOM - 8.0);
    let slots = done.len().max(SLOTS);
    let slot = plot_w / slots as f64;
    // The runs fill the right end when there are fewer than the slots.
    let offset = (slots - done.len()) as f64;
    let first_x = LEFT + offset * slot;
    let first = done
        .first()
        .map(|r| r.started_at.clone())
        .unwrap_or_default();
    let last = done
        .last()
        .map(|r| r.started_at.clone())
        .unwrap_or_default();
    let label = |t: &str| crate::time::local(t, None, false);
    let bars = done
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let d = r.duration.unwrap_or(0.0);
            let h = (plot_h * d / max).max(1.0);
            let failed = matches!(r.outcome.as_deref(), Some("fail" | "timeout"));
            let class = if failed { "bar failed" } else { "bar" };
            let tip = format!(
                "{} · {} · {}",
                label(&r.started_at),
                r.outcome.clone().unwrap_or_default(),
                secs(d)
            );
            view! {
                <rect class=class x=format!("{:.1}", first_x + i as f64 * slot + slot * 0.1) y=format!("{:.1}", 8.0 + plot_h - h)
                    width=format!("{:.1}", (slot * 0.8).max(1.0)) height=format!("{h:.1}")>
                    <title>{tip}</title>
                </rect>
            }
        })
        .collect_view();
    let base = 8.0 + plot_h;
    let y_of = |d: f64| 8.0 + plot_h - plot_h * d / max;
    let line = move |class: &'static str, d: f64, what: String| {
        let y = format!("{:.1}", y_of(d));
        view! {
            <line class=class x1=LEFT y1=y.clone() x2=W - 8.0 y2=y><title>{what}</title></line>
        }
    };
    let mut said = vec![
        format!("median {}", p50.map(secs).unwrap_or_default()),
        format!("95th percentile {}", p95.map(secs).unwrap_or_default()),
    ];
    if let Some(l) = limit {
        said.push(format!("max runtime {}", secs(l)));
    }
    let lines = view! {
        {p50.map(|d| line("level p50", d, format!("median {}", secs(d))))}
        {p95.map(|d| line("level p95", d, format!("95th percentile {}", secs(d))))}
        {drawn_limit.map(|d| line("level limit", d, format!("max runtime {}", secs(d))))}
    };
    view! {
        <svg id="durations" class="chart" viewBox=format!("0 0 {W} {H}") role="img"
            aria-label=format!("Run durations of the last {} finished runs, up to {}; {}", done.len(), secs(longest), said.join(", "))>
            <line class="axis" x1=LEFT y1="8" x2=LEFT y2=base/>
            <line class="axis" x1=LEFT y1=base x2=W - 8.0 y2=base/>
            <line class="grid" x1=LEFT y1=8.0 + plot_h / 2.0 x2=W - 8.0 y2=8.0 + plot_h / 2.0/>
            // Hung from the top line, so a larger font on a phone is not cut off.
            <text class="tick" x=LEFT - 4.0 y="6" dominant-baseline="hanging" text-anchor="end">{secs(max)}</text>
            <text class="tick" x=LEFT - 4.0 y=8.0 + plot_h / 2.0 + 4.0 text-anchor="end">{secs(max / 2.0)}</text>
            <text class="tick" x=LEFT - 4.0 y=base text-anchor="end">"0"</text>
            // The first run's date under it when there is room for both dates.
            {(done.len() > 1 && first_x < LEFT + plot_w * 0.4).then(|| view! {
                <text class="tick date" x=first_x y=H - 6.0>{label(&first)}</text>
            })}
            <text class="tick date" x=W - 8.0 y=H - 6.0 text-anchor="end">{label(&last)}</text>
            {bars}
            {lines}
        </svg>
        <p class="legend hint" id="chart-range">
            {match done.len() { 1 => format!("1 run, {}", label(&last)), n => format!("{n} runs, {} to {}", label(&first), label(&last)) }}
            " · " <span class="key ok"></span>" finished · "<span class="key failed"></span>" failed or timed out"
        </p>
        <p class="legend hint" id="chart-levels">
            <span class="key p50"></span> {said[0].clone()} " · " <span class="key p95"></span> {said[1].clone()}
            {said.get(2).cloned().map(|l| view! { " · " <span class="key limit"></span> {l} })}
        </p>
    }
    .into_any()
}

/// The runs table (newest first).
pub fn runs_table(runs: Vec<Run>, tz: Option<String>) -> impl IntoView {
    if runs.is_empty() {
        return view! { <p class="hint" id="no-runs">"No runs yet. A run starts with a ping to " <code>"/start"</code>
            " and ends with the next success or " <code>"/fail"</code> "; " <code>"overdue exec"</code> " does both."</p> }
        .into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0"><table id="runs">
            <thead><tr><th scope="col">"Started"</th><th scope="col">"Outcome"</th><th scope="col">"Duration"</th></tr></thead>
            <tbody>
                {runs.into_iter().take(20).map(|r| {
                    let outcome = r.outcome.clone().unwrap_or_else(|| "running".into());
                    let class = format!("outcome o-{outcome}");
                    let started = stamp(r.started_at.clone(), tz.as_deref());
                    view! {
                        <tr><td><A href=format!("/runs/{}", r.id)>{started}</A></td>
                        <td><span class=class>{outcome}</span></td>
                        <td>{r.duration.map(secs).unwrap_or_default()}</td></tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}

/// The status over time: each state a coloured span on one time axis, from the oldest
/// change shown to now, with its times in a tooltip; the changes themselves, newest
/// first, in words under it (the timeline's text equivalent).
pub fn flips_list(flips: Vec<Flip>) -> impl IntoView {
    if flips.is_empty() {
        return view! { <p class="hint" id="no-flips">"No status changes yet: the first ping turns a new monitor up."</p> }
            .into_any();
    }
    let now = js_sys::Date::now() as i64;
    let changes: Vec<(i64, String, Option<String>)> = flips
        .iter()
        .filter_map(|f| {
            let at = crate::time::parse(&f.timestamp)? as i64;
            Some((at, f.to.clone(), f.reason.clone()))
        })
        .collect();
    let spans = timeline::spans(&changes, now);
    let totals = timeline::totals(&spans);
    let start = spans.first().map_or(now, |s| s.from);
    let whole = (now - start).max(1) as f64;
    let width = W - 16.0;
    let at_ms = |ms: i64| crate::time::local(&ms_text(ms), None, false);
    let summary = totals
        .iter()
        .map(|(state, ms)| {
            format!(
                "{state} {} ({:.0} %)",
                secs(*ms as f64 / 1000.0),
                *ms as f64 * 100.0 / whole
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let label = format!("Status from {} to now: {summary}", at_ms(start));
    let bars = spans
        .iter()
        .map(|s| {
            let x = 8.0 + (s.from - start) as f64 / whole * width;
            let w = ((s.to - s.from) as f64 / whole * width).max(1.5);
            let why = s.reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default();
            let tip = format!(
                "{}{why}: {} to {} ({})",
                s.state,
                at_ms(s.from),
                at_ms(s.to),
                secs((s.to - s.from) as f64 / 1000.0)
            );
            view! {
                <rect class=format!("span t-{}", s.state) x=format!("{x:.1}") y="4" width=format!("{w:.1}") height="28">
                    <title>{tip}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg id="status-timeline" class="timeline" viewBox=format!("0 0 {W} 56") role="img" aria-label=label>
            {bars}
            <line class="axis" x1="8" y1="34" x2=W - 8.0 y2="34"/>
            <text class="tick date" x="8" y="50">{at_ms(start)}</text>
            <text class="tick" x=W - 8.0 y="50" text-anchor="end">"now"</text>
        </svg>
        <p class="legend hint" id="timeline-totals">
            <span class="total">{format!("Since {}:", at_ms(start))}</span>
            {totals.iter().map(|(state, ms)| view! {
                <span class="total"><span class=format!("key t-{state}")></span> {format!("{state} {}", secs(*ms as f64 / 1000.0))}</span>
            }).collect_view()}
        </p>
        <details class="flips-text">
            <summary>"Every change, in words"</summary>
            <ul id="flips">
                {flips.into_iter().map(|f| view! {
                    <li>{stamp(f.timestamp, None)} ": " {f.from} " → " {f.to} {f.reason.map(|r| format!(" ({r})"))}</li>
                }).collect_view()}
            </ul>
        </details>
    }
    .into_any()
}

/// An RFC 3339 text of `ms`, for the time formatting that reads one.
fn ms_text(ms: i64) -> String {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64))
        .to_iso_string()
        .into()
}

/// The pings table (bodies as text, long ones folded); `curl` the command that sends a
/// first one (`None` for readers without the URL).
pub fn pings_table(pings: Vec<Ping>, curl: Option<String>) -> impl IntoView {
    if pings.is_empty() {
        return view! {
            <p class="hint" id="no-pings">"No pings yet. "
                {curl.map(|c| view! { "Send one with: " <code>{c}</code> })}</p>
        }
        .into_any();
    }
    view! {
        <div class="table-wrap" tabindex="0"><table id="pings">
            <thead><tr><th scope="col">"#"</th><th scope="col">"Kind"</th><th scope="col">"When"</th><th scope="col" class="hide-narrow">"From"</th><th scope="col">"Body"</th></tr></thead>
            <tbody>
                {pings.into_iter().map(|p| {
                    let long = p.body.chars().count() > 120 || p.body.contains('\n');
                    let short: String = p.body.chars().take(120).collect();
                    view! {
                        <tr>
                            <td>{p.n}</td><td>{p.kind}</td><td>{stamp(p.date, None)}</td>
                            <td class="hide-narrow">{p.remote_addr} " " {p.method}</td>
                            <td class="ping-body">
                                {if long {
                                    view! { <details><summary>{short}"…"</summary><pre>{p.body}</pre></details> }.into_any()
                                } else {
                                    view! { <code>{p.body}</code> }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table></div>
    }
    .into_any()
}
