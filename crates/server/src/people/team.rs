//! `/api/v1` for the people and keys of a project: API keys (admins), members and
//! invitations (owners). Taking an invitation is [`crate::people::joining`].

use actix_web::{web, HttpResponse};
use overdue_core::{Role, Timestamp};
use overdue_storage::base::outbox::{AccountMail, LINK};
use overdue_storage::{people::joining, people::projects, people::team};
use overdue_types as t;

use crate::http::auth::Auth;
use crate::http::error::ApiError;
use crate::{parse_id, AppState};

/// Routes under `/api/v1`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/keys", web::get().to(list_keys))
        .route("/keys", web::post().to(create_key))
        .route("/keys/{id}", web::delete().to(revoke_key))
        .route("/members", web::get().to(list_members))
        .route("/members/{id}", web::patch().to(change_member))
        .route("/members/{id}", web::delete().to(remove_member))
        .route("/invitations", web::get().to(list_invitations))
        .route("/invitations", web::post().to(invite))
        .route("/invitations/{id}", web::delete().to(revoke_invitation));
}

fn ts(ms: i64) -> String {
    Timestamp(ms).to_rfc3339()
}

fn role(text: &str) -> Result<Role, ApiError> {
    Role::parse(text.trim()).ok_or_else(|| {
        ApiError::BadRequest(format!("role {text:?}: use owner, admin, member or viewer"))
    })
}

async fn list_keys(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let rows = state
        .store
        .read(move |c| team::keys(c, &auth.project))
        .await?;
    let out: Vec<t::ApiKey> = rows
        .into_iter()
        .map(|k| t::ApiKey {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            read_only: k.read_only,
            created_at: ts(k.created_at),
            key: None,
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "keys": out })))
}

async fn create_key(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::KeyInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let body = body.into_inner()?;
    let name = overdue_core::text::name("name", &body.name, 100).map_err(ApiError::BadRequest)?;
    let read_only = body.read_only;
    let now = state.store.now();
    let project = auth.project.clone();
    let (id, key) = state
        .store
        .write(move |tx| projects::create_key_with_id(tx, &project, &name, read_only))
        .await?;
    Ok(HttpResponse::Created().json(t::ApiKey {
        id,
        name: body.name.trim().to_string(),
        prefix: key.chars().take(8).collect(),
        read_only,
        created_at: ts(now.0),
        key: Some(key),
    }))
}

async fn revoke_key(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let id = parse_id(&path, "api key")?;
    state
        .store
        .write(move |tx| team::revoke_key(tx, &auth.project, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list_members(auth: Auth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let rows = state
        .store
        .read(move |c| team::members(c, &auth.project))
        .await?;
    let out: Vec<t::Member> = rows
        .into_iter()
        .map(|m| t::Member {
            user_id: m.user_id,
            email: m.email,
            role: m.role.as_str().to_string(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "members": out })))
}

async fn change_member(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: crate::http::body::Body<t::RoleInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_owner()?;
    let user = parse_id(&path, "user")?;
    let r = role(&body.into_inner()?.role)?;
    state
        .store
        .write(move |tx| team::change_member(tx, &auth.project, &user, Some(r)))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn remove_member(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_owner()?;
    let user = parse_id(&path, "user")?;
    state
        .store
        .write(move |tx| team::change_member(tx, &auth.project, &user, None))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn invite(
    auth: Auth,
    state: web::Data<AppState>,
    body: crate::http::body::Body<t::InviteInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_owner()?;
    let body = body.into_inner()?;
    let email =
        overdue_core::credentials::check_email(&body.email).map_err(ApiError::BadRequest)?;
    let r = role(&body.role)?;
    let now = state.store.now();
    let emailed = state.config.mailer.is_some();
    let link_base = format!("{}/invite/", state.config.site_url);
    let inv = joining::NewInvitation {
        project: auth.project.clone(),
        email,
        role: r,
        by: auth.user_id.clone(),
        actor: auth.actor.clone(),
    };
    let (inviter, to) = (auth.actor.clone(), inv.email.clone());
    // With an SMTP relay the link is also e-mailed, through the outbox in the same unit
    // of work (docs/security.md, "Account mail"); the owner sees it either way and can
    // send it another way.
    let mail = emailed.then_some(move |project: &str| AccountMail {
        to,
        subject: format!("Join \"{project}\" on Overdue"),
        body: format!(
            "{inviter} invites you to the Overdue project \"{project}\" as {role}.\n\n\
             Open this link within 7 days to join (it works once):\n\n{LINK}\n\n\
             If you did not expect this, ignore this e-mail.\n",
            role = r.as_str()
        ),
        link: None,
    });
    let (id, token) = state
        .store
        .write(move |tx| joining::invite(tx, &inv, mail, &link_base))
        .await?;
    let url = format!("{}/invite/{token}", state.config.site_url);
    Ok(HttpResponse::Created().json(t::Invitation {
        id,
        url,
        expires_at: ts(now.0 + team::INVITATION_MS),
        emailed,
    }))
}

/// The invitations not yet taken (owners: they are the ones who invite).
async fn list_invitations(
    auth: Auth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    auth.require_owner()?;
    let now = state.store.now();
    let rows = state
        .store
        .read(move |c| team::pending(c, &auth.project, now))
        .await?;
    let out: Vec<t::PendingInvitation> = rows
        .into_iter()
        .map(|p| t::PendingInvitation {
            id: p.id,
            email: p.email,
            role: p.role.as_str().to_string(),
            invited_by: p.invited_by,
            created_at: ts(p.created_at),
            expires_at: ts(p.expires_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "invitations": out })))
}

/// Revokes an invitation: its link stops working at once.
async fn revoke_invitation(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require_owner()?;
    let id = parse_id(&path, "invitation")?;
    state
        .store
        .write(move |tx| team::revoke_invitation(tx, &auth.project, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
