//! Putting the hook where git finds it, and taking it away again exactly as it was:
//! [`local`] for one repository's hooks directory, [`global`] for every repository through
//! `core.hooksPath` (with pass-throughs that keep each repository's own hooks running).

pub mod global;
pub mod local;

use std::fs;
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
    /// The global `core.hooksPath` is set to a directory that is not ours.
    #[error("core.hooksPath is already set globally to {current}; left it alone")]
    ForeignHooksPath {
        /// Its value.
        current: String,
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
                "run `ai-commit install --global --force` to point it at ai-commit's directory; \
                 the hooks of the old directory keep running through it, and \
                 `ai-commit uninstall --global` sets it back",
            ),
            InstallError::HooksDir(_) => Some("run this inside a git repository"),
            InstallError::GlobalHere { .. } => Some(
                "`ai-commit uninstall --global` removes them for every repository; for this one \
                 only, set `sources = []` in its .ai-commit.toml",
            ),
            InstallError::GitTooOld { .. } => {
                Some("use `ai-commit install --global` instead, which works with any git")
            }
            InstallError::NoDataDir | InstallError::Config(_) | InstallError::Io { .. } => None,
        }
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

/// True when the file at `path` is a script we wrote.
pub fn is_ours(path: &Path) -> bool {
    // A hooks directory can be a repository's own (`core.hooksPath = .githooks`): only a small
    // regular file is read, never a link to a device or a FIFO.
    crate::untrusted::read_to_string(path, crate::untrusted::CONFIG_LIMIT)
        .is_ok_and(|t| t.contains(MARKER))
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

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), InstallError> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(io("chmod", path))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), InstallError> {
    Ok(())
}
