//! `/help/api`: the API reference, rendered from the server's own OpenAPI document
//! (`/api/v1/openapi.json`, generated from the API's types): every operation with its
//! summary, request and response bodies, and every schema with its fields.

use leptos::prelude::*;
use serde_json::Value;

use crate::api::Session;

/// A schema's name from a `$ref`, or its type in words.
fn type_of(s: &Value) -> String {
    if let Some(r) = s["$ref"].as_str() {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    if let Some(items) = s.get("items") {
        return format!("list of {}", type_of(items));
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(list) = s[key].as_array() {
            let parts: Vec<String> = list.iter().map(type_of).collect();
            return parts.join(" or ");
        }
    }
    match &s["type"] {
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "any JSON".into(),
    }
}

/// The body's schema name of a request or response content, if any.
fn body(content: &Value) -> Option<String> {
    content["content"]["application/json"]
        .get("schema")
        .map(type_of)
}

/// A named schema links to its fields below; "any JSON" is just said.
fn schema_link(name: String) -> AnyView {
    if name == "any JSON" {
        return view! { <span class="hint">{name}</span> }.into_any();
    }
    let href = format!("#schema-{name}");
    view! { <a href=href>{name}</a> }.into_any()
}

/// The page.
#[component]
pub fn ApiReference() -> impl IntoView {
    let session = Session::get();
    let doc = RwSignal::new(None::<Result<Value, String>>);
    leptos::task::spawn_local(async move {
        doc.set(Some(
            session.get_json::<Value>("/api/v1/openapi.json").await,
        ));
    });
    let ops = move || {
        let Some(Ok(d)) = doc.get() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (path, item) in d["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                out.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
        out
    };
    let schemas = move || match doc.get() {
        Some(Ok(d)) => d["components"]["schemas"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    view! {
        <h1>"Help: the API"</h1>
        <p class="hint">
            "Every route of /api/v1, generated from the server's types. Send a project key in "
            <code>"X-Api-Key"</code>" (a read-only key reads); errors are "
            <code>"{\"error\": \"<what to fix>\"}"</code>". The machine-readable document: "
            <a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a>"."
        </p>
        {move || match doc.get() {
            None => view! { <p class="hint">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
            Some(Ok(_)) => ().into_any(),
        }}
        <div class="table-wrap" tabindex="0">
        <table id="api-ops">
            <thead><tr><th>"Method"</th><th>"Path"</th><th>"What it does"</th><th>"Body"</th><th>"Answer"</th></tr></thead>
            <tbody>
                {move || ops().into_iter().map(|(m, p, op)| {
                    let req = op.get("requestBody").and_then(body);
                    let resp = op["responses"]["2XX"].clone();
                    let resp = body(&resp);
                    view! {
                        <tr>
                            <td><code>{m}</code></td>
                            <td><code class="path">{p}</code></td>
                            <td>{op["summary"].as_str().unwrap_or_default().to_string()}</td>
                            <td>{req.map(schema_link)}</td>
                            <td>{resp.map(schema_link)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
        <h2>"Schemas"</h2>
        <div id="api-schemas">
            {move || schemas().into_iter().map(|(name, s)| {
                let required: Vec<String> = s["required"].as_array().into_iter().flatten()
                    .filter_map(|v| v.as_str().map(str::to_string)).collect();
                let fields: Vec<(String, Value)> = s["properties"].as_object().into_iter().flatten()
                    .map(|(k, v)| (k.clone(), v.clone())).collect();
                let id = format!("schema-{name}");
                view! {
                    <section class="card" id=id>
                        <h3>{name}</h3>
                        <p class="hint">{s["description"].as_str().unwrap_or_default().to_string()}</p>
                        <div class="table-wrap" tabindex="0">
                        <table>
                            <tbody>
                                {fields.into_iter().map(|(f, v)| {
                                    let req = if required.contains(&f) { "required" } else { "" };
                                    view! {
                                        <tr>
                                            <td><code>{f}</code></td>
                                            <td>{type_of(&v)}</td>
                                            <td>{req}</td>
                                            <td>{v["description"].as_str().unwrap_or_default().to_string()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    </section>
                }
            }).collect_view()}
        </div>
    }
}
