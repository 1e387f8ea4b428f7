//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of `/api/v1`, generated with
//! utoipa: every request and response body's schema is derived from the very types
//! the handlers read and write (`overdue_types`, `ToSchema`); the routes are the table
//! below, which a test holds equal to the routes the server registers. Bodies built
//! ad hoc (lists wrapped in an object, counts) are described as any JSON value.

use std::sync::OnceLock;

use actix_web::{web, HttpResponse};
use overdue_types as t;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref,
    RefOr, Required, ResponseBuilder, Schema,
};
use utoipa::ToSchema;

/// Registers the document's route.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/openapi.json", web::get().to(document));
}

/// A body: a named schema (derived from a type) or any JSON value.
#[derive(Clone, Copy)]
pub enum B {
    /// Nothing (no body, or not JSON).
    None,
    /// Any JSON value (built ad hoc by the handler).
    Any,
    /// A component schema by name.
    Named(&'static str),
}

/// (method, path under /api/v1, summary, request body, response body of the 2xx).
pub type Row = (&'static str, &'static str, &'static str, B, B);

/// Every route of `/api/v1`.
#[rustfmt::skip]
pub const ROUTES: &[Row] = &[
    ("GET", "/auth/status", "Whether the instance has its first account", B::None, B::Any),
    ("POST", "/auth/setup", "Create the first account (owner of the default project) with the setup link's token", B::Named("SetupInput"), B::Any),
    ("POST", "/auth/login", "Sign in (session cookie)", B::Named("Credentials"), B::Any),
    ("POST", "/auth/logout", "Sign out", B::None, B::None),
    ("GET", "/auth/me", "The signed-in user and their projects", B::None, B::Any),
    ("POST", "/auth/accept", "Accept an invitation (signed in as the invitee: join; else a link is mailed)", B::Named("AcceptInput"), B::Any),
    ("POST", "/auth/join", "Choose the password of a new account with the confirmation link mailed to its address (an invitation's or a sign-up's)", B::Named("JoinInput"), B::Any),
    ("POST", "/auth/totp/start", "Start setting up a second factor: a new TOTP secret, its otpauth link and QR code", B::None, B::Named("TotpStart")),
    ("POST", "/auth/totp/confirm", "Confirm the new second factor with its current code (answers ten recovery codes, once; other sessions end)", B::Named("CodeInput"), B::Named("RecoveryCodes")),
    ("POST", "/auth/totp/disable", "Turn one's second factor off with a current code or a recovery code", B::Named("CodeInput"), B::None),
    ("GET", "/auth/passkeys", "One's passkeys, and whether this server can use them (a host name in OVERDUE_SITE_URL)", B::None, B::Named("PasskeyList")),
    ("POST", "/auth/passkeys/start", "Start adding a passkey: the options for navigator.credentials.create", B::None, B::Named("PasskeyCeremony")),
    ("POST", "/auth/passkeys", "Add the passkey the browser made (ten recovery codes when one had none left; other sessions end)", B::Named("NewPasskey"), B::Named("PasskeyAdded")),
    ("DELETE", "/auth/passkeys/{id}", "Remove one of one's passkeys (not the last second factor while a project requires one)", B::None, B::None),
    ("POST", "/auth/passkey/options", "A ceremony with the account's passkeys for navigator.credentials.get, after a right e-mail and password or for a reset link's token; its answer goes to /auth/login or /auth/reset as passkey", B::Named("PasskeyOptionsInput"), B::Named("PasskeyCeremony")),
    ("POST", "/auth/proxy", "Sign in as the person an authenticating proxy names in OVERDUE_TRUSTED_HEADER (only from OVERDUE_TRUSTED_PROXIES)", B::None, B::Any),
    ("GET", "/auth/sso/start", "Single sign-on: sends the browser to the OpenID provider (a redirect; with OVERDUE_OIDC_ISSUER)", B::None, B::None),
    ("GET", "/auth/sso/callback", "Single sign-on: where the provider sends the browser back (signs in, or asks the second factor; a redirect)", B::None, B::None),
    ("POST", "/auth/sso/finish", "Single sign-on: the second factor's code after the provider's sign-in (the cookie the callback set)", B::Named("FinishInput"), B::Any),
    ("POST", "/auth/sso/passkey", "Single sign-on: a passkey ceremony for the person whose sign-in waits for the second factor (the cookie the callback set); its answer goes to /auth/sso/finish as passkey", B::None, B::Named("PasskeyCeremony")),
    ("GET", "/operator/projects", "Every project's usage and limits (the instance's operators, OVERDUE_OPERATORS; a session)", B::None, B::Named("UsageList")),
    ("PUT", "/operator/projects/{id}/limits", "Set a project's own limits instead of the instance's (null: the instance's; operators only)", B::Named("LimitsInput"), B::None),
    ("POST", "/auth/signup", "Sign up where the operator allows it: a link to choose a password is mailed to the address (same answer for addresses with an account)", B::Named("SignupInput"), B::Any),
    ("POST", "/auth/invitation", "What an invitation link is for (project, inviter, role)", B::Named("TokenInput"), B::Named("InvitationInfo")),
    ("POST", "/auth/password", "Change one's own password (other sessions end)", B::Named("PasswordChange"), B::None),
    ("POST", "/auth/logout-everywhere", "Sign out on every device", B::None, B::None),
    ("POST", "/auth/forgot", "E-mail a link to set a new password (same answer for unknown addresses)", B::Named("ForgotInput"), B::Any),
    ("POST", "/auth/reset", "Set a new password with a reset link's token (signs in)", B::Named("ResetInput"), B::Any),
    ("GET", "/projects", "Your projects with their down, late and open-alert counts now (a session)", B::None, B::Named("ProjectsOverview")),
    ("POST", "/projects", "Create a project (its keys in full, this once)", B::Named("ProjectInput"), B::Named("NewProject")),
    ("GET", "/project", "The current project's settings", B::None, B::Named("ProjectSettings")),
    ("PATCH", "/project", "Change the current project's settings (its name, time zone, storm setting, …)", B::Named("ProjectSettingsInput"), B::Named("ProjectSettings")),
    ("DELETE", "/project", "Delete the current project with everything in it (owner's session; confirm with its name)", B::Named("DeleteProjectInput"), B::Named("ProjectContents")),
    ("GET", "/audit", "The project's audit log, newest first (admins; filters actor, object, action, since, until; before= pages; format=ndjson exports)", B::None, B::Named("AuditPage")),
    ("GET", "/project/contents", "What the current project holds (as its deletion names it)", B::None, B::Named("ProjectContents")),
    ("POST", "/project/transfer", "Hand the project to another member (they become owner, you stay as admin)", B::Named("TransferInput"), B::None),
    ("GET", "/schedule/preview", "The next fire times of a cron or OnCalendar schedule", B::None, B::Any),
    ("GET", "/events", "Live changes (server-sent events)", B::None, B::None),
    ("GET", "/summary", "The project at a glance: monitors by status, open alerts and problems", B::None, B::Named("Summary")),
    ("GET", "/keys", "API keys of the project", B::None, B::Any),
    ("POST", "/keys", "Create an API key (shown once)", B::Named("KeyInput"), B::Any),
    ("DELETE", "/keys/{id}", "Revoke an API key", B::None, B::None),
    ("GET", "/members", "Members", B::None, B::Any),
    ("PATCH", "/members/{id}", "Change a member's role", B::Named("RoleInput"), B::None),
    ("DELETE", "/members/{id}", "Remove a member", B::None, B::None),
    ("GET", "/invitations", "Invitations not yet taken", B::None, B::Any),
    ("POST", "/invitations", "Invite someone by e-mail", B::Named("InviteInput"), B::Any),
    ("DELETE", "/invitations/{id}", "Revoke an invitation", B::None, B::None),
    ("GET", "/monitors/{id}/runs", "A monitor's runs", B::None, B::Any),
    ("GET", "/runs/{id}", "One run with its steps, progress and report", B::None, B::Any),
    ("GET", "/runs/{id}/log", "A run's log (text; ?follow=1 streams)", B::None, B::None),
    ("GET", "/runs/{id}/log/events", "A run's log as server-sent events", B::None, B::None),
    ("GET", "/chains", "Chains", B::None, B::Any),
    ("POST", "/chains", "Create a chain", B::Named("ChainInput"), B::Any),
    ("GET", "/chains/{id}", "One chain, its members' states and its last run", B::None, B::Named("Chain")),
    ("PUT", "/chains/{id}", "Replace a chain's name, members and deadline", B::Named("ChainInput"), B::Named("Chain")),
    ("GET", "/problems", "Problems (filters in the query)", B::None, B::Any),
    ("GET", "/problems/stats", "Open problems and response times per monitor", B::None, B::Any),
    ("GET", "/problems/{id}", "One problem", B::None, B::Named("Problem")),
    ("PATCH", "/problems/{id}", "Assign, note, link a ticket, mute", B::Named("ProblemUpdate"), B::Named("Problem")),
    ("POST", "/problems/{id}/acknowledge", "Acknowledge a problem", B::None, B::Any),
    ("POST", "/problems/{id}/resolve", "Resolve a problem", B::None, B::Any),
    ("GET", "/badges", "The project's badge URLs", B::None, B::Any),
    ("GET", "/monitors", "Monitors", B::None, B::Any),
    ("POST", "/monitors", "Create a monitor", B::Named("MonitorInput"), B::Named("Monitor")),
    ("GET", "/monitors/{id}", "One monitor", B::None, B::Named("Monitor")),
    ("PATCH", "/monitors/{id}", "Change a monitor", B::Named("MonitorInput"), B::Named("Monitor")),
    ("DELETE", "/monitors/{id}", "Delete a monitor", B::None, B::Any),
    ("POST", "/monitors/{id}/pause", "Pause a monitor", B::None, B::Named("Monitor")),
    ("POST", "/monitors/{id}/resume", "Resume a paused monitor", B::None, B::Named("Monitor")),
    ("PUT", "/monitors/{id}/channels", "Set a monitor's channels", B::Named("ChannelList"), B::Named("Monitor")),
    ("GET", "/monitors/{id}/status-keys", "A monitor's heartbeat URLs per status (start, success, fail)", B::None, B::Any),
    ("POST", "/monitors/{id}/status-keys", "Hand out a heartbeat URL per status (the old ones stop working)", B::None, B::Any),
    ("DELETE", "/monitors/{id}/status-keys", "Revoke a monitor's status keys", B::None, B::None),
    ("GET", "/monitors/{id}/pings", "A monitor's pings", B::None, B::Any),
    ("GET", "/monitors/{id}/flips", "A monitor's status changes", B::None, B::Any),
    ("GET", "/monitors/{id}/uptime", "A monitor's uptime over a day, a week and 30 days", B::None, B::Named("Uptime")),
    ("GET", "/monitors/{id}/days", "A monitor's last days (default 90): worst status and uptime per day in the project's zone", B::None, B::Named("UptimeDays")),
    ("GET", "/strips", "The status strips of up to 100 monitors (?monitors=<id or public reference>,…&days=90), for the monitors list", B::None, B::Named("UptimeStrips")),
    ("GET", "/channel-kinds", "Channel kinds and their fields", B::None, B::Any),
    ("GET", "/channels", "Channels (settings masked, for those who manage them)", B::None, B::Any),
    ("POST", "/channels", "Create a channel", B::Named("ChannelInput"), B::Named("Channel")),
    ("PATCH", "/channels/{id}", "Change a channel", B::Named("ChannelPatch"), B::Named("Channel")),
    ("DELETE", "/channels/{id}", "Delete a channel", B::None, B::None),
    ("POST", "/channels/{id}/test", "Send a test message", B::None, B::Any),
    ("GET", "/channels/{id}/deliveries", "A channel's delivery log", B::None, B::Any),
    ("GET", "/deliveries", "The project's notification log", B::None, B::Any),
    ("GET", "/alerts", "Alerts (filters in the query)", B::None, B::Named("AlertList")),
    ("GET", "/alerts/{id}", "One alert with its messages and deliveries", B::None, B::Named("AlertDetail")),
    ("POST", "/alerts/{id}/acknowledge", "Acknowledge an alert", B::Named("AcknowledgeInput"), B::Any),
    ("POST", "/alerts/acknowledge", "Acknowledge several alerts", B::Named("AcknowledgeManyInput"), B::Named("AcknowledgedMany")),
    ("POST", "/alerts/resolve", "Resolve several problem alerts by hand", B::Named("ResolveManyInput"), B::Named("ResolvedMany")),
    ("GET", "/routes", "Routes, in order", B::None, B::Any),
    ("POST", "/routes", "Add a route at the end", B::Named("RouteInput"), B::Named("Route")),
    ("PUT", "/routes/order", "Reorder the routes", B::Named("RouteOrder"), B::Any),
    ("GET", "/routes/preview", "Which channels an alert would reach", B::None, B::Any),
    ("GET", "/routes/{id}", "One route", B::None, B::Named("Route")),
    ("PATCH", "/routes/{id}", "Change a route", B::Named("RoutePatch"), B::Named("Route")),
    ("DELETE", "/routes/{id}", "Delete a route", B::None, B::None),
    ("GET", "/silences", "Silences", B::None, B::Any),
    ("POST", "/silences", "Silence matching alerts", B::Named("SilenceInput"), B::Any),
    ("GET", "/silences/{id}", "One silence", B::None, B::Named("Silence")),
    ("DELETE", "/silences/{id}", "End a silence", B::None, B::Named("Silence")),
    ("GET", "/status-pages", "Public status pages", B::None, B::Any),
    ("POST", "/status-pages", "Make a public status page (its key is in its URL)", B::Named("StatusPageInput"), B::Named("StatusPage")),
    ("GET", "/status-pages/{id}", "One status page", B::None, B::Named("StatusPage")),
    ("PATCH", "/status-pages/{id}", "Change a status page", B::Named("StatusPageInput"), B::Named("StatusPage")),
    ("DELETE", "/status-pages/{id}", "Delete a status page (its link stops working)", B::None, B::None),
    ("GET", "/flows", "Flows with their stages' counts", B::None, B::Any),
    ("POST", "/flows", "Create a flow", B::Named("FlowInput"), B::Named("Flow")),
    ("GET", "/flows/{flow}", "One flow", B::None, B::Named("Flow")),
    ("PATCH", "/flows/{flow}", "Change a flow", B::Named("FlowPatch"), B::Named("Flow")),
    ("DELETE", "/flows/{flow}", "Delete a flow", B::None, B::None),
    ("POST", "/flows/{flow}/events", "Flow events (up to 10,000): plain, or CloudEvents structured, binary or batched; 422 when some were kept aside", B::Named("FlowEvents"), B::Named("FlowEventsResult")),
    ("GET", "/flows/{flow}/entities/{entity}", "One entity with its history", B::None, B::Any),
    ("GET", "/flows/{flow}/events.ndjson", "Events and breaches as NDJSON", B::None, B::None),
    ("GET", "/kept-aside", "Flow events that could not be read, newest first", B::None, B::Named("KeptAsideList")),
    ("DELETE", "/kept-aside/{id}", "Dismiss a kept-aside event", B::None, B::None),
    ("GET", "/calendars", "Business calendars", B::None, B::Any),
    ("POST", "/calendars", "Create a calendar", B::Named("NewCalendarInput"), B::Any),
    ("GET", "/calendars/{name}", "One calendar", B::None, B::Any),
    ("PUT", "/calendars/{name}", "Replace a calendar", B::Named("CalendarInput"), B::Any),
    ("DELETE", "/calendars/{name}", "Delete a calendar", B::None, B::None),
    ("GET", "/reports/alerts", "Alerts per day or week by reason, severity and tag (format=csv: CSV)", B::None, B::Named("AlertsReport")),
    ("GET", "/reports/response", "Time to acknowledge and to resolve, p50 and p90, against the period before", B::None, B::Named("ResponseReport")),
    ("GET", "/reports/out-of-hours", "Alerts, pages, acknowledgements and held messages outside working hours", B::None, B::Named("OutOfHoursReport")),
    ("GET", "/reports/noisiest", "The ten noisiest monitors, with what to change", B::None, B::Named("NoisiestReport")),
    ("GET", "/reports/units", "Problems by unit kind, and the oldest still open", B::None, B::Named("UnitsReport")),
    ("GET", "/reports/flows", "Flows' stages: entries, breaches, breach rate, time in stage p50/p95", B::None, B::Named("FlowsReport")),
    ("GET", "/reports/availability", "Availability per monitor (uptime over the period) against a target, with the period before", B::None, B::Named("AvailabilityReport")),
    ("GET", "/openapi.json", "This document", B::None, B::Any),
];

/// The query parameters of the status strips.
const STRIPS_QUERY: &[(&str, &str)] = &[
    (
        "monitors",
        "Up to 100 monitors, comma-separated: ids or public references",
    ),
    ("days", "How many days, 1 to 400 (default 90)"),
];

/// The query parameters every report takes (docs/behaviour.md, "Reports").
const REPORT_QUERY: &[(&str, &str)] = &[
    (
        "period",
        "The last N local days, today included: 7d, 30d (default), 90d",
    ),
    ("month", "A calendar month in the project's zone: 2026-11"),
    (
        "from",
        "A first date (YYYY-MM-DD) or an RFC 3339 time; with to",
    ),
    (
        "to",
        "A last date (included) or an RFC 3339 time (excluded); with from",
    ),
    (
        "scope",
        "project (default), tag:<name>, monitor:<id or slug>, flow:<id or name>",
    ),
    ("grain", "day (default) or week (the alerts report)"),
    ("format", "json (default) or csv"),
    (
        "target",
        "The availability report's target, percent (default: the project's availability_target, else 99.5)",
    ),
];

/// A batch of flow events (the body of `POST /flows/{flow}/events`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct FlowEvents(Vec<t::FlowEventInput>);

/// Adds a type's schema and those it refers to.
fn add<T: ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) {
    out.push((T::name().into_owned(), T::schema()));
    T::schemas(out);
}

fn schemas() -> Vec<(String, RefOr<Schema>)> {
    let mut s = Vec::new();
    add::<t::Credentials>(&mut s);
    add::<t::SetupInput>(&mut s);
    add::<t::NewProject>(&mut s);
    add::<t::AcceptInput>(&mut s);
    add::<t::JoinInput>(&mut s);
    add::<t::TokenInput>(&mut s);
    add::<t::InvitationInfo>(&mut s);
    add::<t::PasswordChange>(&mut s);
    add::<t::ForgotInput>(&mut s);
    add::<t::SignupInput>(&mut s);
    add::<t::TotpStart>(&mut s);
    add::<t::CodeInput>(&mut s);
    add::<t::RecoveryCodes>(&mut s);
    add::<t::PasskeyCeremony>(&mut s);
    add::<t::PasskeyAnswer>(&mut s);
    add::<t::NewPasskey>(&mut s);
    add::<t::PasskeyInfo>(&mut s);
    add::<t::PasskeyList>(&mut s);
    add::<t::PasskeyAdded>(&mut s);
    add::<t::PasskeyOptionsInput>(&mut s);
    add::<t::ProjectContents>(&mut s);
    add::<t::ProjectsOverview>(&mut s);
    add::<t::ProjectOverview>(&mut s);
    add::<t::AuditPage>(&mut s);
    add::<t::AuditEvent>(&mut s);
    add::<t::TransferInput>(&mut s);
    add::<t::DeleteProjectInput>(&mut s);
    add::<t::ResetInput>(&mut s);
    add::<crate::people::session::ProjectInput>(&mut s);
    add::<crate::people::sso::FinishInput>(&mut s);
    add::<crate::people::operator::LimitsInput>(&mut s);
    add::<t::UsageList>(&mut s);
    add::<t::ProjectUsage>(&mut s);
    add::<t::OperatorLimit>(&mut s);
    add::<t::KeyInput>(&mut s);
    add::<t::RoleInput>(&mut s);
    add::<t::InviteInput>(&mut s);
    add::<t::ChainInput>(&mut s);
    add::<t::Chain>(&mut s);
    add::<t::Problem>(&mut s);
    add::<t::ProblemUpdate>(&mut s);
    add::<t::MonitorInput>(&mut s);
    add::<t::Monitor>(&mut s);
    add::<t::Uptime>(&mut s);
    add::<t::ProjectSettings>(&mut s);
    add::<t::ProjectSettingsInput>(&mut s);
    add::<t::StormSettings>(&mut s);
    add::<t::AcknowledgeManyInput>(&mut s);
    add::<t::AcknowledgedMany>(&mut s);
    add::<t::ResolveManyInput>(&mut s);
    add::<t::ResolvedMany>(&mut s);
    add::<t::StormInput>(&mut s);
    add::<crate::monitoring::monitors::ChannelList>(&mut s);
    add::<t::ChannelInput>(&mut s);
    add::<t::ChannelPatch>(&mut s);
    add::<t::Channel>(&mut s);
    add::<t::Summary>(&mut s);
    add::<t::AlertList>(&mut s);
    add::<t::AlertDetail>(&mut s);
    add::<t::AcknowledgeInput>(&mut s);
    add::<t::RouteInput>(&mut s);
    add::<t::RouteOrder>(&mut s);
    add::<t::RoutePatch>(&mut s);
    add::<t::Route>(&mut s);
    add::<t::SilenceInput>(&mut s);
    add::<t::Silence>(&mut s);
    add::<t::FlowInput>(&mut s);
    add::<t::FlowPatch>(&mut s);
    add::<t::Flow>(&mut s);
    add::<t::FlowEventsResult>(&mut s);
    add::<t::UptimeDays>(&mut s);
    add::<t::UptimeStrips>(&mut s);
    add::<t::UptimeStrip>(&mut s);
    add::<t::KeptAsideList>(&mut s);
    add::<t::reports::AlertsReport>(&mut s);
    add::<t::reports::ResponseReport>(&mut s);
    add::<t::reports::OutOfHoursReport>(&mut s);
    add::<t::reports::NoisiestReport>(&mut s);
    add::<t::reports::UnitsReport>(&mut s);
    add::<t::reports::FlowsReport>(&mut s);
    add::<t::reports::AvailabilityReport>(&mut s);
    add::<t::status_pages::StatusPage>(&mut s);
    add::<t::status_pages::StatusPageInput>(&mut s);
    add::<t::status_pages::PublicStatus>(&mut s);
    add::<FlowEvents>(&mut s);
    add::<t::NewCalendarInput>(&mut s);
    add::<t::CalendarInput>(&mut s);
    s
}

fn content(b: B) -> Option<utoipa::openapi::Content> {
    match b {
        B::None => None,
        B::Any => Some(
            ContentBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(SchemaType::AnyValue)))
                .build(),
        ),
        B::Named(n) => Some(
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(n)))
                .build(),
        ),
    }
}

fn method(m: &str) -> HttpMethod {
    match m {
        "POST" => HttpMethod::Post,
        "PUT" => HttpMethod::Put,
        "PATCH" => HttpMethod::Patch,
        "DELETE" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

/// The document (built once).
pub fn build() -> &'static OpenApi {
    static DOC: OnceLock<OpenApi> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut paths = PathsBuilder::new();
        for (m, path, summary, req, resp) in ROUTES {
            let mut op = OperationBuilder::new()
                .summary(Some(*summary))
                .operation_id(Some(format!("{} {path}", m.to_lowercase())))
                .security(SecurityRequirement::new("api_key", Vec::<String>::new()));
            for seg in path.split('/').filter(|s| s.starts_with('{')) {
                let name = seg.trim_matches(['{', '}']);
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(ObjectBuilder::new().schema_type(utoipa::openapi::Type::String))),
                );
            }
            let query: &[(&str, &str)] = match *path {
                p if p.starts_with("/reports/") => REPORT_QUERY,
                "/strips" => STRIPS_QUERY,
                _ => &[],
            };
            for (name, what) in query {
                op = op.parameter(
                    ParameterBuilder::new()
                        .name(*name)
                        .parameter_in(ParameterIn::Query)
                        .required(Required::False)
                        .description(Some(*what))
                        .schema(Some(ObjectBuilder::new().schema_type(utoipa::openapi::Type::String))),
                );
            }
            if let Some(c) = content(*req) {
                op = op.request_body(Some(
                    RequestBodyBuilder::new()
                        .content("application/json", c)
                        .required(Some(Required::True))
                        .build(),
                ));
            }
            let mut ok = ResponseBuilder::new().description("Done");
            if let Some(c) = content(*resp) {
                ok = ok.content("application/json", c);
            }
            let err = ResponseBuilder::new()
                .description("Refused: {\"error\": \"<what to fix>\"}")
                .content("application/json", content(B::Any).expect("any"));
            op = op
                .response("2XX", ok.build())
                .response("4XX", err.build());
            paths = paths.path(format!("/api/v1{path}"), PathItem::new(method(m), op.build()));
        }
        let components = ComponentsBuilder::new()
            .schemas_from_iter(schemas())
            .security_scheme(
                "api_key",
                SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("X-Api-Key"))),
            )
            .build();
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("Overdue API")
                    .version(env!("CARGO_PKG_VERSION"))
                    .description(Some("Overdue's management API (/api/v1). Keys go in X-Api-Key; a read-only key reads. Errors are {\"error\": \"<what to fix>\"}."))
                    .build(),
            )
            .paths(paths.build())
            .components(Some(components))
            .build()
    })
}

/// `GET /api/v1/openapi.json` (public: it describes, it holds nothing of anyone).
async fn document() -> HttpResponse {
    HttpResponse::Ok().json(build())
}
