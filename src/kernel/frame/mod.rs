//! A frame: one suspended generator on a task's stack, with its label.
//!
//! This is the frame's safe face, all the trampoline sees: make one, resume
//! it, read its label. Behind it, `block.rs` keeps the generator in one heap
//! block of ours (the crate's only `unsafe`, fenced there); a first reading
//! can skip that file: a frame behaves as if it held genawaiter's safe
//! `rc::Gen` in a `Box`, which is what the guided tour's step 5 does.

use std::fmt;
use std::future::Future;

use genawaiter::GeneratorState;

// The one exception to `#![deny(unsafe_code)]`: design.md, "Why one module
// has `unsafe`".
#[allow(unsafe_code)]
mod block;

pub(crate) use block::Airlock;
use block::Block;

use super::command::{Command, Resume};
use super::error::Error;
use super::label::Label;
use super::value::Outcome;

/// One suspended generator and its label, in one heap block behind a
/// one-word pointer (`block.rs`), so a `Call` command is two words.
/// Only the trampoline resumes it.
pub(crate) struct Frame {
    block: Block,
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
        self.block.label()
    }

    #[inline]
    pub(crate) fn set_label(&mut self, label: Label) {
        self.block.set_label(label);
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame({})", self.label())
    }
}
