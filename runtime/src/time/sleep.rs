//! [`Sleep`]: a future that completes at a deadline.

use crate::scheduler::Shared;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// Waits until `duration` has elapsed (asyncio's `asyncio.sleep`).
///
/// The timer has a 50 µs resolution and never fires early. Must be
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
            let Some(fired_at) = reg.timers().poll_entry(reg.key as usize, cx.waker()) else {
                return Poll::Pending;
            };
            // The entry is gone with the poll that saw it fire.
            let due = reg.shared.clock.deadline_tick(self.deadline) <= fired_at;
            self.registration = None;
            if due {
                coop.made_progress();
                return Poll::Ready(());
            }
            // Fired at the wheel's horizon (~40 days), short of a later
            // deadline: register again, below.
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

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    /// A deadline past the wheel's horizon (~40 days) is placed at the
    /// horizon and fires there: the `Sleep` must see that its own deadline
    /// has not come and register again, not complete ~40 days early.
    #[test]
    fn a_sleep_past_the_horizon_registers_again_when_the_horizon_fires() {
        let rt = crate::Runtime::builder().workers(1).build().unwrap();
        let _guard = rt.enter();
        let mut cx = Context::from_waker(Waker::noop());
        let mut sleep = sleep(Duration::from_secs(100 * 86_400));
        assert!(Pin::new(&mut sleep).poll(&mut cx).is_pending());
        let reg = sleep.registration.as_ref().expect("registered");
        let (shared, shard) = (reg.shared.clone(), reg.shard as usize);
        let timers = &shared.remotes[shard].timers;
        // Move this shard's wheel on to its horizon, as ~40 days would:
        // slot by slot (the entry cascades down the levels) until it fires.
        let deadline_tick = shared.clock.deadline_tick(sleep.deadline());
        let mut fired = Vec::new();
        for _ in 0..=crate::time::wheel::NUM_LEVELS {
            let next = timers.next_deadline_locked().expect("a pending timer");
            assert!(next < deadline_tick, "the horizon comes first");
            timers.process(next, &mut fired, true);
            if !fired.is_empty() {
                break;
            }
        }
        assert_eq!(fired.len(), 1, "the wheel fires the entry at its horizon");
        assert!(
            Pin::new(&mut sleep).poll(&mut cx).is_pending(),
            "a sleep completed ~60 days before its deadline"
        );
        assert!(sleep.registration.is_some(), "registered again");
        assert_eq!(timers.pending(), 1);
    }
}
