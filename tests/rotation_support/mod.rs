//! Shared by the rotation, crash and fault tests: child processes that re-run one test of the
//! same test binary in a given role, lines that carry a (writer, seq) identity, and a reader
//! of the whole series `log`, `log.1` … that checks every line.
#![allow(dead_code)]

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use logwriter::{Event, EventKind, Field, Writer};

/// Set in a child process to the role it plays; the test it runs reads it first.
pub const ROLE: &str = "LOGWRITER_TEST_ROLE";

/// The role this process was started in, if it is a child.
pub fn role() -> Option<String> {
    std::env::var(ROLE).ok()
}

/// Set to `1` to run the rest of the suite where `strace` or a mount namespace is not
/// available: the tests that need them then pass without checking anything (libtest has no
/// "skipped" result), saying so on stderr. Any other value, `0` included, skips nothing.
pub const ALLOW_SKIP: &str = "LOGWRITER_ALLOW_SKIP";

/// Whether `strace` can trace here. If it cannot (missing, or ptrace refused), panics
/// naming what to install, unless [`ALLOW_SKIP`] is `1`: a test must not pass for
/// checking nothing without being asked to.
pub fn strace_usable() -> bool {
    let usable = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=none", "true"])
        .output()
        .is_ok_and(|out| out.status.success());
    usable_or_skip(
        usable,
        "strace (apt-get install strace; ptrace must be allowed)",
    )
}

/// `usable`, or else a panic that names `what` is missing, unless [`ALLOW_SKIP`] is `1`,
/// when the test is skipped (false) with a line on stderr.
pub fn usable_or_skip(usable: bool, what: &str) -> bool {
    if usable {
        return true;
    }
    assert!(
        std::env::var_os(ALLOW_SKIP).is_some_and(|value| value == "1"),
        "this test needs {what}, which is not usable here; set {ALLOW_SKIP}=1 to skip it"
    );
    // Straight to the process's stderr: libtest captures `eprintln!` from a test that
    // passes, and a skip would then go unsaid.
    let _ = writeln!(
        std::io::stderr(),
        "skipped ({ALLOW_SKIP}=1): {what} is not usable here"
    );
    false
}

/// Runs the child `test` (from [`child`]) under `strace -f -qq -e trace=<trace>`, with
/// `more` arguments for strace (`-e inject=…`, `-P <path>`), and checks that it succeeded
/// and printed `done`; returns its stdout and its stderr, which holds the trace, or `None`
/// where `strace` cannot run and skipping was asked for ([`strace_usable`]).
pub fn traced(test: &Command, trace: &str, more: &[&str], done: &str) -> Option<(String, String)> {
    if !strace_usable() {
        return None;
    }
    let out = Command::new("strace")
        .args(["-f", "-qq", "-e", &format!("trace={trace}")])
        .args(more)
        .arg(test.get_program())
        .args(test.get_args())
        .envs(test.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .output()
        .expect("run child under strace");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success() && stdout.contains(done),
        "{stdout}\n{stderr}"
    );
    Some((stdout, stderr))
}

/// Makes a FIFO at `path` (mode 0600).
pub fn mkfifo(path: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .expect("mkfifo");
}

/// The FIFO at `path` opened for reading without waiting for a writer: while it is open,
/// opening the FIFO for writing neither waits nor fails with `ENXIO`.
pub fn fifo_reader(path: &Path) -> rustix::fd::OwnedFd {
    rustix::fs::open(
        path,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::NONBLOCK,
        rustix::fs::Mode::empty(),
    )
    .expect("open the FIFO for reading")
}

/// A command that runs exactly `test` of this test binary as a child in `role`.
pub fn child(test: &str, role: &str) -> Command {
    let exe = std::env::current_exe().expect("test binary path");
    let mut command = Command::new(exe);
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .stdin(Stdio::null());
    command
}

/// Asserts that a child ran to its end: it exited successfully and printed `done`.
pub fn assert_child_done(out: &Output, done: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(done),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `test` (a [`child`]) in a private mount namespace of its own, after `mount`, a shell
/// command that is given `dir` as `$1`, has mounted something there; `dir` is also in the
/// child's `env` variable. `None` if the mount failed. As root; a test that needs it checks
/// [`mount_namespace_usable`] first.
pub fn in_mount_namespace(mount: &str, dir: &Path, env: &str, test: &Command) -> Option<Output> {
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "{mount} || {{ echo mount-failed; exit 0; }}; shift; exec \"$@\""
        ))
        .arg("sh")
        .arg(dir)
        .arg(test.get_program())
        .args(test.get_args())
        .envs(test.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .env(env, dir)
        .stdin(Stdio::null())
        .output()
        .expect("run unshare");
    let mounted = !String::from_utf8_lossy(&out.stdout).contains("mount-failed");
    mounted.then_some(out)
}

/// Whether a private mount namespace can be made here (`unshare -m`, as root), or else as
/// [`usable_or_skip`].
pub fn mount_namespace_usable() -> bool {
    let usable = Command::new("unshare")
        .args(["-m", "--propagation", "private", "true"])
        .output()
        .is_ok_and(|out| out.status.success());
    usable_or_skip(usable, "a mount namespace (unshare -m, as root)")
}

/// As [`child`], but started through `sh` with `SIGXFSZ` ignored, a disposition that
/// survives `exec`, so that passing `RLIMIT_FSIZE` makes `write(2)` fail with `EFBIG`.
pub fn child_ignoring_sigxfsz(test: &str, role: &str) -> Command {
    let exe = std::env::current_exe().expect("test binary path");
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg("trap '' XFSZ; exec \"$0\" \"$@\"")
        .arg(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(ROLE, role)
        .stdin(Stdio::null());
    command
}

/// Appends the line that identifies `(writer, seq)`; `pad` bytes of filler vary its length.
pub fn append_seq(
    log: &mut Writer,
    writer: u32,
    seq: u64,
    pad: usize,
) -> Result<(), logwriter::Error> {
    const FILLER: &str = "................................................................";
    let pad = &FILLER[..pad.min(FILLER.len())];
    let fields = [
        Field::new("w", writer),
        Field::new("seq", seq),
        Field::new("pad", pad),
    ];
    log.append(&Event::new(EventKind::Renew).slot("stress").fields(&fields))
}

/// The `n` of every line of `path`; panics on a line that does not parse.
pub fn numbers(path: &Path) -> Vec<u64> {
    std::fs::read_to_string(path)
        .expect("read")
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).expect("whole JSON line");
            value["n"].as_u64().expect("n")
        })
        .collect()
}

/// The files of the series of `name` in `dir`: `(0, active)`, `(n, name.n)`, newest first.
pub fn series_files(dir: &Path, name: &str) -> Vec<(u32, PathBuf)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let entry = entry.expect("dir entry");
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        if file_name == name {
            files.push((0, entry.path()));
        } else if let Some(number) = file_name
            .strip_prefix(name)
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|n| n.parse::<u32>().ok())
        {
            files.push((number, entry.path()));
        }
    }
    files.sort_by_key(|(number, _)| *number);
    files
}

/// What a whole series holds.
#[derive(Debug, Default)]
pub struct SeriesContent {
    /// Files read: (number, size in bytes), newest first.
    pub files: Vec<(u32, u64)>,
    /// How often each (writer, seq) was found.
    pub seen: HashMap<(u32, u64), u32>,
    /// Lines that are not a JSON object with `w` and `seq` (torn, merged, blank…).
    pub bad_lines: Vec<String>,
    /// Writers whose seqs do not increase from the oldest file to the newest.
    pub out_of_order: Vec<(u32, u64, u64)>,
    /// Files that do not end in `\n`.
    pub unterminated: Vec<u32>,
}

impl SeriesContent {
    /// Number of distinct lines found more than once.
    pub fn duplicated(&self) -> usize {
        self.seen.values().filter(|&&n| n > 1).count()
    }

    /// Total bytes in all files.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|(_, size)| size).sum()
    }

    /// Of `expected` lines, how many are missing.
    pub fn missing<'a>(&self, expected: impl IntoIterator<Item = &'a (u32, u64)>) -> usize {
        expected
            .into_iter()
            .filter(|key| !self.seen.contains_key(key))
            .count()
    }
}

/// Reads every file of the series, oldest first, and parses every line.
pub fn read_series(dir: &Path, name: &str) -> SeriesContent {
    let mut content = SeriesContent::default();
    let mut last_seq: HashMap<u32, u64> = HashMap::new();
    let mut files = series_files(dir, name);
    files.reverse();
    for (number, path) in files {
        let bytes = std::fs::read(&path).expect("read log file");
        content.files.push((number, bytes.len() as u64));
        if !bytes.is_empty() && !bytes.ends_with(b"\n") {
            content.unterminated.push(number);
        }
        for line in bytes.split(|&b| b == b'\n') {
            if line.is_empty() {
                continue;
            }
            match parse_id(line) {
                Some((writer, seq)) => {
                    *content.seen.entry((writer, seq)).or_insert(0) += 1;
                    if let Some(&previous) = last_seq.get(&writer) {
                        if seq <= previous {
                            content.out_of_order.push((writer, previous, seq));
                        }
                    }
                    last_seq.insert(writer, seq);
                }
                None => content
                    .bad_lines
                    .push(String::from_utf8_lossy(line).into_owned()),
            }
        }
    }
    content.files.reverse();
    // Blank lines would be skipped above; count them as bad: none is expected.
    for (number, path) in series_files(dir, name) {
        let bytes = std::fs::read(&path).expect("read log file");
        if bytes.starts_with(b"\n") || bytes.windows(2).any(|w| w == b"\n\n") {
            content
                .bad_lines
                .push(format!("blank line in file {number}"));
        }
    }
    content
}

/// `(w, seq)` of a line that is a whole JSON object written by [`append_seq`].
pub fn parse_id(line: &[u8]) -> Option<(u32, u64)> {
    let value: serde_json::Value = serde_json::from_slice(line).ok()?;
    let object = value.as_object()?;
    let writer = u32::try_from(object.get("w")?.as_u64()?).ok()?;
    let seq = object.get("seq")?.as_u64()?;
    Some((writer, seq))
}

/// The file name of `path` as `&str`.
pub fn file_name(path: &Path) -> &str {
    path.file_name().and_then(OsStr::to_str).expect("file name")
}
