//! `/reports` (docs/behaviour.md, "Reports"): for the last 7, 30 or 90 days or a month,
//! over the project or one tag — the headline figures against the period before, alerts
//! per day by reason (a chart with its figures in words), response times, out of hours,
//! availability per monitor against the project's target, the noisiest monitors with
//! what to change, problems by unit kind. Every report
//! downloads as CSV.

use leptos::prelude::*;
use leptos_router::components::A;
use overdue_types::reports::{
    AlertsReport, AvailabilityReport, FlowsReport, NoisiestReport, OutOfHoursReport, Percentiles,
    ResponseReport, UnitsReport,
};

use crate::api::Session;
use crate::report_chart::span;

/// "p50 10 min · p90 1 h 8 min (12)".
fn percentiles(p: &Percentiles) -> String {
    if p.count == 0 {
        return "none".into();
    }
    format!("p50 {} · p90 {} ({})", span(p.p50), span(p.p90), p.count)
}

/// "+3 against the 30 days before" / "same as …".
fn trend(now: i64, before: i64) -> String {
    match now - before {
        0 => "the same as the period before".into(),
        d if d > 0 => format!("{d} more than the period before ({before})"),
        d => format!("{} fewer than the period before ({before})", -d),
    }
}

/// Everything the page shows, fetched together.
#[derive(Clone)]
struct Reports {
    alerts: AlertsReport,
    response: ResponseReport,
    hours: OutOfHoursReport,
    noisiest: NoisiestReport,
    units: UnitsReport,
    flows: FlowsReport,
    availability: AvailabilityReport,
}

async fn fetch(session: Session, query: String) -> Result<Reports, String> {
    let get = |name: &str| format!("/api/v1/reports/{name}?{query}");
    Ok(Reports {
        alerts: session.get_json(&get("alerts")).await?,
        response: session.get_json(&get("response")).await?,
        hours: session.get_json(&get("out-of-hours")).await?,
        noisiest: session.get_json(&get("noisiest")).await?,
        units: session.get_json(&get("units")).await?,
        flows: session.get_json(&get("flows")).await?,
        availability: session.get_json(&get("availability")).await?,
    })
}

/// The page.
#[component]
pub fn ReportsPage() -> impl IntoView {
    let session = Session::get();
    let period = RwSignal::new("30d".to_string());
    let tag = RwSignal::new(String::new());
    let data = RwSignal::new(None::<Reports>);
    let error = RwSignal::new(None::<String>);
    let query = move || {
        let mut q = format!("period={}", period.get());
        let t = tag.get();
        if !t.trim().is_empty() {
            q.push_str(&format!("&scope=tag:{}", t.trim()));
        }
        q
    };
    Effect::new(move |_| {
        session.project.track();
        let q = query();
        leptos::task::spawn_local(async move {
            match fetch(session, q).await {
                Ok(r) => {
                    data.set(Some(r));
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    });
    let csv = move |name: &str| {
        let project = session.project.get().unwrap_or_default();
        format!(
            "/api/v1/reports/{name}?{}&format=csv&project={project}",
            query()
        )
    };
    view! {
        <h1>"Reports"</h1>
        <div class="row filters" id="report-filters">
            <label>"Period "
                <select id="report-period" on:change=move |ev| period.set(event_target_value(&ev))>
                    <option value="7d">"Last 7 days"</option>
                    <option value="30d" selected=true>"Last 30 days"</option>
                    <option value="90d">"Last 90 days"</option>
                </select>
            </label>
            <label>"Tag "
                <input id="report-tag" type="text" placeholder="all monitors" prop:value=move || tag.get()
                    on:change=move |ev| tag.set(event_target_value(&ev))/>
            </label>
        </div>
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || data.get().map(|r| view! {
            <p class="hint" id="report-span">
                {format!("Days in {}. Response times are upper bounds of bins about 19 % wide (docs: Reports).", r.alerts.span.tz)}
            </p>
            {headline(&r)}
            <section id="report-alerts">
                <h2>"Alerts"</h2>
                {crate::report_chart::alerts_chart(&r.alerts)}
                {by_tag(&r.alerts)}
                <p><a href=csv("alerts") download="overdue-alerts.csv">"Download as CSV"</a></p>
            </section>
            {availability(&r.availability, csv("availability"))}
            {noisiest(&r.noisiest, csv("noisiest"))}
            {out_of_hours(&r.hours, csv("out-of-hours"))}
            {units(&r.units, csv("units"))}
            {crate::report_chart::flows(&r.flows, csv("flows"))}
        })}
    }
}

fn headline(r: &Reports) -> impl IntoView {
    let a = &r.alerts;
    view! {
        <dl class="facts" id="report-headline">
            <div><dt>"Alerts"</dt><dd>{a.total.to_string()}" — "{trend(a.total, a.previous_total)}</dd></div>
            <div><dt>"Time to acknowledge"</dt><dd>{percentiles(&r.response.acknowledge.now)}
                <span class="hint">" (before: "{percentiles(&r.response.acknowledge.previous)}")"</span></dd></div>
            <div><dt>"Time to resolve"</dt><dd>{percentiles(&r.response.resolve.now)}
                <span class="hint">" (before: "{percentiles(&r.response.resolve.previous)}")"</span></dd></div>
            <div><dt>"Availability"</dt><dd>{format!(
                "{} of {} monitors at or above {} %",
                r.availability.meeting, r.availability.counted, r.availability.target
            )}</dd></div>
            <div><dt>"Out of hours"</dt><dd>{format!(
                "{} of {} alerts, {} of {} pages{}",
                r.hours.alerts_out_of_hours, r.hours.alerts, r.hours.pages_out_of_hours, r.hours.pages,
                r.hours.calendar.as_ref().map(|c| format!(" (calendar {c})")).unwrap_or_else(|| " (no calendar set: every hour counts as working)".into())
            )}</dd></div>
        </dl>
    }
}

fn by_tag(a: &AlertsReport) -> impl IntoView {
    let mut tags: Vec<(&String, &i64)> = a.by_tag.iter().collect();
    tags.sort_by(|x, y| y.1.cmp(x.1).then(x.0.cmp(y.0)));
    let severities: Vec<String> = a
        .by_severity
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    let tags: Vec<String> = tags
        .into_iter()
        .take(12)
        .map(|(t, n)| format!("{t} {n}"))
        .collect();
    (!tags.is_empty()).then(|| {
        view! {
            <p id="alerts-by-tag">"By tag: "{tags.join(" · ")}</p>
            <p id="alerts-by-severity">"By severity: "{severities.join(" · ")}</p>
        }
    })
}

/// "99.95 %", or "—" without a figure.
fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |x| format!("{x} %"))
}

/// The monitors under the target (or, when all meet it, the ten lowest), each against
/// the period before.
fn availability(r: &AvailabilityReport, csv: String) -> impl IntoView {
    let under: Vec<_> = r.rows.iter().filter(|m| m.met == Some(false)).collect();
    let shown: Vec<_> = if under.is_empty() {
        r.rows
            .iter()
            .filter(|m| m.availability.is_some())
            .take(10)
            .collect()
    } else {
        under.clone()
    };
    let said = if r.counted == 0 {
        "No monitor has pinged in this period.".to_string()
    } else if under.is_empty() {
        format!(
            "Every monitor met the target of {} %. The lowest:",
            r.target
        )
    } else {
        format!(
            "{} of {} monitors were under the target of {} %:",
            under.len(),
            r.counted,
            r.target
        )
    };
    let any = r.counted > 0;
    let rows = shown
        .into_iter()
        .map(|m| {
            let class = if m.met == Some(false) { "under" } else { "" };
            let (link, name) = (m.link.clone(), m.name.clone());
            let (now, before, down) = (
                percent(m.availability),
                percent(m.previous),
                span(Some(m.down_s)),
            );
            view! {
                <tr class=class>
                    <td data-label="Monitor"><A href=link>{name}</A></td>
                    <td data-label="Availability">{now}</td>
                    <td data-label="Period before">{before}</td>
                    <td data-label="Down">{down}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section id="report-availability">
            <h2>"Availability"</h2>
            <p id="availability-said">{said}</p>
            {any.then(|| view! {
                <div class="table-wrap" tabindex="0"><table class="cards">
                    <thead><tr><th>"Monitor"</th><th>"Availability"</th><th>"Period before"</th><th>"Down"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table></div>
            })}
            <p class="hint">"Availability is uptime over the period: the share of the time a monitor existed and was not paused during which it was not down. The target is the project's (set under This project on the Team page), else 99.5 %."</p>
            <p><a href=csv download="overdue-availability.csv">"Download as CSV"</a></p>
        </section>
    }
}

fn noisiest(r: &NoisiestReport, csv: String) -> impl IntoView {
    let rows = r
        .rows
        .iter()
        .map(|m| {
            let name = m.name.clone().unwrap_or_else(|| "(deleted)".into());
            view! {
                <tr>
                    <td data-label="Monitor"><A href=m.link.clone()>{name}</A></td>
                    <td data-label="Alerts">{m.alerts.to_string()}</td>
                    <td data-label="Flaps">{m.flaps.to_string()}</td>
                    <td data-label="Reminders">{m.reminders.to_string()}</td>
                    <td data-label="What to change">{m.advice.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section id="report-noisiest">
            <h2>"Noisiest monitors"</h2>
            {if r.rows.is_empty() {
                view! { <p class="hint">"No alerts in this period."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0"><table class="cards">
                        <thead><tr><th>"Monitor"</th><th>"Alerts"</th><th>"Flaps"</th><th>"Reminders"</th><th>"What to change"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table></div>
                }.into_any()
            }}
            <p><a href=csv download="overdue-noisiest.csv">"Download as CSV"</a></p>
        </section>
    }
}

fn out_of_hours(r: &OutOfHoursReport, csv: String) -> impl IntoView {
    let (no_pages, nobody) = (r.channels.is_empty(), r.people.is_empty());
    let channels = r
        .channels
        .iter()
        .map(|c| {
            let name = c.name.clone().unwrap_or_else(|| c.channel.clone());
            view! { <tr><td data-label="Channel">{name}</td><td data-label="Pages">{c.pages.to_string()}</td><td data-label="Out of hours">{c.out_of_hours.to_string()}</td></tr> }
        })
        .collect_view();
    let people = r
        .people
        .iter()
        .map(|p| view! { <tr><td data-label="Who">{p.who.clone()}</td><td data-label="Acknowledged">{p.acknowledged.to_string()}</td><td data-label="Out of hours">{p.out_of_hours.to_string()}</td></tr> })
        .collect_view();
    view! {
        <section id="report-out-of-hours">
            <h2>"Out of hours"</h2>
            {if no_pages {
                view! { <p class="hint">"No pages in this period."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0"><table class="cards">
                        <thead><tr><th>"Channel"</th><th>"Pages"</th><th>"Out of hours"</th></tr></thead>
                        <tbody>{channels}</tbody>
                    </table></div>
                }.into_any()
            }}
            {if nobody {
                view! { <p class="hint">"Nobody acknowledged an alert in this period."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0"><table class="cards">
                        <thead><tr><th>"Who acknowledged"</th><th>"Acknowledged"</th><th>"Out of hours"</th></tr></thead>
                        <tbody>{people}</tbody>
                    </table></div>
                }.into_any()
            }}
            <p>{format!("Quiet hours held back {} messages ({} of them out of hours): {}.",
                r.held.count, r.held_out_of_hours, percentiles(&r.held))}</p>
            <p><a href=csv download="overdue-out-of-hours.csv">"Download as CSV"</a></p>
        </section>
    }
}

fn units(r: &UnitsReport, csv: String) -> impl IntoView {
    let (none, open) = (r.rows.is_empty(), !r.oldest_open.is_empty());
    let rows = r
        .rows
        .iter()
        .map(|k| view! {
            <tr><td data-label="Unit kind">{k.kind.clone()}</td><td data-label="Failed">{k.failed.to_string()}</td>
                <td data-label="Fixed">{k.fixed.to_string()}</td><td data-label="Mean time to fix">{span(k.mean_fix)}</td></tr>
        })
        .collect_view();
    let oldest = r
        .oldest_open
        .iter()
        .map(|u| view! { <li>{u.key.clone()}" — open since "{crate::time::when(Some(u.since.clone()))}</li> })
        .collect_view();
    view! {
        <section id="report-units">
            <h2>"Problems by unit kind"</h2>
            {if none {
                view! { <p class="hint">"No unit problems in this period."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0"><table class="cards">
                        <thead><tr><th>"Unit kind"</th><th>"Failed"</th><th>"Fixed"</th><th>"Mean time to fix"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table></div>
                }.into_any()
            }}
            {open.then(|| view! {
                <h3>"Oldest still open"</h3>
                <ul id="oldest-open">{oldest}</ul>
            })}
            <p><a href=csv download="overdue-units.csv">"Download as CSV"</a></p>
        </section>
    }
}
