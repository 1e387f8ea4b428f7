//! Who works on a project: API keys (listed by prefix, revoked), members and their
//! roles, and invitations (a link with a random token, stored hashed, used once).

use diesel::prelude::*;
use overdue_core::{Role, Timestamp};

use crate::base::schema::{api_keys, invitations, memberships, projects, users};
use crate::base::tx::Tx;
use crate::people::projects::{hash_key, random_text};
use crate::{AnyConnection, StoreError};

/// How long an invitation link works.
pub const INVITATION_MS: i64 = 7 * 86_400_000;

/// An API key as listed (never the key itself).
#[derive(Debug, Clone, Queryable)]
#[allow(missing_docs)]
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub read_only: bool,
    pub created_at: i64,
}

/// The project's API keys, newest first.
pub fn keys(c: &mut AnyConnection, project: &str) -> Result<Vec<KeyRow>, StoreError> {
    Ok(api_keys::table
        .filter(api_keys::project_id.eq(project))
        .order(api_keys::created_at.desc())
        .select((
            api_keys::id,
            api_keys::name,
            api_keys::prefix,
            api_keys::read_only,
            api_keys::created_at,
        ))
        .load(c)?)
}

/// Revokes a key of the project.
pub fn revoke_key(tx: &mut Tx<'_>, project: &str, id: &str) -> Result<(), StoreError> {
    let c = tx.conn();
    let n = diesel::delete(
        api_keys::table
            .filter(api_keys::project_id.eq(project))
            .filter(api_keys::id.eq(id)),
    )
    .execute(c)?;
    if n == 0 {
        return Err(StoreError::NotFound("api key"));
    }
    Ok(())
}

/// A member as listed.
#[derive(Debug, Clone)]
pub struct Member {
    /// User id.
    pub user_id: String,
    /// E-mail.
    pub email: String,
    /// Role in the project.
    pub role: Role,
}

/// The project's members, by e-mail.
pub fn members(c: &mut AnyConnection, project: &str) -> Result<Vec<Member>, StoreError> {
    let rows: Vec<(String, String, String)> = memberships::table
        .inner_join(users::table.on(users::id.eq(memberships::user_id)))
        .filter(memberships::project_id.eq(project))
        .order(users::email.asc())
        .select((users::id, users::email, memberships::role))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(user_id, email, role)| {
            Role::parse(&role).map(|role| Member {
                user_id,
                email,
                role,
            })
        })
        .collect())
}

fn owners(c: &mut AnyConnection, project: &str) -> Result<i64, StoreError> {
    Ok(memberships::table
        .filter(memberships::project_id.eq(project))
        .filter(memberships::role.eq(Role::Owner.as_str()))
        .count()
        .get_result(c)?)
}

fn role_of(c: &mut AnyConnection, project: &str, user: &str) -> Result<Role, StoreError> {
    let role: Option<String> = memberships::table
        .filter(memberships::project_id.eq(project))
        .filter(memberships::user_id.eq(user))
        .select(memberships::role)
        .first(c)
        .optional()?;
    role.as_deref()
        .and_then(Role::parse)
        .ok_or(StoreError::NotFound("member"))
}

/// Changes a member's role (or removes them with `None`); a project keeps at least one
/// owner.
pub fn change_member(
    tx: &mut Tx<'_>,
    project: &str,
    user: &str,
    role: Option<Role>,
) -> Result<(), StoreError> {
    let c = tx.conn();
    let current = role_of(c, project, user)?;
    if current == Role::Owner && role != Some(Role::Owner) && owners(c, project)? <= 1 {
        return Err(StoreError::Conflict(
            "a project needs an owner: make someone else owner first".into(),
        ));
    }
    let target = memberships::table
        .filter(memberships::project_id.eq(project))
        .filter(memberships::user_id.eq(user));
    match role {
        Some(r) => diesel::update(target)
            .set(memberships::role.eq(r.as_str()))
            .execute(c)?,
        None => diesel::delete(target).execute(c)?,
    };
    Ok(())
}

/// Makes an invitation from `by` (a user id; `None` for an API key); returns its id and
/// its token (shown once, in the link).
pub fn invite(
    tx: &mut Tx<'_>,
    project: &str,
    email: &str,
    role: Role,
    by: Option<&str>,
) -> Result<(String, String), StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let token = format!("odi_{}", random_text(32));
    let id = uuid::Uuid::new_v4().hyphenated().to_string();
    diesel::insert_into(invitations::table)
        .values((
            invitations::id.eq(Some(&id)),
            invitations::invited_by.eq(by),
            invitations::token_hash.eq(hash_key(&token)),
            invitations::project_id.eq(project),
            invitations::email.eq(email),
            invitations::role.eq(role.as_str()),
            invitations::created_at.eq(now.0),
            invitations::expires_at.eq(now.0 + INVITATION_MS),
        ))
        .execute(c)?;
    Ok((id, token))
}

/// An invitation not yet used, as the owners see it (never its token).
#[derive(Debug, Clone)]
pub struct Pending {
    /// Its id (to revoke it).
    pub id: String,
    /// Who was invited.
    pub email: String,
    /// The role they get.
    pub role: Role,
    /// Who invited them, when a person did.
    pub invited_by: Option<String>,
    /// When it was made.
    pub created_at: i64,
    /// When the link stops working.
    pub expires_at: i64,
}

/// The project's invitations that can still be taken, newest first.
pub fn pending(
    c: &mut AnyConnection,
    project: &str,
    now: Timestamp,
) -> Result<Vec<Pending>, StoreError> {
    type Row = (Option<String>, String, String, Option<String>, i64, i64);
    let rows: Vec<Row> = invitations::table
        .left_join(users::table.on(invitations::invited_by.eq(users::id.nullable())))
        .filter(invitations::project_id.eq(project))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(now.0))
        .order(invitations::created_at.desc())
        .select((
            invitations::id,
            invitations::email,
            invitations::role,
            users::email.nullable(),
            invitations::created_at,
            invitations::expires_at,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, email, role, by, created_at, expires_at)| {
            Some(Pending {
                id: id?,
                email,
                role: Role::parse(&role)?,
                invited_by: by,
                created_at,
                expires_at,
            })
        })
        .collect())
}

/// Revokes an invitation of the project (its link stops working); `NotFound` when it
/// is unknown or was already taken.
pub fn revoke_invitation(tx: &mut Tx<'_>, project: &str, id: &str) -> Result<(), StoreError> {
    let n = diesel::delete(
        invitations::table
            .filter(invitations::project_id.eq(project))
            .filter(invitations::id.eq(id))
            .filter(invitations::accepted_at.is_null()),
    )
    .execute(tx.conn())?;
    if n == 0 {
        return Err(StoreError::NotFound("invitation"));
    }
    Ok(())
}

/// An invitation that can still be used.
#[derive(Debug, Clone)]
pub struct Invitation {
    /// The project.
    pub project_id: String,
    /// The project's name (shown on the invitation page).
    pub project_name: String,
    /// Who was invited.
    pub email: String,
    /// The role they get.
    pub role: Role,
    /// The e-mail of who invited them, when a person did.
    pub invited_by: Option<String>,
    /// When the link stops working.
    pub expires_at: i64,
}

/// The open invitation of a token; `NotFound` when unknown, used or expired.
pub fn invitation(
    c: &mut AnyConnection,
    token: &str,
    now: Timestamp,
) -> Result<Invitation, StoreError> {
    invitation_by_hash(c, &hash_key(token), now)
}

/// The open invitation whose token hashes to `hash` (as stored with a confirmation link).
pub fn invitation_by_hash(
    c: &mut AnyConnection,
    hash: &str,
    now: Timestamp,
) -> Result<Invitation, StoreError> {
    type Row = (String, String, String, String, Option<String>, i64);
    let row: Option<Row> = invitations::table
        .inner_join(projects::table.on(projects::id.eq(invitations::project_id)))
        .left_join(users::table.on(invitations::invited_by.eq(users::id.nullable())))
        .filter(invitations::token_hash.eq(hash))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::expires_at.gt(now.0))
        .select((
            invitations::project_id,
            projects::name,
            invitations::email,
            invitations::role,
            users::email.nullable(),
            invitations::expires_at,
        ))
        .first(c)
        .optional()?;
    let (project_id, project_name, email, role, invited_by, expires_at) = row.ok_or(
        StoreError::NotFound("invitation (or it was used, revoked or expired)"),
    )?;
    Ok(Invitation {
        project_id,
        project_name,
        email,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        invited_by,
        expires_at,
    })
}

/// Marks the invitation whose token hashes to `hash` used.
pub fn accepted(tx: &mut Tx<'_>, hash: &str) -> Result<(), StoreError> {
    let now = tx.now();
    let c = tx.conn();
    diesel::update(invitations::table.filter(invitations::token_hash.eq(hash)))
        .set(invitations::accepted_at.eq(Some(now.0)))
        .execute(c)?;
    Ok(())
}
