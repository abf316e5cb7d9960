//! Files named by a repository, a variable or git: only a regular file (after following links)
//! is read, mapped or replaced, never more than a bound, and opening one never blocks.
//!
//! A cloned repository can make `.ai-commit.toml` a link to `/dev/zero`, `/dev/tty` or a FIFO;
//! git can be handed `/dev/null` as the message file. Each is refused with an error that says
//! what the path is, and the caller leaves it alone.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The most of a configuration file that is read: far above any real one.
pub const CONFIG_LIMIT: u64 = 1 << 20;
/// The most of a commit message file that is read: `git commit -v` puts the staged diff in it.
pub const MESSAGE_LIMIT: u64 = 64 << 20;

/// `O_NONBLOCK | O_NOCTTY`: a FIFO or terminal swapped in after the type check cannot hang the
/// open or become our controlling terminal. Values from the platforms' `<fcntl.h>`; the BSDs
/// and macOS never give a process a controlling terminal at open, so only `O_NONBLOCK` there.
#[cfg(any(target_os = "linux", target_os = "android"))]
const OPEN_FLAGS: i32 = 0o4000 | 0o400;
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
))]
const OPEN_FLAGS: i32 = 0x0004;
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)))]
const OPEN_FLAGS: i32 = 0;

/// The metadata of `path` after following links, if it is a regular file. Anything else is an
/// `InvalidInput` error naming what it is; a missing file stays `NotFound`, and a link loop is
/// the system's own error.
pub fn regular(path: &Path) -> io::Result<Metadata> {
    let meta = fs::metadata(path)?;
    check_regular(&meta)?;
    Ok(meta)
}

/// The whole file, if it is a regular file of at most `limit` bytes.
pub fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    let (file, len) = open_bounded(path, limit)?;
    read_bounded(file, limit, len)
}

/// `path` opened for reading, and its size, if it is a regular file of at most `limit` bytes:
/// checked before the open (a FIFO is never opened) and again on the handle.
fn open_bounded(path: &Path, limit: u64) -> io::Result<(File, u64)> {
    let meta = regular(path)?;
    check_size(meta.len(), limit)?;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(OPEN_FLAGS)
        .open(path)?;
    // The path may have been swapped between the check and the open: the handle decides.
    let meta = file.metadata()?;
    check_regular(&meta)?;
    check_size(meta.len(), limit)?;
    Ok((file, meta.len()))
}

/// A regular file of at most `limit` bytes, mapped read-only where it lies, under the rules of
/// [`read`]: for a large file read once from start to end (git's index), which is not copied.
///
/// A file truncated by another process while it is mapped would end this one (`SIGBUS`) when
/// the lost part is touched: only a file that is replaced by renaming, never rewritten in place,
/// is to be mapped. git writes its index that way.
pub fn map(path: &Path, limit: u64) -> io::Result<Mapped> {
    use std::os::fd::AsRawFd;
    let (file, len) = open_bounded(path, limit)?;
    let len = len as usize;
    if len == 0 {
        return Ok(Mapped {
            at: std::ptr::null_mut(),
            len: 0,
        });
    }
    // SAFETY: a private, read-only mapping of `len` bytes of an open regular file; the kernel
    // chooses the address, and the result is checked before use. It stays valid after `file`
    // is closed, until `Mapped` unmaps it.
    let at = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            file.as_raw_fd(),
            0,
        )
    };
    if at == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(Mapped { at, len })
}

/// A file mapped by [`map`]: its bytes, until dropped.
pub struct Mapped {
    at: *mut libc::c_void,
    len: usize,
}

impl std::ops::Deref for Mapped {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `at` is a live read-only mapping of `len` bytes (see `map`), never written
        // through and unmapped only on drop.
        unsafe { std::slice::from_raw_parts(self.at.cast::<u8>(), self.len) }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        if self.len > 0 {
            // SAFETY: the mapping `map` made, unmapped once.
            unsafe {
                libc::munmap(self.at, self.len);
            }
        }
    }
}

/// The file as text (invalid UTF-8 is an `InvalidData` error), under the rules of [`read`].
pub fn read_to_string(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not valid UTF-8"))
}

/// Replaces `path` with `bytes`, privately: the directory is created 0700 if missing, the file
/// is written 0600 under a temporary name no other writer uses, then renamed into place. The
/// rename replaces the directory entry itself (a link too, never its target), so a reader, or
/// another writer at the same moment, sees the old file or the new one, never half of either.
pub fn replace_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::DirBuilderExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(
        ".{name}.{}-{}.tmp",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        file.write_all(bytes)?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Reads at most `limit` bytes; a file that grew past the bound while being read is refused.
/// Reads at most `limit` bytes (an error past it); `expected` is the size the file had, so that
/// a large file is read into one allocation rather than grown into.
fn read_bounded(file: File, limit: u64, expected: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(expected.min(limit) as usize + 1);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    check_size(bytes.len() as u64, limit)?;
    Ok(bytes)
}

fn check_regular(meta: &Metadata) -> io::Result<()> {
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(());
    }
    let what = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("not a regular file ({what})"),
    ))
}

fn check_size(len: u64, limit: u64) -> io::Result<()> {
    if len <= limit {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("larger than {}", human(limit)),
    ))
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "abc").unwrap();
        assert_eq!(read(&path, 3).unwrap(), b"abc");
        assert_eq!(read_to_string(&path, 3).unwrap(), "abc");
    }

    #[test]
    fn a_mapped_file_is_its_bytes_within_the_bound() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        fs::write(&path, &bytes).unwrap();
        assert_eq!(&*map(&path, 10_000).unwrap(), bytes.as_slice());
        assert_eq!(
            map(&path, 9_999).err().unwrap().to_string(),
            "larger than 9999 bytes"
        );
        fs::write(&path, "").unwrap();
        assert!(map(&path, 1).unwrap().is_empty());
    }

    #[test]
    fn a_file_over_the_bound_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        fs::write(&path, "abcd").unwrap();
        let err = read(&path, 3).unwrap_err();
        assert_eq!(err.to_string(), "larger than 3 bytes");
    }

    #[test]
    fn devices_directories_and_fifos_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        for (path, what) in [
            (Path::new("/dev/zero"), "a character device"),
            (dir.path(), "a directory"),
            (fifo.as_path(), "a FIFO"),
        ] {
            let err = read(path, CONFIG_LIMIT).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{path:?}");
            assert_eq!(err.to_string(), format!("not a regular file ({what})"));
            let err = map(path, CONFIG_LIMIT).err().expect("not mapped");
            assert_eq!(err.to_string(), format!("not a regular file ({what})"));
        }
    }

    #[test]
    fn a_missing_file_stays_not_found() {
        let err = read(Path::new("/nonexistent/ai-commit"), 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
