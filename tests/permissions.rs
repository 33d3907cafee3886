//! Logs in directories that may be written and searched but not listed (mode 0300, as a
//! drop box is): a writer works in one as `open(2)` by path does, and says so when a sync
//! cannot reach it. In a directory that may not be written, a rotation names the file it
//! could not move. As root, each test runs again as `nobody` (see `unprivileged`).

mod rotation_support;
mod unprivileged;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use logwriter::{
    Durability, ErrorKind, Event, EventKind, Field, Op, Options, Precision, ReopenCheck, Writer,
};
use rustix::io::Errno;
use unprivileged::permissions_apply;

/// A directory `drop` in a fresh temporary directory, with mode 0300: its owner may make
/// and rename entries and search it, but not list it (nor, so, open it for reading).
fn drop_box() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let drop = dir.path().join("drop");
    std::fs::create_dir(&drop).expect("mkdir drop");
    std::fs::set_permissions(&drop, std::fs::Permissions::from_mode(0o300)).expect("chmod");
    assert_eq!(
        std::fs::read_dir(&drop).map(|_| ()).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::PermissionDenied),
        "permission bits must apply to this process"
    );
    (dir, drop)
}

fn append(log: &mut Writer, seq: u64) -> Result<(), logwriter::Error> {
    let fields = [
        Field::new("seq", seq),
        Field::new("pad", "0123456789abcdef"),
    ];
    log.append(&Event::new(EventKind::Renew).slot("p").fields(&fields))
}

/// The `seq` of each line of `path`.
fn seqs(path: &Path) -> Vec<u64> {
    let text = std::fs::read_to_string(path).expect("read a log file by its path");
    text.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            value["seq"].as_u64().expect("seq")
        })
        .collect()
}

/// A writer of `path` that checks the path before every append.
fn checking_every_append(path: &Path) -> Writer {
    let check = ReopenCheck {
        appends: 1,
        interval: Duration::from_secs(3600),
    };
    Options::new()
        .reopen_check(Some(check))
        .open(path)
        .expect("open")
}

fn sync_dir_denied(err: &logwriter::Error, path: &Path) {
    assert_eq!(err.kind(), ErrorKind::Os(Errno::ACCESS), "{err}");
    assert_eq!((err.op(), err.path()), (Op::SyncDir, Some(path)), "{err}");
}

#[test]
fn a_rotating_log_in_a_directory_that_cannot_be_listed() {
    if !permissions_apply(&[]) {
        return;
    }
    let (_dir, drop) = drop_box();
    let path = drop.join("log");
    // Whole seconds and two-digit numbers: every line is as long as this one.
    let line = r#"{"ts":"2026-11-27T04:00:00Z","event":"renew","slot":"p","seq":10,"pad":"0123456789abcdef"}"#;
    let mut log = Options::new()
        .precision(Precision::Seconds)
        .max_size(4 * (line.len() as u64 + 1))
        .max_files(3)
        .open(&path)
        .expect("open a log in a directory that cannot be listed");
    for seq in 10..26 {
        append(&mut log, seq).expect("append");
    }
    // Four lines a file: three rotations, the third dropping nothing.
    assert_eq!(log.stats().rotations, 3, "{:?}", log.stats());
    assert_eq!(
        log.stats().housekeeping_errors,
        0,
        "{:?}",
        log.take_housekeeping_error()
    );
    assert_eq!(seqs(&drop.join("log.3")), [10, 11, 12, 13]);
    assert_eq!(seqs(&drop.join("log.2")), [14, 15, 16, 17]);
    assert_eq!(seqs(&drop.join("log.1")), [18, 19, 20, 21]);
    assert_eq!(seqs(&path), [22, 23, 24, 25]);
    // And a fourth, which drops the oldest.
    log.rotate().expect("rotate");
    assert_eq!(seqs(&drop.join("log.3")), [14, 15, 16, 17]);
    assert_eq!(seqs(&path), [0u64; 0]);
    // The rotations changed a directory the writer cannot open for reading, so cannot
    // sync: the sync says so, once for the directory; the file itself was synced.
    sync_dir_denied(&log.sync().unwrap_err(), &path);
    log.sync().expect("nothing changed since");
    log.rotate().expect("rotate");
    log.sync()
        .expect("the directory's failure is reported once");
    // Once it may be read, it is synced again.
    std::fs::set_permissions(&drop, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    log.rotate().expect("rotate");
    log.sync().expect("the directory, readable now, is synced");
    assert_eq!(log.close().expect("close").syncs, 4);
}

#[test]
fn directories_made_in_one_that_cannot_be_listed() {
    if !permissions_apply(&[]) {
        return;
    }
    let (_dir, drop) = drop_box();
    let path = drop.join("new/sub/log");
    let mut log = Options::new()
        .durability(Durability::EveryAppend)
        .open(&path)
        .expect("open, making directories in one that cannot be listed");
    // The first sync syncs `sub`, `new`, and the directory `new` was made in, which it
    // cannot open: the line is written and synced, and the append says what was not.
    sync_dir_denied(&append(&mut log, 0).unwrap_err(), &path);
    append(&mut log, 1).expect("the directory's failure is reported once");
    assert_eq!(seqs(&path), [0, 1]);
    assert_eq!(log.stats().syncs, 2);
}

#[test]
fn a_deleted_directory_is_made_again_in_one_that_cannot_be_listed() {
    if !permissions_apply(&[]) {
        return;
    }
    let (_dir, drop) = drop_box();
    let logs = drop.join("logs");
    let path = logs.join("log");
    let mut log = checking_every_append(&path);
    append(&mut log, 0).expect("append");
    std::fs::remove_dir_all(&logs).expect("delete the log's directory");
    // A check is due before every append: it finds the directory gone, and the writer
    // makes it again, in a directory it cannot open for reading, before writing the line.
    append(&mut log, 1).expect("append after the directory was deleted");
    append(&mut log, 2).expect("append");
    assert_eq!(
        log.stats().reopens,
        1,
        "{:?}",
        log.take_housekeeping_error()
    );
    assert_eq!(log.stats().housekeeping_errors, 0);
    assert_eq!(seqs(&path), [1, 2]);
}

/// A log mode without read permission (0o200): the lock file, which is opened for
/// reading, gets read permission for those who may write, so that a writer opened later
/// (here, after the first one is gone) can still lock it and rotate.
#[test]
fn a_write_only_log_mode_still_lets_later_writers_rotate() {
    use std::os::unix::fs::MetadataExt;
    if !permissions_apply(&[]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let options = Options::new().mode(0o200).max_files(5);
    for writer in 0..2 {
        let mut log = options.open(&path).expect("open");
        append(&mut log, writer).expect("append");
        log.rotate().expect("rotate");
        assert_eq!(log.stats().housekeeping_errors, 0);
    }
    let lock = std::fs::metadata(dir.path().join("log.lock")).expect("the lock file");
    assert_eq!(lock.mode() & 0o777, 0o600);
    for backup in ["log.1", "log.2"] {
        let mode = std::fs::metadata(dir.path().join(backup))
            .expect("a backup")
            .mode();
        assert_eq!(mode & 0o777, 0o200, "{backup}");
    }
    // A lock file that may only be written (an older version made it so) is opened for
    // writing, which `flock` takes as well.
    let lock_path = dir.path().join("log.lock");
    std::fs::set_permissions(&lock_path, std::fs::Permissions::from_mode(0o200)).expect("chmod");
    let mut log = options.open(&path).expect("open");
    log.rotate().expect("rotate, with a write-only lock file");
    assert_eq!(std::fs::metadata(&lock_path).expect("lock").len(), 0);
}

/// Every append synced, and one rotation after another in a directory that cannot be
/// synced: one append, the first, says so; the others succeed.
#[test]
fn every_append_synced_in_a_directory_that_cannot_be_listed() {
    if !permissions_apply(&[]) {
        return;
    }
    let (_dir, drop) = drop_box();
    let mut log = Options::new()
        .durability(Durability::EveryAppend)
        .max_size(200)
        .open(drop.join("log"))
        .expect("open");
    let results: Vec<bool> = (0..20).map(|seq| append(&mut log, seq).is_ok()).collect();
    assert!(log.stats().rotations > 5, "{:?}", log.stats());
    assert_eq!(results.iter().filter(|ok| !**ok).count(), 1, "{results:?}");
    assert!(!results[0], "the first sync, of a file it made, reports it");
}

/// A deleted directory made again, by someone else, so that it cannot be listed: the
/// writer moves to it (with `O_PATH`), and a sync says it cannot sync it.
#[test]
fn a_directory_made_again_that_cannot_be_listed() {
    if !permissions_apply(&[]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("logs");
    let path = logs.join("log");
    let mut log = checking_every_append(&path);
    append(&mut log, 0).expect("append");
    log.sync().expect("a readable directory syncs");
    std::fs::remove_dir_all(&logs).expect("delete the log's directory");
    std::fs::create_dir(&logs).expect("make it again");
    std::fs::set_permissions(&logs, std::fs::Permissions::from_mode(0o300)).expect("chmod");
    append(&mut log, 1).expect("append after the directory was made again");
    assert_eq!(
        log.stats().reopens,
        1,
        "{:?}",
        log.take_housekeeping_error()
    );
    sync_dir_denied(&log.sync().unwrap_err(), &path);
    assert_eq!(seqs(&path), [1]);
}

/// A shift that fails names the step: the number of the file it could not rename or
/// remove, in `Op` and in the message (`rename <log>.1 to <log>.2: …`).
#[test]
fn a_failed_shift_names_the_file_it_could_not_move() {
    if !permissions_apply(&[]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, other) = (dir.path().join("log"), dir.path().join("other"));
    let mut log = Options::new().max_files(3).open(&path).expect("open");
    let mut one = Options::new().max_files(1).open(&other).expect("open");
    for writer in [&mut log, &mut one] {
        writer
            .append(&Event::new(EventKind::Join).slot("a"))
            .expect("append");
        writer.rotate().expect("rotate: makes .1 and the lock file");
        writer
            .append(&Event::new(EventKind::Close).slot("a"))
            .expect("append");
    }
    // Nothing can be renamed or removed in the directory any more; the lock files exist.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o555)).expect("chmod");

    let (p, o) = (path.display(), other.display());
    // log.1 cannot be renamed; other.1, the oldest backup, cannot be removed.
    let cases = [
        (
            &mut log,
            Op::Rename { from: 1 },
            format!("rename {p}.1 to {p}.2: "),
        ),
        (
            &mut one,
            Op::Unlink { index: 1 },
            format!("remove oldest backup {o}.1: "),
        ),
    ];
    for (writer, op, message) in cases {
        let err = writer
            .rotate()
            .expect_err("the directory may not be written");
        assert_eq!(
            (err.kind(), err.op()),
            (ErrorKind::Os(Errno::ACCESS), op),
            "{err}"
        );
        assert!(err.to_string().starts_with(&message), "{err}");
    }

    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
}
