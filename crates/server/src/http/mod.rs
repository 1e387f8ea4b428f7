//! What every handler stands on (docs/architecture.md, "The map"): the one error→HTTP
//! mapping, JSON bodies, the body deadline, the parsers of URL values, who is asking
//! (`auth`), the operator's server-side limits and the embedded dashboard. It imports no
//! other module of the server.

pub mod assets;
pub mod audit;
pub mod auth;
pub mod body;
pub mod body_timeout;
pub mod error;
pub mod parse;
pub mod quota;
pub mod rate;
