//! Appending the `commit` event to a log file, each case to its own file in one temporary
//! directory (so on one filesystem):
//! - `logwriter`: `Writer::append` with the default settings (`Options::new()`: rotation at
//!   10 MiB into 5 backups, reopen check every 1024 appends or 1 s), the event stamped with
//!   the clock at each append;
//! - `bare_write`: one `rustix::io::write` of the same line, encoded once beforehand, on an
//!   `O_APPEND` descriptor: the cost of the system call alone, the physical limit;
//! - `seed_pattern`: the seed's `Append` in Rust: build a `serde_json::Map`, `to_vec`,
//!   stat the directory (making it only if it is missing, as Go's `MkdirAll`), `stat`
//!   the file (rotating it as the seed does when it is full),
//!   open it `O_APPEND | O_CREAT`, write, close;
//! - `tracing_json`: `tracing-subscriber`'s JSON formatter writing through
//!   `tracing-appender`'s never-rotating file appender (synchronous: one `write` per event),
//!   set up to write a flat row like ours: the fields at the top level, no level or target,
//!   and the same RFC 3339 text for the time (under its own key, `timestamp`).
//!
//! The cases without rotation truncate their file inside the timed loop once it passes
//! 10 MiB (the bare write counts its bytes; the tracing case looks at the file's size
//! every 1024 events, as our writer's reopen check does), so every file stays within the
//! same size range and each case pays for freeing its file's page cache, as our rotation
//! does when it drops the oldest backup.

mod common;

use std::fs::{self, OpenOptions};
use std::hint::black_box;
use std::io::{self, Write as _};
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{commit_map, ts_text, COMMIT_BYTES, COMMIT_FILES, COMMIT_MESSAGE, COMMIT_SHA, SLOT};
use criterion::{criterion_group, criterion_main, Criterion};
use logwriter::{Options, Timestamp, TimestampBuf, DEFAULT_MAX_FILES, DEFAULT_MAX_SIZE};
use rustix::fs::{Mode, OFlags};

/// Truncates `file` once it is over the default rotation size.
fn keep_bounded(file: &fs::File) {
    let len = file.metadata().map_or(0, |meta| meta.len());
    if len > DEFAULT_MAX_SIZE {
        file.set_len(0).expect("truncate");
    }
}

/// The time as our writer writes it, for `tracing-subscriber`'s JSON formatter.
struct SameTime;

impl tracing_subscriber::fmt::time::FormatTime for SameTime {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        let mut buf = TimestampBuf::new();
        w.write_str(ts_text(&mut buf, Timestamp::now()))
    }
}

/// The seed's `Append`: directory, stat, rotate if full, open, one write, close.
fn seed_append(path: &Path, message: &str, sha: &str, files: u64, bytes: u64) -> io::Result<()> {
    let mut ts = TimestampBuf::new();
    let map = commit_map(
        ts_text(&mut ts, Timestamp::now()),
        SLOT,
        message,
        sha,
        files,
        bytes,
    );
    let mut data = serde_json::to_vec(&map)?;
    data.push(b'\n');
    // Go's `MkdirAll` stats the directory first and makes nothing when it exists.
    if let Some(parent) = path.parent() {
        if !fs::metadata(parent).is_ok_and(|meta| meta.is_dir()) {
            fs::create_dir_all(parent)?;
        }
    }
    if let Ok(meta) = fs::metadata(path) {
        if meta.len() > DEFAULT_MAX_SIZE {
            seed_rotate(path, DEFAULT_MAX_FILES)?;
        }
    }
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o644)
        .open(path)?;
    file.write_all(&data)
}

/// The seed's rotation: `log.N-1` → `log.N` … `log` → `log.1`, the oldest removed.
fn seed_rotate(path: &Path, max_files: u32) -> io::Result<()> {
    let numbered = |n: u32| {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        name
    };
    match fs::remove_file(numbered(max_files)) {
        Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
        _ => {}
    }
    for n in (1..max_files).rev() {
        match fs::rename(numbered(n), numbered(n + 1)) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err),
            _ => {}
        }
    }
    fs::rename(path, numbered(1))
}

fn bench_append(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut group = c.benchmark_group("append_commit");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    let mut writer = Options::new()
        .open(dir.path().join("logwriter.log"))
        .expect("open writer");
    group.bench_function("logwriter", |b| {
        b.iter(|| common::append_commit_built(&mut writer));
    });
    assert_eq!(writer.stats().failed, 0);
    assert_eq!(writer.stats().housekeeping_errors, 0);

    let line = common::commit_line(Timestamp::now());
    let bare_path = dir.path().join("bare.log");
    let bare: fs::File = rustix::fs::open(
        &bare_path,
        OFlags::WRONLY | OFlags::APPEND | OFlags::CREATE | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )
    .expect("open bare file")
    .into();
    group.bench_function("bare_write", |b| {
        let mut size = bare.metadata().expect("stat").len();
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                let written = rustix::io::write(&bare, black_box(&line)).expect("write");
                assert_eq!(written, line.len());
                size += written as u64;
                if size > DEFAULT_MAX_SIZE {
                    bare.set_len(0).expect("truncate");
                    size = 0;
                }
            }
            start.elapsed()
        });
    });

    let seed_path = dir.path().join("seed").join("log");
    group.bench_function("seed_pattern", |b| {
        b.iter(|| {
            seed_append(
                &seed_path,
                black_box(COMMIT_MESSAGE),
                black_box(COMMIT_SHA),
                black_box(COMMIT_FILES),
                black_box(COMMIT_BYTES),
            )
            .expect("seed append");
        });
    });

    let appender = tracing_appender::rolling::never(dir.path(), "tracing.log");
    let subscriber = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_level(false)
        .with_target(false)
        .with_timer(SameTime)
        .with_writer(appender)
        .finish();
    let tracing_file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(dir.path().join("tracing.log"))
        .expect("open tracing file");
    tracing::subscriber::with_default(subscriber, || {
        group.bench_function("tracing_json", |b| {
            let mut events = 0u64;
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    events += 1;
                    if events % 1024 == 0 {
                        keep_bounded(&tracing_file);
                    }
                    tracing::info!(
                        slot = black_box(SLOT),
                        event = "commit",
                        message = black_box(COMMIT_MESSAGE),
                        sha = black_box(COMMIT_SHA),
                        files = black_box(COMMIT_FILES),
                        bytes = black_box(COMMIT_BYTES),
                    );
                }
                start.elapsed()
            });
        });
    });
    group.finish();
}

criterion_group!(benches, bench_append);
criterion_main!(benches);
