//! A frame's label: the human name a learner sees for it (`fib(27)`,
//! `read_input`) in traces, `ps` and failure reports.

use std::fmt;

/// A frame's human name: a static name and an optional argument, shown as
/// `fib(27)`. It is four words and `Copy`, and is only formatted when somebody
/// looks (a trace, `ps`, a failure report), so labelling costs nothing.
///
/// ```
/// use trampoline::Label;
/// assert_eq!(Label::new("fib").with_arg(27).to_string(), "fib(27)");
/// assert_eq!(Label::new("read_input").to_string(), "read_input");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Label {
    name: &'static str,
    arg: Option<u64>,
}

impl Label {
    /// A label with a name only.
    ///
    /// ```
    /// assert_eq!(trampoline::Label::new("print_every").name(), "print_every");
    /// ```
    pub const fn new(name: &'static str) -> Self {
        Label { name, arg: None }
    }

    /// The same name with an argument, shown in parentheses.
    ///
    /// ```
    /// assert_eq!(trampoline::Label::new("fib").with_arg(5).arg(), Some(5));
    /// ```
    pub const fn with_arg(self, arg: u64) -> Self {
        Label {
            name: self.name,
            arg: Some(arg),
        }
    }

    /// The name. A default label keeps the closure's whole type name
    /// (`demo::fib::{{closure}}`) and is trimmed to the function's name (`fib`)
    /// here, only when somebody looks.
    ///
    /// ```
    /// assert_eq!(trampoline::Label::new("fib").name(), "fib");
    /// ```
    pub fn name(&self) -> &'static str {
        let mut path = self.name;
        while let Some(outer) = path.strip_suffix("::{{closure}}") {
            path = outer;
        }
        path.rsplit("::").next().unwrap_or(path)
    }

    /// The argument, if any.
    ///
    /// ```
    /// assert_eq!(trampoline::Label::new("fib").arg(), None);
    /// ```
    pub const fn arg(&self) -> Option<u64> {
        self.arg
    }

    /// The default label of a coroutine: the name of the function that wrote
    /// the closure `B`, from its type name (`demo::fib::{{closure}}` gives
    /// `fib`). A `&'static str` the compiler already has; [`name`](Self::name)
    /// trims it when asked, so creating a coroutine costs nothing here.
    pub(crate) fn of_closure<B>() -> Self {
        Label::new(std::any::type_name::<B>())
    }
}

/// Labels are equal when they read the same: `Label::new("fib")` equals the
/// default label of the closure written in `fn fib`.
impl PartialEq for Label {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name() && self.arg == other.arg
    }
}

impl Eq for Label {}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.arg {
            Some(arg) => write!(f, "{}({arg})", self.name()),
            None => f.write_str(self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closure_is_named_after_the_function_that_wrote_it() {
        fn fib() -> Label {
            let f = || ();
            fn name_of<B>(_: &B) -> Label {
                Label::of_closure::<B>()
            }
            name_of(&f)
        }
        assert_eq!(fib().name(), "fib");
    }
}
