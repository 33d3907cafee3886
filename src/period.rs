//! "Every `N` appends or every `T`, whichever comes first": the schedule of the reopen
//! checks and of periodic syncs, timed by the writer's readings of the interval clock in
//! nanoseconds.

use std::time::Duration;

/// How far a reading may be behind the last one before it counts as the clock stepped
/// back: more than the kernel's tick (at most 10 ms), by which a coarse reading can trail
/// a precise one.
pub(crate) const CLOCK_SLACK_NS: u64 = 20_000_000;

/// A schedule and where it stands: appends counted and the reading it last restarted at.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Period {
    appends: u32,
    interval_ns: u64,
    counted: u32,
    since_ns: u64,
}

impl Period {
    /// A period of `appends` appends or `interval`, to be started by [`Period::restart`]. The
    /// interval is converted once, here: the hot path compares nanoseconds.
    pub(crate) fn new(appends: u32, interval: Duration) -> Period {
        Period {
            appends,
            interval_ns: u64::try_from(interval.as_nanos()).unwrap_or(u64::MAX),
            counted: 0,
            since_ns: 0,
        }
    }

    /// Counts one append made at `now_ns`; whether the period is over.
    #[inline(always)]
    #[allow(clippy::inline_always)] // A few instructions on the hot path of `append`.
    pub(crate) fn tick(&mut self, now_ns: u64) -> bool {
        self.counted += 1;
        self.counted >= self.appends || elapsed(self.since_ns, now_ns, self.interval_ns)
    }

    /// Starts the period again at `now_ns`, with no appends counted.
    pub(crate) fn restart(&mut self, now_ns: u64) {
        self.counted = 0;
        self.since_ns = now_ns;
    }

    /// Whether appends were counted since the period last restarted.
    pub(crate) fn pending(&self) -> bool {
        self.counted > 0
    }
}

/// Whether `interval_ns` has gone by between two readings of the interval clock. A clock
/// stepped forward counts as time gone by, and one stepped back by more than
/// [`CLOCK_SLACK_NS`] counts too: a check too many is cheap, while waiting for the clock to
/// catch up could take as long as the step.
fn elapsed(since_ns: u64, now_ns: u64, interval_ns: u64) -> bool {
    match now_ns.checked_sub(since_ns) {
        Some(gone) => gone >= interval_ns,
        None => since_ns - now_ns > CLOCK_SLACK_NS,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_777_636_800_000_000_000;

    /// A period started at `now_ns`.
    fn started(appends: u32, interval: Duration, now_ns: u64) -> Period {
        let mut period = Period::new(appends, interval);
        period.restart(now_ns);
        period
    }

    /// A period of one second that never ends by its count, started at `T`.
    fn second() -> Period {
        started(u32::MAX, Duration::from_secs(1), T)
    }

    #[test]
    fn the_interval_or_a_step_back_ends_the_period() {
        assert!(!second().tick(T));
        assert!(!second().tick(T + 999_999_999));
        assert!(second().tick(T + 1_000_000_000));
        // A coarse reading a tick behind a precise one: no time has gone by, even with an
        // interval shorter than the tick.
        assert!(!second().tick(T - 10_000_000));
        let mut millisecond = started(u32::MAX, Duration::from_millis(1), T);
        assert!(!millisecond.tick(T - CLOCK_SLACK_NS));
        // The clock stepped back by more than the slack, however short the step.
        assert!(second().tick(T - CLOCK_SLACK_NS - 1));
        assert!(second().tick(T - 1_990_000_000));
        assert!(second().tick(0));
        // An interval past u64 nanoseconds is held at the most there is, not wrapped.
        assert!(!started(u32::MAX, Duration::MAX, u64::MAX).tick(u64::MAX));
        assert!(!started(u32::MAX, Duration::MAX, 0).tick(u64::MAX - 1));
    }

    #[test]
    fn the_count_ends_the_period_and_a_restart_begins_it_again() {
        let mut period = started(3, Duration::MAX, T);
        assert!(!period.pending());
        assert!(!period.tick(T));
        assert!(period.pending());
        assert!(!period.tick(T));
        assert!(period.tick(T));
        period.restart(T + 5);
        assert!(!period.pending());
        assert!(!period.tick(T + 5));
        assert!(!period.tick(T + 5));
        assert!(period.tick(T + 5));
        // The interval counts from the restart.
        let mut timed = second();
        timed.restart(T + 1_000_000_000);
        assert!(!timed.tick(T + 1_999_999_999));
        assert!(timed.tick(T + 2_000_000_000));
    }
}
