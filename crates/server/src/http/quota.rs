//! The operator's limits the server holds (docs/security.md, "Limits"): who may create
//! projects, and how many live event streams a project may hold open. Caps on what is
//! stored (monitors per project, projects per user) are storage's
//! ([`overdue_storage::base::caps`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::http::error::ApiError;

/// Who may create projects with `POST /api/v1/projects`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProjectCreation {
    /// Users who already own a project (the default).
    #[default]
    Owners,
    /// Any signed-in user.
    Everyone,
    /// Nobody through the API (the operator, with `overdue user create --project`).
    Nobody,
}

impl ProjectCreation {
    /// Reads the setting's text.
    pub fn parse(text: &str) -> Result<ProjectCreation, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "owners" => Ok(ProjectCreation::Owners),
            "everyone" => Ok(ProjectCreation::Everyone),
            "nobody" => Ok(ProjectCreation::Nobody),
            other => Err(format!("{other:?}: use owners, everyone or nobody")),
        }
    }
}

/// Live event streams open per project, counted while they last.
#[derive(Debug, Default)]
pub struct Streams {
    open: Arc<Mutex<HashMap<String, usize>>>,
}

/// One open stream; it is counted out when dropped (the client went away).
#[derive(Debug)]
pub struct StreamSlot {
    open: Arc<Mutex<HashMap<String, usize>>>,
    project: String,
}

impl Streams {
    /// Streams of `project` open now on this instance.
    pub fn open_now(&self, project: &str) -> usize {
        self.open
            .lock()
            .map(|o| o.get(project).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Counts a new stream of `project` in, or refuses it (429) past `max`.
    pub fn open(&self, project: &str, max: usize) -> Result<StreamSlot, ApiError> {
        let mut open = self
            .open
            .lock()
            .map_err(|_| ApiError::Internal("stream count poisoned".into()))?;
        let n = open.entry(project.to_string()).or_insert(0);
        if *n >= max {
            return Err(ApiError::TooMany(
                format!(
                    "live streams per project: {max} are open already; close a dashboard tab \
                     or ask the operator to raise OVERDUE_MAX_STREAMS"
                ),
                30,
            ));
        }
        *n += 1;
        Ok(StreamSlot {
            open: self.open.clone(),
            project: project.to_string(),
        })
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock() {
            if let Some(n) = open.get_mut(&self.project) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(&self.project);
                }
            }
        }
    }
}

/// The most live streams `project` may hold open: the operator's limit for it where set
/// (docs/security.md, "Limits"), else `OVERDUE_MAX_STREAMS`.
pub async fn stream_limit(state: &crate::AppState, project: &str) -> Result<usize, ApiError> {
    let p = project.to_string();
    let own = state
        .store
        .read(move |c| overdue_storage::base::caps::project_limits(c, &p))
        .await?
        .max_streams;
    Ok(own
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(state.config.max_streams))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_counted_out_when_they_end() {
        let s = Streams::default();
        let a = s.open("p", 2).unwrap();
        let _b = s.open("p", 2).unwrap();
        assert!(matches!(s.open("p", 2), Err(ApiError::TooMany(_, _))));
        assert!(s.open("q", 2).is_ok(), "per project");
        drop(a);
        assert!(s.open("p", 2).is_ok());
        assert_eq!(
            ProjectCreation::parse(" Everyone ").unwrap(),
            ProjectCreation::Everyone
        );
        assert!(ProjectCreation::parse("all").is_err());
    }
}
