//! A method and a path pattern to a handler: `GET /stuff/{id}`. Routes are
//! tried in the order they were added; a linear scan is enough for the few
//! routes of an example (a real router builds a trie).

use std::fmt;
use std::rc::Rc;

use super::message::decode;
use super::{Request, Response};
use crate::kernel::Coroutine;

/// A request handler: a coroutine that answers one request. An `Err` it
/// returns is answered `500 Internal Server Error`.
pub type Handler = Rc<dyn Fn(Request) -> Coroutine<Response>>;

enum Segment {
    Literal(String),
    Capture(String),
}

struct Route {
    method: String,
    pattern: Vec<Segment>,
    handler: Handler,
}

/// The routes of a [`Server`](super::Server): which handler answers which
/// method and path. A path no route matches is answered 404; a path some
/// route matches with another method, 405 (`HEAD` goes to `GET`'s route).
///
/// ```
/// use trampoline::http::{Request, Response, Router};
/// use trampoline::{Coroutine, Scheduler};
///
/// let router = Router::new().route("GET", "/", |_request| {
///     Coroutine::new(|_co| async { Ok(Response::text(200, "home")) })
/// });
/// let status = |target: &str, method: &str| {
///     let request = Request::new(method, target);
///     Scheduler::new().unwrap().run_until_complete(router.handle(request)).unwrap().status()
/// };
/// assert_eq!(status("/", "GET"), 200);
/// assert_eq!(status("/?query=x", "GET"), 200);
/// assert_eq!(status("/", "DELETE"), 405);
/// assert_eq!(status("/", "HEAD"), 200);
/// assert_eq!(status("/nowhere", "GET"), 404);
/// ```
#[derive(Default)]
pub struct Router {
    routes: Vec<Route>,
}

impl Router {
    /// A router with no routes: everything is 404.
    ///
    /// ```
    /// let router = trampoline::http::Router::new();
    /// # let _ = router;
    /// ```
    pub fn new() -> Self {
        Router::default()
    }

    /// Adds a route: `method` (such as `"GET"`), and a path `pattern` whose
    /// `{name}` segments match any one segment, available to the handler as
    /// [`Request::param`].
    ///
    /// ```
    /// use trampoline::http::{Response, Router};
    /// use trampoline::Coroutine;
    /// let router = Router::new()
    ///     .route("GET", "/stuff/{id}", |r| Coroutine::new(|_co| async { Ok(Response::new(200)) }))
    ///     .route("PUT", "/stuff/{id}", |r| Coroutine::new(|_co| async { Ok(Response::new(201)) }));
    /// # let _ = router;
    /// ```
    pub fn route(
        mut self,
        method: &str,
        pattern: &str,
        handler: impl Fn(Request) -> Coroutine<Response> + 'static,
    ) -> Self {
        let pattern = segments(pattern)
            .map(
                |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(name) => Segment::Capture(name.to_string()),
                    None => Segment::Literal(segment.to_string()),
                },
            )
            .collect();
        self.routes.push(Route {
            method: method.to_string(),
            pattern,
            handler: Rc::new(handler),
        });
        self
    }

    /// The coroutine that answers `request`: its route's handler, with the
    /// captures filled in, or a 404 or 405. A `HEAD` request no `HEAD` route
    /// takes goes to the `GET` route (the server sends only the head).
    ///
    /// ```
    /// use trampoline::http::{Request, Router};
    /// use trampoline::Scheduler;
    /// let answer = Router::new().handle(Request::new("GET", "/"));
    /// assert_eq!(Scheduler::new().unwrap().run_until_complete(answer).unwrap().status(), 404);
    /// ```
    pub fn handle(&self, mut request: Request) -> Coroutine<Response> {
        let mut status = 404;
        let mut found = None;
        for route in &self.routes {
            let Some(params) = route.matches(request.path()) else {
                continue;
            };
            if route.method == request.method {
                found = Some((route, params));
                break;
            }
            if route.method == "GET" && request.method == "HEAD" && found.is_none() {
                found = Some((route, params));
            }
            status = 405;
        }
        if let Some((route, params)) = found {
            request.params = params;
            return (route.handler)(request);
        }
        let message = if status == 404 {
            "no such page"
        } else {
            "that method is not allowed here"
        };
        Coroutine::new(move |_co| async move { Ok(Response::text(status, message)) })
    }
}

impl Route {
    /// The captures if `path` matches this route's pattern.
    fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let mut params = Vec::new();
        let mut parts = segments(path);
        for segment in &self.pattern {
            let part = parts.next()?;
            match segment {
                Segment::Literal(literal) if literal == part => {}
                Segment::Literal(_) => return None,
                Segment::Capture(name) => params.push((name.clone(), decode(part, false))),
            }
        }
        parts.next().is_none().then_some(params)
    }
}

/// The segments of a path: `/stuff/1` is `stuff`, `1`; `/` is none.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|segment| !segment.is_empty())
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_list();
        for route in &self.routes {
            let pattern: Vec<String> = route
                .pattern
                .iter()
                .map(|segment| match segment {
                    Segment::Literal(literal) => literal.clone(),
                    Segment::Capture(name) => format!("{{{name}}}"),
                })
                .collect();
            list.entry(&format!("{} /{}", route.method, pattern.join("/")));
        }
        list.finish()
    }
}
