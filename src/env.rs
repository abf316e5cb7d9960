//! The process environment, read once into a struct and passed down, so tests need no global state.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Everything ai-commit reads from the environment.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `OLLAMA_HOST`: Ollama's address, overriding the config files.
    pub ollama_host: Option<String>,
    /// `AI_COMMIT_MODEL`: the model, overriding the config files.
    pub ai_commit_model: Option<String>,
    /// `AI_COMMIT_CONFIG`: the user's config file, instead of the XDG location.
    pub ai_commit_config: Option<PathBuf>,
    /// `AI_COMMIT_CONTEXT`: why the change was made, in the person's words, for the hook.
    pub ai_commit_context: Option<String>,
    /// `XDG_CONFIG_HOME`.
    pub xdg_config_home: Option<PathBuf>,
    /// `XDG_DATA_HOME`: where `install --global` keeps its hooks directory.
    pub xdg_data_home: Option<PathBuf>,
    /// `XDG_CACHE_HOME`: where the answers already had are kept.
    pub xdg_cache_home: Option<PathBuf>,
    /// `HOME`.
    pub home: Option<PathBuf>,
    /// `PRE_COMMIT_COMMIT_MSG_SOURCE`: the commit source, when the pre-commit framework runs
    /// the hook with the message file as its only argument.
    pub pre_commit_source: Option<String>,
    /// `GIT_EDITOR`: git sets it to `:` when no editor will run (`--no-edit`, `-m`).
    pub git_editor: Option<OsString>,
    /// `GIT_INDEX_FILE`: the index being committed (`commit -a` and `commit <paths>` use
    /// temporary ones), relative to the top of the work tree.
    pub git_index_file: Option<PathBuf>,
    /// `GIT_WORK_TREE`, which git re-exports as a relative `.` to hooks.
    pub git_work_tree: Option<PathBuf>,
    /// The current directory (git runs hooks at the top of the work tree).
    pub cwd: Option<PathBuf>,
    /// Whether stderr is a terminal (the spinner only runs there).
    pub stderr_is_terminal: bool,
}

impl Environment {
    /// Reads the real process environment.
    pub fn from_process() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let path = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Environment {
            ollama_host: var("OLLAMA_HOST"),
            ai_commit_model: var("AI_COMMIT_MODEL"),
            ai_commit_config: path("AI_COMMIT_CONFIG"),
            ai_commit_context: var("AI_COMMIT_CONTEXT").filter(|c| !c.trim().is_empty()),
            xdg_config_home: path("XDG_CONFIG_HOME"),
            xdg_data_home: path("XDG_DATA_HOME"),
            xdg_cache_home: path("XDG_CACHE_HOME"),
            home: path("HOME"),
            pre_commit_source: var("PRE_COMMIT_COMMIT_MSG_SOURCE"),
            git_editor: std::env::var_os("GIT_EDITOR"),
            git_index_file: path("GIT_INDEX_FILE"),
            git_work_tree: path("GIT_WORK_TREE"),
            cwd: std::env::current_dir().ok(),
            stderr_is_terminal: std::io::stderr().is_terminal(),
        }
    }

    /// True when git will not open an editor on the message: then comment lines would be
    /// committed as they are, so none may be written.
    pub fn no_editor(&self) -> bool {
        self.git_editor.as_deref().is_some_and(|e| e == ":")
    }

    /// `$XDG_CACHE_HOME/ai-commit`, else `~/.cache/ai-commit`.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        let base = match &self.xdg_cache_home {
            Some(dir) if dir.is_absolute() => dir.clone(),
            _ => self.home.as_ref()?.join(".cache"),
        };
        Some(base.join("ai-commit"))
    }
}
