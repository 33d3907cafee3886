//! The cost of one rotation with 5 backups: `Writer::rotate` on a log whose five numbered
//! backups all exist, so each rotation takes the lock, drops `log.5`, renames `log.4` …
//! `log` one step up, and opens a new `log`.
//!
//! Each iteration first appends one line so the file rotated is not empty; the files stay
//! small, so the time of freeing a large dropped backup's blocks is not included (the
//! latency harness, `benches/latency.rs`, rotates full 1 MiB files).

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{commit_fields, COMMIT_BYTES, COMMIT_FILES, COMMIT_MESSAGE, COMMIT_SHA, SLOT};
use criterion::{criterion_group, criterion_main, Criterion};
use logwriter::{Event, EventKind, Options};

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

criterion_group!(benches, bench_rotation);
criterion_main!(benches);
