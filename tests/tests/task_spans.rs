//! Each poll runs in a `task` span (target `runtime::task`), so a user's
//! own events inside a task say which task they came from.

use runtime::Runtime;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A span's or an event's fields, by name.
type FieldMap = HashMap<String, String>;

/// An event's message, and the fields of the task span it happened in.
type Recorded = (String, Option<FieldMap>);

/// Records each span's target and fields, and for each event the message
/// and the fields of the task span it happened in.
#[derive(Clone, Default)]
struct Spans {
    next_id: Arc<AtomicU64>,
    spans: Arc<Mutex<HashMap<u64, (String, FieldMap)>>>,
    events: Arc<Mutex<Vec<Recorded>>>,
}

thread_local! {
    static STACK: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Spans {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, SeqCst) + 1;
        let mut fields = HashMap::new();
        attrs.record(&mut Fields(&mut fields));
        let target = attrs.metadata().target().to_string();
        self.spans.lock().unwrap().insert(id, (target, fields));
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some((_, fields)) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        let message = fields.remove("message").unwrap_or_default();
        let current = STACK.with(|s| s.borrow().last().copied());
        let span = current
            .and_then(|id| self.spans.lock().unwrap().get(&id).cloned())
            .filter(|(target, _)| target == "runtime::task")
            .map(|(_, fields)| fields);
        self.events.lock().unwrap().push((message, span));
    }
    fn enter(&self, span: &Id) {
        STACK.with(|s| s.borrow_mut().push(span.into_u64()));
    }
    fn exit(&self, _: &Id) {
        STACK.with(|s| s.borrow_mut().pop());
    }
}

fn runtime_with(spans: &Spans) -> Runtime {
    let dispatch = tracing::Dispatch::new(spans.clone());
    Runtime::builder()
        .workers(2)
        .on_thread_start(move || {
            let guard = tracing::dispatcher::set_default(&dispatch);
            std::mem::forget(guard); // lives as long as the thread
        })
        .build()
        .unwrap()
}

#[test]
fn events_inside_a_task_carry_its_id_and_name() {
    let spans = Spans::default();
    let rt = runtime_with(&spans);
    let (named, unnamed) = rt.block_on(async {
        let named = runtime::task::Builder::new().name("fetcher").spawn(async {
            tracing::info!("inside the named task");
            runtime::yield_now().await;
            tracing::info!("after a yield");
        });
        let unnamed = runtime::spawn(async {
            tracing::info!("inside the unnamed task");
        });
        let ids = (named.id(), unnamed.id());
        named.await.unwrap();
        unnamed.await.unwrap();
        ids
    });
    let events = spans.events.lock().unwrap().clone();
    let span_of = |message: &str| {
        events
            .iter()
            .find(|(m, _)| m.contains(message))
            .unwrap_or_else(|| panic!("no event {message:?} in {events:?}"))
            .1
            .clone()
            .unwrap_or_else(|| panic!("event {message:?} outside any task span"))
    };
    for message in ["inside the named task", "after a yield"] {
        let fields = span_of(message);
        assert_eq!(fields["task.id"], named.as_u64().to_string(), "{fields:?}");
        assert_eq!(fields["task.name"], "fetcher", "{fields:?}");
        assert!(
            fields["task.spawned_at"].contains("task_spans.rs"),
            "{fields:?}"
        );
    }
    let fields = span_of("inside the unnamed task");
    assert_eq!(fields["task.id"], unnamed.as_u64().to_string());
    assert!(!fields.contains_key("task.name"), "{fields:?}");
}

#[test]
fn an_eager_tasks_first_poll_is_in_its_span_too() {
    let spans = Spans::default();
    let rt = runtime_with(&spans);
    let id = rt.block_on(async {
        runtime::spawn(async {
            let task = runtime::spawn_eager(async {
                tracing::info!("eager first poll");
            });
            let id = task.id();
            task.await.unwrap();
            id
        })
        .await
        .unwrap()
    });
    let events = spans.events.lock().unwrap().clone();
    let (_, span) = events
        .iter()
        .find(|(m, _)| m.contains("eager first poll"))
        .expect("the event was recorded");
    let fields = span.as_ref().expect("inside a task span");
    assert_eq!(fields["task.id"], id.as_u64().to_string());
}
