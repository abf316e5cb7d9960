//! Which `core.hooksPath` git uses, and where each value it reads was set: asked of git itself
//! (every scope, includes, conditional includes), never read from one file by hand. A team
//! that ships its hooks through an `[include]` or `[includeIf]` of the global config is seen
//! here like a value written in the global file.

use std::path::{Path, PathBuf};

use crate::env::Environment;
use crate::git_cli::{self, CliError, ConfigValue};

/// The key of the hooks directory.
pub const KEY: &str = "core.hooksPath";

/// A `core.hooksPath` that only the repositories matching an `includeIf` condition read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conditional {
    /// The value as written.
    pub value: String,
    /// The condition, as in `includeIf "<condition>"`.
    pub condition: String,
    /// The file holding the `includeIf`.
    pub included_from: String,
    /// The file it includes, which sets the value (or includes the file that does).
    pub file: PathBuf,
}

/// Every `core.hooksPath` git reads here, and those it reads for some repositories only.
#[derive(Debug, Clone, Default)]
pub struct HooksPaths {
    /// Every value git reads here, in its order: the last one is in effect.
    pub values: Vec<ConfigValue>,
    /// The values set through an `includeIf` of the system or global config, whether or not
    /// its condition matches here.
    pub conditional: Vec<Conditional>,
}

impl HooksPaths {
    /// Asks git, in the current directory.
    pub fn read(env: &Environment) -> Result<HooksPaths, CliError> {
        let values = git_cli::config_values(env, KEY)?;
        let mut conditional = Vec::new();
        let includes = git_cli::config_matching(env, r"^includeif\..+\.path$")?;
        for (name, include) in includes {
            if !include.scope.is_every_repository() {
                continue;
            }
            let Some(condition) = name
                .strip_prefix("includeif.")
                .and_then(|n| n.strip_suffix(".path"))
            else {
                continue;
            };
            let file = included_file(env, &include);
            for set in git_cli::file_values(env, &file, KEY)? {
                conditional.push(Conditional {
                    value: set.value.clone(),
                    condition: condition.to_string(),
                    included_from: include.place().to_string(),
                    file: set.file().map_or_else(|| file.clone(), Path::to_path_buf),
                });
            }
        }
        Ok(HooksPaths {
            values,
            conditional,
        })
    }

    /// The value git uses here.
    pub fn in_effect(&self) -> Option<&ConfigValue> {
        self.values.last()
    }

    /// The value in effect when it is the repository's own setting, which wins over every
    /// global one.
    pub fn own_setting(&self) -> Option<&ConfigValue> {
        self.in_effect().filter(|v| v.scope.is_repository())
    }

    /// Whether `value` comes from a conditional include (one that matches here).
    pub fn is_conditional(&self, value: &ConfigValue) -> bool {
        value
            .file()
            .is_some_and(|f| self.conditional.iter().any(|c| same_file(&c.file, f)))
    }

    /// The values every repository reads, in git's order: the system and global files and what
    /// they include unconditionally.
    pub fn for_every_repository(&self) -> Vec<&ConfigValue> {
        self.values
            .iter()
            .filter(|v| v.scope.is_every_repository() && !self.is_conditional(v))
            .collect()
    }
}

/// The file an `include.path` / `includeIf.*.path` value names, resolved as git does: `~/`
/// from HOME, a relative path from the directory of the file that holds it.
fn included_file(env: &Environment, include: &ConfigValue) -> PathBuf {
    let value = &include.value;
    if let (Some(rest), Some(home)) = (value.strip_prefix("~/"), &env.home) {
        return home.join(rest);
    }
    let path = Path::new(value);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    match include.file().and_then(Path::parent) {
        Some(dir) => dir.join(path),
        None => path.to_path_buf(),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git_cli::ConfigScope;

    fn value(origin: &str, value: &str) -> ConfigValue {
        ConfigValue {
            value: value.into(),
            scope: ConfigScope::Global,
            origin: origin.into(),
        }
    }

    #[test]
    fn included_paths_resolve_as_git_does() {
        let env = Environment {
            home: Some("/home/me".into()),
            ..Environment::default()
        };
        let from = |v: &str| included_file(&env, &value("file:/etc/team/gitconfig", v));
        assert_eq!(from("~/hooks.inc"), PathBuf::from("/home/me/hooks.inc"));
        assert_eq!(from("/abs/x.inc"), PathBuf::from("/abs/x.inc"));
        assert_eq!(from("team.inc"), PathBuf::from("/etc/team/team.inc"));
    }

    #[test]
    fn a_conditional_value_is_not_one_every_repository_reads() {
        let paths = HooksPaths {
            values: vec![
                value("file:/h/team.inc", "/team"),
                value("file:/h/work.inc", "/work"),
            ],
            conditional: vec![Conditional {
                value: "/work".into(),
                condition: "gitdir:~/work/".into(),
                included_from: "/h/.gitconfig".into(),
                file: "/h/work.inc".into(),
            }],
        };
        let every: Vec<&str> = paths
            .for_every_repository()
            .iter()
            .map(|v| v.value.as_str())
            .collect();
        assert_eq!(every, ["/team"]);
        assert_eq!(paths.in_effect().map(|v| v.value.as_str()), Some("/work"));
    }
}
