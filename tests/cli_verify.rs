//! `logwriter verify`: clean logs pass; each kind of damage is found, counted and fails.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use logwriter::{Event, EventKind, Field, Options};

mod bounded;
mod lock_waiters;
mod rotation_support;
mod sleeping;
mod unprivileged;
use lock_waiters::{locked_file, wait_for_lock_waiter};
use rotation_support::mkfifo;

const GOOD: &str = "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"join\",\"slot\":\"a\"}\n";

fn verify(args: &[&str], path: &Path) -> Output {
    bounded::output(bounded::logwriter().arg("verify").args(args).arg(path))
}

/// The limit works: a tool that waits forever (`show -f` of a log no one writes) is ended,
/// and reported.
#[test]
fn a_run_past_the_limit_is_ended() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, "").unwrap();
    let mut command = bounded::logwriter();
    let args = command
        .get_args()
        .map(ToOwned::to_owned)
        .collect::<Vec<_>>();
    assert_eq!(args[..3], ["-k", "5", "60"]);
    // The same command with a limit of 1 s, to see `output` report it.
    let mut short = bounded::logwriter_within(1);
    short.args(["show", "-f"]).arg(&log);
    let panicked =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| bounded::output(&mut short)));
    let message = *panicked.unwrap_err().downcast::<String>().unwrap();
    assert!(
        message.starts_with("logwriter still running after"),
        "{message}"
    );
    command.arg("--version");
    assert!(bounded::output(&mut command).status.success());
}

/// `verify --all` opens a FIFO at the log's path without waiting for a writer, as it holds
/// the series lock then; with no writer it reads as empty.
#[test]
fn all_does_not_wait_on_a_fifo_at_the_log_path() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let row = "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"slot\":\"a\"}\n";
    std::fs::write(dir.path().join("log.1"), row).unwrap();
    mkfifo(&log);
    let out = Command::new("timeout")
        .arg("20")
        .arg(env!("CARGO_BIN_EXE_logwriter"))
        .args(["verify", "--all", "--json"])
        .arg(&log)
        .output()
        .expect("run timeout (coreutils)");
    assert!(
        out.status.success(),
        "{out:?} (124: still waiting after 20 s)"
    );
    assert_eq!(summary(&out)["lines"], 1, "{out:?}");
}

/// `verify --all` of a log reached through a symbolic link checks the backups beside the
/// log, not beside the link (where there are none).
#[test]
fn all_through_a_link_checks_the_series_beside_the_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    for (n, name) in ["log.2", "log.1", "log"].iter().enumerate() {
        let n = u32::try_from(n).unwrap();
        std::fs::write(dir.path().join("b").join(name), renew_row(n)).unwrap();
    }
    let link = dir.path().join("a/current");
    std::os::unix::fs::symlink("../b/log", &link).unwrap();
    let out = verify(&["--all", "--json"], &link);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = summary(&out);
    assert_eq!(report["lines"], 3, "{out:?}");
    let series = dir.path().join("a/../b");
    assert_eq!(
        files_read(&report),
        paths_in(&series, &["log.2", "log.1", "log"])
    );
}

/// `verify --all` in a directory that may be searched but not listed (mode 0300) cannot
/// vouch for the series, so it says so (status 2), where `show --all` looks for the
/// backups by number: a damaged backup past a gap would go unchecked. As root, runs as
/// `nobody` (see `unprivileged`).
#[test]
fn all_in_a_directory_that_cannot_be_listed_cannot_check() {
    let bin = env!("CARGO_BIN_EXE_logwriter");
    let Some(out) = unprivileged::run_in_unlisted(bin, &["verify", "--all"], |drop| {
        std::fs::write(drop.join("log"), renew_row(1)).unwrap();
        std::fs::write(drop.join("log.1"), renew_row(0)).unwrap();
        std::fs::write(drop.join("log.4"), "garbage\n").unwrap();
    }) else {
        return;
    };
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("list backups of"), "{stderr}");
}

/// A row of renew at second `n`, with its `\n`.
fn renew_row(n: u32) -> String {
    format!("{{\"ts\":\"2026-05-01T12:00:0{n}Z\",\"event\":\"renew\",\"slot\":\"a\"}}\n")
}

/// Runs `verify --json ARGS LOG` once on files whose last line `write` left unfinished,
/// and, once `verify` sleeps waiting for the rest of it, calls `finish` with its process
/// id. The wait is bounded: a `verify` still running 20 s after `finish` is killed and
/// fails the test, rather than hang it.
fn verify_waiting_for_the_rest(
    args: &[&str],
    log: &Path,
    write: impl FnOnce(),
    finish: impl FnOnce(u32),
) -> Output {
    write();
    let mut child = Command::new(env!("CARGO_BIN_EXE_logwriter"))
        .arg("verify")
        .args(args)
        .arg("--json")
        .arg(log)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run logwriter");
    assert!(
        sleeping::wait_until_sleeping(child.id()),
        "verify ended without waiting for the rest of the last line"
    );
    finish(child.id());
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!(
                "verify still waiting after 20 s: {:?}",
                child.wait_with_output()
            );
        }
        std::thread::yield_now();
    }
    child.wait_with_output().unwrap()
}

/// [`verify_waiting_for_the_rest`], where `finish` appends the rest (and whatever else):
/// as a reader sees a write of several pages while it is being copied in. A round where
/// the rest came too late for `verify` (it reports the line torn) is made again, up to five
/// times. Returns the output of the round that was in time.
fn verify_with_a_late_rest(
    args: &[&str],
    log: &Path,
    write: impl Fn(),
    finish: impl Fn(),
) -> Output {
    for _round in 0..5 {
        let out = verify_waiting_for_the_rest(args, log, &write, |_| finish());
        if summary(&out)["problems"]["torn"] != 1 {
            return out;
        }
    }
    panic!("the rest of the line came too late for verify in five rounds");
}

/// Waits until process `pid`, a child of this one, has ended (a zombie, not yet waited
/// for) or gone to sleep twice since this call (by its count of voluntary context
/// switches): between those two sleeps it went once round its wait loop, all of it after
/// this call. Panics after 60 s.
fn wait_for_a_round_of_its_loop(pid: u32) {
    let status = || std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let sleeps = |status: &str| -> u64 {
        let count = status
            .lines()
            .find_map(|line| line.strip_prefix("voluntary_ctxt_switches:"));
        count.unwrap().trim().parse().unwrap()
    };
    let start = sleeps(&status());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let now = status();
        if now.contains("\nState:\tZ") || sleeps(&now) >= start + 2 {
            return;
        }
        assert!(Instant::now() < deadline, "no round after 60 s: {now}");
        std::thread::yield_now();
    }
}

/// Appends `text` to the file at `path`.
fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
}

/// A log whose last line is unfinished when `verify` gets there: `verify` waits for the
/// rest (it sleeps between looks), and the line is whole, not torn, once the rest comes.
/// What is appended after that line, past the size the file had when the check began, is
/// not read.
#[test]
fn a_last_line_still_being_written_is_waited_for_and_nothing_after_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let unfinished = renew_row(1);
    let (first_part, rest) = unfinished.split_at(20);
    let out = verify_with_a_late_rest(
        &[],
        &log,
        || std::fs::write(&log, format!("{}{first_part}", renew_row(0))).unwrap(),
        || append(&log, &format!("{rest}{}{}", renew_row(2), renew_row(3))),
    );
    let summary = summary(&out);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(summary["lines"], 2, "{summary}");
    assert_eq!(summary["events"]["renew"], 2, "{summary}");
}

/// A log cut below the size it had when the check began (copytruncate) while `verify`
/// waits for the rest of its last line ends the wait: the line is torn, and the new rows
/// written from the start of the file, though they reach past that size, are not read as
/// its rest (nothing glued, no event of theirs counted).
#[test]
fn a_log_cut_during_the_wait_for_its_last_line_leaves_the_line_torn() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let old = format!("{}{}", renew_row(0), &renew_row(1)[..20]);
    let new = GOOD.repeat(3);
    assert!(new.len() > old.len());
    let out = verify_waiting_for_the_rest(
        &[],
        &log,
        || std::fs::write(&log, &old).unwrap(),
        |pid| {
            std::fs::File::create(&log).unwrap();
            // `verify` has looked at the file since it was cut.
            wait_for_a_round_of_its_loop(pid);
            append(&log, &new);
        },
    );
    let summary = summary(&out);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(summary["lines"], 2, "{summary}");
    assert_eq!(summary["problems"]["torn"], 1, "{summary}");
    assert_eq!(summary["problem_count"], 1, "{summary}");
    assert_eq!(events_counted(&summary), 1, "{summary}");
}

/// A pipe has no size to stop at: `verify` reads it to its end.
#[test]
fn a_pipe_is_read_to_its_end() {
    let row = "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"slot\":\"a\"}\n";
    let (reader, mut writer) = std::io::pipe().unwrap();
    std::io::Write::write_all(&mut writer, row.repeat(2).as_bytes()).unwrap();
    drop(writer);
    let out = Command::new(env!("CARGO_BIN_EXE_logwriter"))
        .args(["verify", "--json", "/dev/stdin"])
        .stdin(reader)
        .output()
        .expect("run logwriter");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(summary(&out)["lines"], 2, "{out:?}");
}

/// A line finished while `verify` waits for it is checked as the line it is, under its own
/// number: here an unknown event on line 2.
#[test]
fn a_line_finished_during_the_wait_is_reported_under_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let unknown = "{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renamed\",\"slot\":\"a\"}\n";
    let (first_part, rest) = unknown.split_at(20);
    let out = verify_with_a_late_rest(
        &[],
        &log,
        || std::fs::write(&log, format!("{}{first_part}", renew_row(0))).unwrap(),
        || append(&log, rest),
    );
    let summary = summary(&out);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(summary["problems"]["unknown_event"], 1, "{summary}");
    let example = summary["examples"][0].as_str().unwrap();
    assert!(
        example.starts_with(&format!("{}:2: ", log.display())),
        "{example}"
    );
}

/// `verify --all` checks the series as it was when it began: lines appended to the log
/// while it waits for the rest of the last line of `log.1` (which it does before it reads
/// the log) are past the size the log had then, and are not read.
#[test]
fn all_checks_each_file_up_to_its_size_when_the_check_began() {
    let dir = tempfile::tempdir().unwrap();
    let (log, backup) = (dir.path().join("log"), dir.path().join("log.1"));
    let unfinished = renew_row(1);
    let (first_part, rest) = unfinished.split_at(20);
    let out = verify_with_a_late_rest(
        &["--all"],
        &log,
        || {
            std::fs::write(&backup, format!("{}{first_part}", renew_row(0))).unwrap();
            std::fs::write(&log, renew_row(5)).unwrap();
        },
        || {
            append(&log, &format!("{}{}", renew_row(6), renew_row(7)));
            append(&backup, &format!("{rest}{}", renew_row(2)));
        },
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(summary(&out)["lines"], 3, "{out:?}");
}

fn summary(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"))
}

/// The events of every kind a `--json` summary counted.
fn events_counted(summary: &serde_json::Value) -> u64 {
    summary["events"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum()
}

/// The files a `--json` summary says were read, in order.
fn files_read(report: &serde_json::Value) -> Vec<String> {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect()
}

/// `names` in `dir`, as `verify` prints paths.
fn paths_in(dir: &Path, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| dir.join(n).display().to_string())
        .collect()
}

#[test]
fn clean_log_passes_with_counts_by_kind() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let mut writer = Options::new().no_rotation().open(&log).unwrap();
    for (i, kind) in EventKind::ALL.iter().cycle().take(70).enumerate() {
        let fields = [
            Field::new("seq", i),
            Field::new("note", "<tag> & \"quotes\" \u{e9}"),
        ];
        writer
            .append(&Event::new(*kind).slot("a").fields(&fields))
            .unwrap();
    }
    let out = verify(&["--json"], &log);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let summary = summary(&out);
    assert_eq!(summary["ok"], true);
    assert_eq!(summary["lines"], 70);
    assert_eq!(summary["problem_count"], 0);
    for kind in EventKind::ALL {
        assert_eq!(summary["events"][kind.as_str()], 10, "{kind}");
    }
    let text = verify(&[], &log);
    assert_eq!(text.status.code(), Some(0));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("lines: 70\n") && text.ends_with("ok\n"),
        "{text}"
    );
}

#[test]
fn damage_table() {
    let oversize = format!(
        "{{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"error\",\"reason\":\"{}\"}}\n",
        "x".repeat(5000)
    );
    // (bytes after one good line, the problem found, the events counted in all)
    let rows: &[(&[u8], &str, u64)] = &[
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"com\n", "torn", 1),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\"}", "torn", 1),
        (
            b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"com{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"renew\"}\n",
            "glued",
            2,
        ),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"ev{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"ren\n", "glued", 1),
        // An object that is not a row, then a row: only the row is counted.
        (b"{}{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"renew\"}\n", "glued", 2),
        (b"{\"a\":1}{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"renew\"}\n", "glued", 2),
        // A whole row that lost only its newline, then another: both counted.
        (
            b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\"}{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"renew\"}\n",
            "glued",
            3,
        ),
        // Two that lost theirs, then a third: all three.
        (
            b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\"}{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"renew\"}{\"ts\":\"2026-05-01T12:00:03Z\",\"event\":\"renew\"}\n",
            "glued",
            4,
        ),
        // A whole row, a fragment, a row: both rows.
        (
            b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\"}{\"ts\":\"2026-05-01T12:00:02Z\",\"ev{\"ts\":\"2026-05-01T12:00:03Z\",\"event\":\"renew\"}\n",
            "glued",
            3,
        ),
        // A fragment, then a row holding an object whose first key is `ts`: the row whole.
        (
            b"{\"ts\":\"2026-05-01T12:00:01Z\",\"ev{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"renew\",\"o\":{\"ts\":1}}\n",
            "glued",
            2,
        ),
        (b"hello\n", "invalid_json", 1),
        (b"[1,2]\n", "invalid_json", 1),
        (b"\n", "invalid_json", 1),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\"} x\n", "invalid_json", 1),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\",\"a\":\"\xff\"}\n", "invalid_json", 1),
        (b"{\"ts\":\"yesterday\",\"event\":\"renew\"}\n", "bad_ts", 2),
        (b"{\"event\":\"renew\"}\n", "bad_ts", 2),
        (b"{\"ts\":1777636800,\"event\":\"renew\"}\n", "bad_ts", 2),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"deploy\"}\n", "unknown_event", 1),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\"}\n", "unknown_event", 1),
        (b"{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\",\"a\":1,\"a\":2}\n", "duplicate_key", 2),
        (oversize.as_bytes(), "too_long", 2),
        (b"{\"ts\":\"2026-05-01T11:59:58.9Z\",\"event\":\"renew\"}\n", "ts_backwards", 2),
    ];
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    for &(damage, problem, events) in rows {
        let mut bytes = GOOD.as_bytes().to_vec();
        bytes.extend_from_slice(damage);
        std::fs::write(&log, &bytes).unwrap();
        let label = String::from_utf8_lossy(damage);
        let out = verify(&["--json"], &log);
        assert_eq!(out.status.code(), Some(1), "{label}: {out:?}");
        let summary = summary(&out);
        assert_eq!(summary["ok"], false, "{label}");
        assert_eq!(summary["problem_count"], 1, "{label}: {summary}");
        assert_eq!(summary["problems"][problem], 1, "{label}: {summary}");
        let counted = events_counted(&summary);
        assert_eq!(counted, events, "{label}: {summary}");
        let example = summary["examples"][0].as_str().unwrap();
        assert!(
            example.starts_with(&format!("{}:2: ", log.display())),
            "{example}"
        );
    }
}

/// A glued last line without its `\n` is torn too: its last row, as a lone row would be,
/// and not counted (a whole row before it is), or the fragment after its last row.
#[test]
fn the_end_of_a_glued_last_line_without_newline_is_torn() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let cases: [(&str, u64); 4] = [
        ("{\"ts\":\"2026-05-01T12:00:01Z\",\"ev{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"renew\"}", 1),
        ("{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\"}{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"renew\"}", 2),
        // A whole row that lost its `\n`, then a write cut short at the end of the file.
        ("{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\"}{\"ts\":\"2026-05-01T12:00:02Z\",\"ev", 2),
        // Fragments alone.
        ("{\"ts\":\"2026-05-01T12:00:01Z\",\"ev{\"ts\":\"2026-05-01T12:00:02Z\",\"ev", 1),
    ];
    for (last, events) in cases {
        std::fs::write(&log, format!("{GOOD}{last}")).unwrap();
        let out = verify(&["--json"], &log);
        assert_eq!(out.status.code(), Some(1), "{last}: {out:?}");
        let summary = summary(&out);
        assert_eq!(summary["problem_count"], 2, "{last}: {summary}");
        assert_eq!(summary["problems"]["glued"], 1, "{last}: {summary}");
        assert_eq!(summary["problems"]["torn"], 1, "{last}: {summary}");
        let counted = events_counted(&summary);
        assert_eq!(counted, events, "{last}: {summary}");
    }
}

/// A log in a new directory, of one `renew` row at each of `times` of 2026-05-01 (UTC).
fn renews_at(times: &[&str]) -> (tempfile::TempDir, std::path::PathBuf) {
    let mut text = String::new();
    for time in times {
        writeln!(
            text,
            "{{\"ts\":\"2026-05-01T{time}Z\",\"event\":\"renew\"}}"
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, text).unwrap();
    (dir, log)
}

#[test]
fn order_allows_the_slack_of_writers_sharing_a_log() {
    // A shared log: each writer stamps its line before it writes it, so lines land out of
    // order by the time in between. Within the slack (1 s unless told) that is no
    // problem; a line further behind the latest before it is.
    let times = [
        "12:00:00.3",
        "12:00:00.2",
        "12:00:00.1",
        "12:00:00.4",
        "12:00:00.35",
        "11:59:59.3",
        "12:00:00.5",
        "12:00:00.45",
    ];
    let (_dir, log) = renews_at(&times);
    let path = log.display();
    let backwards = |args: &[&str]| {
        let out = verify(args, &log);
        let summary = summary(&out);
        assert_eq!(
            out.status.code(),
            Some(i32::from(summary["problem_count"] != 0)),
            "{out:?}"
        );
        assert_eq!(
            summary["problem_count"],
            summary["problems"]["ts_backwards"]
        );
        summary["examples"].clone()
    };
    // 1.1 s behind the latest (12:00:00.4), not the line just before.
    assert_eq!(
        backwards(&["--json"]),
        serde_json::json!([format!(
            "{path}:6: ts behind an earlier line's by more than the order slack (1.1 s)"
        )]),
    );
    assert_eq!(
        backwards(&["--json", "--order-slack", "2s"]),
        serde_json::json!([])
    );
    // Strict: every line behind the latest before it.
    let strict = backwards(&["--json", "--order-slack", "0s"]);
    // As the help says, a bare `0` is strict too.
    assert_eq!(backwards(&["--json", "--order-slack", "0"]), strict);
    let lines: Vec<&str> = strict
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e.as_str()
                .unwrap()
                .split(": ")
                .next()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(lines, ["2", "3", "5", "6", "8"]);
    let out = verify(&["--order-slack", "soon"], &log);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--order-slack: invalid duration 'soon'"),
        "{stderr}"
    );
}

/// Equal timestamps are in order, even strictly; a line exactly the slack behind is
/// within it, and one a nanosecond more is not.
#[test]
fn equal_timestamps_are_in_order_and_the_slack_is_inclusive() {
    let times = ["12:00:01", "12:00:01", "12:00:00", "11:59:59.999999999"];
    let (_dir, log) = renews_at(&times);
    let reported = |args: &[&str]| -> Vec<String> {
        let out = verify(args, &log);
        let summary = summary(&out);
        assert_eq!(
            summary["problem_count"],
            summary["problems"]["ts_backwards"]
        );
        summary["examples"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e.as_str().unwrap().to_owned())
            .collect()
    };
    // How far behind, exactly: rounded to milliseconds, 1.000000001 s read as 1.000 s.
    let at = |line: u32, behind: &str| {
        format!(
            "{}:{line}: ts behind an earlier line's by more than the order slack ({behind})",
            log.display()
        )
    };
    assert_eq!(reported(&["--json"]), [at(4, "1.000000001 s")]);
    assert_eq!(
        reported(&["--json", "--order-slack", "0s"]),
        [at(3, "1 s"), at(4, "1.000000001 s")]
    );
}

#[test]
fn text_report_lists_problems_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let text = format!(
        "{GOOD}{{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"com{GOOD}{{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"deploy\"}}\n"
    );
    std::fs::write(&log, text).unwrap();
    let out = verify(&[], &log);
    assert_eq!(out.status.code(), Some(1));
    let report = String::from_utf8(out.stdout).unwrap();
    let path = log.display();
    assert!(
        report.contains(&format!("{path}:2: glued line")),
        "{report}"
    );
    assert!(
        report.contains(&format!("{path}:3: event missing or not a known kind")),
        "{report}"
    );
    assert!(
        report.contains("problems: 2 (torn 0, glued 1, invalid_json 0, bad_ts 0, unknown_event 1,"),
        "{report}"
    );
    assert!(report.ends_with("FAILED\n"), "{report}");
}

#[test]
fn all_checks_the_series_and_times_within_each_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    // Each file is in order; the series as a whole is not, which is no problem "in a file".
    std::fs::write(dir.path().join("log.2"), GOOD.repeat(3)).unwrap();
    std::fs::write(
        dir.path().join("log.1"),
        "{\"ts\":\"2026-05-01T13:00:00Z\",\"event\":\"renew\"}\n",
    )
    .unwrap();
    std::fs::write(&log, GOOD.repeat(2)).unwrap();
    let out = verify(&["--all", "--json"], &log);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = summary(&out);
    assert_eq!(report["lines"], 6);
    assert_eq!(report["events"]["join"], 5);
    assert_eq!(report["events"]["renew"], 1);
    assert_eq!(
        files_read(&report),
        paths_in(dir.path(), &["log.2", "log.1", "log"])
    );

    std::fs::write(
        dir.path().join("log.1"),
        "{\"ts\":\"2026-05-01T13:00:00Z\",\"event\":\"renew\"}\n{",
    )
    .unwrap();
    let out = verify(&["--all", "--json"], &log);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(summary(&out)["problems"]["torn"], 1);
    // Without --all only the active file is read.
    assert_eq!(verify(&["--json"], &log).status.code(), Some(0));
}

#[test]
fn all_checks_backups_past_a_missing_number() {
    // A crash during a rotation can leave a hole in the numbers: log.2 is missing. Names
    // that only look like backups are not read.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(dir.path().join("log.3"), format!("{GOOD}garbage\n")).unwrap();
    std::fs::write(dir.path().join("log.1"), GOOD).unwrap();
    std::fs::write(&log, GOOD).unwrap();
    for decoy in ["log.0", "log.03", "log.+4", "log.5.gz", "log.4294967296"] {
        std::fs::write(dir.path().join(decoy), "not a row\n").unwrap();
    }
    let out = verify(&["--all", "--json"], &log);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report = summary(&out);
    let expected = paths_in(dir.path(), &["log.3", "log.1", "log"]);
    assert_eq!(files_read(&report), expected);
    assert_eq!(report["lines"], 4);
    assert_eq!(report["problem_count"], 1, "{report}");
    assert_eq!(report["problems"]["invalid_json"], 1, "{report}");
    assert_eq!(
        report["examples"],
        serde_json::json!([format!("{}:2: not a JSON object", expected[0])])
    );
}

#[test]
fn all_checks_the_backups_of_a_log_that_is_missing() {
    // The active file deleted (or not yet recreated after a rotation by another program):
    // `--all` checks the backups there are, as `show --all` shows them.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(dir.path().join("log.2"), GOOD).unwrap();
    std::fs::write(dir.path().join("log.1"), GOOD).unwrap();
    let out = verify(&["--all", "--json"], &log);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = summary(&out);
    assert_eq!(
        files_read(&report),
        paths_in(dir.path(), &["log.2", "log.1"])
    );
    assert_eq!(report["lines"], 2);

    // With no backups either, there is nothing to check: the log's absence is the error,
    // and 2 says the log could not be checked.
    let empty = tempfile::tempdir().unwrap();
    let out = verify(&["--all"], &empty.path().join("log"));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("logwriter: open "), "{stderr}");
}

#[test]
fn all_opens_the_series_under_the_rotation_lock() {
    // While a rotation holds `log.lock`, `verify --all` waits for it rather than open files
    // the rotation is moving: its view of the series is one snapshot.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let mut writer = Options::new().max_files(3).open(&log).unwrap();
    for slot in ["a", "b", "c"] {
        writer
            .append(&Event::new(EventKind::Join).slot(slot))
            .unwrap();
        writer.rotate().unwrap();
    }
    writer
        .append(&Event::new(EventKind::Join).slot("d"))
        .unwrap();
    let holder = locked_file(&dir.path().join("log.lock"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_logwriter"))
        .args(["verify", "--all", "--json"])
        .arg(&log)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run logwriter");
    wait_for_lock_waiter(&holder, || child.try_wait().unwrap().is_some());
    drop(holder);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = summary(&out);
    let expected = paths_in(dir.path(), &["log.3", "log.2", "log.1", "log"]);
    assert_eq!(files_read(&report), expected);
    assert_eq!(report["lines"], 4);
}

#[test]
fn line_longer_than_the_read_buffer_is_too_long() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let huge = format!("{GOOD}{}\n{GOOD}", "y".repeat(3 << 20));
    std::fs::write(&log, huge).unwrap();
    let out = verify(&["--json"], &log);
    assert_eq!(out.status.code(), Some(1));
    let summary = summary(&out);
    assert_eq!(summary["lines"], 3);
    assert_eq!(summary["problem_count"], 1);
    assert_eq!(summary["problems"]["too_long"], 1);
    assert_eq!(summary["events"]["join"], 2);
}

#[test]
fn unterminated_line_longer_than_the_read_buffer_is_too_long_and_torn() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    // 3 MiB plus a bit: the reader holds 1 MiB, so most of the line is skipped.
    let len = (3 << 20) + 5;
    std::fs::write(&log, format!("{GOOD}{}", "y".repeat(len))).unwrap();
    let out = verify(&["--json"], &log);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let summary = summary(&out);
    assert_eq!(summary["lines"], 2);
    assert_eq!(summary["problem_count"], 2, "{summary}");
    assert_eq!(summary["problems"]["too_long"], 1, "{summary}");
    assert_eq!(summary["problems"]["torn"], 1, "{summary}");
    let path = log.display();
    assert_eq!(
        summary["examples"],
        serde_json::json!([
            format!("{path}:2: over the 4096-byte line limit ({len} bytes)"),
            format!(
                "{path}:2: torn line: cut short before its end (no newline at the end of the file)"
            ),
        ])
    );
}

#[test]
fn closed_output_keeps_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.log");
    let torn = dir.path().join("torn.log");
    std::fs::write(&good, GOOD).unwrap();
    std::fs::write(&torn, format!("{GOOD}{{\"ts\":\"2026-05-01T12:00:01Z\"")).unwrap();
    for (path, expected) in [(&good, Some(0)), (&torn, Some(1))] {
        for args in [&[][..], &["--json"][..]] {
            // The pipe's read end is closed before the command starts: its report cannot
            // be written, deterministically.
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            let out = Command::new(env!("CARGO_BIN_EXE_logwriter"))
                .arg("verify")
                .args(args)
                .arg(path)
                .stdout(writer)
                .output()
                .unwrap();
            assert_eq!(out.status.code(), expected, "{args:?} {path:?}: {out:?}");
            assert!(out.stderr.is_empty(), "{out:?}");
        }
    }
}

#[test]
fn missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = verify(&[], &dir.path().join("missing"));
    // Not 1, which says the log has problems: it could not be checked.
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("logwriter: open ") && stderr.contains("No such file"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

/// The `--json` summary of a log holding `text`, which `verify` must find problems in.
fn failed_summary(text: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, text).unwrap();
    let out = verify(&["--json"], &log);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    summary(&out)
}

/// The line limit, 4096 bytes with the `\n`, is inclusive: a row of exactly 4096 bytes
/// passes, and one of 4097 is too long.
#[test]
fn a_row_of_4096_bytes_passes_and_one_of_4097_is_too_long() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    for (len, too_long) in [(4096, 0), (4097, 1)] {
        let pad = "x".repeat(len - 66);
        let row = format!(
            "{{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"slot\":\"a\",\"pad\":\"{pad}\"}}\n"
        );
        assert_eq!(row.len(), len);
        std::fs::write(&log, row).unwrap();
        let out = verify(&["--json"], &log);
        assert_eq!(out.status.code(), Some(too_long), "{len}: {out:?}");
        let summary = summary(&out);
        assert_eq!(
            summary["problems"]["too_long"], too_long,
            "{len}: {summary}"
        );
        assert_eq!(summary["problem_count"], too_long, "{len}: {summary}");
        assert_eq!(summary["events"]["renew"], 1, "{len}: {summary}");
    }
}

/// Examples stop at the first 20 problems; the ones after are only counted.
#[test]
fn examples_stop_at_twenty_and_later_problems_are_only_counted() {
    let summary = failed_summary(&"hello\n".repeat(25));
    assert_eq!(summary["problem_count"], 25, "{summary}");
    assert_eq!(summary["problems"]["invalid_json"], 25, "{summary}");
    let examples = summary["examples"].as_array().unwrap();
    assert_eq!(examples.len(), 20, "{summary}");
    let last = examples[19].as_str().unwrap();
    assert!(last.ends_with(":20: not a JSON object"), "{last}");
}

/// A UTF-8 byte-order mark at the start of a line (an editor's) is reported as what it is,
/// not as the fragment of a write cut short, and the row after it is checked and counted.
#[test]
fn a_byte_order_mark_is_reported_as_such_and_the_row_after_it_checked() {
    let summary = failed_summary(&format!("\u{FEFF}{GOOD}{GOOD}\u{FEFF}not json\n"));
    assert_eq!(summary["events"]["join"], 2, "{summary}");
    assert_eq!(summary["problems"]["glued"], 0, "{summary}");
    // One for each mark, one for the text after the second.
    assert_eq!(summary["problems"]["invalid_json"], 3, "{summary}");
    assert_eq!(summary["problem_count"], 3, "{summary}");
    let examples = summary["examples"].as_array().unwrap();
    assert!(
        examples[0].as_str().unwrap().ends_with(":1: not a JSON object (starts with a UTF-8 byte-order mark, EF BB BF, which JSON forbids; the rest is checked)"),
        "{examples:?}"
    );
}

/// A byte-order mark on a last line without its `\n` is reported too, and the row after
/// it is torn, as that row alone would be: not taken for garbage.
#[test]
fn a_byte_order_mark_on_a_last_line_without_a_newline_is_reported() {
    let summary = failed_summary(&format!("{GOOD}\u{FEFF}{}", GOOD.trim_end()));
    assert_eq!(summary["events"]["join"], 1, "{summary}");
    assert_eq!(summary["problems"]["invalid_json"], 1, "{summary}");
    assert_eq!(summary["problems"]["torn"], 1, "{summary}");
    assert_eq!(summary["problem_count"], 2, "{summary}");
}
