//! Which file a descriptor or a name is, and its size, without reading its timestamps.
//!
//! Every stat the writer makes goes through here, and every stat of the command-line tool
//! (`src/bin/logwriter`, which includes this file as a module of its own): `statx(2)` asking only for the type, the
//! inode number and the size. A plain `fstat(2)` also reports the change time, and on
//! Linux 6.13 and later, filesystems with multigrain timestamps (ext4, xfs, btrfs, tmpfs)
//! remember that it was read: the next `write(2)` to the file then stamps it with the fine
//! clock and dirties the inode in the journal, where a write would otherwise leave the
//! coarse, unchanged time alone. At the default reopen-check rate that made every append
//! cost 38 more kernel instructions (`perf stat -e instructions:k`, README "Performance").
//! A `statx` without the time bits leaves the inode unmarked.
//!
//! Kernels before 4.11, and sandboxes that refuse `statx`, get `fstat`/`fstatat` instead
//! (`rustix` finds out once and then reports `ENOSYS` without a call; `EPERM` from a
//! seccomp filter is taken the same way).
//!
//! The command-line tool also asks for the birth time ([`WITH_BIRTH`]), which tells a new
//! file from an earlier one that had its inode. A file's birth time never changes, and
//! asking for it does not mark the inode: only a request for the change or modification
//! time does.

use std::ffi::CStr;
use std::os::fd::AsFd;

use rustix::fs::{fstat, makedev, statat, statx, AtFlags, FileType, Stat, Statx, StatxFlags};
use rustix::io::Errno;

/// A file's device and inode, which name it, and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FileId {
    /// Device number, encoded as `st_dev` is.
    pub(crate) dev: u64,
    /// Inode number.
    pub(crate) ino: u64,
    /// Size in bytes.
    pub(crate) size: u64,
    /// Whether it is a regular file.
    pub(crate) regular: bool,
    /// Whether it is a directory.
    pub(crate) directory: bool,
    /// The birth time, seconds and nanoseconds, when it was asked for ([`WITH_BIRTH`]) and
    /// the filesystem records one (ext4, xfs, btrfs and tmpfs do).
    pub(crate) born: Option<(i64, u32)>,
}

impl FileId {
    /// Whether `self` and `other` are the same file: the same inode on the same device.
    /// For files held open, as the writer's are, that is enough: an inode is not reused
    /// while a descriptor holds it.
    pub(crate) fn same_file(&self, other: &FileId) -> bool {
        self.dev == other.dev && self.ino == other.ino
    }

    /// Whether `self` and `other` are the same file, even if one of them was deleted and
    /// its inode given to a new file meanwhile: [`FileId::same_file`] and, where both birth
    /// times are known, the same birth time.
    #[allow(dead_code)] // For the command-line tool, which includes this file.
    pub(crate) fn same_birth(&self, other: &FileId) -> bool {
        self.same_file(other)
            && match (self.born, other.born) {
                (Some(mine), Some(theirs)) => mine == theirs,
                _ => true,
            }
    }
}

/// What the writer asks `statx` for: no timestamps.
const WANTED: StatxFlags = StatxFlags::TYPE
    .union(StatxFlags::INO)
    .union(StatxFlags::SIZE);

/// What the command-line tool asks for: the same, and the birth time.
#[allow(dead_code)] // For the command-line tool, which includes this file.
pub(crate) const WITH_BIRTH: StatxFlags = WANTED.union(StatxFlags::BTIME);

/// The file `fd` refers to: `statx(fd, "", AT_EMPTY_PATH)`, else `fstat(2)`.
pub(crate) fn of_fd(fd: impl AsFd) -> Result<FileId, Errno> {
    of_fd_asking(fd, WANTED)
}

/// How many names the file `fd` refers to has: 0 once it was deleted. `statx` asking for
/// the link count alone, else `fstat(2)`.
#[allow(dead_code)] // The writer's; the command-line tool includes this file too.
#[allow(clippy::useless_conversion)] // `st_nlink` is a `u32` on 32-bit targets.
pub(crate) fn links_of_fd(fd: impl AsFd) -> Result<u64, Errno> {
    match statx(&fd, c"", AtFlags::EMPTY_PATH, StatxFlags::NLINK) {
        Err(Errno::NOSYS | Errno::PERM) => fstat(&fd).map(|st| u64::from(st.st_nlink)),
        result => result.map(|st| u64::from(st.stx_nlink)),
    }
}

/// As [`of_fd`], asking `statx` for `mask`.
pub(crate) fn of_fd_asking(fd: impl AsFd, mask: StatxFlags) -> Result<FileId, Errno> {
    match statx(&fd, c"", AtFlags::EMPTY_PATH, mask) {
        Err(Errno::NOSYS | Errno::PERM) => fstat(&fd).map(from_stat),
        result => result.map(from_statx),
    }
}

/// The file at `name` in the directory `dir`; a symbolic link there is reported as
/// itself, not followed, and an automount point is not mounted: `statx(dir, name,
/// AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)`, else `fstatat(2)`, which never automounts.
pub(crate) fn at(dir: impl AsFd, name: &CStr) -> Result<FileId, Errno> {
    at_with(dir, name, AtFlags::SYMLINK_NOFOLLOW, WANTED)
}

/// As [`at`], with `follow` either `AT_SYMLINK_NOFOLLOW` or empty (the command-line tool,
/// which includes this module, follows the links in the paths it is given), asking `statx`
/// for `mask`.
pub(crate) fn at_with(
    dir: impl AsFd,
    name: impl rustix::path::Arg + Copy,
    follow: AtFlags,
    mask: StatxFlags,
) -> Result<FileId, Errno> {
    match statx(&dir, name, follow | AtFlags::NO_AUTOMOUNT, mask) {
        Err(Errno::NOSYS | Errno::PERM) => statat(&dir, name, follow).map(from_stat),
        result => result.map(from_statx),
    }
}

fn from_statx(st: Statx) -> FileId {
    FileId {
        dev: makedev(st.stx_dev_major, st.stx_dev_minor),
        ino: st.stx_ino,
        size: st.stx_size,
        regular: FileType::from_raw_mode(u32::from(st.stx_mode)) == FileType::RegularFile,
        directory: FileType::from_raw_mode(u32::from(st.stx_mode)) == FileType::Directory,
        born: StatxFlags::from_bits_retain(st.stx_mask)
            .contains(StatxFlags::BTIME)
            .then_some((st.stx_btime.tv_sec, st.stx_btime.tv_nsec)),
    }
}

fn from_stat(st: Stat) -> FileId {
    FileId {
        dev: st.st_dev,
        ino: st.st_ino,
        size: u64::try_from(st.st_size).unwrap_or(0),
        regular: FileType::from_raw_mode(st.st_mode) == FileType::RegularFile,
        directory: FileType::from_raw_mode(st.st_mode) == FileType::Directory,
        born: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::fs::CWD;
    use std::os::unix::fs::MetadataExt;

    // Miri cannot make rustix's `statx` call; the writer's tests, which need real files,
    // stay out of Miri for the same reason.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn statx_and_fstat_name_the_same_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("f");
        std::fs::write(&path, b"twelve bytes").expect("write");
        let file = std::fs::File::open(&path).expect("open");
        let dir_fd = std::fs::File::open(dir.path()).expect("open dir");

        let by_fd = of_fd(&file).expect("statx fd");
        let by_name = at(&dir_fd, c"f").expect("statx name");
        let fallback = fstat(&file).map(from_stat).expect("fstat");
        assert_eq!(by_fd, fallback);
        assert_eq!(by_fd, by_name);
        assert!(by_fd.same_file(&by_name));
        assert_eq!(by_fd.size, 12);
        assert!(by_fd.regular);
        let meta = std::fs::metadata(&path).expect("metadata");
        assert_eq!((by_fd.dev, by_fd.ino), (meta.dev(), meta.ino()));
    }

    /// Inode numbers are per filesystem: two fresh tmpfs mounts hand out the same ones, and
    /// a file bind-mounted over the log's name must not pass for the log. The size and type
    /// play no part.
    #[test]
    fn the_same_inode_on_another_device_is_another_file() {
        let id = |dev, ino, size| FileId {
            dev,
            ino,
            size,
            regular: true,
            directory: false,
            born: None,
        };
        assert!(id(8, 12, 0).same_file(&id(8, 12, 4096)));
        assert!(!id(8, 12, 0).same_file(&id(9, 12, 0)));
        assert!(!id(8, 12, 0).same_file(&id(8, 13, 0)));
    }

    /// A new file on the inode of a deleted one is told apart by its birth time, where
    /// both are known.
    #[test]
    fn a_reused_inode_with_another_birth_is_another_file() {
        let id = |ino, born| FileId {
            dev: 8,
            ino,
            size: 0,
            regular: true,
            directory: false,
            born,
        };
        let first = id(12, Some((1_777_636_800, 5)));
        assert!(first.same_birth(&id(12, Some((1_777_636_800, 5)))));
        assert!(!first.same_birth(&id(12, Some((1_777_636_800, 6)))));
        assert!(first.same_file(&id(12, Some((1_777_636_800, 6)))));
        assert!(
            first.same_birth(&id(12, None)),
            "no birth time: the inode decides"
        );
        assert!(!first.same_birth(&id(13, Some((1_777_636_800, 5)))));
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn birth_times_are_read_only_when_asked_for() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("f"), b"x").expect("write");
        let file = std::fs::File::open(dir.path().join("f")).expect("open");
        assert_eq!(of_fd(&file).expect("statx").born, None);
        let with = of_fd_asking(&file, WITH_BIRTH).expect("statx with birth");
        let by_name = at_with(CWD, &dir.path().join("f"), AtFlags::empty(), WITH_BIRTH)
            .expect("statx name with birth");
        assert_eq!(with.born, by_name.born);
        // std reads the birth time through statx too, where the filesystem has one.
        match std::fs::metadata(dir.path().join("f")).and_then(|m| m.created()) {
            Ok(created) => {
                let since = created
                    .duration_since(std::time::UNIX_EPOCH)
                    .expect("after 1970");
                let secs = i64::try_from(since.as_secs()).expect("secs");
                assert_eq!(with.born, Some((secs, since.subsec_nanos())));
            }
            Err(_) => assert_eq!(with.born, None),
        }
    }

    #[test]
    #[cfg_attr(miri, ignore)]
    fn a_symlink_is_reported_not_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("target"), b"x").expect("write");
        std::os::unix::fs::symlink("target", dir.path().join("link")).expect("symlink");
        let dir_fd = std::fs::File::open(dir.path()).expect("open dir");
        let link = at(&dir_fd, c"link").expect("statx link");
        let target = at(&dir_fd, c"target").expect("statx target");
        assert!(!link.regular);
        assert!(!link.same_file(&target));
        assert_eq!(at(&dir_fd, c"missing"), Err(Errno::NOENT));
    }
}
