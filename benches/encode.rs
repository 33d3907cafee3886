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
//! `\n`; before timing, the lines are checked to hold the same JSON.

mod common;

use std::hint::black_box;

use common::{
    commit_fields, commit_map, ts_text, CommitRow, ErrorRow, Inputs, JoinRow, Workload,
    COMMIT_BYTES, COMMIT_FILES, COMMIT_MESSAGE, COMMIT_SHA, ERROR_REASON, ERROR_VERB, JOIN_TASK_ID,
    JOIN_WORKTREE, SLOT, TS,
};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use logwriter::{Event, EventKind, Field, Line, Timestamp, TimestampBuf};
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

    fn encode_map(&self, ts: Timestamp) -> Vec<u8> {
        let mut ts_buf = TimestampBuf::new();
        let ts = ts_text(&mut ts_buf, ts);
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

    fn encode_derive(&self, out: &mut Vec<u8>, ts: Timestamp) {
        let mut ts_buf = TimestampBuf::new();
        let ts = ts_text(&mut ts_buf, ts);
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
    case.encode_derive(&mut derived, TS);
    assert_eq!(ours, &derived[..], "{:?}: derive differs", case.workload);
    let parsed = |bytes: &[u8]| serde_json::from_slice::<Json>(bytes).expect("valid JSON");
    assert_eq!(
        parsed(ours),
        parsed(&case.encode_map(TS)),
        "{:?}: map differs",
        case.workload
    );
    len
}

fn bench_encode(c: &mut Criterion) {
    let inputs = Inputs::new();
    for workload in Workload::ALL {
        let case = match workload {
            Workload::Join => Case {
                workload,
                strings: [JOIN_TASK_ID, JOIN_WORKTREE],
                numbers: [0, 0],
                flag: false,
            },
            Workload::Commit => Case {
                workload,
                strings: [COMMIT_MESSAGE, COMMIT_SHA],
                numbers: [COMMIT_FILES, COMMIT_BYTES],
                flag: false,
            },
            Workload::Error => Case {
                workload,
                strings: [ERROR_VERB, ERROR_REASON],
                numbers: [0, 0],
                flag: true,
            },
            Workload::NoisyError => Case {
                workload,
                strings: [ERROR_VERB, &inputs.noisy_reason],
                numbers: [0, 0],
                flag: false,
            },
        };
        let len = check_same_row(&case);

        let mut group = c.benchmark_group(format!("encode_{}", workload.name()));
        group.throughput(Throughput::Bytes(len as u64));
        let mut line = Line::new();
        group.bench_function("logwriter", |b| {
            b.iter(|| black_box(&case).encode_ours(&mut line, black_box(TS)));
        });
        group.bench_function("serde_json_map", |b| {
            b.iter(|| black_box(&case).encode_map(black_box(TS)));
        });
        let mut out = Vec::with_capacity(len);
        group.bench_function("serde_json_derive", |b| {
            b.iter(|| {
                black_box(&case).encode_derive(&mut out, black_box(TS));
                black_box(out.len())
            });
        });
        group.finish();
    }
}

criterion_group!(benches, bench_encode);
criterion_main!(benches);
