//! The messages of one delivery as a flow's events and what is kept aside
//! (docs/behaviour.md, "What senders send"): each message out of its envelope
//! (`overdue_core::flow::read`), each event through the flow's mapping or Overdue's own
//! form, checked; what cannot be read becomes an [`Unread`] with its reason and raw
//! text. The same for HTTP batches, the push URL and the broker.

use overdue_core::flow::read::{self, Item};
use overdue_core::flow::FlowDef;
use serde_json::Value;

use super::aside::Unread;
use super::{EventIn, EventOut, FlowRow};
use crate::base::tx::Tx;
use crate::StoreError;

/// Most reasons an answer lists (all are kept aside).
pub const MAX_PROBLEMS: usize = 20;

/// What a delivery gave: events to apply, messages kept aside.
#[derive(Debug, Default)]
pub struct Intake {
    /// Events read, in order.
    pub events: Vec<EventIn>,
    /// Messages that could not be read.
    pub unread: Vec<Unread>,
}

impl Intake {
    /// The first [`MAX_PROBLEMS`] reasons, for an answer.
    pub fn problems(&self) -> Vec<String> {
        self.unread
            .iter()
            .take(MAX_PROBLEMS)
            .map(|u| u.reason.clone())
            .collect()
    }

    /// Keeps `why` about `raw` aside for `flow` (`None`: the flow is not known).
    pub fn keep(&mut self, flow: Option<&FlowRow>, source: &str, why: String, raw: &str) {
        self.unread.push(Unread {
            flow_id: flow.map(|f| f.id.clone()),
            source: source.to_string(),
            reason: why,
            raw: read::cut(raw),
            size: raw.len() as i64,
        });
    }

    /// Reads `items` (a body's messages) as events of `flow`; a reason names its event
    /// by its place (`events[3]: …`). `at` and `id` stand in for
    /// a message's time and id when its envelope has none (the broker's properties).
    #[allow(clippy::too_many_arguments)]
    pub fn read(
        &mut self,
        flow: &FlowRow,
        def: &FlowDef,
        items: Vec<Result<Item, read::Unread>>,
        source: &str,
        at: Option<i64>,
        id: Option<&str>,
        now: i64,
    ) {
        let mut n = 0;
        for item in items {
            let mut item = match item {
                Ok(i) => i,
                Err(u) => {
                    let why = format!("events[{n}]: {}", u.reason);
                    self.keep(Some(flow), source, why, &u.raw);
                    n += 1;
                    continue;
                }
            };
            item.at = item.at.or(at);
            item.id = item.id.or_else(|| id.map(str::to_string));
            for (v, at, id) in read::events_of(item) {
                match event_in(def, &v, at, id, now) {
                    Ok(e) => self.events.push(e),
                    Err(why) => {
                        let why = format!("events[{n}]: {why}");
                        self.keep(Some(flow), source, why, &v.to_string());
                    }
                }
                n += 1;
            }
        }
    }
}

/// One event of `def`'s flow ([`read::event`]) with the message's id.
pub fn event_in(
    def: &FlowDef,
    v: &Value,
    at: Option<i64>,
    id: Option<String>,
    now: i64,
) -> Result<EventIn, String> {
    let m = read::event(def, v, at, now)?;
    Ok(EventIn {
        entity: m.entity,
        stage: m.stage,
        at: m.at,
        attributes: m.attributes,
        message_id: id,
    })
}

/// Stores a delivery in one unit of work: what is kept aside, then the events (none:
/// nothing applied).
pub fn store(
    tx: &mut Tx<'_>,
    flow: &FlowRow,
    events: &[EventIn],
    unread: &[Unread],
) -> Result<Vec<EventOut>, StoreError> {
    super::aside::keep(tx, &flow.project_id, unread)?;
    if events.is_empty() {
        return Ok(Vec::new());
    }
    super::apply_events(tx, flow, events)
}
