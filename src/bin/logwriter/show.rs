//! `logwriter show`: filters and renders rows; the reading loop of `-f` is in `follow`.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};
use std::path::PathBuf;
use std::time::SystemTime;

use logwriter::EventKind;

use crate::follow::{self, Tail};
use crate::lines::{Item, LineReader};
use crate::render::Renderer;
use crate::row::{self, Instant, Row};
use crate::series;
use crate::timearg;
use crate::Failure;

/// Longest line shown; longer ones are skipped (rows are at most 4096 bytes).
pub const LINE_CAPACITY: usize = 64 * 1024;

/// When to colour the output.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    /// When stdout is a terminal and `NO_COLOR` is unset or empty.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Arguments of `show`.
#[derive(clap::Args, Debug)]
#[allow(clippy::struct_excessive_bools)]
pub struct ShowArgs {
    /// The log file.
    pub path: PathBuf,
    /// Read the whole rotated series: PATH.N … PATH.1, then PATH.
    #[arg(long)]
    pub all: bool,
    /// After the existing rows, wait for new ones, across rotations and truncation (a pipe:
    /// the rows its writer has written so far, then each one as it comes).
    #[arg(short, long)]
    pub follow: bool,
    /// Print the selected rows byte for byte as they are in the file (of a glued line, the
    /// rows recovered from it, each on its own line).
    #[arg(long)]
    pub json: bool,
    /// Print the full UTC time (RFC 3339) instead of the local HH:MM:SS and zone.
    #[arg(long)]
    pub full_time: bool,
    /// Only rows at or after this time: a duration ago (30s, 5m, 2h, 1d) or RFC 3339.
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only the last N selected rows of what is already there (with -f, then every new one).
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
    /// Only rows of this slot ("" for rows without one).
    #[arg(long, value_name = "NAME")]
    pub slot: Option<String>,
    /// Only rows of this kind.
    #[arg(long, value_name = "KIND")]
    pub event: Option<String>,
    /// Colour the event names: auto (a terminal, and `NO_COLOR` unset or empty), always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Never colour (same as --color never).
    #[arg(long)]
    pub no_color: bool,
    /// With -f: how long to wait before looking for new rows again after reaching the end
    /// (rows down a pipe are shown as they come).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "100ms",
        requires = "follow"
    )]
    pub poll_interval: String,
    /// Stop after printing N rows (for scripts and tests of -f).
    #[arg(long, value_name = "N")]
    pub exit_after_lines: Option<u64>,
    /// With -f: stop once no new bytes have arrived for this long (a last row without a
    /// newline is then shown, as without -f, unless --last left it out).
    #[arg(long, value_name = "DURATION", requires = "follow")]
    pub exit_on_idle: Option<String>,
}

/// Which rows to show.
struct Filter {
    since: Option<Instant>,
    slot: Option<String>,
    event: Option<EventKind>,
}

/// The last N selected lines, in buffers that are reused.
struct Window {
    capacity: usize,
    lines: VecDeque<Vec<u8>>,
}

impl Window {
    fn push(&mut self, line: &[u8]) {
        if self.capacity == 0 {
            return;
        }
        let mut buf = if self.lines.len() == self.capacity {
            self.lines.pop_front().unwrap_or_default()
        } else {
            Vec::new()
        };
        buf.clear();
        buf.extend_from_slice(line);
        self.lines.push_back(buf);
    }
}

/// Standard output, remembering whether a write to it failed: an error met while a file is
/// read and shown is then blamed on stdout, not on the file.
struct Stdout {
    inner: StdoutLock<'static>,
    failed: bool,
}

impl Stdout {
    /// Passes `result` on, remembering a failure.
    fn note<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(err) = &result {
            // `BufWriter` retries an interrupted write.
            self.failed |= err.kind() != io::ErrorKind::Interrupted;
        }
        result
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

/// Where lines go: the filters, the `--last` window, and the output.
pub struct Shower {
    row: Row,
    /// The rows of the last glued line ([`Row::glued_rows`]).
    glued: Vec<std::ops::Range<usize>>,
    filter: Filter,
    /// How rows are printed as text; `None` with `--json`, which prints them as they are.
    renderer: Option<Renderer>,
    out: BufWriter<Stdout>,
    window: Option<Window>,
    shown: u64,
    limit: Option<u64>,
}

impl Shower {
    /// Takes one line (without `\n`). Lines that are not rows with an RFC 3339 `ts` and an
    /// `event` string are skipped; `verify` reports them. Of a glued line, the rows in it
    /// are taken ([`Row::glued_rows`]), as `verify` recovers them: the fragment a write cut
    /// short left is not, a row that lost only its `\n` is.
    pub fn line(&mut self, line: &[u8]) -> io::Result<()> {
        if self.done() {
            return Ok(());
        }
        // As `verify` takes it: what follows an editor's mark is the line.
        let line = line.strip_prefix(row::BYTE_ORDER_MARK).unwrap_or(line);
        if self.row.scan(line).is_ok() {
            return self.take(line);
        }
        let mut glued = std::mem::take(&mut self.glued);
        self.row.glued_rows(line, &mut glued);
        let mut shown = Ok(());
        for piece in &glued {
            let piece = &line[piece.clone()];
            if shown.is_ok() && self.row.scan(piece).is_ok() {
                shown = self.take(piece);
            }
        }
        self.glued = glued;
        shown
    }

    /// Takes the row just scanned, `line`: filtered, then kept for the `--last` window or
    /// shown.
    fn take(&mut self, line: &[u8]) -> io::Result<()> {
        if self.done() || self.selected(line).is_none() {
            return Ok(());
        }
        if let Some(window) = &mut self.window {
            window.push(line);
            return Ok(());
        }
        self.emit(line)
    }

    /// Applies the filters to the row just scanned, `line`; the instant if it is selected.
    fn selected(&self, line: &[u8]) -> Option<Instant> {
        let row = &self.row;
        let text = |key| row.get(line, key).and_then(|m| row::str_value(line, m));
        let ts = row::parse_rfc3339(text("ts")?.as_bytes())?;
        let event = text("event")?;
        let filter = &self.filter;
        // Writers leave an empty slot out, so `--slot ""` is the rows without one (or with
        // an empty string); a slot that is not a string matches no name.
        let slot_is = |want: &str| match row.get(line, "slot") {
            None => want.is_empty(),
            Some(m) => row::str_value(line, m).as_deref() == Some(want),
        };
        if filter.since.is_some_and(|since| ts < since)
            || filter.event.is_some_and(|kind| kind.as_str() != event)
            || filter.slot.as_ref().is_some_and(|slot| !slot_is(slot))
        {
            return None;
        }
        Some(ts)
    }

    /// Writes a line that [`Shower::selected`] has just selected.
    fn emit(&mut self, line: &[u8]) -> io::Result<()> {
        self.shown += 1;
        let Some(renderer) = &self.renderer else {
            self.out.write_all(line)?;
            return self.out.write_all(b"\n");
        };
        let row = &self.row;
        let text = |key| row.get(line, key).and_then(|m| row::str_value(line, m));
        let (Some(ts), Some(event)) = (
            text("ts").and_then(|t| row::parse_rfc3339(t.as_bytes())),
            text("event"),
        ) else {
            return Ok(());
        };
        renderer.render(&mut self.out, line, row, ts, &event)
    }

    /// Prints the `--last` window and shows later lines as they come.
    pub fn end_window(&mut self) -> io::Result<()> {
        if let Some(window) = self.window.take() {
            for line in &window.lines {
                if self.done() {
                    break;
                }
                // Each line is a row taken by `Shower::line`.
                if self.row.scan(line).is_ok() && self.selected(line).is_some() {
                    self.emit(line)?;
                }
            }
        }
        Ok(())
    }

    /// Whether `--exit-after-lines` has been reached.
    pub fn done(&self) -> bool {
        self.limit.is_some_and(|limit| self.shown >= limit)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The failure for `err`, met while doing `what` (`read PATH`, `follow PATH`): an error
    /// writing the output is reported as `stdout: …`, any other as `what: …`.
    fn failure(&self, what: &str, err: &io::Error) -> Failure {
        let what = if self.out.get_ref().failed {
            "stdout"
        } else {
            what
        };
        Failure::io(what, err)
    }
}

fn use_color(args: &ShowArgs) -> bool {
    if args.no_color || args.json {
        return false;
    }
    match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stdout().is_terminal()
        }
    }
}

/// The rows `args` asks for: `--event` and `--since`, parsed.
fn filter(args: &ShowArgs) -> Result<Filter, Failure> {
    let event = match &args.event {
        Some(name) => Some(
            name.parse::<EventKind>()
                .map_err(|err| Failure::usage(err.to_string()))?,
        ),
        None => None,
    };
    let since = match &args.since {
        Some(text) => Some(timearg::parse_since(text, SystemTime::now()).map_err(Failure::usage)?),
        None => None,
    };
    Ok(Filter {
        since,
        slot: args.slot.clone(),
        event,
    })
}

pub fn run(args: &ShowArgs) -> Result<(), Failure> {
    let filter = filter(args)?;
    let poll = timearg::parse_duration(&args.poll_interval)
        .map_err(|err| Failure::usage(format!("--poll-interval: {err}")))?;
    if poll.is_zero() {
        return Err(Failure::usage("--poll-interval must be above zero"));
    }
    let idle = match &args.exit_on_idle {
        Some(text) => Some(
            timearg::parse_duration(text)
                .map_err(|err| Failure::usage(format!("--exit-on-idle: {err}")))?,
        ),
        None => None,
    };
    let mut shower = Shower {
        row: Row::default(),
        glued: Vec::new(),
        filter,
        // With --json the rows are printed as they are, and no time zone is read.
        renderer: (!args.json).then(|| Renderer::new(args.full_time, use_color(args))),
        out: BufWriter::with_capacity(
            64 * 1024,
            Stdout {
                inner: io::stdout().lock(),
                failed: false,
            },
        ),
        window: args.last.map(|capacity| Window {
            capacity,
            lines: VecDeque::with_capacity(capacity.min(4096)),
        }),
        shown: 0,
        limit: args.exit_after_lines,
    };
    let mut reader = LineReader::with_capacity(LINE_CAPACITY);
    let name = args.path.display().to_string();
    // Open the series as one snapshot: this crate's writers cannot rotate meanwhile. One
    // file alone needs none, and does not wait for the lock unless the log is missing
    // (see `open_series`).
    let lock = (args.all || args.follow).then(|| follow::SeriesLock::shared(&args.path));
    // Following waits for a missing log; `--all` shows the backups there are.
    let (opened, log) = series::open_series(
        &args.path,
        args.all.then_some(series::Unlisted::ByNumber),
        args.follow,
    )?;
    let mut active = log
        .map(|file| {
            if args.follow {
                Tail::to_follow(file)
            } else {
                Tail::from_file(file)
            }
        })
        .transpose()
        .map_err(|err| Failure::io(&format!("open {name}"), &err))?;
    // For a follower, the newest backup, `PATH.1`, read for late lines from writers that
    // have not seen the rotation that made it: with `--all`, after it is read whole.
    let newest_name = logwriter::backup_path(&args.path, 1);
    let mut newest_backup = (args.follow && !args.all)
        .then(|| series::open_backup(&newest_name).ok())
        .flatten()
        .and_then(|file| Tail::newest_backup_from_its_end(file, active.as_ref(), &args.path));
    // For a follower, the backups older than the log it opened: never new.
    let known = if args.follow {
        Some(
            follow::Known::of_series(&args.path)
                .map_err(|err| Failure::io(&format!("list backups of {name}"), &err))?,
        )
    } else {
        None
    };
    drop(lock);
    for (backup, mut file) in opened {
        let mut read = read_all(&mut reader, &mut file, &mut shower);
        // A follower reads on in the newest backup, read whole (it comes last).
        if read.is_ok() && args.follow && backup == newest_name {
            let log = active.as_ref();
            read = read_on(file, &reader, &mut shower.row, log, &args.path)
                .map(|tail| newest_backup = tail);
        }
        read.map_err(|err| shower.failure(&format!("read {}", backup.display()), &err))?;
    }
    let result = (|| {
        if let Some(tail) = &mut active {
            tail.drain(&mut shower)?;
            if !args.follow {
                tail.last_unterminated(&mut shower)?;
            } else if args.last.is_some() {
                tail.end_window();
            }
        }
        shower.end_window()?;
        shower.flush()?;
        if let Some(known) = known {
            follow::run(
                &args.path,
                active,
                newest_backup,
                known,
                &mut shower,
                &follow::Settings { poll, idle },
            )?;
        }
        shower.flush()
    })();
    let doing = if args.follow { "follow" } else { "read" };
    result.map_err(|err| shower.failure(&format!("{doing} {name}"), &err))
}

/// The newest backup, just read whole by `reader`, to be read on for late lines from where
/// the rows read end ([`Tail::newest_backup`]).
fn read_on(
    mut file: File,
    reader: &LineReader,
    row: &mut Row,
    log: Option<&Tail>,
    path: &std::path::Path,
) -> io::Result<Option<Tail>> {
    let read_to = io::Seek::stream_position(&mut file)?;
    let from = if reader.pending_skipped() > 0 {
        follow::Unended::Overlong
    } else {
        follow::Unended::after_rows(reader.pending(), row)
    };
    Ok(Tail::newest_backup(file, read_to, from, log, path))
}

fn read_all(reader: &mut LineReader, file: &mut File, shower: &mut Shower) -> io::Result<()> {
    reader.reset();
    while let Some(item) = reader.next_item(file)? {
        if shower.done() {
            break;
        }
        if let Item::Line(range) = item {
            shower.line(reader.bytes(range))?;
        }
    }
    last_unterminated(reader, shower)
}

/// At the end of a file read whole (not followed): the bytes after its last `\n`, shown
/// if they are a row. A writer cut short leaves such a fragment (`verify` reports it as
/// torn), and so does a program that ends its last line without `\n`: a complete row
/// there is shown rather than dropped. A follower waits for the rest of the line instead,
/// and calls this when it lets the file go.
pub fn last_unterminated(reader: &LineReader, shower: &mut Shower) -> io::Result<()> {
    if reader.has_pending() && reader.pending_skipped() == 0 {
        shower.line(reader.pending())?;
    }
    Ok(())
}
