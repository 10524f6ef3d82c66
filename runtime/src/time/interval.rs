//! [`Interval`]: ticks at a fixed period.

use super::sleep::{sleep_until, Sleep};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

/// What an [`Interval`] does when ticks were missed (the task was busy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissedTickBehavior {
    /// Fire the missed ticks back to back until caught up (keeps the
    /// average rate).
    #[default]
    Burst,
    /// Restart the period from the late tick (keeps the spacing).
    Delay,
    /// Skip the missed ticks and continue on the original schedule.
    Skip,
}

/// Ticks every `period`, the first tick completing at once.
///
/// # Panics
/// Panics if `period` is zero.
///
/// ```
/// # runtime::run(async {
/// let mut ticks = runtime::interval(std::time::Duration::from_millis(5));
/// ticks.tick().await; // at once
/// ticks.tick().await; // 5 ms later
/// # });
/// ```
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    interval_at(Instant::now(), period)
}

/// Ticks every `period`, the first tick at `start`.
///
/// # Panics
/// Panics if `period` is zero.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(
        !period.is_zero(),
        "interval period must be non-zero (got Duration::ZERO)"
    );
    Interval {
        sleep: sleep_until(start),
        period,
        missed: MissedTickBehavior::default(),
    }
}

/// A stream of ticks, created by [`interval`].
///
/// Also a [`futures_core::Stream`] of the ticks' scheduled times, so
/// stream combinators apply:
///
/// ```
/// use futures_lite::StreamExt;
/// # runtime::run(async {
/// let ticks = runtime::interval(std::time::Duration::from_millis(1));
/// let first_three: Vec<std::time::Instant> = ticks.take(3).collect().await;
/// assert!(first_three.windows(2).all(|w| w[0] < w[1]));
/// # });
/// ```
#[derive(Debug)]
pub struct Interval {
    sleep: Sleep,
    period: Duration,
    missed: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns its scheduled time.
    pub async fn tick(&mut self) -> Instant {
        std::future::poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        std::task::ready!(Pin::new(&mut self.sleep).poll(cx));
        let scheduled = self.sleep.deadline();
        let now = Instant::now();
        let mut next = scheduled + self.period;
        if next <= now {
            next = match self.missed {
                MissedTickBehavior::Burst => next,
                MissedTickBehavior::Delay => now + self.period,
                MissedTickBehavior::Skip => {
                    let behind = now.duration_since(scheduled).as_nanos();
                    let periods = behind / self.period.as_nanos() + 1;
                    // In nanoseconds: a tiny period after a long stall is
                    // more periods than `Duration * u32` can count.
                    let skip = self.period.as_nanos().saturating_mul(periods);
                    scheduled + Duration::from_nanos(u64::try_from(skip).unwrap_or(u64::MAX))
                }
            };
        }
        self.sleep.reset(next);
        Poll::Ready(scheduled)
    }

    /// Restarts the schedule: the next tick is one period from now.
    pub fn reset(&mut self) {
        self.sleep.reset(Instant::now() + self.period);
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// What happens to missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed
    }

    /// Sets what happens to missed ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed = behavior;
    }
}

impl futures_core::Stream for Interval {
    type Item = std::time::Instant;

    /// The next tick's scheduled time; never ends.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}
