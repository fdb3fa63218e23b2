//! The seed's ipify client (seed `000_b9df22a678fa2ed1.txt`, "get_my_ip_address"): an HTTP/1.1
//! GET written by hand over raw TCP, then the status line, the headers and a
//! JSON body read back, each step a sub-coroutine whose error reaches the top
//! like a synchronous exception would.
//!
//! ```text
//! cargo run --example http_get
//! cargo run --example http_get -- --port 9    # nobody listens there: the error path
//! ```
//!
//! No internet: instead of api.ipify.org, the example starts its own tiny
//! server on 127.0.0.1 (a task on the same loop) that answers, like ipify,
//! with the address it sees the client connect from.

use std::net::SocketAddr;

use clap::Parser;
use trampoline::{Connection, Coroutine, Error, Scheduler};

/// Asks a local "what is my IP" server over raw TCP.
#[derive(Debug, Parser)]
struct Args {
    /// Ask a server on this port of 127.0.0.1 instead of starting one.
    #[arg(long)]
    port: Option<u16>,
}

const REQUEST_HEADERS: [(&str, &str); 4] = [
    ("User-Agent", "trampoline/0.1"),
    ("Host", "api.ipify.org"),
    ("Accept", "application/json"),
    ("Accept-Charset", "UTF-8"),
];

// ---------------------------------------------------------------- the client

/// The seed's `write_headers`.
fn write_headers(connection: Connection) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let mut head = String::new();
        for (key, value) in REQUEST_HEADERS {
            head += &format!("{key}: {value}\r\n");
        }
        co.write_all(&connection, head + "\r\n").await
    })
}

/// The seed's `read_headers`: `Key: Value` lines up to the empty line.
fn read_headers(connection: Connection) -> Coroutine<Vec<(String, String)>> {
    Coroutine::new(move |co| async move {
        let mut headers = Vec::new();
        while let Some(line) = co.read_line_from(&connection).await? {
            if line.trim().is_empty() {
                break;
            }
            let (key, value) = line
                .split_once(':')
                .ok_or_else(|| Error::msg(format!("not a header line: {line:?}")))?;
            headers.push((key.trim().to_string(), value.trim().to_string()));
        }
        Ok(headers)
    })
}

/// The seed's `get_my_ip_address`.
fn get_my_ip_address(server: SocketAddr, verbose: bool) -> Coroutine<String> {
    Coroutine::new(move |co| async move {
        let connection = co.connect(server).await?;
        co.write_all(&connection, "GET /?format=json HTTP/1.1\r\n")
            .await?;
        co.call(write_headers(connection.clone())).await?;
        let status_line = co.read_line_from(&connection).await?.unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        let (_version, code, status) = (parts.next(), parts.next(), parts.next());
        let (Some(code), Some(status)) = (code, status) else {
            return Err(Error::msg(format!(
                "not an HTTP status line: {status_line:?}"
            )));
        };
        if verbose {
            println!("Got status {code} {status}");
        }
        let headers = co.call(read_headers(connection.clone())).await?;
        if verbose {
            println!("Response headers:");
            for (key, value) in &headers {
                println!("{key}: {value}");
            }
        }
        // Assume the server sends the length, as ipify does.
        let length: usize = headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case("Content-Length"))
            .and_then(|(_, value)| value.parse().ok())
            .ok_or_else(|| Error::msg("no Content-Length header"))?;
        let body = co.read_exact_from(&connection, length).await?;
        co.close(&connection).await?;
        let body = String::from_utf8(body).map_err(|_| Error::msg("the body is not UTF-8"))?;
        json_string_field(&body, "ip").ok_or_else(|| Error::msg(format!("no \"ip\" in {body}")))
    })
}

/// The string value of `field` in a flat JSON object such as
/// `{"ip":"127.0.0.1"}`: enough JSON for this answer, not a JSON parser.
fn json_string_field(body: &str, field: &str) -> Option<String> {
    let after_key = body.split_once(&format!("\"{field}\""))?.1;
    let value = after_key.trim_start().strip_prefix(':')?.trim_start();
    let value = value.strip_prefix('"')?;
    Some(value[..value.find('"')?].to_string())
}

/// The seed's `print_my_ip_address`: every error, from any depth, lands here.
fn print_my_ip_address(server: SocketAddr, verbose: bool) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        match co.call(get_my_ip_address(server, verbose)).await {
            Ok(ip) => {
                println!("My IP address is:");
                println!("{ip}");
            }
            Err(e) => println!("Error:  {e}"),
        }
        Ok(())
    })
}

// ---------------------------------------------------------------- the server

/// The local stand-in for api.ipify.org: answers one request with the
/// client's address as JSON, then closes the connection.
fn ipify(listener: trampoline::Listener) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        loop {
            let connection = co.accept(&listener).await?;
            while let Some(line) = co.read_line_from(&connection).await? {
                if line.is_empty() {
                    break;
                }
            }
            let body = format!("{{\"ip\":\"{}\"}}", connection.peer_addr().ip());
            let date = http_date(co.unix_time().await?.as_secs());
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nServer: trampoline\r\n\
                 Connection: keep-alive\r\nContent-Type: application/json\r\nDate: {date}\r\n\r\n",
                body.len()
            );
            co.write_all(&connection, head + &body).await?;
            co.close(&connection).await?;
        }
    })
}

/// `Fri, 10 Oct 2014 03:46:31 GMT` from Unix seconds (the proleptic
/// Gregorian calendar, days to civil date as in Howard Hinnant's algorithm).
fn http_date(unix: u64) -> String {
    let (days, seconds) = (unix / 86_400, unix % 86_400);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let month = MONTHS[(month - 1) as usize];
    format!("{weekday}, {day:02} {month} {year} {h:02}:{m:02}:{s:02} GMT")
}

fn main_task(port: Option<u16>) -> Coroutine<()> {
    Coroutine::new(move |co| async move {
        let server = match port {
            Some(port) => SocketAddr::from(([127, 0, 0, 1], port)),
            None => {
                let listener = co
                    .listen("127.0.0.1:0".parse().expect("a valid address"))
                    .await?;
                let addr = listener.local_addr();
                drop(co.spawn(ipify(listener)).await?);
                addr
            }
        };
        co.call(print_my_ip_address(server, true)).await
    })
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match Scheduler::new().and_then(|mut s| s.run_until_complete(main_task(args.port))) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_is_the_seeds_format() {
        assert_eq!(http_date(1_412_912_791), "Fri, 10 Oct 2014 03:46:31 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn the_ip_comes_out_of_the_json() {
        let body = r#"{"ip": "127.0.0.1"}"#;
        assert_eq!(json_string_field(body, "ip").as_deref(), Some("127.0.0.1"));
        assert_eq!(json_string_field("{}", "ip"), None);
    }
}
