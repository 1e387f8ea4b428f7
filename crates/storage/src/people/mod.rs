//! People (docs/architecture.md, "The map"): projects, accounts and their passwords,
//! members, invitations and keys, sign-in attempts, address confirmations and single
//! sign-on. It uses only the base.

pub mod accounts;
pub mod attempts;
pub mod confirmations;
pub mod joining;
pub mod lifecycle;
pub mod passkeys;
pub mod passwords;
pub mod projects;
pub mod second_factor;
pub mod setup_links;
pub mod sso;
pub mod team;
pub mod usage;
