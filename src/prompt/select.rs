//! What of the change goes into the prompt: which files show their diff and which are named
//! only (lockfiles, generated, whitespace-only, LFS pointers, excluded and secret paths), and how
//! the token budget is shared among the files shown.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::diff::FileChange;
use crate::redact::is_secret_path;

pub(super) fn exclusion_set(globs: &[String]) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for g in globs {
        // Invalid globs were rejected when the config was loaded.
        if let Ok(glob) = GlobBuilder::new(g).build() {
            builder.add(glob);
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

/// How a file stands in the prompt: with its diff, or by name with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Treatment {
    /// Its diff is shown.
    Diff,
    /// A submodule moved: old and new commits.
    Submodule(String, String),
    /// Binary content.
    Binary,
    /// A Git LFS pointer, with the object's size.
    LfsPointer(String),
    /// No content lines changed (a mode change, an empty file, a pure rename).
    NoHunks,
    /// Only whitespace changed.
    WhitespaceOnly,
    /// Written by a tool.
    Generated,
    /// A secret file: its content is never sent.
    Secret,
    /// A lockfile.
    Lockfile,
    /// Matched by `exclude`.
    Excluded,
}

/// Decides how `f` is shown.
pub(super) fn treatment(f: &FileChange, excluded: &GlobSet) -> Treatment {
    if let Some((old, new)) = &f.submodule {
        Treatment::Submodule(old.clone(), new.clone())
    } else if f.binary {
        Treatment::Binary
    } else if let Some(size) = lfs_pointer(f) {
        Treatment::LfsPointer(size)
    } else if f.hunks.is_empty() {
        Treatment::NoHunks
    } else if crate::facts::is_whitespace_only(f) {
        Treatment::WhitespaceOnly
    } else if is_generated(f) {
        Treatment::Generated
    } else if is_secret_path(&f.path) {
        Treatment::Secret
    } else if crate::bumps::is_lockfile(f) {
        Treatment::Lockfile
    } else if excluded.is_match(&f.path) {
        Treatment::Excluded
    } else {
        Treatment::Diff
    }
}

/// Written by a tool: `linguist-generated` in `.gitattributes`, or a name tools use.
fn is_generated(f: &FileChange) -> bool {
    let name = f.file_name();
    f.generated
        || [
            ".min.js",
            ".min.css",
            ".pb.go",
            "_pb2.py",
            ".g.dart",
            ".designer.cs",
            ".map",
        ]
        .iter()
        .any(|s| name.ends_with(s))
        || name.contains(".generated.")
        || name.contains("_generated.")
}

/// A Git LFS pointer's object size, when the staged text is a pointer rather than content:
/// its `oid` and `size` lines say nothing about the change.
fn lfs_pointer(f: &FileChange) -> Option<String> {
    const SPEC: &str = "version https://git-lfs.github.com/spec/";
    let body = &f.hunks.first()?.body;
    let mut lines = body.lines();
    let first = lines.next()?;
    if !first.get(1..)?.starts_with(SPEC) {
        return None;
    }
    let size = body
        .lines()
        .filter(|l| l.starts_with('+'))
        .find_map(|l| l[1..].strip_prefix("size "))
        .unwrap_or("?");
    Some(size.trim().to_string())
}

/// Splits `budget` among sections: small ones whole, the rest in equal shares (water-filling),
/// so one huge file cannot crowd out every other file's diff.
pub(super) fn share_out(sizes: &[usize], budget: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| sizes[i]);
    let mut shares = vec![0; sizes.len()];
    let mut left = budget;
    for (n, &i) in order.iter().enumerate() {
        let fair = left / (sizes.len() - n);
        // A share too small to show anything is worth more as whole small files: with
        // thousands of files, show as many complete ones as fit rather than none at all.
        if fair < MIN_SHARE && sizes[i] > fair {
            for &j in &order[n..] {
                if sizes[j] <= left {
                    shares[j] = sizes[j];
                    left -= sizes[j];
                }
            }
            break;
        }
        shares[i] = sizes[i].min(fair);
        left -= shares[i];
    }
    shares
}

/// The smallest share of the window a partly shown file is given.
const MIN_SHARE: usize = 96;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_favour_small_sections() {
        assert_eq!(share_out(&[100, 10, 1000], 300), vec![100, 10, 190]);
        assert_eq!(share_out(&[5, 5], 100), vec![5, 5]);
        // Too many files for a useful share each: whole ones, smallest first, while they fit.
        assert_eq!(share_out(&[30; 5], 100), vec![30, 30, 30, 0, 0]);
    }
}
