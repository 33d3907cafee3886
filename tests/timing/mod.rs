//! Tests whose checks hold only within a time bound: a round that the machine stalled past
//! its bound proves nothing either way, so it is made again, not skipped.

/// Rounds tried before giving up.
const ROUNDS: usize = 20;

/// Runs `round` until one ran within its time bound (it returns `true` after making its
/// checks), at most [`ROUNDS`] times; panics if none did, so the checks cannot go unmade.
pub fn until_timed(what: &str, mut round: impl FnMut() -> bool) {
    for _ in 0..ROUNDS {
        if round() {
            return;
        }
    }
    panic!("{what}: the machine stalled past the time bound in all {ROUNDS} rounds, so nothing was checked");
}
