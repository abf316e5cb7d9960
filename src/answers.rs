//! Model messages already had, for the exact same request: a commit retried after a failing
//! `commit-msg` hook, an editor closed without saving, or `ai-commit` run twice gets the earlier
//! message at once instead of waiting for the model again.
//!
//! One file per request under `$XDG_CACHE_HOME/ai-commit/answers/` (else
//! `~/.cache/ai-commit/answers/`), named by a hash of the request and holding the request's whole
//! text, so a hash collision can never return another change's message. Only messages the model
//! wrote (and the checks passed) are kept, never a fallback. The directory is private (0700),
//! each file 0600; at most [`MAX_ENTRIES`] files of at most [`MAX_FILE`] bytes are kept; a file
//! that is corrupt, foreign or not a regular file is ignored and replaced. Writes go to a
//! temporary file renamed into place, so two commits at once never see half a file.

use std::fs;
use std::path::{Path, PathBuf};

use crate::untrusted;

/// How many answers are kept; the oldest go first.
pub const MAX_ENTRIES: usize = 64;
/// The largest answer file read or written: the request's text and the message.
pub const MAX_FILE: u64 = 1 << 20;
/// The first line of every answer file.
const HEADER: &str = "ai-commit answer v1";

/// The answers directory, or none when there is no cache directory (no `HOME`).
#[derive(Debug, Clone)]
pub struct Answers {
    dir: PathBuf,
}

impl Answers {
    /// The answers kept under `cache_dir`.
    pub fn new(cache_dir: &Path) -> Answers {
        Answers {
            dir: cache_dir.join("answers"),
        }
    }

    /// The message the model gave for `key` before, if it was kept.
    pub fn get(&self, key: &str) -> Option<String> {
        let text = untrusted::read_to_string(&self.path(key), MAX_FILE).ok()?;
        let rest = text.strip_prefix(HEADER)?.strip_prefix('\n')?;
        let (len, rest) = rest.split_once('\n')?;
        let len: usize = len.parse().ok()?;
        let stored = rest.get(..len)?;
        let message = rest.get(len..)?.strip_prefix('\n')?;
        (stored == key && !message.trim().is_empty()).then(|| message.to_string())
    }

    /// Keeps `message` as the answer to `key`. Failing to keep it changes nothing else.
    pub fn put(&self, key: &str, message: &str) {
        let text = format!("{HEADER}\n{}\n{key}\n{message}", key.len());
        if text.len() as u64 > MAX_FILE
            || untrusted::replace_private(&self.path(key), text.as_bytes()).is_err()
        {
            return;
        }
        self.prune();
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{:016x}", fnv1a(key.as_bytes())))
    }

    /// Removes the oldest answers past [`MAX_ENTRIES`], and temporary files left by a process
    /// that died mid-write an hour ago or more.
    fn prune(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        let mut kept = Vec::new();
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            let modified = meta.modified().ok();
            let name = entry.file_name();
            let is_tmp = name.to_string_lossy().ends_with(".tmp");
            let stale_tmp = is_tmp
                && modified
                    .and_then(|m| m.elapsed().ok())
                    .is_some_and(|age| age.as_secs() > 3600);
            if stale_tmp {
                let _ = fs::remove_file(entry.path());
            } else if !is_tmp {
                kept.push((modified, entry.path()));
            }
        }
        if kept.len() <= MAX_ENTRIES {
            return;
        }
        kept.sort();
        for (_, path) in &kept[..kept.len() - MAX_ENTRIES] {
            let _ = fs::remove_file(path);
        }
    }
}

/// FNV-1a, 64 bits: a stable file name for a request (the file holds the request itself).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn an_answer_is_kept_privately_and_only_for_the_same_request() {
        let tmp = tempfile::tempdir().unwrap();
        let answers = Answers::new(tmp.path());
        assert_eq!(answers.get("request a"), None);
        answers.put("request a", "Add a greeting");
        assert_eq!(answers.get("request a").as_deref(), Some("Add a greeting"));
        assert_eq!(answers.get("request b"), None);
        let dir_mode = fs::metadata(tmp.path().join("answers"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        let file_mode = fs::metadata(answers.path("request a"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(file_mode & 0o777, 0o600);
    }

    #[test]
    fn a_corrupt_or_foreign_file_is_ignored_and_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let answers = Answers::new(tmp.path());
        answers.put("k", "Add x");
        let path = answers.path("k");
        for junk in [
            &b""[..],
            b"ai-commit answer v1\n999\nk\nAdd x",
            b"ai-commit answer v1\n1\nk",
            b"something else entirely",
            b"ai-commit answer v1\n1\nk\n\xff\xfe",
        ] {
            fs::write(&path, junk).unwrap();
            assert_eq!(answers.get("k"), None, "{junk:?}");
        }
        // The same name holding another request's text: no answer for this one.
        fs::write(&path, format!("{HEADER}\n5\nother\nFix y")).unwrap();
        assert_eq!(answers.get("k"), None);
        answers.put("k", "Add x");
        assert_eq!(answers.get("k").as_deref(), Some("Add x"));
        // A link to a device is never read, and writing replaces the link, not its target.
        fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        assert_eq!(answers.get("k"), None);
        answers.put("k", "Add x");
        assert!(fs::symlink_metadata(&path).unwrap().file_type().is_file());
        assert_eq!(answers.get("k").as_deref(), Some("Add x"));
    }

    #[test]
    fn the_cache_is_bounded_in_entries_and_size() {
        let tmp = tempfile::tempdir().unwrap();
        let answers = Answers::new(tmp.path());
        for i in 0..MAX_ENTRIES + 10 {
            answers.put(&format!("request {i}"), "Add x");
        }
        let n = fs::read_dir(tmp.path().join("answers")).unwrap().count();
        assert_eq!(n, MAX_ENTRIES);
        let huge = "x".repeat(MAX_FILE as usize);
        answers.put(&huge, "Add x");
        assert_eq!(answers.get(&huge), None);
    }

    #[test]
    fn two_writers_at_once_leave_a_whole_answer() {
        let tmp = tempfile::tempdir().unwrap();
        let answers = Answers::new(tmp.path());
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let a = answers.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        a.put("same request", &format!("Message {i}"));
                        if let Some(m) = a.get("same request") {
                            assert!(m.starts_with("Message "), "{m}");
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let m = answers.get("same request").unwrap();
        assert!(m.starts_with("Message "));
        let leftovers = fs::read_dir(tmp.path().join("answers"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 0);
    }
}
