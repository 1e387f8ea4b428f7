//! `/api/v1` for monitors and what happens to them (docs/architecture.md, "The map"):
//! monitors, the operations v1 and v3 share, their validation and rendering, badges, runs,
//! chains, problems, public status pages, and the dashboard's cron preview and live
//! stream.

pub mod badges;
pub mod chains;
pub mod dash;
pub mod monitors;
pub mod ops;
pub mod problems;
pub mod render;
pub mod runs;
pub mod status_html;
pub mod status_keys;
pub mod status_pages;
pub mod validate;
