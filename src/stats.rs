//! A writer's counters, and their sum over several writers.

use core::iter::Sum;
use core::ops::{Add, AddAssign};

/// Counters of what a writer did, from [`Writer::stats`](crate::Writer::stats) and
/// [`Writer::close`](crate::Writer::close).
///
/// The counters of several writers add up with `+`, `+=` or [`Iterator::sum`], each
/// saturating at `u64::MAX` rather than overflowing: one writer per thread, summed at the
/// end.
///
/// ```
/// use logwriter::{Event, EventKind, Field, Options};
///
/// let dir = tempfile::tempdir()?;
/// let mut log = Options::new().max_size(300).max_files(2).open(dir.path().join("log"))?;
/// let fields = [Field::new("message", "slot-a: extract token validator")];
/// for _ in 0..10 {
///     log.append(&Event::new(EventKind::Commit).slot("a").fields(&fields))?;
/// }
/// let stats = log.stats();
/// assert_eq!((stats.appends, stats.failed, stats.bytes_lost), (10, 0, 0));
/// assert!(stats.rotations >= 3); // lines of about 110 bytes, at most two to a 300-byte file
/// let on_disk = std::fs::metadata(dir.path().join("log"))?.len();
/// assert_eq!(log.known_size(), on_disk);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Summed over writers of their own, one per thread:
///
/// ```
/// use logwriter::{Event, EventKind, Options, Stats};
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("log");
/// let total: Stats = std::thread::scope(|scope| {
///     let threads = ["a", "b", "c"].map(|slot| {
///         let path = &path;
///         scope.spawn(move || -> Result<Stats, logwriter::Error> {
///             let mut log = Options::new().open(path)?;
///             for _ in 0..100 {
///                 log.append(&Event::new(EventKind::Renew).slot(slot))?;
///             }
///             log.close()
///         })
///     });
///     threads.into_iter().map(|thread| thread.join().expect("no panic")).sum::<Result<_, _>>()
/// })?;
/// assert_eq!((total.appends, total.failed), (300, 0));
/// assert_eq!(total.bytes_written, std::fs::metadata(&path)?.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Appends that wrote their whole line.
    pub appends: u64,
    /// Appends whose line was refused or did not reach the file whole. An append that wrote
    /// its line and then failed to sync it (an [`Op::Sync`](crate::Op::Sync) error) is in
    /// `appends`, not here.
    pub failed: u64,
    /// Bytes of whole lines written (including a `\n` that ended a torn fragment).
    pub bytes_written: u64,
    /// Bytes of encoded lines that did not reach the file whole: failed writes, the whole
    /// length of a line cut short, and lines refused because the file held was deleted
    /// and could not be made again (see "A deleted file" under
    /// [`Writer`](crate::Writer)). Refused oversize lines are not counted.
    pub bytes_lost: u64,
    /// Rotations this writer performed.
    pub rotations: u64,
    /// Times this writer found its file renamed, deleted or replaced and reopened the path.
    pub reopens: u64,
    /// Reopen checks this writer made: those due by its [`ReopenCheck`](crate::ReopenCheck)
    /// bounds or its own bytes, and those asked for by
    /// [`Writer::check_now`](crate::Writer::check_now), failed ones included. Each is the
    /// one `statx(2)` of the log's name that an append may make besides its `write(2)`,
    /// plus an open when the file changed (see `reopens`); one that fails also asks the
    /// descriptor for its link count (a second `statx`), to learn whether the file held was
    /// deleted.
    pub checks: u64,
    /// `fdatasync(2)` calls made for the durability policy or
    /// [`Writer::sync`](crate::Writer::sync) (the `fsync(2)` of the directory that some of
    /// them are followed by is not counted).
    pub syncs: u64,
    /// Failures of the rotations that appends make and of reopen checks
    /// ([`Writer::check_now`](crate::Writer::check_now)'s included; a failure that
    /// [`Writer::rotate`](crate::Writer::rotate) returns is not counted), and failed syncs
    /// of a file the writer moved off (rotated or replaced) with appends still to sync: the
    /// line was still appended to the current file, unless that file was deleted and the
    /// check or rotation could not make it again (the append then fails, and is counted in
    /// `failed`); [`Writer::take_housekeeping_error`](crate::Writer::take_housekeeping_error)
    /// has the last one.
    pub housekeeping_errors: u64,
}

impl AddAssign for Stats {
    /// Adds each of `other`'s counters to this one's, saturating at `u64::MAX`.
    fn add_assign(&mut self, other: Stats) {
        // Named one by one, with no `..`: a counter added to `Stats` must be added here.
        let Stats {
            appends,
            failed,
            bytes_written,
            bytes_lost,
            rotations,
            reopens,
            checks,
            syncs,
            housekeeping_errors,
        } = other;
        self.appends = self.appends.saturating_add(appends);
        self.failed = self.failed.saturating_add(failed);
        self.bytes_written = self.bytes_written.saturating_add(bytes_written);
        self.bytes_lost = self.bytes_lost.saturating_add(bytes_lost);
        self.rotations = self.rotations.saturating_add(rotations);
        self.reopens = self.reopens.saturating_add(reopens);
        self.checks = self.checks.saturating_add(checks);
        self.syncs = self.syncs.saturating_add(syncs);
        self.housekeeping_errors = self.housekeeping_errors.saturating_add(housekeeping_errors);
    }
}

impl Add for Stats {
    type Output = Stats;

    /// The counters of both, each summed, saturating at `u64::MAX`.
    fn add(mut self, other: Stats) -> Stats {
        self += other;
        self
    }
}

impl Sum for Stats {
    fn sum<I: Iterator<Item = Stats>>(iter: I) -> Stats {
        iter.fold(Stats::default(), Add::add)
    }
}

impl<'a> Sum<&'a Stats> for Stats {
    fn sum<I: Iterator<Item = &'a Stats>>(iter: I) -> Stats {
        iter.copied().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::Stats;

    /// Counter k (1 to 9, in declaration order) holds `n * k`: distinct counters, so that a
    /// counter added to the wrong one shows, and `numbered(a) + numbered(b)` is
    /// `numbered(a + b)` when nothing saturates.
    fn numbered(n: u64) -> Stats {
        Stats {
            appends: n,
            failed: 2 * n,
            bytes_written: 3 * n,
            bytes_lost: 4 * n,
            rotations: 5 * n,
            reopens: 6 * n,
            checks: 7 * n,
            syncs: 8 * n,
            housekeeping_errors: 9 * n,
        }
    }

    #[test]
    fn each_counter_adds_to_its_own() {
        assert_eq!(numbered(3) + numbered(100), numbered(103));
        let mut total = numbered(3);
        total += numbered(10);
        assert_eq!(total, numbered(13));
        assert_eq!(Stats::default() + numbered(7), numbered(7));
    }

    #[test]
    fn sums_saturate_instead_of_overflowing() {
        // Counter k holds k * (u64::MAX / 9): doubled, counters 1 to 4 stay below the
        // maximum and 5 to 9 pass it.
        let near = numbered(u64::MAX / 9);
        let sum = near + near;
        let counters = |s: Stats| {
            [
                s.appends,
                s.failed,
                s.bytes_written,
                s.bytes_lost,
                s.rotations,
                s.reopens,
                s.checks,
                s.syncs,
                s.housekeeping_errors,
            ]
        };
        assert_eq!(
            counters(sum)[..4],
            [1, 2, 3, 4].map(|k| 2 * k * (u64::MAX / 9))
        );
        assert_eq!(counters(sum)[4..], [u64::MAX; 5]);
        // Ten of them pass the maximum in every counter.
        let ten: Stats = std::iter::repeat_n(near, 10).sum();
        assert_eq!(counters(ten), [u64::MAX; 9]);
        let mut total = near;
        total += near;
        assert_eq!(total, sum);
    }

    #[test]
    fn sum_of_none_is_zero_and_of_references_the_same() {
        assert_eq!(
            core::iter::empty::<Stats>().sum::<Stats>(),
            Stats::default()
        );
        let all = [numbered(1), numbered(10), numbered(20)];
        let by_value: Stats = all.into_iter().sum();
        let by_ref: Stats = all.iter().sum();
        assert_eq!(by_value, numbered(31));
        assert_eq!(by_ref, numbered(31));
    }
}
