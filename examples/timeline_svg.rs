//! Draws `--trace-json` timelines as one SVG picture, one panel per run on a
//! shared time axis: each task a lane, its stack a flame chart, hello ticks
//! as green marks, input lines as blue ones, and steps that held the loop in
//! red. The README's picture of `--blocking` against the coroutine run.
//!
//! ```text
//! cargo build --release
//! B=target/release/trampoline
//! (sleep 0.3; echo 40; sleep 0.5; echo 27; sleep 0.7; echo exit) | $B --interval 0.1 --trace-json co.json > /dev/null
//! (sleep 0.3; echo 40; sleep 0.5; echo 27; sleep 0.7; echo exit) | $B --interval 0.1 --trace-json block.json --blocking > /dev/null
//! cargo run --example timeline_svg -- \
//!     "coroutines: fib(40) typed at 0.3 s, fib(27) at 0.8 s (fib(40) cut off by exit at 1.5 s)" co.json \
//!     "--blocking: the same input, fib computed by a plain recursive function" block.json > docs/timeline.svg
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

const WIDTH: f64 = 960.0;
const LEFT: f64 = 170.0;
const RIGHT: f64 = 20.0;
const ROW: f64 = 14.0;

/// One slice of a flame chart, in microseconds.
#[derive(Debug)]
struct Slice {
    start: f64,
    end: f64,
    depth: usize,
    name: String,
}

/// One task's lane.
#[derive(Debug, Default)]
struct Lane {
    name: String,
    slices: Vec<Slice>,
    /// Instants: (time, name).
    marks: Vec<(f64, String)>,
    /// Steps that held the loop: (start, duration).
    held: Vec<(f64, f64)>,
    deepest: usize,
}

/// Reads a timeline into lanes by task id; returns them and the last time.
fn lanes(json: &str) -> Result<(BTreeMap<u64, Lane>, f64), String> {
    let trace: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let events = trace["traceEvents"].as_array().ok_or("no traceEvents")?;
    let mut lanes: BTreeMap<u64, Lane> = BTreeMap::new();
    let mut open: BTreeMap<u64, Vec<(f64, String)>> = BTreeMap::new();
    let mut last = 0.0f64;
    for event in events {
        let Some(tid) = event["tid"].as_u64() else {
            continue;
        };
        let lane = lanes.entry(tid).or_default();
        let ts = event["ts"].as_f64().unwrap_or(0.0);
        last = last.max(ts);
        let name = event["name"].as_str().unwrap_or("").to_string();
        match event["ph"].as_str() {
            Some("M") if name == "thread_name" => {
                lane.name = event["args"]["name"].as_str().unwrap_or("").to_string();
            }
            Some("B") => open.entry(tid).or_default().push((ts, name)),
            Some("E") => {
                let stack = open.entry(tid).or_default();
                let (start, name) = stack.pop().ok_or("an end without a begin")?;
                let depth = stack.len() + 1;
                lane.deepest = lane.deepest.max(depth);
                lane.slices.push(Slice {
                    start,
                    end: ts,
                    depth,
                    name,
                });
            }
            Some("i") => lane.marks.push((ts, name)),
            Some("X") => {
                let dur = event["dur"].as_f64().unwrap_or(0.0);
                last = last.max(ts + dur);
                lane.held.push((ts, dur));
            }
            _ => {}
        }
    }
    Ok((lanes, last))
}

/// A fill colour for a frame: one hue per function, darker deeper.
fn colour(name: &str, depth: usize) -> String {
    let hue = match name.split('(').next().unwrap_or(name) {
        "main_task" | "read_input" => 210,
        "print_every" => 130,
        "compute" => 30,
        _ => 40,
    };
    format!("hsl({hue},70%,{}%)", 78 - 5 * depth.min(8))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Draws one run's panel from `top`; returns the SVG and the panel's height.
fn panel(
    title: &str,
    lanes: &BTreeMap<u64, Lane>,
    x: &dyn Fn(f64) -> f64,
    top: f64,
) -> (String, f64) {
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<text x="10" y="{}" class="title">{}</text>"#,
        top + 16.0,
        escape(title)
    );
    let mut y = top + 28.0;
    for lane in lanes.values() {
        let height = lane.deepest.max(1) as f64 * ROW + 6.0;
        let _ = writeln!(
            svg,
            r##"<rect x="{LEFT}" y="{y}" width="{}" height="{height}" fill="#f6f6f6"/>"##,
            WIDTH - LEFT - RIGHT
        );
        let _ = writeln!(
            svg,
            r#"<text x="10" y="{}" class="lane">{}</text>"#,
            y + 12.0,
            escape(&lane.name)
        );
        for s in &lane.slices {
            let (x0, x1) = (x(s.start), x(s.end));
            let w = (x1 - x0).max(0.6);
            let sy = y + 3.0 + (s.depth - 1) as f64 * ROW;
            let _ = writeln!(
                svg,
                r#"<rect x="{x0:.1}" y="{sy}" width="{w:.1}" height="{}" fill="{}"><title>{}</title></rect>"#,
                ROW - 1.0,
                colour(&s.name, s.depth),
                escape(&s.name)
            );
            if w > 7.0 * s.name.len() as f64 {
                let _ = writeln!(
                    svg,
                    r#"<text x="{:.1}" y="{}" class="frame">{}</text>"#,
                    x0 + 3.0,
                    sy + 10.0,
                    escape(&s.name)
                );
            }
        }
        for &(start, dur) in &lane.held {
            let (x0, x1) = (x(start), x(start + dur));
            let _ = writeln!(
                svg,
                r##"<rect x="{x0:.1}" y="{y}" width="{:.1}" height="{height}" fill="#d62728" fill-opacity="0.35"/>"##,
                (x1 - x0).max(1.0)
            );
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{}" class="held">held the loop {:.0} ms</text>"#,
                x0 + 3.0,
                y + height - 4.0,
                dur / 1000.0
            );
        }
        for (ts, name) in &lane.marks {
            let colour = match name.as_str() {
                "wake: timer" => "#2ca02c",
                "wake: input line" => "#1f77b4",
                _ => continue,
            };
            let mx = x(*ts);
            let _ = writeln!(
                svg,
                r#"<line x1="{mx:.1}" y1="{}" x2="{mx:.1}" y2="{}" stroke="{colour}" stroke-width="2"><title>{name}</title></line>"#,
                y - 2.0,
                y + height + 2.0
            );
        }
        y += height + 4.0;
    }
    (svg, y - top)
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() || !args.len().is_multiple_of(2) {
        return Err(
            "usage: timeline_svg TITLE FILE.json [TITLE FILE.json ...] > picture.svg".into(),
        );
    }
    let mut runs = Vec::new();
    let mut end = 0.0f64;
    for pair in args.chunks(2) {
        let json = std::fs::read_to_string(&pair[1]).map_err(|e| format!("{}: {e}", pair[1]))?;
        let (lanes, last) = lanes(&json).map_err(|e| format!("{}: {e}", pair[1]))?;
        end = end.max(last);
        runs.push((pair[0].clone(), lanes));
    }
    let scale = (WIDTH - LEFT - RIGHT) / end.max(1.0);
    let x = move |ts: f64| LEFT + ts * scale;
    let mut body = String::new();
    let mut y = 0.0;
    for (title, lanes) in &runs {
        let (svg, height) = panel(title, lanes, &x, y);
        body.push_str(&svg);
        y += height + 8.0;
    }
    // The time axis, every 100 ms.
    let mut ms = 0;
    while f64::from(ms) * 1000.0 <= end {
        let tx = x(f64::from(ms) * 1000.0);
        let _ = writeln!(
            body,
            r##"<line x1="{tx:.1}" y1="{y}" x2="{tx:.1}" y2="{}" stroke="#888"/><text x="{tx:.1}" y="{}" class="axis">{:.1} s</text>"##,
            y + 5.0,
            y + 17.0,
            f64::from(ms) / 1000.0
        );
        ms += 100;
    }
    let legend = "green: a hello tick (print_every woken by its timer) · blue: an input line arrives · red: one step held the loop · boxes: each task's stack of generators, deepest below";
    let _ = writeln!(
        body,
        r#"<text x="10" y="{}" class="legend">{legend}</text>"#,
        y + 36.0
    );
    println!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{}" font-family="sans-serif">
<style>.title{{font-size:14px;font-weight:bold}} .lane{{font-size:11px}} .frame{{font-size:9px}} .held{{font-size:10px;fill:#8b0000}} .axis{{font-size:10px;text-anchor:middle}} .legend{{font-size:10px;fill:#444}}</style>
<rect width="100%" height="100%" fill="white"/>
{body}</svg>"#,
        y + 46.0
    );
    Ok(())
}
