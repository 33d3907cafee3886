//! Shared by the tests of lock files, in the library and the command-line tool: a locked
//! file, and a wait until a thread or process is blocked on a given file's `flock(2)`,
//! which `/proc/locks` shows, so a test can act on the file while the lock is awaited
//! without sleeping.
#![allow(dead_code)]

use std::fs::{self, File};
use std::os::unix::fs::MetadataExt;
use std::time::{Duration, Instant};

/// Whether `/proc/locks` lists a process waiting for a lock on `file`.
pub fn lock_waiter_on(file: &File) -> bool {
    let meta = file.metadata().expect("stat");
    let dev = meta.dev();
    // `/proc/locks` names the file `major:minor:inode`, the device numbers in hex.
    let id = format!(
        "{:02x}:{:02x}:{}",
        rustix::fs::major(dev),
        rustix::fs::minor(dev),
        meta.ino()
    );
    fs::read_to_string("/proc/locks")
        .expect("read /proc/locks")
        .lines()
        .filter(|line| line.contains("->"))
        .flat_map(str::split_whitespace)
        .any(|field| field == id)
}

/// Waits until `/proc/locks` lists a waiter for a lock on `file`; panics if `finished`
/// (the thread or process that should wait) says it ended first, which means it took a
/// lock it should have waited for or never asked, or after 60 s.
pub fn wait_for_lock_waiter(file: &File, mut finished: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !lock_waiter_on(file) {
        assert!(
            !finished(),
            "ended while the file at the lock's name was held"
        );
        assert!(
            Instant::now() < deadline,
            "no waiter for the lock in /proc/locks after 60 s"
        );
        std::thread::yield_now();
    }
}

/// The file at `path`, created (or emptied) and locked exclusively.
pub fn locked_file(path: &std::path::Path) -> File {
    let file = File::create(path).expect("create");
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive).expect("flock");
    file
}
