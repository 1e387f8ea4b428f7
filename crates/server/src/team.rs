//! `/api/v1` for the people and keys of a project: API keys (admins), members and
//! invitations (owners), and taking an invitation (anyone with the link).

use actix_web::{web, HttpResponse};
use overdue_core::{Role, Timestamp};
use overdue_storage::{accounts, projects, team, StoreError};
use overdue_types as t;

use crate::auth::Auth;
use crate::error::ApiError;
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
        .route("/invitations/{id}", web::delete().to(revoke_invitation))
        .route("/auth/accept", web::post().to(accept));
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
    body: crate::body::Body<t::KeyInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_manage()?;
    let body = body.into_inner()?;
    let name = body.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::BadRequest(
            "name: give 1 to 100 characters".into(),
        ));
    }
    let read_only = body.read_only;
    let now = state.store.now();
    let project = auth.project.clone();
    let (id, key) = state
        .store
        .write(move |tx| projects::create_key_with_id(tx, &project, &name, read_only, now))
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
    body: crate::body::Body<t::RoleInput>,
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
    body: crate::body::Body<t::InviteInput>,
) -> Result<HttpResponse, ApiError> {
    auth.require_owner()?;
    let body = body.into_inner()?;
    let email = crate::session::check_email(&body.email).map_err(ApiError::BadRequest)?;
    let r = role(&body.role)?;
    let now = state.store.now();
    let (to, inviter) = (email.clone(), auth.actor.clone());
    let (id, token, project) = state
        .store
        .write(move |tx| {
            let by = auth.user_id.as_deref();
            let (id, token) = team::invite(tx, &auth.project, &email, r, by, now)?;
            Ok((id, token, projects::get(tx.conn(), &auth.project)?.name))
        })
        .await?;
    let url = format!("{}/invite/{token}", state.config.site_url);
    // With an SMTP relay the link is also e-mailed (after the answer, like reset links);
    // the owner sees it either way and can send it another way.
    let emailed = state.config.mailer.clone().map(|mailer| {
        let body = format!(
            "{inviter} invites you to the Overdue project \"{project}\" as {role}.\n\n\
             Open this link within 7 days to join (it works once):\n\n{url}\n\n\
             If you did not expect this, ignore this e-mail.\n",
            role = r.as_str()
        );
        let subject = format!("Join \"{project}\" on Overdue");
        crate::account::mail_later(mailer, to, subject, body, "invitation");
    });
    Ok(HttpResponse::Created().json(t::Invitation {
        id,
        url,
        expires_at: ts(now.0 + team::INVITATION_MS),
        emailed: emailed.is_some(),
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

/// Takes an invitation: a new account is made with the given password; an existing one
/// must give its own password. Either way the answer signs the user in.
async fn accept(
    state: web::Data<AppState>,
    body: crate::body::Body<t::AcceptInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner()?;
    let now = state.store.now();
    let token = input.token.trim().to_string();
    let lookup = token.clone();
    let inv = state
        .store
        .read(move |c| team::invitation(c, &lookup, now))
        .await?;
    let email = inv.email.clone();
    let existing = state
        .store
        .read(move |c| accounts::find_by_email(c, &email))
        .await?;
    let password = input.password.clone();
    let hash = match &existing {
        Some(u) => {
            let stored = u.password_hash.clone();
            let ok = web::block(move || crate::session::verify_password(&password, &stored))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            if !ok {
                return Err(ApiError::Unauthorized(
                    "this e-mail has an account: give its password",
                ));
            }
            None
        }
        None => {
            let creds = t::Credentials {
                email: inv.email.clone(),
                password: password.clone(),
            };
            crate::session::check_credentials(&creds).map_err(ApiError::BadRequest)?;
            let h = web::block(move || crate::session::hash_password(&password))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?
                .map_err(ApiError::Internal)?;
            Some(h)
        }
    };
    let existing_id = existing.map(|u| u.id);
    let (user_id, email, session) = state
        .store
        .write(move |tx| {
            // Re-checked in the transaction: one link, one use.
            let inv = team::invitation(tx.conn(), &token, now)?;
            let user_id = match (existing_id, hash) {
                (Some(id), _) => id,
                (None, Some(h)) => accounts::create_user(tx, &inv.email, &h, now)?.id,
                (None, None) => return Err(StoreError::Internal("no password hash".into())),
            };
            accounts::set_role(tx, &inv.project_id, &user_id, inv.role, now)?;
            team::accepted(tx, &token, now)?;
            let s = accounts::create_session(tx, &user_id, now)?;
            Ok((user_id, inv.email, s))
        })
        .await?;
    crate::session::signed_in(&state, user_id, email, session).await
}
