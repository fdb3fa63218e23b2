//! One generator in one heap block: genawaiter's *stack* flavour, with the
//! airlock, the body's future and a small header (the caller's metadata,
//! `trampoline`'s frame label) side by side, reached through a one-word
//! pointer; and the guard that keeps every [`Airlock`] inside the generator
//! it was made for.
//!
//! `trampoline`'s frames are made of these blocks: this crate is that
//! library's one `unsafe` part, fenced in one file behind a safe face
//! ([`Block`], [`Airlock`]), as async-task fences smol's task layout. The
//! library itself is `#![forbid(unsafe_code)]`.
//!
//! `trampoline`'s design.md ("Why one crate has `unsafe`") says why. genawaiter's `rc` flavour is safe but costs two heap
//! blocks per coroutine (an `Rc` airlock and a boxed future), plus a third
//! to erase the generator's type for a task's stack. The stack flavour keeps
//! its state in a `Shelf` that genawaiter expects on the native stack; a
//! task's stack of suspended coroutines is a `Vec`, so the shelf goes in a
//! heap block of ours instead, with a header (metadata, serial, and the two
//! functions that know the body's type) in front of it. Three promises
//! genawaiter and the compiler cannot check become ours:
//!
//! 1. The shelf outlives the generator that points into it: the block
//!    (header, generator, shelf) comes from `Box::into_raw`, is never moved,
//!    and is freed only by its drop function, after the generator (and with
//!    it the body's future and its `Co`) has been dropped in place. If the
//!    body's closure panics while the generator is built, a guard frees the
//!    block, whose shelf is still empty.
//! 2. No `Co` outlives its generator (the contract of `stack::Gen::new`). A
//!    body could smuggle its `Co`, or a half-polled `co.sleep(..)` future,
//!    out (into an `Rc`, a leaked box) and use it after its frame is gone, so
//!    every use is checked, not assumed: each generator has a serial number
//!    (per thread, never reused), [`Block::resume`] marks it as the one
//!    running on this thread (restored on return and on unwind, so nested
//!    loops work), and an [`Airlock`] compares its serial with the running
//!    one at every `yield_` and every poll of the future `yield_` returns. A
//!    mismatch panics ("a `Co` was used outside its own coroutine") before
//!    any memory is touched. Only the running generator can pass, and it is
//!    alive. An [`Airlock`] is neither `Send` nor `Sync`, so a serial is only compared
//!    on the thread that made it.
//! 3. No reference ever covers the whole block: the generator holds a
//!    `Pin<&mut>` into the shelf, in the same block, and a `&mut` (or a
//!    `Box`) to the whole block would claim unique access to memory that
//!    pointer uses. So the block is only held as a raw pointer, and each use
//!    reaches one field: the header's metadata and serial by value, a `&mut` to
//!    the generator alone, the shelf only through genawaiter. The `repr(C)`
//!    block starts with its header, so a [`Block`] points at the header, cast
//!    back to the whole block by the functions the header points to.
//!
//! What holds them: this crate's tests, and `trampoline`'s `tests/kernel/co_escape.rs` smuggles a `Co` to another
//! coroutine, uses one outside any coroutine and polls a smuggled
//! half-finished `sleep`: each is a clean panic and the loop goes on. In
//! `tests/alloc/`, `body_closure_panic` finds no leak when a body closure
//! panics (it fails without the guard) and `allocations` pins one allocation
//! per coroutine. Under AddressSanitizer (`bash .ci/asan`, nightly) every
//! in-process test binary is clean, leaks included, and without the `Co`
//! check `co_escape` is a heap-use-after-free. Miri is not available here:
//! promise 3 rests on reasoning, not a checker.

#![deny(unsafe_op_in_unsafe_fn, missing_docs)]
#![warn(clippy::undocumented_unsafe_blocks, missing_debug_implementations)]

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::ptr::{NonNull, addr_of_mut};
use std::task::{Context, Poll};

pub use genawaiter::GeneratorState;
use genawaiter::stack::{self, Gen, Shelf};

/// The types a family of generators works with: what a body yields, what it
/// is resumed with, what a finished one gives, whatever its own output type
/// (see [`Finish`]), and what its block carries beside it.
pub trait Kind: 'static {
    /// What a body yields.
    type Yield;
    /// What a body is resumed with.
    type Resume;
    /// What a finished body gives.
    type Output;
    /// What the block's header carries (a label): read and written by value.
    type Meta: Copy;
}

/// How a body's own output becomes its kind's [`Kind::Output`] (for
/// `trampoline`, a `Result<T, Error>` whose `T` is erased).
pub trait Finish<K: Kind> {
    /// The output, erased.
    fn finish(self) -> K::Output;
}

thread_local! {
    /// The serial of the generator being resumed on this thread; 0: none.
    static RUNNING: Cell<u64> = const { Cell::new(0) };
    /// The last serial handed out on this thread (serials are never reused).
    static LAST_SERIAL: Cell<u64> = const { Cell::new(0) };
}

/// An owned, suspended generator with its metadata: one heap block, one word.
///
/// ```
/// use oneblock::{Block, Finish, GeneratorState, Kind};
///
/// struct Counting;
/// impl Kind for Counting {
///     type Yield = u32;
///     type Resume = u32;
///     type Output = String;
///     type Meta = &'static str;
/// }
/// impl Finish<Counting> for u32 {
///     fn finish(self) -> String {
///         format!("got {self}")
///     }
/// }
///
/// let mut block = Block::<Counting>::new("adder", |airlock| async move {
///     let a = airlock.yield_(1).await;
///     let b = airlock.yield_(2).await;
///     a + b
/// });
/// assert_eq!(block.meta(), "adder");
/// assert!(matches!(block.resume(0), GeneratorState::Yielded(1))); // the first resume value is dropped
/// assert!(matches!(block.resume(10), GeneratorState::Yielded(2)));
/// assert!(matches!(block.resume(20), GeneratorState::Complete(s) if s == "got 30"));
/// ```
pub struct Block<K: Kind> {
    header: NonNull<Header<K>>,
}

/// What one resume gives: a yielded value, or the finished body's output.
pub type Step<K> = GeneratorState<<K as Kind>::Yield, <K as Kind>::Output>;

/// The front of every block, whatever its body's type.
#[repr(C)]
struct Header<K: Kind> {
    vtable: &'static VTable<K>,
    meta: K::Meta,
    serial: u64,
}

/// What is done with a block through its header: the functions that know
/// the body's type, one pair per body type (as a trait object's vtable).
struct VTable<K: Kind> {
    resume: unsafe fn(NonNull<Header<K>>, K::Resume) -> Step<K>,
    drop: unsafe fn(NonNull<Header<K>>),
}

/// The whole block for a body `F`. `repr(C)`: the header comes first, so a
/// pointer to the block is a pointer to its header.
#[repr(C)]
struct Inner<K: Kind, F: Future + 'static> {
    header: Header<K>,
    /// Written once, right after `shelf` is filled; points into `shelf`.
    generator: MaybeUninit<Gen<'static, K::Yield, K::Resume, F>>,
    shelf: Shelf<K::Yield, K::Resume, F>,
}

struct VTableOf<K, F>(PhantomData<(K, F)>);

impl<K: Kind, F: Future<Output: Finish<K>> + 'static> VTableOf<K, F> {
    const VTABLE: VTable<K> = VTable {
        resume: resume::<K, F>,
        drop: drop_block::<K, F>,
    };
}

impl<K: Kind> Block<K> {
    /// Makes the generator: `producer` gets the airlock and returns the body.
    pub fn new<F>(meta: K::Meta, producer: impl FnOnce(Airlock<K>) -> F) -> Self
    where
        F: Future<Output: Finish<K>> + 'static,
    {
        let serial = LAST_SERIAL.get() + 1;
        LAST_SERIAL.set(serial);
        let inner = Box::into_raw(Box::new(Inner::<K, F> {
            header: Header {
                vtable: &VTableOf::<K, F>::VTABLE,
                meta,
                serial,
            },
            generator: MaybeUninit::uninit(),
            shelf: Shelf::new(),
        }));
        // If `producer` panics, the block (its shelf still empty) is freed.
        let free = FreeOnUnwind(inner);
        // SAFETY: `inner` is a live block that nothing else points to. The
        // shelf is borrowed for `'static`, but the block is freed only by
        // `drop_block`, after the generator: the borrow never dangles while
        // the generator exists (promise 1). The `Co` genawaiter makes is
        // wrapped in an `Airlock`, checked at every use (promise 2), which
        // is the contract of `Gen::new`.
        unsafe {
            let shelf = &mut *addr_of_mut!((*inner).shelf);
            let generator = Gen::new(shelf, |co| producer(Airlock { co, serial }));
            addr_of_mut!((*inner).generator).write(MaybeUninit::new(generator));
        }
        std::mem::forget(free);
        Block {
            header: NonNull::new(inner.cast::<Header<K>>()).expect("BUG: a box is never null"),
        }
    }

    /// Runs the body until it yields or completes; a completed body's output
    /// comes back through its [`Finish`]. The first resume value is dropped
    /// (genawaiter's rule: the body has not reached a yield yet).
    #[inline]
    pub fn resume(&mut self, with: K::Resume) -> Step<K> {
        // SAFETY: the header is live while `self` is; its `resume` is the one
        // made for this block's body type.
        unsafe { ((*self.header.as_ptr()).vtable.resume)(self.header, with) }
    }

    /// The metadata the block was made (or last set) with.
    #[inline]
    pub fn meta(&self) -> K::Meta {
        // SAFETY: the header is live while `self` is; read by value.
        unsafe { (*self.header.as_ptr()).meta }
    }

    /// Replaces the metadata.
    #[inline]
    pub fn set_meta(&mut self, meta: K::Meta) {
        // SAFETY: as above; `&mut self` means no one else is reading it.
        unsafe { (*self.header.as_ptr()).meta = meta }
    }
}

impl<K: Kind> Drop for Block<K> {
    fn drop(&mut self) {
        // SAFETY: dropped once, here, with the function made for its body.
        unsafe { ((*self.header.as_ptr()).vtable.drop)(self.header) }
    }
}

impl<K: Kind<Meta: fmt::Debug>> fmt::Debug for Block<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Block").field(&self.meta()).finish()
    }
}

/// # Safety
/// `header` heads a live `Inner<K, F>` whose generator was written.
unsafe fn resume<K: Kind, F: Future<Output: Finish<K>> + 'static>(
    header: NonNull<Header<K>>,
    with: K::Resume,
) -> Step<K> {
    let inner = header.cast::<Inner<K, F>>().as_ptr();
    // SAFETY: (the caller's) the block is live and its generator written;
    // the `&mut` covers the generator field only, not the shelf it points
    // into (promise 3).
    let (serial, generator) = unsafe {
        (
            (*inner).header.serial,
            (*addr_of_mut!((*inner).generator)).assume_init_mut(),
        )
    };
    let _running = Running::enter(serial);
    match generator.resume_with(with) {
        GeneratorState::Yielded(yielded) => GeneratorState::Yielded(yielded),
        GeneratorState::Complete(output) => GeneratorState::Complete(output.finish()),
    }
}

/// # Safety
/// `header` heads a live `Inner<K, F>` whose generator was written, and is
/// never used again.
unsafe fn drop_block<K: Kind, F: Future + 'static>(header: NonNull<Header<K>>) {
    let inner = header.cast::<Inner<K, F>>().as_ptr();
    // SAFETY: (the caller's) the generator goes first (it drops the body's
    // future and the airlock in place), then the block: nothing in it has a
    // drop of its own any more.
    unsafe {
        (*addr_of_mut!((*inner).generator)).assume_init_drop();
        drop(Box::from_raw(inner));
    }
}

/// Frees a block whose generator was never made (its producer panicked).
struct FreeOnUnwind<S>(*mut S);

impl<S> Drop for FreeOnUnwind<S> {
    fn drop(&mut self) {
        // SAFETY: only reached by unwinding out of `Gen::new`, before the
        // generator that would own the block exists; nothing in the block
        // needs dropping (the shelf is a `MaybeUninit`).
        unsafe { drop(Box::from_raw(self.0)) }
    }
}

/// Marks a generator as running on this thread for as long as it lives, and
/// puts back the one before (a loop can be run from inside a generator).
struct Running(u64);

impl Running {
    #[inline]
    fn enter(serial: u64) -> Self {
        Running(RUNNING.replace(serial))
    }
}

impl Drop for Running {
    #[inline]
    fn drop(&mut self) {
        RUNNING.set(self.0);
    }
}

/// A body's end of the generator: it yields and is resumed with what the
/// owner of the [`Block`] answers. Only usable while its own generator runs.
pub struct Airlock<K: Kind> {
    co: stack::Co<'static, K::Yield, K::Resume>,
    serial: u64,
}

impl<K: Kind> Airlock<K> {
    /// Yields `value` and returns the future of what the generator is
    /// resumed with. genawaiter stores the value at once, so this must only
    /// be called from inside the body, when it is polled.
    ///
    /// # Panics
    /// When called (or its future polled) anywhere but inside its own
    /// generator, while it runs: "a `Co` was used outside its own coroutine".
    #[inline]
    pub fn yield_(&self, value: K::Yield) -> impl Future<Output = K::Resume> + '_ {
        check(self.serial);
        Checked {
            serial: self.serial,
            barrier: self.co.yield_(value),
        }
    }
}

impl<K: Kind> fmt::Debug for Airlock<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Airlock({})", self.serial)
    }
}

/// genawaiter's yield future, checked at every poll: a half-polled future
/// could also be smuggled out of its body.
struct Checked<B> {
    serial: u64,
    barrier: B,
}

impl<B: Future + Unpin> Future for Checked<B> {
    type Output = B::Output;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<B::Output> {
        check(self.serial);
        Pin::new(&mut self.barrier).poll(cx)
    }
}

#[inline]
fn check(serial: u64) {
    assert!(
        RUNNING.get() == serial,
        "a `Co` was used outside its own coroutine: keep it in the body it was given to, \
         and `.await` each of its calls right there"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    struct Words;
    impl Kind for Words {
        type Yield = &'static str;
        type Resume = usize;
        type Output = Option<usize>;
        type Meta = u64;
    }
    impl Finish<Words> for usize {
        fn finish(self) -> Option<usize> {
            Some(self)
        }
    }

    #[test]
    fn a_block_is_one_word_and_keeps_its_meta() {
        assert_eq!(size_of::<Block<Words>>(), size_of::<usize>());
        let mut block = Block::<Words>::new(7, |_| async { 0usize });
        assert_eq!(block.meta(), 7);
        block.set_meta(8);
        assert_eq!(block.meta(), 8);
        assert!(matches!(block.resume(0), GeneratorState::Complete(Some(0))));
    }

    #[test]
    fn a_body_dropped_while_suspended_drops_what_it_holds() {
        let held = Rc::new(());
        let inside = held.clone();
        let mut block = Block::<Words>::new(0, move |airlock| async move {
            let _keep = inside;
            airlock.yield_("wait").await
        });
        assert!(matches!(block.resume(0), GeneratorState::Yielded("wait")));
        assert_eq!(Rc::strong_count(&held), 2);
        drop(block);
        assert_eq!(Rc::strong_count(&held), 1);
    }

    #[test]
    fn an_airlock_used_outside_its_generator_panics_before_touching_memory() {
        let smuggled = Rc::new(Cell::new(None));
        let out = smuggled.clone();
        let mut block = Block::<Words>::new(0, move |airlock| async move {
            out.set(Some(Rc::new(airlock)));
            0usize
        });
        // The body moved its airlock out and finished; the block is gone.
        assert!(matches!(block.resume(0), GeneratorState::Complete(Some(0))));
        drop(block);
        let airlock = smuggled.take().expect("the body ran");
        let misuse = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            drop(airlock.yield_("late"));
        }));
        let message = misuse.expect_err("a smuggled airlock must panic");
        let text = message.downcast_ref::<&str>().copied().unwrap_or("");
        assert!(text.contains("outside its own coroutine"), "{text}");
        std::mem::forget(airlock); // its generator is gone: never drop it either
    }
}
