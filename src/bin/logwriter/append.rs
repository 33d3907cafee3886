//! `logwriter append`: one event, one `write(2)`, through the library: `append_once` without
//! rotation, a rotating `Writer` with it.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::PathBuf;

use logwriter::{Event, EventKind, Line, Options, Timestamp};

use crate::fields;
use crate::Failure;

/// Arguments of `append`.
#[derive(clap::Args, Debug)]
pub struct AppendArgs {
    /// The log file (created with its directory if missing).
    pub path: PathBuf,
    /// The event kind: `join`, `commit`, `commit_error`, `renew`, `close`, `dispatched` or `error`.
    #[arg(long, value_name = "KIND")]
    pub event: String,
    /// The slot written on the row (omitted when empty).
    #[arg(long, value_name = "NAME", default_value = "")]
    pub slot: String,
    /// Rotate before the file would exceed this many bytes (turns rotation on; default
    /// 10485760 when only --max-files is given).
    #[arg(long, value_name = "BYTES")]
    pub max_size: Option<u64>,
    /// Numbered backups to keep when rotating (turns rotation on; default 5 when only
    /// --max-size is given).
    // Read as a u64 so that a count past u32::MAX is refused in words that do not offer 0.
    #[arg(long, value_name = "COUNT")]
    pub max_files: Option<u64>,
    /// Fields: `key=text` for a string, `key:=JSON` for an integer (full i64/u64 range), a
    /// float (written in ryu's shortest form, e.g. `1e2` becomes `100.0`), true, false, null
    /// or a JSON string.
    #[arg(value_name = "FIELD")]
    pub fields: Vec<OsString>,
}

/// A zero `--max-size` or `--max-files`, or more backups than a `u32` counts, is a command
/// line that cannot be used (exit 2), like any other bad argument, rather than a failure of
/// the open that the library would refuse. Returns the count of backups, if given.
fn check_rotation_args(args: &AppendArgs) -> Result<Option<u32>, Failure> {
    if args.max_size == Some(0) {
        return Err(Failure::usage("--max-size must be at least 1 byte"));
    }
    match args.max_files.map(u32::try_from) {
        Some(Ok(0)) => Err(Failure::usage(
            "--max-files must be at least 1 (0 would delete the log when it rotates)",
        )),
        Some(Err(_)) => Err(Failure::usage(format!(
            "--max-files must be at most {}",
            u32::MAX
        ))),
        Some(Ok(count)) => Ok(Some(count)),
        None => Ok(None),
    }
}

/// Checks everything that can be checked first, then opens the log and appends once.
pub fn run(args: &AppendArgs) -> Result<(), Failure> {
    let kind = args
        .event
        .parse::<EventKind>()
        .map_err(|err| Failure::usage(err.to_string()))?;
    let parsed = fields::parse_all(&args.fields).map_err(Failure::usage)?;
    let max_files = check_rotation_args(args)?;
    let list: Vec<_> = parsed.iter().map(fields::ParsedField::as_field).collect();
    // One timestamp for the size check and the append, so both encode the same line.
    let event = Event::new(kind)
        .slot(&args.slot)
        .fields(&list)
        .at(Timestamp::now());
    if args.max_size.is_none() && max_files.is_none() {
        // No backups to name, so any file name the filesystem takes (up to 255 bytes), and
        // the line is encoded before anything is created.
        return logwriter::append_once(&args.path, &event)
            .map_err(|err| Failure::failed(err.to_string()));
    }
    // Opening a writer creates the file: an oversize line is refused before that, in the
    // words `append_once` uses (the encoder's own error names no file).
    if let Err(err) = Line::new().encode(&event) {
        let text = err.to_string();
        let reason = text.strip_prefix("encode event: ").unwrap_or(&text);
        return Err(Failure::failed(format!(
            "append to {}: {reason}",
            args.path.display()
        )));
    }
    let mut writer = Options::new()
        .max_size(args.max_size.unwrap_or(logwriter::DEFAULT_MAX_SIZE))
        .max_files(max_files.unwrap_or(logwriter::DEFAULT_MAX_FILES))
        .open(&args.path)
        .map_err(|err| Failure::failed(err.to_string()))?;
    writer
        .append(&event)
        .map_err(|err| Failure::failed(err.to_string()))?;
    if let Some(err) = writer.take_housekeeping_error() {
        // A stderr that cannot be written loses the warning; the line is written.
        let _ = writeln!(
            std::io::stderr(),
            "logwriter: warning: the line was written, but {err}"
        );
    }
    Ok(())
}
