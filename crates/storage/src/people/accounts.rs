//! Users, their roles in projects, and sign-in sessions. Passwords arrive here already
//! hashed (argon2, by the server); session tokens are random and stored as SHA-256
//! hashes, like API keys.

use diesel::prelude::*;
use overdue_core::{Role, Timestamp};
use uuid::Uuid;

use crate::base::schema::{memberships, projects, sessions, users};
use crate::base::tx::Tx;
use crate::people::projects::{hash_key, random_text};
use crate::{AnyConnection, StoreError};

/// How long a session lasts without signing in again.
pub const SESSION_MS: i64 = 30 * 86_400_000;

/// A user.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
#[allow(missing_docs)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: i64,
}

/// A new session: the cookie's token (shown once) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Goes in the HttpOnly cookie.
    pub token: String,
    /// Must come back in `X-CSRF-Token` on every state-changing request.
    pub csrf_token: String,
}

/// A valid session with its user.
#[derive(Debug, Clone)]
pub struct SessionUser {
    /// The user.
    pub user_id: String,
    /// Their e-mail.
    pub email: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// They have a second factor (docs/security.md, "Second factor").
    pub second_factor: bool,
}

/// Number of users (0: the instance waits for its first account).
pub fn count(c: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(users::table.count().get_result(c)?)
}

/// A new one-time setup link's token while the instance has no account (`None`: it
/// has one, and no link is made); docs/security.md, "The first account".
pub fn setup_link(tx: &mut Tx<'_>) -> Result<Option<String>, StoreError> {
    if count(tx.conn())? > 0 {
        return Ok(None);
    }
    crate::people::setup_links::make(tx).map(Some)
}

/// The project a user joins when none is named: the instance's first, or "Default",
/// made here on an empty instance.
pub fn default_project(tx: &mut Tx<'_>) -> Result<String, StoreError> {
    match crate::people::projects::count(tx.conn())? {
        0 => Ok(crate::people::projects::create(tx, "Default")?.id),
        _ => Ok(crate::people::projects::any(tx.conn())?.id),
    }
}

/// A user added by [`add_user`]: the row, the project they joined, and their role there.
pub struct AddedUser {
    /// The new user.
    pub user: UserRow,
    /// The project they are a member of.
    pub project_id: String,
    /// Their role in it.
    pub role: Role,
}

/// Adds a user (`password_hash` already made) as a member of `project` (id or name;
/// default: [`default_project`]) with `role` (default: owner for the instance's first
/// user, else member). One operation for the first-user setup and `overdue user create`.
pub fn add_user(
    tx: &mut Tx<'_>,
    email: &str,
    password_hash: &str,
    role: Option<Role>,
    project: Option<&str>,
) -> Result<AddedUser, StoreError> {
    let project_id = match project.map(str::trim) {
        Some(p) => match crate::people::projects::get(tx.conn(), p) {
            Ok(row) => row.id,
            Err(StoreError::NotFound(_)) => {
                return Err(StoreError::Invalid(format!(
                    "project {p:?}: no such project"
                )))
            }
            Err(e) => return Err(e),
        },
        None => default_project(tx)?,
    };
    let first = count(tx.conn())? == 0;
    let role = role.unwrap_or(if first { Role::Owner } else { Role::Member });
    let user = create_user(tx, email, password_hash)?;
    set_role(tx, &project_id, &user.id, role)?;
    Ok(AddedUser {
        user,
        project_id,
        role,
    })
}

/// Creates a user; `Conflict` when the e-mail is taken.
pub fn create_user(
    tx: &mut Tx<'_>,
    email: &str,
    password_hash: &str,
) -> Result<UserRow, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let row = UserRow {
        id: Uuid::new_v4().hyphenated().to_string(),
        email: email.to_string(),
        password_hash: password_hash.to_string(),
        created_at: now.0,
    };
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&row.id),
            users::email.eq(&row.email),
            users::password_hash.eq(&row.password_hash),
            users::created_at.eq(row.created_at),
        ))
        .execute(c)
        .map_err(|e| {
            let e = StoreError::from(e);
            if e.is_unique_violation() {
                StoreError::Conflict(format!("a user with e-mail {email} already exists"))
            } else {
                e
            }
        })?;
    Ok(row)
}

/// The user with this e-mail.
pub fn find_by_email(c: &mut AnyConnection, email: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(c)
        .optional()?)
}

/// The e-mail of a user; `NotFound` when unknown.
pub fn email_of(c: &mut AnyConnection, user: &str) -> Result<String, StoreError> {
    users::table
        .filter(users::id.eq(user))
        .select(users::email)
        .first(c)
        .optional()?
        .ok_or(StoreError::NotFound("user"))
}

/// Gives `user` a role in `project` (replacing any earlier one).
pub fn set_role(tx: &mut Tx<'_>, project: &str, user: &str, role: Role) -> Result<(), StoreError> {
    let now = tx.now();
    let c = tx.conn();
    diesel::delete(
        memberships::table
            .filter(memberships::project_id.eq(project))
            .filter(memberships::user_id.eq(user)),
    )
    .execute(c)?;
    diesel::insert_into(memberships::table)
        .values((
            memberships::project_id.eq(project),
            memberships::user_id.eq(user),
            memberships::role.eq(role.as_str()),
            memberships::created_at.eq(now.0),
        ))
        .execute(c)?;
    Ok(())
}

/// A project the user belongs to, with its name and the user's role.
#[derive(Debug, Clone)]
pub struct Membership {
    /// Project id.
    pub project_id: String,
    /// Project name.
    pub project_name: String,
    /// The user's role there.
    pub role: Role,
    /// The project needs its members to have a second factor.
    pub requires_second_factor: bool,
}

/// The user's projects, oldest membership first (the first is the default).
pub fn memberships_of(c: &mut AnyConnection, user: &str) -> Result<Vec<Membership>, StoreError> {
    let rows: Vec<(String, String, String, bool)> = memberships::table
        .inner_join(projects::table.on(projects::id.eq(memberships::project_id)))
        .filter(memberships::user_id.eq(user))
        .order((memberships::created_at.asc(), projects::name.asc()))
        .select((
            memberships::project_id,
            projects::name,
            memberships::role,
            projects::require_second_factor,
        ))
        .load(c)?;
    Ok(rows
        .into_iter()
        .filter_map(|(project_id, project_name, role, requires)| {
            Role::parse(&role).map(|role| Membership {
                project_id,
                project_name,
                role,
                requires_second_factor: requires,
            })
        })
        .collect())
}

/// The first user's sign-up: refused with `Conflict(taken)` once any account exists
/// (checked inside the unit of work, so two racing setups make one owner); the user
/// owns the default project and is signed in.
pub fn set_up_first(
    tx: &mut Tx<'_>,
    email: &str,
    password_hash: &str,
    taken: &str,
    token: &str,
) -> Result<(UserRow, NewSession), StoreError> {
    if count(tx.conn())? > 0 {
        return Err(StoreError::Conflict(taken.into()));
    }
    // The link's token is spent here, and every other link with it: one first owner.
    if !crate::people::setup_links::spend(tx.conn(), token)? {
        return Err(StoreError::Conflict(taken.into()));
    }
    let added = add_user(tx, email, password_hash, Some(Role::Owner), None)?;
    let session = create_session(tx, &added.user.id)?;
    Ok((added.user, session))
}

/// A project made by a signed-in user, who owns it. With `owners_only` the user must
/// own a project already (`Capped` names the setting otherwise); the operator's cap of
/// projects per user holds.
pub fn create_project(
    tx: &mut Tx<'_>,
    user: &str,
    name: &str,
    owners_only: bool,
) -> Result<crate::people::projects::CreatedProject, StoreError> {
    if owners_only {
        let owns = memberships_of(tx.conn(), user)?
            .iter()
            .any(|m| m.role == overdue_core::Role::Owner);
        if !owns {
            return Err(StoreError::Capped(
                "only owners of a project may create projects on this server \
                 (OVERDUE_PROJECT_CREATION=owners): ask an owner"
                    .into(),
            ));
        }
    }
    let caps = tx.caps();
    caps.check_projects(tx.conn(), user)?;
    let p = crate::people::projects::create(tx, name)?;
    set_role(tx, &p.id, user, overdue_core::Role::Owner)?;
    Ok(p)
}

/// The name of the project a new account of its own starts with (signed up, or made
/// through the proxy); renamed at will.
pub const OWN_PROJECT: &str = "My project";

/// Signs in the person an authenticating proxy names (docs/security.md, "Trusted
/// header"): their account, or — where `may_create` (the sign-up mode admits the
/// address) — a new one owning a project of its own, with no password (the proxy is
/// how they sign in; "forgot password" can give them one). Returns the user's id and
/// the session; `Capped` in words when there is no account and none may be made.
pub fn proxy_sign_in(
    tx: &mut Tx<'_>,
    email: &str,
    may_create: bool,
) -> Result<(String, NewSession), StoreError> {
    let user = match find_by_email(tx.conn(), email)? {
        Some(u) => u.id,
        None if may_create => {
            // No argon2 hash matches "!": no password signs in until one is set.
            let u = create_user(tx, email, "!")?;
            create_project(tx, &u.id, OWN_PROJECT, false)?;
            u.id
        }
        None => {
            return Err(StoreError::Capped(format!(
                "there is no account for {email} on this server: ask the owner of a project \
                 to invite you"
            )))
        }
    };
    let session = create_session(tx, &user)?;
    Ok((user, session))
}

/// Starts a session for `user`.
pub fn create_session(tx: &mut Tx<'_>, user: &str) -> Result<NewSession, StoreError> {
    let now = tx.now();
    let c = tx.conn();
    let s = NewSession {
        token: format!("ods_{}", random_text(40)),
        csrf_token: random_text(32),
    };
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(hash_key(&s.token)),
            sessions::user_id.eq(user),
            sessions::csrf_token.eq(&s.csrf_token),
            sessions::created_at.eq(now.0),
            sessions::expires_at.eq(now.0 + SESSION_MS),
        ))
        .execute(c)?;
    Ok(s)
}

/// The session of a cookie token, when it exists and has not expired.
pub fn session(
    c: &mut AnyConnection,
    token: &str,
    now: Timestamp,
) -> Result<Option<SessionUser>, StoreError> {
    use crate::base::schema::second_factors as sf;
    let row: Option<(String, String, String, Option<i64>)> = sessions::table
        .inner_join(users::table.on(users::id.eq(sessions::user_id)))
        .left_join(sf::table.on(sf::user_id.eq(users::id)))
        .filter(sessions::token_hash.eq(hash_key(token)))
        .filter(sessions::expires_at.gt(now.0))
        .select((
            users::id,
            users::email,
            sessions::csrf_token,
            sf::enabled_at.nullable(),
        ))
        .first(c)
        .optional()?;
    Ok(
        row.map(|(user_id, email, csrf_token, enabled)| SessionUser {
            user_id,
            email,
            csrf_token,
            second_factor: enabled.is_some(),
        }),
    )
}

/// Ends a session (signing out); unknown tokens are ignored.
pub fn delete_session(tx: &mut Tx<'_>, token: &str) -> Result<(), StoreError> {
    let c = tx.conn();
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(hash_key(token)))).execute(c)?;
    Ok(())
}

/// Storage's own quick tests: one unit of work on an in-memory SQLite database.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::conn::{write_tx, DbUrl};

    fn db() -> AnyConnection {
        let mut c = DbUrl::Sqlite(":memory:".into()).connect().unwrap();
        crate::migrate(&mut c).unwrap();
        c
    }

    fn unit<T>(
        c: &mut AnyConnection,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        write_tx(c, |c| {
            f(&mut Tx::new(
                c,
                Timestamp(1_000),
                crate::base::caps::Caps::default(),
            ))
        })
    }

    #[test]
    fn the_first_user_owns_the_default_project_and_the_next_joins_it() {
        let mut c = db();
        let first = unit(&mut c, |tx| {
            add_user(tx, "ann@example.com", "h", None, None)
        })
        .unwrap();
        assert_eq!(first.role, Role::Owner);
        let second = unit(&mut c, |tx| {
            add_user(tx, "bob@example.com", "h", None, None)
        })
        .unwrap();
        assert_eq!(second.role, Role::Member);
        assert_eq!(second.project_id, first.project_id);
        assert_eq!(crate::people::projects::count(&mut c).unwrap(), 1);
        let named = unit(&mut c, |tx| {
            add_user(tx, "cy@example.com", "h", None, Some("nope"))
        });
        assert!(matches!(named, Err(StoreError::Invalid(m)) if m.contains("no such project")));
        let again = unit(&mut c, |tx| {
            add_user(tx, "ann@example.com", "h", None, None)
        });
        assert!(matches!(again, Err(StoreError::Conflict(_))));
    }

    #[test]
    fn a_failed_unit_of_work_leaves_nothing_behind() {
        let mut c = db();
        let failed: Result<(), StoreError> = unit(&mut c, |tx| {
            add_user(tx, "ann@example.com", "h", None, None)?;
            Err(StoreError::Invalid("stop".into()))
        });
        assert!(failed.is_err());
        assert_eq!(count(&mut c).unwrap(), 0);
        assert_eq!(crate::people::projects::count(&mut c).unwrap(), 0);
    }
}
