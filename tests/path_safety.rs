//! No races through paths: symbolic links planted at the log, backup or lock paths are never
//! followed, the directory is held by descriptor, every descriptor is close-on-exec, and the
//! file mode is the configured one less the umask.

mod rotation_support;

use std::fs;
use std::os::unix::fs::{symlink, FileTypeExt, PermissionsExt};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use logwriter::{ErrorKind, Event, EventKind, Field, Op, Options, ReopenCheck, Writer};
use rotation_support::{child, fifo_reader, mkfifo, role};
use rustix::fs::Mode;
use rustix::io::Errno;

fn append(log: &mut Writer, n: u64) {
    log.append(&Event::new(EventKind::Renew).fields(&[Field::new("n", n)]))
        .expect("append");
}

fn line_count(path: &Path) -> usize {
    fs::read_to_string(path).expect("read").lines().count()
}

#[test]
fn symlink_at_the_log_path_is_refused_at_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    fs::write(&victim, "precious\n").expect("victim");
    symlink(&victim, dir.path().join("log")).expect("plant symlink");

    let err = Options::new()
        .open(dir.path().join("log"))
        .expect_err("a symlink is no log");
    assert_eq!(err.kind(), ErrorKind::Os(Errno::LOOP));
    assert_eq!(err.op(), Op::Open);
    let message = err.to_string();
    assert!(
        message.contains("refusing to follow a symbolic link"),
        "{message}"
    );
    assert!(message.contains("/log"), "{message}");
    assert_eq!(fs::read_to_string(&victim).expect("read"), "precious\n");
}

/// `ELOOP` from a loop of symbolic links among the directories is reported as an error of
/// the directory, by a writer and by `append_once` alike, and not as the refusal of a
/// symbolic link at the name, which `append_once` reports as `Writer::open` does.
#[test]
fn a_symlink_loop_in_the_directories_is_not_blamed_on_the_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let looped = dir.path().join("loop");
    symlink(&looped, &looped).expect("plant a loop");
    let in_loop = looped.join("log");
    let event = Event::new(EventKind::Join);
    for err in [
        Options::new().open(&in_loop).expect_err("no directory"),
        logwriter::append_once(&in_loop, &event).expect_err("no directory"),
    ] {
        assert_eq!(
            (err.kind(), err.op()),
            (ErrorKind::Os(Errno::LOOP), Op::OpenDir)
        );
        let message = err.to_string();
        assert!(message.starts_with("open directory of "), "{message}");
        assert!(!message.contains("refusing"), "{message}");
    }

    let victim = dir.path().join("victim");
    fs::write(&victim, "precious\n").expect("victim");
    let at_name = dir.path().join("log");
    symlink(&victim, &at_name).expect("plant symlink");
    let err = logwriter::append_once(&at_name, &event).expect_err("a symlink is no log");
    assert_eq!(
        (err.kind(), err.op()),
        (ErrorKind::Os(Errno::LOOP), Op::Open)
    );
    assert!(
        err.to_string()
            .contains("refusing to follow a symbolic link"),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&victim).expect("read"), "precious\n");
}

/// A writer that checks at every second append has its log renamed to `log.moved`, and
/// `plant` puts something else at the log's path; four appends follow, on another thread
/// (see [`without_waiting`]). Every line must go to the moved file, and both checks must
/// fail opening the path with `errno`.
fn lines_stay_in_the_moved_file_when(plant: impl FnOnce(&Path), errno: Errno) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, moved) = (dir.path().join("log"), dir.path().join("log.moved"));
    let mut log = Options::new()
        .no_rotation()
        .reopen_check(Some(ReopenCheck {
            appends: 2,
            interval: Duration::from_secs(3600),
        }))
        .open(&log_path)
        .expect("open");
    log.check_now();
    fs::rename(&log_path, &moved).expect("rename");
    plant(&log_path);
    let mut log = without_waiting(move || {
        for n in 0..4 {
            append(&mut log, n);
        }
        log
    });
    assert_eq!(line_count(&moved), 4);
    let stats = log.stats();
    assert_eq!(
        (stats.appends, stats.reopens, stats.housekeeping_errors),
        (4, 0, 2)
    );
    let err = log.take_housekeeping_error().expect("the failure is kept");
    assert_eq!((err.kind(), err.op()), (ErrorKind::Os(errno), Op::Open));
}

/// `rotate` follows the name first, so what was planted there after a rename fails the
/// open, with its own `errno`; it is not taken for the writer's own FIFO or device.
#[test]
fn rotate_refuses_what_was_planted_at_the_name_by_its_errno() {
    type Plant = fn(&Path);
    let plants: [(Plant, Errno); 3] = [
        (
            |log| symlink("victim", log).expect("plant symlink"),
            Errno::LOOP,
        ),
        (mkfifo, Errno::NXIO),
        (
            |log| fs::create_dir(log).expect("plant directory"),
            Errno::ISDIR,
        ),
    ];
    for (plant, errno) in plants {
        let dir = tempfile::tempdir().expect("tempdir");
        let log_path = dir.path().join("log");
        let mut log = Options::new().open(&log_path).expect("open");
        append(&mut log, 0);
        fs::rename(&log_path, dir.path().join("log.moved")).expect("rename");
        plant(&log_path);
        let err = without_waiting(move || log.rotate()).expect_err("nothing to rotate");
        assert_eq!(
            (err.kind(), err.op()),
            (ErrorKind::Os(errno), Op::Open),
            "{err}"
        );
        assert!(!dir.path().join("log.1").exists());
    }
}

/// A FIFO planted at the name after a rename, with a reader (the test's), so the writer's
/// open of it does not fail with `ENXIO`: `rotate` follows the name to it under the lock,
/// then refuses it as not a regular file, leaving it at the name rather than renaming it to
/// `log.1` (a regular file would take its place).
#[test]
fn rotate_refuses_a_fifo_it_followed_the_name_to() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (log_path, moved) = (dir.path().join("log"), dir.path().join("log.moved"));
    let mut log = Options::new().open(&log_path).expect("open");
    append(&mut log, 0);
    fs::rename(&log_path, &moved).expect("rename");
    mkfifo(&log_path);
    let _reader = fifo_reader(&log_path);
    let err = log.rotate().expect_err("a FIFO is not rotated");
    assert_eq!(
        (err.kind(), err.op()),
        (ErrorKind::NotRegularFile, Op::Rotate),
        "{err}"
    );
    assert!(fs::symlink_metadata(&log_path)
        .expect("lstat")
        .file_type()
        .is_fifo());
    assert!(!dir.path().join("log.1").exists());
    assert_eq!(line_count(&moved), 1);
    let stats = log.stats();
    assert_eq!((stats.reopens, stats.rotations), (1, 0), "{stats:?}");
}

#[test]
fn symlink_planted_after_a_rename_is_refused_at_the_reopen_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    fs::write(&victim, "").expect("victim");
    let target = victim.clone();
    lines_stay_in_the_moved_file_when(
        |log| symlink(&target, log).expect("plant symlink"),
        Errno::LOOP,
    );
    // Nothing through the link.
    assert_eq!(fs::read(&victim).expect("read").len(), 0);
}

#[test]
fn symlinks_in_the_series_are_renamed_not_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    fs::write(&victim, "precious\n").expect("victim");
    let mut log = Options::new()
        .max_files(3)
        .open(dir.path().join("log"))
        .expect("open");
    append(&mut log, 0);
    symlink(&victim, dir.path().join("log.1")).expect("plant backup symlink");
    log.rotate().expect("rotate");
    // The link itself moved to log.2; its target was neither written nor moved.
    assert!(fs::symlink_metadata(dir.path().join("log.2"))
        .expect("lstat")
        .file_type()
        .is_symlink());
    assert_eq!(line_count(&dir.path().join("log.1")), 1);
    // Dropped as the oldest: the link is removed, not its target.
    log.rotate().expect("rotate");
    log.rotate().expect("rotate");
    assert!(fs::symlink_metadata(dir.path().join("log.2")).is_ok());
    assert!(fs::symlink_metadata(dir.path().join("log.4")).is_err());
    assert_eq!(fs::read_to_string(&victim).expect("read"), "precious\n");
}

#[test]
fn symlink_at_the_lock_path_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let victim = dir.path().join("victim");
    fs::write(&victim, "precious\n").expect("victim");
    symlink(&victim, dir.path().join("log.lock")).expect("plant lock symlink");
    let mut log = Options::new().open(dir.path().join("log")).expect("open");
    append(&mut log, 0);
    let err = log.rotate().expect_err("the lock path is a link");
    assert_eq!(
        (err.kind(), err.op()),
        (ErrorKind::Os(Errno::LOOP), Op::OpenLock)
    );
    assert!(err.to_string().contains("log.lock"), "{err}");
    // Returned, so not counted as the failures of housekeeping nobody asked for are.
    assert_eq!(log.stats().housekeeping_errors, 0);
    assert!(log.take_housekeeping_error().is_none());
    assert_eq!(fs::read_to_string(&victim).expect("read"), "precious\n");
    assert!(!dir.path().join("log.1").exists());
}

/// Runs `f` on another thread and returns its result, failing if it has not returned
/// within a minute: what it tests is that it does not wait for ever.
fn without_waiting<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(f()));
    rx.recv_timeout(Duration::from_secs(60))
        .expect("still waiting after 60 s")
}

/// No one reads the FIFO: each check fails with `ENXIO` at once.
#[test]
fn fifo_planted_after_a_rename_is_not_waited_for_at_the_reopen_check() {
    lines_stay_in_the_moved_file_when(mkfifo, Errno::NXIO);
}

/// A FIFO with a reader, found at a reopen check: the writer moves to it without waiting
/// at the open, but its writes wait for room in the pipe, as a first open's would, rather
/// than fail with `EAGAIN`. The reader starts reading only once the writing thread waits
/// in `write(2)` (its `/proc/self/task/<tid>/syscall`).
#[test]
#[allow(clippy::naive_bytecount)] // 100 short lines
fn lines_to_a_fifo_found_at_a_reopen_check_wait_for_room() {
    const LINES: u64 = 100;
    let dir = tempfile::tempdir().expect("tempdir");
    let log_path = dir.path().join("log");
    let mut log = Options::new()
        .no_rotation()
        .reopen_check(Some(ReopenCheck {
            appends: 1,
            interval: Duration::from_secs(3600),
        }))
        .open(&log_path)
        .expect("open");
    fs::rename(&log_path, dir.path().join("log.moved")).expect("rename");
    mkfifo(&log_path);
    let reader = fifo_reader(&log_path);
    // About 1 KiB a line: 100 of them are more than the pipe holds (64 KiB).
    let pad = "x".repeat(1000);
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let writing = std::thread::spawn(move || {
        let me = fs::read_link("/proc/thread-self").expect("/proc/thread-self");
        tid_tx
            .send(me.file_name().expect("tid").to_owned())
            .expect("send tid");
        for n in 0..LINES {
            let fields = [Field::new("n", n), Field::new("pad", pad.as_str())];
            log.append(&Event::new(EventKind::Renew).fields(&fields))?;
        }
        Ok::<_, logwriter::Error>(log)
    });
    // x86_64 numbers `write` 1, i386 4, aarch64 64.
    let write_number = if cfg!(target_arch = "aarch64") {
        "64"
    } else if cfg!(target_arch = "x86") {
        "4"
    } else {
        "1"
    };
    let syscall = Path::new("/proc/self/task")
        .join(tid_rx.recv().expect("tid"))
        .join("syscall");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !writing.is_finished() {
        let call = fs::read_to_string(&syscall).unwrap_or_default();
        let queued = rustix::io::ioctl_fionread(&reader).expect("FIONREAD");
        if call.split_whitespace().next() == Some(write_number) && queued > 32 * 1024 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the writer never waited"
        );
        std::thread::yield_now();
    }
    let mut text = Vec::new();
    let mut buf = [0u8; 16384];
    while text.iter().filter(|&&b| b == b'\n').count() < usize::try_from(LINES).unwrap() {
        // Seen before the read: a writer that finished after it may have written more.
        let finished = writing.is_finished();
        match rustix::io::read(&reader, &mut buf) {
            Ok(0) => break,
            Ok(n) => text.extend_from_slice(&buf[..n]),
            Err(Errno::AGAIN) if finished => break,
            Err(Errno::AGAIN) => std::thread::yield_now(),
            Err(errno) => panic!("read: {errno}"),
        }
        assert!(std::time::Instant::now() < deadline, "lines still missing");
    }
    let log = writing
        .join()
        .expect("join")
        .expect("every append waits for room");
    assert_eq!(log.stats().reopens, 1);
    assert_eq!(
        text.iter().filter(|&&b| b == b'\n').count(),
        usize::try_from(LINES).unwrap()
    );
}

#[test]
fn fifo_at_the_lock_path_is_locked_without_waiting() {
    let dir = tempfile::tempdir().expect("tempdir");
    mkfifo(&dir.path().join("log.lock"));
    let mut log = Options::new().open(dir.path().join("log")).expect("open");
    append(&mut log, 0);
    let rotated = without_waiting(move || log.rotate());
    rotated.expect("rotate, locking the FIFO");
    assert_eq!(line_count(&dir.path().join("log.1")), 1);
    assert!(fs::symlink_metadata(dir.path().join("log.lock"))
        .expect("lstat")
        .file_type()
        .is_fifo());
}

#[test]
fn directory_replaced_by_a_symlink_after_open_is_not_followed() {
    let top = tempfile::tempdir().expect("tempdir");
    let (logs, moved, elsewhere) = (
        top.path().join("logs"),
        top.path().join("logs.moved"),
        top.path().join("elsewhere"),
    );
    fs::create_dir(&elsewhere).expect("elsewhere");
    let mut log = Options::new().open(logs.join("log")).expect("open");
    append(&mut log, 0);
    fs::rename(&logs, &moved).expect("move the directory");
    symlink(&elsewhere, &logs).expect("plant directory symlink");
    log.rotate().expect("rotate");
    append(&mut log, 1);
    // Rotation and the new file stayed in the directory opened at first.
    assert_eq!(line_count(&moved.join("log.1")), 1);
    assert_eq!(line_count(&moved.join("log")), 1);
    assert_eq!(fs::read_dir(&elsewhere).expect("read dir").count(), 0);
}

/// The descriptors under `dir` this process holds, with their `/proc/self/fdinfo` flags.
fn descriptors_under(dir: &Path) -> Vec<(String, u32)> {
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc/self/fd").expect("/proc/self/fd") {
        let entry = entry.expect("entry");
        let Ok(target) = fs::read_link(entry.path()) else {
            continue;
        };
        if !target.starts_with(dir) {
            continue;
        }
        let fd = entry.file_name().into_string().expect("fd number");
        let info = fs::read_to_string(format!("/proc/self/fdinfo/{fd}")).unwrap_or_default();
        let flags = info
            .lines()
            .find_map(|line| line.strip_prefix("flags:"))
            .and_then(|octal| u32::from_str_radix(octal.trim(), 8).ok())
            .unwrap_or(0);
        found.push((target.display().to_string(), flags));
    }
    found
}

#[test]
fn every_descriptor_is_close_on_exec() {
    const O_CLOEXEC: u32 = 0o2_000_000;
    const O_NOFOLLOW: u32 = 0o400_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let dir_path = dir.path().canonicalize().expect("canonical");
    let mut log = Options::new().open(dir_path.join("log")).expect("open");
    append(&mut log, 0);
    log.rotate().expect("rotate: opens the lock file too");
    append(&mut log, 1);

    let held = descriptors_under(&dir_path);
    // The directory and the log. The lock file is closed after each rotation: a child
    // forked later must not share it, for `flock(2)` does not exclude two holders of one
    // open file, and the two processes could then rotate at once.
    assert_eq!(held.len(), 2, "{held:?}");
    for (path, flags) in &held {
        assert_ne!(flags & O_CLOEXEC, 0, "{path} is inherited by children");
        if !path.ends_with("logs") && path.contains("/log") {
            assert_ne!(flags & O_NOFOLLOW, 0, "{path} opened without O_NOFOLLOW");
        }
    }
    // And a program started now sees none of them.
    let out = Command::new("sh")
        .arg("-c")
        .arg("for f in /proc/$$/fd/*; do readlink \"$f\"; done")
        .output()
        .expect("run sh");
    let listing = String::from_utf8_lossy(&out.stdout);
    // The listing is real: it shows the pipe the child writes it to.
    assert!(listing.contains("pipe:"), "{listing}");
    assert!(
        !listing.contains(dir_path.to_str().expect("utf-8")),
        "inherited: {listing}"
    );
    drop(log);
}

/// Child side of the mode test: the umask is process-wide, so it is set in a child.
fn mode_child() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mode_of = |name: &str| {
        fs::metadata(dir.path().join(name))
            .expect("stat")
            .permissions()
            .mode()
            & 0o7777
    };
    rustix::process::umask(Mode::from_raw_mode(0o022));
    let mut log = Options::new()
        .open(dir.path().join("default"))
        .expect("open");
    append(&mut log, 0);
    log.rotate().expect("rotate");
    assert_eq!(mode_of("default"), 0o644);
    assert_eq!(mode_of("default.1"), 0o644);
    assert_eq!(mode_of("default.lock"), 0o644);

    rustix::process::umask(Mode::from_raw_mode(0o027));
    let mut log = Options::new()
        .mode(0o666)
        .open(dir.path().join("shared"))
        .expect("open");
    append(&mut log, 0);
    log.rotate().expect("rotate");
    assert_eq!(mode_of("shared"), 0o640, "0o666 less umask 0o027");
    assert_eq!(mode_of("shared.lock"), 0o640);

    // A log no one may read: its lock file may be read by those who may write the log.
    let mut log = Options::new()
        .mode(0o220)
        .open(dir.path().join("drop"))
        .expect("open");
    append(&mut log, 0);
    log.rotate().expect("rotate");
    assert_eq!(mode_of("drop"), 0o200, "0o220 less umask 0o027");
    assert_eq!(mode_of("drop.lock"), 0o640, "0o660 less umask 0o027");

    Options::new()
        .mode(0o600)
        .open(dir.path().join("private"))
        .expect("open");
    assert_eq!(mode_of("private"), 0o600);
    // An existing file keeps its mode.
    fs::set_permissions(
        dir.path().join("private"),
        fs::Permissions::from_mode(0o604),
    )
    .expect("chmod");
    Options::new()
        .mode(0o600)
        .open(dir.path().join("private"))
        .expect("reopen");
    assert_eq!(mode_of("private"), 0o604);

    // With no umask, the default modes show whole: 0o644 for a writer's file and for
    // `append_once`'s; permission bits are taken whole, and no other bit at all.
    rustix::process::umask(Mode::empty());
    Options::new().open(dir.path().join("bare")).expect("open");
    assert_eq!(mode_of("bare"), 0o644);
    logwriter::append_once(dir.path().join("once"), &Event::new(EventKind::Join))
        .expect("append_once");
    assert_eq!(mode_of("once"), 0o644);
    Options::new()
        .mode(0o777)
        .open(dir.path().join("open"))
        .expect("every permission bit");
    assert_eq!(mode_of("open"), 0o777);
    for special in [0o1640, 0o2640, 0o4640, 0o10_640] {
        let err = Options::new()
            .mode(special)
            .open(dir.path().join("special"))
            .expect_err("only permission bits");
        assert!(
            matches!(err.kind(), ErrorKind::InvalidOption(_)),
            "{special:o}: {err}"
        );
        assert_eq!(err.op(), Op::Configure);
        assert!(!dir.path().join("special").exists(), "{special:o}");
    }
    println!("mode-child-done");
}

/// Child side of the relative-path test: the working directory is process-wide.
fn relative_child() {
    let check = ReopenCheck {
        appends: 1,
        interval: Duration::from_secs(3600),
    };
    let mut log = Options::new()
        .reopen_check(Some(check))
        .open("logs/log")
        .expect("open");
    append(&mut log, 0);
    fs::remove_dir_all("logs").expect("delete the log's directory");
    // Not made again at a relative path: each check fails, and the lines, which would go
    // to the deleted file, are refused with its error and counted lost.
    for n in 1..3 {
        let err = log
            .append(&Event::new(EventKind::Renew).fields(&[Field::new("n", n)]))
            .expect_err("a line for a deleted file");
        assert_eq!(
            (err.op(), err.raw_os_error()),
            (Op::Open, Some(rustix::io::Errno::NOENT.raw_os_error())),
            "{err}"
        );
    }
    assert!(!Path::new("logs").exists());
    let stats = log.stats();
    assert_eq!(
        (stats.appends, stats.reopens, stats.failed),
        (1, 0, 2),
        "{stats:?}"
    );
    assert_eq!(stats.housekeeping_errors, 2, "{stats:?}");
    let err = log.take_housekeeping_error().expect("the failed check");
    assert_eq!(err.op(), Op::Open, "{err}");
    // A directory at the path again: still not followed, the writer stays refusing.
    fs::create_dir("logs").expect("mkdir");
    assert!(log.append(&Event::new(EventKind::Renew)).is_err());
    println!("relative-child-done");
}

#[test]
fn a_deleted_directory_at_a_relative_path_is_not_made_again() {
    if role().as_deref() == Some("relative") {
        return relative_child();
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = child(
        "a_deleted_directory_at_a_relative_path_is_not_made_again",
        "relative",
    )
    .current_dir(dir.path())
    .output()
    .expect("run child");
    rotation_support::assert_child_done(&out, "relative-child-done");
}

/// The lock file is never written, so its modification time stays that of its creation:
/// an age-based cleanup of lock files would take it (the README warns against that).
#[test]
fn the_lock_files_modification_time_never_changes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut log = Options::new()
        .max_files(2)
        .open(dir.path().join("log"))
        .expect("open");
    append(&mut log, 0);
    log.rotate().expect("rotate");
    let lock = dir.path().join("log.lock");
    let modified = || {
        fs::metadata(&lock)
            .expect("stat lock")
            .modified()
            .expect("mtime")
    };
    // A time well before any the clock reads now, so that a write to the lock file shows
    // however coarse the filesystem's timestamps are.
    let made = std::time::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    fs::File::options()
        .write(true)
        .open(&lock)
        .expect("open lock")
        .set_modified(made)
        .expect("set the lock's mtime");
    assert_eq!(modified(), made);
    for n in 1..6 {
        append(&mut log, n);
        log.rotate().expect("rotate");
    }
    assert_eq!(modified(), made);
    assert_eq!(fs::metadata(&lock).expect("stat lock").len(), 0);
}

#[test]
fn file_mode_is_configurable_and_the_umask_respected() {
    if role().as_deref() == Some("mode") {
        return mode_child();
    }
    let out = child("file_mode_is_configurable_and_the_umask_respected", "mode")
        .output()
        .expect("run child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("mode-child-done"),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Child side of the relative-path rotation test: the working directory is process-wide.
fn relative_rotation_child() {
    let mut log = Options::new()
        .max_size(1)
        .max_files(2)
        .reopen_check(None)
        .open("logs/log")
        .expect("open");
    append(&mut log, 0);
    fs::remove_dir_all("logs").expect("delete the log's directory");
    // The next line is due to rotate. The lock file cannot be opened in the deleted
    // directory, and a relative path is not made again for it either (the working
    // directory may not be the one at the open): the rotation fails, and the line goes
    // to the file the writer holds, as after any failed rotation without reopen checks.
    append(&mut log, 1);
    assert!(!Path::new("logs").exists(), "the directory was made again");
    let stats = log.stats();
    assert_eq!(
        (
            stats.appends,
            stats.rotations,
            stats.reopens,
            stats.housekeeping_errors
        ),
        (2, 0, 0, 1),
        "{stats:?}"
    );
    let err = log.take_housekeeping_error().expect("the failed rotation");
    assert_eq!(
        (err.op(), err.raw_os_error()),
        (Op::OpenLock, Some(Errno::NOENT.raw_os_error())),
        "{err}"
    );
    println!("relative-rotation-child-done");
}

/// A rotation that finds the directory of a log opened by a relative path deleted does not
/// make it again to hold the lock file, as a reopen check does not make it again for the log.
#[test]
fn a_rotation_does_not_make_a_deleted_directory_at_a_relative_path_again() {
    if role().as_deref() == Some("relative-rotation") {
        return relative_rotation_child();
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = child(
        "a_rotation_does_not_make_a_deleted_directory_at_a_relative_path_again",
        "relative-rotation",
    )
    .current_dir(dir.path())
    .output()
    .expect("run child");
    rotation_support::assert_child_done(&out, "relative-rotation-child-done");
    assert!(!dir.path().join("logs").exists());
}
