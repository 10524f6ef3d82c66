//! `runtime::sync::Queue` against a `VecDeque` model, under random
//! sequences of `put_nowait`/`get_nowait`, `put`/`get` futures left
//! pending, polled again or cancelled (dropped) at any point.
//!
//! The model is the protocol of `sync/queue/state.rs`, step by step:
//! a put hands its item to the first waiting getter, else waits if full,
//! else stores it; a get takes the oldest item and then admits waiting
//! putters while there is room, else waits; a served getter that is
//! cancelled gives its item to the next waiting getter or back to the
//! front of the queue; a cancelled putter that was not admitted never put.
//! Every answer (each `Ready`/`Pending`, each item, `qsize`) must match.

use proptest::prelude::*;
use runtime::sync::Queue;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

#[derive(Clone, Debug)]
enum Op {
    PutNowait,
    GetNowait,
    /// Starts a `put` future and polls it once.
    Put,
    /// Starts a `get` future and polls it once.
    Get,
    /// Polls the n-th (mod count) live getter / putter again.
    PollGetter(usize),
    PollPutter(usize),
    /// Drops the n-th live getter / putter.
    CancelGetter(usize),
    CancelPutter(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => Just(Op::PutNowait),
        2 => Just(Op::GetNowait),
        2 => Just(Op::Put),
        2 => Just(Op::Get),
        1 => any::<usize>().prop_map(Op::PollGetter),
        1 => any::<usize>().prop_map(Op::PollPutter),
        1 => any::<usize>().prop_map(Op::CancelGetter),
        1 => any::<usize>().prop_map(Op::CancelPutter),
    ]
}

/// The model's view of one getter / putter future.
#[derive(Debug, PartialEq)]
enum Getter {
    Waiting,
    Served(u32),
}

#[derive(Default)]
struct Model {
    maxsize: usize,
    items: VecDeque<u32>,
    /// Linked getters, first served first.
    waiting_getters: VecDeque<u64>,
    getters: HashMap<u64, Getter>,
    /// Linked putters with their items.
    waiting_putters: VecDeque<(u64, u32)>,
    /// Putters whose item went in (`true`) or is still waiting (`false`).
    putters: HashMap<u64, bool>,
}

impl Model {
    fn full(&self) -> bool {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }

    /// Put steps 2–4; `Some(false)`: would wait.
    fn put(&mut self, item: u32) -> bool {
        if let Some(getter) = self.waiting_getters.pop_front() {
            self.getters.insert(getter, Getter::Served(item));
            true
        } else if self.full() {
            false
        } else {
            self.items.push_back(item);
            true
        }
    }

    /// Get step 1 and the admissions; `None`: empty.
    fn get(&mut self) -> Option<u32> {
        let item = self.items.pop_front()?;
        while !self.full() {
            let Some((putter, item)) = self.waiting_putters.pop_front() else {
                break;
            };
            self.items.push_back(item);
            self.putters.insert(putter, true);
        }
        Some(item)
    }

    fn cancel_getter(&mut self, id: u64) {
        match self.getters.remove(&id).unwrap() {
            Getter::Waiting => self.waiting_getters.retain(|&g| g != id),
            Getter::Served(item) => match self.waiting_getters.pop_front() {
                Some(next) => {
                    self.getters.insert(next, Getter::Served(item));
                }
                None => self.items.push_front(item),
            },
        }
    }

    fn cancel_putter(&mut self, id: u64) {
        if !self.putters.remove(&id).unwrap() {
            self.waiting_putters.retain(|&(p, _)| p != id);
        }
    }
}

fn poll<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

type Fut<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;
type GetFut<'a> = Fut<'a, Result<u32, runtime::sync::QueueShutDown>>;
type PutFut<'a> = Fut<'a, Result<(), runtime::sync::QueueShutDown<u32>>>;

fn run(maxsize: usize, ops: &[Op]) -> Result<(), TestCaseError> {
    let queue = Queue::<u32>::new(maxsize);
    let mut model = Model {
        maxsize,
        ..Model::default()
    };
    let mut getters: Vec<(u64, GetFut<'_>)> = Vec::new();
    let mut putters: Vec<(u64, PutFut<'_>)> = Vec::new();
    let (mut next_item, mut next_id) = (0u32, 0u64);
    for op in ops {
        match *op {
            Op::PutNowait => {
                next_item += 1;
                let ok = queue.put_nowait(next_item).is_ok();
                prop_assert_eq!(ok, model.put(next_item), "{:?}", op);
            }
            Op::GetNowait => {
                let got = queue.get_nowait().ok();
                prop_assert_eq!(got, model.get(), "{:?}", op);
            }
            Op::Put => {
                next_item += 1;
                next_id += 1;
                let mut future: Fut<'_, _> = Box::pin(queue.put(next_item));
                let ready = poll(future.as_mut()).is_ready();
                let expected = model.put(next_item);
                prop_assert_eq!(ready, expected, "{:?}", op);
                if !ready {
                    model.waiting_putters.push_back((next_id, next_item));
                    model.putters.insert(next_id, false);
                    putters.push((next_id, future));
                }
            }
            Op::Get => {
                next_id += 1;
                let mut future: Fut<'_, _> = Box::pin(queue.get());
                let got = match poll(future.as_mut()) {
                    Poll::Ready(result) => Some(result.expect("not shut down")),
                    Poll::Pending => None,
                };
                let expected = model.get();
                prop_assert_eq!(got, expected, "{:?}", op);
                if got.is_none() {
                    model.waiting_getters.push_back(next_id);
                    model.getters.insert(next_id, Getter::Waiting);
                    getters.push((next_id, future));
                }
            }
            Op::PollGetter(n) if !getters.is_empty() => {
                let index = n % getters.len();
                let (id, future) = &mut getters[index];
                let id = *id;
                let got = match poll(future.as_mut()) {
                    Poll::Ready(result) => Some(result.expect("not shut down")),
                    Poll::Pending => None,
                };
                let expected = match model.getters[&id] {
                    Getter::Served(item) => Some(item),
                    Getter::Waiting => None,
                };
                prop_assert_eq!(got, expected, "{:?}", op);
                if got.is_some() {
                    model.getters.remove(&id);
                    getters.retain(|(g, _)| *g != id);
                }
            }
            Op::PollPutter(n) if !putters.is_empty() => {
                let index = n % putters.len();
                let (id, future) = &mut putters[index];
                let id = *id;
                let ready = match poll(future.as_mut()) {
                    Poll::Ready(result) => {
                        prop_assert!(result.is_ok(), "{:?}", op);
                        true
                    }
                    Poll::Pending => false,
                };
                prop_assert_eq!(ready, model.putters[&id], "{:?}", op);
                if ready {
                    model.putters.remove(&id);
                    putters.retain(|(p, _)| *p != id);
                }
            }
            Op::CancelGetter(n) if !getters.is_empty() => {
                let (id, future) = getters.remove(n % getters.len());
                drop(future);
                model.cancel_getter(id);
            }
            Op::CancelPutter(n) if !putters.is_empty() => {
                let (id, future) = putters.remove(n % putters.len());
                drop(future);
                model.cancel_putter(id);
            }
            Op::PollGetter(_) | Op::PollPutter(_) | Op::CancelGetter(_) | Op::CancelPutter(_) => {}
        }
        prop_assert_eq!(queue.qsize(), model.items.len(), "qsize after {:?}", op);
    }
    // Cancel what is left (served getters give their items back), then
    // the stored items come out exactly as the model holds them.
    for (id, future) in getters {
        drop(future);
        model.cancel_getter(id);
    }
    for (id, future) in putters {
        drop(future);
        model.cancel_putter(id);
    }
    let mut left = VecDeque::new();
    while let Ok(item) = queue.get_nowait() {
        left.push_back(item);
    }
    prop_assert_eq!(left, model.items);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn queue_matches_the_model(maxsize in 0..4usize, ops in prop::collection::vec(op(), 0..40)) {
        run(maxsize, &ops)?;
    }
}
