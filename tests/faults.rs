//! Faults while appending: the disk full (`/dev/full` and a 64 KiB tmpfs), the file-size
//! limit (`RLIMIT_FSIZE` with `SIGXFSZ` ignored, so `write(2)` fails with `EFBIG`), and the
//! short writes both cause, which leave a partial line.
//!
//! Every fault returns an error and the process carries on; the partial line is ended with
//! `\n` before the next line, so every later line parses; `Stats::failed` and
//! `Stats::bytes_lost` count exactly the lines that did not reach the file whole.
//!
//! The limits are set in child processes: `RLIMIT_FSIZE` would hit every test thread, and
//! mounting needs a mount namespace of its own.

mod rotation_support;

use std::path::{Path, PathBuf};

use logwriter::{
    append_once, Durability, ErrorKind, Event, EventKind, Field, Line, Op, Options, ReopenCheck,
    Timestamp, Writer,
};
use rotation_support::{
    assert_child_done, child, child_ignoring_sigxfsz, in_mount_namespace, mount_namespace_usable,
    role, traced,
};
use rustix::io::Errno;
use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};

const DIR: &str = "LOGWRITER_TEST_DIR";
const BLOB: &str = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

/// Line `n`: about 150 bytes, fixed timestamp, so its length is known in advance.
fn append_numbered(log: &mut Writer, n: u64) -> Result<(), logwriter::Error> {
    let fields = [Field::new("n", n), Field::new("blob", BLOB)];
    let ts = Timestamp::from_unix(1_777_636_800, 0).expect("timestamp");
    log.append(&Event::new(EventKind::Error).at(ts).fields(&fields))
}

fn line_len(n: u64) -> u64 {
    let fields = [Field::new("n", n), Field::new("blob", BLOB)];
    let ts = Timestamp::from_unix(1_777_636_800, 0).expect("timestamp");
    Line::new()
        .encode(&Event::new(EventKind::Error).at(ts).fields(&fields))
        .expect("encode")
        .len() as u64
}

/// The numbers of the lines of `path` that parse, and the lines that do not.
fn read_numbers(path: &Path) -> (Vec<u64>, Vec<String>) {
    let text = std::fs::read(path).expect("read log");
    assert!(text.ends_with(b"\n"), "the file ends mid-line");
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<serde_json::Value>(line) {
            Ok(value) => good.push(value["n"].as_u64().expect("n")),
            Err(_) => bad.push(String::from_utf8_lossy(line).into_owned()),
        }
    }
    (good, bad)
}

#[test]
fn dev_full_returns_enospc_and_the_process_goes_on() {
    let mut log = Options::new()
        .no_rotation()
        .open("/dev/full")
        .expect("open /dev/full");
    for n in 0..3 {
        let err = append_numbered(&mut log, n).expect_err("/dev/full accepts nothing");
        assert_eq!(err.kind(), ErrorKind::Os(Errno::NOSPC));
        assert_eq!(err.op(), Op::Write);
        assert!(err.to_string().contains("/dev/full"), "{err}");
    }
    let stats = log.stats();
    assert_eq!((stats.appends, stats.failed), (0, 3));
    assert_eq!(stats.bytes_lost, line_len(0) + line_len(1) + line_len(2));
    assert_eq!(stats.bytes_written, 0);
}

/// Sets this process's file-size limit (`RLIMIT_FSIZE`) to `bytes`; returns the limit before.
fn limit_file_size(bytes: u64) -> Rlimit {
    let saved = getrlimit(Resource::Fsize);
    setrlimit(
        Resource::Fsize,
        Rlimit {
            current: Some(bytes),
            maximum: saved.maximum,
        },
    )
    .expect("setrlimit");
    saved
}

/// Appends lines 0 to 4 to `log`, at `path`, then sets this process's file-size limit in
/// the middle of line 5; returns the size before line 5, the limit, and the limit before.
fn limit_in_line_5(log: &mut Writer, path: &Path) -> (u64, u64, Rlimit) {
    for n in 0..5 {
        append_numbered(log, n).expect("append under the limit");
    }
    let before = std::fs::metadata(path).expect("stat").len();
    let limit = before + line_len(5) / 2;
    (before, limit, limit_file_size(limit))
}

/// In the child in `role_name`: runs `child_side` in its [`DIR`] and returns `None`. Else
/// runs `test` of this binary as that child, with `SIGXFSZ` ignored and a new temp dir in
/// [`DIR`], asserts that it ran to its end (it prints `<role_name>-child-done` last), and
/// returns the temp dir.
fn in_sigxfsz_child(
    test: &str,
    role_name: &str,
    child_side: fn(&Path),
) -> Option<tempfile::TempDir> {
    if role().as_deref() == Some(role_name) {
        child_side(&child_dir());
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = child_ignoring_sigxfsz(test, role_name)
        .env(DIR, dir.path())
        .output()
        .expect("run child");
    assert_child_done(&out, &format!("{role_name}-child-done"));
    Some(dir)
}

/// The temp dir a child was given in [`DIR`].
fn child_dir() -> PathBuf {
    PathBuf::from(std::env::var_os(DIR).expect(DIR))
}

/// Child side of the file-size limit test; panics (a failed exit) on any mismatch.
fn efbig_child(dir: &Path) {
    let path = dir.join("log");
    let mut log = Options::new().no_rotation().open(&path).expect("open");
    let (before, limit, saved) = limit_in_line_5(&mut log, &path);

    let err = append_numbered(&mut log, 5).expect_err("line 5 passes the limit");
    let written = usize::try_from(limit - before).expect("small");
    let len = usize::try_from(line_len(5)).expect("small");
    assert_eq!(err.kind(), ErrorKind::ShortWrite { written, len });
    assert!(err.to_string().contains("short write"), "{err}");
    // At the limit nothing more fits, not even the `\n` that would end the fragment.
    let err = append_numbered(&mut log, 6).expect_err("at the limit");
    assert_eq!(err.kind(), ErrorKind::Os(Errno::FBIG));
    assert_eq!(std::fs::metadata(&path).expect("stat").len(), limit);

    setrlimit(Resource::Fsize, saved).expect("restore the limit");
    append_numbered(&mut log, 7).expect("append after the limit is raised");
    append_numbered(&mut log, 8).expect("append");

    let stats = log.stats();
    assert_eq!((stats.appends, stats.failed), (7, 2));
    assert_eq!(stats.bytes_lost, line_len(5) + line_len(6));
    let whole: u64 = [0, 1, 2, 3, 4, 7, 8].iter().map(|&n| line_len(n)).sum();
    assert_eq!(
        stats.bytes_written,
        whole + 1,
        "whole lines and the `\\n` after the fragment"
    );
    assert_eq!(
        std::fs::metadata(&path).expect("stat").len(),
        whole + 1 + (limit - before)
    );
    println!("efbig-child-done");
}

#[test]
fn file_size_limit_gives_short_write_then_efbig() {
    let Some(dir) = in_sigxfsz_child(
        "file_size_limit_gives_short_write_then_efbig",
        "efbig",
        efbig_child,
    ) else {
        return;
    };
    // Every line after the fragment parses; only the fragment itself does not.
    let (good, bad) = read_numbers(&dir.path().join("log"));
    assert_eq!(good, [0, 1, 2, 3, 4, 7, 8]);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(
        bad[0].starts_with("{\"ts\"") && bad[0].len() < 100,
        "{bad:?}"
    );
}

/// Child side of the leaving test. For each way a writer can leave a file where its line 5
/// was cut short by the file-size limit, it leaves, and another writer appends line 6.
/// - `close`: the limit raised, `close` ends the fragment; the other writer was opened
///   before the fragment (it does not look for one), and its line stands on its own.
/// - `drop`: the same, dropped: the fragment is left, and the other writer's line joins it.
/// - `close-at-limit`: `close` at the limit says so without writing; a writer opened after
///   ends the fragment at its first line.
/// - `ended-by-another`: a writer opened after the limit was raised ended the fragment and
///   appended; `close` then finds the file ending in `\n`, and adds no empty line.
fn leaving_child(dir: &Path) {
    for how in LEAVING {
        let path = dir.join(how);
        let mut log = Options::new().no_rotation().open(&path).expect("open");
        let other = Options::new().no_rotation().reopen_check(None).open(&path);
        let mut other = other.expect("open the other writer");
        let (_, limit, saved) = limit_in_line_5(&mut log, &path);
        let err = append_numbered(&mut log, 5).expect_err("line 5 passes the limit");
        assert!(matches!(err.kind(), ErrorKind::ShortWrite { .. }), "{err}");
        let written = log.stats().bytes_written;
        if how == "close-at-limit" {
            let err = log.close().expect_err("the `\\n` would pass the limit");
            assert_eq!(
                (err.kind(), err.op()),
                (ErrorKind::Os(Errno::FBIG), Op::Write)
            );
            assert!(err.to_string().contains(how), "{err}");
            setrlimit(Resource::Fsize, saved).expect("restore the limit");
            drop(other);
            other = Options::new()
                .no_rotation()
                .open(&path)
                .expect("open after");
        } else {
            setrlimit(Resource::Fsize, saved).expect("restore the limit");
            match how {
                "close" => {
                    let stats = log.close().expect("close");
                    assert_eq!(stats.bytes_written, written + 1, "the `\\n` is counted");
                }
                "drop" => drop(log),
                _ => {
                    drop(other);
                    other = Options::new()
                        .no_rotation()
                        .open(&path)
                        .expect("open after");
                    append_numbered(&mut other, 6).expect("append by the writer opened after");
                    let stats = log.close().expect("close");
                    assert_eq!(
                        stats.bytes_written, written,
                        "no `\\n` from the closed writer"
                    );
                    continue;
                }
            }
        }
        let ended = u64::from(how == "close");
        let size = std::fs::metadata(&path).expect("stat").len();
        assert_eq!(size, limit + ended, "{how}");
        append_numbered(&mut other, 6).expect("append by the other writer");
    }
    println!("leaving-child-done");
}

const LEAVING: [&str; 4] = ["close", "drop", "close-at-limit", "ended-by-another"];

/// `Writer::close` ends a fragment a short write left, so the next line of a writer
/// already running starts on its own line; dropping leaves it; at the file-size limit
/// `close` reports `EFBIG` without writing; and it writes nothing where the fragment was
/// ended since.
#[test]
fn closing_a_writer_ends_its_fragment_and_dropping_leaves_it() {
    let Some(dir) = in_sigxfsz_child(
        "closing_a_writer_ends_its_fragment_and_dropping_leaves_it",
        "leaving",
        leaving_child,
    ) else {
        return;
    };
    for how in LEAVING {
        let (good, bad) = read_numbers(&dir.path().join(how));
        let (expected, glued): (&[u64], _) = match how {
            "drop" => (&[0, 1, 2, 3, 4], true),
            _ => (&[0, 1, 2, 3, 4, 6], false),
        };
        assert_eq!(good, expected, "{how}");
        assert_eq!(
            bad.len(),
            1,
            "{how}: the fragment alone, no empty line: {bad:?}"
        );
        assert_eq!(bad[0].contains("\"n\":6"), glued, "{how}: {bad:?}");
    }
}

/// Child side of the signal test: `SIGXFSZ` as it comes by default, which kills.
fn close_at_limit_child(dir: &Path) {
    let path = dir.join("log");
    let mut log = Options::new().no_rotation().open(&path).expect("open");
    limit_in_line_5(&mut log, &path);
    // A write that starts below the limit stops at it: no signal.
    let err = append_numbered(&mut log, 5).expect_err("line 5 passes the limit");
    assert!(matches!(err.kind(), ErrorKind::ShortWrite { .. }), "{err}");
    let err = log.close().expect_err("at the limit");
    assert_eq!(err.kind(), ErrorKind::Os(Errno::FBIG));
    println!("close-at-limit-child-done");
}

/// A process that leaves `SIGXFSZ` alone and closes a writer whose short write stopped at
/// the file-size limit lives on: `close` does not write the `\n` there, where a `write(2)`
/// would raise the signal and kill the process.
#[test]
fn closing_at_the_file_size_limit_raises_no_signal() {
    if role().as_deref() == Some("close-at-limit") {
        close_at_limit_child(&child_dir());
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = child(
        "closing_at_the_file_size_limit_raises_no_signal",
        "close-at-limit",
    )
    .env(DIR, dir.path())
    .output()
    .expect("run child");
    assert_child_done(&out, "close-at-limit-child-done");
}

/// Child side of the retry test: a writer without reopen checks (whose own bytes alone
/// time the retry of a failed rotation) at its maximum size, whose rotation fails (a
/// directory where the lock file goes) while its file cannot grow (`RLIMIT_FSIZE` at its
/// size; a full disk does the same). Once the lock can be taken, the failed lines bring
/// the retry as lines written would, a 64th of the maximum later, and the rotation ends
/// the failures.
fn retry_child(dir: &Path) {
    let path = dir.join("log");
    let max_size = 64 * 450;
    let mut log = Options::new()
        .max_size(max_size)
        .max_files(2)
        .reopen_check(None)
        .open(&path)
        .expect("open");
    let mut n = 0;
    while log.known_size() + line_len(n) <= max_size {
        append_numbered(&mut log, n).expect("append under the maximum");
        n += 1;
    }
    std::fs::create_dir(dir.join("log.lock")).expect("a directory at the lock's name");
    let saved = limit_file_size(std::fs::metadata(&path).expect("stat").len());
    let err = append_numbered(&mut log, n).expect_err("at the limit");
    assert_eq!(err.kind(), ErrorKind::Os(Errno::FBIG), "{err}");
    assert_eq!(log.stats().housekeeping_errors, 1, "the rotation failed");
    std::fs::remove_dir(dir.join("log.lock")).expect("the lock can be taken again");
    // The retry comes once the failed lines pass 450 bytes (a 64th of the maximum), so
    // within four more of about 150 bytes.
    let mut failed = 1;
    loop {
        n += 1;
        match append_numbered(&mut log, n) {
            Ok(()) => break,
            Err(err) => assert_eq!(err.kind(), ErrorKind::Os(Errno::FBIG), "{err}"),
        }
        failed += 1;
        assert!(failed <= 5, "no retry after {failed} failed lines");
    }
    let stats = log.stats();
    assert_eq!((stats.rotations, stats.failed), (1, failed), "{stats:?}");
    setrlimit(Resource::Fsize, saved).expect("restore the limit");
    println!("retry-child-done");
}

/// A rotation that failed is tried again after a 64th of the maximum of the writer's own
/// lines, written or failed: with the file at the file-size limit (or a full disk), the
/// lines all fail, and the rotation, which would end that, was once never tried again by
/// a writer without reopen checks.
#[test]
fn failed_lines_bring_the_retry_of_a_failed_rotation() {
    let Some(dir) = in_sigxfsz_child(
        "failed_lines_bring_the_retry_of_a_failed_rotation",
        "retry",
        retry_child,
    ) else {
        return;
    };
    let (good, bad) = read_numbers(&dir.path().join("log"));
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(good.len(), 1, "the line after the rotation: {good:?}");
}

/// Child side of the tmpfs test: runs in its own mount namespace, with a 64 KiB tmpfs on `dir`.
fn tmpfs_child(dir: &Path) {
    // Room to free later.
    std::fs::write(dir.join("ballast"), vec![0u8; 16 * 1024]).expect("ballast");
    let path = dir.join("log");
    let mut log = Options::new().no_rotation().open(&path).expect("open");
    let mut n = 0;
    let first = loop {
        match append_numbered(&mut log, n) {
            Ok(()) => n += 1,
            Err(err) => break err,
        }
        assert!(n < 10_000, "the 64 KiB tmpfs never filled");
    };
    let failed_first = n;
    let fragment = match first.kind() {
        ErrorKind::ShortWrite { written, len } => {
            assert!(written > 0 && written < len);
            true
        }
        ErrorKind::Os(Errno::NOSPC) => false,
        other => panic!("unexpected error {other:?}"),
    };
    n += 1;
    let err = append_numbered(&mut log, n).expect_err("still full");
    assert_eq!(err.kind(), ErrorKind::Os(Errno::NOSPC));
    n += 1;

    std::fs::remove_file(dir.join("ballast")).expect("free space");
    for k in n..n + 3 {
        append_numbered(&mut log, k).expect("append after space was freed");
    }
    let stats = log.stats();
    assert_eq!(stats.failed, 2);
    assert_eq!(
        stats.bytes_lost,
        line_len(failed_first) + line_len(failed_first + 1)
    );

    let (good, bad) = read_numbers(&path);
    let expected: Vec<u64> = (0..failed_first).chain(n..n + 3).collect();
    assert_eq!(good, expected);
    assert_eq!(bad.len(), usize::from(fragment), "{bad:?}");
    println!("tmpfs-child-done fragment={fragment}");
}

#[test]
fn full_tmpfs_returns_enospc_and_ends_the_fragment() {
    let Some((dir, out)) = in_64k_tmpfs(
        "full_tmpfs_returns_enospc_and_ends_the_fragment",
        "tmpfs",
        tmpfs_child,
    ) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!(
        "{}",
        stdout
            .lines()
            .find(|l| l.contains("tmpfs-child-done"))
            .unwrap_or("")
    );
    // The tmpfs was private to the child: nothing is left here.
    assert!(!dir.path().join("log").exists());
}

/// Both sides of a test in a 64 KiB tmpfs. Run as the child `role`, runs `child_side` on
/// the tmpfs (in `DIR`) and returns `None`. Otherwise runs the test `test` again as `role`
/// in a mount namespace of its own with the tmpfs on a new temporary directory, checks
/// that it printed `<role>-child-done`, and returns the directory and its output (`None`
/// where mount namespaces cannot be used and skipping is allowed).
fn in_64k_tmpfs(
    test: &str,
    role_name: &str,
    child_side: fn(&Path),
) -> Option<(tempfile::TempDir, std::process::Output)> {
    if role().as_deref() == Some(role_name) {
        child_side(&child_dir());
        return None;
    }
    if !mount_namespace_usable() {
        return None;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = in_mount_namespace(
        "mount -t tmpfs -o size=64k logwriter-test \"$1\"",
        dir.path(),
        DIR,
        &child(test, role_name),
    )
    .expect("mount a 64 KiB tmpfs");
    assert_child_done(&out, &format!("{role_name}-child-done"));
    Some((dir, out))
}

/// Child side of the rotation test: a 64 KiB tmpfs on `dir`, filled up while the log's
/// last page still has room for a few lines, with a backup that the next rotation drops.
fn full_at_rotation_child(dir: &Path) {
    let path = dir.join("log");
    let page = rustix::fs::statvfs(dir).expect("statvfs").f_bsize;
    // The backup that `max_files(1)` drops at the next rotation: two pages to free.
    let backup = vec![b'\n'; 2 * usize::try_from(page).expect("page size")];
    std::fs::write(dir.join("log.1"), backup).expect("backup");
    let mut first = Options::new().no_rotation().open(&path).expect("open");
    let mut n = 0;
    while std::fs::metadata(&path).expect("stat").len() < page + page / 2 {
        append_numbered(&mut first, n).expect("append");
        n += 1;
    }
    drop(first);
    let mut ballast = std::fs::File::create(dir.join("ballast")).expect("ballast");
    while std::io::Write::write_all(&mut ballast, &[0; 512]).is_ok() {}
    drop(ballast);

    // The lines that still fit in the log's last page, and the one that crosses its end:
    // that one is short, and the rotation is due at the line after it.
    let mut at = std::fs::metadata(&path).expect("stat").len();
    let end = at.next_multiple_of(page);
    let mut fits = 0;
    while at + line_len(n + fits) <= end {
        at += line_len(n + fits);
        fits += 1;
    }
    assert!(
        at < end,
        "a line ends exactly at the page's end: change the lines"
    );
    let crossing = n + fits;
    let max_size = at + line_len(crossing);
    let mut log = Options::new()
        .max_size(max_size)
        .max_files(1)
        .open(&path)
        .expect("open");
    for k in n..crossing {
        append_numbered(&mut log, k).expect("a line that fits in the last page");
    }
    let err = append_numbered(&mut log, crossing).expect_err("the disk is full");
    assert!(
        matches!(err.kind(), ErrorKind::ShortWrite { written, .. } if written as u64 == end - at),
        "{err}"
    );

    // Dropping `log.1` frees the pages that the fragment's `\n` and the next lines need.
    for k in crossing + 1..crossing + 4 {
        append_numbered(&mut log, k).expect("append after the rotation freed space");
    }
    let stats = log.stats();
    assert_eq!(
        (stats.rotations, stats.failed, stats.housekeeping_errors),
        (1, 1, 0)
    );
    let (good, bad) = read_numbers(&dir.join("log.1"));
    assert_eq!(good, (0..crossing).collect::<Vec<_>>());
    assert_eq!(bad.len(), 1, "the fragment, ended with \\n: {bad:?}");
    let (good, bad) = read_numbers(&path);
    assert_eq!(good, (crossing + 1..crossing + 4).collect::<Vec<_>>());
    assert!(bad.is_empty(), "{bad:?}");
    println!("full-at-rotation-child-done");
}

#[test]
fn full_tmpfs_at_the_rotation_point_rotates_to_free_space() {
    in_64k_tmpfs(
        "full_tmpfs_at_the_rotation_point_rotates_to_free_space",
        "full-at-rotation",
        full_at_rotation_child,
    );
}

/// Bytes left in the last page of `path`'s data, which a full tmpfs still takes.
fn room_in_last_page(path: &Path, page: u64) -> u64 {
    let size = std::fs::metadata(path).expect("stat").len();
    size.next_multiple_of(page) - size
}

/// Fills the filesystem of `dir` with a file named `ballast`.
fn fill_up(dir: &Path) {
    let mut ballast = std::fs::File::create(dir.join("ballast")).expect("ballast");
    while std::io::Write::write_all(&mut ballast, &[0; 512]).is_ok() {}
}

/// Child side: the disk fills with room left for all of a line but its `\n`, for a
/// `Writer` and for `append_once`: the short write is reported as such, and the row
/// becomes a whole line when the next append ends it.
fn one_byte_short_child(dir: &Path) {
    let page = rustix::fs::statvfs(dir).expect("statvfs").f_bsize;
    let ts = Timestamp::from_unix(1_777_636_800, 0).expect("timestamp");
    // The event numbered `n`, its `blob` cut or padded so that its line is `len` bytes.
    let sized = |n: u64, len: u64| {
        let base = line_len(n) - BLOB.len() as u64;
        "p".repeat(usize::try_from(len - base).expect("pad"))
    };
    let append = |log: Option<&mut Writer>, path: &Path, n: u64, blob: &str| {
        let fields = [Field::new("n", n), Field::new("blob", blob)];
        let event = Event::new(EventKind::Error).at(ts).fields(&fields);
        match log {
            Some(log) => log.append(&event),
            None => append_once(path, &event),
        }
    };
    for (name, mut log) in [
        (
            "log",
            Some(
                Options::new()
                    .no_rotation()
                    .open(dir.join("log"))
                    .expect("open"),
            ),
        ),
        ("once", None),
    ] {
        let path = dir.join(name);
        let mut n = 0;
        while n < 10 || room_in_last_page(&path, page) < 400 {
            append(log.as_mut(), &path, n, BLOB).expect("append");
            n += 1;
        }
        fill_up(dir);
        while room_in_last_page(&path, page) >= line_len(n) + 100 {
            append(log.as_mut(), &path, n, BLOB).expect("a line that fits");
            n += 1;
        }
        let len = room_in_last_page(&path, page) + 1;
        let err = append(log.as_mut(), &path, n, &sized(n, len)).expect_err("disk full");
        let whole = usize::try_from(len).expect("len");
        assert_eq!(
            err.kind(),
            ErrorKind::ShortWrite {
                written: whole - 1,
                len: whole
            }
        );
        assert!(
            err.to_string().contains("only the newline is missing"),
            "{err}"
        );
        let text = std::fs::read(&path).expect("read");
        assert_eq!(text.len() as u64 % page, 0, "{name}: the last page is full");
        assert_eq!(
            text.last(),
            Some(&b'}'),
            "{name}: the row is whole but for its \\n"
        );
        if let Some(log) = &log {
            let stats = log.stats();
            assert_eq!((stats.appends, stats.failed, stats.bytes_lost), (n, 1, len));
        }

        // The `\n` comes before the next line (a `Writer`'s own, or the next opener's).
        std::fs::remove_file(dir.join("ballast")).expect("free space");
        append(log.as_mut(), &path, n + 1, BLOB).expect("append");
        let (good, bad) = read_numbers(&path);
        assert_eq!(good, (0..n + 2).collect::<Vec<_>>(), "{name}");
        assert!(bad.is_empty(), "{name}: {bad:?}");
    }
    println!("one-byte-short-child-done");
}

#[test]
fn a_line_short_of_its_newline_alone_is_reported_and_becomes_whole() {
    in_64k_tmpfs(
        "a_line_short_of_its_newline_alone_is_reported_and_becomes_whole",
        "one-byte-short",
        one_byte_short_child,
    );
}

/// A fragment a dead writer left, found at open, is ended by `close` when no line came,
/// and not by dropping the writer.
#[test]
fn a_fragment_found_at_open_is_ended_by_close_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fragment = b"{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"err";
    for close in [false, true] {
        let path = dir.path().join(if close { "closed" } else { "dropped" });
        std::fs::write(&path, fragment).expect("write fragment");
        let log = Options::new().no_rotation().open(&path).expect("open");
        if close {
            assert_eq!(log.close().expect("close").bytes_written, 1);
        } else {
            drop(log);
        }
        let text = std::fs::read(&path).expect("read");
        assert_eq!(text.ends_with(b"\n"), close, "{}", path.display());
    }
}

#[test]
fn partial_line_left_by_a_dead_writer_is_ended_at_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let mut log = Options::new().no_rotation().open(&path).expect("open");
    append_numbered(&mut log, 0).expect("append");
    drop(log);
    // What a writer killed in the middle of a write(2) can leave behind.
    let mut text = std::fs::read(&path).expect("read");
    text.extend_from_slice(b"{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"err");
    std::fs::write(&path, &text).expect("write fragment");

    let mut log = Options::new().no_rotation().open(&path).expect("reopen");
    append_numbered(&mut log, 1).expect("append after the fragment");
    assert_eq!(log.stats().bytes_written, line_len(1) + 1);
    let (good, bad) = read_numbers(&path);
    assert_eq!(good, [0, 1]);
    assert_eq!(bad, ["{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"err"]);

    // A file that ends with a whole line gets no extra newline.
    let mut log = Options::new().no_rotation().open(&path).expect("reopen");
    append_numbered(&mut log, 2).expect("append");
    assert_eq!(log.stats().bytes_written, line_len(2));
}

/// `append_once` ends a partial line too, before its own line, and adds nothing after a
/// whole one or to an empty file.
#[test]
fn append_once_ends_a_partial_line_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    // The line `append_numbered` writes.
    let once = |path: &Path, n: u64| {
        let fields = [Field::new("n", n), Field::new("blob", BLOB)];
        let ts = Timestamp::from_unix(1_777_636_800, 0).expect("timestamp");
        append_once(path, &Event::new(EventKind::Error).at(ts).fields(&fields))
    };
    let fragment = b"{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"err";
    std::fs::write(&path, fragment).expect("write fragment");
    once(&path, 1).expect("append after the fragment");
    let size = std::fs::metadata(&path).expect("stat").len();
    assert_eq!(size, fragment.len() as u64 + 1 + line_len(1));
    once(&path, 2).expect("append after a whole line");
    let size_after = std::fs::metadata(&path).expect("stat").len();
    assert_eq!(
        size_after,
        size + line_len(2),
        "no newline after a whole line"
    );
    let (good, bad) = read_numbers(&path);
    assert_eq!(good, [1, 2]);
    assert_eq!(bad, [String::from_utf8_lossy(fragment)]);

    let empty = dir.path().join("empty");
    std::fs::write(&empty, b"").expect("create");
    once(&empty, 3).expect("append to an empty file");
    assert_eq!(std::fs::metadata(&empty).expect("stat").len(), line_len(3));
}

/// Child side of the `EINTR` test: three appends, all acknowledged.
fn eintr_child(dir: &Path) {
    let mut log = Options::new()
        .no_rotation()
        .open(dir.join("log"))
        .expect("open");
    for n in 0..3 {
        append_numbered(&mut log, n).expect("EINTR is retried, not returned");
    }
    let stats = log.stats();
    assert_eq!((stats.appends, stats.failed, stats.bytes_lost), (3, 0, 0));
    println!("eintr-child-done");
}

/// Runs `test` of this binary as the child `role`, in a new temp dir (its [`DIR`]), under
/// `strace` tracing `trace` on the log alone (`-P <dir>/log`) with each of `inject` as an
/// `-e` expression, and checks that it printed `<role>-child-done`. Returns the dir (kept
/// while the caller reads the log), the log's path and `strace`'s output; `None` where
/// `strace` cannot run and skipping is allowed (see `traced`).
fn traced_on_log(
    test: &str,
    role: &str,
    trace: &str,
    inject: &[&str],
) -> Option<(tempfile::TempDir, PathBuf, String)> {
    let dir = tempfile::tempdir().expect("tempdir");
    let dir_path = dir.path().canonicalize().expect("canonical");
    let log_path = dir_path.join("log");
    let mut command = child(test, role);
    command.env(DIR, &dir_path);
    let mut args: Vec<&str> = inject.iter().flat_map(|&e| ["-e", e]).collect();
    args.extend(["-P", log_path.to_str().expect("UTF-8 temp path")]);
    let (_, stderr) = traced(&command, trace, &args, &format!("{role}-child-done"))?;
    Some((dir, log_path, stderr))
}

/// `EINTR` (nothing written) is retried: `strace` makes the second `write(2)` on the log fail
/// with it, and the line is written once by the retry.
#[test]
fn eintr_before_any_byte_is_retried() {
    if role().as_deref() == Some("eintr") {
        return eintr_child(&child_dir());
    }
    let Some((_dir, log_path, stderr)) = traced_on_log(
        "eintr_before_any_byte_is_retried",
        "eintr",
        "write",
        &["inject=write:error=EINTR:when=2"],
    ) else {
        return;
    };
    let writes: Vec<&str> = stderr.lines().filter(|l| l.contains("write(")).collect();
    assert_eq!(writes.len(), 4, "three lines, one retried: {writes:?}");
    assert!(
        writes[1].contains("EINTR") && writes[1].contains("INJECTED"),
        "{writes:?}"
    );
    let (good, bad) = read_numbers(&log_path);
    assert_eq!(good, [0, 1, 2], "each line exactly once");
    assert!(bad.is_empty());
}

/// Child side of the zero-byte write test: `strace` fails the first `fdatasync(2)` of the
/// log, then makes the `write(2)` of line 1 return 0.
fn zero_write_child(dir: &Path) {
    let mut log = Options::new()
        .no_rotation()
        .reopen_check(None)
        .durability(Durability::None)
        .open(dir.join("log"))
        .expect("open");
    append_numbered(&mut log, 0).expect("append");
    log.sync().expect_err("the first sync fails");
    let err = append_numbered(&mut log, 1).expect_err("no byte of line 1 is written");
    let len = usize::try_from(line_len(1)).expect("small");
    assert_eq!(
        err.kind(),
        ErrorKind::ShortWrite { written: 0, len },
        "{err}"
    );
    assert_eq!(err.op(), Op::Write, "{err}");
    assert!(
        err.to_string()
            .ends_with("nothing of the line reached the file"),
        "{err}"
    );
    // Nothing reached the file since the failed sync: this one makes no `fdatasync(2)`.
    log.sync().expect("nothing to sync since the failure");
    assert_eq!(log.stats().syncs, 1, "no byte of line 1 reached the file");
    for n in 2..4 {
        append_numbered(&mut log, n).expect("append after the write of no bytes");
    }
    let stats = log.stats();
    assert_eq!((stats.appends, stats.failed), (3, 1), "{stats:?}");
    assert_eq!(stats.bytes_lost, line_len(1), "{stats:?}");
    assert_eq!(
        stats.bytes_written,
        line_len(0) + line_len(2) + line_len(3),
        "no `\\n` written: there was no fragment to end"
    );
    println!("zero-write-child-done");
}

/// A `write(2)` that returns 0 wrote nothing: the line is lost (`ShortWrite` with
/// `written: 0`), but it leaves no fragment, so the next line gets no `\n` before it (an
/// empty line), and nothing to sync after a failed sync. `strace` fails the first
/// `fdatasync(2)` of the log and makes its second `write(2)`, line 1's, return 0.
#[test]
fn a_write_of_no_bytes_loses_its_line_and_leaves_no_fragment() {
    if role().as_deref() == Some("zero-write") {
        return zero_write_child(&child_dir());
    }
    let Some((_dir, log_path, stderr)) = traced_on_log(
        "a_write_of_no_bytes_loses_its_line_and_leaves_no_fragment",
        "zero-write",
        "write,fdatasync",
        &[
            "inject=write:retval=0:when=2",
            "inject=fdatasync:error=EIO:when=1",
        ],
    ) else {
        return;
    };
    let writes: Vec<&str> = stderr.lines().filter(|l| l.contains("write(")).collect();
    assert_eq!(writes.len(), 4, "four lines, no `\\n`: {writes:?}");
    assert!(
        writes[1].contains("= 0") && writes[1].contains("INJECTED"),
        "{writes:?}"
    );
    let syncs = stderr.lines().filter(|l| l.contains("fdatasync(")).count();
    assert_eq!(syncs, 1, "the failed sync alone: {stderr}");
    let bytes = std::fs::read(&log_path).expect("read log");
    assert!(
        !bytes.starts_with(b"\n") && !bytes.windows(2).any(|pair| pair == b"\n\n"),
        "an empty line: {}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(read_numbers(&log_path), (vec![0, 2, 3], Vec::new()));
}

/// Names of the files the `EINTR`-at-open test opens: unusual, so that `strace -P` picks
/// out their opens alone (the writer opens its file relative to its directory, by name).
const INTERRUPTED_WRITER: &str = "interrupted-open-writer";
const INTERRUPTED_ONCE: &str = "interrupted-open-once";

/// Child side of the `EINTR`-at-open test: a writer and an `append_once`, each of whose
/// opens `strace` interrupts once.
fn eintr_open_child(dir: &Path) {
    let mut log = Options::new()
        .no_rotation()
        .open(dir.join(INTERRUPTED_WRITER))
        .expect("an open interrupted by a signal is made again");
    append_numbered(&mut log, 0).expect("append");
    let fields = [Field::new("n", 1u64), Field::new("blob", BLOB)];
    let ts = Timestamp::from_unix(1_777_636_800, 0).expect("timestamp");
    append_once(
        dir.join(INTERRUPTED_ONCE),
        &Event::new(EventKind::Error).at(ts).fields(&fields),
    )
    .expect("an open interrupted by a signal is made again");
    println!("eintr-open-child-done");
}

/// An open interrupted by a signal (`EINTR`, which a FIFO with no reader can get while it
/// waits) has opened nothing, and is made again, by `Writer::open` and by `append_once`:
/// once, and again and again (three interruptions in a row), not given up after one retry.
#[test]
fn an_interrupted_open_is_made_again() {
    if role().as_deref() == Some("eintr-open") {
        return eintr_open_child(&child_dir());
    }
    for (interruptions, when) in [(1, "1"), (3, "1..3")] {
        let dir = tempfile::tempdir().expect("tempdir");
        let dir_path = dir.path().canonicalize().expect("canonical");
        let once_path = dir_path.join(INTERRUPTED_ONCE);
        let mut test = child("an_interrupted_open_is_made_again", "eintr-open");
        test.env(DIR, &dir_path);
        // rustix opens an absolute path with `open(2)`, a name in a directory with `openat`.
        let inject = format!("inject=open,openat:error=EINTR:when={when}");
        let args = [
            "-e",
            &inject,
            "-P",
            INTERRUPTED_WRITER,
            "-P",
            once_path.to_str().expect("UTF-8 temp path"),
        ];
        let Some((_, stderr)) = traced(&test, "open,openat", &args, "eintr-open-child-done") else {
            return;
        };
        for name in [INTERRUPTED_WRITER, INTERRUPTED_ONCE] {
            let opens: Vec<&str> = stderr
                .lines()
                .filter(|l| l.contains(&format!("{name}\"")) && l.contains("O_WRONLY"))
                .collect();
            let interrupted = |l: &&str| l.contains("EINTR") && l.contains("INJECTED");
            assert!(
                opens.len() == interruptions + 1
                    && opens[..interruptions].iter().all(interrupted)
                    && !interrupted(&opens[interruptions]),
                "{name}, {interruptions} interruptions: {opens:?}\n{stderr}"
            );
        }
        let (good, bad) = read_numbers(&dir_path.join(INTERRUPTED_WRITER));
        assert_eq!((good, bad.len()), (vec![0], 0));
        let (good, bad) = read_numbers(&once_path);
        assert_eq!((good, bad.len()), (vec![1], 0));
    }
}

/// A fragment found at open is ended before the first line even when a reopen check (one
/// that finds the same file) comes between the open and that line.
#[test]
fn a_fragment_found_at_open_is_ended_after_a_check_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    std::fs::write(&path, b"{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"err").expect("fragment");
    let mut log = Options::new().no_rotation().open(&path).expect("open");
    log.check_now();
    assert_eq!(log.stats().housekeeping_errors, 0);
    append_numbered(&mut log, 1).expect("append after the fragment");
    let (good, bad) = read_numbers(&path);
    assert_eq!(good, [1]);
    assert_eq!(bad, ["{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"err"]);
}

/// Child side: a fragment at the file-size limit, a rotation due, and the `\n` that would
/// end the fragment refused (`EFBIG`). The rotation goes on and leaves the fragment in the
/// backup, as a crash would; the line is then short in the new file (the limit again), and
/// counted lost once.
fn torn_rotation_child(dir: &Path) {
    let path = dir.join("log");
    std::fs::write(&path, b"partial").expect("write fragment");
    let mut log = Options::new()
        .max_size(10)
        .max_files(3)
        .open(&path)
        .expect("open");
    limit_file_size(7);
    let err = append_numbered(&mut log, 0).expect_err("the new file is at the limit too");
    let len = usize::try_from(line_len(0)).expect("len");
    assert_eq!(err.kind(), ErrorKind::ShortWrite { written: 7, len });
    let stats = log.stats();
    assert_eq!(
        (stats.appends, stats.failed, stats.bytes_lost),
        (0, 1, line_len(0)),
        "one append failed, counted once"
    );
    assert_eq!((stats.rotations, stats.housekeeping_errors), (1, 0));
    assert_eq!(std::fs::read(dir.join("log.1")).expect("log.1"), b"partial");
    assert_eq!(std::fs::read(&path).expect("log"), b"{\"ts\":\"");

    // `rotate` goes on too, and loses no line.
    let other = dir.join("other");
    std::fs::write(&other, b"partial").expect("write fragment");
    let mut log = Options::new().max_size(10).open(&other).expect("open");
    log.rotate().expect("rotate");
    let stats = log.stats();
    assert_eq!((stats.rotations, stats.failed, stats.bytes_lost), (1, 0, 0));
    assert_eq!(
        std::fs::read(dir.join("other.1")).expect("other.1"),
        b"partial"
    );
    assert_eq!(std::fs::metadata(&other).expect("other").len(), 0);
    println!("torn-rotation-child-done");
}

#[test]
fn a_rotation_that_cannot_end_a_fragment_leaves_it_in_the_backup() {
    // In the child, or after it ran to its end in a temp dir dropped here.
    in_sigxfsz_child(
        "a_rotation_that_cannot_end_a_fragment_leaves_it_in_the_backup",
        "torn-rotation",
        torn_rotation_child,
    );
}

/// A writer whose lines are all `line_len(1000)` bytes (`n` from 1000 to 9999), with a
/// maximum of 192 lines, so a 64th of it is 3 lines, and `max_files` files.
fn three_line_retries(path: &Path, check: Option<ReopenCheck>, max_files: u32) -> (Writer, u64) {
    let max = 192 * line_len(1000);
    let log = Options::new()
        .max_size(max)
        .max_files(max_files)
        .reopen_check(check)
        .open(path)
        .expect("open");
    (log, max)
}

/// A rotation that fails (here `log.lock` is a directory, which cannot be opened) is
/// counted, its line goes to the current file, and the writer retries after a 64th of the
/// maximum size of its own bytes, not at every append and not never: a writer without
/// reopen checks too.
#[test]
fn a_failed_rotation_is_retried_after_a_64th_of_the_maximum() {
    let hour = std::time::Duration::from_secs(3600);
    let checks = [
        None,
        Some(ReopenCheck {
            appends: u32::MAX,
            interval: hour,
        }),
    ];
    for check in checks {
        let dir = tempfile::tempdir().expect("tempdir");
        let (path, lock) = (dir.path().join("log"), dir.path().join("log.lock"));
        let (mut log, max) = three_line_retries(&path, check, 3);
        for n in 1000..1192 {
            append_numbered(&mut log, n).expect("append");
        }
        assert_eq!(std::fs::metadata(&path).expect("stat").len(), max);
        std::fs::create_dir(&lock).expect("mkdir");
        let mut errors = Vec::new();
        for n in 1192..1203 {
            append_numbered(&mut log, n).expect("the line is written all the same");
            errors.push(log.stats().housekeeping_errors);
        }
        // Tried at the first line past the maximum, then once 3 lines more have been
        // written after the line of the failed try; with reopen checks, at each check,
        // which comes every 3 lines of the writer's own.
        let expected: &[u64] = match check {
            None => &[1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3],
            Some(_) => &[1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4],
        };
        assert_eq!(errors, expected, "{check:?}");
        let failures = expected[expected.len() - 1];
        let err = log.take_housekeeping_error().expect("the rotation's error");
        assert_eq!(err.op(), Op::OpenLock, "{err}");
        assert_eq!(log.stats().rotations, 0);

        std::fs::remove_dir(&lock).expect("rmdir");
        let mut rotations = Vec::new();
        for n in 1203..1206 {
            append_numbered(&mut log, n).expect("append");
            rotations.push(log.stats().rotations);
        }
        assert_eq!(rotations, [0, 1, 1], "retried at the next retry point");
        let (held, bad) = read_numbers(&dir.path().join("log.1"));
        assert_eq!(held, (1000..1204).collect::<Vec<_>>(), "{bad:?}");
        assert_eq!(read_numbers(&path).0, [1204, 1205]);
        assert_eq!(log.stats().housekeeping_errors, failures);

        // Back to rotating at the maximum: the next file fills to it exactly.
        for n in 1206..1206 + 191 {
            append_numbered(&mut log, n).expect("append");
        }
        assert_eq!(log.stats().rotations, 2);
        let full = std::fs::metadata(dir.path().join("log.1")).expect("stat");
        assert_eq!(full.len(), max, "{check:?}");
    }
}

/// A retry point left by a failed rotation is a size of the file the writer held: when it
/// moves to another file (here a `rotate` that reopens the path, then fails itself), the new
/// file rotates at the maximum.
#[test]
fn a_retry_point_does_not_follow_the_writer_to_a_new_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let (mut log, max) = three_line_retries(&path, None, 2);
    // A backup, and a directory where the oldest is dropped: every shift fails there.
    std::fs::write(dir.path().join("log.1"), "{}\n").expect("write");
    let oldest = dir.path().join("log.2");
    std::fs::create_dir_all(oldest.join("kept")).expect("mkdir");
    for n in 1000..1193 {
        append_numbered(&mut log, n).expect("append");
    }
    assert_eq!(log.stats().housekeeping_errors, 1, "the rotation failed");
    std::fs::rename(&path, dir.path().join("moved")).expect("rename");
    let err = log.rotate().expect_err("the shift fails again");
    assert!(matches!(err.op(), Op::Unlink { .. }), "{err}");
    assert_eq!(log.stats().reopens, 1, "it moved to a new file first");

    std::fs::remove_dir_all(&oldest).expect("rmdir");
    for n in 1193..1193 + 193 {
        append_numbered(&mut log, n).expect("append");
    }
    assert_eq!(log.stats().rotations, 1);
    let full = std::fs::metadata(dir.path().join("log.1")).expect("stat");
    assert_eq!(full.len(), max, "rotated at the maximum");
}

/// After a failed rotation, a successful `Writer::rotate` puts the writer back on the
/// maximum size at once.
#[test]
fn rotate_after_a_failed_rotation_resumes_rotation_at_the_maximum() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, lock) = (dir.path().join("log"), dir.path().join("log.lock"));
    let (mut log, max) = three_line_retries(&path, None, 3);
    for n in 1000..1192 {
        append_numbered(&mut log, n).expect("append");
    }
    std::fs::create_dir(&lock).expect("mkdir");
    append_numbered(&mut log, 1192).expect("append");
    assert_eq!(log.stats().housekeeping_errors, 1);
    std::fs::remove_dir(&lock).expect("rmdir");
    log.rotate().expect("rotate");
    for n in 1193..1193 + 193 {
        append_numbered(&mut log, n).expect("append");
    }
    assert_eq!(log.stats().rotations, 2);
    let (held, _) = read_numbers(&dir.path().join("log.1"));
    assert_eq!(held, (1193..1193 + 192).collect::<Vec<_>>());
    let full = std::fs::metadata(dir.path().join("log.1")).expect("stat");
    assert_eq!(full.len(), max);
}

/// The `\n` that ends a fragment counts against the maximum size: a line that would fit
/// exactly without it goes to a new file, and no file passes the maximum.
#[test]
fn the_newline_that_ends_a_fragment_counts_against_the_maximum() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let fragment = b"{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"err";
    std::fs::write(&path, fragment).expect("write fragment");
    let max = fragment.len() as u64 + line_len(0);
    let mut log = Options::new().max_size(max).open(&path).expect("open");
    append_numbered(&mut log, 0).expect("append");
    assert_eq!(log.stats().rotations, 1);
    let backup = std::fs::read(dir.path().join("log.1")).expect("read log.1");
    assert_eq!(backup, [&fragment[..], b"\n"].concat());
    assert_eq!(read_numbers(&path), (vec![0], Vec::new()));
    for file in [path, dir.path().join("log.1")] {
        let size = std::fs::metadata(&file).expect("stat").len();
        assert!(size <= max, "{} holds {size} > {max}", file.display());
    }
}

/// A reopen check that finds the file renamed ends the fragment in the file it leaves, and
/// counts that `\n` in `Stats::bytes_written` as an append's own would be.
#[test]
fn the_newline_that_ends_a_fragment_on_reopen_is_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    std::fs::write(&path, b"partial").expect("write fragment");
    let mut log = Options::new()
        .no_rotation()
        .reopen_check(Some(logwriter::ReopenCheck {
            appends: 1,
            interval: std::time::Duration::from_secs(3600),
        }))
        .open(&path)
        .expect("open");
    std::fs::rename(&path, dir.path().join("log.1")).expect("rename");
    append_numbered(&mut log, 0).expect("append");
    assert_eq!(
        std::fs::read(dir.path().join("log.1")).expect("read"),
        b"partial\n"
    );
    let stats = log.stats();
    assert_eq!((stats.reopens, stats.bytes_written), (1, line_len(0) + 1));
    assert_eq!(read_numbers(&path), (vec![0], Vec::new()));
}

/// Child side: a rotating writer with reopen checks, where `statx` fails with `ENOSYS`:
/// it follows an outside rename, rotates, and accounts for every line.
fn no_statx_child(dir: &Path) {
    let path = dir.join("log");
    let mut log = Options::new()
        .max_size(3 * line_len(0))
        .max_files(5)
        .open(&path)
        .expect("open");
    append_numbered(&mut log, 0).expect("append");
    append_numbered(&mut log, 1).expect("append");
    std::fs::rename(&path, dir.join("log.moved")).expect("rename");
    log.check_now();
    for n in 2..8 {
        append_numbered(&mut log, n).expect("append");
    }
    let stats = log.stats();
    assert_eq!(
        (stats.reopens, stats.rotations, stats.housekeeping_errors),
        (1, 1, 0),
        "{stats:?}"
    );
    assert_eq!(read_numbers(&dir.join("log.moved")).0, [0, 1]);
    assert_eq!(read_numbers(&dir.join("log.1")).0, [2, 3, 4]);
    assert_eq!(read_numbers(&path).0, [5, 6, 7]);
    println!("no-statx-child-done");
}

/// Kernels without `statx(2)` (before 4.11, or a sandbox that refuses it): `strace` makes
/// every `statx` fail with `ENOSYS`, and the reopen check and the rotation get what they
/// need from `fstat(2)` and `fstatat(2)` instead.
#[test]
fn without_statx_checks_and_rotations_use_fstat() {
    if role().as_deref() == Some("no-statx") {
        return no_statx_child(&child_dir());
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut test = child("without_statx_checks_and_rotations_use_fstat", "no-statx");
    test.env(DIR, dir.path());
    // The names strace gives the fallbacks: the 32-bit x86 ABI has 64-bit-size variants.
    let (fstat, fstatat) = if cfg!(target_arch = "x86") {
        ("fstat64", "fstatat64")
    } else {
        ("fstat", "newfstatat")
    };
    let Some((_, stderr)) = traced(
        &test,
        &format!("statx,{fstat},{fstatat}"),
        &["-e", "inject=statx:error=ENOSYS"],
        "no-statx-child-done",
    ) else {
        return;
    };
    let calls = |name: &str| {
        let call = format!("{name}(");
        stderr.lines().filter(|l| l.contains(&call)).count()
    };
    assert!(calls("statx") > 0, "statx was tried: {stderr}");
    assert!(calls(fstat) > 0, "fstat(2) of the descriptor: {stderr}");
    assert!(calls(fstatat) > 0, "fstatat(2) of the names: {stderr}");
}

/// Child side of the known-size test: a writer that neither rotates nor checks, so that
/// nothing but its own count of bytes tells it the size of its file.
fn short_write_size_child(dir: &Path) {
    let path = dir.join("log");
    let mut log = Options::new()
        .no_rotation()
        .reopen_check(None)
        .open(&path)
        .expect("open");
    let (_, limit, saved) = limit_in_line_5(&mut log, &path);
    let err = append_numbered(&mut log, 5).expect_err("line 5 passes the limit");
    assert!(matches!(err.kind(), ErrorKind::ShortWrite { .. }), "{err}");
    assert_eq!(log.known_size(), limit, "the fragment's bytes are counted");
    setrlimit(Resource::Fsize, saved).expect("restore the limit");
    append_numbered(&mut log, 6).expect("append after the limit is raised");
    let size = std::fs::metadata(&path).expect("stat").len();
    assert_eq!(log.known_size(), size, "fragment, its `\\n` and line 6");
    println!("short-size-child-done");
}

/// A short write adds the bytes it wrote to the size the writer knows, as a whole line
/// adds its own: the fragment counts toward the maximum size and the next check.
#[test]
fn a_short_write_counts_its_bytes_in_the_known_size() {
    // In the child, or after it ran to its end in a temp dir dropped here.
    in_sigxfsz_child(
        "a_short_write_counts_its_bytes_in_the_known_size",
        "short-size",
        short_write_size_child,
    );
}

/// Child side of the backup-stat test: `strace` fails every `statx` of `log.2`.
fn stat_backup_child(dir: &Path) {
    let path = dir.join("log");
    for backup in ["log.1", "log.2"] {
        std::fs::write(dir.join(backup), "{}\n").expect("a backup");
    }
    let mut log = Options::new().max_files(5).open(&path).expect("open");
    append_numbered(&mut log, 0).expect("append");
    let err = log.rotate().expect_err("the stat of log.2 fails");
    assert_eq!(err.kind(), ErrorKind::Os(Errno::IO), "{err}");
    assert_eq!(err.op(), Op::StatBackup { index: 2 }, "{err}");
    assert_eq!(log.stats().rotations, 0);
    println!("stat-backup-child-done");
}

/// A shift whose `statx` of a backup fails for a reason other than its absence stops
/// there, before any rename, and names that backup: the second here.
#[test]
fn a_failed_stat_of_a_backup_names_it() {
    const TEST: &str = "a_failed_stat_of_a_backup_names_it";
    if role().as_deref() == Some("stat-backup") {
        return stat_backup_child(&child_dir());
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let mut test = child(TEST, "stat-backup");
    test.env(DIR, dir.path());
    let Some(_) = traced(
        &test,
        "statx",
        &["-P", "log.2", "-e", "inject=statx:error=EIO"],
        "stat-backup-child-done",
    ) else {
        return;
    };
    assert!(dir.path().join("log.1").exists() && dir.path().join("log.2").exists());
}
