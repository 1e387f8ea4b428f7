//! Invitations from making to taking (docs/security.md, "Invitations"), each step one
//! unit of work that the server's `people::joining` and `people::team` call once:
//! inviting (limited per inviter, mailed through the outbox), taking a link signed in,
//! confirming a newcomer's address by mail, and joining by that confirmation. Signing
//! up without an invitation (docs/security.md, "Sign-up") takes the same two last
//! steps, and the new account gets a project of its own.

use overdue_core::Role;

use crate::base::outbox::{enqueue_mail, AccountMail};
use crate::base::tx::Tx;
use crate::people::accounts::{self, NewSession};
use crate::people::{attempts, confirmations, projects, team};
use crate::StoreError;

/// Invitations one inviter may make per project and hour: the server must not become a
/// mail cannon.
pub const INVITES_PER_HOUR: i64 = 20;

/// An invitation to make.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    /// The project.
    pub project: String,
    /// The invited address (checked).
    pub email: String,
    /// The role it grants.
    pub role: Role,
    /// The inviting user (`None` for an API key).
    pub by: Option<String>,
    /// Who invites, as the limit counts them (a user's e-mail or a key's name).
    pub actor: String,
}

/// Makes an invitation within the inviter's hourly limit; with `mail` (given the
/// project's name, the mail to send) it is also mailed, in the same unit of work, the
/// link going where the mail says `outbox::LINK` (`link_base` + the token). Returns the
/// invitation's id and its token (shown once).
pub fn invite(
    tx: &mut Tx<'_>,
    inv: &NewInvitation,
    mail: Option<impl FnOnce(&str) -> AccountMail>,
    link_base: &str,
) -> Result<(String, String), StoreError> {
    let bucket = attempts::Bucket {
        key: format!("invite {} {}", inv.project, inv.actor),
        limit: INVITES_PER_HOUR,
    };
    attempts::reserve(
        tx,
        &[bucket],
        3_600_000,
        "invitations per hour: too many from you in this project",
    )?;
    let (id, token) = team::invite(tx, &inv.project, &inv.email, inv.role, inv.by.as_deref())?;
    if let Some(mail) = mail {
        let name = projects::get(tx.conn(), &inv.project)?.name;
        let mail = AccountMail {
            link: Some(format!("{link_base}{token}")),
            ..mail(&name)
        };
        enqueue_mail(tx, "invitation", Some(&inv.project), &mail)?;
    }
    Ok((id, token))
}

/// A signed-in user takes the invitation whose token hashes to `invitation` (checked
/// again here: one link, one use) and joins its project with its role.
pub fn accept(tx: &mut Tx<'_>, invitation: &str, user: &str) -> Result<(), StoreError> {
    let now = tx.now();
    let inv = team::invitation_by_hash(tx.conn(), invitation, now)?;
    accounts::set_role(tx, &inv.project_id, user, inv.role)?;
    team::accepted(tx, invitation)
}

/// Someone signed out opened an invitation (`invitation`, its `project`) or signed up
/// (both `None`): a message to the address `email`, the same answer either way. An
/// address with an account gets `known` (sign in, and open the invitation again); a
/// newcomer gets `newcomer` with a confirmation link (`link_base` + its token), the
/// only way to choose a password. At most one a minute per address (a confirmation is
/// made for a known address too, so the quiet time holds alike).
pub fn confirm_address(
    tx: &mut Tx<'_>,
    email: &str,
    invitation: Option<&str>,
    project: Option<&str>,
    known: AccountMail,
    newcomer: AccountMail,
    link_base: &str,
) -> Result<(), StoreError> {
    let has_account = accounts::find_by_email(tx.conn(), email)?.is_some();
    let Some(token) = confirmations::create(tx, email, invitation)? else {
        return Ok(());
    };
    let mail = if has_account {
        known
    } else {
        AccountMail {
            link: Some(format!("{link_base}{token}")),
            ..newcomer
        }
    };
    enqueue_mail(tx, "join", project, &mail)
}

/// A newcomer's confirmation link and password (its hash): the account is made (its
/// address verified by the link), joins the invitation's project — or, signing up,
/// owns a new project named [`accounts::OWN_PROJECT`] — and is signed in. Returns the user's id,
/// address and session.
pub fn join(
    tx: &mut Tx<'_>,
    confirmation: &str,
    password_hash: &str,
) -> Result<(String, String, NewSession), StoreError> {
    let now = tx.now();
    let (email, invitation) = confirmations::take(tx, confirmation)?;
    if accounts::find_by_email(tx.conn(), &email)?.is_some() {
        return Err(StoreError::Conflict(
            "this address has an account now: sign in (and open the invitation again)".into(),
        ));
    }
    let user = accounts::create_user(tx, &email, password_hash)?;
    match invitation {
        Some(invitation) => {
            let inv = team::invitation_by_hash(tx.conn(), &invitation, now)?;
            accounts::set_role(tx, &inv.project_id, &user.id, inv.role)?;
            team::accepted(tx, &invitation)?;
        }
        None => {
            accounts::create_project(tx, &user.id, accounts::OWN_PROJECT, false)?;
        }
    }
    let session = accounts::create_session(tx, &user.id)?;
    Ok((user.id, email, session))
}
