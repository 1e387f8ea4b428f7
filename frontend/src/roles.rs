//! Roles in words on the Team page (docs/security.md, "Roles"): what each may do, and
//! the role change waiting for its confirmation.

use leptos::prelude::*;

/// A role change asked for and not yet confirmed: its control (put back on cancel), the
/// member, and the role before.
#[derive(Clone)]
pub struct RoleChange {
    /// The member's role control.
    pub select: web_sys::HtmlSelectElement,
    /// The member's user id.
    pub id: String,
    /// The member's e-mail.
    pub email: String,
    /// The role before.
    pub was: String,
}

/// What each role may do, as docs/security.md's table says.
const ROLES: &[(&str, &str)] = &[
    ("viewer", "reads monitors, runs, alerts, problems, flows and reports; never sees a ping URL or a secret"),
    ("member", "also creates, edits, pauses and deletes monitors and chains, acknowledges and resolves alerts and problems, and silences"),
    ("admin", "also manages channels, routes, flows and calendars, API keys, status pages and the project's settings, and reads the audit log"),
    ("owner", "also invites and removes members and changes roles, renames, hands over or deletes the project and may require a second factor of its members; a project keeps at least one owner"),
];

/// "an admin", "a member".
pub fn article(role: &str) -> String {
    let an = role.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {role}", if an { "an" } else { "a" })
}

/// What `role` may do, as a sentence.
pub fn what(role: &str) -> String {
    ROLES
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(r, d)| format!("{} {d}.", capital(&article(r))))
        .unwrap_or_default()
}

fn capital(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The roles table, folded.
#[component]
pub fn RolesTable() -> impl IntoView {
    view! {
        <details id="roles-help">
            <summary>"What each role may do"</summary>
            <ul>
                {ROLES.iter().map(|(r, d)| view! { <li><strong>{*r}</strong>" — "{*d}</li> }).collect_view()}
            </ul>
        </details>
    }
}
