//! Installing and removing the hook shim in this repository's hooks directory, as git resolves
//! it. A hook that is not ours is never overwritten without `--force`, and then it is kept
//! aside and put back by `uninstall`.

use std::fs;
use std::path::{Path, PathBuf};

use crate::env::Environment;
use crate::git;

/// The shim, as shipped in `hooks/prepare-commit-msg`.
pub const SHIM: &str = include_str!("../hooks/prepare-commit-msg");
/// Marks a file as ours.
const MARKER: &str = "ai-commit-shim";
/// The shim line that records the binary's absolute path.
const BIN_LINE: &str = "AI_COMMIT_INSTALLED_BIN=''";
/// Where a foreign hook is kept while ours is installed with `--force`.
const BACKUP_SUFFIX: &str = ".before-ai-commit";

/// An install or uninstall that did not happen.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    /// git could not say where the hooks are (not a repository).
    #[error("cannot find this repository's hooks directory")]
    HooksDir(#[source] git::CliError),
    /// A hook that is not ours is in the way.
    #[error("{path} exists and is not ai-commit's hook; left it alone")]
    Foreign {
        /// The hook.
        path: PathBuf,
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
            InstallError::HooksDir(_) => Some("run this inside a git repository"),
            InstallError::Io { .. } => None,
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

/// True when the file at `path` is a shim we wrote.
fn is_ours(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|t| t.contains(MARKER))
}

/// The shim with the binary's absolute path recorded, so GUI clients with a minimal PATH
/// still find it.
pub fn shim_for(binary: Option<&Path>) -> String {
    match binary.and_then(|b| b.to_str()) {
        Some(b) => SHIM.replace(
            BIN_LINE,
            &format!("AI_COMMIT_INSTALLED_BIN={}", sh_quote(b)),
        ),
        None => SHIM.to_string(),
    }
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Installs the shim; returns the hook's path and what was done.
pub fn install(env: &Environment, force: bool) -> Result<(PathBuf, String), InstallError> {
    let dir = git::hooks_dir(env).map_err(InstallError::HooksDir)?;
    let hook = dir.join("prepare-commit-msg");
    let mut done = "installed".to_string();
    if hook.exists() || hook.is_symlink() {
        if is_ours(&hook) {
            done = "updated".to_string();
        } else if force {
            let backup = backup_path(&hook);
            fs::rename(&hook, &backup).map_err(io("move aside", &hook))?;
            done = format!(
                "installed; the previous hook is kept as {}",
                backup.display()
            );
        } else {
            return Err(InstallError::Foreign { path: hook });
        }
    }
    fs::create_dir_all(&dir).map_err(io("create", &dir))?;
    let binary = std::env::current_exe().ok();
    fs::write(&hook, shim_for(binary.as_deref())).map_err(io("write", &hook))?;
    make_executable(&hook)?;
    Ok((hook, done))
}

/// Removes our shim and puts back a hook that `install --force` set aside.
pub fn uninstall(env: &Environment) -> Result<(PathBuf, String), InstallError> {
    let dir = git::hooks_dir(env).map_err(InstallError::HooksDir)?;
    let hook = dir.join("prepare-commit-msg");
    if !hook.exists() {
        return Ok((hook, "was not installed".to_string()));
    }
    if !is_ours(&hook) {
        return Err(InstallError::Foreign { path: hook });
    }
    fs::remove_file(&hook).map_err(io("remove", &hook))?;
    let backup = backup_path(&hook);
    if backup.exists() {
        fs::rename(&backup, &hook).map_err(io("restore", &backup))?;
        return Ok((hook, "removed; the previous hook is back".to_string()));
    }
    Ok((hook, "removed".to_string()))
}

fn backup_path(hook: &Path) -> PathBuf {
    let mut name = hook.as_os_str().to_os_string();
    name.push(BACKUP_SUFFIX);
    PathBuf::from(name)
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
    fn shim_records_the_binary_quoted() {
        let shim = shim_for(Some(Path::new("/opt/it's/ai-commit")));
        assert!(shim.contains("AI_COMMIT_INSTALLED_BIN='/opt/it'\\''s/ai-commit'\n"));
        assert!(shim.contains(MARKER));
    }

    #[test]
    fn shipped_shim_has_the_line_install_rewrites() {
        assert!(SHIM.contains(BIN_LINE));
        assert!(SHIM.starts_with("#!/bin/sh\n"));
    }
}
