//! Measures what each durability policy costs per append, for the README's table.
//!
//! ```text
//! cargo run --release --example durability_cost [DIR]
//! ```
//!
//! Appends one `commit` line (about the size of the seed system's lines) in a loop under each
//! policy, in a fresh file in a new directory made inside `DIR` (default: the system temp
//! dir; the figures are only meaningful on the disk the logs will live on) and removed at
//! the end, so that runs side by side never share a file, and prints the mean and the 99th
//! percentile per append. The syncing policies run fewer appends: each `fdatasync(2)` waits
//! for the disk.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use logwriter::{Durability, Event, EventKind, Field, Line, Options, Timestamp};

fn commit_event<'a>(fields: &'a [Field<'a>]) -> Event<'a> {
    let ts = Timestamp::from_unix(1_777_636_800, 123_456_789).expect("timestamp");
    Event::new(EventKind::Commit)
        .at(ts)
        .slot("a")
        .fields(fields)
}

fn commit_fields() -> [Field<'static>; 3] {
    [
        Field::new("message", "slot-a: refactor extract token validator"),
        Field::new("sha", "abc123def456"),
        Field::new("files", 4),
    ]
}

fn measure(dir: &Path, name: &str, durability: Durability, appends: usize) -> (f64, f64, u64) {
    let path = dir.join(format!("durability-cost-{name}"));
    let mut log = Options::new()
        .no_rotation()
        .durability(durability)
        .open(&path)
        .expect("open");
    let fields = commit_fields();
    let event = commit_event(&fields);
    let mut samples = Vec::with_capacity(appends);
    let start = Instant::now();
    for _ in 0..appends {
        let one = Instant::now();
        log.append(&event).expect("append");
        samples.push(one.elapsed());
    }
    let total = start.elapsed();
    let syncs = log.close().expect("close").syncs;
    std::fs::remove_file(&path).expect("remove");
    samples.sort_unstable();
    let p99 = samples[samples.len() * 99 / 100];
    let per = |d: Duration| d.as_secs_f64() * 1e6;
    #[allow(clippy::cast_precision_loss)] // counts far below 2^52
    let mean = per(total) / appends as f64;
    (mean, per(p99), syncs)
}

fn main() {
    let base: PathBuf = std::env::args_os()
        .nth(1)
        .map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = tempfile::Builder::new()
        .prefix("durability-cost-")
        .tempdir_in(&base)
        .expect("make a directory for the logs");
    let dir = dir.path();
    let policies = [
        ("none", Durability::None, 200_000),
        (
            "periodic-1000-1s",
            Durability::Periodic {
                appends: 1000,
                interval: Duration::from_secs(1),
            },
            200_000,
        ),
        (
            "periodic-64-100ms",
            Durability::Periodic {
                appends: 64,
                interval: Duration::from_millis(100),
            },
            50_000,
        ),
        ("every-append", Durability::EveryAppend, 3_000),
    ];
    let len = Line::new()
        .encode(&commit_event(&commit_fields()))
        .expect("encode")
        .len();
    println!(
        "durability cost per append, {len}-byte line, in {}",
        base.display()
    );
    println!("| policy | appends | fdatasync calls | mean µs/append | p99 µs/append |");
    println!("|---|---|---|---|---|");
    for (name, durability, appends) in policies {
        let (mean, p99, syncs) = measure(dir, name, durability, appends);
        println!("| `{name}` | {appends} | {syncs} | {mean:.2} | {p99:.2} |");
    }
}
