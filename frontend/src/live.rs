//! The project's live stream (`GET /api/v1/events`, server-sent events): one connection
//! per page, whoever listens. Browsers allow six connections to a host; a stream per
//! listener (the page, the title's counts) ran out of them after a few loads. The app
//! opens it for the open project; pages and the header subscribe for the events they
//! care about and unsubscribe when they go. It is closed when the page is hidden for
//! good (`pagehide`), so no stream outlives its page.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::Session;

type Handler = Rc<dyn Fn(&web_sys::MessageEvent)>;

thread_local! {
    /// Subscribers: (id, event names, handler).
    static SUBSCRIBERS: RefCell<Vec<(u64, Vec<&'static str>, Handler)>> = const { RefCell::new(Vec::new()) };
    static NEXT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static OPEN: RefCell<Option<web_sys::EventSource>> = const { RefCell::new(None) };
}

/// The events the stream carries: a changed monitor (`message`), a changed flow,
/// a reader that fell behind.
const EVENTS: [&str; 3] = ["message", "flow", "resync"];

fn dispatch(name: &'static str, ev: &web_sys::MessageEvent) {
    let handlers: Vec<Handler> = SUBSCRIBERS.with(|s| {
        s.borrow()
            .iter()
            .filter(|(_, names, _)| names.contains(&name))
            .map(|(_, _, h)| h.clone())
            .collect()
    });
    for h in handlers {
        h(ev);
    }
}

fn close() {
    OPEN.with(|o| {
        if let Some(es) = o.borrow_mut().take() {
            es.close();
        }
    });
}

fn open(project: Option<String>) {
    close();
    let url = match &project {
        Some(p) => format!("/api/v1/events?project={p}"),
        None => "/api/v1/events".into(),
    };
    let Ok(es) = web_sys::EventSource::new(&url) else {
        return;
    };
    for name in EVENTS {
        let handler =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                dispatch(name, &ev)
            });
        let _ = es.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
        handler.forget();
    }
    OPEN.with(|o| *o.borrow_mut() = Some(es));
}

/// Keeps the stream open for the signed-in user's open project (called once by the
/// app).
pub fn start() {
    let session = Session::get();
    Effect::new(move |_| {
        let project = session.project.get();
        if session.me.with(Option::is_some) {
            open(project);
        } else {
            close();
        }
    });
    if let Some(w) = web_sys::window() {
        let on_hide = Closure::<dyn FnMut()>::new(close);
        let _ = w.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
        on_hide.forget();
        // Back from the browser's page cache: the stream was closed, the page is old.
        let on_show = Closure::<dyn FnMut(web_sys::PageTransitionEvent)>::new(
            |ev: web_sys::PageTransitionEvent| {
                if ev.persisted() {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                }
            },
        );
        let _ = w.add_event_listener_with_callback("pageshow", on_show.as_ref().unchecked_ref());
        on_show.forget();
    }
}

/// Calls `on` for each of `events` on the stream while the calling component lives.
pub fn listen(events: &[&'static str], on: impl Fn(&web_sys::MessageEvent) + 'static) {
    let id = NEXT.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    });
    let handler: Handler = Rc::new(on);
    SUBSCRIBERS.with(|s| s.borrow_mut().push((id, events.to_vec(), handler)));
    on_cleanup(move || SUBSCRIBERS.with(|s| s.borrow_mut().retain(|(i, _, _)| *i != id)));
}
