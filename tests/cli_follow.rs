//! `logwriter show -f`: every line exactly once, in order per writer, across rotations by
//! this crate (in this process and in others), truncation, and logrotate's `create` mode.
//!
//! The follower stops by `--exit-after-lines`; `--exit-on-idle` only bounds a failing run.
//! The tests wait for its output, never for a guessed time.
// Test data reads best as format! per line, collected.
#![allow(clippy::format_collect)]
// Line counts in these tests are in the thousands.
#![allow(clippy::cast_possible_truncation)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use timing::until_timed;

use logwriter::{append_once, Event, EventKind, Field, Options};

mod rotation_support;
mod sleeping;
mod timing;
mod unprivileged;

const BIN: &str = env!("CARGO_BIN_EXE_logwriter");

struct Follower {
    child: Child,
    lines: mpsc::Receiver<String>,
}

/// A test that fails, or ends before its follower does, leaves no follower behind: one that
/// polls once an hour would otherwise run on for that long.
impl Drop for Follower {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Follower {
    fn start(log: &Path, total: usize, poll: &str) -> Follower {
        let total = total.to_string();
        Follower::start_with(
            log,
            &["--exit-on-idle", "10s", "--exit-after-lines", &total],
            poll,
        )
    }

    /// A follower with `args` besides `-f --json --poll-interval POLL`.
    fn start_with(log: &Path, args: &[&str], poll: &str) -> Follower {
        let mut command = Command::new(unprivileged::program(BIN));
        command
            .args(["show", "-f", "--json", "--poll-interval", poll])
            .args(args)
            .arg(log);
        Follower::run(command)
    }

    /// Runs `command`, a follower (or a program that runs one), reading its lines.
    fn run(mut command: Command) -> Follower {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start follower");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        Follower { child, lines: rx }
    }

    /// Waits until the follower sleeps between two polls (its system call, in
    /// `/proc/<pid>/syscall`, is `nanosleep` or `clock_nanosleep`): it has read what there
    /// was, and looks again only when the poll interval has passed.
    fn wait_until_polling(&self) {
        assert!(
            sleeping::wait_until_sleeping(self.child.id()),
            "the follower ended"
        );
    }

    /// Waits until the follower holds no file whose name `held` picks (its descriptors, in
    /// `/proc/<pid>/fd`): it has let the file go.
    fn wait_until_let_go(&self, what: &str, held: impl Fn(&std::ffi::OsStr) -> bool) {
        self.wait_until_holds(false, &format!("the follower kept {what} open"), held);
    }

    /// Waits until the follower holds a file whose name `held` picks: it has opened it.
    fn wait_until_opened(&self, what: &str, held: impl Fn(&std::ffi::OsStr) -> bool) {
        self.wait_until_holds(true, &format!("the follower never opened {what}"), held);
    }

    /// Waits until whether the follower holds a file whose name `held` picks is `holding`,
    /// for at most 60 s, then fails with `failure`.
    fn wait_until_holds(
        &self,
        holding: bool,
        failure: &str,
        held: impl Fn(&std::ffi::OsStr) -> bool,
    ) {
        let fd_dir = format!("/proc/{}/fd", self.child.id());
        let holds = || {
            std::fs::read_dir(&fd_dir).unwrap().any(|fd| {
                std::fs::read_link(fd.unwrap().path())
                    .is_ok_and(|target| target.file_name().is_some_and(&held))
            })
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while holds() != holding {
            assert!(Instant::now() < deadline, "{failure}");
            std::thread::yield_now();
        }
    }

    /// Ends a follower whose test cannot go on.
    fn kill(mut self) {
        self.stop();
    }

    /// Ends the follower's process, for a test that cannot go on.
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the follower to exit; its status and what it wrote to stderr.
    fn exit(&mut self) -> (std::process::ExitStatus, String) {
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut stderr).unwrap();
        }
        (self.child.wait().unwrap(), stderr)
    }

    /// Ends a follower started in a process group of its own, with every process in it (a
    /// tracer killed alone would leave the follower it traces running).
    fn kill_group(self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        self.kill();
    }

    /// The next line printed (the follower has then opened the log and read to its end).
    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the follower printed a line")
    }

    /// Every further line, once the follower has exited successfully with nothing on
    /// stderr. A follower that prints nothing for 60 s is killed and the test fails
    /// (`--exit-on-idle` cannot end one that waits for a lock).
    fn finish(self) -> Vec<String> {
        self.finish_warned(0..=0)
    }

    /// As [`Follower::finish`], where the file followed leaves the series: stderr holds
    /// the warning that rows may be missing, a number of times within `times`, and nothing
    /// else.
    fn finish_warned(mut self, times: std::ops::RangeInclusive<usize>) -> Vec<String> {
        let mut rest = Vec::new();
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => rest.push(line),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("the follower printed nothing for 60 s after {rest:?}");
                }
            }
        }
        let (status, stderr) = self.exit();
        assert!(status.success(), "{status}: {stderr}");
        let warned = stderr
            .lines()
            .filter(|line| {
                line.starts_with("logwriter: warning: ")
                    && line.contains(": the file being followed left the series between two polls")
                    && line.ends_with(
                        "may be missing (a shorter --poll-interval, or more backups, keeps up)",
                    )
            })
            .count();
        assert!(
            times.contains(&warned) && warned == stderr.lines().count(),
            "{warned} warnings, {times:?} expected: {stderr}"
        );
        rest
    }
}

/// The lines as the follower printed them, each with its `\n`.
fn with_newlines(lines: Vec<String>) -> Vec<String> {
    lines.into_iter().map(|line| line + "\n").collect()
}

/// `(slot, seq)` of each printed row.
fn ids(lines: &[String]) -> Vec<(String, u64)> {
    lines
        .iter()
        .map(|line| {
            let row: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}"));
            (
                row["slot"].as_str().unwrap_or_default().to_owned(),
                row["seq"].as_u64().expect("seq"),
            )
        })
        .collect()
}

/// Each writer's sequence numbers, in the order printed.
fn per_writer(ids: &[(String, u64)], slot: &str) -> Vec<u64> {
    ids.iter()
        .filter(|(s, _)| s == slot)
        .map(|&(_, seq)| seq)
        .collect()
}

/// Asserts that `got` is exactly `0..count`, describing the difference briefly if not.
fn assert_exactly_once_in_order(got: &[u64], count: u64, writer: &str) {
    if got.iter().copied().eq(0..count) {
        return;
    }
    let mut seen = vec![0u32; count as usize];
    for &seq in got {
        if let Some(n) = seen.get_mut(seq as usize) {
            *n += 1;
        }
    }
    let missing: Vec<u64> = (0..count).filter(|&s| seen[s as usize] == 0).collect();
    let repeated: Vec<u64> = (0..count).filter(|&s| seen[s as usize] > 1).collect();
    let first_disorder = got.windows(2).position(|w| w[1] <= w[0]);
    panic!(
        "{writer}: {} lines for {count}; {} missing (first {:?}), {} repeated (first {:?}), first out of order at index {first_disorder:?}",
        got.len(),
        missing.len(),
        &missing[..missing.len().min(10)],
        repeated.len(),
        &repeated[..repeated.len().min(10)],
    );
}

/// Empties the file at `path` in place, as copytruncate does after its copy.
fn truncate(path: &Path) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(0)
        .unwrap();
}

/// Appends `text` to the file at `path`, as a program other than this crate's writers would.
fn append_text(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
}

fn row(slot: &str, seq: u64, padding: &str) -> String {
    format!("{{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"slot\":\"{slot}\",\"seq\":{seq},\"pad\":\"{padding}\"}}\n")
}

#[test]
fn follows_rotations_by_a_writer_in_another_thread() {
    const TOTAL: u64 = 3000;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let mut writer = Options::new()
        .max_size(2048)
        .max_files(1000)
        .open(&log)
        .unwrap();
    let append = |writer: &mut logwriter::Writer, seq: u64| {
        let fields = [Field::new("seq", seq)];
        writer
            .append(&Event::new(EventKind::Renew).slot("w").fields(&fields))
            .unwrap();
    };
    append(&mut writer, 0);
    let follower = Follower::start(&log, TOTAL as usize, "100ms");
    let first = follower.next_line();
    let thread = std::thread::spawn(move || {
        for seq in 1..TOTAL {
            append(&mut writer, seq);
        }
        writer.stats().rotations
    });
    let mut lines = vec![first];
    lines.extend(follower.finish());
    let rotations = thread.join().unwrap();
    assert!(rotations > 100, "only {rotations} rotations");
    assert!(dir.path().join("log.100").exists());
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "w"), TOTAL, "w");
}

#[test]
fn follows_rotations_by_other_processes() {
    const PER_WRITER: u64 = 60;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, row("start", 0, "")).unwrap();
    let follower = Follower::start(&log, 1 + 2 * PER_WRITER as usize, "20ms");
    assert_eq!(ids(&[follower.next_line()]), [("start".to_owned(), 0)]);
    let writers: Vec<_> = ["w1", "w2"]
        .into_iter()
        .map(|slot| {
            let log = log.clone();
            std::thread::spawn(move || {
                for seq in 0..PER_WRITER {
                    let out = Command::new(BIN)
                        .arg("append")
                        .arg(&log)
                        .args([
                            "--event",
                            "renew",
                            "--slot",
                            slot,
                            "--max-size",
                            "800",
                            "--max-files",
                            "500",
                        ])
                        .arg(format!("seq:={seq}"))
                        .output()
                        .unwrap();
                    assert!(out.status.success(), "{out:?}");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let lines = follower.finish();
    let ids = ids(&lines);
    assert_eq!(ids.len(), 2 * PER_WRITER as usize);
    for slot in ["w1", "w2"] {
        assert_exactly_once_in_order(&per_writer(&ids, slot), PER_WRITER, slot);
    }
    assert!(
        dir.path().join("log.10").exists(),
        "the writers rotated many times"
    );
}

/// A follower of a log reached through a symbolic link finds the files rotated between two
/// polls beside the log, where its writers make them, not beside the link.
#[test]
fn follows_rotations_of_a_log_reached_through_a_link() {
    const TOTAL: u64 = 1000;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    let log = dir.path().join("b/log");
    let mut writer = Options::new()
        .max_size(1024)
        .max_files(1000)
        .open(&log)
        .unwrap();
    let link = dir.path().join("a/current");
    std::os::unix::fs::symlink("../b/log", &link).unwrap();
    append_seq(&mut writer, 0);
    let follower = Follower::start(&link, TOTAL as usize, "100ms");
    let first = follower.next_line();
    // Many rotations between two polls.
    for seq in 1..TOTAL {
        append_seq(&mut writer, seq);
    }
    assert!(writer.stats().rotations > 50);
    let mut lines = vec![first];
    lines.extend(follower.finish());
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "w"), TOTAL, "w");
}

#[test]
fn follows_truncation_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let pad = "x".repeat(200);
    let text: String = (0..3).map(|seq| row("t", seq, &pad)).collect();
    std::fs::write(&log, text).unwrap();
    let follower = Follower::start(&log, 6, "20ms");
    let mut lines: Vec<String> = (0..3).map(|_| follower.next_line()).collect();
    // copytruncate: the file is emptied in place, then written again from offset 0.
    let file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    file.set_len(0).unwrap();
    std::fs::write(&log, row("t", 3, "")).unwrap();
    lines.push(follower.next_line());
    for seq in 4..6 {
        append_text(&log, &row("t", seq, ""));
    }
    lines.extend(follower.finish());
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "t"), 6, "t");
}

/// Rotations in quick succession by a program that does not take the lock (every backup
/// shifted up by one, then the log renamed to `log.1` and made again, nothing dropped),
/// while the follower polls every millisecond: files move under its search, and every
/// line must still be shown once. Not always in order: rotations faster than the search
/// can show a newer file first (README, limits of `show -f`; about 1 run in 17 here).
#[test]
fn follows_quick_rotations_made_without_the_lock() {
    const TOTAL: u64 = 4000;
    const EVERY: u64 = 50;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let backup = |n: u64| dir.path().join(format!("log.{n}"));
    let open = || {
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(&log)
            .unwrap()
    };
    let mut file = open();
    std::io::Write::write_all(&mut file, row("q", 0, "").as_bytes()).unwrap();
    let follower = Follower::start(&log, TOTAL as usize, "1ms");
    let mut lines = vec![follower.next_line()];
    let mut backups = 0;
    for seq in 1..TOTAL {
        std::io::Write::write_all(&mut file, row("q", seq, "").as_bytes()).unwrap();
        if seq % EVERY == 0 {
            for n in (1..=backups).rev() {
                std::fs::rename(backup(n), backup(n + 1)).unwrap();
            }
            std::fs::rename(&log, backup(1)).unwrap();
            backups += 1;
            file = open();
        }
    }
    lines.extend(follower.finish());
    let mut shown = per_writer(&ids(&lines), "q");
    shown.sort_unstable();
    assert_exactly_once_in_order(&shown, TOTAL, "q");
}

#[test]
fn follows_logrotate_create() {
    follows_logrotate("create 0644");
}

/// With `nocreate`, logrotate only renames, and the next append makes the new log.
#[test]
fn follows_logrotate_nocreate() {
    follows_logrotate("nocreate");
}

/// Rounds of appends, each ended by `logrotate -f` with `directive` (how the new log is
/// made), under a follower that must show every line once, in order.
fn follows_logrotate(directive: &str) {
    const ROUNDS: u64 = 8;
    const PER_ROUND: u64 = 25;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let conf = dir.path().join("logrotate.conf");
    let state = dir.path().join("logrotate.state");
    std::fs::write(
        &conf,
        format!(
            "{} {{\n    rotate 100\n    {directive}\n    missingok\n    nocompress\n}}\n",
            log.display()
        ),
    )
    .unwrap();
    let append = |slot: &str, seq: u64| {
        let fields = [Field::new("seq", seq)];
        append_once(
            &log,
            &Event::new(EventKind::Commit).slot(slot).fields(&fields),
        )
        .unwrap();
    };
    append("a", 0);
    // A writer that opened the log before a rotation and appends after it, so its line
    // lands in the renamed file: the follower reads that file to its end and for a while
    // after (`ROTATE_WAIT`, 2 s). Each round has its own late writer, appending right after
    // its rotation, so the test does not depend on how fast the rounds go.
    let open_late = || {
        Options::new()
            .no_rotation()
            .reopen_check(None)
            .open(&log)
            .unwrap()
    };
    let total = 1 + ROUNDS * PER_ROUND + ROUNDS;
    let follower = Follower::start(&log, total as usize, "20ms");
    let mut lines = vec![follower.next_line()];
    let mut seq = 1;
    for round in 0..ROUNDS {
        let mut late = open_late();
        for _ in 0..PER_ROUND {
            append("a", seq);
            seq += 1;
        }
        let out = Command::new("logrotate")
            .arg("-f")
            .arg("-s")
            .arg(&state)
            .arg(&conf)
            .output()
            .expect("logrotate (Debian package logrotate)");
        assert!(out.status.success(), "{out:?}");
        let fields = [Field::new("seq", round)];
        late.append(&Event::new(EventKind::Commit).slot("late").fields(&fields))
            .unwrap();
    }
    lines.extend(follower.finish());
    let ids = ids(&lines);
    assert_exactly_once_in_order(&per_writer(&ids, "a"), seq, "a");
    assert_exactly_once_in_order(&per_writer(&ids, "late"), ROUNDS, "late");
    assert_eq!(ids.len() as u64, total);
    assert!(
        dir.path().join(format!("log.{ROUNDS}")).exists(),
        "logrotate rotated each round"
    );
}

/// Appends line `seq` of slot `w` with `writer`.
fn append_seq(writer: &mut logwriter::Writer, seq: u64) {
    let fields = [Field::new("seq", seq)];
    writer
        .append(&Event::new(EventKind::Renew).slot("w").fields(&fields))
        .unwrap();
}

/// More rotations between two polls than there are backups: the file followed is dropped,
/// and the backups made meanwhile, still there, are read, oldest first. (If the follower
/// polls in between, it takes the usual path; every line must be shown once either way.)
#[test]
fn follows_when_the_file_followed_is_dropped_between_two_polls() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    // Every append rotates: each line is a file of its own, 3 backups kept.
    let mut writer = Options::new().max_size(1).max_files(3).open(&log).unwrap();
    append_seq(&mut writer, 0);
    let follower = Follower::start(&log, 5, "2s");
    let first = follower.next_line();
    follower.wait_until_polling();
    for seq in 1..5 {
        append_seq(&mut writer, seq);
    }
    assert_eq!(writer.stats().rotations, 4, "the first file was dropped");
    let mut lines = vec![first];
    // Warned, unless it polled in between.
    lines.extend(follower.finish_warned(0..=1));
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "w"), 5, "w");
}

/// The follower holds the series lock from its search of the series to the opening of the
/// files it found there: a rotation in between would drop the oldest of them unread. The
/// follower runs under `strace`, which delays each of its `flock` calls by 300 ms as a
/// loaded machine might, and records its `statx` calls; the writer rotates again as soon as
/// the follower's search has found that the file it followed left the series (it stats
/// `log.5`, past the 3 backups). Before the fix, the follower released the lock to search
/// again, and that rotation dropped the line after the first.
#[test]
fn files_found_under_the_lock_are_read_before_it_is_released() {
    if !rotation_support::strace_usable() {
        return;
    }
    until_timed(
        "the follower's search came after the four rotations",
        || {
            let dir = tempfile::tempdir().unwrap();
            let (log, trace) = (dir.path().join("log"), dir.path().join("trace"));
            // Every append rotates: each line is a file of its own, 3 backups kept.
            let mut writer = Options::new().max_size(1).max_files(3).open(&log).unwrap();
            append_seq(&mut writer, 0);
            let mut command = Command::new("strace");
            command
                .arg("-o")
                .arg(&trace)
                .args([
                    "-e",
                    "trace=flock,statx",
                    "-e",
                    "inject=flock:delay_enter=300000",
                ])
                .args([BIN, "show", "-f", "--json", "--poll-interval", "1s"])
                .args(["--exit-on-idle", "10s", "--exit-after-lines", "6"])
                .arg(&log)
                .process_group(0);
            let follower = Follower::run(command);
            let mut lines = vec![follower.next_line()];
            let appending = Instant::now();
            for seq in 1..5 {
                append_seq(&mut writer, seq);
            }
            let appended = appending.elapsed();
            // Four rotations: the file followed was dropped, unless the follower polled among
            // them (then this round proves nothing).
            let past_backups = format!("\"{}.5\"", log.display());
            let deadline = Instant::now() + Duration::from_secs(10);
            let searched = loop {
                let text = std::fs::read_to_string(&trace).unwrap_or_default();
                if text
                    .lines()
                    .any(|l| l.contains(&past_backups) && l.contains("ENOENT"))
                {
                    break true;
                }
                if Instant::now() > deadline {
                    break false;
                }
                std::thread::yield_now();
            };
            if !searched || appended > Duration::from_millis(500) {
                follower.kill_group();
                return false;
            }
            // Waits for the follower's lock, then drops the oldest backup.
            append_seq(&mut writer, 5);
            lines.extend(follower.finish_warned(1..=1));
            assert_exactly_once_in_order(&per_writer(&ids(&lines), "w"), 6, "w");
            true
        },
    );
}

/// The directory `<dir>/drop`, its log, and a writer whose every append rotates (each line
/// a file of its own), which has appended the line of `seq` 0.
fn rotating_in_drop(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, logwriter::Writer) {
    let drop = dir.join("drop");
    std::fs::create_dir(&drop).unwrap();
    let log = drop.join("log");
    let mut writer = Options::new().max_size(1).max_files(3).open(&log).unwrap();
    append_seq(&mut writer, 0);
    (drop, log, writer)
}

/// In a directory that may be searched but not listed (mode 0300 for its owner, who
/// writes the log and follows it), the follower cannot see the backups; it follows the log
/// from file to file by its name. As root, runs as `nobody` (see `unprivileged`).
#[test]
fn follows_a_log_in_a_directory_that_cannot_be_listed() {
    use std::os::unix::fs::PermissionsExt;
    if !unprivileged::permissions_apply(&[BIN]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (drop, log, mut writer) = rotating_in_drop(dir.path());
    std::fs::set_permissions(&drop, std::fs::Permissions::from_mode(0o300)).unwrap();
    assert!(std::fs::read_dir(&drop).is_err(), "permission bits apply");
    let follower = Follower::start(&log, 6, "20ms");
    let mut lines = vec![follower.next_line()];
    // One rotation at a time, each line shown before the next rotation.
    for seq in 1..6 {
        append_seq(&mut writer, seq);
        let line = follower.next_line();
        assert_eq!(ids(std::slice::from_ref(&line)), [("w".to_owned(), seq)]);
        lines.push(line);
    }
    assert_eq!(writer.stats().rotations, 5);
    lines.extend(follower.finish());
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "w"), 6, "w");
}

/// A directory made unreadable for a while does not end the follower: it warns once, and
/// when the directory may be searched again it finds the files rotated in meanwhile, as
/// `tail -F` does. As root, runs as `nobody` (see `unprivileged`).
#[test]
fn a_directory_unreadable_for_a_while_is_waited_out() {
    use std::os::unix::fs::PermissionsExt;
    if !unprivileged::permissions_apply(&[BIN]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (drop, log, mut writer) = rotating_in_drop(dir.path());
    let (child, stdout, stderr) = follower_with_warnings(&log, "3");
    let next = |rx: &mpsc::Receiver<String>| rx.recv_timeout(Duration::from_secs(60));
    let mut shown = vec![next(&stdout).expect("the first row")];

    std::fs::set_permissions(&drop, std::fs::Permissions::from_mode(0o000)).unwrap();
    let warning = next(&stderr).expect("a warning, not an exit");
    assert_eq!(
        warning,
        format!(
            "logwriter: warning: follow {}: Permission denied (os error 13); the files already open are read on, and the search is made again at each poll",
            log.display()
        )
    );
    std::fs::set_permissions(&drop, std::fs::Permissions::from_mode(0o755)).unwrap();
    append_seq(&mut writer, 1);
    append_seq(&mut writer, 2);
    shown.push(next(&stdout).expect("the row rotated in after"));
    shown.push(next(&stdout).expect("and the next"));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    // The pipe's end: the follower has exited.
    assert_eq!(
        stderr.iter().collect::<Vec<_>>(),
        Vec::<String>::new(),
        "one warning only"
    );
    assert_exactly_once_in_order(&per_writer(&ids(&shown), "w"), 3, "w");
}

/// A follower of `log` that ends after `rows` rows, with its standard output and its
/// warnings on standard error read line by line as they come.
fn follower_with_warnings(
    log: &Path,
    rows: &str,
) -> (Child, mpsc::Receiver<String>, mpsc::Receiver<String>) {
    let mut child = Command::new(unprivileged::program(BIN))
        .args(["show", "-f", "--json", "--poll-interval", "20ms"])
        .args(["--exit-on-idle", "10s", "--exit-after-lines", rows])
        .arg(log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = line_channel(Box::new(child.stdout.take().unwrap()));
    let stderr = line_channel(Box::new(child.stderr.take().unwrap()));
    (child, stdout, stderr)
}

/// The lines read from `pipe`, one by one, by a thread of their own.
fn line_channel(pipe: Box<dyn std::io::Read + Send>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    rx
}

/// A file put for a while where the directory of the log was is waited out as a
/// permission refused is: one warning, and the log made again in the directory made again
/// is followed. (The follower ended with `ENOTDIR`.)
#[test]
fn a_file_in_place_of_the_logs_directory_is_waited_out() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    let log = sub.join("log");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(&log, row("l", 0, "")).unwrap();
    let (child, stdout, stderr) = follower_with_warnings(&log, "2");
    let next = |rx: &mpsc::Receiver<String>| rx.recv_timeout(Duration::from_secs(60));
    let mut shown = vec![next(&stdout).expect("the first row")];
    std::fs::rename(&sub, dir.path().join("sub.old")).unwrap();
    std::fs::write(&sub, "a file").unwrap();
    let warning = next(&stderr).expect("a warning, not an exit");
    assert!(
        warning.contains("Not a directory (os error 20); the files already open are read on"),
        "{warning}"
    );
    std::fs::remove_file(&sub).unwrap();
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(&log, row("l", 1, "")).unwrap();
    shown.push(next(&stdout).expect("the row of the log made again"));
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_exactly_once_in_order(&per_writer(&ids(&shown), "l"), 2, "l");
}

/// A follower started just after a rotation (made the way logrotate's `nocreate` makes it:
/// a rename, then the next append makes the new log) shows the lines that a writer which
/// has not yet seen the rotation appends to the renamed file after following began, and,
/// without `--all`, nothing that file held before. With `--all` it shows that file whole,
/// then those lines too.
#[test]
fn late_lines_in_the_newest_backup_after_following_began_are_shown() {
    for all in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let append = |slot: &str, seq: u64| {
            let fields = [Field::new("seq", seq)];
            let event = Event::new(EventKind::Commit).slot(slot).fields(&fields);
            append_once(&log, &event).unwrap();
        };
        append("old", 0);
        let mut late = Options::new()
            .no_rotation()
            .reopen_check(None)
            .open(&log)
            .unwrap();
        append_seq(&mut late, 0);
        std::fs::rename(&log, dir.path().join("log.1")).unwrap();
        append("a", 0);

        let (flags, before) = if all {
            (&["--all"][..], vec![("old", 0), ("w", 0), ("a", 0)])
        } else {
            (&[][..], vec![("a", 0)])
        };
        let total = (before.len() + 3).to_string();
        let mut args = vec!["--exit-on-idle", "5s", "--exit-after-lines", &total];
        args.extend(flags);
        let follower = Follower::start_with(&log, &args, "20ms");
        let mut lines: Vec<String> = before.iter().map(|_| follower.next_line()).collect();
        // Following has begun: the late writer's lines still go to the renamed file.
        append_seq(&mut late, 1);
        append_seq(&mut late, 2);
        append("a", 1);
        lines.extend(follower.finish());

        let ids = ids(&lines);
        let shown: Vec<(&str, u64)> = ids
            .iter()
            .map(|(slot, seq)| (slot.as_str(), *seq))
            .collect();
        assert_eq!(&shown[..before.len()], before.as_slice(), "--all {all}");
        let late_shown = per_writer(&ids[before.len()..], "w");
        assert_eq!(late_shown, [1, 2], "--all {all}: {lines:?}");
        assert_eq!(per_writer(&ids[before.len()..], "a"), [1], "--all {all}");
    }
}

/// The newest backup is read for late lines only if it can get any: not when it is the log
/// itself (a hard link here; a rotation without the lock between the follower's two opens
/// does the same). Each line is shown once.
#[test]
fn the_newest_backup_is_not_read_again_when_it_is_the_log() {
    let row = |slot: &str, seq: u64| row(slot, seq, "");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let backup = dir.path().join("log.1");
    let idle = ["--exit-on-idle", "300ms"];

    std::fs::write(&log, row("a", 0)).unwrap();
    std::fs::hard_link(&log, &backup).unwrap();
    let follower = Follower::start_with(&log, &idle, "20ms");
    let mut lines = vec![follower.next_line()];
    append_text(&log, &row("a", 1));
    lines.extend(follower.finish());
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "a"), 2, "a (hard link)");
}

/// Nor is the newest backup read again when it is younger than the log: a copy made by
/// logrotate's `copytruncate`, which holds lines the log held. Birth times tell the copy
/// from a file rotated away, so where the temporary directory has none the follower can
/// use (an overlay, the usual root of a container), the test runs again in a tmpfs of
/// its own (as root, in a mount namespace) rather than check nothing.
#[test]
fn the_newest_backup_is_not_read_again_when_it_is_a_copytruncate_copy() {
    const TEST: &str = "the_newest_backup_is_not_read_again_when_it_is_a_copytruncate_copy";
    const DIR: &str = "LOGWRITER_TEST_DIR";
    if rotation_support::role().as_deref() == Some("tmpfs") {
        copytruncate_copy_is_not_read_again(Path::new(&std::env::var(DIR).expect(DIR)));
        println!("tmpfs-child-done");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    if usable_birth_times(dir.path()) {
        return copytruncate_copy_is_not_read_again(dir.path());
    }
    if !rotation_support::mount_namespace_usable() {
        return;
    }
    let test = rotation_support::child(TEST, "tmpfs");
    let mount = "mount -t tmpfs logwriter-test \"$1\"";
    let Some(out) = rotation_support::in_mount_namespace(mount, dir.path(), DIR, &test) else {
        rotation_support::usable_or_skip(false, "a tmpfs (mount -t tmpfs)");
        return;
    };
    rotation_support::assert_child_done(&out, "tmpfs-child-done");
}

/// Whether files in `dir` report birth times that the follower uses: not on an overlay,
/// where they change when a file is copied up (0x794c7630: `OVERLAYFS_SUPER_MAGIC`).
fn usable_birth_times(dir: &Path) -> bool {
    let probe = dir.join("probe");
    std::fs::write(&probe, "").unwrap();
    let born = std::fs::metadata(&probe).unwrap().created().is_ok();
    std::fs::remove_file(&probe).unwrap();
    let overlay =
        rustix::fs::statfs(dir).is_ok_and(|fs| u64::try_from(fs.f_type) == Ok(0x794c_7630));
    born && !overlay
}

/// copytruncate in `dir`, which has usable birth times: the copy is made after the log, and
/// gets the rest of what the log held while the log is emptied. The copy is remade until
/// its birth time is past the log's (one clock tick).
fn copytruncate_copy_is_not_read_again(dir: &Path) {
    let row = |slot: &str, seq: u64| row(slot, seq, "");
    let log = dir.join("log");
    let backup = dir.join("log.1");
    let idle = ["--exit-on-idle", "300ms"];
    std::fs::write(
        &log,
        format!("{}{}{}", row("c", 0), row("c", 1), row("c", 2)),
    )
    .unwrap();
    let born = |path: &Path| std::fs::metadata(path).unwrap().created().unwrap();
    loop {
        std::fs::write(&backup, row("c", 0)).unwrap();
        if born(&backup) > born(&log) {
            break;
        }
        std::fs::remove_file(&backup).unwrap();
        std::thread::yield_now();
    }
    let follower = Follower::start_with(&log, &idle, "20ms");
    let mut lines: Vec<String> = (0..3).map(|_| follower.next_line()).collect();
    append_text(&backup, &format!("{}{}", row("c", 1), row("c", 2)));
    truncate(&log);
    append_text(&log, &row("c", 3));
    lines.extend(follower.finish());
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "c"), 4, "c (copytruncate)");
}

/// copytruncate by hand (`cp log log.1; : > log`), then the log moved away and a new one
/// made: the copy, made while the log was followed, holds rows already shown, and is not
/// shown again when the follower, having lost the log, looks for files it has not read.
/// (It was: rows 0 and 1 came twice.)
#[test]
fn a_copytruncate_copy_is_not_shown_again_when_the_log_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, format!("{}{}", row("t", 0, ""), row("t", 1, ""))).unwrap();
    let follower = Follower::start_with(&log, &["--exit-on-idle", "500ms"], "20ms");
    let mut lines: Vec<String> = (0..2).map(|_| follower.next_line()).collect();
    std::fs::copy(&log, dir.path().join("log.1")).unwrap();
    truncate(&log);
    append_text(&log, &row("t", 2, ""));
    lines.push(follower.next_line());
    std::fs::rename(&log, dir.path().join("log.old")).unwrap();
    std::fs::write(&log, row("t", 3, "")).unwrap();
    lines.extend(follower.finish_warned(0..=1));
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "t"), 4, "t (copytruncate)");
}

/// A file that is never at its end (here `/dev/zero`, through a symbolic link put at the
/// log's name) does not hold the follower: it reads at most 1 MiB of it a round, then
/// looks at the name again, and follows the log put back there. (It read `/dev/zero` on
/// and on, and never looked again.)
#[test]
fn a_file_never_at_its_end_does_not_hold_the_follower() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, row("z", 0, "")).unwrap();
    let follower = Follower::start_with(&log, &["--exit-after-lines", "2"], "20ms");
    assert_eq!(follower.next_line() + "\n", row("z", 0, ""));
    std::fs::remove_file(&log).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &log).unwrap();
    follower.wait_until_opened("/dev/zero", |name| name == "zero");
    std::fs::remove_file(&log).unwrap();
    std::fs::write(&log, row("z", 1, "")).unwrap();
    let mut follower = follower;
    assert_eq!(follower.next_line() + "\n", row("z", 1, ""));
    let (status, stderr) = follower.exit();
    assert!(status.success(), "{status:?}: {stderr}");
}

/// With `--all`, the newest backup is shown whole in its place, a last row without `\n`
/// included, before the log, and with `--last` inside the window, as without `-f`; then
/// it is read on for late lines without showing that row again.
#[test]
fn with_all_the_newest_backups_last_row_without_newline_keeps_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let unended = row("b", 1, "");
    std::fs::write(
        dir.path().join("log.1"),
        format!("{}{}", row("a", 0, ""), unended.trim_end()),
    )
    .unwrap();
    std::fs::write(&log, row("c", 2, "")).unwrap();
    for (last, expected) in [
        (None, &[("a", 0), ("b", 1), ("c", 2)][..]),
        (Some("3"), &[("a", 0), ("b", 1), ("c", 2)][..]),
        (Some("2"), &[("b", 1), ("c", 2)][..]),
    ] {
        let mut args = vec!["--all", "--exit-on-idle", "300ms"];
        args.extend(last.iter().flat_map(|n| ["--last", n]));
        let follower = Follower::start_with(&log, &args, "20ms");
        let lines = follower.finish();
        let shown: Vec<(String, u64)> = ids(&lines);
        let expected: Vec<(String, u64)> = expected
            .iter()
            .map(|&(slot, seq)| (slot.to_owned(), seq))
            .collect();
        assert_eq!(shown, expected, "--last {last:?}");
    }
}

/// Late lines in the newest backup after an unended last line that already holds whole
/// rows (glued, without `\n`), or that is longer than the reader takes: the late lines are
/// shown once; the rows of the unended line once with `--all` (in their place) and not at
/// all without it (they are old content); nothing of the overlong line, a row glued onto
/// its end included, as `show` shows nothing of an overlong line.
#[test]
fn late_lines_after_unended_rows_or_an_overlong_line_in_the_newest_backup() {
    let overlong = "x".repeat(70 * 1024);
    let glued = format!(
        "{}{}",
        row("a", 1, "").trim_end(),
        row("a", 2, "").trim_end()
    );
    let first = row("a", 0, "");
    let cases = [
        (
            format!("{first}{glued}"),
            "\n".to_owned(),
            &[("a", 0), ("a", 1), ("a", 2), ("c", 3)][..],
        ),
        (
            format!("{first}{overlong}{}", row("b", 1, "").trim_end()),
            row("b", 2, ""),
            &[("a", 0), ("c", 3)][..],
        ),
        // A row that a fragment too short to be one follows: old content, which a late
        // row glued onto the fragment must not bring out. `show --all` does not show it.
        (
            format!("{first}{}{{\"t", row("a", 1, "").trim_end()),
            String::new(),
            &[("a", 0), ("c", 3)][..],
        ),
        // A whole file of one unended line just as long as the reader's buffer, ending in a
        // row and a short fragment: too long for the reader, with `--all` or without, so
        // a row glued onto it is not shown either.
        (
            {
                let end = format!("{}{{\"t", row("b", 1, "").trim_end());
                format!("{}{end}", "x".repeat(64 * 1024 - end.len()))
            },
            row("b", 2, ""),
            &[("c", 3)][..],
        ),
    ];
    for (backup_text, ending, with_all) in cases {
        let late = format!("{ending}{}", row("w", 5, ""));
        newest_backup_gets_late(&backup_text, &late, with_all);
    }
}

/// With `log.1` holding `backup_text` and the log the row `c 3`, for `show -f` with and
/// without `--all`: the rows shown before `late` is appended to `log.1` are `c 3` alone,
/// or `with_all` with `--all`; then `late` brings the row `w 5` out, and nothing else.
fn newest_backup_gets_late(backup_text: &str, late: &str, with_all: &[(&str, u64)]) {
    for all in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let backup = dir.path().join("log.1");
        std::fs::write(&backup, backup_text).unwrap();
        std::fs::write(&log, row("c", 3, "")).unwrap();
        let before: &[(&str, u64)] = if all { with_all } else { &[("c", 3)] };
        let mut expected: Vec<(String, u64)> =
            before.iter().map(|&(s, n)| (s.to_owned(), n)).collect();
        let args: &[&str] = if all {
            &["--all", "--exit-on-idle", "300ms"]
        } else {
            &["--exit-on-idle", "300ms"]
        };
        let follower = Follower::start_with(&log, args, "20ms");
        let mut lines: Vec<String> = expected.iter().map(|_| follower.next_line()).collect();
        append_text(&backup, late);
        lines.extend(follower.finish());
        expected.push(("w".to_owned(), 5));
        let unended = backup_text.rsplit('\n').next().unwrap();
        let what = &unended[unended.len().saturating_sub(30)..];
        assert_eq!(ids(&lines), expected, "--all {all}, unended …{what:?}");
    }
}

/// The newest backup ends in part of a row whose rest comes after following began (a write
/// under way), or in an old whole row without `\n`: the row completed is shown once, in
/// full, and the old row only with `--all`, in its place.
#[test]
fn a_row_completed_in_the_newest_backup_after_following_began_is_shown_once() {
    let late = row("w", 5, "");
    let (head, tail) = late.split_at(25);
    let old = row("a", 0, "");
    let unended = row("b", 1, "");
    let cases = [
        (
            format!("{old}{head}"),
            tail.to_owned(),
            &[("a", 0), ("c", 3)][..],
        ),
        (head.to_owned(), tail.to_owned(), &[("c", 3)][..]),
        (
            format!("{old}{}", unended.trim_end()),
            format!("\n{late}"),
            &[("a", 0), ("b", 1), ("c", 3)][..],
        ),
    ];
    for (backup_text, rest, with_all) in cases {
        newest_backup_gets_late(&backup_text, &rest, with_all);
    }
}

/// With `--all`, the backups come oldest first, the newest (read on for late lines) last
/// among them, then the log.
#[test]
fn with_all_the_backups_come_oldest_first_before_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(dir.path().join("log.2"), row("a", 0, "")).unwrap();
    std::fs::write(dir.path().join("log.1"), row("b", 1, "")).unwrap();
    std::fs::write(&log, row("c", 2, "")).unwrap();
    let follower = Follower::start_with(&log, &["--all", "--exit-on-idle", "300ms"], "20ms");
    let expected: Vec<(String, u64)> = [("a", 0), ("b", 1), ("c", 2)]
        .iter()
        .map(|&(s, n)| (s.to_owned(), n))
        .collect();
    assert_eq!(ids(&follower.finish()), expected);
}

/// A follower started before the log exists shows the backups rotated before it first
/// sees the log, but not the ones that were there when it started.
#[test]
fn follow_of_a_missing_log_shows_the_backups_made_since() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(dir.path().join("log.1"), row("old", 0, "")).unwrap();
    let follower = Follower::start(&log, 3, "2s");
    follower.wait_until_polling();
    let mut writer = Options::new().max_size(1).max_files(5).open(&log).unwrap();
    for seq in 0..3 {
        append_seq(&mut writer, seq);
    }
    let lines = follower.finish();
    let ids = ids(&lines);
    assert_exactly_once_in_order(&per_writer(&ids, "w"), 3, "w");
    assert!(per_writer(&ids, "old").is_empty(), "{lines:?}");
}

/// The same through a link to a log not made yet: the follower looks for the backups beside
/// the log the link will name, not beside the link.
#[test]
fn follow_through_a_link_to_a_missing_log_shows_the_backups_made_since() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    let link = dir.path().join("a/current");
    std::os::unix::fs::symlink("../b/log", &link).unwrap();
    let follower = Follower::start(&link, 3, "2s");
    follower.wait_until_polling();
    let log = dir.path().join("b/log");
    let mut writer = Options::new().max_size(1).max_files(5).open(&log).unwrap();
    for seq in 0..3 {
        append_seq(&mut writer, seq);
    }
    let lines = follower.finish();
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "w"), 3, "w");
}

/// The followed file leaves the series (replaced) while it has more backups than the
/// follower may hold files open: the search looks at each backup without holding it.
#[test]
fn a_search_through_more_backups_than_open_files_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    for n in 1..=100 {
        std::fs::write(dir.path().join(format!("log.{n}")), row("old", n, "")).unwrap();
    }
    std::fs::write(&log, row("r", 0, "")).unwrap();
    let (child, mut stdout) = start_reading(
        Command::new("sh")
            .arg("-c")
            .arg(r#"ulimit -n 40 && exec "$0" show -f --json --poll-interval 20ms --exit-on-idle 10s --exit-after-lines 2 "$1""#)
            .arg(BIN)
            .arg(&log)
            .stderr(Stdio::piped()),
        &row("r", 0, ""),
    );
    let new = dir.path().join("log.new");
    std::fs::write(&new, row("r", 1, "")).unwrap();
    std::fs::rename(&new, &log).unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(rest, row("r", 1, ""), "{out:?}");
}

/// A whole row without `\n` at the end of a file that was rotated away is shown once the
/// follower lets the file go, 2 s after the rotation or when it ends on idle: the rest of
/// that line can no longer come.
#[test]
fn a_last_row_without_a_newline_is_shown_when_its_file_is_let_go() {
    let unterminated = |name: &str| {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join(name);
        let last = row("u", 1, "");
        std::fs::write(&log, format!("{}{}", row("u", 0, ""), last.trim_end())).unwrap();
        (dir, log)
    };
    let rotate = |log: &Path| {
        std::fs::rename(log, format!("{}.1", log.display())).unwrap();
        std::fs::write(log, row("u", 2, "")).unwrap();
    };
    // Let go 2 s after the rotation.
    let (_dir, log) = unterminated("log");
    let follower = Follower::start(&log, 3, "20ms");
    let mut lines = vec![follower.next_line()];
    rotate(&log);
    lines.extend(follower.finish());
    assert_eq!(per_writer(&ids(&lines), "u"), [0, 2, 1]);
    // Let go when the follower ends on idle, within the 2 s. The rotation must come well
    // before 1.5 s without new lines would end it: a round where it could not is made again.
    until_timed("the idle end lets the rotated file go", || {
        let (_dir, log) = unterminated("log");
        let started = Instant::now();
        let follower = Follower::start_with(&log, &["--exit-on-idle", "1500ms"], "20ms");
        let mut lines = vec![follower.next_line()];
        if started.elapsed() > Duration::from_secs(1) {
            follower.kill();
            return false;
        }
        rotate(&log);
        lines.extend(follower.finish());
        assert_eq!(per_writer(&ids(&lines), "u"), [0, 2, 1]);
        true
    });
}

/// A whole row without `\n` at the end of a file truncated in place (copytruncate) is
/// shown when the truncation lets the old content go, as for a file rotated away.
#[test]
fn a_last_row_without_a_newline_is_shown_when_its_file_is_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let pad = "x".repeat(200);
    let last = row("c", 1, &pad);
    std::fs::write(&log, format!("{}{}", row("c", 0, &pad), last.trim_end())).unwrap();
    let follower = Follower::start(&log, 3, "20ms");
    let mut lines = vec![follower.next_line()];
    // It has read to the end, the unterminated row too, and sleeps until its next poll.
    follower.wait_until_polling();
    std::fs::write(&log, row("c", 2, "")).unwrap();
    lines.extend(follower.finish());
    assert_eq!(per_writer(&ids(&lines), "c"), [0, 1, 2]);
}

/// A last line without `\n` is not shown while it may still be completed: once its `\n`
/// comes, it is shown once, as the row it is.
#[test]
fn a_row_without_its_newline_yet_is_shown_once_when_the_newline_comes() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let unterminated = row("w", 1, "");
    std::fs::write(
        &log,
        format!("{}{}", row("w", 0, ""), unterminated.trim_end()),
    )
    .unwrap();
    let follower = Follower::start(&log, 3, "20ms");
    let mut lines = vec![follower.next_line()];
    // It has read to the end, the unterminated row too, and sleeps until its next poll.
    follower.wait_until_polling();
    append_text(&log, &format!("\n{}", row("w", 2, "")));
    lines.extend(follower.finish());
    assert_eq!(per_writer(&ids(&lines), "w"), [0, 1, 2]);
}

/// With `--last`, a last line without `\n` already there when the follower starts is not
/// one of the N rows, nor shown at the idle end; but once anything is read after it, the
/// line is new: after a truncation (copytruncate) it is a new file's, and a whole row
/// appended onto an old fragment (by a writer that does not end fragments) is a new row.
#[test]
fn with_last_an_unterminated_line_is_shown_once_new_bytes_make_it_new() {
    let fragment = r#"{"ts":"2026-05-01T11:0"#;
    // (what is there at start, what comes while following, the rows shown)
    let cases: [(String, String, bool, &[u64]); 2] = [
        (
            format!(
                "{}{}",
                row("l", 0, ""),
                row("l", 1, &"x".repeat(200)).trim_end()
            ),
            format!("{}{}", row("l", 5, ""), row("l", 6, "").trim_end()),
            true,
            &[0, 5, 6],
        ),
        (
            format!("{}{fragment}", row("l", 0, "")),
            row("l", 1, "").trim_end().to_owned(),
            false,
            &[0, 1],
        ),
    ];
    for (before, after, truncate, expected) in cases {
        // The follower ends 1.5 s after its last new bytes: the change must come well
        // before that, or the round is made again.
        until_timed("the change came before the idle end", || {
            let dir = tempfile::tempdir().unwrap();
            let log = dir.path().join("log");
            std::fs::write(&log, &before).unwrap();
            let started = Instant::now();
            let args = ["--last", "1", "--exit-on-idle", "1500ms"];
            let follower = Follower::start_with(&log, &args, "20ms");
            let mut lines = vec![follower.next_line()];
            follower.wait_until_polling();
            if started.elapsed() > Duration::from_secs(1) {
                follower.kill();
                return false;
            }
            if truncate {
                std::fs::write(&log, &after).unwrap();
            } else {
                append_text(&log, &after);
            }
            lines.extend(follower.finish());
            assert_eq!(
                per_writer(&ids(&lines), "l"),
                expected,
                "{before:?} then {after:?}"
            );
            true
        });
    }
}

/// A file the follower read, closed and saw deleted gives its inode to a new log, while
/// the file followed leaves the series: the new log is still new to the follower, told
/// apart from the old one by its birth time. (With only the inode to go by, the follower
/// took it for the file it had read and never showed it, nor anything after it.)
#[test]
fn a_new_log_on_the_inode_of_a_file_already_read_is_shown() {
    use std::os::unix::fs::MetadataExt;
    on_reused_inodes(|| {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        std::fs::write(&log, row("i", 0, "")).unwrap();
        let reused = std::fs::metadata(&log).unwrap().ino();
        let mut follower = Follower::start(&log, 3, "20ms");
        let mut lines = vec![follower.next_line()];
        // Rotated away: the follower moves to the new log and lets the old one go 2 s later.
        std::fs::rename(&log, dir.path().join("log.1")).unwrap();
        std::fs::write(&log, row("i", 1, "")).unwrap();
        lines.push(follower.next_line());
        let text = row("i", 2, "");
        let Some(new) = file_on_freed_inode(&mut follower, dir.path(), "log.1", reused, &text)
        else {
            return false;
        };
        // The file followed leaves the series between two polls; the new file takes its name.
        follower.wait_until_polling();
        std::fs::rename(&log, dir.path().join("gone")).unwrap();
        std::fs::remove_file(dir.path().join("gone")).unwrap();
        std::fs::rename(&new, &log).unwrap();
        lines.extend(follower.finish_warned(1..=1));
        assert_exactly_once_in_order(&per_writer(&ids(&lines), "i"), 3, "i");
        true
    });
}

/// Once `follower` has let go of `name` in `dir`, deletes it and writes `text` to new
/// files, made at once so that no other test takes the freed inode `ino` first, until one
/// gets it (ext4 hands out a free inode near the directory's, mostly the one just freed);
/// that file. If none gets it in 100, ends the follower and returns `None`, for
/// [`on_reused_inodes`] to run the round again.
///
/// One test at a time frees an inode and searches for it: two at once took each other's.
fn file_on_freed_inode(
    follower: &mut Follower,
    dir: &Path,
    name: &str,
    ino: u64,
    text: &str,
) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::MetadataExt;
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    follower.wait_until_let_go(name, |held| held == name);
    let found = {
        let _turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        std::fs::remove_file(dir.join(name)).unwrap();
        (0..100).find_map(|n| {
            let candidate = dir.join(format!("new.{n}"));
            std::fs::write(&candidate, text).unwrap();
            (std::fs::metadata(&candidate).unwrap().ino() == ino).then_some(candidate)
        })
    };
    if found.is_none() {
        follower.stop();
    }
    found
}

/// Runs `round` until it returns `true` (it got a file on a freed inode from
/// [`file_on_freed_inode`] and made its checks), at most 5 times: a file another test made
/// meanwhile may have taken the freed inode. If no round got one, the filesystem does not
/// hand inodes back: the test is then skipped where skipping was asked for, and fails
/// otherwise (`usable_or_skip`).
fn on_reused_inodes(mut round: impl FnMut() -> bool) {
    if !(0..5).any(|_| round()) {
        rotation_support::usable_or_skip(false, "a filesystem that reuses inodes (ext4, xfs)");
    }
}

/// Each file followed that leaves the series is warned about once, a later one on the inode
/// of one warned about before too. (The warning was once kept per inode, and a file that
/// took a warned file's inode left without one.)
#[test]
fn each_file_that_leaves_the_series_is_warned_about_even_on_a_reused_inode() {
    use std::os::unix::fs::MetadataExt;
    on_reused_inodes(|| {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let put = |name: &str, seq: u64| {
            let tmp = dir.path().join(format!("{name}.tmp"));
            std::fs::write(&tmp, row("i", seq, "")).unwrap();
            std::fs::rename(&tmp, dir.path().join(name)).unwrap();
        };
        std::fs::write(&log, row("i", 0, "")).unwrap();
        let reused = std::fs::metadata(&log).unwrap().ino();
        let mut follower = Follower::start(&log, 4, "20ms");
        let mut lines = vec![follower.next_line()];
        // The first file leaves the series (moved out of it): the first warning.
        follower.wait_until_polling();
        std::fs::rename(&log, dir.path().join("gone")).unwrap();
        put("log", 1);
        lines.push(follower.next_line());
        let text = row("i", 2, "");
        let Some(new) = file_on_freed_inode(&mut follower, dir.path(), "gone", reused, &text)
        else {
            return false;
        };
        // The second file rotates into `log.1`, and the one on the first's inode takes the
        // name: no warning.
        follower.wait_until_polling();
        std::fs::rename(&log, dir.path().join("log.1")).unwrap();
        std::fs::rename(&new, &log).unwrap();
        lines.push(follower.next_line());
        // It leaves the series as the first did: the second warning.
        follower.wait_until_polling();
        std::fs::rename(&log, dir.path().join("gone.2")).unwrap();
        put("log", 3);
        lines.extend(follower.finish_warned(2..=2));
        assert_exactly_once_in_order(&per_writer(&ids(&lines), "i"), 4, "i");
        true
    });
}

/// On an overlay, renaming a backup of the lower layer copies it up: it keeps its inode
/// number but reports a new birth time. Backups there when the follower started, rotated up
/// by a writer, are still not new to it. Runs in a mount namespace of its own (as root).
#[test]
fn on_an_overlay_backups_rotated_up_are_not_shown() {
    in_an_overlay(
        "on_an_overlay_backups_rotated_up_are_not_shown",
        overlay_child,
    );
}

/// The same on an overlay that comes to be at the path only after the follower started
/// (a directory symbolic link made later): the follower asks what filesystem the series is
/// on each time it searches it, not once. A backup shown once, then renamed (copied up),
/// is not shown again when the file followed leaves the series.
#[test]
fn an_overlay_that_appears_later_is_seen() {
    in_an_overlay("an_overlay_that_appears_later_is_seen", late_overlay_child);
}

/// Runs `test` again in a mount namespace of its own (as root), with an overlay mounted at
/// `<dir>/merged` over `<dir>/lower`, which holds the backups `log.2` and `log.1` (rows
/// `old` 0 and 1) and no log; there the test calls `child` with `<dir>`.
fn in_an_overlay(test: &str, child: fn(&Path)) {
    const DIR: &str = "LOGWRITER_TEST_DIR";
    if rotation_support::role().as_deref() == Some("overlay") {
        return child(Path::new(&std::env::var(DIR).expect(DIR)));
    }
    if !rotation_support::mount_namespace_usable() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for layer in ["lower", "upper", "work", "merged"] {
        std::fs::create_dir(dir.path().join(layer)).unwrap();
    }
    // Backups from before, in the lower layer; no log yet.
    std::fs::write(dir.path().join("lower/log.2"), row("old", 0, "")).unwrap();
    std::fs::write(dir.path().join("lower/log.1"), row("old", 1, "")).unwrap();
    let test = rotation_support::child(test, "overlay");
    let mount = "mount -t overlay overlay \
                 -o \"lowerdir=$1/lower,upperdir=$1/upper,workdir=$1/work\" \"$1/merged\"";
    let Some(out) = rotation_support::in_mount_namespace(mount, dir.path(), DIR, &test) else {
        rotation_support::usable_or_skip(false, "overlayfs (mount -t overlay)");
        return;
    };
    rotation_support::assert_child_done(&out, "overlay-child-done");
}

/// In the overlay: a follower started before the log exists, then two appends, the second
/// of which rotates every backup up. Only the writer's two lines are new.
fn overlay_child(dir: &Path) {
    let log = dir.join("merged/log");
    let follower = Follower::start(&log, 2, "2s");
    follower.wait_until_polling();
    let mut writer = Options::new().max_size(1).max_files(5).open(&log).unwrap();
    append_seq(&mut writer, 0);
    append_seq(&mut writer, 1);
    assert_eq!(writer.stats().rotations, 1);
    assert!(
        dir.join("merged/log.3").exists(),
        "the backups were rotated up"
    );
    let lines = follower.finish();
    let ids = ids(&lines);
    assert_exactly_once_in_order(&per_writer(&ids, "w"), 2, "w");
    assert!(per_writer(&ids, "old").is_empty(), "{lines:?}");
    println!("overlay-child-done");
}

/// In the overlay: a follower of `<dir>/link/log` started before `link` exists; then `link`
/// is made, pointing at the overlay, and a log written there. The follower shows both
/// backups and the log. Once it has let the backups go, `log.1` is renamed (copied up, with
/// a new birth time) and the log it follows deleted, and a new log written: only that
/// log's line is new.
fn late_overlay_child(dir: &Path) {
    let merged = dir.join("merged");
    let follower = Follower::start(&dir.join("link/log"), 4, "20ms");
    follower.wait_until_polling();
    std::os::unix::fs::symlink(&merged, dir.join("link")).unwrap();
    std::fs::write(merged.join("log"), row("w", 0, "")).unwrap();
    let mut lines: Vec<String> = (0..3).map(|_| follower.next_line()).collect();
    follower.wait_until_let_go("a backup", |name| {
        name.to_string_lossy().starts_with("log.")
    });
    std::fs::rename(merged.join("log.1"), merged.join("log.3")).unwrap();
    std::fs::remove_file(merged.join("log")).unwrap();
    follower.wait_until_polling();
    std::fs::write(merged.join("log"), row("w", 1, "")).unwrap();
    lines.extend(follower.finish_warned(1..=1));
    let ids = ids(&lines);
    assert_eq!(per_writer(&ids, "old"), [0, 1], "{lines:?}");
    assert_exactly_once_in_order(&per_writer(&ids, "w"), 2, "w");
    println!("overlay-child-done");
}

#[test]
fn follow_waits_for_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let follower = Follower::start(&log, 2, "20ms");
    // The follower has found no file and polls for one.
    follower.wait_until_polling();
    std::fs::write(&log, row("m", 0, "")).unwrap();
    let first = follower.next_line();
    append_text(&log, &row("m", 1, ""));
    let mut lines = vec![first];
    lines.extend(follower.finish());
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "m"), 2, "m");
}

#[test]
fn follows_a_pipe_to_its_end() {
    // A pipe's size is always 0, which must not read as a file truncated after the first
    // read. The rows are all in the pipe, and its writer closed, before the tool starts;
    // after reading them it finds nothing more, and --exit-on-idle ends it.
    let rows: String = (0..3).map(|seq| row("p", seq, "")).collect();
    let (reader, mut writer) = std::io::pipe().unwrap();
    std::io::Write::write_all(&mut writer, rows.as_bytes()).unwrap();
    drop(writer);
    let out = follow_until_idle(Path::new("/dev/stdin"), "300ms", reader.into());
    assert!(out.stderr.is_empty(), "{out:?}");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), rows);
}

/// A follower of `/dev/stdin`, a pipe that holds `rows` already, with the options `more`;
/// the pipe's writer is returned, still open.
// The tests build with the current toolchain; `rust-version` covers the library and the
// tool (`std::io::pipe` is from 1.87, which clippy allows inside tests but not here).
#[allow(clippy::incompatible_msrv)]
fn follow_a_pipe(rows: &[String], more: &[&str]) -> (Follower, std::io::PipeWriter) {
    let (reader, mut writer) = std::io::pipe().unwrap();
    std::io::Write::write_all(&mut writer, rows.concat().as_bytes()).unwrap();
    let mut command = Command::new(BIN);
    command
        .args(["show", "-f", "--json"])
        .args(more)
        .arg("/dev/stdin")
        .stdin(reader);
    (Follower::run(command), writer)
}

#[test]
fn a_pipe_whose_writer_stays_open_is_waited_on() {
    // The log is opened without waiting for a writer (it is opened under the series lock),
    // and read without waiting, until its writer has written nothing more: an empty pipe
    // is then waited on with `poll(2)` rather than read as ended or failing with `EAGAIN`
    // while the writer is still there. The follower is seen waiting there before
    // anything is written (one that failed would have ended).
    let (follower, mut writer) =
        follow_a_pipe(&[], &["--poll-interval", "1h", "--exit-after-lines", "3"]);
    assert!(
        sleeping::wait_until_polling(follower.child.id()),
        "the follower ended instead of waiting for the pipe's writer"
    );
    let rows: Vec<String> = (0..3).map(|seq| row("p", seq, "")).collect();
    std::io::Write::write_all(&mut writer, rows.concat().as_bytes()).unwrap();
    assert_eq!(with_newlines(follower.finish()), rows);
}

/// A row that comes down a pipe is shown as it comes, before the follower waits for the
/// pipe's writer again: `tail -F log | logwriter show -f /dev/stdin` shows each row as it
/// comes, not 64 KiB at a time, nor at the next poll (an hour away here): the wait on a
/// pipe ends when it has something to read.
#[test]
fn each_row_from_a_pipe_is_shown_as_it_comes() {
    let (follower, mut writer) =
        follow_a_pipe(&[], &["--poll-interval", "1h", "--exit-after-lines", "3"]);
    let mut shown = Vec::new();
    // Each row is written only once the one before it is shown: the writer stays open.
    for seq in 0..3 {
        std::io::Write::write_all(&mut writer, row("p", seq, "").as_bytes()).unwrap();
        shown.push(follower.next_line());
    }
    drop(writer);
    shown.extend(follower.finish());
    assert_exactly_once_in_order(&per_writer(&ids(&shown), "p"), 3, "p");
}

/// `tail -F log | logwriter show -f --last 2 /dev/stdin`: the rows already in the pipe are
/// what is already there, and the last two of them are shown while the pipe's writer stays
/// open, then the rows that come. (The first read of the pipe once waited for its writer
/// to close it, and nothing was shown.)
#[test]
fn last_on_a_pipe_whose_writer_stays_open_shows_its_rows() {
    let rows: Vec<String> = (0..4).map(|seq| row("p", seq, "")).collect();
    let (follower, mut writer) = follow_a_pipe(
        &rows[..3],
        &[
            "--last",
            "2",
            "--poll-interval",
            "1h",
            "--exit-after-lines",
            "3",
        ],
    );
    let mut shown = vec![follower.next_line(), follower.next_line()];
    std::io::Write::write_all(&mut writer, rows[3].as_bytes()).unwrap();
    shown.extend(follower.finish());
    assert_eq!(with_newlines(shown), rows[1..]);
}

/// A file that is always ready to read and always at its end (`/dev/null`) is waited for
/// between polls as a file's end is, in a sleep: a wait for it to be readable would end at
/// once, and the follower would spin. (It once did, at full CPU, once a pipe's wait was
/// cut short by `poll(2)`.)
#[test]
fn a_file_always_at_its_end_is_waited_for_in_a_sleep() {
    let mut command = Command::new(BIN);
    command.args(["show", "-f", "--json", "--poll-interval", "1h", "/dev/null"]);
    let mut follower = Follower::run(command);
    // A spinning follower never sleeps, and this fails after 60 s.
    follower.wait_until_polling();
    follower.stop();
}

/// `--exit-on-idle` ends a follower of a pipe whose writer stays open but writes nothing
/// more, as it ends one of a quiet file: a read of the pipe does not hold it.
#[test]
fn exit_on_idle_ends_a_follow_of_a_pipe_whose_writer_stays_open() {
    let rows: Vec<String> = (0..2).map(|seq| row("p", seq, "")).collect();
    let (follower, writer) = follow_a_pipe(&rows, &["--exit-on-idle", "200ms"]);
    assert_eq!(with_newlines(follower.finish()), rows);
    drop(writer);
}

#[test]
fn a_backup_that_cannot_be_looked_at_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, row("e", 0, "")).unwrap();
    let mut follower = Follower::start(&log, 2, "20ms");
    follower.next_line();
    // Rotated away, and log.1 a symbolic link to itself, which no one can open (ELOOP),
    // made first, so that no search of the follower's finds the file followed at log.2
    // without it.
    std::os::unix::fs::symlink("log.1", dir.path().join("log.1")).unwrap();
    std::fs::rename(&log, dir.path().join("log.2")).unwrap();
    std::fs::write(&log, row("e", 1, "")).unwrap();
    let (status, stderr) = follower.exit();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("stat ") && stderr.contains("log.1: ") && stderr.contains("symbolic links"),
        "{stderr}"
    );
}

#[test]
fn exit_on_idle_ends_a_quiet_follow() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, row("q", 0, "")).unwrap();
    let out = follow_until_idle(&log, "200ms", Stdio::null());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), row("q", 0, ""));
}

/// At the idle end the followed file's last line, a whole row without `\n`, is shown as
/// `show` shows it; a fragment that is not a row is not. The same for a pipe whose writer
/// closed it.
#[test]
fn exit_on_idle_shows_a_whole_last_row_without_a_newline() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let first = row("q", 0, "");
    let last = row("q", 1, "");
    let text = format!("{first}{}", last.trim_end());
    std::fs::write(&whole, &text).unwrap();
    let out = follow_until_idle(&whole, "200ms", Stdio::null());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{first}{last}")
    );
    let shown = Command::new(BIN)
        .args(["show", "--json"])
        .arg(&whole)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(shown.stdout).unwrap(),
        format!("{first}{last}")
    );

    let torn = dir.path().join("torn");
    std::fs::write(&torn, format!("{first}{}", &last[..20])).unwrap();
    let out = follow_until_idle(&torn, "200ms", Stdio::null());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), first);

    let (reader, mut writer) = std::io::pipe().unwrap();
    std::io::Write::write_all(&mut writer, text.as_bytes()).unwrap();
    drop(writer);
    let out = follow_until_idle(Path::new("/dev/stdin"), "300ms", reader.into());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{first}{last}")
    );
}

/// `show -f --json` of `path` (polling every 20 ms) until `idle` goes by without new
/// bytes; it must end successfully.
fn follow_until_idle(path: &Path, idle: &str, stdin: Stdio) -> std::process::Output {
    let out = Command::new(BIN)
        .args(["show", "-f", "--json", "--exit-on-idle", idle])
        .args(["--poll-interval", "20ms"])
        .arg(path)
        .stdin(stdin)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    out
}

/// Starts `command`, a follower, with its output piped, and returns it with that output
/// once its first line was read and found to be `first`.
fn start_reading(
    command: &mut Command,
    first: &str,
) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, first);
    (child, stdout)
}

/// Waits for `child` to exit, at most `limit`, running `meanwhile` between looks; kills it
/// and fails the test if it is still running then.
fn exits_within(
    child: &mut Child,
    limit: Duration,
    mut meanwhile: impl FnMut(),
) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}");
        }
        meanwhile();
    }
}

/// A follower whose reader has gone (`| head -1`, `| grep -m1`) ends quietly at its next
/// poll, with status 0, though its filter drops every row that comes after (so no write
/// finds the pipe closed): idle, and while rows it does not show keep coming.
#[test]
fn a_follower_ends_when_its_reader_has_gone_though_it_shows_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, row("a", 0, "")).unwrap();
    for arriving in [false, true] {
        let (mut child, stdout) = start_reading(
            Command::new(BIN)
                .args(["show", "-f", "--json", "--event", "renew"])
                .args(["--poll-interval", "10ms"])
                .arg(&log)
                .stderr(Stdio::piped()),
            &row("a", 0, ""),
        );
        drop(stdout);
        let dropped = r#"{"ts":"2026-05-01T12:00:00Z","event":"error","slot":"a"}"#;
        let status = exits_within(&mut child, Duration::from_secs(30), || {
            if arriving {
                append_text(&log, &format!("{dropped}\n"));
            }
            std::thread::yield_now();
        });
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(status.success() && stderr.is_empty(), "{status}: {stderr}");
    }
}

/// A log in a temp dir whose writer puts each row in a file of its own (every row is
/// longer than the maximum size, and goes alone into an empty file), with row 0 written.
fn one_row_a_file() -> (tempfile::TempDir, std::path::PathBuf, logwriter::Writer) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let mut writer = Options::new()
        .max_size(10)
        .max_files(1000)
        .open(&log)
        .unwrap();
    append_seq(&mut writer, 0);
    (dir, log, writer)
}

/// A writer rotates a log of one row a file, each row shown before the next is appended,
/// so that every file rotated away is found at a poll of its own and held for late lines:
/// far more files within 2 s than the follower may open (100). It holds at most 64, the
/// oldest let go early once read to its end, and shows every row once.
#[test]
fn a_follower_holds_a_bounded_number_of_files_rotated_away() {
    const TOTAL: u64 = 400;
    let (_dir, log, mut writer) = one_row_a_file();
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(r#"ulimit -n 100 && exec "$0" show -f --json --poll-interval 1ms --exit-on-idle 30s "$1" --exit-after-lines "$2""#)
        .arg(BIN)
        .arg(&log)
        .arg(TOTAL.to_string());
    let follower = Follower::run(command);
    let mut lines = vec![follower.next_line()];
    for seq in 1..TOTAL {
        append_seq(&mut writer, seq);
        lines.push(follower.next_line());
    }
    assert!(writer.stats().rotations >= TOTAL - 1);
    lines.extend(follower.finish());
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "w"), TOTAL, "w");
}

/// More files rotated away between two polls than the follower holds (64): it lets the
/// oldest go early, and keeps the newest, the likeliest to get late lines, for
/// `ROTATE_WAIT`: a late line to the backup rotated away last is shown.
#[test]
fn the_newest_files_rotated_away_are_the_ones_kept_for_late_lines() {
    const BURST: u64 = 70;
    let (dir, log, mut writer) = one_row_a_file();
    let total = (BURST + 2).to_string();
    let follower = Follower::start_with(
        &log,
        &["--exit-on-idle", "5s", "--exit-after-lines", &total],
        "1s",
    );
    let mut lines = vec![follower.next_line()];
    // The rotations come between two polls: the next one finds all 70 files at once.
    follower.wait_until_polling();
    for seq in 1..=BURST {
        append_seq(&mut writer, seq);
    }
    for _ in 0..BURST {
        lines.push(follower.next_line());
    }
    // `log.1` holds the row before the last: the newest file rotated away.
    append_text(&dir.path().join("log.1"), &row("w", BURST + 1, ""));
    lines.extend(follower.finish());
    assert_exactly_once_in_order(&per_writer(&ids(&lines), "w"), BURST + 2, "w");
}

/// A follower whose standard output is a socket whose reader has gone (the peer closed,
/// which `poll(2)` reports as `POLLHUP`, with no `POLLERR`) ends at its next poll, with
/// status 0, though it has nothing more to show.
#[test]
fn a_follower_ends_when_the_socket_it_writes_to_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, row("a", 0, "")).unwrap();
    let (ours, theirs) = std::os::unix::net::UnixStream::pair().unwrap();
    let mut child = Command::new(BIN)
        .args(["show", "-f", "--json", "--poll-interval", "10ms"])
        .arg(&log)
        .stdout(std::process::Stdio::from(std::os::fd::OwnedFd::from(
            theirs,
        )))
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(ours);
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, row("a", 0, ""));
    // Everything sent was read: the close leaves no unread data (which would set POLLERR).
    drop(stdout);
    let status = exits_within(&mut child, Duration::from_secs(10), std::thread::yield_now);
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(status.success() && stderr.is_empty(), "{status}: {stderr}");
}

/// The warning that the file followed left the series is lost when stderr cannot be
/// written (`2>/dev/full`), not the follower: it goes on to the new log and ends with
/// status 0 (`eprintln!` would panic, status 101).
#[test]
fn a_follower_goes_on_when_its_warning_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, row("w", 0, "")).unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut child = Command::new(BIN)
        .args(["show", "-f", "--json", "--poll-interval", "20ms"])
        .args(["--exit-on-idle", "10s", "--exit-after-lines", "2"])
        .arg(&log)
        .stdout(Stdio::piped())
        .stderr(full)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut lines = vec![String::new(), String::new()];
    stdout.read_line(&mut lines[0]).unwrap();
    // Deleted, and a new log at its name: the file followed left the series.
    std::fs::remove_file(&log).unwrap();
    std::fs::write(&log, row("w", 1, "")).unwrap();
    stdout.read_line(&mut lines[1]).unwrap();
    let status = exits_within(&mut child, Duration::from_secs(20), || {
        std::thread::sleep(Duration::from_millis(10));
    });
    assert_eq!(status.code(), Some(0), "{lines:?}");
    assert_eq!(lines, [row("w", 0, ""), row("w", 1, "")]);
}

/// A directory that takes the log's name for a while (`rm log; mkdir log`) is waited out,
/// as a missing log is: the follower does not try to read it, and shows the log made
/// after it. The directory takes the name atomically (`renameat2(RENAME_EXCHANGE)` with
/// the log, which goes out of the series), so the search that finds the log gone, and
/// says so on stderr, is one that finds the directory there.
#[test]
fn a_directory_at_the_logs_name_is_waited_out() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, row("a", 0, "")).unwrap();
    let (mut child, mut stdout) = start_reading(
        Command::new(BIN)
            .args(["show", "-f", "--json", "--poll-interval", "10ms"])
            .args(["--exit-on-idle", "30s", "--exit-after-lines", "2"])
            .arg(&log)
            .stderr(Stdio::piped()),
        &row("a", 0, ""),
    );
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();

    let aside = dir.path().join("aside");
    std::fs::create_dir(&aside).unwrap();
    rustix::fs::renameat_with(
        rustix::fs::CWD,
        &log,
        rustix::fs::CWD,
        &aside,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .unwrap();
    let mut warning = String::new();
    stderr.read_line(&mut warning).unwrap();
    assert!(
        warning.contains("the file being followed left the series"),
        "{warning:?}"
    );
    std::fs::remove_dir(&log).unwrap();
    std::fs::write(&log, row("a", 1, "")).unwrap();
    line.clear();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, row("a", 1, ""));
    let status = exits_within(&mut child, Duration::from_secs(30), std::thread::yield_now);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert!(status.success() && rest.is_empty(), "{status}: {rest}");
}
