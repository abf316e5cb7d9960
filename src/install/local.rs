//! The hook shim in this repository's hooks directory, as git resolves it. A hook that is not
//! ours is never overwritten without `--force`, and then it is kept aside and put back by
//! `uninstall`.

use std::fs;
use std::path::{Path, PathBuf};

use super::{io, is_ours, make_executable, with_binary, InstallError};
use crate::env::Environment;
use crate::git_cli;

/// The shim, as shipped in `hooks/prepare-commit-msg`.
pub const SHIM: &str = include_str!("../../hooks/prepare-commit-msg");
/// Where a foreign hook is kept while ours is installed with `--force`.
const BACKUP_SUFFIX: &str = ".before-ai-commit";

/// The shim with the binary's absolute path recorded, so GUI clients with a minimal PATH
/// still find it.
pub fn shim_for(binary: Option<&Path>) -> String {
    with_binary(SHIM, binary)
}

/// Installs the shim; returns the hook's path and what was done.
pub fn install(env: &Environment, force: bool) -> Result<(PathBuf, String), InstallError> {
    let dir = git_cli::hooks_dir(env).map_err(InstallError::HooksDir)?;
    if let Some(local) = husky_hooks_path(env) {
        return Err(InstallError::Husky { hooks_path: local });
    }
    let hook = dir.join("prepare-commit-msg");
    // git already runs ai-commit's global hooks here: writing the one-repository shim into
    // that shared directory would replace the pass-through of every repository.
    if is_global_dir(env, &dir) {
        return Ok((
            hook,
            "is already active here: core.hooksPath points at ai-commit's global hooks".into(),
        ));
    }
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
    let dir = git_cli::hooks_dir(env).map_err(InstallError::HooksDir)?;
    if is_global_dir(env, &dir) {
        return Err(InstallError::GlobalHere { dir });
    }
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

/// Whether git's hooks directory here is ai-commit's global one.
fn is_global_dir(env: &Environment, dir: &Path) -> bool {
    super::global::hooks_dir(env)
        .is_some_and(|ours| super::global::is_our_dir(env, &dir.to_string_lossy(), &ours))
}

/// The repository's own `core.hooksPath` when husky manages it (`.husky/_` or `.husky`):
/// husky rewrites that directory, so a shim written there would not last.
fn husky_hooks_path(env: &Environment) -> Option<String> {
    let local = git_cli::config_get(env, git_cli::Scope::Local, "core.hooksPath").ok()??;
    let trimmed = local.trim_end_matches('/');
    (trimmed.ends_with(".husky/_") || trimmed.ends_with(".husky")).then_some(local)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shim_records_the_binary_quoted() {
        let shim = shim_for(Some(Path::new("/opt/it's/ai-commit")));
        assert!(shim.contains("AI_COMMIT_INSTALLED_BIN='/opt/it'\\''s/ai-commit'\n"));
        assert!(shim.contains(super::super::MARKER));
    }

    #[test]
    fn shipped_shim_has_the_line_install_rewrites() {
        assert!(SHIM.contains(super::super::BIN_LINE));
        assert!(SHIM.starts_with("#!/bin/sh\n"));
    }
}
