//! Which monitor a ping is for: its UUID, or the project's ping key and the slug —
//! created on `?create=1` (with every channel of the project assigned).

use diesel::prelude::*;
use overdue_core::Timestamp;

use super::PingTarget;
use crate::base::conn::AnyConnection;
use crate::base::schema::{monitors, projects};
use crate::{monitoring::monitors as mon, StoreError};

/// The monitor's id and whether this ping created it; `None`: no such monitor.
pub(super) fn resolve(
    c: &mut AnyConnection,
    target: &PingTarget,
    now: Timestamp,
    caps: crate::base::caps::Caps,
) -> Result<Option<(String, bool)>, StoreError> {
    match target {
        PingTarget::Code(code) => Ok(Some((code.monitor().to_string(), false))),
        PingTarget::Slug {
            ping_key,
            slug,
            create,
        } => {
            let project: Option<String> = projects::table
                .filter(projects::ping_key.eq(ping_key))
                .select(projects::id)
                .first(c)
                .optional()?;
            let Some(project) = project else {
                return Ok(None);
            };
            let found: Option<String> = monitors::table
                .filter(monitors::project_id.eq(&project))
                .filter(monitors::slug.eq(slug))
                .select(monitors::id)
                .first(c)
                .optional()?;
            match (found, create) {
                (Some(id), _) => Ok(Some((id, false))),
                (None, false) => Ok(None),
                (None, true) => {
                    let id = mon::create_from_slug(c, &project, slug, now, caps)?;
                    Ok(Some((id, true)))
                }
            }
        }
    }
}
