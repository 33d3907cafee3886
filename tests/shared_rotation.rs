//! Many writers, threads and processes, each with its own `Writer`, share one rotating log.
//!
//! Checked after every run: every line is whole JSON and appears exactly once across `log`
//! and `log.N`; each writer's lines keep their order from the oldest file to the newest; the
//! bytes on disk are the bytes the writers counted; the rotations the writers counted are the
//! backups on disk (nothing is deleted: `max_files` is huge), so no crossing rotated twice;
//! no backup is smaller than `max_size - longest_line + 1` (it was rotated only when the next
//! line would not fit) and no file is larger than `max_size` plus the documented overshoot
//! bound, `(writers - 1) * min(appends * longest_line, max(max_size / 64, 1) - 1 +
//! longest_line)` (lines here are shorter than `max_size`).
//!
//! The stress test runs 8 processes x 20,000 events (`LOGWRITER_SOAK=1`: 16 x 250,000).

mod rotation_support;

use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use logwriter::{Options, ReopenCheck, Stats};
use rotation_support::{append_seq, child, numbers, read_series, role};

const DIR: &str = "LOGWRITER_TEST_DIR";
const ID: &str = "LOGWRITER_TEST_ID";
const COUNT: &str = "LOGWRITER_TEST_COUNT";
const MAX_SIZE: &str = "LOGWRITER_TEST_MAX_SIZE";

fn options(max_size: u64) -> Options {
    // Nothing is ever deleted, so every line can be found again.
    Options::new().max_size(max_size).max_files(1_000_000)
}

/// Appends `count` lines as writer `id`; the filler length varies with the seq.
fn write_lines(dir: &Path, id: u32, count: u64, max_size: u64) -> Stats {
    let mut log = options(max_size).open(dir.join("log")).expect("open");
    for seq in 0..count {
        let pad = usize::try_from((seq * 7 + u64::from(id)) % 65).unwrap_or(0);
        append_seq(&mut log, id, seq, pad).expect("append");
    }
    assert_eq!(log.take_housekeeping_error(), None);
    log.close().expect("close")
}

/// What was measured in one run, for the assertions and for the report.
struct Outcome {
    lines: usize,
    rotations: u64,
    backups: usize,
    overshoot: i64,
    bound: u64,
}

/// Checks the whole series against what the writers reported.
fn check_series(dir: &Path, writers: u32, count: u64, max_size: u64, stats: &[Stats]) -> Outcome {
    let content = read_series(dir, "log");
    let expected: Vec<(u32, u64)> = (0..writers)
        .flat_map(|w| (0..count).map(move |seq| (w, seq)))
        .collect();
    assert!(
        content.bad_lines.is_empty(),
        "torn or bad lines: {:?}",
        &content.bad_lines[..content.bad_lines.len().min(5)]
    );
    assert!(
        content.unterminated.is_empty(),
        "files ending mid-line: {:?}",
        content.unterminated
    );
    assert_eq!(content.missing(&expected), 0, "lines lost");
    assert_eq!(content.duplicated(), 0, "lines duplicated");
    assert_eq!(content.seen.len(), expected.len(), "unexpected lines");
    assert!(
        content.out_of_order.is_empty(),
        "order broken: {:?}",
        &content.out_of_order[..content.out_of_order.len().min(5)]
    );

    let written: u64 = stats.iter().map(|s| s.bytes_written).sum();
    assert_eq!(
        content.total_bytes(),
        written,
        "bytes on disk vs bytes the writers counted"
    );
    assert!(stats
        .iter()
        .all(|s| s.failed == 0 && s.bytes_lost == 0 && s.housekeeping_errors == 0));
    let rotations: u64 = stats.iter().map(|s| s.rotations).sum();
    let backups: Vec<u64> = content
        .files
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(_, size)| *size)
        .collect();
    let numbers: Vec<u32> = content.files.iter().map(|(n, _)| *n).collect();
    let contiguous: Vec<u32> = (0..).take(numbers.len()).collect();
    assert_eq!(numbers, contiguous, "the series has a hole");
    assert_eq!(
        rotations,
        backups.len() as u64,
        "rotations counted vs backups on disk"
    );

    let longest = longest_line(dir);
    let check = ReopenCheck::default();
    let per_writer = (u64::from(check.appends) * longest).min((max_size / 64).max(1) - 1 + longest);
    let bound = u64::from(writers - 1) * per_writer;
    let active = content.files.first().map_or(0, |(_, size)| *size);
    for &size in &backups {
        assert!(
            size > max_size - longest,
            "backup of {size} bytes rotated too early (max {max_size}, line {longest})"
        );
    }
    let largest = content
        .files
        .iter()
        .map(|(_, size)| *size)
        .max()
        .unwrap_or(0);
    assert!(
        largest <= max_size + bound,
        "a file grew to {largest} bytes, past {max_size} + bound {bound}"
    );
    // The relation between rotations and bytes: each backup holds more than
    // max_size - longest and at most max_size + bound bytes.
    let in_backups = written - active;
    assert!(
        rotations * (max_size - longest + 1) <= in_backups
            && in_backups <= rotations * (max_size + bound)
    );
    Outcome {
        lines: content.seen.len(),
        rotations,
        backups: backups.len(),
        overshoot: i64::try_from(largest).unwrap_or(i64::MAX)
            - i64::try_from(max_size).unwrap_or(0),
        bound,
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} lines, {} rotations, {} backups, 0 lost, 0 duplicated, 0 torn, largest file {} bytes past max_size (bound {})",
            self.lines, self.rotations, self.backups, self.overshoot, self.bound
        )
    }
}

fn longest_line(dir: &Path) -> u64 {
    rotation_support::series_files(dir, "log")
        .iter()
        .flat_map(|(_, path)| {
            std::fs::read(path)
                .expect("read")
                .split(|&b| b == b'\n')
                .map(|line| line.len() as u64 + 1)
                .collect::<Vec<_>>()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn threads_share_one_rotating_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (writers, count, max_size) = (4u32, 5_000u64, 16 * 1024);
    let barrier = std::sync::Barrier::new(writers as usize);
    let stats: Vec<Stats> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|id| {
                let (dir, barrier) = (dir.path(), &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    write_lines(dir, id, count, max_size)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("writer thread"))
            .collect()
    });
    let outcome = check_series(dir.path(), writers, count, max_size, &stats);
    eprintln!("threads: {writers} x {count} lines: {outcome}");
    assert!(outcome.rotations >= 20);
}

/// Runs `writers` child processes of `count` lines each, released together.
fn run_processes(test: &str, writers: u32, count: u64, max_size: u64) -> Outcome {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut children: Vec<_> = (0..writers)
        .map(|id| {
            child(test, "writer")
                .env(DIR, dir.path())
                .env(ID, id.to_string())
                .env(COUNT, count.to_string())
                .env(MAX_SIZE, max_size.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("spawn writer process")
        })
        .collect();
    // Every child waits for one byte on stdin: start them all at once.
    for child in &mut children {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"g")
            .expect("release child");
    }
    let stats: Vec<Stats> = children
        .into_iter()
        .map(|mut child| {
            let mut out = String::new();
            child
                .stdout
                .take()
                .expect("stdout")
                .read_to_string(&mut out)
                .expect("read child");
            assert!(
                child.wait().expect("wait").success(),
                "writer process failed: {out}"
            );
            parse_stats(&out)
        })
        .collect();
    let outcome = check_series(dir.path(), writers, count, max_size, &stats);
    eprintln!("processes: {writers} x {count} lines: {outcome}");
    outcome
}

fn child_writer() {
    let var = |name| std::env::var(name).expect(name);
    let mut go = [0u8; 1];
    std::io::stdin()
        .read_exact(&mut go)
        .expect("wait for start");
    let stats = write_lines(
        Path::new(&var(DIR)),
        var(ID).parse().expect("id"),
        var(COUNT).parse().expect("count"),
        var(MAX_SIZE).parse().expect("max size"),
    );
    println!(
        "\nstats {} {} {} {} {} {} {} end",
        stats.appends,
        stats.bytes_written,
        stats.rotations,
        stats.reopens,
        stats.failed,
        stats.bytes_lost,
        stats.housekeeping_errors
    );
}

fn parse_stats(out: &str) -> Stats {
    // libtest prints "test <name> ... " before the test runs, on the same line.
    let line = out
        .lines()
        .find_map(|line| line.split_once("stats ").map(|(_, rest)| rest))
        .expect("stats line from child");
    let numbers: Vec<u64> = line.split(' ').map_while(|n| n.parse().ok()).collect();
    assert_eq!(numbers.len(), 7, "stats line from child: {line}");
    let mut stats = Stats::default();
    stats.appends = numbers[0];
    stats.bytes_written = numbers[1];
    stats.rotations = numbers[2];
    stats.reopens = numbers[3];
    stats.failed = numbers[4];
    stats.bytes_lost = numbers[5];
    stats.housekeeping_errors = numbers[6];
    stats
}

#[test]
fn processes_share_one_rotating_log() {
    if role().as_deref() == Some("writer") {
        return child_writer();
    }
    let outcome = run_processes("processes_share_one_rotating_log", 3, 2_000, 8 * 1024);
    assert!(outcome.rotations >= 20);
}

/// The stress test: 8 processes x 20,000 events, a 48 KiB maximum, at least 200 rotations.
#[test]
fn stress_eight_processes() {
    if role().as_deref() == Some("writer") {
        return child_writer();
    }
    let soak = std::env::var_os("LOGWRITER_SOAK").is_some();
    let (writers, count, max_size) = if soak {
        (16, 250_000, 256 * 1024)
    } else {
        (8, 20_000, 48 * 1024)
    };
    let outcome = run_processes("stress_eight_processes", writers, count, max_size);
    assert!(
        outcome.rotations >= 200,
        "only {} rotations",
        outcome.rotations
    );
}

#[test]
fn lines_longer_than_the_maximum_count_once_per_writer_in_the_bound() {
    // Each writer writes any line to a file it counts as empty, so writers that all found
    // the file empty may each add a line longer than max_size: the bound's max(max_size, L).
    let dir = tempfile::tempdir().expect("tempdir");
    let max_size = 50;
    let mut writers: Vec<_> = (0..3)
        .map(|_| {
            // No check due by time, however slow the machine: only appends and bytes count.
            options(max_size)
                .reopen_check(Some(ReopenCheck {
                    appends: 1024,
                    interval: Duration::from_secs(3600),
                }))
                .open(dir.path().join("log"))
                .expect("open")
        })
        .collect();
    for (id, log) in (0..).zip(&mut writers) {
        append_seq(log, id, 0, 100).expect("append");
    }
    let lines: Vec<u64> = writers
        .iter()
        .map(|log| log.stats().bytes_written)
        .collect();
    let longest = *lines.iter().max().expect("three writers");
    assert!(lines.iter().all(|&len| len > max_size));
    let size = std::fs::metadata(dir.path().join("log"))
        .expect("stat")
        .len();
    assert_eq!(
        size,
        lines.iter().sum::<u64>(),
        "one line from each writer, no rotation"
    );
    // The bound: max(max_size, L) + (W − 1) × min(appends × L, C − 1 + L), C = 1 byte here.
    let check_bytes = (max_size / 64).max(1);
    let bound = longest.max(max_size) + 2 * (1024 * longest).min(check_bytes - 1 + longest);
    assert_eq!(bound, 3 * longest);
    assert!(size <= bound);
    // A writer that counts the file as not empty rotates before its next line.
    append_seq(&mut writers[0], 0, 1, 100).expect("append");
    assert_eq!(writers[0].stats().rotations, 1);
    assert_eq!(
        std::fs::metadata(dir.path().join("log.1"))
            .expect("stat")
            .len(),
        size
    );
}

/// A writer whose own count says its next line would pass the maximum takes the lock,
/// follows another writer's rotation, and rotates only if the line would still pass the
/// maximum in the file it now holds: a line that fills the new file exactly goes into it,
/// and that file is not rotated a second time (which would also drop a backup early).
#[test]
fn a_line_that_fits_exactly_after_another_writers_rotation_does_not_rotate_again() {
    use logwriter::{Event, EventKind, Field, Line, Timestamp, Writer};

    fn event_line(n: u64) -> Vec<u8> {
        let fields = [Field::new("n", n)];
        let ts = Timestamp::from_unix(1_777_636_800, 0).expect("timestamp");
        Line::new()
            .encode(&Event::new(EventKind::Error).at(ts).fields(&fields))
            .expect("encode")
            .to_vec()
    }
    fn append_n(log: &mut Writer, n: u64) {
        let fields = [Field::new("n", n)];
        let ts = Timestamp::from_unix(1_777_636_800, 0).expect("timestamp");
        log.append(&Event::new(EventKind::Error).at(ts).fields(&fields))
            .expect("append");
    }

    // Every line is as long as the first: `n` has two digits throughout.
    let len = event_line(10).len() as u64;
    assert!((10..30).all(|n| event_line(n).len() as u64 == len));
    let max = 3 * len;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    // No reopen checks: only the rotation's own follow moves `b` to the new file.
    let mut b = options(max).reopen_check(None).open(&path).expect("open b");
    let mut a = options(max).reopen_check(None).open(&path).expect("open a");
    for n in 10..13 {
        append_n(&mut b, n);
    }
    assert_eq!(b.known_size(), max, "b filled the file to the maximum");
    // `a` rotates b's full file away and writes two lines to the new one.
    a.rotate().expect("rotate");
    append_n(&mut a, 20);
    append_n(&mut a, 21);
    // `b` still counts a full file: its next line is due to rotate. Under the lock it
    // follows the name to a's file, where the line fits exactly.
    append_n(&mut b, 13);
    let stats = b.stats();
    assert_eq!((stats.rotations, stats.reopens), (0, 1), "{stats:?}");
    assert_eq!(numbers(&path), [20, 21, 13]);
    assert_eq!(std::fs::metadata(&path).expect("stat").len(), max);
    assert_eq!(numbers(&dir.path().join("log.1")), [10, 11, 12]);
    assert!(!dir.path().join("log.2").exists(), "rotated once, by a");
}
