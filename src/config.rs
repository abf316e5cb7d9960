//! Configuration: the TOML file format, its layers, and the effective settings with their origins.
//!
//! Layers, lowest first: built-in defaults < the user's file < the repository's `.ai-commit.toml`
//! < environment (`OLLAMA_HOST`, `AI_COMMIT_MODEL`) < command-line flags. A file that cannot be
//! used is skipped as a whole and reported; the other layers still apply, so a typo in one file
//! never sends the diff somewhere unexpected nor blocks a commit.
//!
//! Each key is declared once, in the `keys!` table: its type, default, check and display.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::env::Environment;
use crate::llm::ollama::KeepAlive;
use crate::llm::Api;
use crate::style::{BodySetting, StyleSetting};

/// Built-in defaults, one per key.
pub mod defaults {
    /// The model Ollama is asked for.
    pub const MODEL: &str = "gemma3:4b";
    /// Where Ollama listens by default (127.0.0.1, not localhost: ::1 is refused by IPv4 servers).
    pub const HOST: &str = "http://127.0.0.1:11434";
    /// Where llama.cpp's `llama-server` serves its OpenAI-compatible API by default.
    pub const BASE_URL: &str = "http://127.0.0.1:8080/v1";
    /// Seconds for the whole model exchange, connect included.
    pub const TIMEOUT: f64 = 30.0;
    /// Context window; constant because a changing value makes Ollama reload the model.
    pub const NUM_CTX: u32 = 8192;
    /// Most tokens the model may write; a commit message needs far fewer.
    pub const NUM_PREDICT: u32 = 256;
    /// Low temperature: a commit message should be a plain description, not creative writing.
    pub const TEMPERATURE: f64 = 0.2;
    /// How long Ollama keeps the model loaded after the request.
    pub const KEEP_ALIVE: &str = "30m";
    /// Longest subject line accepted from the model.
    pub const MAX_SUBJECT: usize = 72;
    /// Lines of unchanged text around each changed line in the prompt: one fewer than git's,
    /// which measured faster at the same quality (README, real-model benchmark).
    pub const DIFF_CONTEXT: usize = 2;
    /// Structured replies with Ollama, free text with OpenAI-compatible servers: see the
    /// README's measurement of text against json.
    pub const FORMAT: super::ReplyFormat = super::ReplyFormat::Auto;
}

/// Which `git commit` invocations get a generated message, by the source git passes the hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// A plain `git commit` (git passes no source).
    Plain,
    /// `git commit -t <file>` or `commit.template`.
    Template,
    /// `-m`, `-F`, `--fixup`, `--squash`.
    Message,
    /// A merge, or `cherry-pick -e` / `revert -e`.
    Merge,
    /// `git commit` after `git merge --squash`.
    Squash,
    /// `--amend`, `-c`, `-C`, and `rebase -i` reword.
    Commit,
}

impl Source {
    /// The source as git names it in the hook's second argument (`None` for a plain commit).
    pub fn from_hook_arg(arg: Option<&str>) -> Option<Source> {
        match arg {
            None | Some("") => Some(Source::Plain),
            Some("template") => Some(Source::Template),
            Some("message") => Some(Source::Message),
            Some("merge") => Some(Source::Merge),
            Some("squash") => Some(Source::Squash),
            Some("commit") => Some(Source::Commit),
            Some(_) => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Source::Plain => "plain",
            Source::Template => "template",
            Source::Message => "message",
            Source::Merge => "merge",
            Source::Squash => "squash",
            Source::Commit => "commit",
        }
    }
}

/// What to write when the model gives no usable message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fallback {
    /// A short deterministic summary of the staged files, such as `Update journal.txt`.
    Summary,
    /// Nothing: the message is left as git prepared it.
    None,
}

impl Fallback {
    fn name(self) -> &'static str {
        match self {
            Fallback::Summary => "summary",
            Fallback::None => "none",
        }
    }
}

/// Declares every configuration key once, in the order `ai-commit config` prints them. A row:
///
/// ```text
/// /// What the key does (documents the file's key and the effective setting alike).
/// key: FileType [=> Effective] = default
///     [, user_only: true]  // a repository file may not set it
///     [, check: rule]      // fn(&FileType) -> Result<(), String>: what serde cannot check
///     [, apply: convert]   // fn(FileType) -> Effective, when the two types differ
///     [, show: render];    // fn(&Effective) -> String, when the type's `Render` does not fit
/// ```
///
/// From the rows come [`Layer`] (the file's optional keys), [`Config`] (each key a [`Setting`])
/// with its `Default`, [`Config::apply`], the rendered lines of [`Config::render`], the
/// repository file's refusals, and `rules`: each key's check, shared with the command line.
macro_rules! keys {
    (@or $default:expr) => { $default };
    (@or $default:expr, $given:expr) => { $given };
    (@ty $file:ty) => { $file };
    (@ty $file:ty, $effective:ty) => { $effective };
    ($(
        $(#[doc = $doc:literal])*
        $key:ident: $file:ty $(=> $effective:ty)? = $default:expr
            $(, user_only: $user_only:literal)?
            $(, check: $check:expr)?
            $(, apply: $apply:expr)?
            $(, show: $show:expr)?;
    )*) => {
        /// One configuration file or layer: every key optional, unknown keys rejected.
        #[derive(Debug, Clone, Default, PartialEq, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Layer {
            $( $(#[doc = $doc])* pub $key: Option<$file>, )*
        }

        /// The effective configuration, every value with its origin.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $( $(#[doc = $doc])* pub $key: Setting<keys!(@ty $file $(, $effective)?)>, )*
        }

        impl Default for Config {
            fn default() -> Self {
                Config {
                    $( $key: Setting::default($default), )*
                }
            }
        }

        /// Each key's check beyond its type, one function per key: the files' keys and the
        /// command line's flags are held to the same rule.
        mod rules {
            use super::*;
            $(
                pub(super) fn $key(value: &$file) -> Result<(), String> {
                    let check: fn(&$file) -> Result<(), String> =
                        keys!(@or |_| Ok(()) $(, $check)?);
                    check(value)
                }
            )*
        }

        impl Layer {
            /// The first key set here that only the user's own file may set.
            fn user_only_key(&self) -> Option<&'static str> {
                let keys = [$(
                    (stringify!($key), keys!(@or false $(, $user_only)?), self.$key.is_some()),
                )*];
                keys.into_iter()
                    .find(|&(_, user_only, set)| user_only && set)
                    .map(|(key, ..)| key)
            }

            /// The first key whose value breaks its rule, with what is wrong.
            fn broken_rule(&self) -> Option<(&'static str, String)> {
                $(
                    if let Some(value) = &self.$key {
                        if let Err(message) = rules::$key(value) {
                            return Some((stringify!($key), message));
                        }
                    }
                )*
                None
            }
        }

        impl Config {
            /// Applies one layer on top of what is there.
            pub fn apply(&mut self, layer: Layer, origin: &Origin) {
                $(
                    let apply: fn($file) -> keys!(@ty $file $(, $effective)?) =
                        keys!(@or std::convert::identity $(, $apply)?);
                    self.$key.set(layer.$key.map(apply), origin);
                )*
            }

            /// Every key as its name, its value in TOML and its origin.
            fn entries(&self) -> Vec<(&'static str, String, &Origin)> {
                vec![$({
                    let show: fn(&keys!(@ty $file $(, $effective)?)) -> String =
                        keys!(@or Render::render $(, $show)?);
                    (stringify!($key), show(&self.$key.value), &self.$key.origin)
                },)*]
            }
        }
    };
}

keys! {
    /// Which protocol the model server speaks. Not allowed in a repository file.
    api: Api = Api::Ollama, user_only: true;
    /// Model name, e.g. `gemma3:4b` (for either API).
    model: String = defaults::MODEL.to_string(),
        check: |model| require(!model.trim().is_empty(), "must not be empty").and(require(
            !model.chars().any(char::is_control),
            "must not hold control characters",
        ));
    /// Ollama's address, `[scheme://]host[:port]`, normalised by the client. Not allowed in a
    /// repository file.
    host: String = defaults::HOST.to_string(), user_only: true,
        show: |url| toml_string(&crate::llm::hide_credentials(url));
    /// The OpenAI-compatible server's base URL, `/v1` included. Not allowed in a repository file.
    base_url: String = defaults::BASE_URL.to_string(), user_only: true,
        check: |url| require(!url.trim().is_empty(), "must not be empty"),
        show: |url| toml_string(&crate::llm::hide_credentials(url));
    /// The name of the environment variable holding the OpenAI-compatible server's API key
    /// (never the key itself); `""` in a file, `None` in effect, for no Authorization header.
    /// Not allowed in a repository file.
    api_key_env: String => Option<String> = None, user_only: true,
        // The value is not repeated: a key pasted here by mistake must not reach the terminal.
        check: |name| require(
            name.is_empty() || is_env_var_name(name),
            "must be the NAME of an environment variable (letters, digits, `_`), not the key",
        ),
        apply: |name| Some(name).filter(|n| !n.is_empty()),
        // The variable's name only: its value, the key, is never read here nor printed.
        show: |name| match name {
            Some(name) => toml_string(name),
            None => "(unset: no Authorization header)".to_string(),
        };
    /// System instructions replacing the built-in prompt (`None`: the built-in one);
    /// `{max_subject}` is substituted.
    prompt: String => Option<String> = None,
        apply: Some,
        show: |prompt| match prompt {
            Some(prompt) => toml_string(prompt),
            None => "(built-in, see `ai-commit config --prompt`)".to_string(),
        };
    /// A file holding the instructions instead of `prompt` (read when the configuration is
    /// loaded, at most 64 KiB; a relative path is relative to the user's config file). Only the
    /// user's own file may set it: a repository may not point at files outside it.
    /// `""` for none.
    prompt_file: String => Option<PathBuf> = None, user_only: true,
        apply: |path| Some(PathBuf::from(path)).filter(|p| !p.as_os_str().is_empty()),
        show: |path| match path {
            Some(path) => toml_string(&path.to_string_lossy()),
            None => "(unset)".to_string(),
        };
    /// Seconds for the whole model exchange, connect included.
    timeout: f64 = defaults::TIMEOUT,
        check: |t| require(
            t.is_finite() && *t > 0.0 && *t <= 3600.0,
            "must be a number of seconds above 0, at most 3600",
        );
    /// Ollama `num_ctx`: the context window the prompt is fitted into.
    num_ctx: u32 = defaults::NUM_CTX,
        check: |n| require(*n >= 512, "must be at least 512");
    /// Ollama `num_predict`: the most tokens the model may write.
    num_predict: u32 = defaults::NUM_PREDICT,
        check: |n| require((16..=4096).contains(n), "must be between 16 and 4096");
    /// Sampling temperature.
    temperature: f64 = defaults::TEMPERATURE,
        check: |t| require(t.is_finite() && (0.0..=2.0).contains(t), "must be between 0 and 2");
    /// Ollama `keep_alive`: `"30m"` or seconds.
    keep_alive: KeepAlive = KeepAlive::Duration(defaults::KEEP_ALIVE.to_string());
    /// Lines of unchanged text shown around each changed line (0 to 3; git's diff has 3).
    diff_context: usize = defaults::DIFF_CONTEXT,
        check: |n| require(*n <= 3, "must be between 0 and 3");
    /// Globs of paths whose diff is never sent (they appear by name only).
    exclude: Vec<String> = Vec::new(),
        check: |globs| globs.iter().try_for_each(|g| match globset::Glob::new(g) {
            Ok(_) => Ok(()),
            Err(e) => Err(format!("invalid glob {g:?}: {}", e.kind())),
        });
    /// Commit sources that get a generated message.
    sources: Vec<Source> = vec![Source::Plain, Source::Template];
    /// What to write when the model gives no usable message.
    fallback: Fallback = Fallback::Summary;
    /// Longest subject line accepted from the model.
    max_subject: usize = defaults::MAX_SUBJECT,
        check: |n| require((20..=200).contains(n), "must be between 20 and 200");
    /// Allow sending the diff over plain http to a host that is not this machine. Only the
    /// user's own file may set it.
    allow_remote_http: bool = false, user_only: true;
    /// `auto` (learned from the history), `conventional` or `plain`.
    style: StyleSetting = StyleSetting::Auto;
    /// The language to write in (`auto`: the history's, else English).
    language: String = "auto".to_string();
    /// Whether the model is asked for a body under the subject: `true`, `false`, or `"auto"`
    /// (where the history writes bodies and the change is not trivial, or the change is large
    /// or spans several areas, and the reply can come within half the timeout).
    body: BodySetting = BodySetting::Auto;
    /// `text` (free-form reply) or `json` (Ollama structured output `{subject, body}`).
    format: ReplyFormat = defaults::FORMAT;
    /// Keep the model's messages, so the same staged change with the same settings gets the
    /// earlier message at once (a retried commit, `ai-commit` run twice).
    cache: bool = true;
    /// How many candidate messages one request asks for: the best becomes the message, the
    /// others follow it as comment lines in the editor (1 to 5; each costs output tokens).
    candidates: usize = 1,
        check: |n| require((1..=5).contains(n), "must be between 1 and 5");
    /// Add an `Assisted-by: <model> via ai-commit` trailer to the model's messages (never to
    /// the fallback summary), for projects that ask contributors to disclose AI help.
    assisted_by: bool = false;
}

/// How the model is asked to shape its reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyFormat {
    /// `json` with Ollama (measured faster, and every Ollama since 0.5 takes a schema), `text`
    /// with OpenAI-compatible servers (not all of them take `response_format`).
    Auto,
    /// Free text, cleaned afterwards.
    Text,
    /// A JSON object `{"subject", "body"}` constrained by a schema (Ollama `format`, OpenAI
    /// `response_format`).
    Json,
}

impl ReplyFormat {
    /// The config spelling.
    pub fn name(self) -> &'static str {
        match self {
            ReplyFormat::Auto => "auto",
            ReplyFormat::Text => "text",
            ReplyFormat::Json => "json",
        }
    }
}

impl Config {
    /// Whether the reply is asked for as a JSON object.
    pub fn structured(&self) -> bool {
        match self.format.value {
            ReplyFormat::Json => true,
            ReplyFormat::Text => false,
            ReplyFormat::Auto => self.api.value == Api::Ollama,
        }
    }
}

/// Where a layer came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Built into the binary.
    Default,
    /// The user's own file.
    UserFile(PathBuf),
    /// The repository's `.ai-commit.toml`.
    RepoFile(PathBuf),
    /// An environment variable.
    Env(&'static str),
    /// A command-line flag.
    Flag(&'static str),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::UserFile(p) | Origin::RepoFile(p) => write!(f, "{}", p.display()),
            Origin::Env(name) => write!(f, "environment {name}"),
            Origin::Flag(name) => write!(f, "flag {name}"),
        }
    }
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML for our keys.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem, 0 when unknown.
        line: usize,
        /// What is wrong, naming the key.
        message: String,
    },
}

/// Parses one file's text. `repo_file` forbids the keys only the user's own file may set.
pub fn parse_layer(path: &Path, text: &str, repo_file: bool) -> Result<Layer, ConfigError> {
    let layer: Layer = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |span| line_of(text, span.start));
        let mut message = e.message().trim().to_string();
        // Type errors name the expected type but not the key: add the key assigned there.
        if let Some(key) = key_at(text, line) {
            if !message.contains(&format!("`{key}`")) {
                message = format!("key `{key}`: {message}");
            }
        }
        ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            message,
        }
    })?;
    // Only the user's own file and environment choose where the diff is sent: a repository
    // file is written by whoever committed it.
    if repo_file {
        if let Some(key) = layer.user_only_key() {
            return Err(ConfigError::Parse {
                path: path.to_path_buf(),
                line: key_line(text, key),
                message: format!(
                    "key `{key}` is not allowed in a repository file: only your own config \
                     file and environment choose where the diff is sent"
                ),
            });
        }
    }
    if let Some((key, message)) = layer.broken_rule() {
        return Err(ConfigError::Parse {
            path: path.to_path_buf(),
            line: key_line(text, key),
            message: format!("key `{key}`: {message}"),
        });
    }
    Ok(layer)
}

/// A rule's verdict: `Ok` when `holds`, else what is wrong.
fn require(holds: bool, message: &str) -> Result<(), String> {
    if holds {
        Ok(())
    } else {
        Err(message.to_string())
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`, the portable shell variable name.
fn is_env_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The key assigned on 1-based `line`, or on the nearest line above it (multi-line arrays).
fn key_at(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let upto = line.min(lines.len());
    lines[..upto].iter().rev().find_map(|l| {
        let (key, _) = l.split_once('=')?;
        let key = key.trim();
        let bare = key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        (bare && !key.is_empty()).then(|| key.to_string())
    })
}

/// The line where `key` is assigned, for errors found after parsing.
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(0, |i| i + 1)
}

/// Reads and parses a file; a missing file is an empty layer.
pub fn load_file(path: &Path, repo_file: bool) -> Result<Option<Layer>, ConfigError> {
    match crate::untrusted::read_to_string(path, crate::untrusted::CONFIG_LIMIT) {
        Ok(text) => parse_layer(path, &text, repo_file).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError::Read {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// The user's config file: `$AI_COMMIT_CONFIG`, else `$XDG_CONFIG_HOME/ai-commit/config.toml`,
/// else `~/.config/ai-commit/config.toml`.
pub fn user_file(env: &Environment) -> Option<PathBuf> {
    if let Some(p) = &env.ai_commit_config {
        return Some(p.clone());
    }
    let base = match &env.xdg_config_home {
        Some(x) => x.clone(),
        None => env.home.as_ref()?.join(".config"),
    };
    Some(base.join("ai-commit").join("config.toml"))
}

/// The most of a prompt file that is read.
pub const PROMPT_FILE_LIMIT: u64 = 64 * 1024;

/// Reads `prompt_file` into `prompt`: relative to the user's file, `~/` the home directory.
fn read_prompt_file(env: &Environment, config: &mut Config) -> Result<(), ConfigError> {
    let Some(path) = config.prompt_file.value.clone() else {
        return Ok(());
    };
    let path = match (path.strip_prefix("~"), &env.home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => match &config.prompt_file.origin {
            Origin::UserFile(file) if path.is_relative() => {
                file.parent().map_or(path.clone(), |dir| dir.join(&path))
            }
            _ => path,
        },
    };
    let text = crate::untrusted::read_to_string(&path, PROMPT_FILE_LIMIT).map_err(|source| {
        ConfigError::Read {
            path: path.clone(),
            source,
        }
    })?;
    config.prompt.value = Some(text.trim_end().to_string());
    config.prompt.origin = Origin::UserFile(path);
    Ok(())
}

/// The repository's own file, at the top of the work tree.
pub const REPO_FILE: &str = ".ai-commit.toml";

/// The flags that override the configuration, on every command: the top layer. The command
/// line flattens this struct, so a flag and the setting it overrides are declared side by side.
/// Each flag is held to its key's rule as it is parsed: `--timeout inf` is refused like
/// `timeout = inf` in a file, as a usage error naming the flag.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Flags {
    /// Ollama model to ask, e.g. `gemma3:4b`.
    #[arg(long, global = true, value_name = "NAME", value_parser = by_rule(rules::model))]
    pub model: Option<String>,
    /// Ollama's address, e.g. `http://127.0.0.1:11434`.
    #[arg(long, global = true, value_name = "URL", value_parser = by_rule(rules::host))]
    pub host: Option<String>,
    /// Seconds to wait for the model, connection included.
    // Negative numbers reach the rule, which says what is wrong with them, rather than being
    // taken for an unknown flag.
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        allow_negative_numbers = true,
        value_parser = by_rule(rules::timeout)
    )]
    pub timeout: Option<f64>,
}

/// A flag's value parser: the text parsed as the key's type, then checked by the key's rule.
/// clap reports a refusal as `invalid value '<text>' for '<flag>': <what the rule says>`.
fn by_rule<T>(
    rule: fn(&T) -> Result<(), String>,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: std::str::FromStr + Clone + Send + Sync + 'static,
    T::Err: fmt::Display,
{
    move |text| {
        let value = text.parse::<T>().map_err(|e| e.to_string())?;
        rule(&value)?;
        Ok(value)
    }
}

/// A value and the layer it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<T> {
    /// The effective value.
    pub value: T,
    /// Which layer set it.
    pub origin: Origin,
}

impl<T> Setting<T> {
    fn default(value: T) -> Self {
        Setting {
            value,
            origin: Origin::Default,
        }
    }

    fn set(&mut self, value: Option<T>, origin: &Origin) {
        if let Some(v) = value {
            self.value = v;
            self.origin = origin.clone();
        }
    }
}

impl Config {
    /// The configuration as TOML lines, each with a comment naming its origin.
    pub fn render(&self) -> String {
        self.entries()
            .into_iter()
            .map(|(key, value, origin)| format!("{key} = {value}  # {origin}\n"))
            .collect()
    }
}

/// A value as `ai-commit config` prints it: TOML, so the output can be pasted into a file.
trait Render {
    fn render(&self) -> String;
}

impl Render for String {
    fn render(&self) -> String {
        toml_string(self)
    }
}

impl Render for f64 {
    fn render(&self) -> String {
        fmt_num(*self)
    }
}

impl Render for KeepAlive {
    fn render(&self) -> String {
        match self {
            KeepAlive::Duration(s) => format!("{s:?}"),
            KeepAlive::Seconds(n) => n.to_string(),
        }
    }
}

impl<T: Render> Render for Vec<T> {
    fn render(&self) -> String {
        let items: Vec<String> = self.iter().map(Render::render).collect();
        format!("[{}]", items.join(", "))
    }
}

/// Numbers and booleans print as Rust writes them, which TOML reads back.
macro_rules! render_displayed {
    ($($t:ty),*) => {$(
        impl Render for $t {
            fn render(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
render_displayed!(u32, usize, bool);

/// Enums print as the quoted name a file spells them with.
macro_rules! render_named {
    ($($t:ty),*) => {$(
        impl Render for $t {
            fn render(&self) -> String {
                toml_string(self.name())
            }
        }
    )*};
}
render_named!(Api, Source, Fallback, StyleSetting, ReplyFormat);

impl Render for BodySetting {
    fn render(&self) -> String {
        match self {
            BodySetting::Auto => toml_string("auto"),
            BodySetting::Always => "true".to_string(),
            BodySetting::Never => "false".to_string(),
        }
    }
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

fn toml_string(s: &str) -> String {
    // serde_json's string escaping is valid TOML basic-string escaping for all we print.
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// The configuration and the files that could not be used.
#[derive(Debug)]
pub struct Loaded {
    /// The effective configuration.
    pub config: Config,
    /// Files skipped because of errors (the other layers still apply).
    pub errors: Vec<ConfigError>,
    /// The files that were read, in order.
    pub files: Vec<PathBuf>,
}

/// Builds the effective configuration from every layer. `work_tree` is where the repository
/// file is looked for; `None` outside a repository.
pub fn load(env: &Environment, work_tree: Option<&Path>, flags: &Flags) -> Loaded {
    let mut config = Config::default();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    let mut file_layer =
        |path: PathBuf, repo_file: bool, config: &mut Config| match load_file(&path, repo_file) {
            Ok(Some(layer)) => {
                let origin = if repo_file {
                    Origin::RepoFile(path.clone())
                } else {
                    Origin::UserFile(path.clone())
                };
                config.apply(layer, &origin);
                files.push(path);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        };
    if let Some(path) = user_file(env) {
        file_layer(path, false, &mut config);
    }
    // At the user's layer: a repository's `prompt` still overrides it, as any key of theirs.
    let prompt_file_error = read_prompt_file(env, &mut config).err();
    if let Some(top) = work_tree {
        file_layer(top.join(REPO_FILE), true, &mut config);
    }
    errors.extend(prompt_file_error);
    config.host.set(
        env.ollama_host.clone().filter(|h| !h.trim().is_empty()),
        &Origin::Env("OLLAMA_HOST"),
    );
    config.model.set(
        env.ai_commit_model.clone().filter(|m| !m.trim().is_empty()),
        &Origin::Env("AI_COMMIT_MODEL"),
    );
    config
        .model
        .set(flags.model.clone(), &Origin::Flag("--model"));
    config.host.set(flags.host.clone(), &Origin::Flag("--host"));
    config
        .timeout
        .set(flags.timeout, &Origin::Flag("--timeout"));
    Loaded {
        config,
        errors,
        files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Layer, ConfigError> {
        parse_layer(Path::new("/x/config.toml"), text, false)
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse("model = \"a\"\nmodle = \"b\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/x/config.toml:2: "), "{err}");
        assert!(err.contains("modle"), "{err}");
    }

    #[test]
    fn wrong_type_names_line_and_key() {
        let err = parse("\n\ntimeout = \"soon\"\n").unwrap_err().to_string();
        assert!(err.starts_with("/x/config.toml:3: "), "{err}");
        assert!(err.contains("timeout"), "{err}");
    }

    #[test]
    fn out_of_range_value_names_line_and_key() {
        let err = parse("model = \"m\"\nnum_ctx = 10\n")
            .unwrap_err()
            .to_string();
        assert_eq!(err, "/x/config.toml:2: key `num_ctx`: must be at least 512");
    }

    #[test]
    fn repository_file_may_not_set_host() {
        let path = Path::new("/r/.ai-commit.toml");
        let err = parse_layer(path, "model = \"m\"\nhost = \"http://evil:1\"\n", true)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/r/.ai-commit.toml:2: key `host`"), "{err}");
        assert!(parse_layer(path, "model = \"m\"\n", true).is_ok());
    }

    #[test]
    fn repository_file_may_not_choose_the_api_server_or_key() {
        let path = Path::new("/r/.ai-commit.toml");
        for (text, key) in [
            ("api = \"openai\"\n", "api"),
            ("base_url = \"http://127.0.0.1:9/v1\"\n", "base_url"),
            ("api_key_env = \"OTHER_KEY\"\n", "api_key_env"),
        ] {
            let err = parse_layer(path, &format!("model = \"m\"\n{text}"), true)
                .unwrap_err()
                .to_string();
            let head = format!("/r/.ai-commit.toml:2: key `{key}` is not allowed");
            assert!(err.starts_with(&head), "{err}");
            assert!(parse_layer(Path::new("/u/config.toml"), text, false).is_ok());
        }
    }

    #[test]
    fn api_key_env_must_be_a_variable_name_and_is_never_echoed() {
        assert!(parse("api_key_env = \"OPENAI_API_KEY\"").is_ok());
        assert!(parse("api_key_env = \"_k2\"").is_ok());
        assert_eq!(
            parse("api_key_env = \"\"").unwrap().api_key_env,
            Some("".into())
        );
        for bad in ["sk-proj-abc123", "2KEY", "MY KEY", "A=B"] {
            let err = parse(&format!("api_key_env = \"{bad}\""))
                .unwrap_err()
                .to_string();
            assert!(err.contains("api_key_env"), "{err}");
            assert!(!err.contains(bad), "{err}");
        }
        let err = parse("api = \"anthropic\"").unwrap_err().to_string();
        assert!(err.contains("api"), "{err}");
        assert_eq!(parse("api = \"openai\"").unwrap().api, Some(Api::OpenAi));
    }

    #[test]
    fn rendered_config_names_the_key_variable_not_its_value() {
        let mut c = Config::default();
        assert!(c
            .render()
            .contains("api_key_env = (unset: no Authorization header)  # default\n"));
        let user = Origin::UserFile("/u".into());
        c.apply(
            parse("api = \"openai\"\napi_key_env = \"TEAM_KEY\"").unwrap(),
            &user,
        );
        let text = c.render();
        assert!(text.contains("api = \"openai\"  # /u\n"), "{text}");
        assert!(
            text.contains("api_key_env = \"TEAM_KEY\"  # /u\n"),
            "{text}"
        );
        assert!(
            text.contains("base_url = \"http://127.0.0.1:8080/v1\"  # default\n"),
            "{text}"
        );
    }

    #[test]
    fn keep_alive_takes_a_string_or_seconds() {
        let a = parse("keep_alive = \"1h\"").unwrap();
        assert_eq!(a.keep_alive, Some(KeepAlive::Duration("1h".into())));
        let b = parse("keep_alive = 600").unwrap();
        assert_eq!(b.keep_alive, Some(KeepAlive::Seconds(600)));
    }

    #[test]
    fn sources_must_be_known_names() {
        assert!(parse("sources = [\"plain\", \"commit\"]").is_ok());
        let err = parse("sources = [\"plain\", \"amend\"]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("amend"), "{err}");
    }

    #[test]
    fn later_layers_win_and_record_their_origin() {
        let mut c = Config::default();
        let user = Origin::UserFile("/u".into());
        c.apply(parse("model = \"a\"\ntimeout = 5").unwrap(), &user);
        let repo = Origin::RepoFile("/r".into());
        c.apply(parse("model = \"b\"").unwrap(), &repo);
        assert_eq!(c.model.value, "b");
        assert_eq!(c.model.origin, repo);
        assert_eq!(c.timeout.value, 5.0);
        assert_eq!(c.timeout.origin, user);
        assert_eq!(c.num_ctx.origin, Origin::Default);
    }

    #[test]
    fn rendered_config_names_origins() {
        let mut c = Config::default();
        c.model
            .set(Some("m".into()), &Origin::Env("AI_COMMIT_MODEL"));
        let text = c.render();
        assert!(text.contains("model = \"m\"  # environment AI_COMMIT_MODEL\n"));
        assert!(text.contains("num_ctx = 8192  # default\n"));
    }

    #[test]
    fn example_file_sets_every_key_to_its_default() {
        let text = include_str!("../config.example.toml");
        let layer = parse_layer(Path::new("config.example.toml"), text, false).unwrap();
        // `""`: no key, the default.
        assert_eq!(layer.api_key_env.as_deref(), Some(""));
        let file = Origin::UserFile("config.example.toml".into());
        let mut example = Config::default();
        example.apply(layer, &file);
        // The prompt it spells out is checked where the prompt lives (prompt::instructions).
        assert!(example.prompt.value.is_some());
        let d = Config::default();
        // Every key, a new one too: the table that declares them also lists them here.
        for ((key, value, origin), (_, default, _)) in
            example.entries().into_iter().zip(d.entries())
        {
            assert_eq!(origin, &file, "config.example.toml does not set `{key}`");
            // The example spells out the built-in prompt, checked above.
            if key != "prompt" {
                assert_eq!(
                    value, default,
                    "`{key}` in config.example.toml is not its default"
                );
            }
        }
    }
}
