//! A `--trace-json` timeline read back: per track (per task), its name, how
//! many slices it began and how deep they nested, after checking that every
//! end closes a begin and time never goes back.

use std::collections::BTreeMap;

use serde_json::Value;

/// What one track (one task) of a timeline shows.
#[derive(Debug, Default)]
pub struct Track {
    pub name: String,
    /// Begin events (generator pushes recorded).
    pub begins: usize,
    /// The deepest nesting of slices.
    pub deepest: usize,
}

/// Parses a timeline and checks, per track, that every end closes a begin,
/// that nothing stays open, and that time never goes back; returns the tracks.
pub fn tracks(json: &str) -> BTreeMap<u64, Track> {
    let trace: Value = serde_json::from_str(json).expect("the timeline is valid JSON");
    let mut tracks: BTreeMap<u64, Track> = BTreeMap::new();
    let mut open: BTreeMap<u64, (usize, f64)> = BTreeMap::new();
    for event in trace["traceEvents"]
        .as_array()
        .expect("a traceEvents array")
    {
        let ph = event["ph"].as_str().expect("every event has a phase");
        let Some(tid) = event["tid"].as_u64() else {
            continue; // the process name
        };
        let track = tracks.entry(tid).or_default();
        let (depth, last_ts) = open.entry(tid).or_default();
        if ph == "M" {
            if event["name"] == "thread_name" {
                track.name = event["args"]["name"].as_str().unwrap().to_string();
            }
            continue;
        }
        let ts = event["ts"].as_f64().expect("a timestamp");
        assert!(ts >= *last_ts, "time goes back on track {tid}");
        *last_ts = ts;
        match ph {
            "B" => {
                *depth += 1;
                track.begins += 1;
                track.deepest = track.deepest.max(*depth);
            }
            "E" => {
                assert!(*depth > 0, "an end without a begin on track {tid}");
                *depth -= 1;
            }
            "i" | "X" => {}
            other => panic!("unexpected phase {other}"),
        }
    }
    for (tid, (depth, _)) in open {
        assert_eq!(depth, 0, "track {tid} ends with {depth} slices open");
    }
    tracks
}
