//! The crate's one error type: what failed, in which operation, on which path.

use core::fmt;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::Arc;

use rustix::io::Errno;

use crate::encode::MAX_LINE;

/// What went wrong.
///
/// ```
/// use logwriter::{Errno, ErrorKind, Options};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("file"), "")?;
/// // A file where a directory should be.
/// let err = Options::new().open(dir.path().join("file/log")).unwrap_err();
/// match err.kind() {
///     ErrorKind::Os(errno) => assert_eq!(errno, Errno::NOTDIR),
///     other => panic!("unexpected {other:?}"),
/// }
/// assert_eq!(err.raw_os_error(), Some(20)); // ENOTDIR
/// // Failures can be counted by what and where (both are `Hash`).
/// let mut counts = std::collections::HashMap::new();
/// *counts.entry((err.op(), err.kind())).or_insert(0) += 1;
/// assert_eq!(std::io::Error::from(err).kind(), std::io::ErrorKind::NotADirectory);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The encoded line, `\n` included, is longer than [`MAX_LINE`] (4096) bytes. Nothing was
    /// written. `len` is the full length it would have had, when it is known: it is not when
    /// the event has more than 811 distinct fields (at most 592 can fit on a line; counting
    /// stops at a bound past that), or a length of
    /// `usize::MAX / 4` or more (1 GiB on a 32-bit target, where fields that repeat one
    /// large string could add up to more than a `usize` can count).
    LineTooLong {
        /// The length the line would have had, `\n` included.
        len: Option<usize>,
    },
    /// `write(2)` accepted only part of the line: `written` of `len` bytes reached the file as
    /// a partial line. The rest is never written by a second call, which would no longer be
    /// atomic. A [`Writer`](crate::Writer) ends the fragment with `\n` before its next line,
    /// when it leaves the file for another, or when it is closed; a writer dropped first,
    /// and [`append_once`](crate::append_once), leave that to the next writer or
    /// `append_once` that opens the log.
    ///
    /// When `written` is `len − 1`, only the `\n` is missing: the row is whole on disk and
    /// becomes a line of its own once the `\n` comes, as above, unless a line that another
    /// writer appends first joins it. Appending the event again may then write it twice; not
    /// appending it may lose it. The error says which case it is: `Display` names it. When
    /// `written` is 0 (a `write(2)` that returned 0), nothing of this line reached the file
    /// and it leaves no fragment of its own (one an earlier short write left may still be
    /// there, to be ended first).
    ShortWrite {
        /// Bytes that reached the file.
        written: usize,
        /// Bytes in the whole line.
        len: usize,
    },
    /// A system call failed with this `errno` ([`Errno`], re-exported from
    /// `rustix` 1 so that it can be matched without depending on `rustix`).
    Os(Errno),
    /// The path has no file name (it ends with `/`, `.` or `..`), a NUL byte, or, for a
    /// [`Writer`](crate::Writer), rotating or not, a file name over 244 bytes, which leaves no
    /// room for the numbered backups' suffixes. The message says which, and shows the path
    /// quoted and escaped (it may be empty or hold a NUL byte).
    ///
    /// ```
    /// let err = logwriter::Writer::open("logs/").unwrap_err();
    /// assert_eq!(err.to_string(), r#"open "logs/": invalid log path (it names no file: it ends with `/`, `.` or `..`)"#);
    /// ```
    InvalidPath,
    /// An option is out of its range, or the writer was not opened to do this; the text
    /// says which.
    InvalidOption(&'static str),
    /// The log is not a regular file (a FIFO, a device…), so it cannot be rotated: renaming
    /// it away would leave a regular file in its place. Such a log never rotates by size
    /// (its size is 0); this is what [`Writer::rotate`](crate::Writer::rotate) returns.
    NotRegularFile,
}

/// The operation that failed.
///
/// ```
/// use logwriter::{Op, Options};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("log");
/// let err = Options::new().max_files(0).open(&path).unwrap_err();
/// assert_eq!((err.op(), err.path()), (Op::Configure, Some(path.as_path())));
/// assert!(err.to_string().contains("max_files must be at least 1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Op {
    /// Encoding an event into a line (no I/O).
    Encode,
    /// Appending a line.
    Append,
    /// Creating the log's directory.
    CreateDir,
    /// Opening the log's directory.
    OpenDir,
    /// Opening (or reopening) the log file.
    Open,
    /// Opening the rotation lock file, `<log>.lock`.
    OpenLock,
    /// Taking or releasing the rotation lock: the `flock(2)`, and the `statx(2)` of the
    /// locked file and of `<log>.lock` that check it is still the file at that name.
    Lock,
    /// `statx(2)` of the log file or its descriptor (`fstat(2)`/`fstatat(2)` on kernels
    /// without `statx`).
    Stat,
    /// `statx(2)` of a backup, `<log>.index`, while finding the end of the series.
    StatBackup {
        /// The number of the backup.
        index: u32,
    },
    /// `write(2)` of a line.
    Write,
    /// `renameat(2)` of `<log>.from` (the active file when `from` is 0) to the next number.
    Rename {
        /// The number of the file renamed; 0 is the active file.
        from: u32,
    },
    /// `unlinkat(2)` of the oldest backup, `<log>.index`.
    Unlink {
        /// The number of the backup removed.
        index: u32,
    },
    /// `fdatasync(2)` of the log file.
    Sync,
    /// `fdatasync(2)` of the file the writer moved off, with appends the durability policy
    /// had not synced yet: rotated away by the writer (it is then `<log>.1`), or replaced
    /// at the log's name by someone else. The error names the log's path.
    SyncLeft,
    /// `fsync(2)` of the log's directory, after the writer created or renamed files in it,
    /// or of a directory above it that gained an entry when opening the log made
    /// directories (the error still names the log's path).
    SyncDir,
    /// Checking the options of a writer, or reading them from the environment
    /// ([`Options::try_from_env`](crate::Options::try_from_env), with no path).
    Configure,
    /// Rotating on request, with [`Writer::rotate`](crate::Writer::rotate).
    Rotate,
}

/// The error of every fallible operation in this crate.
///
/// It is small and cheap to clone: the path is shared with the [`Writer`](crate::Writer)
/// that failed, so building an error on the append path does not allocate.
/// `Display` names the operation and the path:
///
/// ```
/// use logwriter::{ErrorKind, Event, EventKind, Field, Line};
///
/// let big = "x".repeat(5000);
/// let fields = [Field::new("blob", big.as_str())];
/// let err = Line::new().encode(&Event::new(EventKind::Error).fields(&fields)).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::LineTooLong { len: Some(n) } if n > 5000));
/// assert!(err.to_string().contains("over the 4096-byte limit"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    op: Op,
    path: Option<Arc<Path>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, op: Op, path: Option<&Arc<Path>>) -> Error {
        Error {
            kind,
            op,
            path: path.cloned(),
        }
    }

    pub(crate) fn os(errno: Errno, op: Op, path: &Arc<Path>) -> Error {
        Error::new(ErrorKind::Os(errno), op, Some(path))
    }

    pub(crate) fn with_path(mut self, op: Op, path: &Arc<Path>) -> Error {
        self.op = op;
        self.path = Some(Arc::clone(path));
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The operation that failed.
    pub fn op(&self) -> Op {
        self.op
    }

    /// The log path the operation was about (for a backup or the lock file, the active log
    /// path they are named after), if there is one.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The `errno`, when a system call failed.
    pub fn raw_os_error(&self) -> Option<i32> {
        match self.kind {
            ErrorKind::Os(errno) => Some(errno.raw_os_error()),
            _ => None,
        }
    }
}

/// Writes the path an operation touched: the log path, with a `.N` or `.lock` suffix when
/// the operation was on a backup or the lock file.
struct Target<'a>(&'a Path, Option<u32>, bool);

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Target(path, number, lock) = *self;
        if lock {
            return write!(f, "{}.lock", path.display());
        }
        match number {
            Some(n) if n > 0 => write!(f, "{}.{n}", path.display()),
            _ => write!(f, "{}", path.display()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = match self.op {
            Op::Encode => "encode event",
            Op::Append => "append to",
            Op::CreateDir => "create directory of",
            Op::OpenDir => "open directory of",
            Op::Open => "open",
            Op::OpenLock => "open rotation lock",
            Op::Lock => "lock rotation of",
            Op::Stat | Op::StatBackup { .. } => "stat",
            Op::Write => "write to",
            Op::Rename { .. } => "rename",
            Op::Unlink { .. } => "remove oldest backup",
            Op::Sync => "fdatasync",
            Op::SyncLeft => "fdatasync the file moved away from",
            Op::SyncDir => "fsync directory of",
            Op::Configure if self.path.is_none() => "configure writer",
            Op::Configure => "configure writer for",
            Op::Rotate => "rotate",
        };
        f.write_str(verb)?;
        if let Some(path) = &self.path {
            match self.op {
                Op::Rename { from } => write!(
                    f,
                    " {} to {}",
                    Target(path, Some(from), false),
                    Target(path, Some(from + 1), false)
                )?,
                Op::Unlink { index } | Op::StatBackup { index } => {
                    write!(f, " {}", Target(path, Some(index), false))?;
                }
                Op::OpenLock | Op::Lock => write!(f, " {}", Target(path, None, true))?,
                // Quoted and escaped: the path may be empty or hold a NUL byte.
                #[allow(clippy::unnecessary_debug_formatting)]
                _ if self.kind == ErrorKind::InvalidPath => write!(f, " {path:?}")?,
                _ => write!(f, " {}", path.display())?,
            }
        }
        match self.kind {
            ErrorKind::LineTooLong { len: Some(len) } => write!(
                f,
                ": line of {len} bytes is over the {MAX_LINE}-byte limit; nothing was written"
            ),
            ErrorKind::LineTooLong { len: None } => write!(
                f,
                ": line is over the {MAX_LINE}-byte limit (too many fields to measure); nothing was written"
            ),
            ErrorKind::ShortWrite { written: 0, len } => write!(
                f,
                ": short write, 0 of {len} bytes written: nothing of the line reached the file"
            ),
            ErrorKind::ShortWrite { written, len } if written + 1 == len => write!(
                f,
                ": short write, {written} of {len} bytes written: only the newline is missing, so the row becomes a whole line when the newline is written, and appending it again may write it twice"
            ),
            ErrorKind::ShortWrite { written, len } => write!(
                f,
                ": short write, {written} of {len} bytes written; the partial line will be ended with a newline before the next line"
            ),
            ErrorKind::Os(Errno::LOOP) if matches!(self.op, Op::Open | Op::OpenLock) => {
                f.write_str(": refusing to follow a symbolic link (ELOOP)")
            }
            ErrorKind::Os(errno) => write!(f, ": {}", io::Error::from(errno)),
            ErrorKind::InvalidPath => write!(
                f,
                ": invalid log path ({})",
                path_problem(self.path.as_deref())
            ),
            ErrorKind::InvalidOption(what) => write!(f, ": {what}"),
            ErrorKind::NotRegularFile => {
                f.write_str(": not a regular file (a FIFO or a device), which is not rotated")
            }
        }
    }
}

impl std::error::Error for Error {}

/// Which rule the log path of an [`ErrorKind::InvalidPath`] breaks, read from the path
/// itself with the writer's own [`file_name`](crate::writer::file_name): a path that has a
/// file name was refused for its length.
fn path_problem(path: Option<&Path>) -> &'static str {
    let path = path.unwrap_or(Path::new(""));
    let bytes = path.as_os_str().as_bytes();
    if bytes.is_empty() {
        "the path is empty"
    } else if bytes.contains(&0) {
        "it has a NUL byte"
    } else if crate::writer::file_name(path).is_none() {
        "it names no file: it ends with `/`, `.` or `..`"
    } else {
        "a writer's log name may be at most 244 bytes, to leave room for the suffix of a numbered backup, rotating or not"
    }
}

/// An `io::Error` of the matching [`io::ErrorKind`] that wraps the [`Error`], so that its
/// message still names the operation and the path. The wrapped error keeps the `errno`,
/// which `io::Error::raw_os_error` does not see (that is only for errors made from an
/// `errno` alone); get it back by downcasting:
///
/// ```
/// use logwriter::{Options, Writer};
///
/// fn open(path: &std::path::Path) -> std::io::Result<Writer> {
///     Ok(Options::new().open(path)?)
/// }
///
/// let dir = tempfile::tempdir()?;
/// let err = open(dir.path()).unwrap_err(); // a directory, not a file
/// assert_eq!(err.kind(), std::io::ErrorKind::IsADirectory);
/// let errno = err
///     .get_ref()
///     .and_then(|inner| inner.downcast_ref::<logwriter::Error>())
///     .and_then(logwriter::Error::raw_os_error);
/// assert_eq!(errno, Some(21)); // EISDIR
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl From<Error> for io::Error {
    fn from(err: Error) -> io::Error {
        let kind = match err.kind {
            ErrorKind::Os(errno) => io::Error::from(errno).kind(),
            ErrorKind::LineTooLong { .. }
            | ErrorKind::InvalidPath
            | ErrorKind::InvalidOption(_) => io::ErrorKind::InvalidInput,
            ErrorKind::NotRegularFile => io::ErrorKind::Unsupported,
            ErrorKind::ShortWrite { .. } => io::ErrorKind::WriteZero,
        };
        io::Error::new(kind, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_file_each_operation_touched() {
        let path: Arc<Path> = Arc::from(Path::new("/ws/.bones/log"));
        let rows = [
            (
                Op::Rename { from: 0 },
                "rename /ws/.bones/log to /ws/.bones/log.1",
            ),
            (
                Op::Rename { from: 4 },
                "rename /ws/.bones/log.4 to /ws/.bones/log.5",
            ),
            (
                Op::Unlink { index: 5 },
                "remove oldest backup /ws/.bones/log.5",
            ),
            (Op::StatBackup { index: 3 }, "stat /ws/.bones/log.3"),
            (Op::Stat, "stat /ws/.bones/log"),
            (Op::OpenLock, "open rotation lock /ws/.bones/log.lock"),
            (Op::Lock, "lock rotation of /ws/.bones/log.lock"),
            (Op::Sync, "fdatasync /ws/.bones/log"),
            (
                Op::SyncLeft,
                "fdatasync the file moved away from /ws/.bones/log",
            ),
            (Op::SyncDir, "fsync directory of /ws/.bones/log"),
            (Op::Rotate, "rotate /ws/.bones/log"),
        ];
        for (op, expected) in rows {
            let text = Error::os(Errno::IO, op, &path).to_string();
            assert!(text.starts_with(&format!("{expected}: ")), "{text}");
        }
    }

    #[test]
    fn io_kinds_match_every_error_kind() {
        let path: Arc<Path> = Arc::from(Path::new("/ws/.bones/log"));
        let rows = [
            (
                ErrorKind::LineTooLong { len: Some(5000) },
                io::ErrorKind::InvalidInput,
            ),
            (
                ErrorKind::LineTooLong { len: None },
                io::ErrorKind::InvalidInput,
            ),
            (ErrorKind::InvalidPath, io::ErrorKind::InvalidInput),
            (ErrorKind::InvalidOption("x"), io::ErrorKind::InvalidInput),
            (ErrorKind::NotRegularFile, io::ErrorKind::Unsupported),
            (
                ErrorKind::ShortWrite { written: 1, len: 2 },
                io::ErrorKind::WriteZero,
            ),
            (ErrorKind::Os(Errno::NOSPC), io::ErrorKind::StorageFull),
        ];
        for (kind, expected) in rows {
            let err = Error::new(kind, Op::Write, Some(&path));
            let text = err.to_string();
            let io = io::Error::from(err);
            assert_eq!(io.kind(), expected, "{kind:?}");
            assert_eq!(io.to_string(), text, "the wrapped error keeps its message");
        }
    }

    #[test]
    fn a_symbolic_link_at_the_lock_is_refused_in_words_too() {
        let path: Arc<Path> = Arc::from(Path::new("/ws/.bones/log"));
        for op in [Op::Open, Op::OpenLock] {
            let text = Error::os(Errno::LOOP, op, &path).to_string();
            assert!(
                text.ends_with(": refusing to follow a symbolic link (ELOOP)"),
                "{text}"
            );
        }
    }

    /// Only opening the log or its lock refuses a symbolic link: `ELOOP` from any other
    /// operation (a directory on the way that loops, say) is the system's own message.
    #[test]
    fn eloop_from_any_other_operation_is_the_system_message() {
        let path: Arc<Path> = Arc::from(Path::new("/ws/.bones/log"));
        let system = format!(": {}", io::Error::from(Errno::LOOP));
        for op in [Op::CreateDir, Op::OpenDir, Op::Lock, Op::Stat, Op::Rotate] {
            let text = Error::os(Errno::LOOP, op, &path).to_string();
            assert!(text.ends_with(&system), "{text}");
            assert!(!text.contains("refusing"), "{text}");
        }
    }

    /// A short write says which case it is: only the newline missing (the row is whole on
    /// disk), or more (a fragment the writer ends before its next line).
    #[test]
    fn a_short_write_says_whether_only_the_newline_is_missing() {
        let path: Arc<Path> = Arc::from(Path::new("/ws/.bones/log"));
        let text = |written, len| {
            Error::new(
                ErrorKind::ShortWrite { written, len },
                Op::Write,
                Some(&path),
            )
            .to_string()
        };
        assert_eq!(
            text(99, 100),
            "write to /ws/.bones/log: short write, 99 of 100 bytes written: only the newline is missing, so the row becomes a whole line when the newline is written, and appending it again may write it twice"
        );
        for (written, len) in [(98, 100), (50, 100), (1, 100)] {
            assert_eq!(
                text(written, len),
                format!("write to /ws/.bones/log: short write, {written} of {len} bytes written; the partial line will be ended with a newline before the next line")
            );
        }
    }

    /// Checking the options names the log when there is one, and only says what is wrong
    /// when there is none (options read from the environment).
    #[test]
    fn configure_names_the_log_when_there_is_one() {
        let path: Arc<Path> = Arc::from(Path::new("/ws/.bones/log"));
        let what = ErrorKind::InvalidOption("max_files must be at least 1");
        assert_eq!(
            Error::new(what, Op::Configure, Some(&path)).to_string(),
            "configure writer for /ws/.bones/log: max_files must be at least 1"
        );
        assert_eq!(
            Error::new(what, Op::Configure, None).to_string(),
            "configure writer: max_files must be at least 1"
        );
    }
}
