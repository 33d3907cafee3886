//! `logwriter verify`: checks every line of a log or of its rotated series.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use logwriter::{EventKind, MAX_LINE};

use crate::follow::SeriesLock;
use crate::lines::{Item, LineReader};
use crate::row::{self, Row, ScanError};
use crate::series;
use crate::Failure;

/// Longest line checked byte by byte; longer ones are only counted as too long.
const LINE_CAPACITY: usize = 1 << 20;

/// How long a line found unfinished at the end of a regular file is waited for: a
/// `write(2)` of several pages is copied in one page at a time, and a reader can see its
/// first pages before the rest (a writer preempted in the middle of the copy makes that
/// last). Without its `\n` by then, the line is torn.
const REST_OF_LINE_WAIT: Duration = Duration::from_millis(200);

/// Problems reported after this many are only counted.
const MAX_EXAMPLES: usize = 20;

/// Arguments of `verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The log file.
    pub path: PathBuf,
    /// Check the whole rotated series: PATH.N … PATH.1, then PATH.
    #[arg(long)]
    pub all: bool,
    /// Print the summary as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// How far a row's ts may be behind the latest ts before it in the same file. Writers
    /// that share a log each stamp a line before they write it, so their lines can land
    /// out of order by the time in between. `0` (or `0s`) asks for strict order.
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    pub order_slack: String,
}

/// The kinds of problem, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    Torn,
    Glued,
    InvalidJson,
    BadTs,
    UnknownEvent,
    DuplicateKey,
    TooLong,
    TsBackwards,
}

impl Problem {
    const ALL: [Problem; 8] = [
        Problem::Torn,
        Problem::Glued,
        Problem::InvalidJson,
        Problem::BadTs,
        Problem::UnknownEvent,
        Problem::DuplicateKey,
        Problem::TooLong,
        Problem::TsBackwards,
    ];

    fn name(self) -> &'static str {
        match self {
            Problem::Torn => "torn",
            Problem::Glued => "glued",
            Problem::InvalidJson => "invalid_json",
            Problem::BadTs => "bad_ts",
            Problem::UnknownEvent => "unknown_event",
            Problem::DuplicateKey => "duplicate_key",
            Problem::TooLong => "too_long",
            Problem::TsBackwards => "ts_backwards",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Problem::Torn => "torn line: cut short before its end",
            Problem::Glued => "glued line: an event cut short, then another event on the same line",
            Problem::InvalidJson => "not a JSON object",
            Problem::BadTs => "ts missing or not RFC 3339",
            Problem::UnknownEvent => "event missing or not a known kind",
            Problem::DuplicateKey => "duplicate key",
            Problem::TooLong => "over the 4096-byte line limit",
            Problem::TsBackwards => "ts behind an earlier line's by more than the order slack",
        }
    }
}

/// Counts over every file checked.
struct Checker {
    row: Row,
    /// The rows of the last glued line ([`Row::glued_rows`]).
    glued: Vec<std::ops::Range<usize>>,
    lines: u64,
    events: [u64; EventKind::ALL.len()],
    problems: [u64; Problem::ALL.len()],
    examples: Vec<String>,
    /// The latest ts in the file being checked, in nanoseconds since the epoch.
    latest_ts: Option<i128>,
    /// [`VerifyArgs::order_slack`] in nanoseconds.
    order_slack: i128,
}

impl Checker {
    fn report(&mut self, problem: Problem, file: &str, line_no: u64, detail: &str) {
        self.problems[problem as usize] += 1;
        if self.examples.len() < MAX_EXAMPLES {
            let mut text = format!("{file}:{line_no}: {}", problem.describe());
            if !detail.is_empty() {
                let _ = write!(text, " ({detail})");
            }
            self.examples.push(text);
        }
    }

    /// Checks every line of `file` up to `size`, its size when the check began (`None`
    /// for a pipe or another file that has no size, read to its end), and the rest of a
    /// last line unfinished there.
    fn check_file(
        &mut self,
        name: &str,
        file: &mut File,
        size: Option<u64>,
        reader: &mut LineReader,
    ) -> io::Result<()> {
        self.latest_ts = None;
        reader.reset();
        let mut line_no = 0;
        let mut now_there = (&mut *file).take(size.unwrap_or(u64::MAX));
        while let Some(item) = reader.next_item(&mut now_there)? {
            line_no += 1;
            self.check_item(name, line_no, reader, item);
        }
        // A last line unfinished at that size may be a write under way: its rest is read,
        // and nothing after it.
        if let Some(size) = size.filter(|_| reader.has_pending()) {
            if let Some(item) = rest_of_line(file, reader, size)? {
                self.check_item(name, line_no + 1, reader, item);
                return Ok(());
            }
        }
        if reader.has_pending() {
            line_no += 1;
            match reader.pending_skipped() {
                0 => self.check_line(name, line_no, reader.pending(), false),
                skipped => self.check_overlong_tail(name, line_no, skipped, reader.pending()),
            }
        }
        Ok(())
    }

    /// Checks a whole line read, or counts one too long to be checked.
    fn check_item(&mut self, name: &str, line_no: u64, reader: &LineReader, item: Item) {
        match item {
            Item::Line(range) => self.check_line(name, line_no, reader.bytes(range), true),
            Item::Overlong(len) => {
                self.lines += 1;
                self.report(Problem::TooLong, name, line_no, &format!("{len} bytes"));
            }
        }
    }

    /// The last line of a file, longer than the reader's buffer and with no `\n`: too long,
    /// by its whole length (the `skipped` bytes and the `rest` still held), and torn.
    fn check_overlong_tail(&mut self, name: &str, line_no: u64, skipped: u64, rest: &[u8]) {
        self.lines += 1;
        let len = skipped + rest.len() as u64;
        self.report(Problem::TooLong, name, line_no, &format!("{len} bytes"));
        self.report(
            Problem::Torn,
            name,
            line_no,
            "no newline at the end of the file",
        );
    }

    fn check_line(&mut self, name: &str, line_no: u64, line: &[u8], terminated: bool) {
        self.lines += 1;
        let len = line.len() + usize::from(terminated);
        if len > MAX_LINE {
            self.report(Problem::TooLong, name, line_no, &format!("{len} bytes"));
        }
        // An editor's byte-order mark: not the fragment of a write cut short, which a
        // glued line would suggest. What follows it is checked as the line.
        let line = match line.strip_prefix(row::BYTE_ORDER_MARK) {
            Some(rest) => {
                let detail = "starts with a UTF-8 byte-order mark, EF BB BF, which JSON \
                              forbids; the rest is checked";
                self.report(Problem::InvalidJson, name, line_no, detail);
                rest
            }
            None => line,
        };
        match self.row.scan(line) {
            Ok(()) if terminated => self.check_row(name, line_no, line),
            Ok(()) => self.report(
                Problem::Torn,
                name,
                line_no,
                "no newline at the end of the file",
            ),
            Err(err) => {
                let mut glued = std::mem::take(&mut self.glued);
                if let Some(at) = self.row.glued_rows(line, &mut glued) {
                    self.check_glued(name, line_no, line, terminated, at, &glued);
                    self.glued = glued;
                } else if line.iter().all(u8::is_ascii_whitespace) && terminated {
                    self.report(Problem::InvalidJson, name, line_no, "empty line");
                } else if err == ScanError::Truncated || !terminated {
                    self.report(Problem::Torn, name, line_no, "");
                } else {
                    self.report(Problem::InvalidJson, name, line_no, "");
                }
            }
        }
    }

    /// Reports a glued line ([`Row::glued_rows`]), whose second event starts at `at`, and
    /// counts and checks the `rows` recovered from it. A write that stopped short of the
    /// `\n` alone leaves a whole row, which is counted like the rows glued onto it. A last
    /// line without `\n` is torn as well: its last row, as a lone row would be (and not
    /// counted), or the fragment after its last row.
    fn check_glued(
        &mut self,
        name: &str,
        line_no: u64,
        line: &[u8],
        terminated: bool,
        at: usize,
        rows: &[std::ops::Range<usize>],
    ) {
        let in_rows: usize = rows.iter().map(ExactSizeIterator::len).sum();
        let plural = if rows.len() == 1 { "" } else { "s" };
        let detail = format!(
            "second event at byte {at}: {} whole event{plural}, {} bytes of fragments",
            rows.len(),
            line.len() - in_rows
        );
        self.report(Problem::Glued, name, line_no, &detail);
        for row in rows {
            if !terminated && row.end == line.len() {
                let detail = "no newline at the end of the file";
                self.report(Problem::Torn, name, line_no, detail);
            } else if self.row.scan(&line[row.clone()]).is_ok() {
                self.check_row(name, line_no, &line[row.clone()]);
            }
        }
        if !terminated && rows.last().is_none_or(|row| row.end != line.len()) {
            let detail = "a fragment with no newline at the end of the file";
            self.report(Problem::Torn, name, line_no, detail);
        }
    }

    fn check_row(&mut self, name: &str, line_no: u64, line: &[u8]) {
        if self.row.has_duplicate_key(line) {
            self.report(Problem::DuplicateKey, name, line_no, "");
        }
        let row = &self.row;
        // Escaped values are decoded; the usual plain ones are read in place.
        let raw = |key| {
            row.get(line, key).and_then(|m| match (m.kind, m.escaped) {
                (row::Kind::Str, false) => {
                    Some(Cow::Borrowed(&line[m.value.start + 1..m.value.end - 1]))
                }
                (row::Kind::Str, true) => {
                    row::str_value(line, m).map(|t| Cow::Owned(t.into_owned().into_bytes()))
                }
                _ => None,
            })
        };
        let ts = raw("ts").and_then(|t| row::parse_rfc3339(&t));
        let kind = raw("event").and_then(|e| {
            EventKind::ALL
                .into_iter()
                .find(|k| k.as_str().as_bytes() == &*e)
        });
        match kind {
            Some(kind) => self.events[kind as usize] += 1,
            None => self.report(Problem::UnknownEvent, name, line_no, ""),
        }
        let Some(ts) = ts else {
            self.report(Problem::BadTs, name, line_no, "");
            return;
        };
        let ts = i128::from(ts.0) * 1_000_000_000 + i128::from(ts.1);
        if let Some(latest) = self.latest_ts {
            if latest - ts > self.order_slack {
                let detail = exact_seconds(latest - ts);
                self.report(Problem::TsBackwards, name, line_no, &detail);
            }
        }
        self.latest_ts = Some(self.latest_ts.map_or(ts, |latest| latest.max(ts)));
    }

    fn total_problems(&self) -> u64 {
        self.problems.iter().sum()
    }
}

/// Reads on in `file`, past `size`, where `reader` holds the start of an unfinished last
/// line: the line once its `\n` comes, or `None` if it does not come within
/// [`REST_OF_LINE_WAIT`] or the file is cut below `size` (copytruncate), after which what
/// comes is not the rest of this line.
fn rest_of_line(file: &mut File, reader: &mut LineReader, size: u64) -> io::Result<Option<Item>> {
    let deadline = Instant::now() + REST_OF_LINE_WAIT;
    loop {
        if let Some(item) = reader.next_item(file)? {
            return Ok(Some(item));
        }
        if Instant::now() >= deadline || crate::stat::of_file(file)?.size < size {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

pub fn run(args: &VerifyArgs) -> Result<ExitCode, Failure> {
    let order_slack = crate::timearg::parse_duration(&args.order_slack)
        .map_err(|err| Failure::usage(format!("--order-slack: {err}")))?;
    // The series as one snapshot, opened under the lock this crate's writers rotate under:
    // a rotation between two opens would show a file twice or skip one. One file alone
    // needs none, but for a log missing meanwhile (see `open_series`).
    let lock = args.all.then(|| SeriesLock::shared(&args.path));
    // `--all` checks the backups there are, with or without the log.
    let (mut files, log) = series::open_series(
        &args.path,
        args.all.then_some(series::Unlisted::Fail),
        false,
    )?;
    files.extend(log.map(|file| (args.path.clone(), file)));
    // Each regular file is read up to its size now, so that one appended to without end
    // is checked as it was when the check began, with the others (a pipe is read to its
    // end).
    let mut sized = Vec::with_capacity(files.len());
    for (path, file) in files {
        let info = crate::stat::of_file(&file)
            .map_err(|err| Failure::io(&format!("stat {}", path.display()), &err))?;
        let size = info.regular.then_some(info.size);
        sized.push((path, file, size));
    }
    drop(lock);
    let mut checker = Checker {
        row: Row::default(),
        glued: Vec::new(),
        lines: 0,
        events: [0; EventKind::ALL.len()],
        problems: [0; Problem::ALL.len()],
        examples: Vec::new(),
        latest_ts: None,
        order_slack: i128::try_from(order_slack.as_nanos()).unwrap_or(i128::MAX),
    };
    let mut reader = LineReader::with_capacity(LINE_CAPACITY);
    let mut names = Vec::new();
    for (path, mut file, size) in sized {
        let name = path.display().to_string();
        checker
            .check_file(&name, &mut file, size, &mut reader)
            .map_err(|err| Failure::io(&format!("read {name}"), &err))?;
        names.push(name);
    }
    let summary = if args.json {
        json_summary(&checker, &names)
    } else {
        text_summary(&checker, &names)
    };
    match io::stdout().lock().write_all(summary.as_bytes()) {
        // No one reads the report (`verify log | head -0`), but the exit status is the
        // verdict, which a closed pipe must not turn into success.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => {}
        result => result.map_err(|err| Failure::io("stdout", &err))?,
    }
    Ok(if checker.total_problems() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn json_summary(checker: &Checker, names: &[String]) -> String {
    let events: serde_json::Map<String, serde_json::Value> = EventKind::ALL
        .iter()
        .map(|kind| {
            (
                kind.as_str().to_owned(),
                checker.events[*kind as usize].into(),
            )
        })
        .collect();
    let problems: serde_json::Map<String, serde_json::Value> = Problem::ALL
        .iter()
        .map(|p| (p.name().to_owned(), checker.problems[*p as usize].into()))
        .collect();
    let summary = serde_json::json!({
        "files": names,
        "lines": checker.lines,
        "events": events,
        "problems": problems,
        "problem_count": checker.total_problems(),
        "examples": checker.examples,
        "ok": checker.total_problems() == 0,
    });
    format!("{summary}\n")
}

fn text_summary(checker: &Checker, names: &[String]) -> String {
    let mut out = String::new();
    for example in &checker.examples {
        let _ = writeln!(out, "{example}");
    }
    let _ = writeln!(out, "files: {}", names.join(" "));
    let _ = writeln!(out, "lines: {}", checker.lines);
    let events: Vec<String> = EventKind::ALL
        .iter()
        .map(|kind| format!("{kind} {}", checker.events[*kind as usize]))
        .collect();
    let _ = writeln!(out, "events: {}", events.join(", "));
    let problems: Vec<String> = Problem::ALL
        .iter()
        .map(|p| format!("{} {}", p.name(), checker.problems[*p as usize]))
        .collect();
    let total = checker.total_problems();
    let _ = writeln!(out, "problems: {total} ({})", problems.join(", "));
    let _ = writeln!(out, "{}", if total == 0 { "ok" } else { "FAILED" });
    out
}

/// `nanos` nanoseconds as exact seconds, without trailing zeros: `0.000000001 s`, `1.5 s`,
/// `2 s`. Rounding would print a row 1 ns behind with `--order-slack 0` as `0.000 s`.
fn exact_seconds(nanos: i128) -> String {
    let (secs, frac) = (nanos / 1_000_000_000, nanos % 1_000_000_000);
    if frac == 0 {
        return format!("{secs} s");
    }
    let digits = format!("{frac:09}");
    format!("{secs}.{} s", digits.trim_end_matches('0'))
}
