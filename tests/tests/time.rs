//! Timers: sleep, sleep_until, interval, timeout; from workers and from
//! `block_on` threads; many at once; cancelled by drop.

use runtime_tests::{rt, DropCounter, Forever};
use std::time::{Duration, Instant};

#[test]
fn sleep_never_wakes_early() {
    let rt = rt(2);
    rt.block_on(async {
        for ms in [0, 1, 3, 17] {
            let start = Instant::now();
            runtime::sleep(Duration::from_millis(ms)).await;
            assert!(start.elapsed() >= Duration::from_millis(ms));
        }
        let deadline = Instant::now() + Duration::from_millis(5);
        runtime::sleep_until(deadline).await;
        assert!(Instant::now() >= deadline);
        // In a task (the worker's own timer shard), too.
        runtime::spawn(async {
            let start = Instant::now();
            runtime::sleep(Duration::from_millis(7)).await;
            assert!(start.elapsed() >= Duration::from_millis(7));
        })
        .await
        .unwrap();
    });
}

#[test]
fn ten_thousand_timers_all_fire_in_deadline_order_per_task() {
    let rt = rt(2);
    rt.block_on(async {
        let tasks: Vec<_> = (0..10_000u64)
            .map(|i| {
                runtime::spawn(async move {
                    let d = Duration::from_millis(1 + i % 20);
                    let start = Instant::now();
                    runtime::sleep(d).await;
                    start.elapsed() >= d
                })
            })
            .collect();
        for task in tasks {
            assert!(task.await.unwrap());
        }
    });
}

#[test]
fn a_dropped_sleep_cancels_its_timer() {
    let rt = rt(1);
    rt.block_on(async {
        for _ in 0..1000 {
            let mut sleep = runtime::sleep(Duration::from_secs(3600));
            // Register it, then drop it.
            let waker = std::task::Waker::noop();
            let mut cx = std::task::Context::from_waker(waker);
            assert!(std::pin::Pin::new(&mut sleep).poll(&mut cx).is_pending());
        }
        // Still responsive; the 1000 hour-long timers are gone.
        runtime::sleep(Duration::from_millis(1)).await;
    });
}

use std::future::Future;

#[test]
fn sleep_reset_moves_the_deadline() {
    let rt = rt(1);
    rt.block_on(async {
        let start = Instant::now();
        let mut sleep = runtime::sleep(Duration::from_secs(3600));
        sleep.reset(Instant::now() + Duration::from_millis(5));
        (&mut sleep).await;
        assert!(start.elapsed() < Duration::from_secs(3600));
        assert!(sleep.is_elapsed());
    });
}

#[test]
fn timeout_returns_the_output_or_drops_the_future_first() {
    let rt = rt(2);
    let drops = DropCounter::new();
    rt.block_on(async {
        assert_eq!(
            runtime::timeout(Duration::from_secs(5), async { 1 }).await,
            Ok(1)
        );
        let err = runtime::timeout(Duration::from_millis(5), Forever(drops.token()))
            .await
            .unwrap_err();
        // The inner future was dropped before the error came back.
        assert_eq!(drops.drops(), 1);
        assert_eq!(err.to_string(), "deadline has elapsed");
        let io: std::io::Error = err.into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        let at = Instant::now() + Duration::from_millis(3);
        assert!(runtime::timeout_at(at, Forever(drops.token()))
            .await
            .is_err());
    });
}

#[test]
fn interval_ticks_at_the_period() {
    let rt = rt(2);
    rt.block_on(async {
        let start = Instant::now();
        let mut interval = runtime::interval(Duration::from_millis(10));
        let first = interval.tick().await;
        assert!(first <= Instant::now());
        for n in 1..=5u32 {
            let t = interval.tick().await;
            assert_eq!(t, first + Duration::from_millis(10) * n);
            assert!(Instant::now() >= t);
        }
        assert!(start.elapsed() >= Duration::from_millis(50));
    });
}

#[test]
fn interval_missed_tick_behaviours() {
    use runtime::time::MissedTickBehavior;
    let rt = rt(1);
    rt.block_on(async {
        for behavior in [
            MissedTickBehavior::Burst,
            MissedTickBehavior::Delay,
            MissedTickBehavior::Skip,
        ] {
            let mut interval = runtime::interval(Duration::from_millis(5));
            interval.set_missed_tick_behavior(behavior);
            let first = interval.tick().await;
            std::thread::sleep(Duration::from_millis(23)); // miss four ticks
            let late = interval.tick().await;
            assert_eq!(late, first + Duration::from_millis(5));
            let next = interval.tick().await;
            match behavior {
                MissedTickBehavior::Burst => assert_eq!(next, first + Duration::from_millis(10)),
                MissedTickBehavior::Delay => assert!(next >= late + Duration::from_millis(23)),
                MissedTickBehavior::Skip => {
                    assert!(next >= first + Duration::from_millis(25));
                    assert_eq!((next - first).as_millis() % 5, 0);
                }
            }
        }
    });
}

#[test]
#[should_panic(expected = "interval period must be non-zero")]
fn a_zero_interval_is_rejected() {
    let _ = runtime::interval(Duration::ZERO);
}

#[test]
fn sleep_outside_a_runtime_panics_clearly() {
    let payload = std::panic::catch_unwind(|| {
        let mut sleep = runtime::sleep(Duration::from_millis(10));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let _ = std::pin::Pin::new(&mut sleep).poll(&mut cx);
    })
    .unwrap_err();
    let message = runtime_tests::panic_message(&*payload);
    assert!(message.contains("outside of a runtime"), "{message}");
}

#[test]
fn an_interval_is_a_stream_of_its_tick_times() {
    use futures_lite::StreamExt;
    let rt = runtime_tests::rt(1);
    runtime_tests::block_on_within(&rt, async {
        let start = std::time::Instant::now();
        let period = std::time::Duration::from_millis(2);
        let ticks: Vec<_> = runtime::interval_at(start, period).take(4).collect().await;
        let expected: Vec<_> = (0..4).map(|i| start + period * i).collect();
        assert_eq!(ticks, expected, "each item is the tick's scheduled time");
    });
}

/// `Skip` after falling more periods behind than a `u32` counts (a 1 ns
/// period, 10 s behind) used to wrap the multiplication and schedule the
/// next tick far in the past, firing a burst instead of skipping.
#[test]
fn skip_catches_up_past_any_number_of_missed_periods() {
    let rt = runtime_tests::rt(1);
    let Some(long_ago) = std::time::Instant::now().checked_sub(std::time::Duration::from_secs(10))
    else {
        return; // the clock started less than 10 s ago: nothing to test
    };
    runtime_tests::block_on_within(&rt, async {
        let mut ticks = runtime::interval_at(long_ago, std::time::Duration::from_nanos(1));
        ticks.set_missed_tick_behavior(runtime::time::MissedTickBehavior::Skip);
        let before = std::time::Instant::now();
        assert_eq!(ticks.tick().await, long_ago);
        let next = ticks.tick().await;
        assert!(
            next >= before,
            "skipped to {next:?}, still before {before:?}"
        );
    });
}
