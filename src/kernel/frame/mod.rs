//! A frame: one suspended generator on a task's stack, with its label.
//!
//! This is the frame's safe face, all the trampoline sees: make one, resume
//! it, read its label. Behind it, the workspace's `oneblock` crate keeps the
//! generator in one heap block (the project's only `unsafe`, fenced there,
//! so this crate is `#![forbid(unsafe_code)]`); a first reading skips it: a
//! frame behaves as if it held genawaiter's safe `rc::Gen` in a `Box`, which
//! is what the guided tour's step 5 does.

use std::fmt;
use std::future::Future;

use genawaiter::GeneratorState;
use oneblock::{Block, Finish, Kind};

use super::command::{Command, Resume};
use super::error::Error;
use super::label::Label;
use super::value::{Outcome, Value};

/// A body's end of its generator: `Co` wraps it (`coroutine.rs`).
pub(crate) type Airlock = oneblock::Airlock<Frames>;

/// What the kernel's generators yield (a [`Command`]), are resumed with (a
/// [`Resume`]), finish with (an [`Outcome`]) and carry (a [`Label`]).
#[derive(Debug)]
pub(crate) enum Frames {}

impl Kind for Frames {
    type Yield = Command;
    type Resume = Resume;
    type Output = Outcome;
    type Meta = Label;
}

/// A body's `Result<T, Error>` finishes as an [`Outcome`], `T` erased.
impl<T: 'static> Finish<Frames> for Result<T, Error> {
    #[inline]
    fn finish(self) -> Outcome {
        self.map(Value::new)
    }
}

/// One suspended generator and its label, in one heap block behind a
/// one-word pointer, so a `Call` command is two words. Only the trampoline
/// resumes it.
pub(crate) struct Frame {
    block: Block<Frames>,
}

impl Frame {
    /// A frame for the body `producer` returns when given its airlock.
    pub(crate) fn new<F, T>(label: Label, producer: impl FnOnce(Airlock) -> F) -> Self
    where
        F: Future<Output = Result<T, Error>> + 'static,
        T: 'static,
    {
        Frame {
            block: Block::new(label, producer),
        }
    }

    /// Runs the generator until it yields its next command or completes.
    #[inline]
    pub(crate) fn resume(&mut self, with: Resume) -> GeneratorState<Command, Outcome> {
        self.block.resume(with)
    }

    #[inline]
    pub(crate) fn label(&self) -> Label {
        self.block.meta()
    }

    #[inline]
    pub(crate) fn set_label(&mut self, label: Label) {
        self.block.set_meta(label);
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame({})", self.label())
    }
}
