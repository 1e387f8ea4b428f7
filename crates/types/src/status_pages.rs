//! Public status pages (docs/behaviour.md, "Status pages"): what the owner sets, and
//! what anyone with the page's key reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::UptimeDay;

/// A status page as its project sees it (`/api/v1/status-pages`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusPage {
    /// Its id.
    pub id: String,
    /// Its title, shown at the top of the page.
    pub title: String,
    /// Which monitors it shows: `project` (all) or `tag:<name>` (those carrying the tag),
    /// at most 100, by name.
    pub scope: String,
    /// The names it shows, by monitor (public reference → the name shown); a monitor not
    /// named here shows its own name.
    pub aliases: BTreeMap<String, String>,
    /// Monitors of the scope left off the page (their public references).
    pub hidden: Vec<String>,
    /// The page (HTML), for anyone with the link.
    pub url: String,
    /// The same as JSON.
    pub json_url: String,
    /// When it was made (RFC 3339).
    pub created_at: String,
}

/// A status page to make or change (`POST`, `PATCH /api/v1/status-pages/<id>`): fields
/// left out are kept (on `POST`: `scope` is `project`, no aliases, none hidden).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusPageInput {
    /// 1 to 100 characters.
    #[serde(default)]
    pub title: Option<String>,
    /// `project` or `tag:<name>`.
    #[serde(default)]
    pub scope: Option<String>,
    /// Monitor (id, slug or public reference) → the name to show (1 to 100 characters).
    #[serde(default)]
    pub aliases: Option<BTreeMap<String, String>>,
    /// Monitors (id, slug or public reference) of the scope to leave off.
    #[serde(default)]
    pub hidden: Option<Vec<String>>,
}

/// A status page as the public reads it (`/status/<key>.json`): names as exposed,
/// statuses, 90-day strips, current incidents — nothing else of the project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicStatus {
    /// The page's title.
    pub title: String,
    /// `operational` when nothing is down, else `incident`.
    pub overall: String,
    /// The zone its days are in.
    pub zone: String,
    /// When it was read (RFC 3339).
    pub updated_at: String,
    /// Each monitor shown, by the name shown.
    pub monitors: Vec<PublicMonitor>,
    /// Those down now.
    pub incidents: Vec<PublicIncident>,
}

/// One monitor on a public page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicMonitor {
    /// The name shown.
    pub name: String,
    /// `up`, `down`, `paused` or `new` (waiting for its first ping).
    pub status: String,
    /// Its uptime over the 90 days (`null`: it never pinged).
    pub uptime: Option<f64>,
    /// Its last 90 days, oldest first.
    pub days: Vec<UptimeDay>,
}

/// A monitor down now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicIncident {
    /// The name shown.
    pub name: String,
    /// Since when (RFC 3339).
    pub since: String,
}
