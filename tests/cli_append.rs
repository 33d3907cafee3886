//! `logwriter append`: typed fields, rotation only when asked, and every refusal.

mod bounded;

use std::path::Path;
use std::process::{Command, Output};

fn logwriter(args: &[&str]) -> Output {
    bounded::output(bounded::logwriter().args(args))
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

#[test]
fn writes_one_row_with_typed_fields() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("sub/log");
    let out = logwriter(&[
        "append",
        path_str(&log),
        "--event",
        "commit",
        "--slot",
        "a",
        "message=fix: a=b \"quoted\"",
        "files:=4",
        "max:=18446744073709551615",
        "min:=-9223372036854775808",
        "ratio:=0.25",
        "ok:=true",
        "none:=null",
        "text:=\"from json\"",
        "n=42",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty());
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.ends_with(
        ",\"event\":\"commit\",\"slot\":\"a\",\"message\":\"fix: a=b \\\"quoted\\\"\",\"files\":4,\
         \"max\":18446744073709551615,\"min\":-9223372036854775808,\"ratio\":0.25,\"ok\":true,\
         \"none\":null,\"text\":\"from json\",\"n\":\"42\"}\n"
    ));
    let row: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(row["max"].as_u64(), Some(u64::MAX));
    assert_eq!(row["min"].as_i64(), Some(i64::MIN));
    assert!(row["ts"].as_str().unwrap().ends_with('Z'));
}

#[test]
fn minus_zero_is_the_integer_zero() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let out = logwriter(&["append", path_str(&log), "--event", "renew", "z:=-0"]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.ends_with(",\"event\":\"renew\",\"z\":0}\n"), "{text}");
}

#[test]
fn floats_are_written_in_their_shortest_form_as_the_help_says() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let out = logwriter(&[
        "append",
        path_str(&log),
        "--event",
        "renew",
        "x:=1e2",
        "y:=2.50",
        "z:=-1.5E-3",
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.ends_with(",\"x\":100.0,\"y\":2.5,\"z\":-0.0015}\n"),
        "{text}"
    );
    let help = logwriter(&["append", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("a float (written in ryu's shortest form, e.g. `1e2` becomes `100.0`)"),
        "{help}"
    );
}

#[test]
fn floats_keep_their_exact_value() {
    // Shortest forms that a fast, inexact decimal reading takes one step off (found by
    // comparison with correctly rounded parsing), then 160 more from a fixed sequence of bit
    // patterns: each must come back as the same double.
    let mut texts = vec![
        "9.685954788681827e-196".to_owned(),
        "-1.0661470889645967e73".to_owned(),
    ];
    let mut bits: u64 = 0x9E37_79B9_7F4A_7C15;
    while texts.len() < 162 {
        bits = bits
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let value = f64::from_bits(bits);
        if value.is_finite() {
            texts.push(ryu::Buffer::new().format_finite(value).to_owned());
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    for chunk in texts.chunks(81) {
        let args: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, text)| format!("f{i}:={text}"))
            .collect();
        let mut command = vec!["append", path_str(&log), "--event", "renew"];
        command.extend(args.iter().map(String::as_str));
        let out = logwriter(&command);
        assert!(out.status.success(), "{out:?}");
    }
    let text = std::fs::read_to_string(&log).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    for (n, text) in texts.iter().enumerate() {
        let want: f64 = text.parse().unwrap();
        let got = rows[n / 81][format!("f{}", n % 81)].as_f64().unwrap();
        assert_eq!(got.to_bits(), want.to_bits(), "{text} came back as {got:e}");
    }
}

#[test]
fn no_slot_no_fields() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    for _ in 0..2 {
        let out = logwriter(&["append", path_str(&log), "--event", "renew"]);
        assert!(out.status.success(), "{out:?}");
    }
    let text = std::fs::read_to_string(&log).unwrap();
    for line in text.lines() {
        let row: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).unwrap();
        assert_eq!(row.keys().collect::<Vec<_>>(), ["event", "ts"]);
    }
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn rotates_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    // A file already over the library's 10 MiB default (sparse, so cheap).
    std::fs::File::create(&log)
        .unwrap()
        .set_len(11 << 20)
        .unwrap();
    let out = logwriter(&["append", path_str(&log), "--event", "join"]);
    assert!(out.status.success(), "{out:?}");
    assert!(!dir.path().join("log.1").exists(), "rotated without flags");

    let out = logwriter(&[
        "append",
        path_str(&log),
        "--event",
        "join",
        "--max-files",
        "2",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        dir.path().join("log.1").exists(),
        "--max-files alone turns rotation on"
    );
    assert!(std::fs::metadata(&log).unwrap().len() < 200);

    for seq in 0..20 {
        let seq = format!("seq:={seq}");
        let out = logwriter(&[
            "append",
            path_str(&log),
            "--event",
            "join",
            "--max-size",
            "200",
            "--max-files",
            "2",
            &seq,
        ]);
        assert!(out.status.success(), "{out:?}");
    }
    assert!(dir.path().join("log.2").exists());
    assert!(
        !dir.path().join("log.3").exists(),
        "--max-files 2 keeps two backups"
    );
    for name in ["log", "log.1", "log.2"] {
        assert!(std::fs::metadata(dir.path().join(name)).unwrap().len() <= 200);
    }
}

/// A field that is not UTF-8 is refused by the tool, in words that name the argument,
/// with its bytes that are not UTF-8 shown as `\xNN`. (It was once clap's own "invalid
/// UTF-8 was detected in one or more arguments", which named none.)
#[test]
fn a_field_that_is_not_utf8_is_named() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let out = Command::new(env!("CARGO_BIN_EXE_logwriter"))
        .args(["append", path_str(&log), "--event", "join", "a=1"])
        .arg(std::ffi::OsStr::from_bytes(b"p=x\xffy\xc3"))
        .output()
        .expect("run logwriter");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("field 'p=x\\xffy\\xc3': not UTF-8"),
        "{stderr}"
    );
    assert!(!log.exists());
}

#[test]
fn refusals_name_the_problem_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let under_file = blocker.join("log");
    let under_file_s = path_str(&under_file);
    let big = format!("blob={}", "x".repeat(5000));
    let log_s = path_str(&log);
    // The length depends on the timestamp's trimmed digits. With rotation the line is
    // encoded before the writer opens, and refused in the same words.
    let too_long = format!("append to {log_s}: line of 50");
    // (arguments after `append`, exit status, text the message must contain)
    let rows: &[(&[&str], i32, &str)] = &[
        (&[log_s, "--event", "deploy"], 2, "unknown event kind"),
        (
            &[log_s, "--event", "join", "novalue"],
            2,
            "field 'novalue': expected key=text or key:=JSON",
        ),
        (&[log_s, "--event", "join", "=x"], 2, "the key is empty"),
        (
            &[log_s, "--event", "join", "x:=1.5e400"],
            2,
            "number out of range",
        ),
        (
            &[log_s, "--event", "join", "a:=[1,2]"],
            2,
            "arrays and objects are not allowed",
        ),
        (
            &[log_s, "--event", "join", "a:={\"b\":1}"],
            2,
            "arrays and objects are not allowed",
        ),
        (
            &[log_s, "--event", "join", "a:=yes"],
            2,
            "invalid JSON value",
        ),
        (
            &[log_s, "--event", "join", "a:=18446744073709551616"],
            2,
            "outside the 64-bit range",
        ),
        (
            &[log_s, "--event", "join", "ts=now"],
            2,
            "'ts' is a reserved key",
        ),
        (
            &[log_s, "--event", "join", "event=x"],
            2,
            "'event' is a reserved key",
        ),
        (
            &[log_s, "--event", "join", "slot=a"],
            2,
            "'slot' is a reserved key",
        ),
        (
            &[log_s, "--event", "join", "a=1", "a:=2"],
            2,
            "key 'a' is given twice",
        ),
        (&[log_s, "--event", "join", &big], 1, &too_long),
        (
            &[log_s, "--event", "join", "--max-files", "2", &big],
            1,
            &too_long,
        ),
        (&[under_file_s, "--event", "join"], 1, "Not a directory"),
        (
            &[under_file_s, "--event", "join", "--max-size", "9"],
            1,
            "open directory of",
        ),
    ];
    assert_refused(&log, rows);
}

/// `--max-size` and `--max-files` are at least 1 (0 backups would delete the log when it
/// rotates), and `--max-files` at most `u32::MAX`, refused in words that do not offer 0.
#[test]
fn rotation_arguments_out_of_range_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let log_s = path_str(&log);
    let with = |option, value| [log_s, "--event", "join", option, value];
    assert_refused(
        &log,
        &[
            (&with("--max-size", "0"), 2, "--max-size must be at least 1"),
            (
                &with("--max-files", "0"),
                2,
                "--max-files must be at least 1",
            ),
            (
                &with("--max-files", "4294967296"),
                2,
                "--max-files must be at most 4294967295",
            ),
        ],
    );
}

/// Runs `append` with each row's arguments: the row's exit status, one line on stderr
/// with the row's text, and no `log`.
fn assert_refused(log: &Path, rows: &[(&[&str], i32, &str)]) {
    for &(args, status, expected) in rows {
        let mut full = vec!["append"];
        full.extend_from_slice(args);
        let out = logwriter(&full);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(status), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("logwriter: "), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!log.exists(), "{args:?} created the log");
    }
}

#[test]
fn missing_event_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let out = logwriter(&["append", path_str(&log)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--event"));
    assert!(!log.exists());
}

/// A failure still sets the exit status when stderr cannot be written (`2>/dev/full`): the
/// message is lost, not turned into a panic (status 101), for each command.
#[test]
fn the_exit_status_stands_when_stderr_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let log = dir.path().join("log");
    let cases: [(&[&str], &Path, i32); 4] = [
        (&["show"], &missing, 1),
        (&["verify"], &missing, 2),
        (&["append", "--event", "bogus"], &log, 2),
        (&["append", "--no-such-option"], &log, 2),
    ];
    for (args, path, code) in cases {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_logwriter"))
            .args(args)
            .arg(path)
            .stderr(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
    }
    assert!(!log.exists());
}

/// Help and the version are the output asked for: when they cannot be written (`>/dev/full`)
/// the status is 1 with the reason on stderr, as for any command's output, and a reader that
/// closed the pipe early (`--help | head -1`) ends it quietly with status 0.
#[test]
fn help_that_cannot_be_written_is_a_failure() {
    for args in [
        &["--help"][..],
        &["--version"],
        &["show", "--help"],
        &["verify", "-h"],
        &["help", "append"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_logwriter"))
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}: {out:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "logwriter: stdout: No space left on device (os error 28)\n",
            "{args:?}"
        );

        let mut child = Command::new(env!("CARGO_BIN_EXE_logwriter"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert!(out.stderr.is_empty(), "{args:?}: {out:?}");
    }
}

/// A rotation that fails does not fail the append: the line is written to the file held,
/// the failure is a warning on stderr, and the status is 0, also when stderr cannot be
/// written.
#[test]
fn a_failed_rotation_is_a_warning_and_the_line_is_written() {
    for stderr_full in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("log");
        std::fs::write(&log, "x".repeat(100) + "\n").unwrap();
        // The oldest backup's name holds a directory with something in it: it cannot be
        // removed to make room.
        std::fs::create_dir_all(dir.path().join("log.1/inside")).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_logwriter"));
        command.args(["append", path_str(&log), "--event", "join"]);
        command.args(["--max-size", "50", "--max-files", "1"]);
        if stderr_full {
            let full = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap();
            command.stderr(full);
        }
        let out = command.output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !stderr_full {
            assert!(
                stderr.starts_with("logwriter: warning: the line was written, but ")
                    && stderr.contains("log.1"),
                "{stderr}"
            );
        }
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.ends_with("\"event\":\"join\"}\n"), "{text}");
    }
}

/// Without rotation there are no backups to name, so a 250-byte file name is taken, as
/// `append_once` takes it; with rotation it is refused before anything is made.
#[test]
fn a_long_file_name_is_taken_only_without_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("n".repeat(250));
    let out = logwriter(&[
        "append",
        path_str(&log),
        "--event",
        "join",
        "--max-files",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most 244 bytes"));
    assert!(!log.exists());

    let out = logwriter(&["append", path_str(&log), "--event", "join"]);
    assert!(out.status.success(), "{out:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.ends_with("\"event\":\"join\"}\n"), "{text}");
}

/// At the file-size limit (`ulimit -f`), an append past it fails with `EFBIG`, named with
/// the path, and exit status 1: the tool handles `SIGXFSZ`, which would otherwise kill it
/// (status 153, no message) at the first write that starts at the limit. Each append is its
/// own process under a shell that set the limit; the first to cross it writes a short line,
/// the next start at the limit.
#[test]
fn appends_past_the_file_size_limit_fail_with_efbig() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let message = format!("message={}", "x".repeat(300));
    let mut failures = Vec::new();
    for _ in 0..12 {
        let out = Command::new("sh")
            .args(["-c", "ulimit -f 1 && exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_logwriter"))
            .args(["append", path_str(&log), "--event", "join", &message])
            .output()
            .expect("run sh");
        match out.status.code() {
            Some(0) => assert!(failures.is_empty(), "a line after a failure: {out:?}"),
            Some(1) => failures.push(String::from_utf8_lossy(&out.stderr).into_owned()),
            _ => panic!("killed rather than failed: {out:?}"),
        }
    }
    // The crossing append's short write, then at least ten at the limit.
    assert!(failures.len() >= 11, "{failures:#?}");
    for stderr in &failures[1..] {
        assert_eq!(
            stderr.trim_end(),
            format!(
                "logwriter: write to {}: File too large (os error 27)",
                log.display()
            )
        );
    }
}
