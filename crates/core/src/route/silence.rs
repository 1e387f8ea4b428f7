//! Silences and maintenance windows (docs/behaviour.md, "Routing"): a matcher (as a
//! route's) and a time — a
//! one-off span, or a weekly window in a zone, optionally bounded. Alerts that match an
//! active silence are held, not sent; when it ends, those still open go out and those
//! that resolved meanwhile are listed once.

use super::{Matcher, RouteError, Window};
use crate::Timestamp;

/// A silence as the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Silence {
    /// Its id.
    pub id: String,
    /// What it silences.
    pub matcher: Matcher,
    /// From.
    pub starts_at: Timestamp,
    /// Until (exclusive); `None`: a recurring silence without an end.
    pub ends_at: Option<Timestamp>,
    /// A weekly window ("Sundays 02:00–04:00 Europe/Riga"): silent only inside it.
    pub recurring: Option<Window>,
}

impl Silence {
    /// Checks a new silence: a matcher that names something, an end after the start (a
    /// one-off needs an end).
    pub fn validate(&self) -> Result<(), RouteError> {
        self.matcher.validate()?;
        let m = &self.matcher;
        if m.kinds.is_empty()
            && m.reasons.is_empty()
            && m.severities.is_empty()
            && m.tags.is_empty()
            && m.monitors.is_empty()
        {
            return Err(RouteError(
                "match must name what to silence (tags, monitors, kinds, reasons or \
                 severities): a silence of everything is refused"
                    .into(),
            ));
        }
        match (self.ends_at, &self.recurring) {
            (Some(end), _) if end <= self.starts_at => {
                Err(RouteError("ends_at must be after starts_at".into()))
            }
            (None, None) => Err(RouteError(
                "a silence needs an end (ends_at or for), or a recurring window".into(),
            )),
            (_, Some(w)) => w.validate("recurring"),
            _ => Ok(()),
        }
    }

    /// Until when it silences at `at` (`None`: not now). A recurring silence lasts until
    /// its window ends (or the silence does, if earlier).
    pub fn active_until(&self, at: Timestamp) -> Option<Timestamp> {
        if at < self.starts_at || self.ends_at.is_some_and(|e| at >= e) {
            return None;
        }
        match &self.recurring {
            None => self.ends_at,
            Some(w) if w.contains(at) => {
                let end = w.ends_after(at)?;
                Some(self.ends_at.map_or(end, |e| e.min(end)))
            }
            Some(_) => None,
        }
    }
}

/// The earliest end among the silences that silence `subject` at `at`, if any.
pub fn silenced_until(
    silences: &[Silence],
    subject: &super::Subject<'_>,
    at: Timestamp,
) -> Option<(String, Timestamp)> {
    silences
        .iter()
        .filter(|s| s.matcher.matches(subject))
        .filter_map(|s| s.active_until(at).map(|u| (s.id.clone(), u)))
        .min_by_key(|(_, u)| *u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_off_and_weekly() {
        let m = Matcher {
            tags: vec!["db".into()],
            ..Default::default()
        };
        let once = Silence {
            id: "s".into(),
            matcher: m.clone(),
            starts_at: Timestamp(1_000),
            ends_at: Some(Timestamp(5_000)),
            recurring: None,
        };
        once.validate().unwrap();
        assert_eq!(once.active_until(Timestamp(999)), None);
        assert_eq!(once.active_until(Timestamp(1_000)), Some(Timestamp(5_000)));
        assert_eq!(once.active_until(Timestamp(5_000)), None);
        let backwards = Silence {
            ends_at: Some(Timestamp(1_000)),
            ..once.clone()
        };
        assert!(backwards
            .validate()
            .unwrap_err()
            .0
            .contains("after starts_at"));
        let everything = Silence {
            matcher: Matcher::default(),
            ..once.clone()
        };
        assert!(everything
            .validate()
            .unwrap_err()
            .0
            .contains("match must name"));
        // Sundays 02:00-04:00 UTC; 2026-12-06 is a Sunday.
        let sunday = Silence {
            recurring: Some(Window {
                days: vec!["sun".into()],
                from: "02:00".into(),
                to: "04:00".into(),
                tz: "UTC".into(),
                except: vec![],
            }),
            ends_at: None,
            starts_at: Timestamp(0),
            ..once
        };
        sunday.validate().unwrap();
        let at = |t: &str| {
            Timestamp(
                chrono::DateTime::parse_from_rfc3339(t)
                    .unwrap()
                    .timestamp_millis(),
            )
        };
        assert_eq!(
            sunday.active_until(at("2026-12-06T03:00:00Z")),
            Some(at("2026-12-06T04:00:00Z"))
        );
        assert_eq!(sunday.active_until(at("2026-12-07T03:00:00Z")), None);
    }
}
