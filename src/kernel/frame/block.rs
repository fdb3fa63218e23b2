//! One coroutine's generator in one heap block: genawaiter's *stack*
//! flavour, with the airlock, the body's future and the frame's label side
//! by side, reached through a one-word pointer; and the guard that keeps
//! every [`Airlock`] inside the coroutine it was made for.
//!
//! The only `unsafe` in the crate lives here; design.md ("Why one module has
//! `unsafe`") says why. genawaiter's `rc` flavour is safe but costs two heap
//! blocks per coroutine (an `Rc` airlock and a boxed future), plus a third
//! to erase the generator's type for a task's stack. The stack flavour keeps
//! its state in a `Shelf` that genawaiter expects on the native stack; a
//! task's stack of suspended coroutines is a `Vec`, so the shelf goes in a
//! heap block of ours instead, with a header (label, serial, and the two
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
//!    alive. `Co` is neither `Send` nor `Sync`, so a serial is only compared
//!    on the thread that made it.
//! 3. No reference ever covers the whole block: the generator holds a
//!    `Pin<&mut>` into the shelf, in the same block, and a `&mut` (or a
//!    `Box`) to the whole block would claim unique access to memory that
//!    pointer uses. So the block is only held as a raw pointer, and each use
//!    reaches one field: the header's label and serial by value, a `&mut` to
//!    the generator alone, the shelf only through genawaiter. The `repr(C)`
//!    block starts with its header, so a `Frame` points at the header, cast
//!    back to the whole block by the functions the header points to.
//!
//! What holds them: `tests/kernel/co_escape.rs` smuggles a `Co` to another
//! coroutine, uses one outside any coroutine and polls a smuggled
//! half-finished `sleep`: each is a clean panic and the loop goes on. In
//! `tests/alloc/`, `body_closure_panic` finds no leak when a body closure
//! panics (it fails without the guard) and `allocations` pins one allocation
//! per coroutine. Under AddressSanitizer (`bash .ci/asan`, nightly) every
//! in-process test binary is clean, leaks included, and without the `Co`
//! check `co_escape` is a heap-use-after-free. Miri is not available here:
//! promise 3 rests on reasoning, not a checker.

use std::cell::Cell;
use std::future::Future;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::pin::Pin;
use std::ptr::{NonNull, addr_of_mut};
use std::task::{Context, Poll};

use genawaiter::GeneratorState;
use genawaiter::stack::{self, Gen, Shelf};

use crate::kernel::command::{Command, Resume};
use crate::kernel::error::Error;
use crate::kernel::label::Label;
use crate::kernel::value::{Outcome, Value};

thread_local! {
    /// The serial of the generator being resumed on this thread; 0: none.
    static RUNNING: Cell<u64> = const { Cell::new(0) };
    /// The last serial handed out on this thread (serials are never reused).
    static LAST_SERIAL: Cell<u64> = const { Cell::new(0) };
}

/// An owned, suspended generator with its label: one heap block, one word.
pub(crate) struct Block {
    header: NonNull<Header>,
}

/// The front of every block, whatever its body's type.
#[repr(C)]
struct Header {
    vtable: &'static VTable,
    label: Label,
    serial: u64,
}

/// What is done with a block through its header: the functions that know
/// the body's type, one pair per body type (as a trait object's vtable).
struct VTable {
    resume: unsafe fn(NonNull<Header>, Resume) -> GeneratorState<Command, Outcome>,
    drop: unsafe fn(NonNull<Header>),
}

/// The whole block for a body `F` returning `Result<T, _>`. `repr(C)`: the
/// header comes first, so a pointer to the block is a pointer to its header.
#[repr(C)]
struct Inner<F: Future + 'static> {
    header: Header,
    /// Written once, right after `shelf` is filled; points into `shelf`.
    generator: MaybeUninit<Gen<'static, Command, Resume, F>>,
    shelf: Shelf<Command, Resume, F>,
}

struct VTableOf<F, T>(PhantomData<(F, T)>);

impl<F, T> VTableOf<F, T>
where
    F: Future<Output = Result<T, Error>> + 'static,
    T: 'static,
{
    const VTABLE: VTable = VTable {
        resume: resume::<F, T>,
        drop: drop_block::<F>,
    };
}

impl Block {
    /// Makes the generator: `producer` gets the airlock and returns the body.
    pub(crate) fn new<F, T>(label: Label, producer: impl FnOnce(Airlock) -> F) -> Self
    where
        F: Future<Output = Result<T, Error>> + 'static,
        T: 'static,
    {
        let serial = LAST_SERIAL.get() + 1;
        LAST_SERIAL.set(serial);
        let inner = Box::into_raw(Box::new(Inner::<F> {
            header: Header {
                vtable: &VTableOf::<F, T>::VTABLE,
                label,
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
            header: NonNull::new(inner.cast::<Header>()).expect("BUG: a box is never null"),
        }
    }

    /// Runs the body until it yields a command or completes; a completed
    /// body's `Result<T, _>` comes back with `T` erased into a [`Value`].
    #[inline]
    pub(crate) fn resume(&mut self, with: Resume) -> GeneratorState<Command, Outcome> {
        // SAFETY: the header is live while `self` is; its `resume` is the one
        // made for this block's body type.
        unsafe { ((*self.header.as_ptr()).vtable.resume)(self.header, with) }
    }

    #[inline]
    pub(crate) fn label(&self) -> Label {
        // SAFETY: the header is live while `self` is; read by value.
        unsafe { (*self.header.as_ptr()).label }
    }

    #[inline]
    pub(crate) fn set_label(&mut self, label: Label) {
        // SAFETY: as above; `&mut self` means no one else is reading it.
        unsafe { (*self.header.as_ptr()).label = label }
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        // SAFETY: dropped once, here, with the function made for its body.
        unsafe { ((*self.header.as_ptr()).vtable.drop)(self.header) }
    }
}

/// # Safety
/// `header` heads a live `Inner<F>` whose generator was written.
unsafe fn resume<F, T>(header: NonNull<Header>, with: Resume) -> GeneratorState<Command, Outcome>
where
    F: Future<Output = Result<T, Error>> + 'static,
    T: 'static,
{
    let inner = header.cast::<Inner<F>>().as_ptr();
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
        GeneratorState::Yielded(command) => GeneratorState::Yielded(command),
        GeneratorState::Complete(result) => GeneratorState::Complete(result.map(Value::new)),
    }
}

/// # Safety
/// `header` heads a live `Inner<F>` whose generator was written, and is
/// never used again.
unsafe fn drop_block<F: Future + 'static>(header: NonNull<Header>) {
    let inner = header.cast::<Inner<F>>().as_ptr();
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
