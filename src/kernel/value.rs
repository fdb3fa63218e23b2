//! Return values with their type erased, so generators of every return type
//! fit on one stack.
//!
//! A task's stack holds `fib` (returning `u64`) above `read_input` (returning
//! `()`), so what a finished generator hands its caller must have one type.
//! Boxing it as `Box<dyn Any>` would cost an allocation per coroutine; instead
//! the small plain types a coroutine usually returns (integers, floats, `bool`,
//! `char`, `()`) travel inline in one machine word, and only other types are
//! boxed (twice: the outer box keeps a `Resume` two words). The caller's `call` knows the type it expects and takes it back out.

use std::any::Any;

use super::error::Error;

/// What a finished generator hands to its caller.
pub(crate) type Outcome = Result<Value, Error>;

/// A value of some type `T`, erased. [`Value::take`] with the same `T` gets it back.
#[derive(Debug)]
pub(crate) enum Value {
    /// A small plain value, as its bits.
    Word(u64),
    /// Anything else, boxed twice: the outer box is one word (the inner,
    /// `dyn`, is two), so a `Resume` carrying a value stays two words.
    Boxed(Box<Box<dyn Any>>),
}

/// Declares which types travel inline: how to pack each into a `u64` and
/// unpack it exactly.
macro_rules! inline_types {
    ($($t:ty: |$v:ident| $pack:expr, |$w:ident| $unpack:expr;)*) => {
        impl Value {
            /// Erases `value`'s type; no allocation for the types listed below.
            #[inline]
            pub(crate) fn new<T: 'static>(value: T) -> Value {
                let mut slot = Some(value);
                let any: &mut dyn Any = &mut slot;
                $(
                    if let Some(v) = any.downcast_mut::<Option<$t>>() {
                        let $v = v.take().expect("BUG: the slot was just filled");
                        return Value::Word($pack);
                    }
                )*
                Value::Boxed(Box::new(Box::new(slot.expect("BUG: the slot is still full"))))
            }

            /// Gets the value back as the type it was made from.
            ///
            /// # Panics
            /// If `T` is not the type the value was made from. `Coroutine<T>`
            /// and `JoinHandle<T>` carry the type, so this is a bug in the crate.
            #[inline]
            pub(crate) fn take<T: 'static>(self) -> T {
                let mut slot: Option<T> = None;
                match self {
                    Value::Word(word) => {
                        let any: &mut dyn Any = &mut slot;
                        $(
                            if let Some(v) = any.downcast_mut::<Option<$t>>() {
                                let $w = word;
                                *v = Some($unpack);
                            }
                        )*
                    }
                    Value::Boxed(boxed) => {
                        slot = (*boxed).downcast::<T>().ok().map(|b| *b);
                    }
                }
                slot.expect("BUG: a value was taken back as another type than it was made from")
            }
        }
    };
}

inline_types! {
    (): |_v| 0, |_w| ();
    bool: |v| v as u64, |w| w != 0;
    char: |v| v as u64, |w| char::from_u32(w as u32).expect("BUG: a packed char unpacks");
    u8: |v| v as u64, |w| w as u8;
    u16: |v| v as u64, |w| w as u16;
    u32: |v| v as u64, |w| w as u32;
    u64: |v| v, |w| w;
    usize: |v| v as u64, |w| w as usize;
    i8: |v| v as u64, |w| w as i8;
    i16: |v| v as u64, |w| w as i16;
    i32: |v| v as u64, |w| w as i32;
    i64: |v| v as u64, |w| w as i64;
    isize: |v| v as u64, |w| w as isize;
    f32: |v| v.to_bits() as u64, |w| f32::from_bits(w as u32);
    f64: |v| v.to_bits(), |w| f64::from_bits(w);
}

impl Value {
    /// Lends the value, as the type it was made from, to `f`. An inline value
    /// is unpacked into a copy first (inline types are all `Copy`).
    ///
    /// # Panics
    /// If `T` is not the type the value was made from (a bug in the crate).
    pub(crate) fn inspect<T: 'static, R>(&self, f: impl FnOnce(&T) -> R) -> R {
        match self {
            Value::Word(word) => f(&Value::Word(*word).take::<T>()),
            Value::Boxed(boxed) => f((**boxed)
                .downcast_ref::<T>()
                .expect("BUG: a value was inspected as another type than it was made from")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: 'static + PartialEq + std::fmt::Debug + Clone>(v: T, inline: bool) {
        let value = Value::new(v.clone());
        assert_eq!(matches!(value, Value::Word(_)), inline);
        assert_eq!(value.take::<T>(), v);
    }

    #[test]
    fn small_plain_values_travel_inline_and_come_back_exactly() {
        round_trip((), true);
        round_trip(true, true);
        round_trip('é', true);
        round_trip(u64::MAX, true);
        round_trip(-1i8, true);
        round_trip(i64::MIN, true);
        round_trip(-0.5f32, true);
        round_trip(f64::NAN.to_bits(), true);
        round_trip(usize::MAX, true);
    }

    #[test]
    fn other_values_are_boxed() {
        round_trip(String::from("URL1"), false);
        round_trip((String::from("URL1"), 3u64), false);
        round_trip(vec![3u64, 3, 3], false);
    }
}
