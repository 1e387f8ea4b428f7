//! Overdue's dashboard, rendered in the browser (Leptos, client-side). The server
//! embeds the built files and answers every non-API path with `index.html`.
//!
//! Every user-supplied string reaches the page as a text node (Leptos never parses it as
//! HTML), and the page's Content-Security-Policy allows no inline script.

mod account;
mod alert_rows;
mod alerts;
mod api;
mod api_reference;
mod audit;
mod bulk;
mod chain_form;
mod chain_page;
mod chains;
mod channel_attach;
mod channel_form;
mod channels;
mod deliveries;
mod detail;
mod flow_form;
mod flows;
mod form;
mod glance;
mod help;
mod help_topics;
mod history;
mod invite;
mod kept_aside;
mod live;
mod monitor_row;
mod monitors;
mod operator;
mod passkeys;
mod picker;
mod ping_help;
mod problems;
mod project;
mod project_admin;
mod projects;
mod report_chart;
mod reports;
mod roles;
mod route_body;
mod route_form;
mod routes;
mod run;
mod schedule_preview;
mod second_factor;
mod signup;
mod silences;
mod sso;
mod status_keys;
mod status_pages;
mod strip;
mod team;
mod time;
mod widgets;

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::hooks::use_navigate;
use leptos_router::path;

use crate::api::Session;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

/// What the app knows before showing a page.
#[derive(Clone, Copy, PartialEq)]
enum Boot {
    Loading,
    Setup,
    Ready,
}

#[component]
fn App() -> impl IntoView {
    let session = Session {
        me: RwSignal::new(None),
        project: RwSignal::new(None),
        made: RwSignal::new(None),
    };
    provide_context(session);
    time::Clock::start();
    live::start();
    let boot = RwSignal::new(Boot::Loading);
    // Whether someone is signed in, changing only when that does: a page is drawn
    // again on signing in or out, not each time who-I-am is read again (a rename).
    let signed_in = Memo::new(move |_| session.me.with(Option::is_some));
    leptos::task::spawn_local(async move {
        // Who is signed in is asked only when a session cookie came with the request:
        // a visitor's console shows no 401 (the cookie itself is out of the page's reach).
        let status = api::status().await;
        let me = match &status {
            Ok(s) if !s.session => None,
            _ => api::me().await,
        };
        // Behind an authenticating proxy, the proxy says who this is.
        let me = match me {
            None if status.as_ref().is_ok_and(|s| s.trusted_header) => {
                api::post_open::<_, overdue_types::Me>("/api/v1/auth/proxy", &serde_json::json!({}))
                    .await
                    .ok()
            }
            found => found,
        };
        if let Some(m) = &me {
            session
                .project
                .set(m.projects.first().map(|p| p.id.clone()));
            session.me.set(me);
            boot.set(Boot::Ready);
            return;
        }
        let setup = status.is_ok_and(|s| s.setup_needed);
        boot.set(if setup { Boot::Setup } else { Boot::Ready });
    });
    view! {
        <Router>
            <Glancing/>
            <a class="skip" href="#main">"Skip to content"</a>
            <TopBar/>
            <main id="main" tabindex="-1">
                {move || match (boot.get(), signed_in.get()) {
                    (Boot::Loading, _) => view! { <p class="hint">"Loading…"</p> }.into_any(),
                    (_, false) if open_page() => view! {
                        <Routes fallback=|| ()>
                            <Route path=path!("/invite/:token") view=|| view! { <invite::InvitePage on_joined=joined/> }/>
                            <Route path=path!("/forgot") view=account::ForgotPage/>
                            <Route path=path!("/signup") view=signup::SignupPage/>
                            <Route path=path!("/reset/:token") view=|| view! { <account::ResetPage on_done=joined/> }/>
                            <Route path=path!("/join/:token") view=|| view! { <invite::JoinPage on_joined=joined/> }/>
                        </Routes>
                    }.into_any(),
                    (Boot::Setup, false) => view! { <account::SignForm setup=true on_done=move || boot.set(Boot::Ready)/> }.into_any(),
                    (_, false) => view! { <account::SignForm setup=false on_done=|| ()/> }.into_any(),
                    (_, true) => view! {
                        <Routes fallback=|| view! { <p>"No such page. " <A href="/">"Back to the monitors"</A></p> }>
                            <Route path=path!("/") view=monitors::MonitorsPage/>
                            <Route path=path!("/monitors/new") view=form::NewMonitor/>
                            <Route path=path!("/monitors/:id/edit") view=form::EditMonitor/>
                            <Route path=path!("/monitors/:id") view=detail::MonitorDetail/>
                            <Route path=path!("/runs/:id") view=run::RunPage/>
                            <Route path=path!("/channels") view=channels::ChannelsPage/>
                            <Route path=path!("/alerts") view=alerts::AlertsPage/>
                            <Route path=path!("/chains") view=chains::ChainsPage/>
                            <Route path=path!("/chains/:id") view=chain_page::ChainPage/>
                            <Route path=path!("/routes") view=routes::RoutesPage/>
                            <Route path=path!("/silences") view=silences::SilencesPage/>
                            <Route path=path!("/flows") view=flows::FlowsPage/>
                            <Route path=path!("/problems") view=problems::ProblemsPage/>
                            <Route path=path!("/reports") view=reports::ReportsPage/>
                            <Route path=path!("/team") view=team::TeamPage/>
                            <Route path=path!("/audit") view=audit::AuditLogPage/>
                            <Route path=path!("/projects") view=projects::ProjectsPage/>
                            <Route path=path!("/operator") view=operator::OperatorPage/>
                            <Route path=path!("/account") view=account::AccountPage/>
                            <Route path=path!("/help") view=help::HelpPage/>
                            <Route path=path!("/help/:topic") view=help::HelpTopic/>
                            <Route path=path!("/invite/:token") view=|| view! { <invite::InvitePage on_joined=joined/> }/>
                        </Routes>
                    }.into_any(),
                }}
            </main>
        </Router>
    }
}

/// True on the pages shown signed out: an invitation link, a newcomer's confirmation
/// link, "forgot password", a reset link and sign-up.
fn open_page() -> bool {
    web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .is_some_and(|p| {
            p.starts_with("/invite/")
                || p.starts_with("/join/")
                || p.starts_with("/reset/")
                || p == "/forgot"
                || p == "/signup"
        })
}

/// After joining through an invitation or setting a new password: start over, signed
/// in, on the monitors page.
fn joined(_: overdue_types::Me) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href("/");
    }
}

/// The bar on top: brand, project switcher, the user and sign-out.
#[component]
fn TopBar() -> impl IntoView {
    let session = Session::get();
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let _ = session.act("POST", "/api/v1/auth/logout").await;
            session.me.set(None);
            navigate("/", Default::default());
        });
    };
    view! {
        <header class="top">
            <A href="/" attr:class="brand">"Overdue"</A>
            <Show when=move || session.me.with(Option::is_some)>
                <glance::Nav/>
                <div class="who">
                    <label for="project" class="where">"Project"</label>
                    <select id="project"
                        on:change=move |ev| session.project.set(Some(event_target_value(&ev)))>
                        <For
                            each=move || session.me.get().map(|m| m.projects).unwrap_or_default()
                            // A renamed project or a changed role is drawn anew.
                            key=|p| (p.id.clone(), p.name.clone(), p.role.clone())
                            children=move |p| {
                                let id = p.id.clone();
                                let selected = move || session.project.get().as_deref() == Some(id.as_str());
                                view! { <option value=p.id.clone() selected=selected>{p.name.clone()} " (" {p.role.clone()} ")"</option> }
                            }
                        />
                    </select>
                    <A href="/account" attr:id="account-link" attr:class="account">
                        {move || session.me.get().map(|m| m.email).unwrap_or_default()}
                    </A>
                    <button class="link" id="sign-out" on:click=sign_out.clone()>"Sign out"</button>
                </div>
            </Show>
        </header>
    }
}

/// The title, icon and counts of the open project (needs the router's location).
#[component]
fn Glancing() -> impl IntoView {
    glance::Glance::start();
}
