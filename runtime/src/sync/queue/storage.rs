//! The order a queue hands its items out in: [`Fifo`] ([`Queue`]),
//! [`Lifo`] ([`LifoQueue`]) and [`Priority`] ([`PriorityQueue`]).
//!
//! The queue's protocol (waiters, hand-off, shutdown, `task_done`) is
//! written once in `state.rs`, over the [`Storage`] trait; a storage only
//! keeps items in its order. The trait is sealed: its methods live in a
//! private supertrait, so the three orders are the only ones.
//!
//! # The one unusual operation: `push_oldest`
//! A getter that was handed an item and then cancelled gives the item back
//! (see `state.rs`). It was put before everything now stored (getters only
//! wait while the storage is empty), so it goes back as the *oldest* item:
//! the front of a FIFO, the bottom of a LIFO stack. A priority queue orders
//! by value and just pushes it.
//!
//! [`Queue`]: super::Queue
//! [`LifoQueue`]: super::LifoQueue
//! [`PriorityQueue`]: super::PriorityQueue

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

/// How a queue stores its items and which it hands out next: [`Fifo`],
/// [`Lifo`] or [`Priority`]. Sealed: the methods are private to the crate.
///
/// ```
/// use runtime::sync::{GenericQueue, Lifo, LifoQueue};
///
/// // The aliases name a storage: these are the same type.
/// let stack: GenericQueue<u8, Lifo<u8>> = LifoQueue::new(0);
/// # drop(stack);
/// ```
pub trait Storage<T>: sealed::Store<T> {}

pub(super) mod sealed {
    /// The storage operations the queue's protocol needs.
    pub trait Store<T>: Default {
        /// Items held.
        fn len(&self) -> usize;
        /// Adds a newly put item.
        fn push(&mut self, item: T);
        /// Removes the item to hand out next.
        fn pop(&mut self) -> Option<T>;
        /// Gives back an item that was put before every stored item.
        fn push_oldest(&mut self, item: T);
    }
}

/// First in, first out: the order of [`Queue`](super::Queue)
/// (`asyncio.Queue`).
pub struct Fifo<T>(VecDeque<T>);

/// Last in, first out: the order of [`LifoQueue`](super::LifoQueue)
/// (`asyncio.LifoQueue`).
pub struct Lifo<T>(Vec<T>);

/// Smallest first: the order of [`PriorityQueue`](super::PriorityQueue)
/// (`asyncio.PriorityQueue`, a `heapq` min-heap). Equal items come out in
/// no particular order; pair them with a sequence number for stability, as
/// with `heapq`.
pub struct Priority<T>(BinaryHeap<Reverse<T>>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Fifo(VecDeque::new())
    }
}

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Lifo(Vec::new())
    }
}

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Priority(BinaryHeap::new())
    }
}

impl<T> sealed::Store<T> for Fifo<T> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push_back(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }
    fn push_oldest(&mut self, item: T) {
        self.0.push_front(item)
    }
}

impl<T> sealed::Store<T> for Lifo<T> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push(item)
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }
    fn push_oldest(&mut self, item: T) {
        // The bottom of the stack. O(n), but only on the rare path of a
        // getter cancelled after it was served.
        self.0.insert(0, item)
    }
}

impl<T: Ord> sealed::Store<T> for Priority<T> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: T) {
        self.0.push(Reverse(item))
    }
    fn pop(&mut self) -> Option<T> {
        self.0.pop().map(|Reverse(item)| item)
    }
    fn push_oldest(&mut self, item: T) {
        self.push(item)
    }
}

impl<T> Storage<T> for Fifo<T> {}
impl<T> Storage<T> for Lifo<T> {}
impl<T: Ord> Storage<T> for Priority<T> {}

macro_rules! debug_by_name {
    ($($name:ident),*) => {$(
        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("len", &self.0.len())
                    .finish()
            }
        }
    )*};
}
debug_by_name!(Fifo, Lifo, Priority);

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::sealed::Store;
    use super::*;

    fn drain<S: Store<u32>>(mut s: S) -> Vec<u32> {
        std::iter::from_fn(|| s.pop()).collect()
    }

    fn filled<S: Store<u32>>(items: &[u32]) -> S {
        let mut s = S::default();
        for &i in items {
            s.push(i);
        }
        s
    }

    #[test]
    fn each_order_pops_as_named() {
        let items = [3, 1, 4, 1, 5, 9, 2, 6];
        assert_eq!(drain(filled::<Fifo<u32>>(&items)), items);
        let mut reversed = items;
        reversed.reverse();
        assert_eq!(drain(filled::<Lifo<u32>>(&items)), reversed);
        let mut sorted = items;
        sorted.sort();
        assert_eq!(drain(filled::<Priority<u32>>(&items)), sorted);
    }

    #[test]
    fn push_oldest_returns_an_item_to_where_it_would_have_been() {
        // 0 was put first, handed out, and comes back after 1 and 2 went in.
        let mut fifo: Fifo<u32> = filled(&[1, 2]);
        fifo.push_oldest(0);
        assert_eq!(drain(fifo), [0, 1, 2]);

        let mut lifo: Lifo<u32> = filled(&[1, 2]);
        lifo.push_oldest(0);
        assert_eq!(drain(lifo), [2, 1, 0]);

        let mut heap: Priority<u32> = filled(&[1, 2]);
        heap.push_oldest(7);
        assert_eq!(drain(heap), [1, 2, 7]);
    }

    #[test]
    fn len_counts_items() {
        let mut s: Priority<u32> = filled(&[5, 5, 5]);
        assert_eq!(s.len(), 3);
        s.pop();
        assert_eq!(s.len(), 2);
    }
}
