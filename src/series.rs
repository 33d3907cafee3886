//! The numbered backup series `log.1` (newest) … `log.N` (oldest) and its shift.
//!
//! Every operation is relative to the directory descriptor, so a directory renamed or
//! replaced by a symlink after open cannot redirect it.

use std::ffi::{CStr, OsString};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

use rustix::fs::{renameat, unlinkat, AtFlags};
use rustix::io::Errno;

use crate::identity;

/// The path of backup number `n` of the log at `path`: `<path>.<n>`. Backups are numbered
/// from 1, the newest (the file the last rotation renamed), to the rotation's `max_files`,
/// the oldest. Non-UTF-8 paths are kept byte for byte.
///
/// ```
/// use std::path::Path;
/// use logwriter::backup_path;
///
/// assert_eq!(backup_path("/ws/log", 1), Path::new("/ws/log.1"));
/// assert_eq!(backup_path(Path::new("rel/work.log"), 12), Path::new("rel/work.log.12"));
/// ```
///
/// Reading a series from the oldest backup to the live log, as it was written:
///
/// ```no_run
/// use logwriter::{backup_path, Options};
///
/// let log = std::path::Path::new("/ws/log");
/// let max_files = Options::new().rotation().map_or(0, |rotation| rotation.max_files);
/// let mut files: Vec<_> = (1..=max_files).rev().map(|n| backup_path(log, n)).collect();
/// files.push(log.to_path_buf());
/// for file in files.iter().filter(|file| file.exists()) {
///     print!("{}", std::fs::read_to_string(file)?);
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn backup_path(path: impl AsRef<Path>, n: u32) -> PathBuf {
    let mut name = OsString::from(path.as_ref().as_os_str());
    name.push(".");
    name.push(itoa::Buffer::new().format(n));
    PathBuf::from(name)
}

/// Longest file name Linux accepts (`NAME_MAX`).
pub(crate) const NAME_MAX: usize = 255;

/// Builds `<name>`, `<name>.<n>` and `<name>.lock` as C strings on the stack.
pub(crate) struct SeriesName {
    bytes: [u8; NAME_MAX + 1],
    base_len: usize,
}

impl SeriesName {
    /// `None` if `name` is too long to carry a `.4294967295` or `.lock` suffix.
    pub(crate) fn new(name: &[u8]) -> Option<SeriesName> {
        // `.` + up to 10 digits.
        if name.is_empty() || name.len() + 11 > NAME_MAX || name.contains(&0) {
            return None;
        }
        let mut bytes = [0u8; NAME_MAX + 1];
        bytes[..name.len()].copy_from_slice(name);
        Some(SeriesName {
            bytes,
            base_len: name.len(),
        })
    }

    /// The active file's name.
    pub(crate) fn active(&mut self) -> &CStr {
        self.with_suffix(b"")
    }

    /// The name of backup `n`.
    pub(crate) fn backup(&mut self, n: u32) -> &CStr {
        self.with_suffix(itoa::Buffer::new().format(n).as_bytes())
    }

    /// The rotation lock file's name.
    pub(crate) fn lock(&mut self) -> &CStr {
        self.with_suffix(b"lock")
    }

    fn with_suffix(&mut self, suffix: &[u8]) -> &CStr {
        let mut end = self.base_len;
        if !suffix.is_empty() {
            self.bytes[end] = b'.';
            self.bytes[end + 1..end + 1 + suffix.len()].copy_from_slice(suffix);
            end += 1 + suffix.len();
        }
        self.bytes[end] = 0;
        // The name has no interior NUL (checked in `new`), and one was just put at `end`.
        CStr::from_bytes_until_nul(&self.bytes[..=end]).unwrap_or_default()
    }
}

/// A failed step of a shift: which system call, on which number, and why.
#[derive(Debug)]
pub(crate) enum ShiftError {
    /// `renameat` of `<name>.from` (0: the active file) to the next number.
    Rename(u32, Errno),
    /// `unlinkat` of `<name>.index`.
    Unlink(u32, Errno),
    /// `statx` of `<name>.index` while looking for the end of the series.
    Stat(u32, Errno),
}

/// Renames the active file to `.1`, shifting the backups up by one and dropping the
/// oldest beyond `max_files`. Returns whether the active file existed to be renamed.
///
/// Only the run of backups `.1 … .k` before the first missing number moves: a hole
/// (left by a crash between two renames) absorbs the shift, and the relative order of every
/// file is kept. Backups numbered from `max_files` up to the first missing number are
/// removed (those above `max_files` were left by an earlier, larger setting; one past a
/// hole stays). System calls: one `statx` per backup in the run, one `renameat` per file
/// moved, one `unlinkat` per file dropped.
pub(crate) fn shift<Fd: AsFd>(
    dir: Fd,
    name: &mut SeriesName,
    max_files: u32,
) -> Result<bool, ShiftError> {
    let dir = dir.as_fd();
    // The length of the run of existing backups, capped at max_files.
    let mut run = 0;
    while run < max_files {
        match identity::at(dir, name.backup(run + 1)) {
            Ok(_) => run += 1,
            Err(Errno::NOENT) => break,
            Err(errno) => return Err(ShiftError::Stat(run + 1, errno)),
        }
    }
    if run == max_files {
        remove_from(dir, name, max_files)?;
        run -= 1;
    }
    for from in (1..=run).rev() {
        rename_next(dir, name, from)?;
    }
    rename_next(dir, name, 0)
}

/// Removes `<name>.first`, `<name>.first+1`, … up to the first that does not exist.
fn remove_from(
    dir: std::os::fd::BorrowedFd<'_>,
    name: &mut SeriesName,
    first: u32,
) -> Result<(), ShiftError> {
    let mut index = first;
    loop {
        match unlinkat(dir, name.backup(index), AtFlags::empty()) {
            Ok(()) => {}
            Err(Errno::NOENT) => return Ok(()),
            Err(errno) => return Err(ShiftError::Unlink(index, errno)),
        }
        match index.checked_add(1) {
            Some(next) => index = next,
            None => return Ok(()),
        }
    }
}

/// Renames `<name>.from` (the active file when `from` is 0) to `<name>.from+1`;
/// `Ok(false)` if it did not exist.
fn rename_next(
    dir: std::os::fd::BorrowedFd<'_>,
    name: &mut SeriesName,
    from: u32,
) -> Result<bool, ShiftError> {
    let mut target = SeriesName {
        bytes: name.bytes,
        base_len: name.base_len,
    };
    let source = if from == 0 {
        name.active()
    } else {
        name.backup(from)
    };
    match renameat(dir, source, dir, target.backup(from + 1)) {
        Ok(()) => Ok(true),
        Err(Errno::NOENT) => Ok(false),
        Err(errno) => Err(ShiftError::Rename(from, errno)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let mut name = SeriesName::new(b"log").unwrap();
        assert_eq!(name.active(), c"log");
        assert_eq!(name.backup(1), c"log.1");
        assert_eq!(name.backup(4_294_967_295), c"log.4294967295");
        assert_eq!(name.lock(), c"log.lock");
        assert_eq!(name.active(), c"log");
        assert!(SeriesName::new(b"").is_none());
        assert!(SeriesName::new(b"a\0b").is_none());
        assert!(SeriesName::new(&[b'x'; 245]).is_none());
        assert!(SeriesName::new(&[b'x'; 244]).is_some());
    }

    #[test]
    fn backup_paths_are_the_names_a_rotation_makes() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"/ws/l\xffg"));
        let mut name = SeriesName::new(b"l\xffg").unwrap();
        for n in [0, 1, 9, 10, 4_294_967_295] {
            let backup = backup_path(path, n);
            assert_eq!(backup.parent(), Some(Path::new("/ws")));
            let file = backup.file_name().unwrap().as_bytes();
            assert_eq!(file, name.backup(n).to_bytes(), "{n}");
        }
    }
}
