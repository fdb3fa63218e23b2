//! The examples run as processes, each with its own stdin and a time limit:
//! every one that ends by itself (`programs`), the network and executor ones
//! (`network`), and the `tcp_server` driven by real client sockets.

mod support;

#[path = "examples/network.rs"]
mod network;
#[path = "examples/programs.rs"]
mod programs;
#[path = "examples/tcp_server.rs"]
mod tcp_server;
