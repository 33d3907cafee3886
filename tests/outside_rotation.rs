//! Rotation done by someone else: logrotate's default rename + create, deletion of the active
//! file, and `copytruncate`; and how the files look to a tailer that tracks inodes.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, Instant};

use logwriter::{Event, EventKind, Field, Options, ReopenCheck, Timestamp, Writer};

mod lock_waiters;
mod rotation_support;
mod timing;
use lock_waiters::{lock_waiter_on, locked_file, wait_for_lock_waiter};
use rotation_support::{
    child, fifo_reader, mkfifo, numbers, role, series_files, strace_usable, traced,
};
use timing::until_timed;

/// An event numbered `n`, stamped by the writer.
fn append(log: &mut Writer, n: u64) {
    append_at(log, n, None);
}

fn every(appends: u32) -> Options {
    Options::new().no_rotation().reopen_check(Some(ReopenCheck {
        appends,
        interval: Duration::from_secs(3600),
    }))
}

/// A writer with a check at every append of `sub/log`, row 0 appended.
fn every_append_in(sub: &Path) -> (std::path::PathBuf, Writer) {
    let log_path = sub.join("log");
    let mut log = every(1).open(&log_path).expect("open");
    append(&mut log, 0);
    (log_path, log)
}

/// Deletes the directory `dir` with what it holds and puts a regular file at its path, so
/// that neither it nor a file in it can be made again.
fn replace_dir_with_file(dir: &Path) {
    fs::remove_dir_all(dir).expect("rm -r");
    fs::write(dir, b"not a directory").expect("a file at the directory's path");
}

/// The row numbered `n`, appended; the append's result.
fn try_append(log: &mut Writer, n: u64) -> Result<(), logwriter::Error> {
    log.append(&Event::new(EventKind::Renew).fields(&[Field::new("n", n)]))
}

/// A log whose directory is deleted, and perhaps made again, by someone else: the next
/// reopen check opens the directory at the path again (making it if need be), so the
/// writer's lines do not go on into a deleted file.
#[test]
fn a_deleted_directory_is_opened_again_at_the_next_check() {
    for recreated in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let sub = dir.path().join("sub");
        let (log_path, mut log) = every_append_in(&sub);
        fs::remove_dir_all(&sub).expect("rm -r");
        if recreated {
            fs::create_dir(&sub).expect("mkdir");
        }
        append(&mut log, 1);
        append(&mut log, 2);
        assert_eq!(numbers(&log_path), [1, 2], "recreated: {recreated}");
        let stats = log.stats();
        assert_eq!((stats.reopens, stats.housekeeping_errors), (1, 0));
    }
}

/// A deleted log that the reopen check cannot make again (its directory replaced by a
/// regular file, so neither the file nor the directory can be made): the lines, which
/// would go to the deleted file, are refused with the check's error and counted lost,
/// not acknowledged. The first check that can make the file ends it. A log renamed
/// away, not deleted, keeps its lines as before, though the check fails too.
#[test]
fn lines_for_a_deleted_file_that_cannot_be_made_again_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("sub");
    let (log_path, mut log) = every_append_in(&sub);
    replace_dir_with_file(&sub);
    let ts = Timestamp::from_unix(1_777_636_800, 0).expect("in range");
    let fields = [Field::new("n", 1)];
    let event = Event::new(EventKind::Renew).fields(&fields).at(ts);
    let mut line = logwriter::Line::new();
    let len = line.encode(&event).expect("encode").len() as u64;
    for _ in 0..2 {
        let err = log.append(&event).expect_err("a line for a deleted file");
        assert_eq!(err.raw_os_error(), Some(20), "ENOTDIR: {err}");
        assert_eq!(err.path(), Some(log_path.as_path()), "{err}");
    }
    let stats = log.stats();
    assert_eq!(
        (stats.appends, stats.failed, stats.bytes_lost),
        (1, 2, 2 * len)
    );
    assert_eq!((stats.housekeeping_errors, stats.reopens), (2, 0));

    fs::remove_file(&sub).expect("rm");
    append(&mut log, 3);
    assert_eq!(numbers(&log_path), [3]);
    assert_eq!((log.stats().appends, log.stats().reopens), (2, 1));

    // Renamed away with a directory put at the name: the check fails, the file keeps a
    // name, and the lines go on to it.
    let moved = sub.join("moved");
    fs::rename(&log_path, &moved).expect("rename");
    fs::create_dir(&log_path).expect("a directory at the log's name");
    append(&mut log, 4);
    assert_eq!(numbers(&moved), [3, 4]);
    assert_eq!(log.stats().housekeeping_errors, 3);

    // Without periodic checks nothing of the writer's own would end a refusal: a failed
    // `check_now` leaves the lines going to the file held, as before.
    let alone = dir.path().join("alone");
    let mut log = Options::new()
        .no_rotation()
        .reopen_check(None)
        .open(alone.join("log"))
        .expect("open");
    replace_dir_with_file(&alone);
    log.check_now();
    assert_eq!(log.stats().housekeeping_errors, 1);
    append(&mut log, 5);
    assert_eq!(log.stats().failed, 0);
}

/// A writer of `dir/log`, which holds one line short of the maximum (6,400 bytes), with
/// checks at 1,000 appends, an hour, or 100 bytes of its own: its first append is due to
/// rotate, long before a check is due, so it is the rotation that finds what changed.
fn due_to_rotate(dir: &Path) -> (std::path::PathBuf, Writer) {
    let log_path = dir.join("log");
    fs::create_dir_all(dir).expect("mkdir");
    fs::write(&log_path, "x".repeat(6390) + "\n").expect("a nearly full log");
    let log = Options::new()
        .max_size(6400)
        .max_files(2)
        .reopen_check(Some(ReopenCheck {
            appends: 1000,
            interval: Duration::from_secs(3600),
        }))
        .open(&log_path)
        .expect("open");
    (log_path, log)
}

/// A rotation that finds the file held deleted, and cannot make it again, refuses the line
/// as a reopen check does, rather than write it to the deleted file; so do the appends
/// after it, until a check succeeds.
#[test]
fn a_rotation_that_cannot_make_the_deleted_file_again_refuses_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, mut log) = due_to_rotate(dir.path());
    fs::remove_file(&log_path).expect("rm");
    fs::create_dir(&log_path).expect("a directory at the log's name");
    let results: Vec<bool> = (1..4).map(|n| try_append(&mut log, n).is_ok()).collect();
    // The first is refused by its rotation, the next by the refusal it left.
    assert_eq!(results, [false; 3]);
    let stats = log.stats();
    assert_eq!(
        (stats.rotations, stats.checks, stats.failed),
        (0, 0, 3),
        "{stats:?}"
    );
    assert_eq!(stats.housekeeping_errors, 1, "{stats:?}");

    // The name free again: the next check makes the file, and appends go on in it.
    fs::remove_dir(&log_path).expect("rmdir");
    log.check_now();
    append(&mut log, 8);
    assert_eq!(numbers(&log_path), [8]);
}

/// A `rotate()` asked for by the caller that finds the file held deleted, and cannot make
/// it again, leaves the writer refusing lines as a rotation an append makes does: the lines
/// after it are refused, not written to the deleted file and acknowledged, until the name
/// is free and a rotation or check succeeds. The refusal also covers a rotation that cannot
/// take its lock and cannot follow the name.
#[test]
fn an_explicit_rotation_that_cannot_make_the_deleted_file_again_refuses_later_lines() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, mut log) = due_to_rotate(dir.path());
    let lock_path = dir.path().join("log.lock");
    for lockable in [true, false] {
        if !lockable {
            fs::remove_dir(&log_path).expect("rmdir");
            log.check_now();
            append(&mut log, 0);
            fs::remove_file(&lock_path).expect("rm lock");
            fs::create_dir(&lock_path).expect("a directory at the lock's name");
        }
        fs::remove_file(&log_path).expect("rm");
        fs::create_dir(&log_path).expect("a directory at the log's name");
        let failed = log.stats().failed;
        let err = log.rotate().expect_err("no file can be made at the name");
        assert_eq!(err.raw_os_error(), Some(21), "EISDIR: {err}");
        let refused = try_append(&mut log, 1).expect_err("a line for a deleted file");
        assert_eq!((refused.op(), refused.raw_os_error()), (err.op(), Some(21)));
        assert_eq!(log.stats().failed, failed + 1, "{:?}", log.stats());
    }
    fs::remove_dir(&lock_path).expect("rmdir lock");
    fs::remove_dir(&log_path).expect("rmdir");
    log.rotate().expect("rotate");
    append(&mut log, 2);
    assert_eq!(numbers(&log_path), [2]);
}

/// A rotation that finds the log's directory deleted makes it again, as a check does (for
/// a log named by an absolute path), and takes its lock there: the line goes to the new
/// file, not refused. (The lock file was once opened in the deleted directory first, and
/// the rotation failed with `ENOENT`; the lines were then refused until the next check.)
#[test]
fn a_rotation_that_finds_the_directory_deleted_makes_it_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("sub");
    let (log_path, mut log) = due_to_rotate(&sub);
    fs::remove_dir_all(&sub).expect("rm -r");
    append(&mut log, 1);
    append(&mut log, 2);
    assert_eq!(numbers(&log_path), [1, 2]);
    assert!(
        sub.join("log.lock").exists(),
        "the lock was taken in the new directory"
    );
    let stats = log.stats();
    assert_eq!(
        (stats.failed, stats.housekeeping_errors, stats.reopens),
        (0, 0, 1),
        "{stats:?}"
    );
}

/// A rotation that cannot take its lock, while the file held has been deleted, still moves
/// the writer to a file made again at the log's name before it would refuse the line: the
/// lock is needed to rotate, not to follow the path, which a check does without it.
#[test]
fn a_rotation_that_cannot_lock_follows_a_deleted_file_to_the_new_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, mut log) = due_to_rotate(dir.path());
    // `open(2)` of the lock file fails: a directory is at its name.
    fs::create_dir(dir.path().join("log.lock")).expect("a directory at the lock's name");
    fs::remove_file(&log_path).expect("rm");
    append(&mut log, 1);
    append(&mut log, 2);
    assert_eq!(numbers(&log_path), [1, 2]);
    let stats = log.stats();
    assert_eq!(
        (stats.failed, stats.rotations, stats.reopens),
        (0, 0, 1),
        "{stats:?}"
    );
    assert_eq!(
        stats.housekeeping_errors, 1,
        "the lock's failure: {stats:?}"
    );
}

/// A rotation that makes the deleted file again ends the refusal, as a check does: the
/// next append, which makes no check, is written to the new file.
#[test]
fn a_rotation_that_makes_the_file_again_ends_the_refusal() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log_path = dir.path().join("log");
    // A check every other append: the append after the rotation makes none.
    let mut log = Options::new()
        .max_size(1 << 20)
        .max_files(2)
        .reopen_check(Some(ReopenCheck {
            appends: 2,
            interval: Duration::from_secs(3600),
        }))
        .open(&log_path)
        .expect("open");
    append(&mut log, 0);
    fs::remove_file(&log_path).expect("rm");
    fs::create_dir(&log_path).expect("a directory at the log's name");
    let err = try_append(&mut log, 1).expect_err("a line for a deleted file");
    assert_eq!(err.raw_os_error(), Some(21), "EISDIR: {err}");
    fs::remove_dir(&log_path).expect("rmdir");
    log.rotate().expect("rotate");
    append(&mut log, 2);
    assert_eq!(numbers(&log_path), [2]);
    assert_eq!(log.stats().failed, 1);
}

/// A FIFO with a reader that loses its name (and cannot be opened again at the path) still
/// takes the writer's lines: its reader gets them, so they are not refused.
#[test]
fn lines_for_a_fifo_that_lost_its_name_still_reach_its_reader() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("fifo");
    mkfifo(&path);
    let reader = fifo_reader(&path);
    let mut log = every(1).open(&path).expect("open");
    fs::remove_file(&path).expect("rm");
    fs::create_dir(&path).expect("a directory at the FIFO's name");
    append(&mut log, 7);
    let stats = log.stats();
    assert_eq!(
        (stats.appends, stats.failed, stats.housekeeping_errors),
        (1, 0, 1)
    );
    let mut buf = [0u8; 4096];
    let n = File::from(reader).read(&mut buf).expect("read the FIFO");
    let text = std::str::from_utf8(&buf[..n]).expect("UTF-8");
    assert!(text.ends_with("\"n\":7}\n"), "{text:?}");
}

/// A deleted file whose last line was cut short (a fragment the writer must end first)
/// is refused like any other: ending the fragment does not send the line on.
#[test]
fn a_deleted_file_with_a_fragment_to_end_is_refused_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("sub");
    let log_path = sub.join("log");
    fs::create_dir(&sub).expect("mkdir");
    fs::write(&log_path, b"{\"ts\":\"2026-05-01T12:00:00Z\",\"ev").expect("a fragment");
    let mut log = every(1).open(&log_path).expect("open");
    replace_dir_with_file(&sub);
    let err = try_append(&mut log, 1)
        .expect_err("a line for a deleted file, though a fragment waits to be ended");
    assert_eq!(err.raw_os_error(), Some(20), "ENOTDIR: {err}");
    let stats = log.stats();
    assert_eq!(
        (stats.appends, stats.failed, stats.bytes_written),
        (0, 1, 0)
    );
}

#[test]
fn rename_and_create_is_followed_within_the_append_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, rotated) = (dir.path().join("log"), dir.path().join("log.1"));
    let mut log = every(4).open(&log_path).expect("open");
    append(&mut log, 0);
    append(&mut log, 1);
    log.check_now();
    // logrotate `create`: rename, then a new empty file at the path.
    fs::rename(&log_path, &rotated).expect("rename");
    File::create(&log_path).expect("create");
    for n in 2..10 {
        append(&mut log, n);
    }
    // Appends 1-3 after the check go to the renamed file; the 4th checks first.
    assert_eq!(numbers(&rotated), [0, 1, 2, 3, 4]);
    assert_eq!(numbers(&log_path), [5, 6, 7, 8, 9]);
    assert_eq!(log.stats().reopens, 1);
    assert_eq!(log.stats().housekeeping_errors, 0);
}

/// A writer whose check is due only by time, never by count.
fn timed(log_path: &Path, interval: Duration) -> Writer {
    Options::new()
        .no_rotation()
        .reopen_check(Some(ReopenCheck {
            appends: u32::MAX,
            interval,
        }))
        .open(log_path)
        .expect("open")
}

/// An event numbered `n`, stamped by the writer or carrying `ts`.
fn append_at(log: &mut Writer, n: u64, ts: Option<Timestamp>) {
    let fields = [Field::new("n", n)];
    let event = Event::new(EventKind::Renew).fields(&fields);
    let event = match ts {
        Some(ts) => event.at(ts),
        None => event,
    };
    log.append(&event).expect("append");
}

/// Child side: 100 appends with a check every 10, after a marker on stdout.
fn one_stat_child(dir: &Path) {
    let mut log = every(10).open(dir.join("log")).expect("open");
    println!("appending");
    for n in 0..100 {
        append(&mut log, n);
    }
    assert_eq!((log.stats().checks, log.stats().reopens), (10, 0));
    println!("one-stat-child-done");
}

/// A reopen check that finds the same file is one `statx(2)`, of the name: the writer knows
/// which file its descriptor holds from the open (an inode is not reused while a descriptor
/// holds it), so it does not stat the descriptor again.
#[test]
fn a_check_is_one_statx_of_the_name() {
    const DIR: &str = "LOGWRITER_TEST_DIR";
    if role().as_deref() == Some("one-stat") {
        return one_stat_child(Path::new(&std::env::var(DIR).expect(DIR)));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut test = child("a_check_is_one_statx_of_the_name", "one-stat");
    test.env(DIR, dir.path());
    let Some((_, trace)) = traced(&test, "statx,write", &[], "one-stat-child-done") else {
        return;
    };
    let (_, appending) = trace
        .split_once("appending")
        .expect("the marker in the trace");
    let stats: Vec<&str> = appending.lines().filter(|l| l.contains("statx(")).collect();
    assert_eq!(stats.len(), 10, "one statx a check: {stats:#?}");
    assert!(
        stats.iter().all(|l| l.contains("\"log\"")),
        "each of the name: {stats:#?}"
    );
}

#[test]
fn rename_and_create_is_followed_within_the_time_bound() {
    // Stamped by the writer (the stamp's clock reading times the check), and with a
    // timestamp of the event's own, far in the past (the coarse clock times it).
    for ts in [None, Timestamp::from_unix(1_000_000_000, 0)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let (log_path, rotated) = (dir.path().join("log"), dir.path().join("log.1"));
        let mut log = timed(&log_path, Duration::from_millis(100));
        append_at(&mut log, 0, ts);
        fs::rename(&log_path, &rotated).expect("rename");
        // The time bound is what is tested: let it pass.
        std::thread::sleep(Duration::from_millis(250));
        append_at(&mut log, 1, ts);
        assert_eq!(numbers(&rotated), [0], "{ts:?}");
        assert_eq!(numbers(&log_path), [1], "{ts:?}");
        assert_eq!(log.stats().reopens, 1, "{ts:?}");
    }
}

/// A check that fails (a directory is now at the log's name, so it cannot be reopened) is
/// still a check: the appends after it wait for the next bound, here a 64th of the maximum
/// size in the writer's own bytes, instead of each checking (and failing) again.
#[test]
fn a_failed_check_restarts_the_period_too() {
    const MAX_SIZE: u64 = 1 << 20;
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, moved) = (dir.path().join("log"), dir.path().join("moved"));
    let mut log = Options::new()
        .max_size(MAX_SIZE)
        .reopen_check(Some(ReopenCheck {
            appends: u32::MAX,
            interval: Duration::from_secs(3600),
        }))
        .open(&log_path)
        .expect("open");
    let ts = Timestamp::from_unix(1_777_636_800, 0);
    append_at(&mut log, 0, ts);
    fs::rename(&log_path, &moved).expect("rename");
    fs::create_dir(&log_path).expect("a directory at the log's name");
    for n in 1..2000 {
        append_at(&mut log, n, ts);
    }
    let bytes = log.stats().bytes_written;
    assert!(bytes < MAX_SIZE, "no rotation: {bytes}");
    // One check for each 64th of the maximum size written, at most.
    let checks = bytes / (MAX_SIZE / 64);
    let failed = log.stats().housekeeping_errors;
    assert!(
        (1..=checks).contains(&failed),
        "{failed} failed checks in {bytes} bytes, at most {checks} expected"
    );
    assert_eq!(
        log.stats().checks,
        failed,
        "each check failed, and is counted"
    );
    assert_eq!(numbers(&moved), (0..2000).collect::<Vec<_>>());
}

/// `Stats::checks` counts every reopen check, whatever made it due: the append bound, the
/// writer's own bytes (a 64th of the maximum size), or `check_now`.
#[test]
fn checks_are_counted_whatever_made_them_due() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut log = every(10).open(dir.path().join("counted")).expect("open");
    for n in 0..100 {
        append(&mut log, n);
    }
    // Before the 10th, 20th, ... 100th append.
    assert_eq!(log.stats().checks, 10);
    log.check_now();
    assert_eq!(log.stats().checks, 11);

    // Lines of one length `line` (one timestamp, one `n`), a maximum size of 256 lines:
    // a check every 4 lines of the writer's own, before the 5th, 9th, ... append.
    let ts = Timestamp::from_unix(1_777_636_800, 0);
    let mut probe = every(u32::MAX)
        .open(dir.path().join("probe"))
        .expect("open");
    append_at(&mut probe, 7, ts);
    let line = probe.known_size();
    let mut log = Options::new()
        .max_size(256 * line)
        .reopen_check(Some(ReopenCheck {
            appends: u32::MAX,
            interval: Duration::from_secs(3600),
        }))
        .open(dir.path().join("sized"))
        .expect("open");
    for _ in 0..101 {
        append_at(&mut log, 7, ts);
    }
    let stats = log.stats();
    assert_eq!((stats.rotations, stats.checks, stats.reopens), (0, 25, 0));
}

#[test]
fn a_check_due_by_time_restarts_the_period() {
    let interval = Duration::from_millis(250);
    until_timed("a_check_due_by_time_restarts_the_period", || {
        let dir = tempfile::tempdir().expect("tempdir");
        let (log_path, rotated) = (dir.path().join("log"), dir.path().join("log.1"));
        let mut log = timed(&log_path, interval);
        append(&mut log, 0);
        // The interval is what is tested: let it pass. The next append checks (and finds
        // the same file); the one after it, within the interval, must not check again.
        std::thread::sleep(Duration::from_millis(350));
        let checked = Instant::now();
        append(&mut log, 1);
        fs::rename(&log_path, &rotated).expect("rename");
        append(&mut log, 2);
        if checked.elapsed() >= interval {
            return false;
        }
        assert_eq!(numbers(&rotated), [0, 1, 2]);
        assert_eq!(log.stats().reopens, 0);
        true
    });
}

#[test]
fn an_events_own_timestamp_does_not_time_the_check() {
    // Timestamps decades from the clock: were they taken for the time, every append would
    // find the hour gone by and check.
    let far = [
        Timestamp::UNIX_EPOCH,
        Timestamp::from_unix(1_000_000_000, 0).expect("2001"),
        Timestamp::MAX,
    ];
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, rotated) = (dir.path().join("log"), dir.path().join("log.1"));
    let mut log = timed(&log_path, Duration::from_secs(3600));
    fs::rename(&log_path, &rotated).expect("rename");
    for (n, ts) in (0..).zip(far) {
        append_at(&mut log, n, Some(ts));
    }
    // No check, so all went to the file the writer holds.
    assert_eq!(numbers(&rotated), [0, 1, 2]);
    assert!(!log_path.exists());
    assert_eq!(log.stats().reopens, 0);
}

#[test]
fn deleted_file_is_recreated_and_lines_before_the_check_are_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log_path = dir.path().join("log");
    let mut log = every(4).open(&log_path).expect("open");
    append(&mut log, 0);
    log.check_now();
    fs::remove_file(&log_path).expect("delete");
    for n in 1..8 {
        append(&mut log, n);
    }
    // 1-3 went to the deleted file: gone with it.
    assert_eq!(numbers(&log_path), [4, 5, 6, 7]);
    assert_eq!(log.stats().reopens, 1);
    assert_eq!(log.stats().appends, 8);
}

/// logrotate `copytruncate` copies the file, then truncates it in place. The writer is not
/// told and needs not be: its `O_APPEND` writes land at the new end of the truncated file
/// (no hole of NULs, as a writer keeping its own offset would leave), and no reopen happens
/// (it is the same file). What is written between the copy and the truncation is lost: it
/// is in neither file.
#[test]
fn copytruncate_loses_the_lines_between_copy_and_truncate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, copy) = (dir.path().join("log"), dir.path().join("log.1"));
    let mut log = every(4).open(&log_path).expect("open");
    for n in 0..3 {
        append(&mut log, n);
    }
    fs::copy(&log_path, &copy).expect("copy");
    append(&mut log, 3); // between the copy and the truncation
    OpenOptions::new()
        .write(true)
        .open(&log_path)
        .expect("open for truncation")
        .set_len(0)
        .expect("truncate");
    append(&mut log, 4);
    append(&mut log, 5);

    assert_eq!(numbers(&copy), [0, 1, 2]);
    assert_eq!(numbers(&log_path), [4, 5], "line 3 is lost, nothing else");
    assert!(
        !fs::read(&log_path).expect("read").contains(&0),
        "no hole of NULs"
    );
    // The writer's size estimate is too large until its next check, which corrects it.
    let size = fs::metadata(&log_path).expect("stat").len();
    assert!(log.known_size() > size);
    log.check_now();
    assert_eq!(log.known_size(), size);
    assert_eq!(log.stats().reopens, 0);
}

/// A tailer that follows by inode (Fluent Bit, Vector, Filebeat, Promtail…) keeps its
/// descriptor on the renamed file and reads it to the end, then opens the new file at the
/// path: it sees every line once. Nothing is ever truncated or copied.
#[test]
fn inode_tracking_tailer_reads_every_line_once_across_rotations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log_path = dir.path().join("log");
    let mut log = Options::new().max_files(10).open(&log_path).expect("open");
    let mut seen = Vec::new();
    let mut tail = File::open(&log_path).expect("tailer opens the log");
    let mut n = 0;
    for _ in 0..3 {
        for _ in 0..3 {
            append(&mut log, n);
            n += 1;
        }
        let inode = tail.metadata().expect("fstat").ino();
        log.rotate().expect("rotate");
        // The tailer's file is now log.1: same inode, renamed, never truncated.
        assert_eq!(
            fs::metadata(dir.path().join("log.1")).expect("stat").ino(),
            inode
        );
        let mut text = String::new();
        tail.read_to_string(&mut text).expect("read to the end");
        seen.extend(text.lines().map(|line| {
            serde_json::from_str::<serde_json::Value>(line).expect("line")["n"]
                .as_u64()
                .expect("n")
        }));
        // The path now names a different inode: the tailer moves to it.
        assert_ne!(fs::metadata(&log_path).expect("stat").ino(), inode);
        tail = File::open(&log_path).expect("open the new file");
    }
    assert_eq!(seen, (0..9).collect::<Vec<u64>>());
}

/// The limit the README states: a writer that has not noticed rotations keeps appending to
/// the file it holds; when other writers' rotations drop that file as the oldest backup
/// before its next check, the lines it appends meanwhile are lost though `append` returned
/// `Ok`. The next check moves it to the live file.
#[test]
fn lines_appended_to_a_dropped_backup_are_lost_until_the_next_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let rotating = || {
        Options::new()
            .max_size(1 << 20)
            .max_files(2)
            .reopen_check(Some(ReopenCheck {
                appends: 1000,
                interval: Duration::from_secs(3600),
            }))
            .open(&path)
            .expect("open")
    };
    let (mut late, mut other) = (rotating(), rotating());
    append(&mut late, 0);
    // `late`'s file becomes log.1, then log.2, then is dropped.
    for _ in 0..3 {
        other.rotate().expect("rotate");
    }
    append(&mut late, 1);
    assert_eq!(late.stats().failed, 0, "the lost line is not reported");
    late.check_now();
    append(&mut late, 2);

    let found = series_numbers(dir.path());
    // Line 0 aged out with its file, as backups do; line 1 was appended to it after that.
    assert_eq!(found, [2], "lines 0 and 1 went with the dropped file");
    assert_eq!(late.stats().reopens, 1);
}

/// Every row number of the series of `log` at `dir`, oldest file first.
fn series_numbers(dir: &Path) -> Vec<u64> {
    series_files(dir, "log")
        .iter()
        .rev()
        .flat_map(|(_, path)| numbers(path))
        .collect()
}

/// Options at the size of the tests of shared logs: 64 KiB files (unless a test sets its
/// own), so that a check by bytes comes only after a KiB of a writer's own lines, and checks
/// by count or time not within a test.
fn sized(max_files: u32) -> Options {
    Options::new()
        .max_size(64 << 10)
        .max_files(max_files)
        .reopen_check(Some(ReopenCheck {
            appends: 1024,
            interval: Duration::from_secs(3600),
        }))
}

/// The limit the README states for writers with different `max_size`: the one with the
/// larger maximum checks at its own pace (a 64th of its own maximum), so the other's small
/// files can rotate `max_files + 1` times between two of its checks, and its line goes with
/// the dropped file. With the same `max_size` it checks in time and the line is kept.
#[test]
fn a_writer_with_a_larger_max_size_can_lose_lines_to_smaller_rotations() {
    let kept = |big_max_size: u64| {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        let options = |max_size| sized(5).max_size(max_size);
        let mut big = options(big_max_size).open(&path).expect("open");
        let mut small = options(4096).open(&path).expect("open");
        // Stamped in advance, so that every line's length is known.
        let ts = Timestamp::from_unix(1_777_636_800, 0);
        // Two lines: over a 64th of 4096 bytes, so that a check is due at its next append
        // if its maximum is 4096 too.
        append_at(&mut big, 1_000_000, ts);
        append_at(&mut big, 1_000_001, ts);
        // 7 rotations of small files, more than `max_files + 1` (6).
        for n in 0..600 {
            append_at(&mut small, n, ts);
        }
        append_at(&mut big, 1_000_002, ts);
        assert_eq!(small.stats().rotations, 7);
        assert_eq!(big.stats().failed, 0, "a lost line is not reported");
        let found = series_numbers(dir.path());
        assert!(found.ends_with(&[599]) || found.ends_with(&[599, 1_000_002]));
        found.contains(&1_000_002)
    };
    assert!(
        !kept(logwriter::DEFAULT_MAX_SIZE),
        "lost with the default 10 MiB"
    );
    assert!(kept(4096), "kept with the same maximum");
}

/// The limit the README states for writers with different `max_files`: a writer with 5
/// backups loses its lines in a rotated file once the smallest `max_files` + 1 rotations go
/// by between two of its checks (two, beside a writer that keeps one backup), not its own
/// `max_files` + 1. Beside a writer that keeps 5 too, two rotations lose nothing.
#[test]
fn a_writer_with_more_backups_loses_lines_at_the_smallest_max_files() {
    for (other_files, kept) in [(1, false), (2, true), (5, true)] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        let mut many = sized(5).open(&path).expect("open");
        let mut few = sized(other_files).open(&path).expect("open");
        append(&mut many, 0);
        few.rotate().expect("rotate");
        few.rotate().expect("rotate");
        append(&mut many, 1);
        assert_eq!(many.stats().failed, 0, "a lost line is not reported");
        assert_eq!(many.stats().checks, 0, "{other_files}");
        let expected: &[u64] = if kept { &[0, 1] } else { &[] };
        assert_eq!(
            series_numbers(dir.path()),
            expected,
            "beside {other_files} backups"
        );
    }
}

/// A writer that does not rotate (`no_rotation`, or `append_once`) takes a rotating log
/// past the overshoot bound, which does not count it; the writer that rotates checks the
/// size at the append that comes once its own bytes reach a 64th of its maximum, and
/// rotates the file in that append.
#[test]
fn a_writer_without_rotation_takes_the_file_past_the_bound_until_a_rotating_writer_checks() {
    for once in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("log");
        let mut rotating = sized(5).open(&path).expect("open");
        let mut plain = sized(5).no_rotation().open(&path).expect("open");
        let text = "x".repeat(3000);
        // The rotating writer's own lines, up to its check by bytes (a KiB).
        let mut n = 0;
        while fs::metadata(&path).expect("stat").len() < 60 << 10 {
            append(&mut rotating, n);
            n += 1;
        }
        let checks = rotating.stats().checks;
        // 100 lines of about 3 KB from the writer that does not rotate, without a check.
        for m in 0..100 {
            let fields = [
                Field::new("n", 1_000_000 + m),
                Field::new("text", text.as_str()),
            ];
            let event = Event::new(EventKind::Renew).fields(&fields);
            if once {
                logwriter::append_once(&path, &event).expect("append_once");
            } else {
                plain.append(&event).expect("append");
            }
        }
        assert_eq!(plain.stats().checks, 0);
        assert_eq!(plain.stats().appends, if once { 0 } else { 100 });
        let grown = fs::metadata(&path).expect("stat").len();
        // The bound with two writers: 64 KiB + min(1024 × 4096, 1024 − 1 + 4096).
        assert!(grown > (64 << 10) + 1023 + 4096, "{grown} bytes");
        assert!(!dir.path().join("log.1").exists(), "nothing rotated yet");
        // The rotating writer checks once its own bytes since its last check reach a KiB
        // (its lines are under 100 bytes), finds the size, and rotates in that append.
        let before = n;
        while rotating.stats().rotations == 0 && n < before + 20 {
            append(&mut rotating, n);
            n += 1;
        }
        assert!(rotating.stats().checks > checks, "once: {once}");
        assert_eq!(rotating.stats().rotations, 1, "once: {once}");
        let rotated = numbers(&dir.path().join("log.1"));
        assert_eq!(rotated.iter().filter(|&&m| m >= 1_000_000).count(), 100);
        let before_rotation: Vec<u64> = (before..n - 1).collect();
        assert!(rotated.ends_with(&before_rotation), "{before_rotation:?}");
        assert_eq!(
            numbers(&path),
            [n - 1],
            "the line that rotated starts the new file"
        );
    }
}

/// After a crash that left a hole in a series of 5 backups (`log.3` missing), a writer that
/// keeps 2 drops only from the run below the hole: `log.4` and `log.5` stay as they are, as
/// the README says, until a writer whose `max_files` reaches the hole fills it.
#[test]
fn backups_above_a_hole_stay_until_a_writer_with_enough_backups_rotates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let row =
        |n: u64| format!("{{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"n\":{n}}}\n");
    for (name, n) in [
        ("log.5", 5),
        ("log.4", 4),
        ("log.2", 2),
        ("log.1", 1),
        ("log", 0),
    ] {
        fs::write(dir.path().join(name), row(n)).expect("write");
    }
    let mut few = sized(2).open(&path).expect("open");
    for _ in 0..3 {
        few.rotate().expect("rotate");
    }
    assert!(!dir.path().join("log.3").exists());
    assert_eq!(numbers(&dir.path().join("log.4")), [4]);
    assert_eq!(numbers(&dir.path().join("log.5")), [5]);
    let mut many = sized(5).open(&path).expect("open");
    many.rotate().expect("rotate");
    assert!(dir.path().join("log.3").exists(), "the hole is filled");
    assert_eq!(numbers(&dir.path().join("log.4")), [4]);
    assert_eq!(numbers(&dir.path().join("log.5")), [5]);
}

/// Runs `act` on another thread while the test holds every file at `lock_path` and, each
/// time `act` waits for one, replaces it with another locked file before releasing it: 8
/// times, so that each lock `act` gets is on a file that left the name. Checks that `act`
/// then ends without waiting for a ninth; returns its result and the last file, still
/// locked.
fn replaced_at_every_attempt<T: Send + 'static>(
    lock_path: &Path,
    act: impl FnOnce() -> T + Send + 'static,
) -> (T, File) {
    let mut holder = locked_file(lock_path);
    let acting = std::thread::spawn(act);
    let next = lock_path.with_extension("next");
    for _attempt in 0..8 {
        wait_for_lock_waiter(&holder, || acting.is_finished());
        let next_holder = locked_file(&next);
        fs::rename(&next, lock_path).expect("rename");
        // Releases the file the writer waits for, which is no longer at the name.
        holder = next_holder;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !acting.is_finished() {
        assert!(
            !lock_waiter_on(&holder),
            "the writer tried a ninth lock file"
        );
        assert!(std::time::Instant::now() < deadline, "no end after 60 s");
        std::thread::yield_now();
    }
    (acting.join().expect("join"), holder)
}

/// `err` is the rotation's `EAGAIN` for the log at `path`.
fn assert_lock_gave_up(err: &logwriter::Error, path: &Path) {
    assert_eq!(
        err.raw_os_error(),
        Some(rustix::io::Errno::AGAIN.raw_os_error()),
        "{err}"
    );
    assert_eq!(err.op(), logwriter::Op::Lock, "{err}");
    assert_eq!(err.path(), Some(path), "{err}");
}

#[test]
fn a_lock_file_replaced_at_every_attempt_fails_the_rotation_with_eagain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, lock_path) = (dir.path().join("log"), dir.path().join("log.lock"));
    let mut log = Options::new().max_files(3).open(&log_path).expect("open");
    append(&mut log, 0);
    let ((mut log, result), holder) = replaced_at_every_attempt(&lock_path, move || {
        let result = log.rotate();
        (log, result)
    });
    assert_lock_gave_up(&result.expect_err("a rotation with no lock"), &log_path);
    assert_eq!(log.stats().rotations, 0);
    assert!(!dir.path().join("log.1").exists(), "nothing moved");
    assert_eq!(numbers(&log_path), [0]);

    // Once the lock file holds still, the same writer rotates.
    drop(holder);
    log.rotate().expect("rotate");
    assert_eq!(numbers(&dir.path().join("log.1")), [0]);
}

#[test]
fn an_append_whose_rotation_finds_no_lock_is_written_and_the_failure_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, lock_path) = (dir.path().join("log"), dir.path().join("log.lock"));
    let mut log = Options::new()
        .max_size(1)
        .max_files(3)
        .open(&log_path)
        .expect("open");
    append(&mut log, 0);
    let (mut log, holder) = replaced_at_every_attempt(&lock_path, move || {
        append(&mut log, 1); // over the maximum: rotates first
        log
    });
    assert_eq!(numbers(&log_path), [0, 1], "appended to the current file");
    let stats = log.stats();
    assert_eq!((stats.appends, stats.failed, stats.rotations), (2, 0, 0));
    assert_eq!(stats.housekeeping_errors, 1);
    let err = log.take_housekeeping_error().expect("the rotation's error");
    assert_lock_gave_up(&err, &log_path);

    drop(holder);
    append(&mut log, 2);
    assert_eq!(numbers(&dir.path().join("log.1")), [0, 1]);
    assert_eq!(numbers(&log_path), [2]);
}

/// After a rotation, by `rotate` or by an append, the lock is free: another program can
/// take it at once.
#[test]
fn the_rotation_lock_is_released_after_each_rotation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lock_path = dir.path().join("log.lock");
    let free = || {
        let other = File::open(&lock_path).expect("open the lock file");
        rustix::fs::flock(&other, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_ok()
    };
    // Each line is longer than the maximum: every append to a file that is not empty
    // rotates (`rotate` leaves an empty one, which takes the next line as it is).
    let mut log = Options::new()
        .max_size(16)
        .max_files(10)
        .open(dir.path().join("log"))
        .expect("open");
    append(&mut log, 0);
    log.rotate().expect("rotate");
    assert!(free(), "held after rotate()");
    for n in 1..4 {
        append(&mut log, n);
        assert!(free(), "held after a rotating append");
    }
    assert_eq!(log.stats().rotations, 3);
}

/// Child side of the unlock test: one `rotate` of the log in `dir`.
fn unlock_child(dir: &Path) {
    let mut log = Options::new()
        .max_files(3)
        .open(dir.join("log"))
        .expect("open");
    append(&mut log, 0);
    log.rotate().expect("rotate");
    assert_eq!(numbers(&dir.join("log.1")), [0]);
    println!("unlock-child-done");
}

/// From an `strace -y` trace of `flock` and `close`, each descriptor's life from its
/// `LOCK_EX` to its `close`: the descriptor as `-y` shows it at its last call
/// (`5</dir/log.lock>`, then `(deleted)` if the file has left its name), and the operations
/// on it in their order (`LOCK_EX`, `LOCK_UN`, `close`); one never closed has no `close`.
fn lock_lives(trace: &str) -> Vec<(String, Vec<&'static str>)> {
    let mut open: HashMap<u32, (String, Vec<&'static str>)> = HashMap::new();
    let mut lives = Vec::new();
    for line in trace.lines() {
        // `[pid N] ` when strace follows several threads.
        let call = line.split_once("] ").map_or(line, |(_, call)| call);
        let Some((name, args)) = call.split_once('(') else {
            continue;
        };
        let Some(fd) = args
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .and_then(|fd| fd.parse::<u32>().ok())
        else {
            continue;
        };
        // The first argument: up to the flags of `flock`, or the `)` that ends a `close`.
        let described = match args.split_once(", ") {
            Some((fd, _)) => fd,
            None => args.rsplit_once(" = ").map_or(args, |(args, _)| {
                let args = args.trim_end();
                args.strip_suffix(')').unwrap_or(args)
            }),
        };
        match name {
            "flock" if args.contains("LOCK_EX") => {
                open.insert(fd, (described.to_owned(), vec!["LOCK_EX"]));
            }
            "flock" if args.contains("LOCK_UN") => {
                if let Some((_, ops)) = open.get_mut(&fd) {
                    ops.push("LOCK_UN");
                }
            }
            "close" => {
                if let Some((_, mut ops)) = open.remove(&fd) {
                    ops.push("close");
                    lives.push((described.to_owned(), ops));
                }
            }
            _ => {}
        }
    }
    lives.extend(open.into_values());
    lives
}

/// The rotation lock is released with `flock(fd, LOCK_UN)` before its descriptor is
/// closed: the close alone would leave it held while a child forked during the rotation
/// holds the file. So is a lock the writer does not keep, on a lock file replaced while it
/// waited for it (the test holds the file at the name, and once `/proc/locks` shows the
/// writer waiting, renames another file over it and lets it go). Checked in the `strace -y`
/// of a child that rotates once: one descriptor locked, or two when the lock file was
/// replaced, each unlocked and then closed.
#[test]
fn the_rotation_lock_is_unlocked_before_its_descriptor_is_closed() {
    const DIR: &str = "LOGWRITER_TEST_DIR";
    const TEST: &str = "the_rotation_lock_is_unlocked_before_its_descriptor_is_closed";
    if role().as_deref() == Some("unlock") {
        return unlock_child(Path::new(&std::env::var(DIR).expect(DIR)));
    }
    if !strace_usable() {
        return;
    }
    for replaced in [false, true] {
        let dir = tempfile::tempdir().expect("tempdir");
        let dir_path = dir.path().canonicalize().expect("canonical");
        let lock_path = dir_path.join("log.lock");
        let mut test = child(TEST, "unlock");
        test.env(DIR, &dir_path);
        let holder = replaced.then(|| locked_file(&lock_path));
        let tracing = std::thread::spawn(move || {
            traced(&test, "flock,close", &["-y"], "unlock-child-done").expect("strace usable")
        });
        if let Some(holder) = holder {
            wait_for_lock_waiter(&holder, || tracing.is_finished());
            let next = lock_path.with_extension("next");
            fs::write(&next, "").expect("next lock file");
            fs::rename(&next, &lock_path).expect("rename");
            // Releases the file the writer waits for, which is no longer at the name.
            drop(holder);
        }
        let (_, trace) = tracing.join().expect("join");
        let lives = lock_lives(&trace);
        assert_eq!(lives.len(), 1 + usize::from(replaced), "{trace}");
        let lock_name = format!("<{}>", lock_path.display());
        for (fd, ops) in &lives {
            assert!(fd.contains(&lock_name), "{fd}: {trace}");
            assert_eq!(ops, &["LOCK_EX", "LOCK_UN", "close"], "{fd}: {trace}");
        }
        // The file the writer did not keep is the one the rename took the name from.
        if replaced {
            assert!(lives[0].0.ends_with(">(deleted)"), "{trace}");
            assert!(!lives[1].0.ends_with(">(deleted)"), "{trace}");
        }
    }
}

#[test]
fn a_lock_file_deleted_or_replaced_still_excludes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, lock_path) = (dir.path().join("log"), dir.path().join("log.lock"));
    let mut log = Options::new().max_files(10).open(&log_path).expect("open");
    append(&mut log, 0);
    log.rotate().expect("rotate"); // makes log.lock

    // Deleted, as a cleanup of lock files that look stale would: the writer locks the name.
    fs::remove_file(&lock_path).expect("remove");
    append(&mut log, 1);
    log.rotate().expect("rotate");
    assert!(lock_path.exists(), "the rotation recreated the lock file");

    // Replaced, and locked by someone else: the writer's next rotation waits for them.
    fs::remove_file(&lock_path).expect("remove");
    let holder = File::create(&lock_path).expect("create");
    rustix::fs::flock(&holder, rustix::fs::FlockOperation::LockExclusive).expect("flock");
    append(&mut log, 2);
    let rotating = std::thread::spawn(move || log.rotate().map(|()| log));
    wait_for_lock_waiter(&holder, || rotating.is_finished());
    assert!(
        !dir.path().join("log.3").exists(),
        "nothing moves under the lock"
    );
    drop(holder);
    let log = rotating.join().expect("join").expect("rotate");
    assert_eq!(log.stats().rotations, 3);
    for (name, n) in [("log.1", 2), ("log.2", 1), ("log.3", 0)] {
        assert_eq!(numbers(&dir.path().join(name)), [n], "{name}");
    }
}
