//! `/help`: a search box over the help pages, "Getting started" and the concept pages
//! (`help_topics`), and the API reference one click away (`/help/api`); `/help/<slug>`
//! shows one page.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::help_topics::{search, Block, Topic, TOPICS};

/// The help hub.
#[component]
pub fn HelpPage() -> impl IntoView {
    let query = RwSignal::new(String::new());
    let found = Memo::new(move |_| {
        query.with(|q| {
            search(q)
                .into_iter()
                .map(|(t, s)| (t.slug, t.title, s))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <h1>"Help"</h1>
        <label for="help-search">"Search the help"</label>
        <input id="help-search" type="search" autocomplete="off" placeholder="e.g. grace, quiet hours, OnCalendar"
            prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
        <div id="help-results" role="status">
            {move || {
                let q = query.get();
                if q.trim().is_empty() {
                    return ().into_any();
                }
                let hits = found.get();
                if hits.is_empty() {
                    return view! { <p class="hint">{format!("Nothing in the help mentions \"{}\". Try fewer words, or the API reference.", q.trim())}</p> }.into_any();
                }
                view! {
                    <p class="hint">{if hits.len() == 1 { "1 page".to_string() } else { format!("{} pages", hits.len()) }}</p>
                    <ul class="help-hits">
                        {hits.into_iter().map(|(slug, title, sentence)| view! {
                            <li><A href=format!("/help/{slug}")>{title}</A><br/><span class="hint">{sentence}</span></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </div>
        <ul class="help-topics" id="help-topics">
            {TOPICS.iter().map(|t| view! {
                <li class="card">
                    <h2><A href=format!("/help/{}", t.slug)>{t.title}</A></h2>
                    <p class="hint">{t.summary}</p>
                </li>
            }).collect_view()}
            <li class="card">
                <h2><A href="/help/api">"API reference"</A></h2>
                <p class="hint">"Every route of /api/v1 with its fields, from the server's OpenAPI document."</p>
            </li>
        </ul>
    }
}

fn block(b: &Block) -> AnyView {
    match b {
        Block::P(s) => view! { <p>{*s}</p> }.into_any(),
        Block::H(s) => view! { <h2>{*s}</h2> }.into_any(),
        Block::Code(s) => view! { <pre class="wrap"><code>{*s}</code></pre> }.into_any(),
        Block::List(items) => view! {
            <ul>{items.iter().map(|i| view! { <li>{*i}</li> }).collect_view()}</ul>
        }
        .into_any(),
        Block::Table(rows) => {
            let (head, rest) = rows
                .split_first()
                .map(|(h, r)| (*h, r))
                .unwrap_or((&[], &[]));
            view! {
                <div class="table-wrap" tabindex="0">
                    <table>
                        <thead><tr>{head.iter().map(|c| view! { <th>{*c}</th> }).collect_view()}</tr></thead>
                        <tbody>
                            {rest.iter().map(|r| view! {
                                <tr>{r.iter().enumerate().map(|(i, c)| if i == 0 {
                                    view! { <td><code>{*c}</code></td> }.into_any()
                                } else {
                                    view! { <td>{*c}</td> }.into_any()
                                }).collect_view()}</tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    }
}

fn page(t: &'static Topic) -> AnyView {
    view! {
        <p><A href="/help">"← Help"</A></p>
        <h1>{t.title}</h1>
        <p class="hint">{t.summary}</p>
        <article class="card help-page" id="help-page">
            {t.body.iter().map(block).collect_view()}
        </article>
    }
    .into_any()
}

/// `/help/<slug>`: one page, or the API reference for `api`.
#[component]
pub fn HelpTopic() -> impl IntoView {
    let params = use_params_map();
    move || {
        let slug = params.with(|p| p.get("topic").unwrap_or_default());
        if slug == "api" {
            return view! { <crate::api_reference::ApiReference/> }.into_any();
        }
        match TOPICS.iter().find(|t| t.slug == slug) {
            Some(t) => page(t),
            None => view! {
                <h1>"Help"</h1>
                <p class="error" role="alert">{format!("There is no help page called \"{slug}\".")}</p>
                <p><A href="/help">"All help pages"</A></p>
            }
            .into_any(),
        }
    }
}
