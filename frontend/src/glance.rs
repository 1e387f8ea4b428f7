//! The project at a glance, on every page: the tab's title and icon say how many
//! monitors are down, the navigation counts open alerts and problems and marks the
//! current page, and on a phone it folds into a menu. The counts come from
//! `GET /api/v1/summary`, fetched again (at most once a second) whenever the live stream
//! says something changed.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use overdue_types::Summary;

use crate::api::Session;

/// The latest summary of the open project; provided by the app.
#[derive(Clone, Copy)]
pub struct Glance {
    /// `None` until loaded (and while signed out).
    pub summary: RwSignal<Option<Summary>>,
    /// Something changed since the last fetch.
    stale: RwSignal<bool>,
    session: Session,
}

impl Glance {
    /// Creates the glance, keeps it fresh for the open project, and keeps the tab's
    /// title and icon true.
    pub fn start() {
        let session = Session::get();
        let g = Glance {
            summary: RwSignal::new(None),
            stale: RwSignal::new(false),
            session,
        };
        provide_context(g);
        Effect::new(move |_| {
            session.project.track();
            if session.me.with(Option::is_none) {
                g.summary.set(None);
                return;
            }
            g.fetch();
        });
        listen(g.stale);
        // Changes arrive in bursts: fetch at most once a second, and every 30 s for
        // what no event announces (a monitor turning late).
        let ticks = std::cell::Cell::new(0u32);
        let _ = set_interval_with_handle(
            move || {
                ticks.set(ticks.get().wrapping_add(1));
                if g.stale.get_untracked() || ticks.get().is_multiple_of(60) {
                    g.stale.set(false);
                    g.fetch();
                }
            },
            std::time::Duration::from_millis(500),
        );
        let location = use_location();
        Effect::new(move |_| {
            let page = page_name(&location.pathname.get());
            let down = g.summary.with(|s| s.as_ref().map_or(0, |s| s.down));
            set_title_and_icon(page, down);
        });
    }

    /// The glance from context.
    pub fn get() -> Glance {
        expect_context::<Glance>()
    }

    /// Marks the counts as outdated (a change made from this page).
    pub fn touch(&self) {
        self.stale.set(true);
    }

    fn fetch(self) {
        let session = self.session;
        if session.me.with_untracked(Option::is_none) {
            return;
        }
        leptos::task::spawn_local(async move {
            if let Ok(s) = session.get_json::<Summary>("/api/v1/summary").await {
                crate::time::set_zone(&s.tz);
                self.summary.set(Some(s));
            }
        });
    }
}

/// Any change on the project's live stream marks the counts stale.
fn listen(stale: RwSignal<bool>) {
    crate::live::listen(&["message", "flow", "resync"], move |_| stale.set(true));
}

/// The page's name from its path, for the tab's title.
fn page_name(path: &str) -> &'static str {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "" | "monitors" => "Monitors",
        "runs" => "Run",
        "alerts" => "Alerts",
        "problems" => "Problems",
        "chains" => "Chains",
        "flows" => "Flows",
        "channels" => "Channels",
        "routes" => "Routes",
        "silences" => "Silences",
        "team" => "Team",
        "account" => "Account",
        "help" => "Help",
        "invite" => "Invitation",
        "reset" => "New password",
        _ => "Overdue",
    }
}

/// "(2 down) Monitors · Overdue", and an icon: a red disc with the count while
/// monitors are down, a green one otherwise.
fn set_title_and_icon(page: &str, down: i64) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let prefix = if down > 0 {
        format!("({down} down) ")
    } else {
        String::new()
    };
    doc.set_title(&format!("{prefix}{page} · Overdue"));
    let (fill, text) = if down > 0 {
        (
            "%23c62828",
            if down > 99 {
                "99+".into()
            } else {
                down.to_string()
            },
        )
    } else {
        ("%2318864b", String::new())
    };
    let svg = format!(
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'>\
         <circle cx='16' cy='16' r='15' fill='{fill}'/>\
         <text x='16' y='22' font-size='{}' font-family='sans-serif' font-weight='700' \
         text-anchor='middle' fill='white'>{text}</text></svg>",
        if text.len() > 2 { 12 } else { 18 }
    );
    if let Some(link) = doc.get_element_by_id("favicon") {
        let _ = link.set_attribute("href", &svg);
        let _ = link.set_attribute("data-down", &down.to_string());
    }
}

/// Whether `href` is the current page (the monitors link also stands for a monitor's
/// pages).
fn current(path: &str, href: &str) -> bool {
    match href {
        "/" => path == "/" || path.starts_with("/monitors/") || path.starts_with("/runs/"),
        h => path == h || path.starts_with(&format!("{h}/")),
    }
}

/// The navigation: links with counts, the current one marked; a menu button on a phone.
#[component]
pub fn Nav() -> impl IntoView {
    let g = Glance::get();
    let location = use_location();
    let open = RwSignal::new(false);
    // Following a link closes the menu.
    Effect::new(move |_| {
        location.pathname.track();
        open.set(false);
    });
    let link = move |href: &'static str,
                     label: &'static str,
                     count: Option<fn(&Summary) -> i64>| {
        let aria = move || current(&location.pathname.get(), href).then_some("page");
        let n =
            move || count.and_then(|f| g.summary.with(|s| s.as_ref().map(f)).filter(|n| *n > 0));
        view! {
            <A href=href attr:aria-current=aria attr:class="nav-link">
                {label}
                {move || n().map(|n| view! {
                    // Past 99 the badge says "99+" (the exact count is read out), so the
                    // bar keeps one line whatever the counts.
                    <span class="count" data-count=n.to_string()>
                        <span aria-hidden="true">{if n > 99 { "99+".to_string() } else { n.to_string() }}</span>
                        <span class="visually-hidden">{format!("{n}{}", match label { "Alerts" => " open", _ => " unresolved" })}</span>
                    </span>
                })}
            </A>
        }
    };
    view! {
        <button class="menu-toggle" aria-expanded=move || open.get().to_string() aria-controls="nav"
            on:click=move |_| open.update(|o| *o = !*o)>
            "Menu"
            {move || g.summary.with(|s| s.as_ref().map(|s| s.open_alert_rows).filter(|n| *n > 0)).map(|n| view! {
                <span class="count">{n.to_string()}<span class="visually-hidden">" open alerts"</span></span>
            })}
        </button>
        <nav id="nav" aria-label="Main" class:open=move || open.get()>
            {link("/", "Monitors", None)}
            {link("/alerts", "Alerts", Some(|s| s.open_alert_rows))}
            {link("/problems", "Problems", Some(|s| s.open_problems))}
            {link("/chains", "Chains", None)}
            {link("/flows", "Flows", None)}
            {link("/reports", "Reports", None)}
            {link("/channels", "Channels", None)}
            {link("/routes", "Routes", None)}
            {link("/silences", "Silences", None)}
            {link("/team", "Team", None)}
            {link("/help", "Help", None)}
        </nav>
    }
}
