//! Writer settings: rotation, file mode, timestamp precision, reopen checks and durability.

use std::path::Path;
use std::time::Duration;

use crate::encode::Line;
use crate::error::{Error, ErrorKind, Op};
use crate::event::{Event, EventKind};
use crate::time::{Precision, Timestamp};
use crate::writer::Writer;

/// Default size at which the workspace log rotates: 10 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 10 * 1024 * 1024;

/// Default number of numbered backups kept (`log.1` … `log.5`).
pub const DEFAULT_MAX_FILES: u32 = 5;

/// Environment variable overriding the maximum size in bytes (see [`Options::from_env`]).
pub const ENV_MAX_SIZE: &str = "BONES_LOG_MAX_SIZE";

/// Environment variable overriding the number of backups (see [`Options::from_env`]).
pub const ENV_MAX_FILES: &str = "BONES_LOG_MAX_FILES";

/// The count an environment variable holds for [`Options::from_env`]: a positive integer
/// in decimal, optionally signed `+` and surrounded by ASCII whitespace; `None` otherwise.
fn env_count(value: &str) -> Option<u64> {
    value.trim_ascii().parse::<u64>().ok().filter(|&n| n > 0)
}

/// Size-based rotation into numbered backups.
///
/// ```
/// use logwriter::{Options, Rotation};
///
/// let options = Options::new().max_size(1 << 20).max_files(3);
/// assert_eq!(options.rotation(), Some(Rotation { max_size: 1 << 20, max_files: 3 }));
/// assert_eq!(Options::new().no_rotation().rotation(), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotation {
    /// A file is rotated before a line would take it past this many bytes (a line longer
    /// than this is written alone into an empty file).
    pub max_size: u64,
    /// Backups kept: `log.1` (newest) … `log.<max_files>` (oldest). Rotating drops the oldest.
    pub max_files: u32,
}

impl Default for Rotation {
    /// [`DEFAULT_MAX_SIZE`] (10 MiB) and [`DEFAULT_MAX_FILES`] (5), the workspace log's
    /// rotation without environment overrides.
    ///
    /// ```
    /// use logwriter::{Options, Rotation};
    ///
    /// assert_eq!(Options::new().rotation(), Some(Rotation::default()));
    /// ```
    fn default() -> Self {
        Rotation {
            max_size: DEFAULT_MAX_SIZE,
            max_files: DEFAULT_MAX_FILES,
        }
    }
}

/// How often a writer checks that its descriptor still is the file at its path.
///
/// A check is one `statx(2)` call, of the name, compared with the file the descriptor holds
/// (known from the open: an inode is not reused while a descriptor holds it). If the file
/// was renamed (by another writer's rotation or by logrotate), deleted, or replaced, the
/// writer reopens the path; the check also refreshes the writer's idea of the file's size,
/// which counts other writers' bytes toward rotation.
///
/// The calls ask for the type, inode and size only, never for timestamps. On Linux 6.13 and
/// later, filesystems with multigrain timestamps (ext4, xfs, btrfs, tmpfs) remember that a
/// file's change time was read, and the next `write(2)` to it, by any writer, then takes a
/// fine-grained timestamp and journals the inode. A tool that stats a busy log in a loop
/// with an ordinary `stat` (`std::fs::metadata`, `ls -l`) made appends take 1.9 times as
/// long in the run the README reports (`cargo bench --bench watched`); `logwriter show -f`
/// asks for no timestamp but the birth time, which never changes and leaves the inode
/// unmarked. Kernels without `statx` get `fstat(2)` and `fstatat(2)`.
///
/// A check is made before the append that comes `appends` appends, or `interval`, after the
/// last one, and, for a rotating writer, before the append that comes once its own bytes
/// since the last check reach 1/64 of the maximum size: the appends in between go to the
/// file the writer holds. This bounds how late a writer moves to a new file (at most
/// `appends` lines: the `appends − 1` between two checks, and the checked append itself
/// when the rename comes between the check and its `write(2)`; and at most `interval` for a
/// writer that keeps appending) and how far
/// past the maximum size a shared file can grow (see [`Writer`]). The clock is read from the
/// vDSO; between checks an append makes no system call but its `write(2)`.
///
/// A symbolic link found at the path is not opened: the check fails
/// ([`Stats::housekeeping_errors`](crate::Stats::housekeeping_errors)) and the writer keeps
/// the file it holds (if that file was deleted, the appends are refused until a check
/// succeeds: see "A deleted file" under [`Writer`]).
///
/// ```
/// use std::time::Duration;
/// use logwriter::{Options, ReopenCheck};
///
/// let dir = tempfile::tempdir()?;
/// // A writer in a slower loop that should still follow logrotate within 100 ms.
/// let check = ReopenCheck { appends: 256, interval: Duration::from_millis(100) };
/// let log = Options::new().reopen_check(Some(check)).open(dir.path().join("log"))?;
/// assert_eq!(log.options().reopen_check_policy(), Some(check));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReopenCheck {
    /// Check before at most this many appends have gone by since the last check.
    pub appends: u32,
    /// Check before the first append that comes this long after the last check.
    ///
    /// Measured on the realtime clock, read from the vDSO without a system call: an append
    /// that stamps its event reuses that reading, so it reads the clock once; one whose
    /// event has its own timestamp reads `CLOCK_REALTIME_COARSE` (resolution one kernel
    /// tick, 1 to 10 ms). A clock stepped back by more than 20 ms also makes a check due,
    /// at the next append. A clock before 1970 reads as 1970 and one after 2554 as 2554,
    /// and then only `appends` and the size bound make checks due.
    pub interval: Duration,
}

impl Default for ReopenCheck {
    /// Every 1024 appends or 1 second (and, for a rotating writer, whenever its own bytes
    /// since the last check reach 1/64 of the maximum size, the first bound reached at the
    /// default 10 MiB: about every 940 appends of 174-byte lines). A check is one `statx`
    /// call, so a busy writer of such lines makes about 0.0011 extra system calls per
    /// append; one that appends less often than once a second checks before every append.
    fn default() -> Self {
        ReopenCheck {
            appends: 1024,
            interval: Duration::from_secs(1),
        }
    }
}

/// When appended lines are forced to stable storage with `fdatasync(2)`.
///
/// Whatever the policy, a line that `append` acknowledged survives the process being killed:
/// it is in the page cache. The policy decides what survives the machine losing power.
/// An append that syncs costs a disk flush, hundreds of microseconds on an SSD-backed VM
/// against well under one microsecond without (the README has the measured table). A sync that fails
/// is returned by the append that made it; the line itself was written. [`Writer::close`]
/// syncs what the policy left pending (appends, and a directory changed since the last
/// sync, as by a [`Writer::rotate`](crate::Writer::rotate) that no append followed) and
/// reports a failure; dropping the writer syncs it too, silently.
///
/// Before a rotation or a reopen check moves the writer to another file, the appends not
/// yet synced are synced in the file they went to (a failure is counted in
/// [`Stats::housekeeping_errors`](crate::Stats::housekeeping_errors), with
/// [`Op::SyncLeft`] when it is that file's). The first sync after
/// the writer created a file or renamed files in the directory also syncs the directory
/// (`fsync(2)`, [`Op::SyncDir`] on failure), and the first sync after
/// an open that created directories syncs each of their parents (for a relative path,
/// those found from the working directory at the open, which the writer holds until that
/// sync), so that the synced
/// lines are found under their names, at their path, after a power loss. A directory that
/// may be written but not listed (mode 0300) cannot be opened for reading, so cannot be
/// synced: such a sync syncs the rest, then returns `EACCES` with
/// [`Op::SyncDir`], once for each such directory the writer holds;
/// later syncs pass over it, unless it has become readable, when they sync it.
///
/// A failed sync is reported once, by the call that made it (an append, [`Writer::sync`] or
/// [`Writer::close`]), and is not made again for the same lines: after a failed
/// `fdatasync(2)` Linux may drop the pages it could not write and report the next sync of
/// the file as a success, so a retry would only hide the failure. A sync with nothing
/// written since one that failed (a second [`Writer::sync`], say) makes no `fdatasync(2)`.
/// The error is the signal that lines acknowledged since the last good sync may not survive
/// a power loss. A sync
/// interrupted by a signal (`EINTR`) has not failed, and is made again.
///
/// A FIFO or a character device has nothing to sync (`fdatasync(2)` fails on it with
/// `EINVAL`): a sync of one succeeds, and syncs only the directory when that is due.
///
/// ```
/// use std::time::Duration;
/// use logwriter::{Durability, Event, EventKind, Options};
///
/// let dir = tempfile::tempdir()?;
/// // A sync at every 64th append, or at the first append 50 ms or more after the last sync
/// // (there is no timer: an idle writer's last lines wait for its next append or close).
/// let policy = Durability::Periodic { appends: 64, interval: Duration::from_millis(50) };
/// let mut log = Options::new().durability(policy).open(dir.path().join("log"))?;
/// for _ in 0..128 {
///     log.append(&Event::new(EventKind::Renew).slot("a"))?;
/// }
/// assert!(log.stats().syncs >= 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Durability {
    /// Never: lines reach the page cache and the kernel writes them back in its own time.
    /// They survive the process crashing, not the machine.
    #[default]
    None,
    /// After every append: the append returns only once the line is on disk.
    EveryAppend,
    /// After the first append that comes when `appends` appends, or `interval`, have gone by
    /// since the last sync. There is no timer: a writer that stops appending syncs its last
    /// lines when it is closed or dropped, not when the interval ends.
    Periodic {
        /// Appends between syncs.
        appends: u32,
        /// Time between syncs, on the same clock as [`ReopenCheck::interval`].
        interval: Duration,
    },
}

/// Settings for opening a [`Writer`]; a builder.
///
/// [`Options::new`] starts from the defaults (10 MiB, 5 backups, mode 0644,
/// [`Precision::Auto`], reopen check every 1024 appends or 1 s, no fsync).
/// [`Options::from_env`] starts from the defaults overridden by `BONES_LOG_MAX_SIZE` and
/// `BONES_LOG_MAX_FILES`. Setters called afterwards win over both: the environment is
/// read once, when `from_env` is called, and a setter is an explicit decision of the program.
///
/// # Example
///
/// ```
/// use logwriter::{Durability, Options, Precision};
///
/// let dir = tempfile::tempdir()?;
/// let writer = Options::new()
///     .max_size(1 << 20)
///     .max_files(3)
///     .precision(Precision::Millis)
///     .durability(Durability::EveryAppend)
///     .open(dir.path().join("log"))?;
/// assert_eq!(writer.options().rotation().unwrap().max_files, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub(crate) rotation: Option<Rotation>,
    pub(crate) mode: u32,
    pub(crate) precision: Precision,
    pub(crate) reopen_check: Option<ReopenCheck>,
    pub(crate) durability: Durability,
    pub(crate) slot: String,
}

impl Default for Options {
    fn default() -> Self {
        Options::new()
    }
}

impl Options {
    /// The defaults, ignoring the environment.
    pub fn new() -> Options {
        Options {
            rotation: Some(Rotation::default()),
            mode: 0o644,
            precision: Precision::Auto,
            reopen_check: Some(ReopenCheck::default()),
            durability: Durability::None,
            slot: String::new(),
        }
    }

    /// The defaults, with `BONES_LOG_MAX_SIZE` (bytes) and `BONES_LOG_MAX_FILES` applied
    /// where they hold a positive integer in decimal, optionally signed `+`, and optionally
    /// surrounded by ASCII whitespace: space, `\t`, `\n`, `\r` and form feed, not the vertical
    /// tab (a value read from a file keeps its newline; Go's
    /// `strconv.Atoi` would refuse it). Unset, empty, malformed, zero or negative values
    /// are ignored, as the Go package did, and so are values above `u64::MAX`. A
    /// count of backups between `u32::MAX` and `u64::MAX` is taken as `u32::MAX`, so many
    /// that none is ever dropped: ignoring it would fall back to 5 and drop backups the user
    /// meant to keep.
    ///
    /// ```
    /// use logwriter::Options;
    ///
    /// // As a deployment would set them (here, for this program alone).
    /// std::env::set_var("BONES_LOG_MAX_SIZE", "1048576");
    /// std::env::set_var("BONES_LOG_MAX_FILES", "3");
    /// // Reads BONES_LOG_MAX_SIZE and BONES_LOG_MAX_FILES once, now.
    /// let rotation = Options::from_env().rotation().unwrap();
    /// assert_eq!((rotation.max_size, rotation.max_files), (1 << 20, 3));
    /// // Setters still win, and a value that is not a positive integer is ignored.
    /// std::env::set_var("BONES_LOG_MAX_FILES", "1O");
    /// let options = Options::from_env().max_size(4096);
    /// let rotation = options.rotation().unwrap();
    /// assert_eq!((rotation.max_size, rotation.max_files), (4096, 5));
    /// ```
    pub fn from_env() -> Options {
        Options::new().with_env_values(
            std::env::var(ENV_MAX_SIZE).ok().as_deref(),
            std::env::var(ENV_MAX_FILES).ok().as_deref(),
        )
    }

    /// [`Options::from_env`] with the two values given instead of read (for testing).
    #[doc(hidden)]
    #[must_use]
    pub fn with_env_values(mut self, max_size: Option<&str>, max_files: Option<&str>) -> Options {
        if let Some(rotation) = &mut self.rotation {
            if let Some(size) = max_size.and_then(env_count) {
                rotation.max_size = size;
            }
            if let Some(files) = max_files.and_then(env_count) {
                rotation.max_files = u32::try_from(files).unwrap_or(u32::MAX);
            }
        }
        self
    }

    /// [`Options::from_env`], but a variable that is set and would be ignored is an error:
    /// for programs that would rather stop than rotate by the defaults because of a typo
    /// (`BONES_LOG_MAX_FILES=1O` keeps 5 backups under `from_env`). A variable that is
    /// unset, empty or only ASCII whitespace (what `from_env` trims: not the vertical tab) is
    /// not set; any other value must be one that
    /// `from_env` takes: a positive integer in decimal, optionally signed `+` and
    /// surrounded by ASCII whitespace, at most `u64::MAX`, and valid UTF-8.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidOption`] with [`Op::Configure`] and no path, naming the
    /// variable.
    ///
    /// ```
    /// use logwriter::Options;
    ///
    /// // With neither variable set, the defaults.
    /// # if std::env::var_os(logwriter::ENV_MAX_SIZE).is_none() && std::env::var_os(logwriter::ENV_MAX_FILES).is_none() {
    /// assert_eq!(Options::try_from_env()?, Options::new());
    /// # }
    /// # Ok::<(), logwriter::Error>(())
    /// ```
    pub fn try_from_env() -> Result<Options, Error> {
        let read = |name| std::env::var_os(name);
        Options::new()
            .try_with_env_values(
                read(ENV_MAX_SIZE).as_deref(),
                read(ENV_MAX_FILES).as_deref(),
            )
            .map_err(|kind| Error::new(kind, Op::Configure, None))
    }

    /// [`Options::try_from_env`] with the two values given instead of read (for testing).
    #[doc(hidden)]
    pub fn try_with_env_values(
        self,
        max_size: Option<&std::ffi::OsStr>,
        max_files: Option<&std::ffi::OsStr>,
    ) -> Result<Options, ErrorKind> {
        /// The value if it is set: `Err` if `from_env` would ignore it.
        fn strict(value: Option<&std::ffi::OsStr>) -> Result<Option<&str>, ()> {
            let Some(value) = value else { return Ok(None) };
            let text = value.to_str().ok_or(())?;
            if text.trim_ascii().is_empty() {
                return Ok(None);
            }
            env_count(text).map(|_| Some(text)).ok_or(())
        }
        let max_size = strict(max_size).map_err(|()| {
            ErrorKind::InvalidOption(
                "BONES_LOG_MAX_SIZE is set but is not a decimal number of bytes from 1 to 18446744073709551615",
            )
        })?;
        let max_files = strict(max_files).map_err(|()| {
            ErrorKind::InvalidOption(
                "BONES_LOG_MAX_FILES is set but is not a decimal number from 1 to 18446744073709551615",
            )
        })?;
        Ok(self.with_env_values(max_size, max_files))
    }

    /// Rotates before a line would take the file past `bytes`. If rotation was on, the
    /// backup count is kept; if it was off, the count is the default, 5. Zero is refused when
    /// the writer opens.
    #[must_use]
    ///
    /// ```
    /// use logwriter::{ErrorKind, Op, Options};
    ///
    /// let dir = tempfile::tempdir()?;
    /// assert_eq!(Options::new().max_size(1 << 20).rotation().map(|r| r.max_size), Some(1 << 20));
    /// let after_off = Options::new().max_files(3).no_rotation().max_size(1 << 20);
    /// assert_eq!(after_off.rotation().map(|r| r.max_files), Some(5));
    /// let err = Options::new().max_size(0).open(dir.path().join("log")).unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::InvalidOption(_)));
    /// assert_eq!(err.op(), Op::Configure);
    /// assert!(!dir.path().join("log").exists()); // refused before anything is created
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_size(mut self, bytes: u64) -> Options {
        self.rotation = Some(Rotation {
            max_size: bytes,
            ..self.rotation.unwrap_or_default()
        });
        self
    }

    /// Keeps `count` numbered backups. If rotation was on, the maximum size is kept; if it
    /// was off, the size is the default, 10 MiB. Zero is refused when the writer opens:
    /// rotating would delete the log.
    ///
    /// A rotation stats and renames each backup up to `count` or the first number missing,
    /// so its cost grows with the number of backups (about 12 ms a rotation with 1,000,000
    /// of them). When `<log>.1` … `<log>.count` all exist, the rotation drops
    /// `<log>.count`, and with it every backup numbered above it up to the first number
    /// missing: a series made under a larger `count` loses its extra backups at the first
    /// such rotation under a smaller one (see [`Writer::rotate`](crate::Writer::rotate)).
    #[must_use]
    ///
    /// ```
    /// use logwriter::Options;
    ///
    /// let options = Options::new().no_rotation().max_files(3);
    /// assert_eq!(options.rotation().map(|r| (r.max_size, r.max_files)), Some((10 << 20, 3)));
    /// ```
    pub fn max_files(mut self, count: u32) -> Options {
        self.rotation = Some(Rotation {
            max_files: count,
            ..self.rotation.unwrap_or_default()
        });
        self
    }

    /// Never rotates: the file grows without bound (slot logs). On a log that other
    /// writers rotate, such a writer takes the file past their maximum until one of them
    /// learns the size (see [`Writer`](crate::Writer), "Writers that do not rotate").
    #[must_use]
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Options};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut log = Options::new().no_rotation().open(dir.path().join("log"))?;
    /// log.append(&Event::new(EventKind::Join).slot("a"))?;
    /// assert!(log.rotate().is_err()); // nothing to rotate into
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn no_rotation(mut self) -> Options {
        self.rotation = None;
        self
    }

    /// The permission bits of a newly created log file, before the umask is applied.
    /// Default 0o644. The rotation lock file, `<log>.lock`, gets the same bits plus read
    /// permission for each class that may write (0o200 gives it 0o600), since it is opened
    /// for reading (one that exists and may only be written is opened for writing);
    /// directories the writer makes get 0o777, as `mkdir -p` gives them. The umask applies
    /// to both. A mode without the owner's write bit (0o444, 0o000) is taken as given: the
    /// writer that creates a file holds it open for writing, but an open for writing of one
    /// that exists already (another writer's open, or a reopen that finds the file another
    /// writer made) fails with `EACCES` for every user but root; with no bit at all, so do
    /// the opens of the lock file after the first.
    ///
    /// ```
    /// use std::os::unix::fs::PermissionsExt;
    /// use logwriter::Options;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let log = Options::new().mode(0o600).open(dir.path().join("log"))?;
    /// assert_eq!(std::fs::metadata(log.path())?.permissions().mode() & 0o777, 0o600);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn mode(mut self, mode: u32) -> Options {
        self.mode = mode;
        self
    }

    /// The precision of the timestamps this writer stamps. Default [`Precision::Auto`].
    #[must_use]
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Options, Precision, Timestamp};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut log = Options::new().precision(Precision::Millis).open(dir.path().join("log"))?;
    /// log.append(&Event::new(EventKind::Join))?;
    /// let ts = Timestamp::from_unix(1_777_636_800, 0).unwrap();
    /// log.append(&Event::new(EventKind::Close).at(ts))?;
    /// let text = std::fs::read_to_string(log.path())?;
    /// assert!(text.ends_with("{\"ts\":\"2026-05-01T12:00:00.000Z\",\"event\":\"close\"}\n"));
    /// // "YYYY-MM-DDTHH:MM:SS.mmmZ": 24 bytes in every line
    /// assert!(text.lines().all(|line| line[7..].find('"') == Some(24)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn precision(mut self, precision: Precision) -> Options {
        self.precision = precision;
        self
    }

    /// How often the writer checks for outside rotation and other writers' growth;
    /// `None` never checks (only right for a file that one writer owns alone: with others,
    /// such a writer sees their rotations only when it rotates itself or calls
    /// [`Writer::check_now`](crate::Writer::check_now), so its lines can go, with `Ok`, in
    /// a backup they drop).
    #[must_use]
    ///
    /// ```
    /// use logwriter::{Options, ReopenCheck};
    ///
    /// assert_eq!(Options::new().reopen_check_policy(), Some(ReopenCheck::default()));
    /// // A private file no one rotates from outside: no statx at all after the open.
    /// assert_eq!(Options::new().reopen_check(None).reopen_check_policy(), None);
    /// ```
    pub fn reopen_check(mut self, check: Option<ReopenCheck>) -> Options {
        self.reopen_check = check;
        self
    }

    /// When lines are forced to disk. Default [`Durability::None`].
    #[must_use]
    pub fn durability(mut self, durability: Durability) -> Options {
        self.durability = durability;
        self
    }

    /// The slot written on events that carry none. Default: none.
    #[must_use]
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Options};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut log = Options::new().slot("a").open(dir.path().join("log"))?;
    /// log.append(&Event::new(EventKind::Join))?;
    /// log.append(&Event::new(EventKind::Join).slot("b"))?; // the event's own slot wins
    /// let text = std::fs::read_to_string(log.path())?;
    /// let slots: Vec<_> = text.lines().map(|l| &l[l.find(r#""slot""#).unwrap()..]).collect();
    /// assert_eq!(slots, [r#""slot":"a"}"#, r#""slot":"b"}"#]);
    /// assert_eq!(log.options().slot_name(), "a");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn slot(mut self, slot: &str) -> Options {
        slot.clone_into(&mut self.slot);
        self
    }

    /// The slot written on events that carry none, empty when there is none.
    pub fn slot_name(&self) -> &str {
        &self.slot
    }

    /// The rotation settings, `None` when the writer never rotates.
    pub fn rotation(&self) -> Option<Rotation> {
        self.rotation
    }

    /// The file mode for a newly created log.
    pub fn file_mode(&self) -> u32 {
        self.mode
    }

    /// The timestamp precision.
    pub fn timestamp_precision(&self) -> Precision {
        self.precision
    }

    /// The reopen check, `None` when disabled.
    pub fn reopen_check_policy(&self) -> Option<ReopenCheck> {
        self.reopen_check
    }

    /// The durability policy.
    pub fn durability_policy(&self) -> Durability {
        self.durability
    }

    /// Opens a writer at `path` with these settings.
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Options};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let options = Options::new().max_size(4096).max_files(2);
    /// // One set of options can open several logs.
    /// let mut a = options.open(dir.path().join("a.log"))?;
    /// let mut b = options.open(dir.path().join("b.log"))?;
    /// a.append(&Event::new(EventKind::Join).slot("a"))?;
    /// b.append(&Event::new(EventKind::Join).slot("b"))?;
    /// assert_eq!(a.options(), b.options());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidOption`] for a zero `max_size` or `max_files`, a zero
    /// [`ReopenCheck::appends`] or [`Durability::Periodic`] `appends`, `mode` bits outside
    /// `0o777` (the setuid, setgid and sticky bits mean nothing good on a log), or a [`slot`](Options::slot) so long that an event without fields could
    /// be over [`MAX_LINE`](crate::MAX_LINE) bytes with it (the longest kind, with the
    /// longest timestamp of the writer's precision); otherwise as [`Writer::open`]. A zero `interval` in either is accepted: a
    /// check or sync is then due at every append but one whose clock reading trails the last
    /// by at most 20 ms (a coarse reading after a precise one, see [`ReopenCheck::interval`]).
    pub fn open(&self, path: impl AsRef<Path>) -> Result<Writer, Error> {
        Writer::open_with(path.as_ref(), self.clone())
    }

    pub(crate) fn validate(&self) -> Result<(), ErrorKind> {
        if let Some(rotation) = self.rotation {
            if rotation.max_size == 0 {
                return Err(ErrorKind::InvalidOption("max_size must be at least 1 byte"));
            }
            if rotation.max_files == 0 {
                return Err(ErrorKind::InvalidOption(
                    "max_files must be at least 1 (0 would delete the log when it rotates)",
                ));
            }
        }
        if self.reopen_check.is_some_and(|c| c.appends == 0) {
            return Err(ErrorKind::InvalidOption(
                "reopen_check.appends must be at least 1",
            ));
        }
        if matches!(self.durability, Durability::Periodic { appends: 0, .. }) {
            return Err(ErrorKind::InvalidOption(
                "durability appends must be at least 1",
            ));
        }
        if self.mode & !0o777 != 0 {
            return Err(ErrorKind::InvalidOption(
                "mode has bits outside 0o777: only permission bits",
            ));
        }
        if !self.slot.is_empty() && !self.slot_fits() {
            return Err(ErrorKind::InvalidOption(
                "slot too long: an event without fields would not fit in 4096 bytes",
            ));
        }
        Ok(())
    }

    /// Whether every event without fields fits on a line with the writer's slot: the
    /// longest such row, `commit_error` at an instant whose fraction takes all nine
    /// digits, in the writer's precision. Encoded, rather than measured apart, so that it
    /// cannot disagree with the encoder.
    fn slot_fits(&self) -> bool {
        let event = Event::new(EventKind::CommitError).at(Timestamp::MAX);
        Line::new()
            .encode_with(&event, self.precision, &self.slot)
            .is_ok()
    }

    pub(crate) fn error(kind: ErrorKind, path: &std::sync::Arc<Path>) -> Error {
        Error::new(kind, Op::Configure, Some(path))
    }
}
