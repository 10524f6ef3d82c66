//! Memory for task cells: a small per-thread cache of freed blocks in front
//! of the global allocator.
//!
//! Every spawn allocates one cell and every completed task frees one, often
//! on another thread (a task spawned on one worker is stolen by another, or
//! its handle is dropped by the spawner). glibc handles a free of another
//! thread's chunk under that thread's arena lock once its own small per-thread
//! cache (7 chunks per size) is full, so a steady exchange of tasks between
//! workers pays a lock and the arena's bookkeeping per task.
//!
//! Here a freed cell goes onto a list kept by the thread that freed it, by
//! size class, and the next cell of that class allocated on that thread
//! is taken from it: a few instructions, no lock, and memory that is likely
//! still in this core's cache.
//!
//! - **Classes.** A cell of up to [`MAX_CACHED`] bytes and alignment up to
//!   16 is allocated in the class of its size rounded up the way glibc
//!   rounds a chunk (`size + 8` to a multiple of 16, less the 8-byte
//!   header), so a cached block costs exactly the memory a `Box` of the cell
//!   would, and any cell of the class fits any block of it. Larger or more
//!   aligned cells go straight to the global allocator.
//! - **Bound.** Each thread keeps at most [`CLASS_BUDGET`] bytes per class;
//!   a free beyond that goes back to the allocator. A burst of a hundred
//!   thousand tasks is still allocated and freed by the allocator; the
//!   cache serves the steady state (chains, ping-pong, timers, servers).
//! - **Threads.** A block may be freed on any thread and reused there: all
//!   blocks come from the global allocator with the same layout per class,
//!   so no block needs to go back to the thread that allocated it. When a
//!   thread exits, its cache is returned to the allocator; a cell freed
//!   while the thread's locals are being torn down goes to it directly.
//! - **Sanitizers and loom.** Under `--cfg runtime_no_cell_cache` (the
//!   AddressSanitizer run in `.ci/sanitize`, where a cached block would hide
//!   a use-after-free from it) and under loom, every cell goes straight to
//!   the allocator.

use std::alloc::{self, Layout};
use std::ptr::NonNull;

/// The largest cell (in bytes) the cache keeps.
const MAX_CACHED: usize = 504;

/// Largest alignment the cache serves: glibc's `malloc` alignment, which
/// every block of a class is allocated with.
const BLOCK_ALIGN: usize = 16;

/// Bytes of blocks one thread keeps per class.
const CLASS_BUDGET: usize = 64 * 1024;

/// Classes: block sizes 8, 24, 40, …, 504 (`16 * i + 8`).
const CLASSES: usize = (MAX_CACHED + 8) / 16;

/// The class of a cell, or `None` if the cache does not serve it.
const fn class_of(layout: Layout) -> Option<usize> {
    if layout.size() > MAX_CACHED || layout.align() > BLOCK_ALIGN || layout.size() == 0 {
        return None;
    }
    Some((layout.size() + 7) / 16)
}

/// The class of `T`'s cells, worked out at compile time.
struct ClassOf<T>(std::marker::PhantomData<T>);

impl<T> ClassOf<T> {
    const CLASS: Option<usize> = class_of(Layout::new::<T>());
    /// The layout of the blocks of `CLASS` (unused without a class).
    const BLOCK: Layout = match Self::CLASS {
        Some(class) => block_layout(class),
        None => Layout::new::<T>(),
    };
}

/// The layout every block of `class` is allocated and freed with.
const fn block_layout(class: usize) -> Layout {
    match Layout::from_size_align(16 * class + 8, BLOCK_ALIGN) {
        Ok(layout) => layout,
        Err(_) => panic!("a class's layout is valid"),
    }
}

/// Allocates a cell for `value` and moves it there.
pub(crate) fn allocate<T>(value: T) -> NonNull<T> {
    let Some(class) = ClassOf::<T>::CLASS else {
        return NonNull::from(Box::leak(Box::new(value)));
    };
    let block = cache::take(class).unwrap_or_else(|| {
        let layout = ClassOf::<T>::BLOCK;
        // SAFETY: `layout` has a non-zero size (at least 8 bytes).
        let ptr = unsafe { alloc::alloc(layout) };
        NonNull::new(ptr).unwrap_or_else(|| alloc::handle_alloc_error(layout))
    });
    let cell = block.cast::<T>();
    // SAFETY: the block is at least `size_of::<T>()` bytes (its class is
    // `T`'s size rounded up), aligned to `BLOCK_ALIGN >= align_of::<T>()`,
    // and owned by nobody else.
    unsafe { cell.as_ptr().write(value) };
    cell
}

/// Frees a cell made by [`allocate`] whose value has been dropped (or moved
/// out).
///
/// # Safety
/// `cell` was returned by `allocate::<T>`, has not been freed, and nothing
/// will use it again.
pub(crate) unsafe fn free<T>(cell: NonNull<T>) {
    match ClassOf::<T>::CLASS {
        None => {
            // SAFETY: `allocate` made this cell with `Box<T>` (same class
            // test), and its value is gone; `ManuallyDrop` frees the memory
            // without dropping the value again.
            drop(unsafe { Box::from_raw(cell.cast::<std::mem::ManuallyDrop<T>>().as_ptr()) });
        }
        Some(class) => {
            let block = cell.cast::<u8>();
            if !cache::put(class, block) {
                // SAFETY: the block was allocated with `block_layout(class)`
                // (by `allocate`, directly or through a cache), and nothing
                // uses it any more.
                unsafe { alloc::dealloc(block.as_ptr(), ClassOf::<T>::BLOCK) };
            }
        }
    }
}

#[cfg(not(any(runtime_loom, runtime_no_cell_cache)))]
mod cache {
    use super::{block_layout, CLASSES, CLASS_BUDGET};
    use std::cell::Cell;
    use std::ptr::{self, NonNull};

    /// One thread's free blocks: a list per class, linked through the
    /// blocks' first word.
    struct Cache {
        heads: [Cell<*mut u8>; CLASSES],
        lens: [Cell<u32>; CLASSES],
    }

    thread_local! {
        static CACHE: Cache = const {
            Cache {
                heads: [const { Cell::new(ptr::null_mut()) }; CLASSES],
                lens: [const { Cell::new(0) }; CLASSES],
            }
        };
    }

    /// Blocks of each class one thread keeps at most.
    const LIMITS: [u32; CLASSES] = {
        let mut limits = [0; CLASSES];
        let mut class = 0;
        while class < CLASSES {
            limits[class] = (CLASS_BUDGET / block_layout(class).size()) as u32;
            class += 1;
        }
        limits
    };

    /// A free block of `class` from this thread's cache.
    #[inline]
    pub(super) fn take(class: usize) -> Option<NonNull<u8>> {
        CACHE
            .try_with(|cache| {
                let head = NonNull::new(cache.heads[class].get())?;
                // SAFETY: a listed block is free memory this cache owns, at
                // least 8 bytes and 16-aligned, whose first word `put` wrote.
                let next = unsafe { head.cast::<*mut u8>().as_ptr().read() };
                cache.heads[class].set(next);
                cache.lens[class].set(cache.lens[class].get() - 1);
                Some(head)
            })
            .ok()
            .flatten()
    }

    /// Keeps a freed block of `class`; false if the cache is full (or gone:
    /// this thread is exiting), in which case the caller frees it.
    #[inline]
    pub(super) fn put(class: usize, block: NonNull<u8>) -> bool {
        CACHE
            .try_with(|cache| {
                let len = cache.lens[class].get();
                if len >= LIMITS[class] {
                    return false;
                }
                // SAFETY: the caller gives up the block, which is at least
                // 8 bytes and 16-aligned: its first word is ours to write.
                unsafe {
                    block
                        .cast::<*mut u8>()
                        .as_ptr()
                        .write(cache.heads[class].get())
                };
                cache.heads[class].set(block.as_ptr());
                cache.lens[class].set(len + 1);
                true
            })
            .unwrap_or(false)
    }

    impl Drop for Cache {
        fn drop(&mut self) {
            for (class, head) in self.heads.iter().enumerate() {
                let mut next = head.replace(ptr::null_mut());
                while let Some(block) = NonNull::new(next) {
                    // SAFETY: as in `take`: a listed block's first word is
                    // the next link.
                    next = unsafe { block.cast::<*mut u8>().as_ptr().read() };
                    // SAFETY: listed blocks were allocated with
                    // `block_layout(class)` and are used by nobody.
                    unsafe { std::alloc::dealloc(block.as_ptr(), block_layout(class)) };
                }
            }
        }
    }
}

#[cfg(any(runtime_loom, runtime_no_cell_cache))]
mod cache {
    use std::ptr::NonNull;

    pub(super) fn take(_class: usize) -> Option<NonNull<u8>> {
        None
    }

    pub(super) fn put(_class: usize, _block: NonNull<u8>) -> bool {
        false
    }
}

#[cfg(all(test, not(any(runtime_loom, runtime_no_cell_cache))))]
mod tests {
    use super::*;

    #[test]
    fn a_class_covers_exactly_the_sizes_glibc_rounds_together() {
        let class = |size| class_of(Layout::from_size_align(size, 8).unwrap());
        // glibc chunks: requests 1..=24 share a 32-byte chunk, 25..=40 a
        // 48-byte one, 113..=120 a 128-byte one.
        assert_eq!(class(1), Some(0));
        assert_eq!(class(8), Some(0));
        assert_eq!(class(24), Some(1));
        assert_eq!(class(25), Some(2));
        assert_eq!(class(120), Some(7));
        assert_eq!(block_layout(7).size(), 120);
        assert_eq!(class(121), Some(8));
        assert_eq!(class(MAX_CACHED), Some(CLASSES - 1));
        assert_eq!(block_layout(CLASSES - 1).size(), MAX_CACHED);
        assert_eq!(class(MAX_CACHED + 1), None);
        assert_eq!(class_of(Layout::from_size_align(64, 32).unwrap()), None);
        for size in 1..=MAX_CACHED {
            let block = block_layout(class(size).unwrap()).size();
            assert!(
                block >= size && block < size + 16,
                "size {size}: block {block}"
            );
        }
    }

    #[test]
    fn a_freed_cell_is_reused_by_the_next_of_its_class_on_the_same_thread() {
        let first = allocate([1u64; 14]);
        let address = first.as_ptr() as usize;
        // SAFETY: allocated above, `[u64; 14]` needs no drop.
        unsafe { free(first) };
        // Another type of a size in the same class (112 and 120 bytes).
        let second = allocate([2u64; 15]);
        assert_eq!(second.as_ptr() as usize, address);
        // SAFETY: just written by `allocate`.
        assert_eq!(unsafe { second.as_ref() }[14], 2);
        // SAFETY: allocated above.
        unsafe { free(second) };
    }

    #[test]
    fn a_cell_freed_on_another_thread_is_kept_there() {
        let cell = allocate([7u64; 8]);
        let address = cell.as_ptr() as usize;
        struct SendPtr(NonNull<[u64; 8]>);
        // SAFETY: the pointer is handed over whole; nothing here uses it after.
        unsafe impl Send for SendPtr {}
        let cell = SendPtr(cell);
        std::thread::spawn(move || {
            let cell = cell;
            // SAFETY: allocated above, no drop needed.
            unsafe { free(cell.0) };
            let again = allocate([8u64; 8]);
            assert_eq!(again.as_ptr() as usize, address);
            // SAFETY: allocated just above.
            unsafe { free(again) };
            // The thread exits with the block in its cache: its
            // destructor returns it to the allocator.
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_thread_keeps_a_bounded_number_of_blocks() {
        let class = class_of(Layout::new::<[u64; 8]>()).unwrap();
        let limit = CLASS_BUDGET / block_layout(class).size();
        std::thread::spawn(move || {
            let cells: Vec<_> = (0..limit + 100).map(|i| allocate([i as u64; 8])).collect();
            for cell in cells {
                // SAFETY: allocated above.
                unsafe { free(cell) };
            }
            let kept: Vec<_> = std::iter::from_fn(|| cache::take(class)).collect();
            assert_eq!(kept.len(), limit);
            for block in kept {
                // SAFETY: taken from the cache, which allocated nothing
                // else with another layout.
                unsafe { alloc::dealloc(block.as_ptr(), block_layout(class)) };
            }
        })
        .join()
        .unwrap();
    }

    #[test]
    fn large_and_overaligned_cells_bypass_the_cache() {
        #[repr(align(64))]
        struct Wide([u8; 64]);
        let wide = allocate(Wide([3; 64]));
        assert_eq!(wide.as_ptr() as usize % 64, 0);
        // SAFETY: just written by `allocate`.
        assert_eq!(unsafe { wide.as_ref() }.0[63], 3);
        // SAFETY: allocated above, no drop glue.
        unsafe { free(wide) };
        let big = allocate([0u8; MAX_CACHED + 1]);
        // SAFETY: allocated above.
        unsafe { free(big) };
    }
}
