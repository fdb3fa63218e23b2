//! One coroutine's generator: genawaiter's *stack* flavour, with its state
//! (the airlock and the body's future) in a single heap block, and the guard
//! that keeps every [`Airlock`] inside the coroutine it was made for.
//!
//! The only `unsafe` in the crate lives here; design.md ("Why one module has
//! `unsafe`") says why. genawaiter's `rc` flavour is safe but costs two heap
//! blocks per coroutine (an `Rc` airlock and a boxed future); the stack
//! flavour keeps both in one `Shelf`, which genawaiter expects on the native
//! stack. A task's stack of suspended coroutines is a `Vec`, not the native
//! stack, so the shelf goes on the heap instead, and two promises genawaiter
//! cannot check become ours:
//!
//! 1. The shelf outlives the generator: [`Generator`] owns both, drops the
//!    generator first and frees the shelf last.
//! 2. No `Co` outlives its generator (the contract of `stack::Gen::new`). A
//!    body could smuggle its `Co` out (into an `Rc`, a leaked box) and use it
//!    after its frame is gone, so every use is checked instead: each
//!    generator has a serial number, [`Generator::resume_with`] marks it as
//!    the one running on this thread, and an [`Airlock`] whose serial is not
//!    the running one panics before it touches memory. Only the running
//!    generator can be alive, so no airlock can reach a freed shelf.

use std::cell::Cell;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::task::{Context, Poll};

use genawaiter::GeneratorState;
use genawaiter::stack::{self, Gen, Shelf};

use crate::command::{Command, Resume};

thread_local! {
    /// The serial of the generator being resumed on this thread; 0: none.
    static RUNNING: Cell<u64> = const { Cell::new(0) };
    /// The last serial handed out on this thread (serials are never reused).
    static LAST_SERIAL: Cell<u64> = const { Cell::new(0) };
}

/// A generator whose body is the future `F`, resumed with [`Resume`]s and
/// yielding [`Command`]s.
pub(crate) struct Generator<F: Future + 'static> {
    /// Points into `*shelf`; dropped (with the body's future) before it.
    generator: ManuallyDrop<Gen<'static, Command, Resume, F>>,
    /// From `Box::into_raw`; freed in `drop`, never moved.
    shelf: *mut Shelf<Command, Resume, F>,
    serial: u64,
}

impl<F: Future + 'static> Generator<F> {
    /// Makes the generator: `producer` gets the airlock and returns the body.
    pub(crate) fn new(producer: impl FnOnce(Airlock) -> F) -> Self {
        let serial = LAST_SERIAL.get() + 1;
        LAST_SERIAL.set(serial);
        let shelf = Box::into_raw(Box::new(Shelf::new()));
        // If `producer` panics, the shelf (empty: `Shelf` is a `MaybeUninit`)
        // is freed rather than leaked.
        let free = FreeOnUnwind(shelf);
        // SAFETY: `shelf` is a live heap block that nothing else points to;
        // it is freed only in `drop`, after the generator, so the `'static`
        // borrow never dangles while the generator exists. The `Co` it makes
        // is wrapped in an `Airlock` that is checked at every use (module docs,
        // promise 2), which is the contract of `Gen::new`.
        let generator = unsafe { Gen::new(&mut *shelf, |co| producer(Airlock { co, serial })) };
        std::mem::forget(free);
        Generator {
            generator: ManuallyDrop::new(generator),
            shelf,
            serial,
        }
    }

    /// Runs the body until it yields a command or completes.
    #[inline]
    pub(crate) fn resume_with(&mut self, with: Resume) -> GeneratorState<Command, F::Output> {
        let _running = Running::enter(self.serial);
        self.generator.resume_with(with)
    }
}

impl<F: Future + 'static> Drop for Generator<F> {
    fn drop(&mut self) {
        // SAFETY: dropped exactly once, here; then nothing points into the
        // shelf (the body's future, with its `Co`, went with the generator),
        // so it is freed. `Shelf` has no drop of its own: genawaiter has
        // dropped its contents in place.
        unsafe {
            ManuallyDrop::drop(&mut self.generator);
            drop(Box::from_raw(self.shelf));
        }
    }
}

/// Frees a shelf whose generator was never made (its producer panicked).
struct FreeOnUnwind<S>(*mut S);

impl<S> Drop for FreeOnUnwind<S> {
    fn drop(&mut self) {
        // SAFETY: only reached by unwinding out of `Gen::new`, before the
        // generator that would own the shelf exists.
        unsafe { drop(Box::from_raw(self.0)) }
    }
}

/// Marks a generator as running on this thread for as long as it lives, and
/// puts back the one before (the loop can be run from inside a coroutine).
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

/// A body's end of the generator: it yields a command and is resumed with
/// what the trampoline answers. Only usable while its own generator runs.
pub(crate) struct Airlock {
    co: stack::Co<'static, Command, Resume>,
    serial: u64,
}

impl Airlock {
    /// Yields `command` and returns the future of what the generator is
    /// resumed with. genawaiter stores the command at once, so this must only
    /// be called from inside the body, when it is polled.
    #[inline]
    pub(crate) fn yield_(&self, command: Command) -> impl Future<Output = Resume> + '_ {
        check(self.serial);
        Checked {
            serial: self.serial,
            barrier: self.co.yield_(command),
        }
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
