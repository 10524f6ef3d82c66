//! [`WaitList`]: a FIFO of waiters (getters, putters or joiners) with O(1)
//! push, pop and removal from the middle.
//!
//! Nodes live in a [`Slab`]; the queue order is a doubly-linked list
//! threaded through the slab by key, so a cancelled waiter leaves its place
//! without a search and without disturbing anyone else's place (tokio's and
//! our timer wheel's layout).
//!
//! # Invariants
//! 1. A node is *linked* (waiting, in FIFO order) or *unlinked* (released:
//!    served or shut out, not yet collected by its owner). Only linked
//!    nodes are reachable from `head`/`tail`; `linked` counts them.
//! 2. A node stays in the slab, linked or not, until its owner (one future)
//!    calls [`remove`](WaitList::remove). So a key is never reused while a
//!    future still holds it: whoever serves a waiter may unlink it and
//!    leave the outcome in its value, and the owner finds it there.
//! 3. The list is not synchronised: it lives inside the queue's mutex.

use slab::Slab;

/// Links of a node that is waiting in the list.
#[derive(Debug, Clone, Copy)]
struct Links {
    prev: Option<usize>,
    next: Option<usize>,
}

#[derive(Debug)]
struct Node<W> {
    value: W,
    /// `Some` while linked (invariant 1).
    links: Option<Links>,
}

/// A FIFO of waiters whose values stay readable after they are released.
#[derive(Debug)]
pub(super) struct WaitList<W> {
    nodes: Slab<Node<W>>,
    head: Option<usize>,
    tail: Option<usize>,
    linked: usize,
}

impl<W> WaitList<W> {
    pub(super) fn new() -> WaitList<W> {
        WaitList {
            nodes: Slab::new(),
            head: None,
            tail: None,
            linked: 0,
        }
    }

    /// True when nobody is waiting (released nodes do not count).
    pub(super) fn is_empty(&self) -> bool {
        self.linked == 0
    }

    /// How many waiters are linked.
    pub(super) fn len(&self) -> usize {
        self.linked
    }

    /// Links a new waiter at the back and returns its key.
    pub(super) fn push_back(&mut self, value: W) -> usize {
        let key = self.nodes.insert(Node {
            value,
            links: Some(Links {
                prev: self.tail,
                next: None,
            }),
        });
        match self.tail {
            Some(tail) => self.links_mut(tail).next = Some(key),
            None => self.head = Some(key),
        }
        self.tail = Some(key);
        self.linked += 1;
        key
    }

    /// Unlinks the waiter at the front and returns its value for the caller
    /// to fill in; the node stays in the slab for its owner (invariant 2).
    pub(super) fn pop_front(&mut self) -> Option<&mut W> {
        let key = self.head?;
        self.unlink(key);
        Some(&mut self.nodes[key].value)
    }

    /// Unlinks every waiter, front to back, calling `f` on each value.
    pub(super) fn release_all(&mut self, mut f: impl FnMut(&mut W)) {
        while let Some(value) = self.pop_front() {
            f(value);
        }
    }

    /// True if the node `key` is still waiting.
    ///
    /// # Panics
    /// If `key` is not a node of this list.
    pub(super) fn is_linked(&self, key: usize) -> bool {
        self.nodes[key].links.is_some()
    }

    /// The value of node `key`, linked or not.
    ///
    /// # Panics
    /// If `key` is not a node of this list.
    pub(super) fn get_mut(&mut self, key: usize) -> &mut W {
        &mut self.nodes[key].value
    }

    /// Unlinks node `key` if needed and frees it, returning its value.
    ///
    /// # Panics
    /// If `key` is not a node of this list.
    pub(super) fn remove(&mut self, key: usize) -> W {
        self.unlink(key);
        self.nodes.remove(key).value
    }

    fn links_mut(&mut self, key: usize) -> &mut Links {
        self.nodes[key]
            .links
            .as_mut()
            .expect("a neighbour in the wait list is linked")
    }

    fn unlink(&mut self, key: usize) {
        let Some(Links { prev, next }) = self.nodes[key].links.take() else {
            return;
        };
        match prev {
            Some(prev) => self.links_mut(prev).next = next,
            None => self.head = next,
        }
        match next {
            Some(next) => self.links_mut(next).prev = prev,
            None => self.tail = prev,
        }
        self.linked -= 1;
    }

    #[cfg(all(test, not(runtime_loom)))]
    fn allocated(&self) -> usize {
        self.nodes.len()
    }
}

#[cfg(all(test, not(runtime_loom)))]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    fn drain(list: &mut WaitList<u32>) -> Vec<u32> {
        let mut out = Vec::new();
        list.release_all(|v| out.push(*v));
        out
    }

    #[test]
    fn pops_in_push_order() {
        let mut list = WaitList::new();
        for i in 0..5 {
            list.push_back(i);
        }
        assert_eq!(list.len(), 5);
        assert_eq!(list.pop_front().copied(), Some(0));
        assert_eq!(drain(&mut list), [1, 2, 3, 4]);
        assert!(list.is_empty());
        // Released nodes stay allocated until their owners remove them.
        assert_eq!(list.allocated(), 5);
    }

    #[test]
    fn removal_from_the_middle_keeps_everyone_elses_place() {
        let mut list = WaitList::new();
        let keys: Vec<usize> = (0..5).map(|i| list.push_back(i)).collect();
        assert_eq!(list.remove(keys[2]), 2);
        assert_eq!(list.remove(keys[0]), 0);
        assert_eq!(list.remove(keys[4]), 4);
        let k5 = list.push_back(5);
        assert_eq!(list.len(), 3);
        assert!(list.is_linked(k5));
        assert_eq!(drain(&mut list), [1, 3, 5]);
    }

    #[test]
    fn a_released_node_keeps_its_value_and_key_until_removed() {
        let mut list = WaitList::new();
        let a = list.push_back(10);
        let b = list.push_back(20);
        *list.pop_front().unwrap() += 1;
        assert!(!list.is_linked(a));
        assert!(list.is_linked(b));
        // A new waiter cannot take the released node's key.
        let c = list.push_back(30);
        assert_ne!(c, a);
        assert_eq!(*list.get_mut(a), 11);
        assert_eq!(list.remove(a), 11);
        assert_eq!(drain(&mut list), [20, 30]);
        list.remove(b);
        list.remove(c);
        assert_eq!(list.allocated(), 0);
    }

    /// A deterministic pseudo-random sequence of operations checked against
    /// a `VecDeque` model.
    #[test]
    fn agrees_with_a_model_under_random_operations() {
        const STEPS: u32 = 10_000;
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut list = WaitList::new();
        let mut model: VecDeque<(usize, u32)> = VecDeque::new();
        let mut released: Vec<usize> = Vec::new();
        for step in 0..STEPS {
            match next() % 4 {
                0 | 1 => model.push_back((list.push_back(step), step)),
                2 if !model.is_empty() => {
                    let i = (next() % model.len() as u64) as usize;
                    let (key, value) = model.remove(i).unwrap();
                    assert_eq!(list.remove(key), value);
                }
                _ => {
                    let expected = model.pop_front();
                    assert_eq!(list.pop_front().copied(), expected.map(|(_, v)| v));
                    if let Some((key, _)) = expected {
                        released.push(key);
                    }
                }
            }
            assert_eq!(list.len(), model.len());
        }
        for key in released {
            assert!(!list.is_linked(key));
            list.remove(key);
        }
        let expected: Vec<u32> = model.iter().map(|&(_, v)| v).collect();
        assert_eq!(drain(&mut list), expected);
    }
}
