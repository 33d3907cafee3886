//! Encoding one event into a line: this crate's encoder against `serde_json`.
//!
//! One group per workload, three cases each:
//! - `logwriter`: `Line::encode` into one `Line` reused across iterations, as `Writer` does;
//! - `serde_json_map`: the seed's way, building a `serde_json::Map` of owned keys and values
//!   for every event and serializing it with `serde_json::to_vec` (a new `Vec` each time);
//! - `serde_json_derive`: a `#[derive(Serialize)]` struct of borrowed fields serialized with
//!   `serde_json::to_writer` into one `Vec` reused across iterations (cleared each time).
//!
//! All three stamp the same instant with the same RFC 3339 formatter and end the line with
//! `\n`; before timing, the lines are checked to hold the same JSON. Ours formats the date
//! and time once a second and the fraction at every line; the `serde_json` cases format the
//! timestamp only when it changes (never, with one instant throughout), so they are charged
//! less than ours for it, not more.
//!
//! Then `encode_many_fields`, ours alone: events of 100 and 400 fields with short keys
//! (`k0`…), 100 with long ones (`field_number_0000`…), and 800 short ones, which cannot fit
//! on a line and are refused after the encoder has gone through them all.

mod common;

use std::fs;
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{
    commit_fields, commit_map, CommitRow, ErrorRow, Inputs, JoinRow, TsCache, Workload,
    COMMIT_BYTES, COMMIT_FILES, COMMIT_MESSAGE, COMMIT_SHA, ERROR_REASON, ERROR_VERB, JOIN_TASK_ID,
    JOIN_WORKTREE, SLOT, TS,
};
use criterion::{criterion_group, Criterion, Throughput};
use logwriter::{ErrorKind, Event, EventKind, Field, Line, Timestamp};
use serde::Serialize;
use serde_json::{Map, Value as Json};

/// The two inputs every case of a workload needs besides the timestamp.
struct Case<'a> {
    workload: Workload,
    strings: [&'a str; 2],
    numbers: [u64; 2],
    flag: bool,
}

impl Case<'_> {
    fn encode_ours(&self, line: &mut Line, ts: Timestamp) -> usize {
        let [a, b] = self.strings;
        let [n, m] = self.numbers;
        let encoded = match self.workload {
            Workload::Join => {
                let fields = [Field::new("task_id", a), Field::new("worktree", b)];
                line.encode(
                    &Event::new(EventKind::Join)
                        .slot(SLOT)
                        .fields(&fields)
                        .at(ts),
                )
            }
            Workload::Commit => {
                let fields = commit_fields(a, b, n, m);
                line.encode(
                    &Event::new(EventKind::Commit)
                        .slot(SLOT)
                        .fields(&fields)
                        .at(ts),
                )
            }
            Workload::Error | Workload::NoisyError => {
                let fields = [
                    Field::new("verb", a),
                    Field::new("reason", b),
                    Field::new("recoverable", self.flag),
                ];
                line.encode(
                    &Event::new(EventKind::Error)
                        .slot(SLOT)
                        .fields(&fields)
                        .at(ts),
                )
            }
        };
        encoded.map_or(0, <[u8]>::len)
    }

    fn encode_map(&self, ts: &str) -> Vec<u8> {
        let [a, b] = self.strings;
        let [n, m] = self.numbers;
        let map = match self.workload {
            Workload::Join => {
                let mut map = Map::new();
                map.insert("ts".to_owned(), Json::from(ts));
                map.insert("slot".to_owned(), Json::from(SLOT));
                map.insert("event".to_owned(), Json::from("join"));
                map.insert("task_id".to_owned(), Json::from(a));
                map.insert("worktree".to_owned(), Json::from(b));
                map
            }
            Workload::Commit => commit_map(ts, SLOT, a, b, n, m),
            Workload::Error | Workload::NoisyError => {
                let mut map = Map::new();
                map.insert("ts".to_owned(), Json::from(ts));
                map.insert("slot".to_owned(), Json::from(SLOT));
                map.insert("event".to_owned(), Json::from("error"));
                map.insert("verb".to_owned(), Json::from(a));
                map.insert("reason".to_owned(), Json::from(b));
                map.insert("recoverable".to_owned(), Json::from(self.flag));
                map
            }
        };
        let mut out = serde_json::to_vec(&map).expect("a map of strings serializes");
        out.push(b'\n');
        out
    }

    fn encode_derive(&self, out: &mut Vec<u8>, ts: &str) {
        let [a, b] = self.strings;
        let [n, m] = self.numbers;
        out.clear();
        match self.workload {
            Workload::Join => write_row(
                out,
                &JoinRow {
                    ts,
                    event: "join",
                    slot: SLOT,
                    task_id: a,
                    worktree: b,
                },
            ),
            Workload::Commit => write_row(
                out,
                &CommitRow {
                    ts,
                    event: "commit",
                    slot: SLOT,
                    message: a,
                    sha: b,
                    files: n,
                    bytes: m,
                },
            ),
            Workload::Error | Workload::NoisyError => write_row(
                out,
                &ErrorRow {
                    ts,
                    event: "error",
                    slot: SLOT,
                    verb: a,
                    reason: b,
                    recoverable: self.flag,
                },
            ),
        }
        out.push(b'\n');
    }
}

fn write_row(out: &mut Vec<u8>, row: &impl Serialize) {
    serde_json::to_writer(out, row).expect("a struct of strings serializes");
}

/// Fails the bench if the three encoders do not produce the same row.
fn check_same_row(case: &Case<'_>) -> usize {
    let mut line = Line::new();
    let len = case.encode_ours(&mut line, TS);
    let ours = &line.as_bytes()[..len];
    let mut derived = Vec::new();
    let mut ts = TsCache::new();
    case.encode_derive(&mut derived, ts.text(TS));
    assert_eq!(ours, &derived[..], "{:?}: derive differs", case.workload);
    let parsed = |bytes: &[u8]| serde_json::from_slice::<Json>(bytes).expect("valid JSON");
    assert_eq!(
        parsed(ours),
        parsed(&case.encode_map(ts.text(TS))),
        "{:?}: map differs",
        case.workload
    );
    len
}

/// The case of `workload`, with its inputs.
fn case_of(workload: Workload, inputs: &Inputs) -> Case<'_> {
    let (strings, numbers, flag) = match workload {
        Workload::Join => ([JOIN_TASK_ID, JOIN_WORKTREE], [0, 0], false),
        Workload::Commit => (
            [COMMIT_MESSAGE, COMMIT_SHA],
            [COMMIT_FILES, COMMIT_BYTES],
            false,
        ),
        Workload::Error => ([ERROR_VERB, ERROR_REASON], [0, 0], true),
        Workload::NoisyError => ([ERROR_VERB, inputs.noisy_reason.as_str()], [0, 0], false),
    };
    Case {
        workload,
        strings,
        numbers,
        flag,
    }
}

fn bench_encode(c: &mut Criterion) {
    let inputs = Inputs::new();
    for workload in Workload::ALL {
        let case = case_of(workload, &inputs);
        let len = check_same_row(&case);

        let mut group = c.benchmark_group(format!("encode_{}", workload.name()));
        group.throughput(Throughput::Bytes(len as u64));
        let mut line = Line::new();
        group.bench_function("logwriter", |b| {
            b.iter(|| black_box(&case).encode_ours(&mut line, black_box(TS)));
        });
        let mut ts = TsCache::new();
        group.bench_function("serde_json_map", |b| {
            b.iter(|| black_box(&case).encode_map(ts.text(black_box(TS))));
        });
        let mut out = Vec::with_capacity(len);
        group.bench_function("serde_json_derive", |b| {
            b.iter(|| {
                black_box(&case).encode_derive(&mut out, ts.text(black_box(TS)));
                black_box(out.len())
            });
        });
        group.finish();
    }
}

/// Events of many fields, each a key and the number 1: past 32 fields the encoder finds
/// repeated keys through a hash table. (label, key prefix, key width, fields, fits a line).
const MANY_FIELDS: [(&str, &str, usize, usize, bool); 4] = [
    ("short_keys_100", "k", 0, 100, true),
    ("short_keys_400", "k", 0, 400, true),
    ("long_keys_100", "field_number_", 4, 100, true),
    ("short_keys_800_refused", "k", 0, 800, false),
];

fn bench_many_fields(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_many_fields");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (label, prefix, width, count, fits) in MANY_FIELDS {
        let keys: Vec<String> = (0..count).map(|i| format!("{prefix}{i:0width$}")).collect();
        let fields: Vec<Field<'_>> = keys.iter().map(|key| Field::new(key, 1u8)).collect();
        let event = Event::new(EventKind::Commit)
            .slot(SLOT)
            .fields(&fields)
            .at(TS);
        let mut line = Line::new();
        match line.encode(&event) {
            Ok(bytes) => assert!(fits, "{label}: {} bytes fit", bytes.len()),
            Err(err) => assert!(
                !fits && matches!(err.kind(), ErrorKind::LineTooLong { .. }),
                "{label}: {err}"
            ),
        }
        group.bench_function(label, |b| {
            b.iter(|| line.encode(black_box(&event)).map(<[u8]>::len).ok());
        });
    }
    group.finish();
}

/// Blocks of each encoder timed in [`time_interleaved`], after as many for warm-up.
const BLOCKS: usize = 1_000;

/// About how long one block of one encoder takes.
const BLOCK_NANOS: f64 = 50_000.0;

/// The median nanoseconds per encode of each encoder (ours, `Map`, derive) over `blocks`
/// blocks, the three taking turns block by block and each block timed whole, so that the
/// machine's drift falls on all three alike. Criterion times them one after the other.
fn time_interleaved(case: &Case<'_>, blocks: usize) -> [f64; 3] {
    let mut line = Line::new();
    let mut out = Vec::new();
    let mut ts = TsCache::new();
    // The mean nanoseconds per encode over `calls` encodes by `encoder`.
    #[allow(clippy::cast_precision_loss)]
    let mut time = |encoder: usize, calls: usize| {
        let start = Instant::now();
        for _ in 0..calls {
            let len = match encoder {
                0 => black_box(case).encode_ours(&mut line, black_box(TS)),
                1 => black_box(case).encode_map(ts.text(black_box(TS))).len(),
                _ => {
                    black_box(case).encode_derive(&mut out, ts.text(black_box(TS)));
                    out.len()
                }
            };
            black_box(len);
        }
        start.elapsed().as_nanos() as f64 / calls as f64
    };
    // Calls per block: about BLOCK_NANOS of each encoder.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let calls = [0, 1, 2]
        .map(|encoder| ((BLOCK_NANOS / time(encoder, 100).max(1.0)).ceil() as usize).max(1));
    let mut means: [Vec<f64>; 3] = Default::default();
    for block in 0..2 * blocks {
        for (encoder, calls) in calls.into_iter().enumerate() {
            let mean = time(encoder, calls);
            if block >= blocks {
                means[encoder].push(mean);
            }
        }
    }
    means.map(|mut values| common::median(&mut values))
}

/// Prints the interleaved medians and ratios of each selected workload (`cargo bench --
/// encode_commit`; `interleaved` selects them all) and, after a timed run of all of them,
/// saves them for `.ci/bench-ratios.sh`.
fn report_interleaved(args: &common::BenchArgs) {
    let inputs = Inputs::new();
    let blocks = if args.test_mode { 2 } else { BLOCKS };
    println!("encode, interleaved: {blocks} blocks of each encoder taking turns, each timed whole");
    println!(
        "  {:<28} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "median ns per encode", "logwriter", "map", "derive", "map/ours", "der/ours"
    );
    let mut summary = Vec::new();
    for workload in Workload::ALL {
        let name = format!("encode_{}", workload.name());
        if !args.selects(&name) && !args.filters.iter().any(|f| f == "interleaved") {
            continue;
        }
        let case = case_of(workload, &inputs);
        let [ours, map, derive] = time_interleaved(&case, blocks);
        println!(
            "  {name:<28} {ours:>10.1} {map:>10.1} {derive:>10.1} {:>8.2} {:>8.2}",
            map / ours,
            derive / ours
        );
        summary.push(format!(
            "\"{name}\":{{\"logwriter\":{ours:.1},\"serde_json_map\":{map:.1},\"serde_json_derive\":{derive:.1}}}"
        ));
    }
    if !args.test_mode && summary.len() == Workload::ALL.len() {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("encode_interleaved.json");
        if let Err(err) = fs::write(&path, format!("{{{}}}\n", summary.join(","))) {
            eprintln!("encode: cannot write {}: {err}", path.display());
        }
    }
}

criterion_group!(benches, bench_encode, bench_many_fields);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let args = common::BenchArgs::from_env();
    if !args.list {
        report_interleaved(&args);
    }
}
