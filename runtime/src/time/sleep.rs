//! [`Sleep`]: a future that completes at a deadline.

use crate::scheduler::Shared;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Waits until `duration` has elapsed (asyncio's `asyncio.sleep`).
///
/// The timer has millisecond resolution and never fires early. Must be
/// awaited inside a runtime. Once that runtime has shut down, pending and
/// new sleeps complete at once: no worker is left to fire them, and a
/// sleep that never completed would hang whoever awaits it.
///
/// ```
/// # runtime::run(async {
/// use std::time::{Duration, Instant};
/// let start = Instant::now();
/// runtime::sleep(Duration::from_millis(10)).await;
/// assert!(start.elapsed() >= Duration::from_millis(10));
/// # });
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    let deadline = Instant::now()
        .checked_add(duration)
        .unwrap_or_else(far_future);
    sleep_until(deadline)
}

/// Waits until `deadline`.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        registration: None,
    }
}

/// About thirty years out: "never" for a timer, still representable.
pub(crate) fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365 * 30)
}

/// The future returned by [`sleep`] and [`sleep_until`].
///
/// It is `Unpin`, so it can be polled by reference in a loop, and
/// [`reset`](Sleep::reset) moves its deadline. Dropping it cancels the
/// timer.
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Sleep {
    deadline: Instant,
    registration: Option<Registration>,
}

/// 16 bytes (indexes as `u32`: a shard is a worker, and a wheel holds
/// fewer than `u32::MAX` timers), so a `Sleep` is 32.
#[derive(Debug)]
struct Registration {
    shared: Arc<Shared>,
    shard: u32,
    key: u32,
}

impl Registration {
    fn timers(&self) -> &super::TimerShard {
        &self.shared.remotes[self.shard as usize].timers
    }
}

impl Sleep {
    /// When the sleep completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True once the deadline has passed.
    pub fn is_elapsed(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// Moves the deadline (earlier or later); the sleep can then be polled
    /// again, even if it had completed.
    pub fn reset(&mut self, deadline: Instant) {
        self.deregister();
        self.deadline = deadline;
    }

    fn deregister(&mut self) {
        if let Some(reg) = self.registration.take() {
            reg.timers().remove(reg.key as usize);
        }
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        if let Some(reg) = &self.registration {
            if reg.timers().poll_entry(reg.key as usize, cx.waker()) {
                // The entry is gone with the poll that saw it fire.
                self.registration = None;
                coop.made_progress();
                return Poll::Ready(());
            }
            return Poll::Pending;
        }
        if Instant::now() >= self.deadline {
            coop.made_progress();
            return Poll::Ready(());
        }
        let shared = crate::context::with_handle("runtime::sleep (a Sleep was polled)", |h| {
            h.shared().clone()
        });
        let tick = shared.clock.deadline_tick(self.deadline);
        let (shard, on_owner) = shared.timer_shard();
        match shared.remotes[shard]
            .timers
            .insert(tick, cx.waker().clone())
        {
            None => {
                coop.made_progress();
                Poll::Ready(())
            }
            Some((key, earliest)) => {
                if earliest && !on_owner {
                    // The shard's worker may be parked with a later timeout.
                    shared.wake_worker(shard);
                }
                let shut_down = shared.is_shutdown();
                // Both fit: `Wheel::insert` refuses keys past `u32::MAX`,
                // and shards are workers, far fewer.
                self.registration = Some(Registration {
                    shared,
                    shard: shard as u32,
                    key: key as u32,
                });
                if shut_down {
                    // Shutdown set its flag before firing every shard, so
                    // either it fired this entry or we see the flag here.
                    self.deregister();
                    coop.made_progress();
                    return Poll::Ready(());
                }
                Poll::Pending
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.deregister();
    }
}
