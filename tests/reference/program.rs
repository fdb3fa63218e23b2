//! Random programs of tasks: bodies of ops, some of which hold bodies of
//! their own (a call, a spawn). Every op and body gets a unique id once the
//! tree is built, so a log entry names exactly one step.

use proptest::prelude::*;

/// One step of a body.
#[derive(Clone, Debug)]
pub enum Op {
    /// Sleep this many milliseconds (0 to 3, so deadlines tie often).
    Sleep(u64),
    /// Call a chain this many calls deep that returns its depth: up to
    /// 3000 resumes, more than a turn, so the task's turn ends in it.
    Compute(u64),
    /// Call a sub-body; catch its error or pass it on.
    Call { body: Body, catch: bool },
    /// Fail with `boom <id>`.
    Fail,
    /// Panic with `model panic <id>` (only in spawned tasks: the main task's
    /// panic would end the run before the others finish).
    Panic,
    /// Spawn a task running the body; keep its handle in this body.
    Spawn(Body),
    /// Join one of this body's live handles (`pick` modulo how many), if
    /// any; catch its error or pass it on.
    Join { pick: usize, catch: bool },
    /// Cancel one of this body's live handles (`pick` modulo how many), if
    /// any, and go on at once: `cancel` is plain code, not a suspension.
    Cancel { pick: usize },
}

/// An op with its id.
#[derive(Clone, Debug)]
pub struct Node {
    pub id: u32,
    pub op: Op,
}

/// A list of ops, run in order; returns its id plus its calls' and joins'
/// values.
#[derive(Clone, Debug)]
pub struct Body {
    pub id: u32,
    pub nodes: Vec<Node>,
}

impl Body {
    /// A body not numbered yet.
    pub fn raw(ops: Vec<Op>) -> Self {
        let nodes = ops.into_iter().map(|op| Node { id: 0, op }).collect();
        Body { id: 0, nodes }
    }

    /// Calls `f` on every node, depth first.
    pub fn visit(&self, f: &mut impl FnMut(&Node)) {
        for node in &self.nodes {
            f(node);
            match &node.op {
                Op::Call { body, .. } | Op::Spawn(body) => body.visit(f),
                Op::Sleep(_)
                | Op::Compute(_)
                | Op::Fail
                | Op::Panic
                | Op::Join { .. }
                | Op::Cancel { .. } => {}
            }
        }
    }

    /// Gives every body and node an id, in depth-first order; turns a panic
    /// in the main task's own tree into a failure.
    fn number(&mut self, next: &mut u32, main_task: bool) {
        *next += 1;
        self.id = *next;
        for node in &mut self.nodes {
            *next += 1;
            node.id = *next;
            match &mut node.op {
                Op::Panic if main_task => node.op = Op::Fail,
                Op::Call { body, .. } => body.number(next, main_task),
                Op::Spawn(body) => body.number(next, false),
                Op::Sleep(_)
                | Op::Compute(_)
                | Op::Fail
                | Op::Panic
                | Op::Join { .. }
                | Op::Cancel { .. } => {}
            }
        }
    }
}

/// Numbers a hand-written program's main body.
pub fn numbered(ops: Vec<Op>) -> Body {
    let mut body = Body::raw(ops);
    body.number(&mut 0, true);
    body
}

fn leaf() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (0u64..=3).prop_map(Op::Sleep),
        1 => (0u64..1500).prop_map(Op::Compute),
        2 => Just(Op::Fail),
        1 => Just(Op::Panic),
        3 => (any::<usize>(), any::<bool>()).prop_map(|(pick, catch)| Op::Join { pick, catch }),
        3 => any::<usize>().prop_map(|pick| Op::Cancel { pick }),
    ]
}

fn body(op: impl Strategy<Value = Op>) -> impl Strategy<Value = Body> {
    prop::collection::vec(op, 0..6).prop_map(Body::raw)
}

/// A whole program: the main task's body, numbered.
pub fn program() -> impl Strategy<Value = Body> {
    let op = leaf().prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            3 => inner.clone(),
            2 => (body(inner.clone()), any::<bool>()).prop_map(|(body, catch)| Op::Call { body, catch }),
            2 => body(inner).prop_map(Op::Spawn),
        ]
    });
    prop::collection::vec(op, 0..8).prop_map(numbered)
}
