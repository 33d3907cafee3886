//! The appending writer: one `write(2)` per line on an `O_APPEND` descriptor, with
//! size rotation under a lock and reopen checks on the slow path.

use std::ffi::{CStr, OsStr};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustix::fs::{fcntl_setfl, fdatasync, flock, fsync, openat, FlockOperation, Mode, OFlags};
use rustix::io::{pread, Errno};

use crate::encode::Line;
use crate::error::{Error, ErrorKind, Op};
use crate::event::Event;
use crate::identity::{self, FileId};
use crate::options::{Durability, Options};
use crate::period::Period;
use crate::series::{shift, SeriesName, ShiftError};
use crate::stats::Stats;
use crate::time::Timestamp;

/// An open log: appends events as lines, rotating by size when configured.
///
/// Holds the file open with `O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW`, and a
/// descriptor of its directory for every later `openat`, `renameat`, `unlinkat` and
/// `statx`. Each [`append`](Writer::append) is exactly one `write(2)` of one whole line,
/// and never allocates.
///
/// Several writers, in one process or many, may share one file; each needs its own
/// `Writer` (an append takes `&mut self`). A `Writer` is `Send`, so a thread may own one:
///
/// ```
/// use logwriter::{Event, EventKind, Field, Options};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("log");
/// std::thread::scope(|scope| {
///     let threads: Vec<_> = ["a", "b", "c"]
///         .map(|slot| {
///             let path = &path;
///             scope.spawn(move || {
///                 // Its own writer, and its own descriptor, for each thread: whole lines
///                 // that never interleave, and rotations that one lock keeps apart.
///                 let mut log = Options::new().max_size(1 << 20).slot(slot).open(path)?;
///                 for n in 0..100u64 {
///                     let fields = [Field::new("n", n)];
///                     log.append(&Event::new(EventKind::Renew).fields(&fields))?;
///                 }
///                 Ok::<(), logwriter::Error>(())
///             })
///         })
///         .into();
///     threads.into_iter().try_for_each(|thread| thread.join().expect("no panic"))
/// })?;
/// let text = std::fs::read_to_string(&path)?;
/// assert_eq!(text.lines().count(), 300);
/// assert!(text.lines().all(|line| line.starts_with("{\"ts\":") && line.ends_with('}')));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// A `Writer` is `Sync` too, so threads may instead share one behind a `Mutex`. Which to
/// choose: one shared writer holds one descriptor, counts everything in one [`Stats`], and
/// decides rotations exactly, as a single writer does, at the cost of the lock at every
/// append; writers of their own take no lock between threads, but each holds a
/// descriptor, counts its own `Stats` (they add up with `+` or [`Iterator::sum`]), and adds to how far past the maximum size a shared
/// file can grow (below).
///
/// ```
/// use std::sync::Mutex;
/// use logwriter::{Event, EventKind, Options};
///
/// let dir = tempfile::tempdir()?;
/// let log = Mutex::new(Options::new().open(dir.path().join("log"))?);
/// std::thread::scope(|scope| {
///     let threads = ["a", "b"].map(|slot| {
///         let log = &log;
///         scope.spawn(move || {
///             for _ in 0..100 {
///                 log.lock().unwrap().append(&Event::new(EventKind::Renew).slot(slot))?;
///             }
///             Ok::<(), logwriter::Error>(())
///         })
///     });
///     threads.into_iter().try_for_each(|thread| thread.join().expect("no panic"))
/// })?;
/// assert_eq!(log.into_inner().unwrap().stats().appends, 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Sharing a rotating log
///
/// - **One rotation per crossing.** A writer rotates only under an exclusive `flock(2)` on
///   `<log>.lock`, a file of its own next to the log: a lock on the log itself would be lost
///   with the rename, and a lock on the directory would also serialise unrelated logs and
///   tools that share it. Under the lock the writer first compares `statx(2)` of the name
///   with the file its descriptor holds (device and inode, known from its open): if another
///   writer rotated first, it reopens the new file and decides again from that file's exact
///   size, so a crossing that several writers see at once shifts the series once. The line
///   that made the writer rotate is written before the lock is released, so no backup is
///   empty unless [`Writer::rotate`] forced it. The lock is taken on the rotation path only,
///   never on an ordinary append, and a holder that dies releases it.
/// - **Following other writers.** A writer learns of other writers' bytes and rotations, and
///   of rotation done from outside, only at a [`ReopenCheck`](crate::ReopenCheck): every
///   `appends` appends, every `interval`, and whenever its own bytes since the last check
///   reach 1/64 of the maximum size, whichever comes first. Until then it keeps appending to
///   the file it holds, which may have become `<log>.1`: those lines are kept there, not lost,
///   unless that file is deleted as the oldest backup in the meantime. An idle writer checks
///   at its next append; it runs no timer. Writers of one log should share `max_size` and
///   `max_files`: each rotates and drops by its own, and a writer with a larger `max_size`
///   checks at the pace of its own maximum, so it can miss enough rotations of small files
///   to lose its lines with the dropped one (the size bound below then takes the largest
///   `max_size`, with each writer's own `C`; the least size of a backup, the smallest). And
///   any writer's lines can go with a dropped file as soon as the smallest `max_files` of
///   the writers, plus one, rotations go by between two of its checks (when a writer with
///   that few backups makes the last): with 5 backups of its own beside a writer that
///   keeps 1, two rotations are enough.
/// - **Writers that do not rotate** ([`Options::no_rotation`], [`Writer::open_slot`],
///   [`append_once`]) are not counted by the size bound below: what they append takes the
///   file past `max_size` until a writer that rotates learns the size (when it opens, at a
///   check, or under the lock of a rotation its own count called for) and appends; with no
///   such writer and no rotation from outside, the file grows without bound. A writer
///   without rotation checks every `appends` appends or `interval` only, never by its
///   bytes. `append_once` opens the file by name at every call: only a rotation between
///   that open and its `write(2)` sends its line to `<log>.1`, and it never goes on
///   appending to a rotated file.
/// - **How far past `max_size` a file can grow.** With `W` writers appending to one log,
///   while their rotations succeed (see the next point for one that fails),
///   none rotates a file before the next line would take it past `max_size` by its own
///   count (a file it counts as empty takes any line, so its count stays within `max(max_size,
///   L)`), and each may append, unseen by the others, at most `min(appends × L, C − 1 + L)`
///   bytes after its last exact look at the size (`L`: the longest line, at most 4096; `C`:
///   the own bytes that make a check due, `max(max_size/64, 1)`). So no file holds more than
///   `max(max_size, L) + (W − 1) × min(appends × L, C − 1 + L)` bytes (`max_size × (1 + (W −
///   1)/64)` plus `W − 1` lines, with the default check and lines shorter than `max_size`;
///   with different settings, at most `max(M, L)` plus every writer's own `min(appends ×
///   L, C − 1 + L)`, `M` being the largest `max_size`),
///   and every backup made by a size
///   rotation holds more than `max_size − L`. A single writer writes a line longer than
///   `max_size` alone into an empty file; several writers that all found the file empty may
///   each add one. Without a reopen check
///   (`reopen_check(None)`) there is no bound: that setting is for a log with one writer.
/// - **A rotation that fails** (the lock file or a backup cannot be opened, locked,
///   examined, renamed or removed) is counted in [`Stats::housekeeping_errors`], and the
///   line that was due to rotate goes to the file the writer holds, unless that file was
///   deleted (see "A deleted file" below). If only the new file cannot be opened after the
///   shift, that is the file just renamed to `<log>.1`, and the rotation is counted too.
///   The writer tries again once its own bytes after that line, written or failed (on a
///   full disk or at the file-size limit every line fails, and the rotation may be what
///   ends that), exceed `C`, or at its next reopen check, or when it moves to another
///   file, whichever comes first: not at every append (unless a line is longer than `C`),
///   since each try costs system calls, and not never, with or without reopen checks. Until a try succeeds the file grows past `max_size`,
///   beyond the bound above by this writer's bytes; a successful
///   [`rotate`](Writer::rotate) ends the wait at once.
/// - **The directory.** Every operation after the open is relative to the directory's
///   descriptor: a directory renamed under the writer is followed. One that is deleted
///   is not: at the first reopen check or rotation that cannot create a file in it (the
///   log, or the rotation's lock file), a writer whose path is absolute opens the directory
///   at the path again (making it if need be); with a relative path, the checks keep
///   failing (counted).
/// - **A deleted file.** With periodic reopen checks (the default), a check or a rotation
///   that finds the file held deleted and cannot make it again (a relative path, no space
///   or inodes, a file where the directory was, a FIFO or a symlink at the name) makes
///   every append until a check or a rotation succeeds return that failure's error and
///   write nothing, counted in [`Stats::failed`] and [`Stats::bytes_lost`]: the lines
///   would go to a file no one can read. A rotation that cannot take its lock still moves
///   the writer from a deleted file to one made again at the name, as a check does. With
///   a relative path no check can succeed, so this lasts until the writer is opened again.
///   The appends between the deletion and that check or rotation cannot know: they go to
///   the deleted file.
/// - **Crashes.** A rotation renames from the oldest backup down to the active file, so a
///   writer killed between two renames leaves a missing number (a hole) but never two files
///   under one name; a rotation moves only the run `.1 … .k` below the first hole, so the
///   order of the files is kept: one by a writer with more than `k` backups fills the hole,
///   while one with `k` or fewer drops from that run and leaves the files above the hole. A
///   writer killed inside a `write(2)` that spans a page boundary can leave a partial line:
///   a writer opening the log afterwards, and [`append_once`], sees the last byte is not
///   `\n` and ends the fragment before its first line (or when it is closed, if no line
///   came: see [`Writer::close`]). To tell a fragment from a line another writer is
///   copying in at that moment, it waits for appends under way (a zero-length `write(2)`
///   takes the inode lock on ext2/3/4, btrfs and tmpfs; on xfs the `pread(2)` of the last
///   byte waits); on other filesystems (overlayfs, the usual root of a container), it takes
///   the end for a fragment only once it has stayed exactly where it was for 200 ms, so
///   such an open takes 200 ms longer, and a writer stalled mid-copy for longer than that
///   can still have its line ended early, leaving an empty line after it (writers already
///   running do not look; their next line joins the fragment, and if that happened first,
///   or two writers open at once, the `\n` makes an empty line). A writer that may
///   not read the log (one of mode 0o200 opened by another user than root) cannot see the
///   last byte, and leaves a fragment as it is: its first line joins it. It does not write
///   a `\n` unseen, which would add an empty line at every open of a log that ends cleanly.
///
/// # Example
///
/// ```
/// use logwriter::{Event, EventKind, Field, Writer};
///
/// let dir = tempfile::tempdir()?;
/// let mut log = Writer::open(dir.path().join("log"))?;
/// log.append(&Event::new(EventKind::Renew).slot("a"))?;
/// log.append(&Event::new(EventKind::Error).fields(&[
///     Field::new("verb", "commit"),
///     Field::new("recoverable", true),
/// ]))?;
/// assert_eq!(log.stats().appends, 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # References
///
/// [`write(2)`](https://man7.org/linux/man-pages/man2/write.2.html),
/// [`open(2)`](https://man7.org/linux/man-pages/man2/open.2.html),
/// [`rename(2)`](https://man7.org/linux/man-pages/man2/rename.2.html),
/// [`flock(2)`](https://man7.org/linux/man-pages/man2/flock.2.html),
/// [`statx(2)`](https://man7.org/linux/man-pages/man2/statx.2.html),
/// [`fdatasync(2)`](https://man7.org/linux/man-pages/man2/fdatasync.2.html)
// Each flag is a state of its own; `detour` mirrors two of them for the hot path.
#[allow(clippy::struct_excessive_bools)]
pub struct Writer {
    line: Line,
    file: OwnedFd,
    dir: OwnedFd,
    /// Whether `dir` can be synced.
    dir_sync: DirSync,
    lock: Option<OwnedFd>,
    name: SeriesName,
    path: Arc<Path>,
    options: Options,
    /// Size of the file as this writer knows it: exact at the last check, plus its own bytes.
    size: u64,
    /// When the next reopen check is due by count or time (used with a reopen check only).
    check: Period,
    /// Size at which a reopen check is due: the exact size last learned plus `check_bytes`,
    /// so that the writer's own bytes since then are counted by `size` alone.
    check_at_size: u64,
    /// Own bytes after which a reopen check is due: 1/64 of the maximum size, which bounds
    /// how far past it other writers' unseen bytes can take a file.
    check_bytes: u64,
    /// When the next sync is due (used with [`Durability::Periodic`] only).
    sync: Period,
    /// The file ends in a partial line that must be ended before the next one.
    torn: bool,
    /// The file held is deleted, and the reopen check or rotation that found it could not
    /// make a new one: that failure's error, which appends return, writing nothing, until
    /// a check or a rotation moves the writer to a file with a name.
    orphaned: Option<Error>,
    /// `torn || orphaned.is_some()`: whether an append must take the slow path. One flag,
    /// so that the steady state tests one byte.
    detour: bool,
    /// The directory has changed since the last sync (the file may have been created, or
    /// a rotation renamed files): the next sync also syncs the directory.
    dir_changed: bool,
    /// When opening the directory (at open, or again after it was deleted) made
    /// directories: the length of the topmost one's path, a prefix of the directory's. The
    /// next sync also syncs the directories that gained an entry ([`sync_made_dirs`]).
    made_dirs: Option<usize>,
    /// For a relative path whose open made directories: the working directory at the
    /// open (`O_PATH`), which their paths are taken from when they are synced, so that a
    /// change of working directory in between does not send those syncs elsewhere.
    made_base: Option<OwnedFd>,
    /// Size past which an append rotates first: the maximum size; after a failed rotation,
    /// the size then plus `check_bytes`, so the writer retries after that many bytes of its
    /// own (or at the next reopen check, which resets it); `u64::MAX` for a writer that does
    /// not rotate.
    rotate_above: u64,
    /// Which file the descriptor holds, from its `statx` when it was opened; `None` if
    /// that failed. An inode is not reused while a descriptor holds it, so a check needs
    /// only a `statx` of the name to tell whether it still names the file held.
    held: Option<FileId>,
    stats: Stats,
    housekeeping_error: Option<Error>,
    /// After a failed `fdatasync(2)` of the file held: `stats.bytes_written` then. A sync
    /// with no byte written since does not sync the file again ([`Writer::sync`]). Cleared
    /// by a short write, whose bytes `bytes_written` does not count, and by a move to
    /// another file.
    sync_failed_at: Option<u64>,
    /// Set by [`Writer::close`]: the drop that follows it does not sync again what the
    /// close synced, or failed to.
    closed: bool,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("path", &self.path)
            .field("options", &self.options)
            .field("size", &self.size)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// Flags of every file opened by its name (the log, its lock, the reader of its last
/// byte): no symbolic link followed, no descriptor inherited across `exec`, no controlling
/// terminal taken.
const BY_NAME: OFlags = OFlags::CLOEXEC
    .union(OFlags::NOFOLLOW)
    .union(OFlags::NOCTTY);

/// Flags of the log, opened (made if missing) for appending.
const FILE_FLAGS: OFlags = BY_NAME
    .union(OFlags::WRONLY)
    .union(OFlags::APPEND)
    .union(OFlags::CREATE);

impl Writer {
    /// Opens the workspace log at `path`: rotation at 10 MiB into 5 backups, unless
    /// `BONES_LOG_MAX_SIZE` / `BONES_LOG_MAX_FILES` hold positive integers
    /// (see [`Options::from_env`]).
    ///
    /// Creates the directory if needed, then the file (mode 0644 less the umask).
    /// System calls: `open(2)` of the directory (if it does not exist: `mkdir(2)` of it and
    /// of its missing ancestors, then `open(2)` again, and for a relative path an `open(2)`
    /// of `.` with `O_PATH`, held until the first sync; if it may be searched but not read, a
    /// second `open(2)` with `O_PATH`, see [`Durability`]), `openat(2)`
    /// of the file, `statx(2)`
    /// for its size; if the file is not empty, a read-only `openat(2)`,
    /// `statx(2)` and `pread(2)` of its last byte, to find a partial line left by a writer
    /// that died (it is ended with `\n` before the first line; telling it from a line being
    /// appended at that moment costs a zero-length `write(2)`, a `statx(2)` and an
    /// `fstatfs(2)` more, and on a filesystem other than ext2/3/4, xfs, btrfs and tmpfs,
    /// such as overlayfs, 200 ms of watching the end, see [`Writer`], "Crashes"). No call
    /// asks for timestamps (see [`ReopenCheck`](crate::ReopenCheck)).
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Writer};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("ws/.bones/log"); // missing directories are created
    /// let mut log = Writer::open(&path)?;
    /// log.append(&Event::new(EventKind::Dispatched).slot("a"))?;
    /// assert_eq!(log.path(), path);
    /// assert!(std::fs::read_to_string(&path)?.contains(r#""event":"dispatched","slot":"a"}"#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidPath`] for a path with no file name (one that ends with `/`, `.`
    /// or `..`), a NUL byte, or a name too
    /// long to carry the suffix of a backup (`.4294967295`); [`ErrorKind::Os`] from any
    /// of those calls, `ELOOP` when the log path is a symbolic link.
    ///
    /// A log path that is a FIFO makes the open wait for a reader, as `open(2)` does (a
    /// signal that interrupts the wait, `EINTR`, makes it wait again, as
    /// `std::fs::File::open` does). A
    /// FIFO found at the path later, by a reopen check or a rotation, is not waited for:
    /// with no reader, the check fails with `ENXIO` (counted, see
    /// [`Writer::take_housekeeping_error`]) and the lines go on to the file held (unless
    /// it was deleted: see "A deleted file" under [`Writer`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Writer, Error> {
        Options::from_env().open(path)
    }

    /// Opens the slot log `<slot_dir>/log`, which never rotates, writing `slot` on every
    /// event that names none.
    ///
    /// ```
    /// use logwriter::{slot_log_path, Event, EventKind, Field, Writer};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let slot_dir = dir.path().join("a");
    /// let mut log = Writer::open_slot(&slot_dir, "a")?;
    /// assert!(log.options().rotation().is_none());
    /// log.append(&Event::new(EventKind::Renew).fields(&[Field::new("lease_s", 30)]))?;
    /// let text = std::fs::read_to_string(slot_log_path(&slot_dir, "a"))?;
    /// assert!(text.ends_with(r#""event":"renew","slot":"a","lease_s":30}
    /// "#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Writer::open`]; and [`ErrorKind::InvalidOption`] with [`Op::Configure`] for a
    /// `slot` so long that an event without fields would not fit on a line with it.
    pub fn open_slot(slot_dir: impl AsRef<Path>, slot: &str) -> Result<Writer, Error> {
        Options::new()
            .no_rotation()
            .slot(slot)
            .open(slot_log_path(slot_dir, slot))
    }

    pub(crate) fn open_with(path: &Path, options: Options) -> Result<Writer, Error> {
        let shared: Arc<Path> = Arc::from(path);
        options
            .validate()
            .map_err(|kind| Options::error(kind, &shared))?;
        let name = file_name(path)
            .and_then(SeriesName::new)
            .ok_or_else(|| Error::new(ErrorKind::InvalidPath, Op::Open, Some(&shared)))?;
        let parent = parent_dir(path);
        let dir = open_log_dir(parent).map_err(|(errno, op)| Error::os(errno, op, &shared))?;
        let check_bytes = options
            .rotation
            .map_or(u64::MAX, |rotation| (rotation.max_size / 64).max(1));
        // Started once the log is open: an open that waits (a FIFO without a reader) must
        // not use up the first period.
        let check = options
            .reopen_check
            .map_or(Period::new(u32::MAX, Duration::MAX), |check| {
                Period::new(check.appends, check.interval)
            });
        let sync = match options.durability {
            Durability::Periodic { appends, interval } => Period::new(appends, interval),
            Durability::None | Durability::EveryAppend => Period::new(u32::MAX, Duration::MAX),
        };
        let mut name = name;
        let file = retry_intr(|| {
            openat(
                &dir.fd,
                name.active(),
                FILE_FLAGS,
                Mode::from_raw_mode(options.mode),
            )
        })
        .map_err(|errno| Error::os(errno, Op::Open, &shared))?;
        // If `.` cannot be opened (the working directory was deleted meanwhile), the
        // sync takes the paths from the working directory it runs in.
        let made_base = (dir.made.is_some() && path.is_relative())
            .then(|| rustix::fs::open(c".", DIR_PATH_FLAGS, Mode::empty()).ok())
            .flatten();
        let mut writer = Writer {
            line: Line::new(),
            file,
            dir: dir.fd,
            dir_sync: dir.sync,
            lock: None,
            name,
            path: shared,
            options,
            size: 0,
            check,
            check_at_size: u64::MAX,
            check_bytes,
            sync,
            torn: false,
            orphaned: None,
            detour: false,
            dir_changed: false,
            made_dirs: dir.made,
            made_base,
            rotate_above: u64::MAX,
            held: None,
            stats: Stats::default(),
            housekeeping_error: None,
            sync_failed_at: None,
            closed: false,
        };
        let mine = writer.learn_held()?;
        writer.resume_rotation();
        writer.size = mine.size;
        writer.counted_from_here();
        // An empty file may be one this open created.
        writer.dir_changed = mine.size == 0;
        let torn = writer.ends_mid_line(&mine).is_some();
        writer.set_torn(torn);
        let now = coarse_clock_ns();
        writer.check.restart(now);
        writer.sync.restart(now);
        Ok(writer)
    }

    /// Encodes `event` and appends it as one line with one `write(2)`.
    ///
    /// An event without a timestamp is stamped with the realtime clock now (vDSO, no
    /// system call); that one reading also times the reopen checks and periodic syncs. An
    /// event with its own timestamp costs a coarse clock read for them instead, when either
    /// is enabled. Steady state, the `write(2)` is the only system call; every
    /// [`ReopenCheck`](crate::ReopenCheck) period adds one `statx`, and a
    /// rotation adds its own (see [`Writer::rotate`]). It never allocates.
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::LineTooLong`]: nothing was written.
    /// - [`ErrorKind::Os`] with [`Op::Write`]: nothing was written (`ENOSPC`, `EIO`…).
    ///   `EINTR` is retried, as it means nothing was written. `EFBIG` comes only to a
    ///   program that ignores or handles `SIGXFSZ`: by default the kernel kills the process
    ///   at the first write that starts at the file-size limit (`RLIMIT_FSIZE`); the write
    ///   that crossed the limit before it was short, and reported.
    /// - [`ErrorKind::ShortWrite`]: part of the line reached the file; the writer ends that
    ///   fragment with `\n` before its next line so later lines still parse (a line that
    ///   another writer appends before that joins the fragment). One short of the `\n`
    ///   alone left the row whole but unended: see [`ErrorKind::ShortWrite`] before
    ///   appending it again.
    /// - [`ErrorKind::Os`] with [`Op::Sync`] or [`Op::SyncDir`]: the line was written, but
    ///   the sync the durability policy asked for failed. Do not append it again.
    ///
    /// Rotation and reopen-check failures do not fail the append: the line goes to the
    /// current file, and the failure is counted in [`Stats::housekeeping_errors`]. Except
    /// one: with periodic reopen checks, after a check or a rotation found the file held
    /// deleted and could not make it again, appends return that failure's error
    /// ([`ErrorKind::Os`] with the operation, such as [`Op::Open`]) and write nothing,
    /// until a check or a rotation succeeds (see "A deleted file" under [`Writer`]).
    ///
    /// ```
    /// use logwriter::{ErrorKind, Event, EventKind, Field, Op, Options};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut log = Options::new().open(dir.path().join("log"))?;
    /// let fields = [Field::new("sha", "3f9c2a7"), Field::new("files", 4)];
    /// log.append(&Event::new(EventKind::Commit).slot("a").fields(&fields))?;
    ///
    /// // A line over 4096 bytes is refused whole: nothing reaches the file.
    /// let reason = "x".repeat(5000);
    /// let err = log
    ///     .append(&Event::new(EventKind::Error).fields(&[Field::new("reason", &reason)]))
    ///     .unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::LineTooLong { len: Some(len) } if len > 5000));
    /// assert_eq!((err.op(), err.path()), (Op::Append, Some(log.path())));
    /// assert_eq!((log.stats().appends, log.stats().failed), (1, 1));
    /// assert_eq!(std::fs::read_to_string(log.path())?.lines().count(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Always inlined: the encoder is a call, and the steady-state checks and the
    /// `write(2)` run in the caller's own function, where the system call measured cheaper
    /// (see "Performance" in the crate docs). Rotation and error handling stay out of line.
    #[inline(always)]
    #[allow(clippy::inline_always)] // See "Performance" in the crate docs.
    pub fn append(&mut self, event: &Event<'_>) -> Result<(), Error> {
        // The encoder is an ordinary call; the rest, with its one `write(2)`, is inlined
        // into the caller's loop (see "Performance" in the crate docs for why).
        let (len, now) = self.encode_event(event)?;
        self.write_line(len, now)
    }

    /// Encodes `event` into `self.line`; a refused line is counted and names the log.
    /// Returns the line's length and the clock in nanoseconds for the interval checks:
    /// the reading that stamped the line, so that an append reads the clock once.
    #[inline(never)]
    fn encode_event(&mut self, event: &Event<'_>) -> Result<(usize, u64), Error> {
        let (ts, now) = match event.timestamp() {
            None => {
                let ts = Timestamp::now();
                (ts, clock_ns(ts))
            }
            Some(ts) if self.times_intervals() => (ts, coarse_clock_ns()),
            Some(ts) => (ts, 0),
        };
        match self
            .line
            .encode_len(event, ts, self.options.precision, &self.options.slot)
        {
            Ok(len) => Ok((len, now)),
            Err(err) => Err(self.refused(err)),
        }
    }

    /// Whether appends need the time: for reopen checks or periodic syncs.
    #[inline(always)]
    #[allow(clippy::inline_always)] // Two loads and a compare, on the hot path.
    fn times_intervals(&self) -> bool {
        self.options.reopen_check.is_some()
            || matches!(self.options.durability, Durability::Periodic { .. })
    }

    /// Counts a line the encoder refused and names the log in its error.
    #[cold]
    #[inline(never)]
    fn refused(&mut self, err: Error) -> Error {
        self.stats.failed += 1;
        err.with_path(Op::Append, &self.path)
    }

    /// Writes the encoded line held in `self.line`, `len` bytes.
    #[inline(always)]
    #[allow(clippy::inline_always)] // The hot path of `append`, kept in one function.
    fn write_line(&mut self, len: usize, now: u64) -> Result<(), Error> {
        if self.options.reopen_check.is_some()
            && (self.check.tick(now) || self.size >= self.check_at_size)
        {
            self.check_now_at(now);
        }

        if self.rotation_due(len as u64) || self.detour {
            return self.write_line_rare(len, now);
        }
        // Steady state: the one system call.
        match rustix::io::write(&self.file, self.line.as_bytes()) {
            Ok(written) if written == len => self.wrote(len),
            result => self.finish_write(result, len)?,
        }
        if matches!(self.options.durability, Durability::None) {
            return Ok(());
        }
        self.after_write(now)
    }

    /// Whether appending `adds` bytes would take the file past the maximum size, so that
    /// the append has to rotate first (never for an empty file, nor before the retry point
    /// after a failed rotation).
    #[inline(always)]
    #[allow(clippy::inline_always)] // Two loads and a compare, on the hot path.
    fn rotation_due(&self, adds: u64) -> bool {
        self.size > 0 && self.size + adds > self.rotate_above
    }

    /// Starts counting the writer's own bytes toward the next reopen check from `size`.
    fn counted_from_here(&mut self) {
        self.check_at_size = self.size.saturating_add(self.check_bytes);
    }

    /// Rotates again at the maximum size: after a rotation, a check, or at open. Never, while
    /// the file held is not a regular file.
    fn resume_rotation(&mut self) {
        self.rotate_above = match self.options.rotation {
            Some(rotation) if self.regular() => rotation.max_size,
            _ => u64::MAX,
        };
    }

    /// The append after a rotation is due or a short write left a fragment to end. The `\n`
    /// that ends a fragment counts against the maximum size with the line (when the append
    /// rotates, it goes to the old file after the shift: the rotation comes a byte early).
    #[cold]
    #[inline(never)]
    fn write_line_rare(&mut self, len: usize, mut now: u64) -> Result<(), Error> {
        let adds = len as u64 + u64::from(self.torn);
        let mut locked = false;
        if let (None, true, Some(rotation)) = (
            &self.orphaned,
            self.rotation_due(adds),
            self.options.rotation,
        ) {
            let rotated =
                self.rotate_locked(len as u64, rotation.max_size, rotation.max_files, false);
            // The sync of the file left restarted the period at a reading taken after the
            // lock was had, which may have been a long wait: timed by its reading from
            // before, this append would find the clock stepped back and sync again.
            if now != 0 {
                now = now.max(coarse_clock_ns());
            }
            match rotated {
                Ok(()) => locked = true,
                Err(err) => {
                    // Retry once this writer's own bytes after this line pass `check_bytes`.
                    self.rotate_above = self.size.saturating_add(adds + self.check_bytes);
                    self.housekeeping_failed(err);
                }
            }
        }
        if let Some(err) = &self.orphaned {
            // The line would go to a deleted file: refused, and counted lost. (A failed
            // rotation holds no lock.)
            let err = err.clone();
            return Err(self.lost_with(len, err));
        }
        let result = match self.end_torn_fragment() {
            Ok(()) => self.write_whole(len),
            // Nothing of the line was written.
            Err(ErrorKind::ShortWrite { .. }) => {
                Err(self.lost(len, ErrorKind::ShortWrite { written: 0, len }))
            }
            Err(kind) => Err(self.lost(len, kind)),
        };
        if locked {
            self.unlock();
        }
        result?;
        self.after_write(now)
    }

    /// Counts a line written whole.
    #[inline(always)]
    #[allow(clippy::inline_always)]
    fn wrote(&mut self, len: usize) {
        self.size += len as u64;
        self.stats.appends += 1;
        self.stats.bytes_written += len as u64;
    }

    /// Finishes an append whose `write(2)` returned `result`: counts a whole line, retries
    /// on `EINTR` (nothing was written), else counts the loss.
    #[cold]
    #[inline(never)]
    fn finish_write(&mut self, result: rustix::io::Result<usize>, len: usize) -> Result<(), Error> {
        let outcome = match result {
            Err(Errno::INTR) => write_once(&self.file, self.line.as_bytes()),
            result => write_outcome(result, len),
        };
        match outcome {
            Ok(()) => {
                self.wrote(len);
                Ok(())
            }
            Err(kind) => {
                if let ErrorKind::ShortWrite { written, .. } = kind {
                    self.size += written as u64;
                    self.set_torn(written > 0);
                    if written > 0 {
                        // Bytes on the file that a sync after a failed one must reach.
                        self.sync_failed_at = None;
                    }
                }
                Err(self.lost(len, kind))
            }
        }
    }

    /// One `write(2)` of the whole line; `EINTR` (nothing written) is retried.
    fn write_whole(&mut self, len: usize) -> Result<(), Error> {
        let result = rustix::io::write(&self.file, self.line.as_bytes());
        self.finish_write(result, len)
    }

    /// Counts a line that did not reach the file whole.
    #[cold]
    #[inline(never)]
    fn lost(&mut self, len: usize, kind: ErrorKind) -> Error {
        let err = Error::new(kind, Op::Write, Some(&self.path));
        self.lost_with(len, err)
    }

    /// Counts a line of `len` bytes that did not reach the file, lost with `err`. After a
    /// failed rotation, it brings the retry nearer as a line written would: on a full disk
    /// or at the file-size limit no line is written, and only that rotation (which drops
    /// the oldest backup, and moves to an empty file) may end the failures.
    fn lost_with(&mut self, len: usize, err: Error) -> Error {
        self.stats.failed += 1;
        self.stats.bytes_lost += len as u64;
        if let Some(rotation) = self.options.rotation {
            // Above the maximum and below `u64::MAX` (never: not a regular file), the
            // rotate point is a retry point.
            if (rotation.max_size..u64::MAX).contains(&self.rotate_above) {
                self.rotate_above = self
                    .rotate_above
                    .saturating_sub(len as u64)
                    .max(rotation.max_size);
            }
        }
        err
    }

    /// Ends a partial line left by a short write, so the next line starts on its own.
    /// A failure is returned, not counted: the caller knows whether a line is lost with it.
    #[inline]
    fn end_torn_fragment(&mut self) -> Result<(), ErrorKind> {
        if self.torn {
            self.write_torn_end()
        } else {
            Ok(())
        }
    }

    #[cold]
    #[inline(never)]
    fn write_torn_end(&mut self) -> Result<(), ErrorKind> {
        write_once(&self.file, b"\n")?;
        self.set_torn(false);
        // Counted toward the next check like any other byte of this writer's (through
        // `size`), or each short write could take a shared file one byte past the overshoot
        // bound.
        self.size += 1;
        self.stats.bytes_written += 1;
        Ok(())
    }

    fn after_write(&mut self, now: u64) -> Result<(), Error> {
        let due = match self.options.durability {
            Durability::None => false,
            Durability::EveryAppend => true,
            Durability::Periodic { .. } => self.sync.tick(now),
        };
        if due {
            self.sync()?;
        }
        Ok(())
    }

    /// Forces what was appended to disk with `fdatasync(2)`; if the directory has changed
    /// since the last sync (the writer may have created the file, or a rotation or reopen
    /// renamed or created files), then also the directory with `fsync(2)`, so that the
    /// file is found under its name after a power loss.
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Writer};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut log = Writer::open(dir.path().join("log"))?;
    /// log.append(&Event::new(EventKind::Close).slot("a"))?;
    /// log.sync()?; // the line, and the new file's directory entry, are on disk
    /// assert_eq!(log.stats().syncs, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Os`] with [`Op::Sync`] or [`Op::SyncDir`]. A failed sync is not made
    /// again by later syncs (see [`Durability`]): a sync with nothing written since the
    /// one that failed makes no `fdatasync(2)`, syncs only a directory that is due, and
    /// returns `Ok` if that succeeds; the failure was reported once, by the call that made
    /// it.
    pub fn sync(&mut self) -> Result<(), Error> {
        self.sync_as(Op::Sync)
    }

    /// [`Writer::sync`], with a failure of the file's own sync reported as `op`.
    fn sync_as(&mut self, op: Op) -> Result<(), Error> {
        if self.sync_failed_at == Some(self.stats.bytes_written) {
            // Nothing written since a failed sync: syncing the file again would only let
            // Linux report as synced the pages it dropped (see `Durability`).
            return self.sync_dirs();
        }
        self.sync.restart(coarse_clock_ns());
        self.stats.syncs += 1;
        // A sync interrupted by a signal (`EINTR`, on filesystems that allow it) did not
        // fail: it is made again, unlike one that failed (see `Durability`).
        match retry_intr(|| fdatasync(&self.file)) {
            // A FIFO, a socket or a character device has nothing to sync, and says so.
            Err(Errno::INVAL) if !self.regular() => {}
            Err(errno) => {
                self.sync_failed_at = Some(self.stats.bytes_written);
                return Err(Error::os(errno, op, &self.path));
            }
            Ok(()) => {}
        }
        self.sync_failed_at = None;
        self.sync_dirs()
    }

    /// `fsync(2)` of the directories changed since they were last synced: the writer's own
    /// when it created or renamed files in it, and the parents of those the open made. Not
    /// made again if it fails, as the file's sync is not (see [`Durability`]); one that
    /// cannot be synced does not keep the others from it.
    fn sync_dirs(&mut self) -> Result<(), Error> {
        let mut synced = Ok(());
        if self.dir_changed {
            self.dir_changed = false;
            synced = self.sync_dir();
        }
        if let Some(made) = self.made_dirs.take() {
            let base = self.made_base.take();
            let base = base.as_ref().map_or(rustix::fs::CWD, AsFd::as_fd);
            synced = synced.and(sync_made_dirs(base, parent_dir(&self.path), made));
        }
        synced.map_err(|errno| Error::os(errno, Op::SyncDir, &self.path))
    }

    /// `fsync(2)` of the directory. One opened with `O_PATH` is opened for reading again,
    /// through its own descriptor (`openat(dir, ".")`), in case it has become readable, and
    /// kept so. If it still cannot be, the first such sync returns the error (`EACCES`) and
    /// later ones pass over it: the caller has been told that renames and new files in that
    /// directory are not synced.
    fn sync_dir(&mut self) -> rustix::io::Result<()> {
        if let DirSync::PathOnly { reported } = self.dir_sync {
            match openat(&self.dir, c".", DIR_FLAGS, Mode::empty()) {
                Ok(readable) => {
                    self.dir = readable;
                    self.dir_sync = DirSync::Readable;
                }
                Err(_) if reported => return Ok(()),
                Err(errno) => {
                    self.dir_sync = DirSync::PathOnly { reported: true };
                    return Err(errno);
                }
            }
        }
        retry_intr(|| fsync(&self.dir))
    }

    /// Moves to `file`, first syncing the appends the durability policy has not synced yet:
    /// they are in the file being left, where later syncs would not reach them (a failure
    /// is counted as a housekeeping error). Then learns which file it now holds
    /// ([`Writer::learn_held`]).
    fn replace_file(&mut self, file: OwnedFd) -> Result<FileId, Error> {
        if self.sync_pending() {
            // A failure is said of the file being left, not of the one now at the name.
            if let Err(err) = self.sync_as(Op::SyncLeft) {
                self.housekeeping_failed(err);
            }
        }
        self.file = file;
        self.sync_failed_at = None;
        self.set_orphaned(None);
        self.learn_held()
    }

    /// Sets [`Writer::torn`], and the detour flag with it.
    fn set_torn(&mut self, torn: bool) {
        self.torn = torn;
        self.detour = torn || self.orphaned.is_some();
    }

    /// Sets [`Writer::orphaned`], and the detour flag with it.
    fn set_orphaned(&mut self, orphaned: Option<Error>) {
        self.detour = self.torn || orphaned.is_some();
        self.orphaned = orphaned;
    }

    /// Closes the log, reporting a failure; returns the final counters.
    ///
    /// First, if a short write ([`ErrorKind::ShortWrite`]) left a fragment in the file the
    /// writer holds, or the writer found one at open (left by a writer that died) and no
    /// line has come since, it ends the fragment with `\n` (counted in
    /// [`Stats::bytes_written`]), so that a line another writer appends next starts on a
    /// line of its own rather than joining it. It looks first, as an opening writer does (see "Crashes" under
    /// [`Writer`]): only a file still at the log's name that still ends mid-line gets the
    /// `\n`, so a fragment that a writer opened since has ended (or a copy of this writer
    /// in a forked process) gains no empty line. Dropping the writer does not do this: a
    /// destructor should not wait (the look can watch the end for 200 ms on overlayfs) nor
    /// write what it cannot report; the next writer that opens the log ends the fragment.
    ///
    /// Then, as dropping the writer does, it syncs appends the durability policy has not
    /// synced yet, and, under a policy, the directory if it changed since the last sync (as
    /// after [`Writer::rotate`] with no append since). If the file's sync fails, the
    /// directory is not synced either, as in [`Writer::sync`].
    ///
    /// # Errors
    ///
    /// - [`ErrorKind::Os`] with [`Op::Sync`] or [`Op::SyncDir`], as [`Writer::sync`]: the
    ///   last `fdatasync(2)`, or the directory's `fsync(2)` after the writer created or
    ///   renamed files, failed.
    /// - Else [`ErrorKind::Os`] or [`ErrorKind::ShortWrite`] with [`Op::Write`]: the `\n`
    ///   that ends a fragment could not be written (on a full disk, say), or would pass the
    ///   process's file-size limit (`RLIMIT_FSIZE`): then `EFBIG` is returned without the
    ///   `write(2)`, which would raise `SIGXFSZ`. The fragment stays unended until the next
    ///   writer that opens the log ends it.
    ///
    /// The descriptors are closed all the same.
    ///
    /// ```
    /// use std::time::Duration;
    /// use logwriter::{Durability, Event, EventKind, Options};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let every = Durability::Periodic { appends: 100, interval: Duration::from_secs(1) };
    /// let mut log = Options::new().durability(every).open(dir.path().join("log"))?;
    /// log.append(&Event::new(EventKind::Join).slot("a"))?;
    /// let stats = log.close()?; // syncs the append the policy had not synced yet
    /// assert_eq!((stats.appends, stats.syncs), (1, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close(mut self) -> Result<Stats, Error> {
        self.closed = true;
        let ended = self.end_fragment_at_close();
        self.sync_at_close()?;
        ended?;
        Ok(self.stats)
    }

    /// [`Writer::close`]'s `\n` after a fragment: written only if the file still ends
    /// mid-line when looked at, as at open, and only below the file-size limit.
    #[cold]
    fn end_fragment_at_close(&mut self) -> Result<(), Error> {
        if !self.torn {
            return Ok(());
        }
        let Ok(mine) = identity::of_fd(&self.file) else {
            return Ok(());
        };
        // The end the look settled on, which may be past the one seen before it.
        let Some(size) = self.ends_mid_line(&mine) else {
            return Ok(());
        };
        let limit = rustix::process::getrlimit(rustix::process::Resource::Fsize).current;
        if limit.is_some_and(|limit| size >= limit) {
            return Err(Error::os(Errno::FBIG, Op::Write, &self.path));
        }
        self.write_torn_end()
            .map_err(|kind| Error::new(kind, Op::Write, Some(&self.path)))
    }

    /// Whether the durability policy has appends not yet synced.
    fn sync_pending(&self) -> bool {
        self.options.durability != Durability::None && self.sync.pending()
    }

    /// What closing (or dropping) the writer syncs under a durability policy: the appends
    /// not yet synced, as [`Writer::sync`] does; else only the directories changed since
    /// they were last synced (a file made, files renamed by [`Writer::rotate`] or a reopen,
    /// directories made), which no append has synced since. So a file sync that failed is
    /// not made again here either.
    fn sync_at_close(&mut self) -> Result<(), Error> {
        if self.sync_pending() {
            self.sync()
        } else if self.options.durability != Durability::None {
            self.sync_dirs()
        } else {
            Ok(())
        }
    }

    /// Rotates now, whatever the size: under the rotation lock, the backups shift up by one
    /// (dropping the oldest beyond the maximum), the active file becomes `.1`, and a new
    /// empty file takes its place. The file rotated is the one at the path when the lock is
    /// taken (if another writer rotated first, this writer follows it and rotates again), and
    /// it may be empty.
    ///
    /// System calls (as `strace` shows them): `openat` of `<log>.lock` (again if it was
    /// deleted or replaced meanwhile), `flock` twice, `close` of it, `statx` of the lock's descriptor and
    /// of its name, `statx` of the active name, `statx` for each backup in
    /// the run and, while the run is shorter than the maximum, one more for the first free
    /// number (`ENOENT`); with the run full, `unlinkat` of the oldest backup and of each
    /// number above it up to the first free one (`ENOENT`); `renameat` for each file moved;
    /// a `write` of `\n` to the old file if a short write left it a fragment; `openat`,
    /// `fcntl` (`F_SETFL`) and `statx` of the new file and `close` of the old (with a
    /// periodic durability policy and appends not yet synced, an `fdatasync` of the old file
    /// and an `fsync` of the directory before that `close`). A writer that
    /// holds a FIFO or a device still at the path makes only a `statx` of the name before it
    /// refuses, and takes no lock.
    ///
    /// Dropping the oldest backup frees its page cache inside the `unlinkat`: with full
    /// default-size (10 MiB) files a rotation took about 33 times as long as with small ones
    /// in the run the README reports (`cargo bench --bench rotation`: 2.09 ms against
    /// 62.8 µs).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidOption`] with [`Op::Rotate`] if the writer does not rotate;
    /// [`ErrorKind::NotRegularFile`] with [`Op::Rotate`] if the log is a FIFO, a device or
    /// anything else that is not a regular file, which is left where it is;
    /// [`ErrorKind::Os`] from any of the calls, with the operation and the file. With
    /// periodic reopen checks, if the file held was deleted and none can be made at the
    /// name, later appends return the same error and write nothing, until a rotation or a
    /// check succeeds (see [`Writer`], "A deleted file").
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Options};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut log = Options::new().max_files(2).open(dir.path().join("log"))?;
    /// for slot in ["a", "b", "c"] {
    ///     log.append(&Event::new(EventKind::Join).slot(slot))?;
    ///     log.rotate()?;
    /// }
    /// // Two backups kept, the newest first; the one that held slot "a" was dropped.
    /// let backup = |n| std::fs::read_to_string(dir.path().join(format!("log.{n}")));
    /// assert!(backup(1)?.contains(r#""slot":"c""#));
    /// assert!(backup(2)?.contains(r#""slot":"b""#));
    /// assert!(backup(3).is_err());
    /// assert_eq!(std::fs::metadata(dir.path().join("log"))?.len(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rotate(&mut self) -> Result<(), Error> {
        let Some(rotation) = self.options.rotation else {
            return Err(Error::new(
                ErrorKind::InvalidOption("this writer does not rotate"),
                Op::Rotate,
                Some(&self.path),
            ));
        };
        // A FIFO or a device the writer holds, still at the name, is refused before the
        // lock, so that a log such as `/dev/null` gets no lock file beside it. Anything else
        // is decided under the lock, where the writer follows the name first.
        if let Some(held) = self.held.filter(|held| !held.regular) {
            if identity::at(&self.dir, self.name.active()).is_ok_and(|there| there.same_file(&held))
            {
                return Err(self.not_regular());
            }
        }
        let result = self.rotate_locked(0, 0, rotation.max_files, true);
        if result.is_ok() {
            self.unlock();
        }
        result
    }

    /// Takes the lock; under it, follows another writer's rotation if there was one, then
    /// rotates if a line of `len` bytes would take the file past `max_size` (or always, if
    /// `force`). On `Ok` the lock is still held. On `Err`, if the file held is deleted and
    /// none could be made at the name, appends are refused with that error
    /// ([`Writer::refuse_if_deleted`]), whichever way the rotation was asked for.
    #[cold]
    #[inline(never)]
    fn rotate_locked(
        &mut self,
        len: u64,
        max_size: u64,
        max_files: u32,
        force: bool,
    ) -> Result<(), Error> {
        if let Err(err) = self.lock_exclusive() {
            // Without the lock there is no rotation, but a file held that was deleted can
            // still be left for the one at the log's name, as a check does without a lock,
            // rather than have the line refused ([`Writer::refuse_if_deleted`]).
            if self.held_deleted() {
                // Its own failure leaves the writer where it was, refused as before.
                let _ = self.follow_path();
            }
            self.refuse_if_deleted(&err);
            return Err(err);
        }
        let result = self.rotate_under_lock(len, max_size, max_files, force);
        match &result {
            Ok(()) => self.resume_rotation(),
            Err(err) => {
                self.unlock();
                self.refuse_if_deleted(err);
            }
        }
        result
    }

    fn rotate_under_lock(
        &mut self,
        len: u64,
        max_size: u64,
        max_files: u32,
        force: bool,
    ) -> Result<(), Error> {
        let mine = self.follow_path()?;
        let over = self.size > 0 && self.size + u64::from(self.torn) + len > max_size;
        if !force && !over {
            return Ok(());
        }
        if !mine.regular {
            return Err(self.not_regular());
        }
        // A fragment is ended after the shift, through the descriptor that now holds
        // `log.1`: on a full disk the `\n` may need the space that dropping the oldest
        // backup frees, and a rotation that waited for it would never come.
        shift(&self.dir, &mut self.name, max_files).map_err(|err| {
            let (op, errno) = match err {
                ShiftError::Rename(from, errno) => (Op::Rename { from }, errno),
                ShiftError::Unlink(index, errno) => (Op::Unlink { index }, errno),
                ShiftError::Stat(index, errno) => (Op::StatBackup { index }, errno),
            };
            Error::os(errno, op, &self.path)
        })?;
        // The shift is done: count it even if opening the new file fails below.
        self.stats.rotations += 1;
        self.dir_changed = true;
        self.end_fragment_before_leaving();
        let file = self.open_active()?;
        let now = self.replace_file(file)?;
        self.size = now.size;
        self.counted_from_here();
        Ok(())
    }

    /// The refusal to rotate a FIFO or a device: renaming it away would leave a regular
    /// file in its place.
    fn not_regular(&self) -> Error {
        Error::new(ErrorKind::NotRegularFile, Op::Rotate, Some(&self.path))
    }

    /// Takes the rotation lock: an exclusive `flock(2)` on `<log>.lock`, which must still be
    /// the file at that name once locked. If the file was deleted or replaced since this
    /// writer opened it (a cleanup of lock files that look stale), a lock on it would
    /// exclude no one: writers that open the name now lock another file. The writer then
    /// closes it, which releases the lock, and locks the file at the name. After
    /// [`LOCK_ATTEMPTS`] files that all left the name before they were locked, it gives up
    /// with `EAGAIN`: something keeps replacing the lock file, or the filesystem reports
    /// one file under two identities.
    ///
    /// The lock file is opened for each rotation and closed after it. A descriptor kept
    /// open would be shared with a child forked meanwhile, and `flock(2)` does not exclude
    /// two holders of one open file: the two processes could rotate at once.
    fn lock_exclusive(&mut self) -> Result<(), Error> {
        for _attempt in 0..LOCK_ATTEMPTS {
            let lock = match self.open_lock() {
                // The directory held was deleted: the lock goes in the one now at the
                // path, made if need be, as the log does ([`Writer::open_active`]).
                Err(Errno::NOENT) if self.path.is_absolute() => {
                    self.reopen_dir()?;
                    self.open_lock()
                }
                opened => opened,
            }
            .map_err(|errno| Error::os(errno, Op::OpenLock, &self.path))?;
            match lock_named(&lock, &self.dir, self.name.lock()) {
                Ok(true) => {
                    self.lock = Some(lock);
                    return Ok(());
                }
                // Dropped: closing the file releases the lock on it.
                Ok(false) => {}
                Err(errno) => return Err(Error::os(errno, Op::Lock, &self.path)),
            }
        }
        Err(Error::os(Errno::AGAIN, Op::Lock, &self.path))
    }

    /// Opens (makes if missing) `<log>.lock` in the directory held. One that may be written
    /// but not read (made by an older version with a mode such as 0o200) is opened for
    /// writing: `flock` takes either.
    fn open_lock(&mut self) -> Result<OwnedFd, Errno> {
        let mode = Mode::from_raw_mode(lock_mode(self.options.mode));
        match openat(&self.dir, self.name.lock(), LOCK_FLAGS, mode) {
            Err(Errno::ACCESS) => openat(
                &self.dir,
                self.name.lock(),
                LOCK_FLAGS | OFlags::WRONLY,
                mode,
            ),
            opened => opened,
        }
    }

    /// Releases the rotation lock and closes its file. The unlock comes first: the close
    /// alone would not release it while a child forked during the rotation holds the file.
    fn unlock(&mut self) {
        if let Some(lock) = self.lock.take() {
            // Unlocking a held lock cannot fail.
            let _ = retry_intr(|| flock(&lock, FlockOperation::Unlock));
        }
    }

    /// Checks now that the descriptor is still the file at the path, reopening it if not,
    /// and refreshes the size from the file. Failures are counted, not returned.
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Options};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("log");
    /// let mut log = Options::new().open(&path)?;
    /// log.append(&Event::new(EventKind::Join).slot("a"))?;
    /// // Another program rotates the log, then this writer checks at once.
    /// std::fs::rename(&path, dir.path().join("log.1"))?;
    /// log.check_now();
    /// log.append(&Event::new(EventKind::Close).slot("a"))?;
    /// assert_eq!(log.stats().reopens, 1);
    /// assert!(std::fs::read_to_string(&path)?.contains(r#""event":"close""#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_now(&mut self) {
        self.check_now_at(coarse_clock_ns());
    }

    #[cold]
    #[inline(never)]
    fn check_now_at(&mut self, now: u64) {
        // A check that fails is still a check: the next one waits for the next bound, as
        // after one that succeeds, rather than coming at every append.
        self.check.restart(now);
        self.stats.checks += 1;
        self.counted_from_here();
        self.resume_rotation();
        match self.follow_path() {
            Ok(_) => self.set_orphaned(None),
            Err(err) => {
                self.refuse_if_deleted(&err);
                self.housekeeping_failed(err);
            }
        }
    }

    /// After a reopen check or a rotation that failed with `err`, and so could not move
    /// the writer to a file at the log's name: if the file held has no name left, its
    /// lines would be lost, so appends are refused with `err` until a check or a rotation
    /// succeeds. A FIFO or a device with no name still reaches whoever holds it. Without
    /// periodic checks nothing would end the refusal but the caller's next `check_now`:
    /// the lines go on, as to a file renamed away.
    #[cold]
    fn refuse_if_deleted(&mut self, err: &Error) {
        if self.held_deleted() {
            self.set_orphaned(Some(err.clone()));
        }
    }

    /// Whether the writer follows the log's name (it makes reopen checks) and holds a
    /// regular file that no longer has one.
    fn held_deleted(&self) -> bool {
        self.options.reopen_check.is_some()
            && self.regular()
            && identity::links_of_fd(&self.file).is_ok_and(|n| n == 0)
    }

    /// Compares `statx` of the name with the file held (known from its open, else from a
    /// `statx` of the descriptor); reopens the path if the file there is another one or
    /// none. Sets `size` from the file, and returns the identity of the file the writer
    /// now holds.
    fn follow_path(&mut self) -> Result<FileId, Error> {
        let mine = if let Some(held) = self.held {
            held
        } else {
            self.learn_held()?
        };
        match identity::at(&self.dir, self.name.active()) {
            // The same inode: its size and type, as the descriptor's stat would give them.
            Ok(there) if there.same_file(&mine) => {
                self.size = there.size;
                self.counted_from_here();
                Ok(there)
            }
            Ok(_) | Err(Errno::NOENT) => {
                let file = self.open_active()?;
                self.end_fragment_before_leaving();
                // Opening may have created the file.
                self.dir_changed = true;
                let now = self.replace_file(file);
                // A retry point after a failed rotation was a size of the file left.
                self.resume_rotation();
                let now = now?;
                self.size = now.size;
                self.counted_from_here();
                self.stats.reopens += 1;
                Ok(now)
            }
            Err(errno) => Err(Error::os(errno, Op::Stat, &self.path)),
        }
    }

    /// Ends a fragment in the file the writer is about to leave for another. Best effort:
    /// whatever happens to the old file, the writer's next file starts clean. Counted as
    /// `write_torn_end` counts it, for the case where the writer stays on the old
    /// file after all (the new one could not be opened).
    fn end_fragment_before_leaving(&mut self) {
        if self.torn && self.write_torn_end().is_err() {
            self.set_torn(false);
        }
    }

    /// Opens (creating) the file at the log's name in the writer's directory. If the
    /// directory itself was deleted (nothing can be created in it: `ENOENT`) and the log's
    /// path is absolute, opens the directory at the path again, as [`Options::open`] does
    /// (creating it if need be), and the file in it.
    ///
    /// Unlike the first open, this one does not wait: it runs inside an append, and a
    /// FIFO found at the name with no reader fails it with `ENXIO` at once. The descriptor
    /// is then made blocking, so that lines to a FIFO with a reader wait for room as they
    /// would have (on a regular file the flag changes nothing).
    fn open_active(&mut self) -> Result<OwnedFd, Error> {
        let mode = Mode::from_raw_mode(self.options.mode);
        let flags = FILE_FLAGS | OFlags::NONBLOCK;
        let file = match openat(&self.dir, self.name.active(), flags, mode) {
            Err(Errno::NOENT) if self.path.is_absolute() => {
                self.reopen_dir()?;
                openat(&self.dir, self.name.active(), flags, mode)
            }
            result => result,
        };
        let file = file.map_err(|errno| Error::os(errno, Op::Open, &self.path))?;
        fcntl_setfl(&file, OFlags::APPEND)
            .map_err(|errno| Error::os(errno, Op::Open, &self.path))?;
        Ok(file)
    }

    /// Moves to the directory now at the log's path, the one the writer held having been
    /// deleted.
    #[cold]
    fn reopen_dir(&mut self) -> Result<(), Error> {
        let parent = parent_dir(&self.path);
        let dir = open_log_dir(parent).map_err(|(errno, op)| Error::os(errno, op, &self.path))?;
        self.dir = dir.fd;
        self.dir_sync = dir.sync;
        // Directories made now, and those made before that are still to sync (the open's,
        // when the directory went before the first sync): both are prefixes of the one
        // path, and the shorter covers the other. One deleted since is passed over.
        self.made_dirs = match (self.made_dirs, dir.made) {
            (Some(before), Some(now)) => Some(before.min(now)),
            (before, now) => before.or(now),
        };
        self.dir_changed = true;
        // The next rotation locks the lock file in this directory (one held now, by the
        // rotation that found the directory deleted, is released with it).
        Ok(())
    }

    /// Stats the descriptor and keeps which file it holds in `held` (`None` if the stat
    /// failed).
    fn learn_held(&mut self) -> Result<FileId, Error> {
        let held =
            identity::of_fd(&self.file).map_err(|errno| Error::os(errno, Op::Stat, &self.path));
        self.held = held.as_ref().ok().copied();
        held
    }

    /// Whether the file held is a regular file (taken to be one if its stat failed). One
    /// that is not (a FIFO, a device) is never rotated: its size stays 0, while the
    /// writer's own count would grow to the maximum.
    fn regular(&self) -> bool {
        self.held.is_none_or(|held| held.regular)
    }

    /// Where the regular file held ends, if it ends in a partial line ([`ends_mid_line`]),
    /// read through a second, read-only descriptor (the log descriptor is write-only).
    fn ends_mid_line(&mut self, mine: &FileId) -> Option<u64> {
        let (dir, name) = (&self.dir, &mut self.name);
        ends_mid_line(&self.file, mine, || {
            openat(dir, name.active(), READER_FLAGS, Mode::empty())
        })
    }

    #[cold]
    #[inline(never)]
    fn housekeeping_failed(&mut self, err: Error) {
        self.stats.housekeeping_errors += 1;
        self.housekeeping_error = Some(err);
    }

    /// The last rotation or reopen-check failure, if any since the last call.
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Op, Options};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let path = dir.path().join("log");
    /// let mut log = Options::new().open(&path)?;
    /// // A directory where the log was: the writer cannot reopen the path.
    /// std::fs::rename(&path, dir.path().join("moved"))?;
    /// std::fs::create_dir(&path)?;
    /// log.check_now();
    /// let err = log.take_housekeeping_error().expect("the check failed");
    /// assert_eq!((err.op(), err.path()), (Op::Open, Some(path.as_path())));
    /// assert_eq!(log.stats().housekeeping_errors, 1);
    /// assert!(log.take_housekeeping_error().is_none());
    /// // Appends still go to the file the writer holds.
    /// log.append(&Event::new(EventKind::Join).slot("a"))?;
    /// assert!(std::fs::read_to_string(dir.path().join("moved"))?.contains("join"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use = "the error is cleared by this call"]
    pub fn take_housekeeping_error(&mut self) -> Option<Error> {
        self.housekeeping_error.take()
    }

    /// What this writer has done so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The log path as given at open.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The settings the writer was opened with.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The size of the active file as the writer knows it: exact as of the last check or
    /// rotation, plus the bytes this writer appended since.
    ///
    /// ```
    /// use logwriter::{Event, EventKind, Options};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let mut log = Options::new().open(dir.path().join("log"))?;
    /// log.append(&Event::new(EventKind::Join).slot("a"))?;
    /// assert_eq!(log.known_size(), std::fs::metadata(log.path())?.len());
    /// assert_eq!(log.known_size(), log.stats().bytes_written);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn known_size(&self) -> u64 {
        self.size
    }
}

impl Drop for Writer {
    /// Under a durability policy, syncs what [`Writer::close`] would: appends not yet synced
    /// (with [`Durability::Periodic`]), else a directory changed since its last sync. A
    /// failure is ignored here ([`Writer::close`] reports it). Unlike `close`, it leaves a
    /// fragment a short write left as it is, for the next writer that opens the log.
    fn drop(&mut self) {
        if !self.closed {
            let _ = self.sync_at_close();
        }
    }
}

/// The name of the file `path` names, as its last bytes after a `/`: `None` if the path
/// has a NUL byte, ends with `/`, or ends in `.` or `..`, which name directories. (The
/// standard library's `Path::file_name` reads `log/` and `log/.` as `log`.)
pub(crate) fn file_name(path: &Path) -> Option<&[u8]> {
    let bytes = path.as_os_str().as_bytes();
    let name = match bytes.iter().rposition(|&b| b == b'/') {
        Some(slash) => &bytes[slash + 1..],
        None => bytes,
    };
    let valid = !bytes.contains(&0) && !matches!(name, b"" | b"." | b"..");
    valid.then_some(name)
}

/// The directory `path` is in: its parent, or `.` for a bare file name.
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Runs `open`; if that fails with `ENOENT`, creates `dir` and its missing ancestors and
/// runs it once more. Trying first costs one call when the directory is there, and skips
/// the stat that `create_dir_all` makes of a directory that exists (one that reads its
/// timestamps: see [`crate::ReopenCheck`]). An error comes with the operation that failed:
/// `op` for `open`, [`Op::CreateDir`] for the creation.
///
/// Also returns the length of the path of the topmost directory it made, if any (see
/// [`create_dirs`]).
fn open_creating_dir<T>(
    dir: &Path,
    op: Op,
    open: impl Fn() -> rustix::io::Result<T>,
) -> Result<(T, Option<usize>), (Errno, Op)> {
    match open() {
        Err(Errno::NOENT) => {
            let made = create_dirs(dir).map_err(|errno| (errno, Op::CreateDir))?;
            let opened = open().map_err(|errno| (errno, op))?;
            Ok((opened, made))
        }
        result => result
            .map(|opened| (opened, None))
            .map_err(|errno| (errno, op)),
    }
}

/// Whether the writer's directory can be synced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DirSync {
    /// Opened for reading.
    Readable,
    /// Opened with `O_PATH`, as a directory that may be written and searched but not
    /// listed (mode 0300, a 1733 drop box) must be: `openat(2)`, `renameat(2)`,
    /// `unlinkat(2)` and `statx(2)` accept it as a base, but `fsync(2)` does not.
    /// `reported` once a sync has returned the error of opening it for reading.
    PathOnly { reported: bool },
}

/// The log's directory, opened as the base of every later `openat`.
struct LogDir {
    fd: OwnedFd,
    /// How it was opened.
    sync: DirSync,
    /// What [`open_creating_dir`] made.
    made: Option<usize>,
}

/// The log's directory `dir`, opened (made first if missing) as the base of every later
/// `openat`: for reading, or else ([`DirSync::PathOnly`]) with `O_PATH`.
fn open_log_dir(dir: &Path) -> Result<LogDir, (Errno, Op)> {
    let ((fd, sync), made) = open_creating_dir(dir, Op::OpenDir, || {
        with_c_path(dir, |dir| {
            match rustix::fs::open(dir, DIR_FLAGS, Mode::empty()) {
                Err(Errno::ACCESS) => rustix::fs::open(dir, DIR_PATH_FLAGS, Mode::empty())
                    .map(|fd| (fd, DirSync::PathOnly { reported: false })),
                opened => opened.map(|fd| (fd, DirSync::Readable)),
            }
        })
    })?;
    Ok(LogDir { fd, sync, made })
}

/// Flags of a directory opened to be synced or used as the base of `openat`.
const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC);

/// Flags of a directory opened only as the base of `openat`, or to learn that it is one:
/// `O_PATH` needs no permission on the directory itself.
const DIR_PATH_FLAGS: OFlags = OFlags::PATH.union(OFlags::DIRECTORY).union(OFlags::CLOEXEC);

/// Creates `dir` and its missing ancestors with mode 0777 less the umask, as `mkdir -p`
/// does, and returns the length of the path of the topmost directory it made (a prefix of
/// `dir`), if it made any. A name that exists is taken as made by someone else if it opens
/// as a directory (following a symbolic link, as `create_dir_all` does); otherwise it is
/// `EEXIST`. No allocation ([`with_c_path`]): a reopen check that finds the directory
/// deleted makes it again from an append.
fn create_dirs(dir: &Path) -> Result<Option<usize>, Errno> {
    let exists_as_dir = |at: &Path| {
        with_c_path(at, |at| rustix::fs::open(at, DIR_PATH_FLAGS, Mode::empty()))
            .map(drop)
            .map_err(|_| Errno::EXIST)
    };
    let mkdir = |at: &Path| with_c_path(at, |at| rustix::fs::mkdir(at, Mode::from_raw_mode(0o777)));
    // Up: the deepest ancestor that is there or can be made. `Path::parent` gives a
    // prefix of `dir`'s bytes.
    let mut top = dir;
    let made_top = loop {
        match mkdir(top) {
            Ok(()) => break true,
            Err(Errno::EXIST) => {
                exists_as_dir(top)?;
                break false;
            }
            Err(Errno::NOENT) => match top.parent().filter(|up| !up.as_os_str().is_empty()) {
                Some(up) => top = up,
                None => return Err(Errno::NOENT),
            },
            Err(errno) => return Err(errno),
        }
    };
    // Down: each longer prefix that ends before a `/`, then `dir` itself.
    let bytes = dir.as_os_str().as_bytes();
    let mut made = made_top.then_some(top.as_os_str().len());
    let mut at = top.as_os_str().len();
    while at < bytes.len() {
        let end = bytes[at + 1..]
            .iter()
            .position(|&b| b == b'/')
            .map_or(bytes.len(), |next| at + 1 + next);
        let next = Path::new(OsStr::from_bytes(&bytes[..end]));
        match mkdir(next) {
            Ok(()) => {
                made.get_or_insert(end);
            }
            Err(Errno::EXIST) => exists_as_dir(next)?,
            Err(errno) => return Err(errno),
        }
        at = end;
    }
    Ok(made)
}

/// Syncs each directory that gained an entry when the directories of `dir` from its
/// prefix of `made` bytes down were made: the parent of the topmost, and each made one
/// but `dir` itself, whose sync is the writer's own. Opened by path, a relative one from
/// `base` (the working directory at the open): one that is no longer there is passed
/// over; one that cannot be opened for reading (a directory one may write to but not
/// list: `EACCES`) or whose `fsync(2)` fails is not synced, and the first such error is
/// returned once the others are synced.
fn sync_made_dirs(base: BorrowedFd<'_>, dir: &Path, made: usize) -> Result<(), Errno> {
    let bytes = dir.as_os_str().as_bytes();
    let Some(topmost) = bytes.get(..made) else {
        return Ok(());
    };
    let above = (made..bytes.len())
        .filter(|&at| bytes[at] == b'/')
        .map(|at| Path::new(OsStr::from_bytes(&bytes[..at])));
    let holder = parent_dir(Path::new(OsStr::from_bytes(topmost)));
    let mut synced = Ok(());
    for holder in std::iter::once(holder).chain(above) {
        match with_c_path(holder, |holder| {
            openat(base, holder, DIR_FLAGS, Mode::empty())
        }) {
            Ok(fd) => {
                if let Err(errno) = retry_intr(|| fsync(&fd)) {
                    synced = synced.and(Err(errno));
                }
            }
            Err(Errno::NOENT) => {}
            Err(errno) => synced = synced.and(Err(errno)),
        }
    }
    synced
}

/// The longest path the kernel takes, its NUL included (`PATH_MAX`).
const PATH_MAX: usize = 4096;

/// Runs `call` with `path` as a C string copied on the stack. rustix does the same for
/// paths under 256 bytes and allocates for longer ones; this copies any path the kernel
/// would take, so that what an append may do on its cold paths (make the log's directory
/// again, sync the directories it made) allocates nothing. A longer path is
/// `ENAMETOOLONG`, as the kernel would say; one with a NUL byte is `EINVAL`.
fn with_c_path<T>(
    path: &Path,
    call: impl FnOnce(&CStr) -> rustix::io::Result<T>,
) -> rustix::io::Result<T> {
    let bytes = path.as_os_str().as_bytes();
    let mut buf = [0u8; PATH_MAX];
    let Some(copy) = buf.get_mut(..bytes.len()) else {
        return Err(Errno::NAMETOOLONG);
    };
    copy.copy_from_slice(bytes);
    match CStr::from_bytes_with_nul(buf.get(..=bytes.len()).ok_or(Errno::NAMETOOLONG)?) {
        Ok(c_path) => call(c_path),
        Err(_) => Err(Errno::INVAL),
    }
}

/// Runs `call` again for as long as it fails with `EINTR`, which a signal made it return
/// before it did anything: a lock wait, a sync, an open that may wait (of a FIFO with no
/// reader; `std::fs::File::open` retries it too).
fn retry_intr<T>(mut call: impl FnMut() -> rustix::io::Result<T>) -> rustix::io::Result<T> {
    loop {
        match call() {
            Err(Errno::INTR) => {}
            other => return other,
        }
    }
}

/// The interval clock: the realtime clock in nanoseconds since the epoch, saturating in
/// the year 2554.
///
/// It is the clock the lines are stamped with, so that an append that stamps its line
/// reads the clock once (see "Performance" in the crate docs). Being the realtime clock,
/// it can be stepped; a [`Period`] treats a step forward, or back by more than
/// [`CLOCK_SLACK_NS`](crate::period::CLOCK_SLACK_NS), as time gone by.
fn clock_ns(ts: Timestamp) -> u64 {
    ts.unix_secs()
        .saturating_mul(1_000_000_000)
        .saturating_add(u64::from(ts.subsec_nanos()))
}

/// The interval clock read as `CLOCK_REALTIME_COARSE` (vDSO, no system call, one tick
/// of resolution), for appends whose event brings its own timestamp.
fn coarse_clock_ns() -> u64 {
    clock_ns(Timestamp::now_coarse())
}

/// Lock files a rotation tries before it gives up (see `Writer::lock_exclusive`).
const LOCK_ATTEMPTS: u32 = 8;

/// Flags of the lock file, opened (made if missing) to be locked. Not for writing, which
/// it never is; without waiting, should a FIFO be found at its name.
const LOCK_FLAGS: OFlags = BY_NAME
    .union(OFlags::RDONLY)
    .union(OFlags::CREATE)
    .union(OFlags::NONBLOCK);

/// The mode of a new lock file for logs of mode `mode`: the same, plus read permission for
/// each class that has write permission. The lock file is opened for reading, so a log mode
/// without read bits (0o200) would leave it to be opened only by the process that made it;
/// those who may write the log may lock its rotations anyway, and no one else gains a way
/// to hold them up.
const fn lock_mode(mode: u32) -> u32 {
    mode | ((mode & 0o222) << 1)
}

/// Locks `lock` exclusively (waiting for other holders), then tells whether it is still the
/// file named `name` in `dir`.
///
/// A lock it does not keep is released at once, not left to the close: a child forked
/// meanwhile would hold it open.
fn lock_named(lock: &OwnedFd, dir: &OwnedFd, name: &CStr) -> Result<bool, Errno> {
    retry_intr(|| flock(lock, FlockOperation::LockExclusive))?;
    let named = identity::of_fd(lock).and_then(|held| match identity::at(dir, name) {
        Ok(named) => Ok(named.same_file(&held)),
        Err(Errno::NOENT) => Ok(false),
        Err(errno) => Err(errno),
    });
    if named != Ok(true) {
        let _ = retry_intr(|| flock(lock, FlockOperation::Unlock));
    }
    named
}

/// The path of a slot's log: `<slot_dir>/log`. Slot logs never rotate; the slot name is
/// not part of the path (each slot has its own directory). The `slot` parameter is unused:
/// it keeps the signature of the Go package's `SlotLogPath(slotDir, slot)`, so that ported
/// call sites read the same.
///
/// ```
/// use std::path::Path;
/// assert_eq!(logwriter::slot_log_path("/ws/.bones/swarm/a", "a"), Path::new("/ws/.bones/swarm/a/log"));
/// ```
pub fn slot_log_path(slot_dir: impl AsRef<Path>, _slot: &str) -> PathBuf {
    slot_dir.as_ref().join("log")
}

/// Flags of the read-only descriptor that looks at a log's last byte.
const READER_FLAGS: OFlags = BY_NAME
    .union(OFlags::RDONLY)
    // A FIFO swapped in at the name since the log was opened: do not wait for a writer.
    .union(OFlags::NONBLOCK);

/// Where `file`, a regular file with identity `mine` opened for appending, ends, if it ends
/// in a partial line (`None` if it does not), left by a writer killed in the middle of a `write(2)` or by a short
/// write: reads its last byte through the descriptor `open_reader` returns, which must be
/// the same file.
///
/// A line that another writer is appending at this moment looks unfinished too, for as
/// long as its `write(2)` lasts (which can be long if that writer is preempted). Appends
/// hold the inode lock while they copy, and the look waits for that lock: on ext2/3/4,
/// btrfs and tmpfs a zero-length `write(2)` takes it before it looks at the length; on xfs
/// the zero-length write returns at once, but the `pread(2)` of the last byte before it
/// takes xfs's I/O lock, which an append holds while it copies. So once both have
/// returned, any append that was under way has finished and moved the end. An unfinished
/// end that is still the end after that is a fragment no writer is completing. Other
/// filesystems may wait for neither (overlayfs, a container's usual root, does not), so
/// on them the end must also stay exactly where it is for [`UNFINISHED_WAIT`], watched
/// every millisecond ([`stays_unfinished`]): an end that moves is being written.
/// Any failure counts as "not torn": this check is a courtesy, never a reason to refuse.
fn ends_mid_line(
    file: &OwnedFd,
    mine: &FileId,
    open_reader: impl FnOnce() -> rustix::io::Result<OwnedFd>,
) -> Option<u64> {
    if !mine.regular || mine.size == 0 {
        return None;
    }
    let reader = open_reader().ok()?;
    match identity::of_fd(&reader) {
        Ok(there) if there.same_file(mine) => {}
        _ => return None,
    }
    let mut size = mine.size;
    for _ in 0..3 {
        let mut last = [0u8; 1];
        match pread(&reader, &mut last, size - 1) {
            Ok(1) if last[0] != b'\n' => {}
            _ => return None,
        }
        rustix::io::write(file, &[]).ok()?;
        match identity::of_fd(file) {
            Ok(now) if now.size == size => {
                let torn = look_waits_for_appends(file) || stays_unfinished(file, size);
                return torn.then_some(size);
            }
            Ok(now) if now.size > size => size = now.size,
            _ => return None,
        }
    }
    None
}

/// How long an unfinished end must stay the end, on a filesystem where a zero-length
/// `write(2)` does not wait for appends under way, before it is taken for a fragment: as
/// long as `logwriter verify` waits for the rest of a last line.
const UNFINISHED_WAIT: Duration = Duration::from_millis(200);

/// Whether the look at the end of `file` (a `pread(2)` of its last byte, then a zero-length
/// `write(2)`) waits for an append being copied in: on ext2/3/4, btrfs and tmpfs the write
/// takes the inode lock before it looks at the length, and on xfs the read takes the I/O
/// lock the append holds (`fstatfs(2)`'s type). Other filesystems may do neither.
fn look_waits_for_appends(file: &OwnedFd) -> bool {
    const EXT: u64 = 0xef53;
    const XFS: u64 = 0x5846_5342;
    const BTRFS: u64 = 0x9123_683e;
    const TMPFS: u64 = 0x0102_1994;
    // `f_type`'s width differs between targets; every magic above is positive.
    #[allow(clippy::useless_conversion)]
    rustix::fs::fstatfs(file).is_ok_and(|fs| {
        u64::try_from(fs.f_type).is_ok_and(|kind| matches!(kind, EXT | XFS | BTRFS | TMPFS))
    })
}

/// Whether the end of `file`, at `size` and unfinished, stays exactly there for
/// [`UNFINISHED_WAIT`] (a `statx(2)` every millisecond): `false` as soon as the size
/// changes, since a fragment no writer is completing never moves, or a look fails.
#[cold]
fn stays_unfinished(file: &OwnedFd, size: u64) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < UNFINISHED_WAIT {
        std::thread::sleep(Duration::from_millis(1));
        match identity::of_fd(file) {
            Ok(now) if now.size == size => {}
            _ => return false,
        }
    }
    true
}

/// Whether `path` names a symbolic link itself (its last component is not followed).
#[cold]
fn is_symlink(path: &Path) -> bool {
    rustix::fs::statat(rustix::fs::CWD, path, rustix::fs::AtFlags::SYMLINK_NOFOLLOW).is_ok_and(
        |stat| rustix::fs::FileType::from_raw_mode(stat.st_mode) == rustix::fs::FileType::Symlink,
    )
}

/// Writes `bytes` with one `write(2)`, retried on `EINTR` (nothing written).
fn write_once(file: &OwnedFd, bytes: &[u8]) -> Result<(), ErrorKind> {
    loop {
        match rustix::io::write(file, bytes) {
            Err(Errno::INTR) => {}
            result => return write_outcome(result, bytes.len()),
        }
    }
}

/// What a `write(2)` of `len` bytes that returned `result` (not `EINTR`) did: all of them,
/// part of them, or nothing.
fn write_outcome(result: rustix::io::Result<usize>, len: usize) -> Result<(), ErrorKind> {
    match result {
        Ok(written) if written == len => Ok(()),
        Ok(written) => Err(ErrorKind::ShortWrite { written, len }),
        Err(errno) => Err(ErrorKind::Os(errno)),
    }
}

/// Appends one event to `path` without rotation and without keeping anything open, for
/// call sites that carry no state. Since it never rotates, it accepts a file name too long
/// for a [`Writer`]'s numbered backups.
///
/// The line is encoded first, so an oversize event creates and writes nothing. Then:
/// the parent directory is created if absent (`mkdir(2)` as needed), the file is opened with
/// `O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW` (mode 0644 less the umask), the
/// line is written with one `write(2)`, and the file is closed. A FIFO at the path makes
/// the open wait for a reader, as [`Writer::open`]'s does.
///
/// Like a [`Writer`] when it opens, it first looks at the end of a regular file that is not
/// empty: if the last byte is not `\n`, a partial line was left there (see [`Writer`],
/// "Crashes"), and a `\n` is written before the line so that the line stands on its own.
/// That look is a `statx(2)` of the file and, for a file that is not empty, an `open(2)`,
/// `statx(2)`, `pread(2)` and `close(2)` of a read-only descriptor: five system calls
/// beside the open, the write and the close (a few more when the end is unfinished: a
/// zero-length `write(2)`, a `statx(2)` and an `fstatfs(2)` to tell a fragment from a line
/// another writer is still copying in, 200 ms of watching on filesystems where the write
/// does not wait for it, then the `\n`), which is why a loop that appends many events
/// should hold a [`Writer`]. A look that fails is taken as "not torn": it never refuses
/// the line.
///
/// ```
/// use logwriter::{append_once, Event, EventKind};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("a/log");
/// append_once(&path, &Event::new(EventKind::Join).slot("a"))?;
/// assert!(std::fs::read_to_string(&path)?.contains("\"event\":\"join\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// As [`Writer::append`] for the line and the `write(2)`. Opening is reported with
/// [`Op::CreateDir`] when a missing directory could not be made; with [`Op::OpenDir`] for
/// `ELOOP` from the directories of the path (a loop of symbolic links, or too many, among
/// them), as a [`Writer`] reports it; and with [`Op::Open`] otherwise, where `ELOOP` means
/// a symbolic link at the name itself, which is refused;
/// [`ErrorKind::InvalidPath`] with [`Op::Open`] for a path with no file name (one that ends
/// with `/`, `.` or `..`) or with a NUL byte. Unlike [`Writer::open`], it takes a file name
/// as long as the filesystem allows (255 bytes on most; longer fails with `ENAMETOOLONG`),
/// since it makes no backups.
pub fn append_once(path: impl AsRef<Path>, event: &Event<'_>) -> Result<(), Error> {
    let path = path.as_ref();
    let mut line = Line::new();
    let bytes = match line.encode(event) {
        Ok(bytes) => bytes,
        Err(err) => return Err(err.with_path(Op::Append, &Arc::from(path))),
    };
    let os = |errno, op| Error::os(errno, op, &Arc::from(path));
    // Also refuses a NUL byte, so `with_c_path` below can fail only with `ENAMETOOLONG`.
    if file_name(path).is_none() {
        return Err(Error::new(
            ErrorKind::InvalidPath,
            Op::Open,
            Some(&Arc::from(path)),
        ));
    }
    // Nothing to sync: `append_once` makes no durability promise.
    let (file, _created) = open_creating_dir(parent_dir(path), Op::Open, || {
        with_c_path(path, |path| {
            retry_intr(|| rustix::fs::open(path, FILE_FLAGS, Mode::from_raw_mode(0o644)))
        })
    })
    .map_err(|(errno, op)| match (errno, op) {
        // The open is of the whole path, so `ELOOP` comes from a symbolic link at the name
        // (`O_NOFOLLOW`), or from too many links among the directories: an error of the
        // directory, as a `Writer` reports it, not of the name.
        (Errno::LOOP, Op::Open) if !is_symlink(path) => os(errno, Op::OpenDir),
        _ => os(errno, op),
    })?;
    let write = |bytes| {
        write_once(&file, bytes).map_err(|kind| Error::new(kind, Op::Write, Some(&Arc::from(path))))
    };
    // A partial line left at the end (see `Writer`, "Crashes") is ended first, so that this
    // line does not join it; the `\n` is a write of its own, since the line may fill the
    // whole 4096 bytes.
    // A courtesy, as for a `Writer`: a failed look never refuses the line.
    let torn = identity::of_fd(&file).is_ok_and(|mine| {
        ends_mid_line(&file, &mine, || {
            with_c_path(path, |path| {
                rustix::fs::open(path, READER_FLAGS, Mode::empty())
            })
        })
        .is_some()
    });
    if torn {
        write(b"\n")?;
    }
    write(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On a filesystem where the look does not wait for appends, an unfinished end is a
    /// fragment only if it stays exactly where it was: one that moved is being written,
    /// even if it still does not end in `\n` (a line of many pages being copied in).
    ///
    /// That the move is seen at the first look holds only within [`UNFINISHED_WAIT`]: a
    /// round the machine stalled past it may end before any look, and proves nothing either
    /// way, so it is made again (as `tests/timing`'s `until_timed` does), up to 20 times.
    #[test]
    #[cfg_attr(miri, ignore = "opens real files, with flags Miri does not model")]
    fn an_unfinished_end_that_moves_is_not_a_fragment() {
        use std::io::Write as _;
        const ROUNDS: usize = 20;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let mut file = std::fs::File::create(&path).unwrap();
        file.write_all(b"{\"ts\":").unwrap();
        let fd = OwnedFd::from(file.try_clone().unwrap());
        assert!(stays_unfinished(&fd, 6), "an end that stays is a fragment");
        for _ in 0..ROUNDS {
            let seen = file.metadata().unwrap().len();
            // More of the line has come since the end was seen, still without its `\n`.
            file.write_all(b"\"2026").unwrap();
            let start = std::time::Instant::now();
            let stays = stays_unfinished(&fd, seen);
            if start.elapsed() < UNFINISHED_WAIT {
                assert!(!stays, "the end moved, and that is seen at the first look");
                return;
            }
        }
        panic!(
            "no round saw the move within {UNFINISHED_WAIT:?} in {ROUNDS} rounds: the move \
             is not seen at the first look, or the machine stalled in every round"
        );
    }

    #[test]
    fn c_paths_up_to_the_kernels_limit() {
        let len = |path: &[u8]| {
            with_c_path(Path::new(OsStr::from_bytes(path)), |c| {
                Ok(c.to_bytes().len())
            })
        };
        let long = [b'a'; PATH_MAX];
        assert_eq!(len(b""), Ok(0));
        assert_eq!(len(&long[..255]), Ok(255));
        assert_eq!(len(&long[..PATH_MAX - 1]), Ok(PATH_MAX - 1));
        assert_eq!(len(&long), Err(Errno::NAMETOOLONG));
        assert_eq!(len(b"a\0b"), Err(Errno::INVAL));
        // What the call returns comes back as it is.
        let failed = with_c_path(Path::new("/x"), |_| Err::<(), _>(Errno::IO));
        assert_eq!(failed, Err(Errno::IO));
    }

    #[test]
    #[cfg_attr(miri, ignore = "opens real files, with flags Miri does not model")]
    fn the_newline_that_ends_a_fragment_counts_toward_the_next_check() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log");
        // No check comes between the two appends, however long the test is descheduled.
        let check = crate::ReopenCheck {
            appends: 1024,
            interval: Duration::MAX,
        };
        let mut log = Options::new()
            .reopen_check(Some(check))
            .open(&path)
            .expect("open");
        // Stamped in advance, so that both lines have the same length.
        let ts = Timestamp::from_unix(1_777_636_800, 0).expect("in range");
        let event = Event::new(crate::EventKind::Join).slot("a").at(ts);
        log.append(&event).expect("append");
        let line = log.known_size();
        // As a short write leaves it: a fragment the next append must end with `\n`.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"ts\""))
            .expect("fragment");
        log.set_torn(true);
        log.append(&event).expect("append after the fragment");
        assert!(!log.torn);
        assert_eq!(
            log.known_size() - (log.check_at_size - log.check_bytes),
            2 * line + 1
        );
        assert_eq!(log.stats().bytes_written, 2 * line + 1);
        let fragment = 5;
        let len = std::fs::metadata(&path).expect("stat").len();
        assert_eq!(len, 2 * line + 1 + fragment);
    }

    /// A rotation ends a fragment in the file it leaves; if the new file then cannot be
    /// opened, the writer stays on the old one, and its size counts the `\n`.
    #[test]
    #[cfg_attr(miri, ignore = "opens real files, with flags Miri does not model")]
    fn a_fragment_ended_on_leaving_counts_in_the_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("log");
        let mut log = Options::new().open(&path).expect("open");
        log.append(&Event::new(crate::EventKind::Join).slot("a"))
            .expect("append");
        // As a short write leaves it, and counts it.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"ts\""))
            .expect("fragment");
        log.size += 5;
        log.set_torn(true);
        let (written, check_at) = (log.stats().bytes_written, log.check_at_size);
        log.end_fragment_before_leaving();
        assert!(!log.torn);
        assert_eq!(
            log.known_size(),
            std::fs::metadata(&path).expect("stat").len()
        );
        assert_eq!(log.stats().bytes_written, written + 1);
        // Counted toward the next check through the size, which the check point stays behind.
        assert_eq!(log.check_at_size, check_at);
    }

    #[test]
    fn clock_ns_saturates_past_2554() {
        let ts = Timestamp::from_unix(1_777_636_800, 5).expect("in range");
        assert_eq!(clock_ns(ts), 1_777_636_800_000_000_005);
        assert_eq!(clock_ns(Timestamp::MAX), u64::MAX);
    }
}
