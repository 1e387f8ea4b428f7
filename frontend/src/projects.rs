//! `/projects`: every project of the signed-in person with its monitors, down, late,
//! open alerts and problems now, read again every few seconds; a project's name opens
//! it (docs/behaviour.md, "Projects").

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use overdue_types::{ProjectOverview, ProjectsOverview};

use crate::api::Session;

/// The page.
#[component]
pub fn ProjectsPage() -> impl IntoView {
    let session = Session::get();
    let rows = RwSignal::new(None::<Vec<ProjectOverview>>);
    let error = RwSignal::new(None::<String>);
    let load = move || {
        leptos::task::spawn_local(async move {
            match session
                .get_json::<ProjectsOverview>("/api/v1/projects")
                .await
            {
                Ok(p) => {
                    error.set(None);
                    rows.set(Some(p.projects));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load();
    let handle = set_interval_with_handle(load, std::time::Duration::from_secs(5)).ok();
    on_cleanup(move || {
        if let Some(h) = handle {
            h.clear();
        }
    });
    let navigate = use_navigate();
    let open = move |id: String| {
        session.project.set(Some(id));
        navigate("/", Default::default());
    };
    view! {
        <h1>"Your projects"</h1>
        <p class="hint">"Each project you belong to, with what needs attention now. Open one to work in it."</p>
        {move || session.me.get().filter(|m| m.operator).map(|_| view! {
            <p><a href="/operator" id="operator-link">"Every project on this server"</a>" (you are one of its operators)"</p>
        })}
        {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        {move || rows.get().map(|list| {
            let open = open.clone();
            view! {
                <table class="cards" id="projects-overview">
                    <thead><tr><th>"Project"</th><th>"Your role"</th><th>"Monitors"</th><th>"Down"</th><th>"Late"</th><th>"Open alerts"</th><th>"Open problems"</th></tr></thead>
                    <tbody>
                        {list.into_iter().map(|p| {
                            let open = open.clone();
                            let id = p.id.clone();
                            let here = session.project.get_untracked().as_deref() == Some(p.id.as_str());
                            let down = p.down > 0;
                            view! {
                                <tr class:failed=down>
                                    <td data-label="Project">
                                        <button type="button" class="link" on:click=move |_| open(id.clone())>{p.name.clone()}</button>
                                        {here.then(|| view! { " " <span class="hint">"(open now)"</span> })}
                                        {p.requires_second_factor.then(|| view! { " " <span class="hint">"· second factor required"</span> })}
                                    </td>
                                    <td data-label="Your role">{p.role.clone()}</td>
                                    <td data-label="Monitors">{p.monitors}</td>
                                    <td data-label="Down">{p.down}</td>
                                    <td data-label="Late">{p.late}</td>
                                    <td data-label="Open alerts">{p.open_alerts}</td>
                                    <td data-label="Open problems">{p.open_problems}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
        })}
    }
}
