//! The events the benches write, shaped like the catalog's real ones, and helpers that
//! build the same rows for `serde_json`.
//!
//! The encode bench stamps every row with one instant, the others with the clock at each
//! event; all format it the same way, so the encoders differ only in how they produce the
//! JSON (the encode bench's `serde_json` cases keep the text of the last instant: see
//! [`TsCache`]).

#![allow(dead_code)] // Each bench uses a different part of this module.

use std::hint::black_box;

use logwriter::{Event, EventKind, Field, Line, Precision, Timestamp, TimestampBuf, Writer};
use serde::Serialize;
use serde_json::{Map, Value as Json};

/// 2026-05-01T12:02:31.123456789Z: nine fraction digits, the longest `ts` the seed wrote.
pub const TS: Timestamp = match Timestamp::from_unix(1_777_636_951, 123_456_789) {
    Some(ts) => ts,
    None => panic!("timestamp out of range"),
};

pub const SLOT: &str = "a";

pub const JOIN_TASK_ID: &str = "t-7c92";
pub const JOIN_WORKTREE: &str = "/home/dev/ws/.bones/swarm/a/wt";

pub const COMMIT_MESSAGE: &str = "slot-a: refactor extract token validator";
pub const COMMIT_SHA: &str = "3f9c2a7be1d04c58a6e2";
pub const COMMIT_FILES: u64 = 4;
pub const COMMIT_BYTES: u64 = 18_734;

pub const ERROR_VERB: &str = "commit";
pub const ERROR_REASON: &str = "fossil-fork-detected";

/// One block of a failed command's captured output: ANSI colours, quotes, backslashes,
/// tabs and newlines, as an `error` reason quoting a compiler's stderr would hold.
const NOISY_BLOCK: &str =
    "\u{1b}[1;31merror[E0308]\u{1b}[0m: mismatched types \"expected `u32`\"\n\
     \t--> C:\\ws\\.bones\\swarm\\a\\wt\\src\\lib.rs:12:5\n\
     \t|\t\"value\" \\ found `&str`\r\n";

/// The reason of the large event: enough noisy blocks for an encoded line of about
/// 3.5 KiB (3,584 bytes).
pub fn noisy_reason() -> String {
    let mut reason = String::new();
    while escaped_len(&reason) + escaped_len(NOISY_BLOCK) + 120 <= 3_584 {
        reason.push_str(NOISY_BLOCK);
    }
    reason
}

fn escaped_len(text: &str) -> usize {
    serde_json::to_string(text).map_or(0, |s| s.len() - 2)
}

/// The workloads, by the name of their bench group.
#[derive(Clone, Copy, Debug)]
pub enum Workload {
    Join,
    Commit,
    Error,
    NoisyError,
}

impl Workload {
    pub const ALL: [Workload; 4] = [
        Workload::Join,
        Workload::Commit,
        Workload::Error,
        Workload::NoisyError,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Workload::Join => "join",
            Workload::Commit => "commit",
            Workload::Error => "error",
            Workload::NoisyError => "error_3k5_escaped",
        }
    }
}

/// The inputs of every workload, owned so the benches can pass them through `black_box`.
pub struct Inputs {
    pub noisy_reason: String,
}

impl Inputs {
    pub fn new() -> Inputs {
        Inputs {
            noisy_reason: noisy_reason(),
        }
    }
}

/// Builds the commit event from `black_box`ed parts, as a slot loop builds its event right
/// before it appends it, and appends it with `writer`.
#[inline(always)]
#[allow(clippy::inline_always)] // Timed in a loop: the append inlines into it, as in a slot loop.
pub fn append_commit_built(writer: &mut Writer) {
    let fields = commit_fields(
        black_box(COMMIT_MESSAGE),
        black_box(COMMIT_SHA),
        black_box(COMMIT_FILES),
        black_box(COMMIT_BYTES),
    );
    let event = Event::new(EventKind::Commit)
        .slot(black_box(SLOT))
        .fields(&fields);
    writer.append(&event).expect("append");
}

/// The commit event's fields, in the order the writer puts them on the line.
pub fn commit_fields<'a>(message: &'a str, sha: &'a str, files: u64, bytes: u64) -> [Field<'a>; 4] {
    [
        Field::new("message", message),
        Field::new("sha", sha),
        Field::new("files", files),
        Field::new("bytes", bytes),
    ]
}

/// The `ts` text `serde_json` rows carry: the same formatter the writer uses, so only the
/// JSON encoding differs between the cases.
pub fn ts_text(buf: &mut TimestampBuf, ts: Timestamp) -> &str {
    buf.format(ts, Precision::Auto)
}

/// The `ts` text of the last instant formatted, for the `serde_json` cases of the encode
/// bench: they format a timestamp only when it changes. The writer's encoder formats the
/// date and time only when the second changes, and the fraction at every line; with one
/// instant throughout, this charges the `serde_json` cases less than ours for the
/// timestamp, never more.
pub struct TsCache {
    ts: Option<Timestamp>,
    text: String,
}

impl TsCache {
    pub fn new() -> TsCache {
        TsCache {
            ts: None,
            text: String::new(),
        }
    }

    pub fn text(&mut self, ts: Timestamp) -> &str {
        if self.ts != Some(ts) {
            let mut buf = TimestampBuf::new();
            self.text.clear();
            self.text.push_str(ts_text(&mut buf, ts));
            self.ts = Some(ts);
        }
        &self.text
    }
}

/// The commit row as the seed builds it: a fresh map of owned keys and values.
pub fn commit_map(
    ts: &str,
    slot: &str,
    message: &str,
    sha: &str,
    files: u64,
    bytes: u64,
) -> Map<String, Json> {
    let mut map = Map::new();
    map.insert("ts".to_owned(), Json::from(ts));
    map.insert("slot".to_owned(), Json::from(slot));
    map.insert("event".to_owned(), Json::from("commit"));
    map.insert("message".to_owned(), Json::from(message));
    map.insert("sha".to_owned(), Json::from(sha));
    map.insert("files".to_owned(), Json::from(files));
    map.insert("bytes".to_owned(), Json::from(bytes));
    map
}

/// The commit row as a typed struct, keys in the writer's order.
#[derive(Serialize)]
pub struct CommitRow<'a> {
    pub ts: &'a str,
    pub event: &'a str,
    pub slot: &'a str,
    pub message: &'a str,
    pub sha: &'a str,
    pub files: u64,
    pub bytes: u64,
}

#[derive(Serialize)]
pub struct JoinRow<'a> {
    pub ts: &'a str,
    pub event: &'a str,
    pub slot: &'a str,
    pub task_id: &'a str,
    pub worktree: &'a str,
}

#[derive(Serialize)]
pub struct ErrorRow<'a> {
    pub ts: &'a str,
    pub event: &'a str,
    pub slot: &'a str,
    pub verb: &'a str,
    pub reason: &'a str,
    pub recoverable: bool,
}

/// Encodes the commit event once with the writer's encoder, for the cases that write a
/// pre-encoded line.
pub fn commit_line(ts: Timestamp) -> Vec<u8> {
    let fields = commit_fields(COMMIT_MESSAGE, COMMIT_SHA, COMMIT_FILES, COMMIT_BYTES);
    let event = Event::new(EventKind::Commit)
        .slot(SLOT)
        .fields(&fields)
        .at(ts);
    let mut line = Line::new();
    line.encode(&event).expect("the commit line fits").to_vec()
}

/// How a bench binary without criterion's own harness was invoked, read as criterion reads
/// its arguments.
pub struct BenchArgs {
    /// Run once, untimed: `--test`, or no `--bench` (as under `cargo test --benches`).
    pub test_mode: bool,
    /// `--list`: only name the benchmarks.
    pub list: bool,
    /// The positional arguments: substrings of the names to run (none: run all).
    pub filters: Vec<String>,
}

/// Criterion's options that take a value as the next argument, which is not a filter.
const OPTIONS_WITH_VALUES: [&str; 19] = [
    "-c",
    "--color",
    "-s",
    "--save-baseline",
    "-b",
    "--baseline",
    "--baseline-lenient",
    "--load-baseline",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--plotting-backend",
    "--output-format",
    "--profile-time",
    "--format",
];

impl BenchArgs {
    /// The arguments of this process. In test mode, says first that the numbers to come are
    /// from too few rounds to mean anything.
    pub fn from_env() -> BenchArgs {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let has = |flag: &str| args.iter().any(|arg| arg == flag);
        let mut filters = Vec::new();
        let mut after_option = false;
        for arg in &args {
            if !arg.starts_with('-') && !after_option {
                filters.push(arg.clone());
            }
            after_option = OPTIONS_WITH_VALUES.contains(&arg.as_str());
        }
        let args = BenchArgs {
            test_mode: has("--test") || !has("--bench"),
            list: has("--list"),
            filters,
        };
        if args.test_mode && !args.list {
            println!(
                "(test mode: a few rounds, to check that the bench runs; its numbers mean nothing)"
            );
        }
        args
    }

    /// Whether the benchmark `name` is selected.
    pub fn selects(&self, name: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| name.contains(f.as_str()))
    }
}

/// The median of `values` (the upper one of an even count), sorting them in place: how the
/// benches that time blocks whole compare their cases.
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    values[values.len() / 2]
}
