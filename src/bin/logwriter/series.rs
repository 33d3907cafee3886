//! The numbered backups of a log, `PATH.1`, `PATH.2`, …, as `show --all` and `verify --all`
//! read them.

use std::fs::File;
use std::io::{self, Write as _};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use logwriter::backup_path;
use rustix::fs::{Dir, Mode, OFlags};
use rustix::io::Errno;

use crate::Failure;

/// How long a reader of one missing log waits for a rotation in progress to end.
pub const MISSING_LOG_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The series to read: the backups of `path` if `all` ([`open_backups`]), and the log
/// itself, which may be missing if `log_may_be_missing` or backups were found. Call it
/// holding a [`SeriesLock`](crate::follow::SeriesLock) when `all` (see [`open_backups`])
/// or `log_may_be_missing` (following): the log is then opened with [`open_log_now`],
/// which does not wait for a FIFO's writer.
///
/// Otherwise the log alone is opened without the lock, as `open(2)` opens it: no snapshot is needed, and a
/// writer stopped while it holds the lock does not hold the reader back. Only if the log
/// is missing (and may not be) is it opened again under the lock, which comes once no
/// rotation of this crate runs: one found between its rename of the log and its creation
/// of the new one has made the new one by then. That lock is waited for at most
/// [`MISSING_LOG_WAIT`] (a rotation holds it for milliseconds); then the log is opened
/// again all the same, and reported missing if it still is.
pub fn open_series(
    path: &Path,
    all: Option<Unlisted>,
    log_may_be_missing: bool,
) -> Result<(Backups, Option<File>), Failure> {
    let backups = match all {
        Some(unlisted) => open_backups(path, unlisted)?,
        None => Vec::new(),
    };
    let all = all.is_some();
    // Under the lock (`all`, or following), a FIFO at the path is not waited for.
    let under_lock = all || log_may_be_missing;
    let first = if under_lock {
        open_log_now(path)
    } else {
        File::open(path)
    };
    let opened = match first {
        Err(err) if err.kind() == io::ErrorKind::NotFound && !under_lock => {
            let _lock = crate::follow::SeriesLock::shared_within(path, MISSING_LOG_WAIT);
            open_log_now(path)
        }
        opened => opened,
    };
    // `--all` refuses a directory at the log's name now, before any row is shown, as a
    // follower refuses one it is given at the start (it waits out one that comes later).
    let opened = if all {
        opened.and_then(refuse_directory)
    } else {
        opened
    };
    let log = match opened {
        Ok(file) => Some(file),
        Err(err)
            if err.kind() == io::ErrorKind::NotFound
                && (log_may_be_missing || !backups.is_empty()) =>
        {
            None
        }
        Err(err) => return Err(Failure::io(&format!("open {}", path.display()), &err)),
    };
    Ok((backups, log))
}

/// What [`open_backups`] does in a directory that may be searched but not listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unlisted {
    /// Fails: a check of the series cannot vouch for files it may not have found.
    Fail,
    /// Looks for the backups by number, and warns that any past a gap are left out.
    ByNumber,
}

/// Backups opened, oldest first, with their paths.
pub type Backups = Vec<(PathBuf, File)>;

/// The backups of `path` ([`backups`]), opened oldest first. Call it holding a
/// [`SeriesLock`](crate::follow::SeriesLock), so that the files form one snapshot of the
/// series that this crate's writers do not rotate under: then open the log itself, and
/// read them all after the lock is dropped. A backup deleted between the listing and its
/// open (by another program) is left out.
///
/// In a directory that may be searched but not listed (mode 0300 or 0711, say), what
/// `unlisted` says: fail, or look for the backups by number ([`numbered_backups`]), with a
/// warning.
pub fn open_backups(path: &Path, unlisted: Unlisted) -> Result<Backups, Failure> {
    let listing_failed =
        |err: &io::Error| Failure::io(&format!("list backups of {}", path.display()), err);
    let names = match backups(path) {
        Err(err)
            if err.kind() == io::ErrorKind::PermissionDenied && unlisted == Unlisted::ByNumber =>
        {
            let names = numbered_backups(path).map_err(|_| listing_failed(&err))?;
            // A stderr that cannot be written loses the warning, not the rows.
            let _ = writeln!(
                io::stderr(),
                "logwriter: warning: list backups of {}: {err}; they were looked for by number \
                 instead, up to two missing numbers in a row: any past such a gap are not read",
                path.display()
            );
            names
        }
        listed => listed.map_err(|err| listing_failed(&err))?,
    };
    raise_open_file_limit(names.len());
    let mut opened = Vec::with_capacity(names.len());
    for name in names {
        match open_backup(&name).and_then(refuse_directory) {
            Ok(file) => opened.push((name, file)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(Failure::io(&format!("open {}", name.display()), &err)),
        }
    }
    Ok(opened)
}

/// Opens `name`, the log `path` itself or one of its backups, for reading, under the
/// series lock: the log as it is (it may be a pipe to follow) with [`open_log_now`], a
/// backup with [`open_backup`].
pub fn open_in_series(path: &Path, name: &Path) -> io::Result<File> {
    if name == path {
        open_log_now(name)
    } else {
        open_backup(name)
    }
}

/// Opens the log at `path` for reading without waiting, as a reader holding the series
/// lock must: a FIFO there with no writer would hold the open, and the lock with it, and
/// every rotation that waits for the lock, until some program opened it for writing. The
/// descriptor is then made blocking again, so that reads of a pipe wait for data (and
/// find its end at once while no writer has it open); a follower makes it non-blocking
/// once more ([`crate::follow::Tail::to_follow`]), and waits with `poll(2)`.
pub fn open_log_now(path: &Path) -> io::Result<File> {
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let file = rustix::fs::open(path, flags, Mode::empty())?;
    rustix::fs::fcntl_setfl(&file, OFlags::empty())?;
    Ok(File::from(file))
}

/// Opens the backup `name` for reading, without waiting: a FIFO at a backup's name (no log
/// is rotated into one) would hold the reader, and the series lock with it, until someone
/// opened it for writing. A FIFO, socket or device is refused; a directory is let through
/// (a follower waits one out), and a snapshot refuses it with [`refuse_directory`].
pub fn open_backup(name: &Path) -> io::Result<File> {
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
    let file = File::from(rustix::fs::open(name, flags, Mode::empty())?);
    // Through `stat`, which asks for no timestamp that changes: writers may still append to
    // a backup.
    let info = crate::stat::of_file(&file)?;
    if !(info.regular || info.directory) {
        return Err(io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// `file`, unless it is a directory (`EISDIR`): a snapshot of the series refuses one when
/// it opens the files, before it shows any row, rather than when it comes to read it.
fn refuse_directory(file: File) -> io::Result<File> {
    if crate::stat::of_file(&file)?.directory {
        return Err(rustix::io::Errno::ISDIR.into());
    }
    Ok(file)
}

/// Raises the soft limit on open files to the hard one when `backups` of them, the log
/// and the lock would not fit under it: the series is opened as one snapshot, and a
/// writer may keep more backups than the usual soft limit of 1024. Failing to raise it
/// leaves the open to report `EMFILE`.
pub fn raise_open_file_limit(backups: usize) {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let wanted = u64::try_from(backups)
        .unwrap_or(u64::MAX)
        .saturating_add(64);
    if limit.current.is_some_and(|current| current < wanted) {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        let _ = setrlimit(Resource::Nofile, raised);
    }
}

/// The backups of `path`, oldest (highest number) first: every entry of its directory named
/// `<file name>.<n>` for a [backup number](backup_number) `n`. Reads the directory
/// (`getdents64(2)`); no stat.
///
/// The whole directory is listed rather than `PATH.1`, `PATH.2`, … tried in turn until one
/// is missing: a crash during a rotation can leave a hole in the numbers (README,
/// "Crashes"), and the files past it are backups too. A missing directory has none.
pub fn backups(path: &Path) -> io::Result<Vec<PathBuf>> {
    let Some(log_name) = path.file_name() else {
        return Ok(Vec::new());
    };
    let dir = dir_of(path);
    // Through rustix rather than `std::fs::read_dir`, whose `fdopendir` stats the directory
    // for everything, timestamps included (see `crate::stat`).
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let entries = match rustix::fs::open(dir, flags, Mode::empty()).and_then(Dir::new) {
        Ok(entries) => entries,
        Err(Errno::NOENT) => return Ok(Vec::new()),
        Err(errno) => return Err(errno.into()),
    };
    let mut numbers = Vec::new();
    for entry in entries {
        let entry = entry?;
        let number = entry
            .file_name()
            .to_bytes()
            .strip_prefix(log_name.as_bytes())
            .and_then(|rest| rest.strip_prefix(b"."))
            .and_then(backup_number);
        numbers.extend(number);
    }
    numbers.sort_unstable_by(|a, b| b.cmp(a));
    Ok(numbers.into_iter().map(|n| backup_path(path, n)).collect())
}

/// The file a symbolic link at `path` names, through a chain of links (at most 40, as the
/// kernel follows), so that the backups and the rotation lock of a log reached by a link
/// (`current` → `app/log`) are looked for beside the log itself, where its writers make
/// them. Resolved once, at start: a follower does not see the link pointed elsewhere
/// later. `path` itself if it is no link. A link to nothing yet (a log not made yet) gives
/// the path the log will have; a link the kernel resolves to something that is no path
/// (`/dev/stdin` → `/proc/self/fd/0` → `pipe:[…]`) stops at the last name that opens it.
pub fn through_links(path: &Path) -> PathBuf {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        let Ok(target) = std::fs::read_link(&path) else {
            break;
        };
        let next = match path.parent() {
            Some(dir) if target.is_relative() => dir.join(&target),
            _ => target,
        };
        if std::fs::symlink_metadata(&next).is_err() && std::fs::metadata(&path).is_ok() {
            break;
        }
        path = next;
    }
    path
}

/// The backups of `path` found by name, oldest first, as a follower walks the series
/// ([`walk_series`]): `PATH.1`, `PATH.2`, … looked at in turn (a `statx(2)` each, asking
/// for no timestamps) until two numbers in a row are missing, or up to [`MAX_SCAN`]. A
/// look that fails for another reason than a missing file (a directory that may not be
/// searched) is returned.
pub fn numbered_backups(path: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    walk_series(path, |name| {
        if name == path {
            return Ok(Step::<()>::Next);
        }
        match crate::stat::of_path(name) {
            Ok(_) => {
                found.push(name.to_path_buf());
                Ok(Step::Next)
            }
            Err(err)
                if err.kind() == io::ErrorKind::NotFound
                    || err.raw_os_error() == Some(Errno::NAMETOOLONG.raw_os_error()) =>
            {
                Ok(Step::Missing)
            }
            Err(err) => Err(err),
        }
    })?;
    found.reverse();
    Ok(found)
}

/// The most numbered backups searched for: by a follower for the file it follows, and by
/// [`numbered_backups`].
pub const MAX_SCAN: u32 = 10_000;

/// What a look at one name of the series found.
pub enum Step<T> {
    /// Nothing at that name.
    Missing,
    /// A file, not the one searched for.
    Next,
    /// The end of the search, with its result.
    Done(T),
}

/// Calls `look` with `PATH`, `PATH.1`, `PATH.2`, … up to [`MAX_SCAN`], until it is done.
/// A rotation in progress leaves one missing number that moves down the series, so the
/// walk steps over a single missing number and stops at two in a row.
pub fn walk_series<T>(
    path: &Path,
    mut look: impl FnMut(&Path) -> io::Result<Step<T>>,
) -> io::Result<Option<T>> {
    let mut missing_in_a_row = 0;
    for n in 0..=MAX_SCAN {
        let name = if n == 0 {
            path.to_path_buf()
        } else {
            logwriter::backup_path(path, n)
        };
        match look(&name)? {
            Step::Missing => {
                missing_in_a_row += u32::from(n > 0);
                if missing_in_a_row == 2 {
                    break;
                }
            }
            Step::Next => missing_in_a_row = 0,
            Step::Done(found) => return Ok(Some(found)),
        }
    }
    Ok(None)
}

/// The directory the series of `path` lives in: its parent, or `.` for a bare name.
pub fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// The number of a backup suffix: a positive decimal integer that fits in a `u32`, with no
/// sign and no leading zero (the names this crate and logrotate give), so `log.01` or
/// `log.+1` are not taken for `log.1`.
fn backup_number(digits: &[u8]) -> Option<u32> {
    match digits {
        [b'1'..=b'9', rest @ ..] if rest.iter().all(u8::is_ascii_digit) => {
            std::str::from_utf8(digits).ok()?.parse().ok()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// Links are followed to the log they name: through chains and relative targets, to a
    /// log not made yet, and not through a link to something that is no path; a loop ends.
    #[test]
    fn through_links_table() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        std::fs::create_dir(at("b")).unwrap();
        std::fs::write(at("b/log"), "").unwrap();
        symlink("../b/log", at("b/rel")).unwrap();
        symlink(at("b/rel"), at("chain")).unwrap();
        symlink("b/later", at("dangling")).unwrap();
        symlink("loop2", at("loop1")).unwrap();
        symlink("loop1", at("loop2")).unwrap();
        symlink("pipe:[12345]", at("magic")).unwrap();
        assert_eq!(through_links(&at("b/log")), at("b/log"));
        assert_eq!(through_links(&at("b/rel")), at("b/../b/log"));
        assert_eq!(through_links(&at("chain")), at("b/../b/log"));
        assert_eq!(through_links(&at("dangling")), at("b/later"));
        let looped = through_links(&at("loop1"));
        assert!(looped == at("loop1") || looped == at("loop2"), "{looped:?}");
        // A dangling link resolves to its target, as for a log not made yet.
        assert_eq!(through_links(&at("magic")), at("pipe:[12345]"));
        // On a socket (or a pipe), `/proc/self/fd/N` names no file: the link is kept.
        let (socket, _other) = std::os::unix::net::UnixStream::pair().unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&socket);
        let proc_fd = PathBuf::from(format!("/proc/self/fd/{fd}"));
        assert_eq!(through_links(&proc_fd), proc_fd);
    }

    #[test]
    fn backup_numbers_table() {
        let rows: &[(&str, Option<u32>)] = &[
            ("1", Some(1)),
            ("2", Some(2)),
            ("10", Some(10)),
            ("4294967295", Some(u32::MAX)),
            ("4294967296", None),
            ("0", None),
            ("01", None),
            ("+1", None),
            ("-1", None),
            ("", None),
            ("1a", None),
            ("1.gz", None),
            (" 1", None),
            ("1 ", None),
            ("\u{661}", None),
        ];
        for &(suffix, expected) in rows {
            assert_eq!(backup_number(suffix.as_bytes()), expected, "{suffix:?}");
        }
    }

    #[test]
    fn lists_every_backup_oldest_first() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "log", "log.1", "log.3", "log.12", "log.0", "log.02", "log.x", "log.2.gz", "logx.4",
            "other.5", "log.lock",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let log = dir.path().join("log");
        let expected: Vec<PathBuf> = [12, 3, 1].iter().map(|&n| backup_path(&log, n)).collect();
        assert_eq!(backups(&log).unwrap(), expected);
        assert_eq!(
            backups(&dir.path().join("nothing")).unwrap(),
            Vec::<PathBuf>::new()
        );
        assert_eq!(
            backups(&dir.path().join("gone/log")).unwrap(),
            Vec::<PathBuf>::new()
        );
    }
}
