//! `logwriter show`: rendering, filters, the rotated series, colour and closed pipes.
// Test data reads best as format! per line, collected.
#![allow(clippy::format_collect)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod bounded;
mod lock_waiters;
mod rotation_support;
mod sleeping;
mod timing;
mod unprivileged;
use lock_waiters::locked_file;
use rotation_support::mkfifo;
use sleeping::wait_until_sleeping;
use timing::until_timed;

const LOG: &str = concat!(
    r#"{"ts":"2026-05-01T12:00:00Z","event":"join","slot":"a","task_id":"t-7c92","worktree":"/w/a"}"#,
    "\n",
    r#"{"ts":"2026-05-01T12:02:31.5Z","event":"commit","slot":"a","message":"refactor validator","sha":"abc123","files":4}"#,
    "\n",
    "not json at all\n",
    r#"{"event":"close","result":"success","slot":"b","summary":"done","ts":"2026-05-01T12:07:02Z"}"#,
    "\n",
    r#"{"ts":"2026-05-01T12:08:00Z","event":"ren"#,
    "\n",
    r#"{"ts":"2026-05-01T12:09:00Z","event":"error","reason":"\u003cboom\u003e","recoverable":true,"verb":"commit"}"#,
    "\n",
);

fn show(log: &Path, args: &[&str], tz: &str) -> Output {
    bounded::output(
        bounded::logwriter()
            .arg("show")
            .arg(log)
            .args(args)
            .env("TZ", tz)
            .env_remove("NO_COLOR"),
    )
}

fn stdout_of(out: &Output) -> String {
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn crafted() -> (tempfile::TempDir, std::path::PathBuf) {
    log_of(LOG)
}

/// A log holding `text`, in a temp dir of its own.
fn log_of(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    std::fs::write(&log, text).unwrap();
    (dir, log)
}

#[test]
fn renders_local_time_with_zone_and_fields_in_file_order() {
    let (_dir, log) = crafted();
    assert_eq!(
        stdout_of(&show(&log, &[], "UTC")),
        "12:00:00 UTC  join          slot=a  task_id=t-7c92  worktree=/w/a\n\
         12:02:31 UTC  commit        slot=a  message=\"refactor validator\"  sha=abc123  files=4\n\
         12:07:02 UTC  close         slot=b  result=success  summary=done\n\
         12:09:00 UTC  error         reason=<boom>  recoverable=true  verb=commit\n"
    );
    let berlin = stdout_of(&show(&log, &["--last", "1"], "Europe/Berlin"));
    assert_eq!(
        berlin,
        "14:09:00 CEST  error         reason=<boom>  recoverable=true  verb=commit\n"
    );
}

/// A `TZ` that names something other than a regular zone file is not read, whether its
/// path is absolute or relative: `/dev/stdin` took the rows of a log read from standard
/// input (and a FIFO blocked, even with `--json`). A zone file named by its path, absolute
/// or relative, is read; so is a zone named by a path through `zoneinfo/`, and one named
/// relative to `TZDIR` (by default `/usr/share/zoneinfo`, where `posix/…` is).
#[test]
fn a_tz_path_that_is_not_a_zone_file_is_not_read() {
    let (dir, log) = crafted();
    std::fs::copy(
        "/usr/share/zoneinfo/Europe/Berlin",
        dir.path().join("myzone"),
    )
    .unwrap();
    // The log through a pipe, written and closed before the tool starts, run in `cwd`.
    let last = |tz: &str, cwd: &Path, args: &[&str]| {
        let (reader, mut writer) = std::io::pipe().unwrap();
        std::io::Write::write_all(&mut writer, &std::fs::read(&log).unwrap()).unwrap();
        drop(writer);
        let out = Command::new(env!("CARGO_BIN_EXE_logwriter"))
            .args(["show", "/dev/stdin"])
            .args(args)
            .env("TZ", tz)
            .env_remove("TZDIR")
            .env_remove("NO_COLOR")
            .current_dir(cwd)
            .stdin(reader)
            .output()
            .expect("run logwriter");
        stdout_of(&out).lines().last().map(str::to_owned)
    };
    let root = Path::new("/");
    for tz in ["/dev/stdin", ":/dev/stdin", "proc/self/fd/0", ":dev/stdin"] {
        assert_eq!(
            last(tz, root, &[]).as_deref(),
            Some("12:09:00 UTC  error         reason=<boom>  recoverable=true  verb=commit"),
            "{tz}"
        );
        let json = last(tz, root, &["--json"]);
        assert!(
            json.is_some_and(|row| row.contains("\"verb\":\"commit\"")),
            "{tz}"
        );
    }
    for (tz, cwd) in [
        ("/usr/share/zoneinfo/Europe/Berlin", root),
        ("myzone", dir.path()),
        (":./myzone", dir.path()),
        ("usr/share/zoneinfo/Europe/Berlin", root),
        ("posix/Europe/Berlin", dir.path()),
    ] {
        let berlin = last(tz, cwd, &[]);
        assert!(
            berlin.is_some_and(|row| row.starts_with("14:09:00 CEST ")),
            "{tz}"
        );
    }
    // Under TZDIR, in `posix/`, which jiff's database leaves out: found by the tool alone.
    // A FIFO there is not read (it would block), by its name nor by one that differs only
    // in case (which jiff's database would have taken for it).
    let tzdir = tempfile::tempdir().unwrap();
    std::fs::create_dir(tzdir.path().join("posix")).unwrap();
    std::fs::copy(
        "/usr/share/zoneinfo/Europe/Berlin",
        tzdir.path().join("posix/myzone"),
    )
    .unwrap();
    mkfifo(&tzdir.path().join("fifo"));
    for (tz, expected) in [
        ("posix/myzone", "14:09:00 CEST "),
        ("fifo", "12:09:00 UTC "),
        ("FIFO", "12:09:00 UTC "),
        // A POSIX rule without dates takes the United States' daylight-saving dates.
        ("CET-1CEST", "14:09:00 CEST "),
        ("CET-1CEST,", "14:09:00 CEST "),
    ] {
        let out = Command::new("timeout")
            .arg("60")
            .arg(env!("CARGO_BIN_EXE_logwriter"))
            .args(["show", "--last", "1"])
            .arg(&log)
            .env("TZ", tz)
            .env("TZDIR", tzdir.path())
            .env_remove("NO_COLOR")
            .current_dir(root)
            .output()
            .expect("run timeout (coreutils)");
        assert!(stdout_of(&out).starts_with(expected), "{tz}: {out:?}");
    }
}

#[test]
fn full_time_is_utc_rfc3339() {
    let (_dir, log) = crafted();
    let out = stdout_of(&show(
        &log,
        &["--full-time", "--event", "commit"],
        "Asia/Tokyo",
    ));
    assert_eq!(
        out,
        "2026-05-01T12:02:31.5Z  commit        slot=a  message=\"refactor validator\"  sha=abc123  files=4\n"
    );
}

#[test]
fn full_time_before_1970_is_utc_rfc3339_too() {
    let (_dir, log) = log_of(
        "{\"ts\":\"1969-12-31T23:59:59.25Z\",\"event\":\"renew\"}\n\
         {\"ts\":\"1900-01-01T09:00:00+09:00\",\"event\":\"renew\"}\n",
    );
    let out = stdout_of(&show(&log, &["--full-time"], "Asia/Tokyo"));
    assert_eq!(
        out,
        "1969-12-31T23:59:59.25Z  renew\n1900-01-01T00:00:00Z  renew\n"
    );
}

#[test]
fn since_a_duration_back_before_1970_keeps_its_cutoff() {
    let (_dir, log) = log_of(
        "{\"ts\":\"1900-01-01T00:00:00Z\",\"event\":\"renew\",\"n\":0}\n\
         {\"ts\":\"1969-12-31T23:59:59.5Z\",\"event\":\"renew\",\"n\":1}\n\
         {\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"n\":2}\n",
    );
    // 1,000 days more than the time since 1970: a cutoff in 1967, whenever the test runs.
    let since_1970 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let back = format!("{}d", since_1970.as_secs() / 86_400 + 1_000);
    let out = stdout_of(&show(&log, &["--since", &back, "--json"], "UTC"));
    let shown: Vec<&str> = out.lines().map(|l| &l[l.len() - 2..l.len() - 1]).collect();
    assert_eq!(shown, ["1", "2"], "{out}");
}

/// A writer cut short leaves a fragment, and the next line appended joins it; a crash can
/// leave NUL bytes before a line. `show` takes the row after them, as `verify` recovers it.
#[test]
fn the_row_of_a_glued_line_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let row =
        |n: u32| format!("{{\"ts\":\"2026-05-01T12:00:0{n}Z\",\"event\":\"renew\",\"n\":{n}}}");
    let rows = |ns: &[u32]| {
        ns.iter()
            .map(|&n| format!("{}\n", row(n)))
            .collect::<String>()
    };
    // A row cut short with the next glued onto it, then NUL bytes before a row: the rows
    // after the fragment are shown.
    let cut_short = format!(
        "{}\n{{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"comm{}\n\0\0\0{}\n{}\n",
        row(0),
        row(2),
        row(3),
        row(4)
    );
    // A whole row that lost only its newline, then the row glued onto it: both shown, in
    // order, and both in the `--last` window; and so for two that lost theirs.
    let lost_newline = format!("{}\n{}{}\n{}\n", row(0), row(1), row(2), row(3));
    let lost_two = format!("{}{}{}\n{}\n", row(0), row(1), row(2), row(3));
    let cases: [(String, &[u32], &[u32]); 3] = [
        (cut_short, &[0, 2, 3, 4], &[2, 3, 4]),
        (lost_newline, &[0, 1, 2, 3], &[1, 2, 3]),
        (lost_two, &[0, 1, 2, 3], &[1, 2, 3]),
    ];
    for (text, all, last) in cases {
        std::fs::write(&log, &text).unwrap();
        let shown = stdout_of(&show(&log, &["--json"], "UTC"));
        assert_eq!(shown, rows(all), "{text:?}");
        let shown = stdout_of(&show(&log, &["--json", "--last", "3"], "UTC"));
        assert_eq!(shown, rows(last), "{text:?}");
        let shown = stdout_of(&show(&log, &["--full-time"], "UTC"));
        assert_eq!(shown.lines().count(), all.len(), "{text:?}");
    }
    // A row that holds `{"ts":` in a string is a row: nothing is cut out of it.
    let inner = r#"{"ts":"2026-05-01T12:00:05Z","event":"renew","note":"{\"ts\":1}"}"#;
    std::fs::write(&log, format!("{inner}\n")).unwrap();
    assert_eq!(
        stdout_of(&show(&log, &["--json"], "UTC")),
        format!("{inner}\n")
    );
}

#[test]
fn a_slot_that_is_not_a_string_is_shown_among_the_fields() {
    let (_dir, log) = log_of(
        "{\"ts\":\"2026-05-01T12:00:04Z\",\"event\":\"join\",\"slot\":7,\"x\":1}\n\
         {\"ts\":\"2026-05-01T12:00:05Z\",\"event\":\"join\",\"slot\":\"\",\"x\":2}\n",
    );
    assert_eq!(
        stdout_of(&show(&log, &["--full-time"], "UTC")),
        "2026-05-01T12:00:04Z  join          slot=7  x=1\n\
         2026-05-01T12:00:05Z  join          x=2\n"
    );
    // An empty string is no slot, as writers leave it out; 7 is no name.
    assert_eq!(
        stdout_of(&show(&log, &["--full-time", "--slot", ""], "UTC")),
        "2026-05-01T12:00:05Z  join          x=2\n"
    );
    assert_eq!(
        stdout_of(&show(&log, &["--full-time", "--slot", "7"], "UTC")),
        ""
    );
}

#[test]
fn json_prints_rows_byte_for_byte() {
    let (_dir, log) = crafted();
    let rows: Vec<&str> = LOG
        .lines()
        .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
        .collect();
    assert_eq!(rows.len(), 4);
    let out = stdout_of(&show(&log, &["--json"], "UTC"));
    assert_eq!(
        out,
        rows.iter().map(|r| format!("{r}\n")).collect::<String>()
    );
}

#[test]
fn filters_table() {
    let (_dir, log) = crafted();
    // (arguments, the `ts` seconds of the rows expected, by minute:second)
    let rows: &[(&[&str], &[&str])] = &[
        (&["--slot", "a"], &["00:00", "02:31"]),
        (&["--slot", "b"], &["07:02"]),
        (&["--slot", "zzz"], &[]),
        (&["--slot", ""], &["09:00"]),
        (&["--event", "close"], &["07:02"]),
        (&["--since", "2026-05-01T12:05:00Z"], &["07:02", "09:00"]),
        (
            &["--since", "2026-05-01T14:07:02+02:00"],
            &["07:02", "09:00"],
        ),
        (&["--since", "5m"], &[]),
        (&["--last", "2"], &["07:02", "09:00"]),
        (&["--last", "0"], &[]),
        (&["--last", "10"], &["00:00", "02:31", "07:02", "09:00"]),
        (&["--last", "1", "--slot", "a"], &["02:31"]),
        (
            &["--last", "5", "--event", "join", "--slot", "a"],
            &["00:00"],
        ),
    ];
    for &(args, expected) in rows {
        let out = stdout_of(&show(&log, args, "UTC"));
        let got: Vec<&str> = out.lines().map(|l| &l[3..8]).collect();
        assert_eq!(got, expected, "{args:?}");
    }
}

#[test]
fn since_a_duration_counts_back_from_now() {
    let (_dir, log) = crafted();
    let out = Command::new(env!("CARGO_BIN_EXE_logwriter"))
        .args(["append"])
        .arg(&log)
        .args(["--event", "renew", "--slot", "now"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = stdout_of(&show(&log, &["--since", "1h", "--json"], "UTC"));
    assert_eq!(out.lines().count(), 1);
    assert!(out.contains("\"slot\":\"now\""));
}

#[test]
fn all_reads_the_series_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    for (name, seqs) in [("log.2", 0..3), ("log.1", 3..5), ("log", 5..8)] {
        let text: String = seqs
            .map(|seq| {
                format!(
                    "{{\"ts\":\"2026-05-01T12:00:0{seq}Z\",\"event\":\"renew\",\"seq\":{seq}}}\n"
                )
            })
            .collect();
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    assert_eq!(
        seqs(&stdout_of(&show(&log, &["--all", "--json"], "UTC"))),
        (0..8).collect::<Vec<_>>()
    );
    assert_eq!(
        seqs(&stdout_of(&show(&log, &["--json"], "UTC"))),
        vec![5, 6, 7]
    );
    assert_eq!(
        seqs(&stdout_of(&show(
            &log,
            &["--all", "--json", "--last", "4"],
            "UTC"
        ))),
        vec![4, 5, 6, 7]
    );
}

/// A log reached through a symbolic link (`a/current` → `../b/log`, made by an operator:
/// the crate's writers refuse one) has its backups beside the log, not beside the link.
#[test]
fn all_through_a_link_reads_the_series_beside_the_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    let names = ["log.2", "log.1", "log"].map(|name| format!("b/{name}"));
    write_series(dir.path(), &names);
    let link = dir.path().join("a/current");
    std::os::unix::fs::symlink("../b/log", &link).unwrap();
    let out = stdout_of(&show(&link, &["--all", "--json"], "UTC"));
    assert_eq!(seqs(&out), [0, 1, 2]);
}

/// In a directory that may be searched but not listed (mode 0300 for its owner), `--all`
/// finds the backups by number, past one missing number but not two, and says so. As
/// root, runs as `nobody` (see `unprivileged`).
#[test]
fn all_in_a_directory_that_cannot_be_listed_finds_the_backups_by_number() {
    let bin = env!("CARGO_BIN_EXE_logwriter");
    let Some(out) = unprivileged::run_in_unlisted(bin, &["show", "--all", "--json"], |drop| {
        // log.2, log.4 and log.5 are missing: log.6 is past a gap of two.
        write_series(drop, &["log.6", "log.3", "log.1", "log"].map(String::from));
    }) else {
        return;
    };
    assert!(out.status.success(), "{out:?}");
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(seqs(&stdout), [1, 2, 3], "log.3, log.1 and log");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("logwriter: warning: list backups of ")
            && stderr.contains("looked for by number")
            && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn all_reads_backups_past_a_missing_number() {
    // A crash during a rotation can leave a hole in the numbers: log.2 is missing.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    for (name, seq) in [("log.3", 0), ("log.1", 1), ("log", 2)] {
        let text =
            format!("{{\"ts\":\"2026-05-01T12:00:0{seq}Z\",\"event\":\"renew\",\"seq\":{seq}}}\n");
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let out = stdout_of(&show(&log, &["--all"], "UTC"));
    assert_eq!(
        out,
        "12:00:00 UTC  renew         seq=0\n\
         12:00:01 UTC  renew         seq=1\n\
         12:00:02 UTC  renew         seq=2\n"
    );
}

/// The `seq` of each row `show --json` printed.
fn seqs(out: &str) -> Vec<u64> {
    out.lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

/// `count` files of one `renew` row each, `seq` counting from the oldest.
fn write_series(dir: &Path, names: &[String]) {
    for (seq, name) in names.iter().enumerate() {
        let text =
            format!("{{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"seq\":{seq}}}\n");
        std::fs::write(dir.join(name), text).unwrap();
    }
}

#[test]
fn a_last_row_without_a_newline_is_shown_and_a_follower_waits_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let row =
        |seq: u32| format!("{{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"seq\":{seq}}}");
    // The backup ends in a fragment that is not a row; the log in a whole row without `\n`.
    std::fs::write(
        dir.path().join("log.1"),
        format!("{}\n{{\"ts\":\"2026-05", row(0)),
    )
    .unwrap();
    std::fs::write(&log, format!("{}\n{}", row(1), row(2))).unwrap();
    let shown = stdout_of(&show(&log, &["--all", "--json"], "UTC"));
    assert_eq!(shown, format!("{}\n{}\n{}\n", row(0), row(1), row(2)));
    let shown = stdout_of(&show(&log, &["--json", "--last", "1"], "UTC"));
    assert_eq!(shown, format!("{}\n", row(2)));
    // A follower waits for the rest of the line, and shows it when it ends on idle.
    let follow = |args: &[&str]| {
        let mut all = vec!["-f", "--json", "--exit-on-idle", "100ms"];
        all.extend_from_slice(args);
        stdout_of(&show(&log, &all, "UTC"))
    };
    assert_eq!(follow(&[]), format!("{}\n{}\n", row(1), row(2)));
    // With --last, rows already there are shown only from the window, chosen among the
    // whole lines, so the unterminated one is not, at the idle end either.
    assert_eq!(follow(&["--last", "1"]), format!("{}\n", row(1)));
    assert_eq!(follow(&["--last", "0"]), "");
}

#[test]
fn all_shows_the_backups_when_the_log_itself_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    write_series(dir.path(), &["log.2".to_owned(), "log.1".to_owned()]);
    let out = stdout_of(&show(&log, &["--all", "--json"], "UTC"));
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.lines().next().unwrap().ends_with("\"seq\":0}"), "{out}");
    // Without --all, or with nothing at all, a missing log is still an error.
    let out = show(&log, &[], "UTC");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let empty = tempfile::tempdir().unwrap();
    let out = show(&empty.path().join("log"), &["--all"], "UTC");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("No such file"),
        "{out:?}"
    );
}

#[test]
fn all_opens_more_backups_than_the_soft_open_file_limit() {
    // The series is opened as one snapshot; a writer may keep more backups than the soft
    // limit on open files, so the tool raises it up to the hard limit.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let mut names: Vec<String> = (1..=200).rev().map(|n| format!("log.{n}")).collect();
    names.push("log".to_owned());
    write_series(dir.path(), &names);
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -S -n 64 && exec "$0" show --all --json "$1""#)
        .arg(env!("CARGO_BIN_EXE_logwriter"))
        .arg(&log)
        .output()
        .unwrap();
    let text = stdout_of(&out);
    assert_eq!(text.lines().count(), 201);
    assert!(
        text.lines().last().unwrap().ends_with("\"seq\":200}"),
        "{text}"
    );
}

#[test]
fn colours_by_kind_and_result() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let lines = [
        (r#""event":"commit""#, Some("\x1b[32m")),
        (r#""event":"commit_error""#, Some("\x1b[31m")),
        (r#""event":"error""#, Some("\x1b[31m")),
        (r#""event":"close","result":"success""#, Some("\x1b[32m")),
        (r#""event":"close","result":"fail""#, Some("\x1b[31m")),
        (r#""event":"close","result":"fork""#, Some("\x1b[33m")),
        (r#""event":"join""#, None),
    ];
    let text: String = lines
        .iter()
        .map(|(body, _)| format!("{{\"ts\":\"2026-05-01T12:00:00Z\",{body}}}\n"))
        .collect();
    std::fs::write(&log, text).unwrap();
    let out = stdout_of(&show(&log, &["--color", "always"], "UTC"));
    for (line, (body, colour)) in out.lines().zip(lines) {
        match colour {
            Some(code) => assert!(
                line.contains(&format!("  {code}")) && line.contains("\x1b[0m"),
                "{body}: {line:?}"
            ),
            None => assert!(!line.contains('\x1b'), "{body}: {line:?}"),
        }
    }
    for args in [
        &["--color", "always", "--no-color"][..],
        &["--color", "never"],
        &[],
    ] {
        let plain = stdout_of(&show(&log, args, "UTC"));
        assert!(
            !plain.contains('\x1b'),
            "{args:?}: a pipe is not a terminal"
        );
        assert_eq!(plain.lines().count(), lines.len());
    }
}

/// Runs `show` on a pseudo-terminal through `script(1)` (util-linux).
fn show_on_tty(log: &Path, no_color: Option<&str>) -> String {
    let command = format!(
        "{} show --full-time {}",
        env!("CARGO_BIN_EXE_logwriter"),
        log.display()
    );
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &command, "/dev/null"]).env("TZ", "UTC");
    match no_color {
        Some(value) => cmd.env("NO_COLOR", value),
        None => cmd.env_remove("NO_COLOR"),
    };
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .expect("script(1) from util-linux");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn terminal_gets_colour_unless_no_color() {
    let (_dir, log) = log_of("{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"commit\"}\n");
    assert!(show_on_tty(&log, None).contains("\x1b[32mcommit\x1b[0m"));
    assert!(
        show_on_tty(&log, Some("")).contains("\x1b[32mcommit\x1b[0m"),
        "an empty NO_COLOR is unset"
    );
    let plain = show_on_tty(&log, Some("1"));
    assert!(
        plain.contains("commit") && !plain.contains("\x1b["),
        "{plain:?}"
    );
}

#[test]
fn closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let text: String = (0..50_000)
        .map(|seq| {
            format!("{{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"seq\":{seq}}}\n")
        })
        .collect();
    std::fs::write(&log, text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_logwriter"))
        .arg("show")
        .arg(&log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.ends_with("renew         seq=0\n"), "{first:?}");
    // The reader is dropped here: the pipe closes like `| head -1`.
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn output_errors_are_blamed_on_stdout_and_read_errors_on_the_file() {
    let (dir, log) = crafted();
    std::fs::write(dir.path().join("log.1"), LOG).unwrap();
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    for args in [
        &[][..],
        &["--all"],
        &["--json"],
        &["--last", "1"],
        &["-f", "--exit-on-idle", "10s"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_logwriter"))
            .arg("show")
            .arg(&log)
            .args(args)
            .stdout(full())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("logwriter: stdout: No space left on device")
                && stderr.lines().count() == 1,
            "{args:?}: {stderr}"
        );
    }
    // A file that cannot be read is still named: a directory where a backup should be,
    // refused when the series is opened, before any row of an older backup is shown.
    let refused_before_any_row = |directory: &Path| {
        for args in [&["--all"][..], &["--all", "-f", "--exit-on-idle", "10s"]] {
            let out = show(&log, args, "UTC");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
            assert_eq!(
                stderr,
                format!(
                    "logwriter: open {}: Is a directory (os error 21)\n",
                    directory.display()
                ),
                "{args:?}"
            );
            assert!(out.stdout.is_empty(), "{args:?}: {out:?}");
        }
    };
    std::fs::rename(dir.path().join("log.1"), dir.path().join("log.2")).unwrap();
    std::fs::create_dir(dir.path().join("log.1")).unwrap();
    refused_before_any_row(&dir.path().join("log.1"));
    // A directory at the log's own name, after a backup: refused before that backup's rows.
    std::fs::remove_dir(dir.path().join("log.1")).unwrap();
    std::fs::remove_file(&log).unwrap();
    std::fs::create_dir(&log).unwrap();
    refused_before_any_row(&log);
    std::fs::remove_dir(&log).unwrap();
    std::fs::rename(dir.path().join("log.2"), dir.path().join("log.1")).unwrap();
    std::fs::remove_file(dir.path().join("log.1")).unwrap();
    std::fs::create_dir(dir.path().join("log.1")).unwrap();
    // And the log itself.
    let out = show(&dir.path().join("log.1"), &[], "UTC");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!(
            "logwriter: read {}: Is a directory",
            dir.path().join("log.1").display()
        )),
        "{stderr}"
    );
}

#[test]
fn errors_table() {
    let (dir, log) = crafted();
    let missing = dir.path().join("missing");
    let rows: &[(&Path, &[&str], i32, &str)] = &[
        (
            &log,
            &["--event", "deploy"],
            2,
            "unknown event kind \"deploy\"",
        ),
        (
            &log,
            &["--since", "yesterday"],
            2,
            "invalid --since 'yesterday'",
        ),
        (
            &log,
            &["-f", "--poll-interval", "fast"],
            2,
            "--poll-interval: invalid duration 'fast'",
        ),
        (
            &log,
            &["-f", "--poll-interval", "0ms"],
            2,
            "--poll-interval must be above zero",
        ),
        // Options of -f are refused without it, not ignored.
        (&log, &["--exit-on-idle", "1s"], 2, "--follow"),
        (&log, &["--poll-interval", "1s"], 2, "--follow"),
        (
            &log,
            &["-f", "--exit-on-idle", "10"],
            2,
            "--exit-on-idle: invalid duration '10'",
        ),
        (&log, &["--last", "-1"], 2, "unexpected argument '-1'"),
        (&missing, &[], 1, "No such file"),
    ];
    for &(path, args, status, expected) in rows {
        let out = show(path, args, "UTC");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn nothing_from_the_file_reaches_the_terminal_as_a_control() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let lines = [
        // An OSC that retitles the terminal, a bell and a screen clear, as the event.
        r#"{"ts":"2026-05-01T12:00:00Z","event":"\u001b]0;pwned\u0007\u001b[2J","n":1}"#,
        // C1 (0x9b is an 8-bit CSI), DEL and bidi overrides, escaped in the JSON...
        r#"{"ts":"2026-05-01T12:00:01Z","event":"renew","v":"\u009b2J\u007f\u202e","k\u009b\u2066":1,"list":["\u0085",{"\u202d":"\u007f"}]}"#,
        // ...and raw: in a field, a key and a nested value.
        "{\"ts\":\"2026-05-01T12:00:02Z\",\"event\":\"renew\u{9b}\",\"v\":\"\u{9b}2J\u{7f}\u{202e}\u{61c}\",\"k\u{9b}\u{2066}\":1,\"list\":[\"\u{85}\u{200f}\",{\"\u{202d}\":\"\u{7f}\u{2069}\"}]}",
    ];
    std::fs::write(&log, lines.map(|l| format!("{l}\n")).concat()).unwrap();
    for args in [&[][..], &["--full-time"], &["--color", "always"]] {
        let out = show(&log, args, "UTC");
        let text = stdout_of(&out);
        assert_eq!(text.lines().count(), lines.len(), "{args:?}: {text}");
        let colours = args.contains(&"always");
        let unsafe_chars: Vec<char> = text
            .chars()
            .filter(|&c| {
                (c == '\x1b' && !colours)
                    || matches!(c, '\u{7f}'..='\u{9f}' | '\u{61c}' | '\u{200e}' | '\u{200f}')
                    || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
            })
            .collect();
        assert!(
            unsafe_chars.is_empty(),
            "{args:?}: {unsafe_chars:?} in {text:?}"
        );
        if colours {
            // The colour codes are the only escapes: none of the file's comes through.
            assert!(
                !text.contains("\x1b]") && !text.contains("\x1b[2J"),
                "{text:?}"
            );
        }
        assert!(
            text.contains(r#""\u001b]0;pwned\u0007\u001b[2J""#),
            "{args:?}: {text}"
        );
        assert!(
            text.contains(r#"v="\u009b2J\u007f\u202e\u061c"  "k\u009b\u2066"=1  list=["\u0085\u200f",{"\u202d":"\u007f\u2069"}]"#),
            "{args:?}: {text}"
        );
    }
}

/// `show --all` under `timeout 60`: a FIFO must not make it wait.
fn show_all_bounded(log: &Path) -> Output {
    Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_logwriter"))
        .args(["show", "--all", "--json"])
        .arg(log)
        .output()
        .expect("run timeout (coreutils)")
}

#[test]
fn all_does_not_wait_on_a_fifo_at_the_lock_or_a_backup_name() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let rows = [
        "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"seq\":0}\n",
        "{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"renew\",\"seq\":1}\n",
    ];
    std::fs::write(dir.path().join("log.1"), rows[0]).unwrap();
    std::fs::write(&log, rows[1]).unwrap();
    // No one writes to it: opened for reading, it would wait for a writer.
    mkfifo(&dir.path().join("log.lock"));
    assert_eq!(stdout_of(&show_all_bounded(&log)), rows.concat());
    // No log is rotated into a FIFO: one at a backup's name is named, not read.
    mkfifo(&dir.path().join("log.2"));
    let out = show_all_bounded(&log);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("log.2: not a regular file"), "{stderr}");
}

/// A FIFO at the log's own path is opened without waiting for a writer by the readers
/// that hold the series lock (`--all`, `-f`): waiting there would hold every rotation of
/// the log with it. With no writer, it reads as empty. Each run is bounded by `timeout`.
#[test]
fn a_fifo_at_the_log_path_is_not_waited_for_under_the_lock() {
    let bounded = |args: &[&str], log: &Path| {
        Command::new("timeout")
            .arg("20")
            .arg(env!("CARGO_BIN_EXE_logwriter"))
            .args(["show", "--json"])
            .args(args)
            .arg(log)
            .output()
            .expect("run timeout (coreutils)")
    };
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let row = "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"seq\":0}\n";
    std::fs::write(dir.path().join("log.1"), row).unwrap();
    mkfifo(&log);
    assert_eq!(stdout_of(&bounded(&["--all"], &log)), row);
    let idle = ["-f", "--exit-on-idle", "300ms", "--poll-interval", "20ms"];
    assert_eq!(stdout_of(&bounded(&idle, &log)), "");

    // A FIFO that replaces the log being followed: the follower opens it under the lock
    // when it searches the series for the new log.
    std::fs::remove_file(&log).unwrap();
    std::fs::write(&log, row).unwrap();
    let mut follower = Command::new("timeout")
        .arg("20")
        .arg(env!("CARGO_BIN_EXE_logwriter"))
        .args([
            "show",
            "--json",
            "--exit-on-idle",
            "2s",
            "--poll-interval",
            "20ms",
            "-f",
        ])
        .arg(&log)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run timeout (coreutils)");
    let mut stdout = std::io::BufReader::new(follower.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).unwrap();
    assert_eq!(first, row);
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    std::fs::rename(&fifo, &log).unwrap();
    let status = follower.wait().unwrap();
    assert!(
        status.success(),
        "{status:?} (124: still waiting after 20 s)"
    );
}

/// One file alone is shown without the series' lock: a writer stopped in a rotation (here,
/// the test holding the lock) does not make it wait, as it makes `--all` wait.
#[test]
fn one_file_is_shown_without_waiting_for_the_series_lock() {
    let (dir, log) = crafted();
    let alone = stdout_of(&show(&log, &["--json"], "UTC"));
    assert!(alone.contains("\"event\":\"commit\""), "{alone}");
    let _lock = locked_file(&dir.path().join("log.lock"));
    let out = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_logwriter"))
        .args(["show", "--json"])
        .arg(&log)
        .output()
        .expect("run timeout (coreutils)");
    assert_eq!(stdout_of(&out), alone);
}

/// A log read alone and missing may be between a rotation's rename and its creation of the
/// new log: `show` and `verify` then wait for the series lock, which the rotation holds
/// until the new log exists, and read that one (they failed with `ENOENT`). The test plays
/// the rotation: it holds the lock, renames the log to `log.1`, and makes the new log once
/// the reader pauses between two tries of the lock. The reader tries for 2 s: a round
/// where the test took over 1 s from the reader's start to the new log is made again.
#[test]
fn a_log_missing_mid_rotation_is_read_once_the_rotation_ends() {
    let rows = [
        "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"seq\":0}\n",
        "{\"ts\":\"2026-05-01T12:00:01Z\",\"event\":\"close\",\"seq\":1}\n",
    ];
    for args in [&["show", "--json"][..], &["verify"]] {
        until_timed("the new log came within 1 s", || {
            let make_log = |log: &Path| std::fs::write(log, rows[1]).unwrap();
            let Some(out) = read_mid_rotation(args, rows[0], make_log) else {
                return false;
            };
            let stdout = stdout_of(&out);
            if args[0] == "show" {
                assert_eq!(stdout, rows[1]);
            } else {
                assert!(
                    stdout.contains("close 1,") && stdout.ends_with("ok\n"),
                    "{stdout}"
                );
            }
            true
        });
    }
}

/// Runs `logwriter ARGS LOG` on a log `first_row` was in, while the test plays a rotation
/// between its rename of the log and its creation of the new one: it holds the series
/// lock and renames the log to `log.1`; once the reader pauses between two tries of the
/// lock, `make_log` makes the new log and the lock is released. Returns the reader's
/// output, or `None` if the test took over 1 s from the reader's start to the new log
/// (the reader may have stopped trying: it tries for 2 s). A reader that has not ended 20
/// s after the lock was released is killed and the test fails.
fn read_mid_rotation(args: &[&str], first_row: &str, make_log: impl Fn(&Path)) -> Option<Output> {
    let (dir, log) = log_of(first_row);
    let lock = locked_file(&dir.path().join("log.lock"));
    std::fs::rename(&log, dir.path().join("log.1")).unwrap();
    let started = std::time::Instant::now();
    let mut reader = Command::new(env!("CARGO_BIN_EXE_logwriter"))
        .args(args)
        .arg(&log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run logwriter");
    let paused = wait_until_sleeping(reader.id());
    make_log(&log);
    drop(lock);
    let in_time = started.elapsed() < std::time::Duration::from_secs(1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while reader.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = reader.kill();
            let _ = reader.wait();
            panic!("{args:?}: still running 20 s after the new log was made");
        }
        std::thread::yield_now();
    }
    let out = reader.wait_with_output().unwrap();
    if !in_time {
        return None;
    }
    assert!(
        paused,
        "the reader ended without waiting for the lock: {out:?}"
    );
    Some(out)
}

/// A FIFO made at a missing log's path while the reader waits for the lock (a rotation's
/// rename done, its new log not made yet) is opened without waiting for a writer, as any
/// open under the lock is: with none, it reads as empty. A round slower than 1 s (the
/// reader may have stopped waiting) is made again; each run is bounded to 20 s.
#[test]
fn a_fifo_at_a_missing_logs_path_is_not_waited_for_under_the_lock() {
    let row = "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"seq\":0}\n";
    for args in [&["show", "--json"][..], &["verify", "--json"]] {
        until_timed("the FIFO came within 1 s", || {
            let Some(out) = read_mid_rotation(args, row, mkfifo) else {
                return false;
            };
            assert!(out.status.success(), "{out:?}");
            if args[0] == "show" {
                assert!(out.stdout.is_empty(), "{out:?}");
            } else {
                let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(summary["lines"], 0, "{summary}");
            }
            true
        });
    }
}

/// A missing log whose series lock is free, or that has no lock file, is reported at once:
/// only a lock a rotation holds is waited for. A round slower than 1 s is made again.
#[test]
fn a_missing_log_is_reported_at_once_when_no_rotation_runs() {
    for lock_file in [false, true] {
        until_timed("the tool ran within 1 s", || {
            let dir = tempfile::tempdir().unwrap();
            let log = dir.path().join("log");
            if lock_file {
                std::fs::File::create(dir.path().join("log.lock")).unwrap();
            }
            let started = std::time::Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_logwriter"))
                .arg("show")
                .arg(&log)
                .output()
                .expect("run logwriter");
            if started.elapsed() >= std::time::Duration::from_secs(1) {
                return false;
            }
            assert_eq!(out.status.code(), Some(1), "{out:?}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("No such file or directory"), "{stderr}");
            true
        });
    }
}

/// A log that stays missing while the series lock stays held (a writer stopped in a
/// rotation, or a path with no log) is reported missing once 2 s have passed: the lock is
/// not waited for without a limit.
#[test]
fn a_missing_log_is_reported_though_the_lock_stays_held() {
    // `verify` says with 2 that it could not check the log.
    for (args, status) in [(&["show"][..], 1), (&["verify"], 2)] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        let _lock = locked_file(&dir.path().join("log.lock"));
        let started = std::time::Instant::now();
        let out = Command::new("timeout")
            .arg("60")
            .arg(env!("CARGO_BIN_EXE_logwriter"))
            .args(args)
            .arg(&log)
            .output()
            .expect("run timeout (coreutils)");
        assert_eq!(out.status.code(), Some(status), "{args:?}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("open ") && stderr.contains("No such file or directory"),
            "{stderr}"
        );
        assert!(
            started.elapsed() >= std::time::Duration::from_secs(2),
            "{args:?} did not wait for the rotation"
        );
    }
}

/// `logwriter COMMAND LOG ARGS…` under an address-space limit of 40 MiB (`ulimit -v`).
fn in_40_mib(command: &str, log: &Path, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 40960; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_logwriter"))
        .arg(command)
        .arg(log)
        .args(args)
        .env("TZ", "UTC")
        .output()
        .expect("run sh")
}

/// Memory stays constant on any file size: a 48 MiB log goes through `show` and `verify`
/// in 40 MiB of address space. `--last N` keeps N rows, and keeping most of the file
/// does not fit: the limit is real.
#[test]
fn memory_stays_bounded_on_a_log_larger_than_the_memory_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let row = format!(
        "{{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"renew\",\"slot\":\"a\",\"pad\":\"{}\"}}\n",
        "x".repeat(400)
    );
    let rows = (48 << 20) / row.len();
    std::fs::write(&log, row.repeat(rows)).unwrap();
    for args in [&["--json"][..], &[], &["--last", "5"]] {
        let out = in_40_mib("show", &log, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let printed = String::from_utf8_lossy(&out.stdout).lines().count();
        assert_eq!(printed, if args.len() == 2 { 5 } else { rows }, "{args:?}");
    }
    let out = in_40_mib("show", &log, &["--last", &rows.to_string()]);
    assert!(!out.status.success(), "keeping every row fit in 40 MiB");
    let out = in_40_mib("verify", &log, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A line that starts with an editor's byte-order mark is taken as `verify` takes it: the
/// rest is the line. A row after the mark is shown; a row with bytes after it is not, with
/// the mark or without (the mark is not the fragment of a glued line).
#[test]
fn after_a_byte_order_mark_the_rest_is_the_line() {
    let row = r#"{"ts":"2026-05-01T12:00:00Z","event":"error"}"#;
    let (_dir, log) = log_of(&format!("\u{FEFF}{row}\n\u{FEFF}{row}abc\n{row}abc\n"));
    let out = show(&log, &["--json"], "UTC");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("{row}\n"));
}

/// A string slot that would read as a value of another type is quoted, as any other string
/// value is, so that the slot that is the string "7" and the one that is the number 7
/// (which `--slot 7` does not select) stay apart. (The slot was once written bare.)
#[test]
fn a_string_slot_that_reads_as_another_type_is_quoted() {
    let (_dir, log) = log_of(
        "{\"ts\":\"2026-05-01T12:00:04Z\",\"event\":\"join\",\"slot\":7}\n\
         {\"ts\":\"2026-05-01T12:00:05Z\",\"event\":\"join\",\"slot\":\"7\"}\n\
         {\"ts\":\"2026-05-01T12:00:06Z\",\"event\":\"join\",\"slot\":null}\n\
         {\"ts\":\"2026-05-01T12:00:07Z\",\"event\":\"join\",\"slot\":\"null\"}\n\
         {\"ts\":\"2026-05-01T12:00:08Z\",\"event\":\"join\",\"slot\":\"a\"}\n",
    );
    assert_eq!(
        stdout_of(&show(&log, &["--full-time"], "UTC")),
        "2026-05-01T12:00:04Z  join          slot=7\n\
         2026-05-01T12:00:05Z  join          slot=\"7\"\n\
         2026-05-01T12:00:06Z  join          slot=null\n\
         2026-05-01T12:00:07Z  join          slot=\"null\"\n\
         2026-05-01T12:00:08Z  join          slot=a\n"
    );
}

/// A line that ends in `\r\n` reads as its row (JSON takes the `\r` for white space):
/// `show` shows it, `show --json` passes it through with its `\r`, and `verify` counts it
/// `ok`, as the README says.
#[test]
fn a_crlf_line_reads_as_its_row() {
    let line = "{\"ts\":\"2026-05-01T12:00:00Z\",\"event\":\"join\",\"slot\":\"a\"}\r\n";
    let (_dir, log) = log_of(line);
    assert_eq!(
        stdout_of(&show(&log, &["--full-time"], "UTC")),
        "2026-05-01T12:00:00Z  join          slot=a\n"
    );
    assert_eq!(stdout_of(&show(&log, &["--json"], "UTC")), line);
    let out = Command::new(env!("CARGO_BIN_EXE_logwriter"))
        .arg("verify")
        .arg(&log)
        .output()
        .expect("run logwriter");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("problems: 0") && stdout.ends_with("ok\n"),
        "{out:?}"
    );
}
