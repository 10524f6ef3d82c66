//! Twin of "asyncio tasks in a background thread", seed 003 (Thomas
//! Spielauer's asyncio overview, line ~919): a synchronous GUI event loop
//! owns the main thread, asyncio's loop runs forever on a background
//! thread, the GUI hands work to it with `run_coroutine_threadsafe`, the
//! async task reports back through the GUI's own thread-safe event queue
//! (`window.write_event_value`), and on exit the GUI stops the loop with
//! `loop.call_soon_threadsafe(loop.stop)` and joins the thread.
//!
//! FreeSimpleGUI is replaced by a stand-in: [`Window`] is a channel of
//! events whose `read()` blocks like `window.read()`, and a scripted user
//! clicks "Start Async Task", then "Exit" once the task says it has
//! finished. The tutorial's ten 1 s steps are scaled to 100 ms each.
//!
//! Prints `Async task iteration 1` to `Async task iteration 10`, 100 ms
//! apart, then `Async task finished`.

use std::sync::mpsc;
use std::time::Duration;

/// One second of the tutorial's time.
const SECOND: Duration = Duration::from_millis(100);

/// The GUI events of the tutorial, with their values.
#[derive(Debug)]
enum Event {
    /// The "Start Async Task" button.
    StartAsyncTask,
    /// The "Exit" button.
    Exit,
    /// `"TASK_UPDATE"`, with `values["TASK_UPDATE"]`.
    TaskUpdate(String),
}

/// The stand-in for `sg.Window`: its event queue.
struct Window {
    sender: mpsc::Sender<Event>,
    events: mpsc::Receiver<Event>,
}

impl Window {
    fn new() -> Window {
        let (sender, events) = mpsc::channel();
        Window { sender, events }
    }

    /// `window.read()`: blocks until the next event. `None` is
    /// `sg.WINDOW_CLOSED`.
    fn read(&self) -> Option<Event> {
        self.events.recv().ok()
    }

    /// The thread-safe half of the window, for `write_event_value`.
    fn writer(&self) -> EventWriter {
        EventWriter(self.sender.clone())
    }

    /// What a user's click does: queue the button's event.
    fn click(&self, button: Event) {
        self.writer().write_event_value(button);
    }
}

/// `window.write_event_value(...)`, usable from any thread.
struct EventWriter(mpsc::Sender<Event>);

impl EventWriter {
    fn write_event_value(&self, event: Event) {
        // If the window is gone, nobody is listening: drop the event.
        let _ = self.0.send(event);
    }
}

/// The async task that produces output and sends it back to the GUI via
/// the event queue.
async fn async_task(window: EventWriter) {
    for i in 0..10 {
        runtime::sleep(SECOND).await; // Simulate async work
        window.write_event_value(Event::TaskUpdate(format!("Async task iteration {}", i + 1)));
    }
    window.write_event_value(Event::TaskUpdate("Async task finished".to_string()));
}

fn main() {
    // Create our GUI as usual.
    let window = Window::new();

    // Start the event loop in a background thread. It is created here so
    // its handle can be used for `run_coroutine_threadsafe` below.
    let rt = runtime::Runtime::new().expect("failed to start the runtime");
    let event_loop = rt.handle().clone();
    let thread = std::thread::spawn(move || rt.run_forever());

    // The stand-in user clicks the button.
    window.click(Event::StartAsyncTask);

    // Main event loop for the GUI
    while let Some(event) = window.read() {
        match event {
            Event::Exit => break,
            Event::StartAsyncTask => {
                // Schedule the async task: run_coroutine_threadsafe. The
                // returned task is dropped (detached), as the tutorial
                // drops its concurrent.futures.Future.
                event_loop.spawn(async_task(window.writer()));
            }
            Event::TaskUpdate(text) => {
                println!("{text}");
                if text == "Async task finished" {
                    window.click(Event::Exit); // the stand-in user is done
                }
            }
        }
    }

    // Clean up: stop the loop (call_soon_threadsafe(loop.stop)), join it.
    event_loop.stop();
    thread.join().expect("the loop thread panicked");
}
