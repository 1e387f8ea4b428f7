//! People: accounts, one's own account, the sign-in gate, invitations, roles and
//! access, the operator's caps.

pub(crate) mod access;
pub(crate) mod account;
pub(crate) mod accounts;
pub(crate) mod audit;
pub(crate) mod caps;
pub(crate) mod fair;
pub(crate) mod gate;
pub(crate) mod lifecycle;
pub(crate) mod operator;
pub(crate) mod proxy;
pub(crate) mod second_factor;
pub(crate) mod signup;
pub(crate) mod sso;
