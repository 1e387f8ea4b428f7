//! People over HTTP (docs/architecture.md, "The map"): first-user setup and sessions,
//! the sign-in gate, one's own account, the team (keys, members, invitations),
//! taking an invitation, and single sign-on.

pub mod account;
pub mod audit;
pub mod gate;
pub mod joining;
pub mod lifecycle;
pub mod oidc;
pub mod operator;
pub mod overview;
pub mod passkeys;
pub mod project;
pub mod proxy;
pub mod second_factor;
pub mod session;
pub mod signup;
pub mod sso;
pub mod team;
