//! `show -f`: follows a log across rotations (rename and create, by this crate, by another
//! process or by logrotate) and truncation, by polling.
//!
//! Each round reads every tracked file to its end, then compares the device and inode
//! at the path with those of the file being read. When they differ, the old file is read to
//! its end once more, the files that rotated in between are found by inode among `PATH.1`,
//! `PATH.2`, … and read whole, oldest first, and the newest becomes the file followed. If
//! the file followed is no longer in the series (more rotations than there are backups
//! between two polls, or a deletion), or there was no log when following began, the new
//! files are those of the series that were not there at the start and have not been read
//! since; when the file followed left, a warning on stderr says that rows may be missing. A
//! replaced file stays open and is read for [`ROTATE_WAIT`] more, for writers that have not
//! yet moved to the new file; so is the newest backup when following begins, for a
//! rotation just before ([`Tail::newest_backup`]). A file shorter than the offset read so
//! far was truncated in place (`copytruncate`) and is read again from the start. Only a smaller size tells: a
//! file that grows back to the offset or past it between two polls is read on from the old
//! offset, and lines written after the last poll and before logrotate's copy are only in
//! the copy, which is not searched (the inode at the path did not change).
//!
//! Every look at a file's identity or size goes through [`crate::stat`], which asks for no
//! timestamp but the birth time, which never changes: a follower of a busy log stats it
//! after every read.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write as _};
use std::path::Path;
use std::time::{Duration, Instant};

use rustix::fs::{Mode, OFlags};

use crate::lines::{Item, LineReader};
use crate::row::Row;
use crate::series::{self, walk_series, Step, MAX_SCAN};
use crate::show::{Shower, LINE_CAPACITY};
use crate::stat;

/// How long a file that was rotated away is still read for late lines.
pub const ROTATE_WAIT: Duration = Duration::from_secs(2);

/// The most files rotated away that are held open for late lines. Past that (hundreds of
/// rotations a second), the oldest is let go before its [`ROTATE_WAIT`] is up, once read to
/// its end: a follower must not run out of descriptors.
const MAX_RETIRED: usize = 64;

/// Searches of the series before deciding that the followed file left it.
const SCAN_ATTEMPTS: u32 = 3;

/// Lock files [`SeriesLock::shared`] and [`SeriesLock::shared_within`] try before they go
/// on without the lock, as the writers' rotations try as many before they fail.
const LOCK_ATTEMPTS: u32 = 8;

/// Polling settings.
pub struct Settings {
    /// Pause between rounds that found nothing new.
    pub poll: Duration,
    /// Stop after this long without new bytes.
    pub idle: Option<Duration>,
}

/// A file being read: its descriptor, identity and read offset.
pub struct Tail {
    file: File,
    id: stat::Info,
    pos: u64,
    /// With `--last`, the end of what was there when following began, of which only the
    /// last whole lines were shown: a last line without `\n` that is still all that was
    /// there then (nothing read since) is not shown when the file is let go.
    window_end: Option<u64>,
    reader: LineReader,
    /// Whether the last [`Tail::drain`] stopped at the file's end (a read of nothing), not
    /// where the writer of a pipe, FIFO or terminal had written nothing more yet. Some
    /// files are always ready to read and always at their end (`/dev/null`, a terminal
    /// that hung up): a wait for them to be readable would end at once.
    ended: bool,
    /// The last [`Tail::drain`] found the file truncated (copytruncate), and read it again
    /// from its start: taken by [`Tail::take_truncated`].
    truncated: bool,
    /// Followed without waiting ([`Tail::to_follow`]): a drain reads at most
    /// [`MAX_DRAIN`] bytes, so that a file that is never at its end (`/dev/zero`, a
    /// pipe fed faster than it is read) cannot keep the follower from its other work.
    yields: bool,
}

/// The most bytes one [`Tail::drain`] reads of a pipe, a FIFO or a device being followed.
const MAX_DRAIN: u64 = 1 << 20;

/// Where reading on a file for late lines starts, from the end of what was looked at: the
/// bytes after its last `\n` are a line not ended yet.
#[derive(Clone, Copy, Debug)]
pub enum Unended {
    /// Reading goes on this many bytes before the end: the part of the unended line after
    /// its last whole row, which a late rest may complete (0: none, or a row that took
    /// it all, whose late `\n` then makes an empty line, which is not shown).
    Rest(u64),
    /// The unended line is longer than the reader takes: reading goes on from the end,
    /// skipping the rest of that line.
    Overlong,
}

impl Unended {
    /// For the unended bytes `pending`: the part after the whole rows in it, shown already
    /// or old content. Those are the ones [`Shower::line`] would show (the line itself,
    /// or the rows recovered from a glued line), and a row that only a short fragment
    /// follows ([`Row::leading_row`]), which a late line glued to that fragment would
    /// bring out.
    pub fn after_rows(pending: &[u8], row: &mut Row) -> Unended {
        if row.scan(pending).is_ok() {
            return Unended::Rest(0);
        }
        let mut pieces = Vec::new();
        row.glued_rows(pending, &mut pieces);
        let rows_end = pieces
            .iter()
            .filter(|piece| row.scan(&pending[(*piece).clone()]).is_ok())
            .map(|piece| piece.end)
            .max()
            .or_else(|| row.leading_row(pending))
            .unwrap_or(0);
        Unended::Rest((pending.len() - rows_end) as u64)
    }
}

/// Counts the bytes read into a [`Tail`]'s offset; once it reaches `until`, reads fail
/// with `WouldBlock`, as a pipe with nothing more in it does.
struct Counted<'a> {
    file: &'a mut File,
    pos: &'a mut u64,
    until: u64,
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if *self.pos >= self.until {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let read = self.file.read(buf)?;
        *self.pos += read as u64;
        Ok(read)
    }
}

impl Tail {
    pub fn from_file(file: File) -> io::Result<Tail> {
        let id = stat::of_file(&file)?;
        Ok(Tail {
            file,
            id,
            pos: 0,
            window_end: None,
            reader: LineReader::with_capacity(LINE_CAPACITY),
            ended: false,
            truncated: false,
            yields: false,
        })
    }

    /// [`Tail::from_file`] for a file to follow: a pipe, a FIFO or a terminal is read
    /// without waiting ([`Tail::drain`] stops where its writer has written nothing more
    /// yet), so that what is already there can be told from what comes later (`--last`),
    /// and a writer that keeps it open but quiet leaves the follower free to stop
    /// (`--exit-on-idle`, a closed standard output). [`run`] waits on it with `poll(2)`.
    pub fn to_follow(file: File) -> io::Result<Tail> {
        let mut tail = Tail::from_file(file)?;
        if tail.waits() {
            let flags = rustix::fs::fcntl_getfl(&tail.file)?;
            rustix::fs::fcntl_setfl(&tail.file, flags | OFlags::NONBLOCK)?;
            tail.yields = true;
        }
        Ok(tail)
    }

    /// Whether reads of the file wait for a writer: a pipe, a FIFO, a terminal (not a
    /// regular file, nor a directory, which is never read).
    fn waits(&self) -> bool {
        !self.id.regular && !self.id.directory
    }

    /// The newest backup when following begins, to be read on for late lines: writers
    /// that have not yet seen the rotation that made it still append to it (for up to a
    /// reopen check's interval, 1 s by default). `file` has been looked at up to `read_to`;
    /// reading goes on from `from`, where the rows already shown or not to be shown end
    /// ([`Unended`]). The part before `read_to` counts as the `--last` window, so an
    /// unended fragment still alone there is not shown when the file is let go.
    ///
    /// `None` if the backup is not a regular file, or may not get late lines for `log`,
    /// the log being followed ([`Tail::may_get_late_lines`]), or cannot be looked at: a
    /// courtesy, never a reason to fail.
    pub fn newest_backup(
        file: File,
        read_to: u64,
        from: Unended,
        log: Option<&Tail>,
        path: &Path,
    ) -> Option<Tail> {
        let mut tail = Tail::from_file(file).ok()?;
        if !tail.id.regular || !tail.may_get_late_lines(log, path) {
            return None;
        }
        let start = match from {
            Unended::Rest(len) => read_to.checked_sub(len)?,
            Unended::Overlong => {
                tail.reader.skip_line();
                read_to
            }
        };
        tail.file.seek(SeekFrom::Start(start)).ok()?;
        tail.pos = start;
        tail.window_end = Some(read_to);
        Some(tail)
    }

    /// As [`Tail::newest_backup`] for a backup whose content is not shown: read on from
    /// the end of its last whole line, or of the last whole row after it (a row that lost
    /// its `\n` is old content too), or from its end in a line longer than
    /// [`LINE_CAPACITY`].
    pub fn newest_backup_from_its_end(file: File, log: Option<&Tail>, path: &Path) -> Option<Tail> {
        use std::os::unix::fs::FileExt;
        let size = stat::of_file(&file).ok()?.size;
        let back = size.min(LINE_CAPACITY as u64);
        let mut end = vec![0; usize::try_from(back).ok()?];
        file.read_exact_at(&mut end, size - back).ok()?;
        let from = match memchr::memrchr(b'\n', &end) {
            Some(at) => Unended::after_rows(&end[at + 1..], &mut Row::default()),
            // As the reader takes it: a line of the buffer's size or more is too long.
            None if back == size && size < LINE_CAPACITY as u64 => {
                Unended::after_rows(&end, &mut Row::default())
            }
            None => Unended::Overlong,
        };
        Tail::newest_backup(file, size, from, log, path)
    }

    /// Whether this file, the newest backup when following begins, may still get lines
    /// from writers of `log`, the log being followed: it is another file, and (where birth
    /// times tell files apart) it was made no later than the log. A file rotated away is
    /// older than the log made after it; a copy made by logrotate's `copytruncate` is
    /// younger, holds lines the log held, and no writer has it open.
    fn may_get_late_lines(&self, log: Option<&Tail>, path: &Path) -> bool {
        let Some(log) = log else { return true };
        if self.id.same_file(&log.id) {
            return false;
        }
        match (self.id.born, log.id.born) {
            (Some(backup), Some(log)) if births_tell_files_apart(path) => backup <= log,
            _ => true,
        }
    }

    /// Reads the whole lines up to the end of the file into `shower` (of a file that
    /// [yields](Tail::yields), up to [`MAX_DRAIN`] bytes past the first); returns whether any
    /// byte was read. One `statx(2)` first: a regular file shorter than the offset was
    /// truncated and is read again from its start (a pipe or a FIFO has no such size).
    pub fn drain(&mut self, shower: &mut Shower) -> io::Result<bool> {
        let start = self.pos;
        let info = stat::of_file(&self.file)?;
        if info.regular && info.size < self.pos {
            // The old content is let go: a whole last row of it without `\n` is shown.
            self.last_unterminated(shower)?;
            self.file.seek(SeekFrom::Start(0))?;
            self.pos = 0;
            self.window_end = None;
            self.reader.reset();
            self.truncated = true;
        }
        while !shower.done() {
            let mut src = Counted {
                file: &mut self.file,
                pos: &mut self.pos,
                until: if self.yields {
                    start + MAX_DRAIN
                } else {
                    u64::MAX
                },
            };
            let item = match self.reader.next_item(&mut src) {
                // Made not to wait ([`Tail::to_follow`]): nothing more for now, or no more
                // this round ([`MAX_DRAIN`]). A part of a line read stays in the reader for
                // the next drain.
                Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                    self.ended = false;
                    break;
                }
                item => item?,
            };
            match item {
                Some(Item::Line(range)) => {
                    shower.line(self.reader.bytes(range))?;
                    // A read of a pipe waits for its writer, and the rows shown so far
                    // would wait with it in the output's buffer.
                    if !info.regular {
                        shower.flush()?;
                    }
                }
                Some(Item::Overlong(_)) => {}
                None => {
                    self.ended = true;
                    break;
                }
            }
        }
        Ok(self.pos != start)
    }

    /// Whether a drain found the file truncated since this was last asked.
    pub fn take_truncated(&mut self) -> bool {
        std::mem::take(&mut self.truncated)
    }

    /// Marks what has been read so far as the part `--last` chose its rows from.
    pub fn end_window(&mut self) {
        self.window_end = Some(self.pos);
    }

    /// When the file is let go (or read whole, not followed): its last line if it has no
    /// `\n` (see [`crate::show::last_unterminated`]), unless nothing was read since the
    /// part `--last` chose its rows from, where that line was not one of them.
    pub fn last_unterminated(&self, shower: &mut Shower) -> io::Result<()> {
        if self.window_end == Some(self.pos) {
            return Ok(());
        }
        crate::show::last_unterminated(&self.reader, shower)
    }
}

/// Follows `path` until `--exit-after-lines` or `--exit-on-idle` ends it (or forever).
///
/// `known` is the series as it was when `current` was opened ([`Known::of_series`]);
/// `newest_backup`, if any, is read for [`ROTATE_WAIT`] as a file just rotated away
/// ([`Tail::newest_backup`]).
pub fn run(
    path: &Path,
    mut current: Option<Tail>,
    newest_backup: Option<Tail>,
    mut known: Known,
    shower: &mut Shower,
    settings: &Settings,
) -> io::Result<()> {
    let started = Instant::now();
    let mut retired: Vec<(Tail, Instant)> = newest_backup
        .into_iter()
        .map(|tail| (tail, started + ROTATE_WAIT))
        .collect();
    if let Some(tail) = &current {
        known.add(tail.id);
    }
    let mut last_data = Instant::now();
    // Whether the follower warned that the file it follows now left the series.
    let mut warned = false;
    // Whether the last search was refused, and the follower said so.
    let mut denied = false;
    loop {
        let mut active = false;
        for (tail, _) in &mut retired {
            active |= tail.drain(shower)?;
        }
        let now = Instant::now();
        let (kept, expired) = retired.into_iter().partition(|(_, until)| *until > now);
        retired = kept;
        let_go(expired, shower)?;
        // Each was read to its end just now; the oldest go first.
        let early = retired.len().saturating_sub(MAX_RETIRED);
        let_go(retired.drain(..early).collect(), shower)?;
        if let Some(tail) = &mut current {
            active |= tail.drain(shower)?;
            if tail.take_truncated() {
                known.after_truncation(path);
            }
        }
        if shower.done() {
            return Ok(());
        }
        let ours = current.as_ref().map(|tail| tail.id);
        let look = || -> io::Result<Option<(Vec<Tail>, bool)>> {
            let moved = match stat::of_path(path) {
                Ok(info) => !ours.is_some_and(|ours| ours.same_file(&info)),
                Err(err) if err.kind() == io::ErrorKind::NotFound => true,
                Err(err) => return Err(err),
            };
            if !moved {
                return Ok(None);
            }
            newer_files(path, ours, &retired, &known).map(Some)
        };
        let found = match look() {
            Ok(found) => {
                denied = false;
                found
            }
            // A directory or file made unreadable for a while (a `chmod` being fixed, a
            // permission change mid-deploy), or a file where a directory of the path was:
            // the files already open are read on, and the search is made again at each
            // poll, as `tail -F` does.
            Err(err) if waited_out(&err) => {
                if !denied {
                    warn_denied(path, &err);
                    denied = true;
                }
                None
            }
            Err(err) => return Err(err),
        };
        if let Some((newer, left)) = found {
            // Once for each file followed, however many polls it takes a new one to come.
            if left && !warned {
                warn_left_series(path);
                warned = true;
            }
            for tail in &newer {
                known.add(tail.id);
            }
            if !newer.is_empty() {
                warned = false;
                if let Some(mut old) = current.take() {
                    old.drain(shower)?;
                    retired.push((old, now + ROTATE_WAIT));
                }
                let count = newer.len();
                for (index, tail) in newer.into_iter().enumerate() {
                    if index + 1 == count {
                        current = Some(tail);
                    } else {
                        retired.push((tail, now + ROTATE_WAIT));
                    }
                }
                // The next round reads them, oldest first, without pausing.
                active = true;
            }
        }
        if output_closed() {
            // As a write would find it: `| head -1` or `| grep -m1` has ended, and with
            // rows that a filter drops, no write might ever come to tell.
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        if active {
            last_data = Instant::now();
            shower.flush()?;
            continue;
        }
        if settings
            .idle
            .is_some_and(|idle| last_data.elapsed() >= idle)
        {
            // The end: every file is let go, the followed one last.
            retired.extend(current.map(|tail| (tail, now)));
            return let_go(retired, shower);
        }
        shower.flush()?;
        pause(current.as_ref(), settings.poll);
    }
}

/// The pause between rounds that found nothing new: `poll`, cut short when `current` is a
/// pipe, a FIFO or a terminal that has something to read (`poll(2)`), so that its rows are
/// shown as they come. One that was read to its end (no writer left, or a file that is
/// never more than that, such as `/dev/null`) is waited for as a file's end is: it may be
/// ready to read at every moment, and nothing would come of reading it.
fn pause(current: Option<&Tail>, poll: Duration) {
    use rustix::event::{PollFd, PollFlags, Timespec};
    let Some(tail) = current.filter(|tail| tail.waits() && !tail.ended) else {
        return std::thread::sleep(poll);
    };
    let mut fds = [PollFd::new(&tail.file, PollFlags::IN)];
    let timeout = Timespec::try_from(poll).unwrap_or(Timespec {
        tv_sec: i64::MAX,
        tv_nsec: 0,
    });
    let started = Instant::now();
    let readable = matches!(rustix::event::poll(&mut fds, Some(&timeout)), Ok(n) if n > 0)
        && fds[0].revents().contains(PollFlags::IN);
    if !readable {
        std::thread::sleep(poll.saturating_sub(started.elapsed()));
    }
}

/// Whether standard output has hung up: a pipe or socket whose reader has gone (`poll(2)`
/// reports `POLLERR` on a pipe with no reader, as GNU `tail -f` checks) or a terminal
/// that hung up. Asks for no event, so a file, `/dev/null` or a live pipe report none.
fn output_closed() -> bool {
    use rustix::event::{poll, PollFd, PollFlags, Timespec};
    use std::os::fd::AsFd;
    let stdout = io::stdout();
    let fd = stdout.as_fd();
    let mut fds = [PollFd::new(&fd, PollFlags::empty())];
    let now = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    matches!(poll(&mut fds, Some(&now)), Ok(n) if n > 0)
        && fds[0].revents().intersects(PollFlags::ERR | PollFlags::HUP)
}

/// Files that are no longer read: the last line of each, if it has no `\n`, is shown if it
/// is a whole row ([`Tail::last_unterminated`]), since the rest of it can no longer be read.
fn let_go(tails: Vec<(Tail, Instant)>, shower: &mut Shower) -> io::Result<()> {
    for (tail, _) in tails {
        tail.last_unterminated(shower)?;
    }
    Ok(())
}

/// The files that replaced the one with identity `ours` at `path`, oldest first.
///
/// The search holds a [`SeriesLock`], so rotations by this crate wait for it: without it,
/// two rotations between two opens could show a newer file at a higher number. It walks
/// `PATH`, `PATH.1`, `PATH.2`, … ([`walk_series`]) twice. First by identity alone
/// ([`stat::of_path`]), to learn whether `ours` is still in the series: when it has left,
/// a walk through thousands of backups holds none of them open. Then, if it is, the walk
/// opens each file in turn and keeps those before `ours`. Files move toward higher
/// numbers, the same direction as the walk, so a rotation during it (by a program that
/// does not take the lock) can make a file appear twice (kept once) but not be skipped.
/// Holding the lock, one search is final: the series holds still under it, so another
/// would find what this one did, while each release of the lock would let a rotation drop
/// the oldest file this one saw. Without the lock (logs not rotated by this crate), both
/// walks are made a few times before deciding that `ours` left the series (dropped as the
/// oldest by more rotations than there are backups, deleted, or moved elsewhere). Then,
/// and when there was no `ours` (no log when the follower started), the new files are
/// those of the series not [`Known`] ([`unknown_files`]), under the same lock. Also returns
/// whether `ours` left the series.
fn newer_files(
    path: &Path,
    ours: Option<stat::Info>,
    retired: &[(Tail, Instant)],
    known: &Known,
) -> io::Result<(Vec<Tail>, bool)> {
    let Some(ours) = ours else {
        if matches!(stat::of_path(path), Err(err) if err.kind() == io::ErrorKind::NotFound) {
            // Nothing until `PATH` exists, so that a missing log costs one stat a poll.
            return Ok((Vec::new(), false));
        }
        let _lock = SeriesLock::shared(path);
        return Ok((unknown_files(path, retired, known)?, false));
    };
    let mut attempt = 1;
    loop {
        let lock = SeriesLock::shared(path);
        if let Some(found) = files_before(path, &ours, retired)? {
            return Ok((found, false));
        }
        if lock.holds() || attempt == SCAN_ATTEMPTS {
            // `ours` left the series: the files not yet read, under the same lock.
            return Ok((unknown_files(path, retired, known)?, true));
        }
        attempt += 1;
    }
}

/// The files before `ours` in the series, oldest first, not among `retired`; `None` if
/// `ours` is not in the series (or left it between the two walks of [`newer_files`]).
fn files_before(
    path: &Path,
    ours: &stat::Info,
    retired: &[(Tail, Instant)],
) -> io::Result<Option<Vec<Tail>>> {
    let mut before = 0;
    let place = walk_series(path, |name| match stat::of_path(name) {
        Ok(id) if id.same_file(ours) => Ok(Step::Done(before)),
        Ok(_) => {
            before += 1;
            Ok(Step::Next)
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(Step::Missing),
        Err(err) => Err(failed("stat", &err, name)),
    })?;
    let Some(before) = place else {
        return Ok(None);
    };
    series::raise_open_file_limit(before + retired.len());
    let mut found: Vec<Tail> = Vec::new();
    let met = walk_series(path, |name| {
        let Some(tail) = open_tail(path, name)? else {
            return Ok(Step::Missing);
        };
        if tail.id.same_file(ours) {
            return Ok(Step::Done(()));
        }
        let mut read = found.iter().chain(retired.iter().map(|(t, _)| t));
        if read.all(|t| !t.id.same_file(&tail.id)) {
            found.push(tail);
        }
        Ok(Step::Next)
    })?;
    Ok(met.map(|()| {
        found.reverse();
        found
    }))
}

/// Whether `err`, from a search of the series, may pass: a permission refused (`EACCES`,
/// `EPERM`), or a file where a directory of the path was (`ENOTDIR`). A symbolic link
/// that loops at a name of the series is not: it ends the follower, named.
fn waited_out(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::NotADirectory
    )
}

/// Says once per spell that the series of `path` could not be searched (`err`: see
/// [`waited_out`]), and that the follower goes on trying.
fn warn_denied(path: &Path, err: &io::Error) {
    // A stderr that cannot be written loses the warning, not the follower.
    let _ = writeln!(
        io::stderr(),
        "logwriter: warning: follow {}: {err}; the files already open are read on, and the \
         search is made again at each poll",
        path.display()
    );
}

/// Says on stderr that the file followed left the series before the follower found where
/// it went: files rotated in and dropped since the last poll were never seen.
fn warn_left_series(path: &Path) {
    // A stderr that cannot be written loses the warning, not the follower.
    let _ = writeln!(
        io::stderr(),
        "logwriter: warning: {}: the file being followed left the series between two polls \
         (more rotations than there are backups, or it was deleted or moved); rows of files \
         rotated in and out meanwhile may be missing (a shorter --poll-interval, or more \
         backups, keeps up)",
        path.display()
    );
}

/// The files of the series this follower has accounted for: the backups there were when it
/// started (nothing it is to show) and every file it has read since, the most recent
/// [`MAX_SCAN`] of them. Identities are device, inode and birth time (device and inode
/// alone on an overlay, [`births_tell_files_apart`]): on a filesystem that records no birth
/// time, a file made later on the inode of a dropped one would be taken as known.
pub struct Known(Vec<stat::Info>);

impl Known {
    /// The backups of `path` now. Call it holding a [`SeriesLock`], with the log opened
    /// under the same lock, so that every backup older than the log is in it.
    pub fn of_series(path: &Path) -> io::Result<Known> {
        let ids = listed_backups(path)?
            .iter()
            .filter_map(|backup| stat::of_path(backup).ok())
            .collect();
        Ok(Known(ids))
    }

    /// Whether `id` is a file accounted for. Known files may have been deleted since, and
    /// their inodes given to new files: those are told apart by their birth time if
    /// `by_birth` ([`births_tell_files_apart`]).
    fn contains(&self, id: &stat::Info, by_birth: bool) -> bool {
        self.0.iter().any(|known| {
            if by_birth {
                known.same_birth(id)
            } else {
                known.same_file(id)
            }
        })
    }

    /// After the log followed was found truncated: copytruncate made its copy (`log.1`)
    /// before the truncation, of rows read here or lost with it. Every backup there now is
    /// known, so that the copy is not shown again as a new file should the log later leave
    /// the series. A courtesy: if the series cannot be listed, nothing is marked.
    fn after_truncation(&mut self, path: &Path) {
        let _lock = SeriesLock::shared(path);
        if let Ok(now_there) = Known::of_series(path) {
            for id in now_there.0 {
                self.add(id);
            }
        }
    }

    fn add(&mut self, id: stat::Info) {
        if self.0.len() >= MAX_SCAN as usize {
            self.0.remove(0);
        }
        self.0.push(id);
    }
}

/// `OVERLAYFS_SUPER_MAGIC`, the `f_type` `statfs(2)` reports for an overlay mount.
const OVERLAY_FS: u64 = 0x794c_7630;

/// Whether a file keeps its birth time for as long as it keeps its inode number in the
/// directory of `path`. Not on an overlay: renaming a file of a lower layer copies it up,
/// and the copy keeps the inode number but reports its own, new birth time, so a backup
/// rotated up would look like a new file. Asked each time the series is searched for new
/// files, since an overlay can come to be at the path later (a mount, a symbolic link
/// switched); where `statfs(2)` fails, birth times are taken to tell files apart.
fn births_tell_files_apart(path: &Path) -> bool {
    rustix::fs::statfs(series::dir_of(path)).map_or(true, |fs| !is_overlay(fs.f_type))
}

/// Whether a filesystem type, as `statfs(2)` gives it, is an overlay.
fn is_overlay(f_type: impl TryInto<u64>) -> bool {
    f_type.try_into().is_ok_and(|f_type| f_type == OVERLAY_FS)
}

/// The backups of `path` ([`series::backups`]), or none if its directory may be searched
/// but not listed (mode 0711): the follower then sees only `PATH`, as it did before it
/// looked at the series.
fn listed_backups(path: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    match series::backups(path) {
        Err(err) if err.kind() == io::ErrorKind::PermissionDenied => Ok(Vec::new()),
        result => result,
    }
}

/// The files of the series, oldest first and `PATH` last, that are neither [`Known`] nor
/// being read: what is new when the file followed left the series, or when the log did
/// not exist when the follower started. Call it holding the [`SeriesLock`], if there is one.
fn unknown_files(path: &Path, retired: &[(Tail, Instant)], known: &Known) -> io::Result<Vec<Tail>> {
    let by_birth = births_tell_files_apart(path);
    let mut names = listed_backups(path)?;
    names.push(path.to_path_buf());
    // Every file may be new to the follower, and is then kept open.
    series::raise_open_file_limit(names.len() + retired.len());
    let mut found: Vec<Tail> = Vec::new();
    for name in names {
        let Some(tail) = open_tail(path, &name)? else {
            continue;
        };
        let mut read = found.iter().chain(retired.iter().map(|(t, _)| t));
        if !known.contains(&tail.id, by_birth) && read.all(|t| !t.id.same_file(&tail.id)) {
            found.push(tail);
        }
    }
    Ok(found)
}

/// `name` of the series of `path` opened to be read, or `None` if there is nothing there
/// to read: no file, or a directory, which may take a name of the series for a while
/// (`rm log; mkdir log`) and is waited out as a missing file is.
fn open_tail(path: &Path, name: &Path) -> io::Result<Option<Tail>> {
    let file = match series::open_in_series(path, name) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(failed("open", &err, name)),
    };
    let tail = Tail::to_follow(file)?;
    Ok((!tail.id.directory).then_some(tail))
}

/// `err`, from the operation `op` (`open`, `stat`) on `name`, with both in its text: the
/// caller names only the log.
fn failed(op: &str, err: &io::Error, name: &Path) -> io::Error {
    io::Error::new(err.kind(), format!("{op} {}: {err}", name.display()))
}

/// A shared `flock(2)` on `<log>.lock`, the lock this crate's writers rotate under: while
/// it is held, none of them can rotate, so the series holds still during a search. Without
/// that file (logs not rotated by this crate), there is nothing to hold; released on drop.
pub struct SeriesLock {
    /// The locked file, kept open for its lock.
    held: Option<File>,
}

impl SeriesLock {
    /// Whether the lock is held: there was a lock file to lock.
    pub fn holds(&self) -> bool {
        self.held.is_some()
    }

    /// The lock, waited for as long as a rotation holds it.
    pub fn shared(path: &Path) -> SeriesLock {
        SeriesLock::shared_until(path, None)
    }

    /// The lock, waited for at most `limit` (polled every millisecond); once that has
    /// passed, not held.
    pub fn shared_within(path: &Path, limit: Duration) -> SeriesLock {
        SeriesLock::shared_until(path, Some(Instant::now() + limit))
    }

    fn shared_until(path: &Path, deadline: Option<Instant>) -> SeriesLock {
        use rustix::fs::FlockOperation;
        let mut name = path.as_os_str().to_owned();
        name.push(".lock");
        let name = Path::new(&name);
        // A lock on a lock file that was deleted or replaced meanwhile holds no writer back
        // (they lock the file at the name): check the name after locking, as they do, and
        // open it as they do, without following a symbolic link.
        for _attempt in 0..LOCK_ATTEMPTS {
            // Without waiting, should a FIFO be found at its name.
            let flags = OFlags::RDONLY
                | OFlags::CLOEXEC
                | OFlags::NOFOLLOW
                | OFlags::NOCTTY
                | OFlags::NONBLOCK;
            let Ok(file) = rustix::fs::open(name, flags, Mode::empty()).map(File::from) else {
                break;
            };
            let operation = match deadline {
                None => FlockOperation::LockShared,
                Some(_) => FlockOperation::NonBlockingLockShared,
            };
            let locked = loop {
                match rustix::fs::flock(&file, operation) {
                    Err(rustix::io::Errno::INTR) => {}
                    Err(rustix::io::Errno::WOULDBLOCK)
                        if deadline.is_some_and(|deadline| Instant::now() < deadline) =>
                    {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    result => break result.is_ok(),
                }
            };
            if !locked {
                break;
            }
            if let (Ok(held), Ok(named)) = (stat::of_file(&file), stat::of_path(name)) {
                if held.same_file(&named) {
                    return SeriesLock { held: Some(file) };
                }
            }
        }
        SeriesLock { held: None }
    }
}

#[cfg(test)]
#[path = "../../../tests/lock_waiters/mod.rs"]
mod lock_waiters;

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use rustix::fs::{flock, FlockOperation};

    use super::lock_waiters::{locked_file, wait_for_lock_waiter};
    use super::*;

    /// Whether the file now at `path` is locked by someone: an exclusive lock on it, not
    /// waited for, fails.
    fn locked(path: &Path) -> bool {
        let file = File::open(path).expect("open");
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => false,
            Err(rustix::io::Errno::WOULDBLOCK) => true,
            Err(errno) => panic!("flock: {errno}"),
        }
    }

    /// Takes a [`SeriesLock`] on `log` while the test holds every file at the lock's name
    /// and replaces each one the lock waits for `replacements` times, releasing the last
    /// replacement at the end; returns the lock.
    fn shared_while_replaced(log: &Path, replacements: usize) -> SeriesLock {
        let lock_path = PathBuf::from(format!("{}.lock", log.display()));
        let next = PathBuf::from(format!("{}.lock.next", log.display()));
        let mut holder = locked_file(&lock_path);
        let log = log.to_path_buf();
        let taking = std::thread::spawn(move || SeriesLock::shared(&log));
        for _ in 0..replacements {
            wait_for_lock_waiter(&holder, || taking.is_finished());
            let next_holder = locked_file(&next);
            std::fs::rename(&next, &lock_path).expect("rename");
            // Releases the file the lock waits for, which left the name.
            holder = next_holder;
        }
        drop(holder);
        taking.join().expect("join")
    }

    #[test]
    fn series_lock_holds_the_file_at_the_name_after_replacements() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (log, lock_path) = (dir.path().join("log"), dir.path().join("log.lock"));
        let held = shared_while_replaced(&log, LOCK_ATTEMPTS as usize - 1);
        assert!(
            held.held.is_some(),
            "the last attempt found a file that stayed"
        );
        assert!(locked(&lock_path), "the file at the name is the one held");
        drop(held);
        assert!(!locked(&lock_path), "released on drop");
    }

    #[test]
    fn series_lock_goes_on_without_a_lock_after_its_attempts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (log, lock_path) = (dir.path().join("log"), dir.path().join("log.lock"));
        let held = shared_while_replaced(&log, LOCK_ATTEMPTS as usize);
        assert!(
            held.held.is_none(),
            "every file it locked had left the name"
        );
        assert!(!locked(&lock_path));
    }

    #[test]
    fn birth_times_are_not_trusted_on_an_overlay() {
        assert!(is_overlay(0x794c_7630_i64));
        assert!(is_overlay(0x794c_7630_u32));
        assert!(!is_overlay(0xef53_i64), "ext4");
        assert!(!is_overlay(0x0102_1994_i64), "tmpfs");
        assert!(!is_overlay(-1_i64));
    }

    #[test]
    fn series_lock_without_a_lock_file_holds_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let held = SeriesLock::shared(&dir.path().join("log"));
        assert!(held.held.is_none());
        assert!(!dir.path().join("log.lock").exists(), "not created");
    }
}
