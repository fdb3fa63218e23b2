//! What the layers above keep in the loop: one value per type (the socket
//! table, the thread pool, the event loop's reactor), which the kernel
//! stores and never looks into. A system call finds its layer's state here,
//! so the kernel names no socket and owns no thread.
//!
//! A `Vec` searched by type is enough: there are a handful of entries, and
//! a lookup is a few comparisons (http's `Extensions` is the same idea).

use std::any::{Any, TypeId};
use std::fmt;

/// A map from a type to one value of it.
#[derive(Default)]
pub(crate) struct Extensions {
    entries: Vec<(TypeId, Box<dyn Any>)>,
}

impl Extensions {
    /// The value of type `T`, if one was inserted.
    pub(crate) fn get<T: 'static>(&self) -> Option<&T> {
        let wanted = TypeId::of::<T>();
        self.entries
            .iter()
            .find(|(id, _)| *id == wanted)
            .and_then(|(_, value)| value.downcast_ref())
    }

    /// Stores `value`, replacing the value of its type if there was one.
    pub(crate) fn insert<T: 'static>(&mut self, value: T) {
        let id = TypeId::of::<T>();
        self.entries.retain(|(other, _)| *other != id);
        self.entries.push((id, Box::new(value)));
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Extensions({})", self.entries.len())
    }
}
