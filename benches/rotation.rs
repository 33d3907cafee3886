//! The cost of one rotation with 5 backups: `Writer::rotate` on a log whose five numbered
//! backups all exist, so each rotation takes the lock, drops `log.5`, renames `log.4` …
//! `log` one step up, and opens a new `log`.
//!
//! Each iteration first appends one line so the file rotated is not empty; the files stay
//! small, so the time of freeing a large dropped backup's blocks is not included (the
//! latency harness, `benches/latency.rs`, rotates full 1 MiB files).
//!
//! Then `rotation_full`, a plain harness: rotations of files filled to within two lines of
//! the default 10 MiB, 5 backups, so that each one drops a full `log.5`. The kernel frees
//! the dropped file's page cache inside that rotation, and the append that rotates waits
//! for it. It prints the median and the slowest of 10 such rotations (1, of 64 KiB files,
//! with `--test`).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{commit_fields, COMMIT_BYTES, COMMIT_FILES, COMMIT_MESSAGE, COMMIT_SHA, SLOT};
use criterion::{criterion_group, Criterion};
use logwriter::{Event, EventKind, Options, Writer};

fn bench_rotation(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log");
    let mut writer = Options::new()
        .max_files(5)
        .open(&path)
        .expect("open writer");
    let fields = commit_fields(COMMIT_MESSAGE, COMMIT_SHA, COMMIT_FILES, COMMIT_BYTES);
    let event = Event::new(EventKind::Commit).slot(SLOT).fields(&fields);
    for _ in 0..5 {
        writer.append(&event).expect("append");
        writer.rotate().expect("rotate");
    }
    for n in 1..=5 {
        assert!(dir.path().join(format!("log.{n}")).exists(), "log.{n}");
    }

    let mut group = c.benchmark_group("rotation");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group.bench_function("rotate_5_backups", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                writer.append(black_box(&event)).expect("append");
                let start = Instant::now();
                writer.rotate().expect("rotate");
                total += start.elapsed();
            }
            total
        });
    });
    group.finish();
    assert_eq!(writer.stats().housekeeping_errors, 0);
}

/// Rotations timed in [`time_full_rotations`], after as many as fill every backup.
const FULL_ROTATIONS: usize = 10;

/// Times `rounds` rotations of a log of `max_size` with 5 backups, each file filled with
/// `commit` lines to within two lines of the maximum (untimed) before it is rotated.
fn time_full_rotations(rounds: usize, max_size: u64) -> Vec<Duration> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("log");
    let mut writer = Options::new()
        .max_size(max_size)
        .max_files(5)
        .open(&path)
        .expect("open writer");
    let fields = commit_fields(COMMIT_MESSAGE, COMMIT_SHA, COMMIT_FILES, COMMIT_BYTES);
    let event = Event::new(EventKind::Commit).slot(SLOT).fields(&fields);
    let mut times = Vec::with_capacity(rounds);
    for round in 0..5 + rounds {
        fill(&mut writer, &event, max_size);
        let start = Instant::now();
        writer.rotate().expect("rotate");
        let elapsed = start.elapsed();
        if round >= 5 {
            times.push(elapsed);
        }
    }
    let backup = std::fs::metadata(dir.path().join("log.5")).expect("log.5");
    assert!(
        backup.len() + 512 > max_size,
        "log.5 holds {} bytes",
        backup.len()
    );
    assert_eq!(writer.stats().housekeeping_errors, 0);
    times.sort_unstable();
    times
}

/// Appends `event` until the next line might not fit under `max_size`.
fn fill(writer: &mut Writer, event: &Event<'_>, max_size: u64) {
    let start = writer.stats().bytes_written;
    loop {
        let before = writer.stats().bytes_written;
        writer.append(event).expect("append");
        let line = writer.stats().bytes_written - before;
        if writer.stats().bytes_written - start + 2 * line > max_size {
            return;
        }
    }
}

criterion_group!(benches, bench_rotation);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let args = common::BenchArgs::from_env();
    if args.list || !args.selects("rotation_full") {
        return;
    }
    let (rounds, max_size) = if args.test_mode {
        (1, 64 << 10)
    } else {
        (
            FULL_ROTATIONS,
            Options::new().rotation().expect("rotates").max_size,
        )
    };
    let times = time_full_rotations(rounds, max_size);
    println!(
        "rotation_full: {rounds} rotations of {} KiB files, 5 backups, each dropping a full log.5",
        max_size >> 10
    );
    println!(
        "  median {:.3} ms, slowest {:.3} ms",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}
