//! What one event does to one entity. Stage order moves the entity; `at` only stamps
//! times: skipping forward is allowed, an earlier stage is recorded but never moves it
//! back, repeating the current stage keeps its earliest time, time in a stage is never
//! negative (an `at` before the previous stage's entry is clamped to it), a terminal
//! stage is reachable from anywhere and final.

use super::{Calendars, FlowDef, FlowError, Place, MAX_FUTURE_MS};

/// An entity as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityState {
    /// Index of its current stage (`None` once finished).
    pub index: Option<usize>,
    /// When it entered its current stage (ms).
    pub entered_at: i64,
    /// When it entered the stage before (the floor of `entered_at`).
    pub floor_at: Option<i64>,
}

/// What an event does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The entity starts in, or moves on to, stage `index`, due by `due_at`.
    Moved {
        /// The stage's index.
        index: usize,
        /// When it entered (clamped).
        entered_at: i64,
        /// When it entered the stage it left (`None` for a new entity).
        floor_at: Option<i64>,
        /// Its SLA ends then.
        due_at: i64,
    },
    /// The entity reached a terminal stage: finished.
    Finished {
        /// When (clamped).
        entered_at: i64,
    },
    /// The current stage again, at an earlier time: its entry moves earlier.
    Restamped {
        /// The earlier entry (not before the floor).
        entered_at: i64,
        /// The SLA's new end.
        due_at: i64,
    },
    /// Recorded, nothing changes (an earlier stage, a later repeat, a finished entity).
    Ignored,
}

impl Outcome {
    /// Whether the entity changed (`applied` in the API's answer).
    pub fn applied(&self) -> bool {
        !matches!(self, Outcome::Ignored)
    }
}

/// Applies "entity reached `stage` at `at`" to `current` (`None`: never seen; an
/// entity with `index: None` has finished). `now` is the server's clock; `calendars`
/// the project's, for stages whose SLA counts business time.
pub fn apply(
    def: &FlowDef,
    calendars: &Calendars,
    current: Option<&EntityState>,
    stage: &str,
    at: i64,
    now: i64,
) -> Result<Outcome, FlowError> {
    let place = def.place(stage).ok_or_else(|| FlowError::UnknownStage {
        stage: stage.to_string(),
        known: def.names(),
    })?;
    if at > now + MAX_FUTURE_MS {
        return Err(FlowError::Future(crate::Timestamp(at).to_rfc3339()));
    }
    let due = |i: usize, entered: i64| def.due(i, entered, calendars);
    let Some(cur) = current else {
        return Ok(match place {
            Place::Stage(i) => Outcome::Moved {
                index: i,
                entered_at: at,
                floor_at: None,
                due_at: due(i, at),
            },
            Place::Terminal => Outcome::Finished { entered_at: at },
        });
    };
    let Some(index) = cur.index else {
        return Ok(Outcome::Ignored);
    };
    Ok(match place {
        Place::Terminal => Outcome::Finished {
            entered_at: at.max(cur.entered_at),
        },
        Place::Stage(i) if i > index => {
            let entered = at.max(cur.entered_at);
            Outcome::Moved {
                index: i,
                entered_at: entered,
                floor_at: Some(cur.entered_at),
                due_at: due(i, entered),
            }
        }
        Place::Stage(i) if i == index && at < cur.entered_at => {
            let entered = cur.floor_at.map_or(at, |f| at.max(f));
            if entered < cur.entered_at {
                Outcome::Restamped {
                    entered_at: entered,
                    due_at: due(i, entered),
                }
            } else {
                Outcome::Ignored
            }
        }
        Place::Stage(_) => Outcome::Ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::tests::orders;

    const H: i64 = 3_600_000;

    fn at(index: usize, entered_at: i64, floor_at: Option<i64>) -> EntityState {
        EntityState {
            index: Some(index),
            entered_at,
            floor_at,
        }
    }

    #[test]
    fn a_new_entity_starts_where_first_seen() {
        let f = orders();
        assert_eq!(
            apply(&f, &Calendars::new(), None, "authorized", 10 * H, 10 * H),
            Ok(Outcome::Moved {
                index: 1,
                entered_at: 10 * H,
                floor_at: None,
                due_at: 14 * H
            })
        );
        assert_eq!(
            apply(&f, &Calendars::new(), None, "delivered", 10 * H, 10 * H),
            Ok(Outcome::Finished { entered_at: 10 * H })
        );
    }

    #[test]
    fn order_moves_at_only_stamps() {
        let f = orders();
        let cur = at(0, 10 * H, None);
        // Skipping forward is allowed.
        assert_eq!(
            apply(&f, &Calendars::new(), Some(&cur), "shipped", 11 * H, 12 * H),
            Ok(Outcome::Moved {
                index: 2,
                entered_at: 11 * H,
                floor_at: Some(10 * H),
                due_at: 59 * H
            })
        );
        // An out-of-order at is clamped: never a negative time in a stage.
        assert_eq!(
            apply(
                &f,
                &Calendars::new(),
                Some(&cur),
                "authorized",
                9 * H,
                12 * H
            ),
            Ok(Outcome::Moved {
                index: 1,
                entered_at: 10 * H,
                floor_at: Some(10 * H),
                due_at: 14 * H
            })
        );
        // An earlier stage is recorded, never moves it back.
        let later = at(2, 11 * H, Some(10 * H));
        assert_eq!(
            apply(
                &f,
                &Calendars::new(),
                Some(&later),
                "placed",
                12 * H,
                12 * H
            ),
            Ok(Outcome::Ignored)
        );
    }

    #[test]
    fn repeating_a_stage_keeps_its_earliest_time() {
        let f = orders();
        let cur = at(1, 10 * H, Some(8 * H));
        assert_eq!(
            apply(
                &f,
                &Calendars::new(),
                Some(&cur),
                "authorized",
                11 * H,
                12 * H
            ),
            Ok(Outcome::Ignored)
        );
        assert_eq!(
            apply(
                &f,
                &Calendars::new(),
                Some(&cur),
                "authorized",
                9 * H,
                12 * H
            ),
            Ok(Outcome::Restamped {
                entered_at: 9 * H,
                due_at: 13 * H
            })
        );
        // Not before the previous stage's entry.
        assert_eq!(
            apply(
                &f,
                &Calendars::new(),
                Some(&cur),
                "authorized",
                7 * H,
                12 * H
            ),
            Ok(Outcome::Restamped {
                entered_at: 8 * H,
                due_at: 12 * H
            })
        );
    }

    #[test]
    fn terminal_is_reachable_and_final() {
        let f = orders();
        let cur = at(0, 10 * H, None);
        assert_eq!(
            apply(
                &f,
                &Calendars::new(),
                Some(&cur),
                "cancelled",
                11 * H,
                12 * H
            ),
            Ok(Outcome::Finished { entered_at: 11 * H })
        );
        let done = EntityState {
            index: None,
            entered_at: 11 * H,
            floor_at: None,
        };
        let again = apply(&f, &Calendars::new(), Some(&done), "placed", 12 * H, 12 * H).unwrap();
        assert!(!again.applied());
    }

    #[test]
    fn bad_events_are_refused_in_words() {
        let f = orders();
        assert_eq!(
            apply(&f, &Calendars::new(), None, "lost", 0, 0).unwrap_err().to_string(),
            "stage \"lost\" is not a stage of this flow; its stages are: placed, authorized, shipped, delivered, cancelled"
        );
        let e = apply(&f, &Calendars::new(), None, "placed", 10 * 60_000, 0).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("at is more than 5 minutes in the future"),
            "{e}"
        );
        assert!(apply(&f, &Calendars::new(), None, "placed", 5 * 60_000, 0).is_ok());
    }
}
