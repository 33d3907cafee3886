//! The Go package's documented behaviours, on real files: shape, rotation, slot logs,
//! settings from the environment, one-shot appends and refused oversize lines.

use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::time::Duration;

use logwriter::{
    append_once, slot_log_path, Durability, ErrorKind, Event, EventKind, Field, Op, Options,
    Precision, ReopenCheck, Rotation, Timestamp, Writer, DEFAULT_MAX_FILES, DEFAULT_MAX_SIZE,
};

fn lines(path: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn seqs(path: &Path) -> Vec<u64> {
    lines(path)
        .iter()
        .map(|v| v["seq"].as_u64().unwrap())
        .collect()
}

/// A writer that rotates after exactly `per_file` lines of the fixed size used here.
fn rotating(path: &Path, per_file: u64, max_files: u32) -> (Writer, u64) {
    let probe_len = encoded_len(0);
    let writer = Options::new()
        .max_size(probe_len * per_file)
        .max_files(max_files)
        .open(path)
        .unwrap();
    (writer, probe_len)
}

fn event_line(seq: u64) -> ([Field<'static>; 1], u64) {
    ([Field::new("seq", seq)], seq)
}

fn encoded_len(seq: u64) -> u64 {
    let (fields, _) = event_line(seq);
    let mut line = logwriter::Line::new();
    let ts = logwriter::Timestamp::from_unix(1_777_636_800, 0).unwrap();
    line.encode(
        &Event::new(EventKind::Commit)
            .slot("a")
            .fields(&fields)
            .at(ts),
    )
    .unwrap()
    .len() as u64
}

fn append_seq(writer: &mut Writer, seq: u64) {
    let (fields, _) = event_line(seq);
    let ts = logwriter::Timestamp::from_unix(1_777_636_800, 0).unwrap();
    writer
        .append(
            &Event::new(EventKind::Commit)
                .slot("a")
                .fields(&fields)
                .at(ts),
        )
        .unwrap();
}

#[test]
fn writes_flat_rows_with_every_kind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let mut writer = Options::new().open(&path).unwrap();
    for kind in EventKind::ALL {
        let fields = [
            Field::new("kind_name", kind.as_str()),
            Field::new("event", "dropped"),
        ];
        writer
            .append(&Event::new(kind).slot("a").fields(&fields))
            .unwrap();
    }
    writer.append(&Event::new(EventKind::Renew)).unwrap();
    let rows = lines(&path);
    assert_eq!(rows.len(), 8);
    for (row, kind) in rows.iter().zip(EventKind::ALL) {
        let object = row.as_object().unwrap();
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 4);
        for key in ["ts", "event", "slot", "kind_name"] {
            assert!(keys.contains(&key), "{key} in {keys:?}");
        }
        assert_eq!(object["event"], kind.as_str());
        assert_eq!(object["kind_name"], kind.as_str());
        assert_eq!(object["slot"], "a");
        assert!(object["ts"].as_str().unwrap().ends_with('Z'));
    }
    assert!(rows[7].get("slot").is_none(), "empty slot omitted");
    assert_eq!(writer.stats().appends, 8);
    assert_eq!(
        writer.stats().bytes_written,
        fs::metadata(&path).unwrap().len()
    );
}

#[test]
fn rotation_shifts_the_series() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let (mut writer, _) = rotating(&path, 3, 5);
    for seq in 0..10 {
        append_seq(&mut writer, seq);
    }
    // 3 lines a file, newest in `log`.
    assert_eq!(seqs(&path), [9]);
    assert_eq!(seqs(&dir.path().join("log.1")), [6, 7, 8]);
    assert_eq!(seqs(&dir.path().join("log.2")), [3, 4, 5]);
    assert_eq!(seqs(&dir.path().join("log.3")), [0, 1, 2]);
    assert!(!dir.path().join("log.4").exists());
    assert_eq!(writer.stats().rotations, 3);
    assert!(
        dir.path().join("log.lock").exists(),
        "rotation takes a lock on log.lock"
    );
}

#[test]
fn oldest_backup_is_dropped_beyond_max_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let (mut writer, _) = rotating(&path, 2, 2);
    for seq in 0..9 {
        append_seq(&mut writer, seq);
    }
    assert_eq!(seqs(&path), [8]);
    assert_eq!(seqs(&dir.path().join("log.1")), [6, 7]);
    assert_eq!(seqs(&dir.path().join("log.2")), [4, 5]);
    assert!(!dir.path().join("log.3").exists());
    assert_eq!(writer.stats().rotations, 4);
}

#[test]
fn a_file_never_exceeds_max_size_for_one_writer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let max = 1000;
    let mut writer = Options::new()
        .max_size(max)
        .max_files(100)
        .open(&path)
        .unwrap();
    for seq in 0..500u64 {
        let pad = "p".repeat(usize::try_from(seq % 97).unwrap());
        let fields = [Field::new("seq", seq), Field::new("pad", pad.as_str())];
        writer
            .append(&Event::new(EventKind::Commit).fields(&fields))
            .unwrap();
    }
    let mut total = 0;
    let mut seen = Vec::new();
    for n in (1..=writer.stats().rotations).rev() {
        let backup = dir.path().join(format!("log.{n}"));
        let size = fs::metadata(&backup).unwrap().len();
        assert!(size <= max && size > 0, "log.{n} is {size} bytes");
        total += size;
        seen.extend(seqs(&backup));
    }
    total += fs::metadata(&path).unwrap().len();
    seen.extend(seqs(&path));
    assert_eq!(seen, (0..500).collect::<Vec<_>>());
    assert_eq!(total, writer.stats().bytes_written);
}

#[test]
fn a_line_longer_than_max_size_goes_alone_into_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let mut writer = Options::new()
        .max_size(10)
        .max_files(5)
        .open(&path)
        .unwrap();
    for seq in 0..3 {
        append_seq(&mut writer, seq);
    }
    assert_eq!(seqs(&path), [2]);
    assert_eq!(seqs(&dir.path().join("log.1")), [1]);
    assert_eq!(seqs(&dir.path().join("log.2")), [0]);
}

#[test]
fn slot_logs_never_rotate() {
    let dir = tempfile::tempdir().unwrap();
    let slot_dir = dir.path().join("swarm/a");
    let mut writer = Writer::open_slot(&slot_dir, "a").unwrap();
    assert_eq!(writer.options().rotation(), None);
    assert_eq!(writer.path(), slot_log_path(&slot_dir, "a"));
    let blob = "z".repeat(4000);
    let fields = [Field::new("blob", blob.as_str())];
    let mut written = 0;
    while written <= DEFAULT_MAX_SIZE + 4096 {
        writer
            .append(&Event::new(EventKind::Commit).fields(&fields))
            .unwrap();
        written = writer.stats().bytes_written;
    }
    let names: Vec<_> = fs::read_dir(&slot_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["log"]);
    assert_eq!(fs::metadata(slot_dir.join("log")).unwrap().len(), written);
    assert!(writer.rotate().is_err(), "a slot writer refuses to rotate");
    // The writer's slot fills events that name none.
    assert_eq!(lines(&slot_dir.join("log"))[0]["slot"], "a");
}

#[test]
fn defaults_and_environment_overrides() {
    let defaults = Rotation {
        max_size: DEFAULT_MAX_SIZE,
        max_files: DEFAULT_MAX_FILES,
    };
    assert_eq!(defaults.max_size, 10 * 1024 * 1024);
    assert_eq!(defaults.max_files, 5);
    let rows: &[(Option<&str>, Option<&str>, u64, u32)] = &[
        (None, None, DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES),
        (Some("4096"), Some("9"), 4096, 9),
        (Some(" 4096 "), None, 4096, DEFAULT_MAX_FILES),
        (Some("+4096\n"), Some("\t9"), 4096, 9),
        // Only ASCII whitespace is trimmed: not a no-break space.
        (
            Some("\u{a0}4096"),
            None,
            DEFAULT_MAX_SIZE,
            DEFAULT_MAX_FILES,
        ),
        // Form feed is ASCII whitespace to Rust; the vertical tab is not.
        (Some("\x0c4096\x0c"), Some("\x0b3"), 4096, DEFAULT_MAX_FILES),
        (Some("0"), Some("0"), DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES),
        (Some("-5"), Some("-1"), DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES),
        (
            Some("abc"),
            Some("1.5"),
            DEFAULT_MAX_SIZE,
            DEFAULT_MAX_FILES,
        ),
        (Some(""), Some(""), DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES),
        (
            Some("99999999999999999999999"),
            Some("7"),
            DEFAULT_MAX_SIZE,
            7,
        ),
        (None, Some("4294967296"), DEFAULT_MAX_SIZE, u32::MAX),
        // The smallest positive values are taken too.
        (Some("1"), Some("1"), 1, 1),
        (
            None,
            Some("99999999999999999999999"),
            DEFAULT_MAX_SIZE,
            DEFAULT_MAX_FILES,
        ),
    ];
    for &(size, files, max_size, max_files) in rows {
        let options = Options::new().with_env_values(size, files);
        assert_eq!(
            options.rotation(),
            Some(Rotation {
                max_size,
                max_files
            }),
            "{size:?} {files:?}"
        );
    }
    // Setters win over the environment.
    let options = Options::new()
        .with_env_values(Some("4096"), Some("9"))
        .max_size(77);
    assert_eq!(
        options.rotation(),
        Some(Rotation {
            max_size: 77,
            max_files: 9
        })
    );
}

/// `try_from_env` takes what `from_env` takes, treats an empty value as unset, and refuses,
/// naming the variable, every set value that `from_env` would ignore.
#[test]
fn try_from_env_refuses_what_from_env_ignores() {
    use std::ffi::OsStr;
    let value = |text: &'static str| Some(OsStr::new(text));
    for (size, files, expected) in [
        (None, None, Some((DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES))),
        (
            value(""),
            value(" \t\n"),
            Some((DEFAULT_MAX_SIZE, DEFAULT_MAX_FILES)),
        ),
        (value(" +4096\n"), value("9"), Some((4096, 9))),
        (
            value("18446744073709551615"),
            value("18446744073709551615"),
            Some((u64::MAX, u32::MAX)),
        ),
    ] {
        let options = Options::new().try_with_env_values(size, files).unwrap();
        let rotation = options.rotation().unwrap();
        assert_eq!(
            Some((rotation.max_size, rotation.max_files)),
            expected,
            "{size:?} {files:?}"
        );
        let lenient = Options::new().with_env_values(
            size.map(|v| v.to_str().unwrap()),
            files.map(|v| v.to_str().unwrap()),
        );
        assert_eq!(
            options, lenient,
            "{size:?} {files:?}: as from_env reads them"
        );
    }
    let not_utf8 = OsStr::from_bytes(b"1\xff0");
    for bad in [
        OsStr::new("10M"),
        OsStr::new("1O"),
        OsStr::new("0"),
        OsStr::new("-10"),
        OsStr::new("0x10"),
        OsStr::new("\u{b}10"),
        OsStr::new("18446744073709551616"),
        not_utf8,
    ] {
        for (size, files, name) in [
            (Some(bad), None, "BONES_LOG_MAX_SIZE"),
            (None, Some(bad), "BONES_LOG_MAX_FILES"),
        ] {
            let kind = Options::new().try_with_env_values(size, files).unwrap_err();
            assert!(
                matches!(kind, ErrorKind::InvalidOption(what) if what.starts_with(name)),
                "{bad:?}: {kind:?}"
            );
        }
    }
}

/// `try_from_env` reads the real environment, and its error names the operation and the
/// variable: checked in a child process, so no other test sees the variables.
#[test]
fn try_from_env_reads_the_environment() {
    if std::env::var_os("LOGWRITER_TEST_TRY_ENV_CHILD").is_some() {
        match Options::try_from_env() {
            Ok(options) => println!("ok {:?}", options.rotation()),
            Err(err) => println!("err {:?} {:?} {err}", err.op(), err.path()),
        }
        return;
    }
    let run = |size: &str, files: &str| {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "try_from_env_reads_the_environment",
                "--nocapture",
            ])
            .env("LOGWRITER_TEST_TRY_ENV_CHILD", "1")
            .env("BONES_LOG_MAX_SIZE", size)
            .env("BONES_LOG_MAX_FILES", files)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let taken = run("12345", "3");
    assert!(
        taken.contains("ok Some(Rotation { max_size: 12345, max_files: 3 })"),
        "{taken}"
    );
    let refused = run("12345", "1O");
    assert!(
        refused.contains("err Configure None configure writer: BONES_LOG_MAX_FILES is set but is not a decimal number from 1 to 18446744073709551615"),
        "{refused}"
    );
}

/// `Writer::open` reads the real environment: checked in a child process, so no other
/// test sees the variables.
#[test]
fn open_reads_the_environment() {
    if let Ok(path) = std::env::var("LOGWRITER_TEST_ENV_CHILD") {
        let writer = Writer::open(path).unwrap();
        let rotation = writer.options().rotation().unwrap();
        println!("rotation={} {}", rotation.max_size, rotation.max_files);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "open_reads_the_environment",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("LOGWRITER_TEST_ENV_CHILD", dir.path().join("log"))
        .env("BONES_LOG_MAX_SIZE", "12345")
        .env("BONES_LOG_MAX_FILES", "-3")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("rotation=12345 5"), "{stdout}");
}

#[test]
fn invalid_options_are_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let hourly = Duration::from_secs(3600);
    for (options, names) in [
        (Options::new().max_size(0), "max_size"),
        (Options::new().max_files(0), "max_files"),
        (Options::new().mode(0o10000), "mode"),
        (
            Options::new().reopen_check(Some(ReopenCheck {
                appends: 0,
                interval: hourly,
            })),
            "reopen_check.appends",
        ),
        (
            Options::new().durability(Durability::Periodic {
                appends: 0,
                interval: hourly,
            }),
            "durability appends",
        ),
    ] {
        let err = options.open(&path).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::InvalidOption(what) if what.starts_with(names)),
            "{names}: {err}"
        );
        assert_eq!(err.op(), Op::Configure);
        assert_eq!(err.path(), Some(path.as_path()));
    }
    assert!(!path.exists(), "nothing created");
}

/// A default slot is accepted as long as every event without fields fits with it in 4096
/// bytes: the longest, `commit_error` with a nine-digit fraction (in the writer's
/// precision), then takes the whole line. One byte more is refused at open, rather than
/// at the appends that it would fail. Escapes count at their written length.
#[test]
fn a_default_slot_too_long_for_an_event_without_fields_is_refused_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let longest = Timestamp::from_unix(1_777_636_800, 123_456_789).unwrap();
    // `{"ts":"2026-05-01T12:00:00`, `Z","event":"commit_error","slot":""}` and `\n`: 63.
    for (precision, fraction) in [
        (Precision::Auto, 10),
        (Precision::Seconds, 0),
        (Precision::Millis, 4),
        (Precision::Micros, 7),
        (Precision::Nanos, 10),
    ] {
        let room = 4096 - 63 - fraction;
        // Each quote is written as two bytes; with an odd room, the longest fitting
        // slot of quotes leaves one byte of the line unused.
        for (slot, fits, longest_line) in [
            ("s".repeat(room), true, 4096),
            ("s".repeat(room + 1), false, 0),
            ("\"".repeat(room / 2), true, 4096 - room % 2),
            ("\"".repeat(room / 2 + 1), false, 0),
        ] {
            let path = dir
                .path()
                .join(format!("{precision:?}-{}-{fits}", slot.len()));
            let opened = Options::new().precision(precision).slot(&slot).open(&path);
            if fits {
                let mut log = opened.unwrap();
                for kind in EventKind::ALL {
                    log.append(&Event::new(kind).at(longest)).unwrap();
                }
                let text = fs::read_to_string(&path).unwrap();
                let longest_written = text.lines().map(|line| line.len() + 1).max();
                assert_eq!(longest_written, Some(longest_line), "{precision:?}");
            } else {
                let err = opened.unwrap_err();
                assert!(
                    matches!(err.kind(), ErrorKind::InvalidOption(what) if what.starts_with("slot too long")),
                    "{precision:?}: {err}"
                );
                assert_eq!(
                    (err.op(), err.path()),
                    (Op::Configure, Some(path.as_path()))
                );
                assert!(!path.exists(), "nothing created");
            }
        }
    }
}

/// A zero interval is accepted: the check and the sync are then due at every append.
#[test]
fn zero_intervals_make_every_append_check_and_sync() {
    let dir = tempfile::tempdir().unwrap();
    let (path, moved) = (dir.path().join("log"), dir.path().join("log.moved"));
    let mut log = Options::new()
        .no_rotation()
        .reopen_check(Some(ReopenCheck {
            appends: u32::MAX,
            interval: Duration::ZERO,
        }))
        .durability(Durability::Periodic {
            appends: u32::MAX,
            interval: Duration::ZERO,
        })
        .open(&path)
        .unwrap();
    append_seq(&mut log, 0);
    append_seq(&mut log, 1);
    // Renamed away: the next append's check follows the path at once.
    fs::rename(&path, &moved).unwrap();
    append_seq(&mut log, 2);
    let stats = log.stats();
    assert_eq!((stats.syncs, stats.reopens), (3, 1));
    assert_eq!(seqs(&moved), [0, 1]);
    assert_eq!(seqs(&path), [2]);
}

#[test]
fn append_once_creates_the_directory_and_writes_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("swarm/b/log");
    for _ in 0..3 {
        append_once(&path, &Event::new(EventKind::Renew).slot("b")).unwrap();
    }
    let rows = lines(&path);
    assert_eq!(rows.len(), 3);
    assert!(rows
        .iter()
        .all(|r| r["slot"] == "b" && r["event"] == "renew"));
}

#[test]
fn oversize_lines_leave_files_byte_for_byte_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log");
    let mut writer = Options::new().open(&path).unwrap();
    append_seq(&mut writer, 1);
    let before = fs::read(&path).unwrap();
    let big = "\u{1}".repeat(1000); // escapes to 6000 bytes
    let fields = [Field::new("big", big.as_str())];
    let event = Event::new(EventKind::Error).fields(&fields);

    let err = writer.append(&event).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::LineTooLong { len: Some(n) } if n > 6000),
        "{err}"
    );
    assert_eq!(err.path(), Some(path.as_path()));
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(writer.stats().failed, 1);
    assert_eq!(
        writer.stats().bytes_lost,
        0,
        "refused lines are not lost bytes"
    );

    let err = append_once(&path, &event).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::LineTooLong { .. }));
    assert_eq!(fs::read(&path).unwrap(), before);

    let fresh = dir.path().join("never/log");
    assert!(append_once(&fresh, &event).is_err());
    assert!(
        !fresh.exists() && !dir.path().join("never").exists(),
        "nothing created"
    );
}

#[test]
fn errors_name_the_operation_and_path_and_convert_to_io() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    fs::write(&blocker, b"").unwrap();
    let path = blocker.join("log"); // parent is a regular file
    let err = Writer::open(&path).unwrap_err();
    assert_eq!(err.op(), Op::OpenDir);
    assert_eq!(
        err.raw_os_error(),
        Some(rustix::io::Errno::NOTDIR.raw_os_error())
    );
    let text = err.to_string();
    assert!(
        text.starts_with("open directory of ") && text.contains(&path.display().to_string()),
        "{text}"
    );
    let io: std::io::Error = err.into();
    assert_eq!(io.raw_os_error(), None, "wrapped, with its message");
    assert!(io.to_string().contains("open directory of"));

    // A directory that is missing but cannot be created: a dangling symbolic link.
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let err = Writer::open(dangling.join("log")).unwrap_err();
    assert_eq!(err.op(), Op::CreateDir, "{err}");
    assert!(err.to_string().starts_with("create directory of "), "{err}");
    let err = append_once(dangling.join("log"), &Event::new(EventKind::Join)).unwrap_err();
    assert_eq!(err.op(), Op::CreateDir, "{err}");

    let err = Writer::open(dir.path().join("..")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPath);

    // Paths that name a directory: `Path::file_name` would read `new/log/` as `log`.
    for name in ["new/log/", "new/log/.", "new/.", "new/..", "new//", "."] {
        let path = dir.path().join(name);
        let err = Writer::open(&path).unwrap_err();
        assert_eq!(
            (err.kind(), err.op()),
            (ErrorKind::InvalidPath, Op::Open),
            "{name}"
        );
        let err = append_once(&path, &Event::new(EventKind::Join)).unwrap_err();
        assert_eq!(
            (err.kind(), err.op()),
            (ErrorKind::InvalidPath, Op::Open),
            "{name}"
        );
        assert!(
            err.to_string()
                .ends_with(": invalid log path (it names no file: it ends with `/`, `.` or `..`)"),
            "{err}"
        );
        assert!(!dir.path().join("new").exists(), "{name}: nothing created");
    }

    // The empty path, quoted so that the message shows it.
    for err in [
        Writer::open("").unwrap_err(),
        append_once("", &Event::new(EventKind::Join)).unwrap_err(),
    ] {
        assert_eq!((err.kind(), err.op()), (ErrorKind::InvalidPath, Op::Open));
        assert_eq!(
            err.to_string(),
            r#"open "": invalid log path (the path is empty)"#
        );
    }

    // A file name over 244 bytes, rotating or not, leaves no room for the backups' suffixes;
    // `append_once`, which makes no backups, takes it.
    let long = dir.path().join("x".repeat(245));
    for options in [Options::new(), Options::new().no_rotation()] {
        let err = options.open(&long).unwrap_err();
        assert_eq!((err.kind(), err.op()), (ErrorKind::InvalidPath, Op::Open));
        assert!(err.to_string().contains("at most 244 bytes"), "{err}");
    }
    assert!(!long.exists());
    Writer::open(dir.path().join("x".repeat(244))).expect("244 bytes");
    append_once(&long, &Event::new(EventKind::Join)).expect("append_once, 245 bytes");

    // A NUL byte anywhere in the path, the directory part included.
    // The message shows the path quoted, with the NUL byte escaped rather than written.
    for (bytes, shown) in [
        (&b"/tmp/a\0b/log"[..], r#""/tmp/a\0b/log""#),
        (b"/tmp/log\0", r#""/tmp/log\0""#),
    ] {
        let path = Path::new(std::ffi::OsStr::from_bytes(bytes));
        let expected = format!("open {shown}: invalid log path (it has a NUL byte)");
        let err = Writer::open(path).unwrap_err();
        assert_eq!((err.kind(), err.op()), (ErrorKind::InvalidPath, Op::Open));
        assert_eq!(err.to_string(), expected);
        let err = append_once(path, &Event::new(EventKind::Join)).unwrap_err();
        assert_eq!((err.kind(), err.op()), (ErrorKind::InvalidPath, Op::Open));
        assert_eq!(err.to_string(), expected);
    }
}

/// The defaults the README and rustdoc state, each spelled out rather than compared with
/// another default: a check every 1024 appends or 1 s, mode 0o644, `Precision::Auto`, no
/// fsync.
#[test]
fn documented_defaults() {
    let check = ReopenCheck {
        appends: 1024,
        interval: Duration::from_secs(1),
    };
    assert_eq!(ReopenCheck::default(), check);
    let options = Options::new();
    assert_eq!(options.reopen_check_policy(), Some(check));
    assert_eq!(options.file_mode(), 0o644);
    assert_eq!(options.timestamp_precision(), Precision::Auto);
    assert_eq!(options.durability_policy(), Durability::None);
}

/// Each getter gives back what its setter set, not the default.
#[test]
fn getters_return_what_was_set() {
    let periodic = Durability::Periodic {
        appends: 64,
        interval: Duration::from_millis(250),
    };
    let options = Options::new()
        .precision(Precision::Millis)
        .durability(periodic);
    assert_eq!(options.timestamp_precision(), Precision::Millis);
    assert_eq!(options.durability_policy(), periodic);
    let every = Options::new().durability(Durability::EveryAppend);
    assert_eq!(every.durability_policy(), Durability::EveryAppend);
}

#[test]
fn rotate_refuses_what_it_cannot_rotate() {
    let dir = tempfile::tempdir().unwrap();
    let mut slot = Writer::open_slot(dir.path().join("a"), "a").unwrap();
    let err = slot.rotate().unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidOption(_)), "{err}");
    assert_eq!(err.op(), Op::Rotate);
    assert!(err.to_string().starts_with("rotate "), "{err}");

    // A FIFO: lines go through it, but renaming it away would put a regular file in its
    // place, so it stays where it is.
    let fifo = dir.path().join("log");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    // A reader first, so that opening the FIFO for writing does not wait for one.
    let reader = rustix::fs::open(
        &fifo,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::NONBLOCK,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    // No reopen check, which would set the size from the FIFO's (0): by the writer's own
    // count the appends pass the maximum.
    let mut log = Options::new()
        .max_size(100)
        .reopen_check(None)
        .open(&fifo)
        .unwrap();
    for _ in 0..3 {
        log.append(&Event::new(EventKind::Renew)).unwrap();
    }
    let stats = log.stats();
    assert_eq!(stats.rotations, 0, "a FIFO never rotates by size");
    assert_eq!(stats.housekeeping_errors, 0);
    let err = log.rotate().unwrap_err();
    assert_eq!(
        (err.kind(), err.op()),
        (ErrorKind::NotRegularFile, Op::Rotate)
    );
    // Not even tried: nothing was made beside the FIFO (`/dev/stderr.lock`, say).
    assert!(!dir.path().join("log.lock").exists());
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(!dir.path().join("log.1").exists());
    let mut buf = [0u8; 4096];
    let read = rustix::io::read(&reader, &mut buf).unwrap();
    let text = std::str::from_utf8(&buf[..read]).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
}
