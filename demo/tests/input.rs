//! The demo's standard input, whatever it is and whatever it carries: every
//! kind of stdin (`stdin_matrix`), and lines a user should not send
//! (`hostile_lines`), and what issue 14 found (`hostile_demo`).

#[path = "../../tests/support/mod.rs"]
mod support;

#[path = "input/hostile_demo.rs"]
mod hostile_demo;
#[path = "input/hostile_lines.rs"]
mod hostile_lines;
#[path = "input/stdin_matrix.rs"]
mod stdin_matrix;
