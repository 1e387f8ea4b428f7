//! The broker settings that bind Overdue's queue to a publisher's exchange
//! (docs/behaviour.md, "What senders send"): operator configuration, so a project admin
//! can never bind to another team's exchange.

use anyhow::{anyhow, bail, Result};

use super::ServeArgs;

/// How the queue is fed from a publisher's exchange.
#[derive(Debug, Clone)]
pub struct AmqpBinding {
    /// The existing exchange, when set.
    pub exchange: Option<String>,
    /// Routing keys or patterns, each with its flow.
    pub bindings: Vec<overdue_scheduler::amqp::Binding>,
    /// Where a message names its flow (`flow`).
    pub flow_field: String,
}

impl Default for AmqpBinding {
    fn default() -> Self {
        AmqpBinding {
            exchange: None,
            bindings: Vec::new(),
            flow_field: "flow".into(),
        }
    }
}

impl ServeArgs {
    /// The exchange, bindings and flow field, flags and environment before the file.
    pub(super) fn amqp_binding(
        &self,
        exchange: Option<String>,
        bindings: Option<String>,
        flow_field: Option<String>,
    ) -> Result<AmqpBinding> {
        let given = |a: &Option<String>, b: Option<String>| {
            a.clone()
                .or(b)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let exchange = given(&self.amqp_exchange, exchange);
        let text = given(&self.amqp_bindings, bindings);
        let mut list = overdue_scheduler::amqp::parse_bindings(text.as_deref().unwrap_or(""))
            .map_err(|e| anyhow!("OVERDUE_AMQP_BINDINGS: {e}"))?;
        if exchange.is_none() && !list.is_empty() {
            bail!("OVERDUE_AMQP_BINDINGS needs OVERDUE_AMQP_EXCHANGE: the exchange to bind the queue to");
        }
        if exchange.is_some() && list.is_empty() {
            list = overdue_scheduler::amqp::parse_bindings("#")
                .map_err(|e| anyhow!("OVERDUE_AMQP_BINDINGS: {e}"))?;
        }
        let flow_field = given(&self.amqp_flow_field, flow_field).unwrap_or_else(|| "flow".into());
        if flow_field.split(['.', '/']).all(str::is_empty) {
            bail!("OVERDUE_AMQP_FLOW_FIELD: {flow_field:?} is not a path: give a field name (flow) or a JSON pointer (/meta/flow)");
        }
        Ok(AmqpBinding {
            exchange,
            bindings: list,
            flow_field,
        })
    }
}
