//! Twin of "yield instead of blocking" with FreeSimpleGUI, seed 003 (Thomas
//! Spielauer's asyncio overview, line ~867): the GUI is polled from inside
//! the event loop. Each round, `main` creates an `asyncio.Future`,
//! schedules `get_window_events` with `loop.call_soon`, and awaits the
//! future, which that callback sets with the next window event. "Start
//! Task" creates a task that reports its progress through
//! `window.write_event_value`.
//!
//! `runtime::Promise` is `asyncio.Future` and `Handle::call_soon` is
//! `loop.call_soon`. FreeSimpleGUI is replaced by a stand-in: [`Window`]
//! is a `runtime::sync::Queue` of events (`read_timeout_zero()` is
//! `window.read(timeout=0)`, which returns `__TIMEOUT__` when nothing
//! happened), and a scripted user clicks "Start Task", then "Exit" once
//! the task is done. The task's 1 s steps are scaled to 100 ms.
//!
//! Quirks of the tutorial: `get_window_events` loops `while True` inside a
//! plain callback and calls `asyncio.sleep(0)` without `await` (which only
//! creates a coroutine and drops it), so the callback never yields; it
//! works only because `window.read(timeout=0)` returns `__TIMEOUT__` at
//! once instead of `None`, so the callback always sets the future on its
//! first read and `main` does the looping. The twin's callback reads once.
//! The tutorial busy-waits on `__TIMEOUT__` (the drawback it names); the
//! twin also sleeps 1 ms on it, so the test does not spin a core.
//!
//! Prints `Step 1 complete` ... `Step 5 complete`, 100 ms apart, then
//! `Task finished`.

use runtime::sync::Queue;
use runtime::Promise;
use std::sync::Arc;
use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

/// The window events of the tutorial, with their values.
#[derive(Clone, Debug)]
enum Event {
    /// The "Start Task" button.
    StartTask,
    /// The "Exit" button.
    Exit,
    /// `"__TIMEOUT__"`: nothing happened.
    Timeout,
    /// `"TASK_UPDATE"`, with `values["TASK_UPDATE"]`.
    TaskUpdate(String),
    /// `"TASK_DONE"`, with `values["TASK_DONE"]`.
    TaskDone(String),
}

/// The stand-in for `sg.Window`: its event queue.
struct Window {
    events: Queue<Event>,
}

impl Window {
    fn new() -> Window {
        Window {
            events: Queue::new(0),
        }
    }

    /// `window.read(timeout=0)`: the next event, or `__TIMEOUT__`.
    fn read_timeout_zero(&self) -> Event {
        self.events.get_nowait().unwrap_or(Event::Timeout)
    }

    /// `window.write_event_value(...)`, usable from any thread; also what
    /// a user's click does.
    fn write_event_value(&self, event: Event) {
        // The queue is unbounded and never shut down: this cannot fail.
        self.events
            .put_nowait(event)
            .expect("the window's event queue refused an event");
    }
}

async fn long_running_task(window: Arc<Window>) {
    for i in 0..5 {
        runtime::sleep(SECOND).await;
        window.write_event_value(Event::TaskUpdate(format!("Step {} complete", i + 1)));
    }
    window.write_event_value(Event::TaskDone("Task finished".to_string()));
}

/// The callback: poll the window once and hand the event to `main`
/// through the future.
fn get_window_events(window: &Window, future: &Promise<Event>) {
    let event = window.read_timeout_zero();
    future
        .set_result(event)
        .expect("the future was already set");
}

#[runtime::main]
async fn main() {
    let window = Arc::new(Window::new());
    // loop = asyncio.get_running_loop()
    let event_loop = runtime::Handle::current();
    // The stand-in user clicks the button.
    window.write_event_value(Event::StartTask);
    loop {
        // future = asyncio.Future()
        let future: Promise<Event> = Promise::new();
        // loop.call_soon(get_window_events, window, future)
        event_loop.call_soon({
            let (window, future) = (window.clone(), future.clone());
            move || get_window_events(&window, &future)
        });
        // event, values = await future
        let event = future.wait().await.expect("the future failed");
        // await asyncio.sleep(0)
        runtime::yield_now().await;
        match event {
            Event::Exit => break,
            // asyncio.create_task(...), not kept: the task runs detached.
            Event::StartTask => drop(runtime::create_task(long_running_task(window.clone()))),
            Event::TaskUpdate(text) => println!("{text}"),
            Event::TaskDone(text) => {
                println!("{text}");
                // The stand-in user has seen it finish and clicks "Exit".
                window.write_event_value(Event::Exit);
            }
            // Not in the tutorial, which spins here: see the header.
            Event::Timeout => runtime::sleep(Duration::from_millis(1)).await,
        }
    }
}
