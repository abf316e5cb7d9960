//! Putting the hook where git finds it, and taking it away again exactly as it was:
//! [`local`] for one repository's hooks directory, [`global`] for every repository through
//! `core.hooksPath` (with pass-throughs that keep each repository's own hooks running).

pub mod global;
pub mod hooks_path;
pub mod local;

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::git_cli;

pub use local::{install, shim_for, uninstall, SHIM};

/// Marks a file as ours.
const MARKER: &str = "ai-commit-shim";
/// The line of a shipped script that install rewrites to record the binary's absolute path.
const BIN_LINE: &str = "AI_COMMIT_INSTALLED_BIN=''";

/// An install or uninstall that did not happen.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// git could not say where the hooks are (not a repository).
    #[error("cannot find this repository's hooks directory")]
    HooksDir(#[source] git_cli::CliError),
    /// A hook that is not ours is in the way.
    #[error("{path} exists and is not ai-commit's hook; left it alone")]
    Foreign {
        /// The hook.
        path: PathBuf,
    },
    /// husky owns this repository's hooks directory.
    #[error("this repository's hooks are managed by husky (core.hooksPath = {hooks_path})")]
    Husky {
        /// The repository's own `core.hooksPath`.
        hooks_path: String,
    },
    /// The `core.hooksPath` every repository uses is a directory that is not ours.
    #[error("core.hooksPath is already set globally to {current} (in {origin}); left it alone")]
    ForeignHooksPath {
        /// Its value.
        current: String,
        /// Where it is set.
        origin: String,
    },
    /// Some repositories get a `core.hooksPath` of their own through an `includeIf`.
    #[error(
        "core.hooksPath is set to {value} for the repositories that match includeIf \
         \"{condition}\" in {origin}; a global hooks directory would stop those hooks, or run \
         them everywhere, so nothing was changed"
    )]
    ConditionalHooksPath {
        /// Its value.
        value: String,
        /// The `includeIf` condition.
        condition: String,
        /// The file holding the `includeIf`.
        origin: String,
    },
    /// A hook set of ours holds, under a hook name, something that is not ours.
    #[error("{} not ai-commit's; left everything alone", list_paths(paths))]
    ForeignInHookSet {
        /// What is in the way.
        paths: Vec<PathBuf>,
    },
    /// A hook set of ours did not come out as written.
    #[error("the hook set in {dir} is not complete after writing it: {broken}")]
    HookSetBroken {
        /// The directory.
        dir: PathBuf,
        /// Which pass-throughs, and what is wrong with them.
        broken: String,
    },
    /// git still uses another `core.hooksPath` after ours was written.
    #[error("git would still use core.hooksPath = {winner}, so nothing was changed")]
    NotInEffect {
        /// The value in effect and where it is set.
        winner: String,
    },
    /// This repository uses ai-commit's global hooks directory.
    #[error("this repository runs ai-commit's global hooks from {dir}; left them alone")]
    GlobalHere {
        /// The global hooks directory.
        dir: PathBuf,
    },
    /// Neither `XDG_DATA_HOME` nor `HOME` is set.
    #[error("cannot find a data directory for the global hooks (set HOME or XDG_DATA_HOME)")]
    NoDataDir,
    /// git refused to read or write its configuration.
    #[error("cannot change git's configuration")]
    Config(#[source] git_cli::CliError),
    /// Config-defined hooks need a newer git.
    #[error("config-defined hooks need git 2.54 or newer; this git is {found}")]
    GitTooOld {
        /// The version found.
        found: String,
    },
    /// A file operation failed.
    #[error("cannot {action} {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

impl InstallError {
    /// What the person can do about it.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            InstallError::Foreign { .. } => Some(
                "run `ai-commit install --force` to set it aside (uninstall puts it back), \
                 or call `ai-commit hook \"$@\"` from your own hook",
            ),
            InstallError::Husky { .. } => Some(
                "add the line `ai-commit hook \"$@\"` to .husky/prepare-commit-msg (husky runs \
                 it with git's arguments)",
            ),
            InstallError::ForeignHooksPath { .. } => Some(
                "run `ai-commit install --global --force` to make ai-commit's directory the one \
                 git uses; the hooks of the old directory keep running through it, and \
                 `ai-commit uninstall --global` removes only ai-commit's line, so the old \
                 setting is in effect again",
            ),
            InstallError::ConditionalHooksPath { .. } => Some(
                "install it in each repository with `ai-commit install` (it writes into the \
                 hooks directory git uses there), or with git 2.54 or newer use \
                 `ai-commit install --config-hook`, which needs no core.hooksPath",
            ),
            InstallError::HooksDir(_) => Some("run this inside a git repository"),
            InstallError::GlobalHere { .. } => Some(
                "`ai-commit uninstall --global` removes them for every repository; for this one \
                 only, set `sources = []` in its .ai-commit.toml",
            ),
            InstallError::ForeignInHookSet { .. } => Some(
                "git runs these instead of each repository's own hooks of the same names: move \
                 them out of that directory (into one of your own), then install again",
            ),
            InstallError::GitTooOld { .. } => {
                Some("use `ai-commit install --global` instead, which works with any git")
            }
            InstallError::NoDataDir
            | InstallError::Config(_)
            | InstallError::NotInEffect { .. }
            | InstallError::HookSetBroken { .. }
            | InstallError::Io { .. } => None,
        }
    }
}

fn list_paths(paths: &[PathBuf]) -> String {
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    match names.as_slice() {
        [one] => format!("{one} is"),
        _ => format!("{} are", names.join(", ")),
    }
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> InstallError {
    let path = path.to_path_buf();
    move |source| InstallError::Io {
        action,
        path,
        source,
    }
}

/// What a directory entry of ours holds, read without following a link there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Nothing, not even a dangling link.
    Absent,
    /// A regular file with our marker: ours to replace or remove.
    Ours,
    /// Anything else: someone's file, a link (even one to a script of ours), a directory.
    Foreign,
}

/// What is at `path` itself. A link is never ours: writing through it would change the file it
/// points at, which may be another repository's hook or lie outside the directory entirely.
pub fn entry(path: &Path) -> Entry {
    match fs::symlink_metadata(path) {
        Err(_) => Entry::Absent,
        Ok(meta) if meta.file_type().is_file() && has_marker(path) => Entry::Ours,
        Ok(_) => Entry::Foreign,
    }
}

/// True when git, running `path`, runs a script of ours (through a link too): what `doctor`
/// asks, where [`entry`] is what an install may replace.
pub fn runs_ours(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| m.is_file()) && has_marker(path)
}

/// The most of a hook that is read: far more than any script.
const MAX_SCRIPT_BYTES: u64 = 1 << 20;

/// The text of the hook git would run at `path` (through a link too), only when it is a
/// regular file and at most 1 MiB: a hook that a repository links to /dev/zero (husky's are
/// repository content) must not hang `doctor`.
pub fn read_script(path: &Path) -> Option<String> {
    crate::untrusted::read(path, MAX_SCRIPT_BYTES)
        .ok()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// Our marker is on the second line of every script we write: the first bytes tell.
fn has_marker(path: &Path) -> bool {
    let mut head = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(512).read_to_end(&mut head))
        .is_ok_and(|_| String::from_utf8_lossy(&head).contains(MARKER))
}

/// Writes `text` as an executable script at `path` by replacing the directory entry itself: a
/// new file beside it, renamed over it. Whatever was at `path` (a link too) is replaced, never
/// written through; the caller has decided it may be.
fn write_script(path: &Path, text: &str) -> Result<(), InstallError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "hook".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{name}.ai-commit-{}.tmp", std::process::id()));
    let written = create_new_executable(&temp)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(io("write", &temp))
        .and_then(|()| make_executable(&temp))
        .and_then(|()| fs::rename(&temp, path).map_err(io("replace", path)));
    if written.is_err() {
        let _ = fs::remove_file(&temp);
    }
    written
}

/// A file that did not exist (a link or file of that name makes it fail, not followed).
fn create_new_executable(path: &Path) -> std::io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o755);
    }
    options.open(path)
}

/// Where a foreign hook is kept while ours is installed with `--force`.
const BACKUP_SUFFIX: &str = ".before-ai-commit";

/// How many backups of one hook are looked for.
const MAX_BACKUPS: u32 = 100;

/// A name to keep `hook` aside under that holds nothing yet and comes after every backup
/// already there: `<hook>.before-ai-commit`, then `.before-ai-commit.2`, `.3`, ...: a second
/// backup never replaces the first.
fn free_backup_path(hook: &Path) -> PathBuf {
    let next = backups(hook).last().map_or(1, |(n, _)| n + 1);
    backup_path(hook, next)
}

/// The backups of `hook` with their numbers, oldest first (a dangling link counts: it is what
/// was there).
fn backups(hook: &Path) -> Vec<(u32, PathBuf)> {
    (1..=MAX_BACKUPS)
        .map(|n| (n, backup_path(hook, n)))
        .filter(|(_, p)| fs::symlink_metadata(p).is_ok())
        .collect()
}

fn backup_path(hook: &Path, n: u32) -> PathBuf {
    let mut name = hook.as_os_str().to_os_string();
    name.push(BACKUP_SUFFIX);
    if n > 1 {
        name.push(format!(".{n}"));
    }
    PathBuf::from(name)
}

/// `script` with the binary's absolute path recorded, so GUI clients with a minimal PATH
/// still find it.
fn with_binary(script: &str, binary: Option<&Path>) -> String {
    match binary.and_then(|b| b.to_str()) {
        Some(b) => script.replace(
            BIN_LINE,
            &format!("AI_COMMIT_INSTALLED_BIN={}", sh_quote(b)),
        ),
        None => script.to_string(),
    }
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Whether `script` is the pass-through of a hook set (`install --global`, `--hooks-dir`)
/// rather than the one-repository shim.
pub fn is_hook_set_script(script: &str) -> bool {
    script
        .lines()
        .nth(1)
        .is_some_and(|l| l.starts_with("# ai-commit global hook"))
}

/// The value a script of ours records on its line `<var>='...'` (the binary, the hooks
/// directory it chains to), as install wrote it; `None` when empty or absent.
pub fn recorded(script: &str, var: &str) -> Option<String> {
    let quoted = script
        .lines()
        .find_map(|l| l.strip_prefix(var)?.strip_prefix('='))?;
    let value = quoted
        .strip_prefix('\'')?
        .strip_suffix('\'')?
        .replace(r"'\''", "'");
    (!value.is_empty()).then_some(value)
}

/// Whether git would run the file at `path` (its run bit is set).
#[cfg(unix)]
pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether git would run the file at `path`.
#[cfg(not(unix))]
pub fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), InstallError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(io("chmod", path))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), InstallError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_reads_back_what_install_wrote() {
        let script = with_binary(SHIM, Some(Path::new("/opt/it's/ai-commit")));
        assert_eq!(
            recorded(&script, "AI_COMMIT_INSTALLED_BIN").as_deref(),
            Some("/opt/it's/ai-commit")
        );
        assert_eq!(recorded(SHIM, "AI_COMMIT_INSTALLED_BIN"), None);
        assert_eq!(recorded(SHIM, "NO_SUCH_LINE"), None);
    }

    #[test]
    fn a_hook_set_script_is_told_from_the_shim() {
        assert!(is_hook_set_script(global::GLOBAL_HOOK));
        assert!(!is_hook_set_script(SHIM));
    }
}
