//! `GET /api/v1/projects`: the signed-in person's projects with their down, late and
//! open-alert counts now (docs/behaviour.md, "Projects"), for the overview page that
//! refreshes itself.

use actix_web::{web, HttpResponse};
use overdue_storage::monitoring::summary::{self, count_of};
use overdue_storage::people::accounts;
use overdue_types as t;

use crate::http::auth::SignedIn;
use crate::http::error::ApiError;
use crate::AppState;

/// The person's projects with their counts.
pub async fn list(state: web::Data<AppState>, who: SignedIn) -> Result<HttpResponse, ApiError> {
    let user = who.user.user_id.clone();
    let now = state.store.now();
    let mine = state
        .store
        .read(move |c| accounts::memberships_of(c, &user))
        .await?;
    let ids: Vec<String> = mine.iter().map(|m| m.project_id.clone()).collect();
    let counts = state
        .store
        .read(move |c| summary::of_projects(c, &ids, now))
        .await?;
    let projects = mine
        .into_iter()
        .zip(counts)
        .map(|(m, s)| t::ProjectOverview {
            id: m.project_id,
            name: m.project_name,
            role: m.role.as_str().to_string(),
            requires_second_factor: m.requires_second_factor,
            monitors: s.shown.iter().map(|(_, n)| n).sum(),
            down: count_of(&s.shown, "down"),
            late: count_of(&s.shown, "late"),
            open_alerts: s.open_alerts,
            open_problems: s.open_problems,
        })
        .collect();
    Ok(HttpResponse::Ok().json(t::ProjectsOverview { projects }))
}
