//! Times as a person reads them: in the project's zone with the zone's name ("Dec 3,
//! 2026, 12:28:05 AM EST"), or a cron monitor's own zone; the browser's zone until the
//! project's is known (docs/behaviour.md, "The project's zone"); relative times ("3 min
//! ago", "in 5 min") that tick with one clock for the whole app; the other form on
//! hover. The API speaks UTC RFC 3339; nothing raw reaches the page.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// The app's clock: now in milliseconds, ticking each second. Relative times and the
/// statuses the page computes itself (a monitor turning late) follow it.
#[derive(Clone, Copy)]
pub struct Clock(RwSignal<f64>);

impl Clock {
    /// Starts the clock and provides it to the app; makes the project's zone signal.
    pub fn start() {
        ZONE.with(|z| z.set(Some(RwSignal::new(None))));
        let now = RwSignal::new(js_sys::Date::now());
        let _ = set_interval_with_handle(
            move || now.set(js_sys::Date::now()),
            std::time::Duration::from_secs(1),
        );
        provide_context(Clock(now));
    }
}

/// Now in milliseconds, tracked: a view reading it updates each second.
pub fn now() -> f64 {
    use_context::<Clock>().map_or_else(js_sys::Date::now, |c| c.0.get())
}

/// Milliseconds since the epoch of an RFC 3339 time (`None`: not a time).
pub fn parse(t: &str) -> Option<f64> {
    let ms = js_sys::Date::parse(t);
    (!ms.is_nan()).then_some(ms)
}

/// "12 s ago", "3 min ago", "in 5 min", "2 d ago".
pub fn relative(at: f64, now: f64) -> String {
    let secs = ((now - at) / 1000.0).round() as i64;
    let (n, future) = (secs.abs(), secs < 0);
    let amount = match n {
        0..=4 => return "just now".into(),
        n if n < 60 => format!("{n} s"),
        n if n < 3600 => format!("{} min", n / 60),
        n if n < 86_400 => format!("{} h", n / 3600),
        n => format!("{} d", n / 86_400),
    };
    if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// Formatters by (zone, with seconds); `None`: the browser does not know the zone.
type Formats = std::collections::HashMap<(Option<String>, bool), Option<js_sys::Function>>;

thread_local! {
    /// One `Intl.DateTimeFormat` per (zone, seconds): making one costs far more than
    /// using it, and a list of 200 monitors formats hundreds of times.
    static FORMATS: std::cell::RefCell<Formats> = Default::default();
    /// The open project's zone, once the summary said it: a signal, so that a page
    /// drawn before it arrived is drawn again in it.
    static ZONE: std::cell::Cell<Option<RwSignal<Option<String>>>> = const { std::cell::Cell::new(None) };
}

/// The signal of the open project's zone, made by [`Clock::start`] with the app (a
/// signal made by a page would go with the page).
fn zone_signal() -> Option<RwSignal<Option<String>>> {
    ZONE.with(std::cell::Cell::get)
}

/// Sets the open project's zone (from `GET /api/v1/summary`): times without a zone of
/// their own are shown in it from then on.
pub fn set_zone(tz: &str) {
    let tz = (!tz.is_empty()).then(|| tz.to_string());
    if let Some(s) = zone_signal() {
        if s.with_untracked(|z| *z != tz) {
            s.set(tz);
        }
    }
}

/// The open project's zone, when known; tracked (a view reading it follows a change).
pub fn zone() -> Option<String> {
    zone_signal().and_then(|s| s.get())
}

/// The `format` function of an `Intl.DateTimeFormat` for `tz` (`None`: the browser's
/// zone); `None` when the browser does not know the zone.
fn formatter(tz: Option<&str>, seconds: bool) -> Option<js_sys::Function> {
    let key = (tz.map(str::to_string), seconds);
    if let Some(f) = FORMATS.with(|m| m.borrow().get(&key).cloned()) {
        return f;
    }
    let opts = js_sys::Object::new();
    let set = |k: &str, v: &str| {
        let _ = js_sys::Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v));
    };
    for (k, v) in [
        ("year", "numeric"),
        ("month", "short"),
        ("day", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("timeZoneName", "short"),
    ] {
        set(k, v);
    }
    if seconds {
        set("second", "2-digit");
    }
    if let Some(tz) = tz {
        set("timeZone", tz);
    }
    // Through Reflect so that a zone the browser does not know is an error here, not a
    // trap.
    let made = (|| {
        let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
        let ctor: js_sys::Function =
            js_sys::Reflect::get(&intl, &JsValue::from_str("DateTimeFormat"))
                .ok()?
                .into();
        let dtf =
            js_sys::Reflect::construct(&ctor, &js_sys::Array::of2(&JsValue::UNDEFINED, &opts))
                .ok()?;
        let f = js_sys::Reflect::get(&dtf, &JsValue::from_str("format")).ok()?;
        Some(js_sys::Function::from(f))
    })();
    FORMATS.with(|m| m.borrow_mut().insert(key, made.clone()));
    made
}

/// `t` in `tz` (an IANA name; `None`: the project's zone) with the zone's short name;
/// `seconds` adds them. The browser's zone when it does not know the zone; the text as
/// given when it is not a time.
pub fn local(t: &str, tz: Option<&str>, seconds: bool) -> String {
    let Some(ms) = parse(t) else {
        return t.to_string();
    };
    let date = js_sys::Date::new(&JsValue::from_f64(ms));
    let project = zone_signal().and_then(|s| s.get_untracked());
    formatter(tz.or(project.as_deref()), seconds)
        .or_else(|| formatter(None, seconds))
        .and_then(|f| f.call1(&JsValue::NULL, &date).ok()?.as_string())
        .unwrap_or_else(|| t.to_string())
}

/// A relative time that ticks, the local time on hover; "never" for none.
pub fn when(t: Option<String>) -> AnyView {
    let Some(t) = t else {
        return view! { <span class="never">"never"</span> }.into_any();
    };
    let Some(at) = parse(&t) else {
        return t.into_any();
    };
    let title = local(&t, None, true);
    view! { <time datetime=t title=title>{move || relative(at, now())}</time> }.into_any()
}

/// A local time with its zone (the monitor's `tz` when given), the relative time on
/// hover.
pub fn stamp(t: String, tz: Option<&str>) -> AnyView {
    let Some(at) = parse(&t) else {
        return t.into_any();
    };
    let text = local(&t, tz, true);
    view! { <time datetime=t title=move || relative(at, now())>{text}</time> }.into_any()
}

/// A local time without seconds (for dates in sentences: "silenced until …").
pub fn short(t: String) -> AnyView {
    let Some(at) = parse(&t) else {
        return t.into_any();
    };
    let text = local(&t, None, false);
    view! { <time datetime=t title=move || relative(at, now())>{text}</time> }.into_any()
}

/// Whether the browser knows `tz` as a time zone (an IANA name such as Europe/Riga).
pub fn known_zone(tz: &str) -> bool {
    !tz.is_empty() && formatter(Some(tz), false).is_some()
}

/// The zones the browser knows (`Intl.supportedValuesOf("timeZone")`), with UTC; empty
/// when the browser cannot list them (a zone may still be typed).
fn zones() -> Vec<String> {
    let listed = (|| {
        let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
        let f: js_sys::Function =
            js_sys::Reflect::get(&intl, &JsValue::from_str("supportedValuesOf"))
                .ok()
                .filter(|f| f.is_function())?
                .into();
        let list = f.call1(&intl, &JsValue::from_str("timeZone")).ok()?;
        Some(
            js_sys::Array::from(&list)
                .iter()
                .filter_map(|z| z.as_string())
                .collect::<Vec<_>>(),
        )
    })()
    .unwrap_or_default();
    let mut out = vec!["UTC".to_string()];
    out.extend(listed.into_iter().filter(|z| z != "UTC"));
    out
}

/// The suggestions of a zone field (`list="zones"`): every zone the browser knows.
#[component]
pub fn ZoneList() -> impl IntoView {
    view! {
        <datalist id="zones">
            {zones().into_iter().map(|z| view! { <option value=z/> }).collect_view()}
        </datalist>
    }
}
