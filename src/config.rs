//! Configuration: the TOML file format, its layers, and the effective settings with their origins.
//!
//! Layers, lowest first: built-in defaults < the user's file < the repository's `.ai-commit.toml`
//! < environment (`OLLAMA_HOST`, `AI_COMMIT_MODEL`) < command-line flags. A file that cannot be
//! used is skipped as a whole and reported; the other layers still apply, so a typo in one file
//! never sends the diff somewhere unexpected nor blocks a commit.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::env::Environment;
pub use crate::style::StyleSetting;

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

/// Which protocol the model server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// Ollama's native `POST /api/chat` at `host`.
    Ollama,
    /// The OpenAI-compatible `POST /chat/completions` at `base_url` (llama.cpp's server,
    /// LM Studio, vLLM, a team server).
    OpenAi,
}

impl Api {
    /// The value as written in a config file.
    pub fn name(self) -> &'static str {
        match self {
            Api::Ollama => "ollama",
            Api::OpenAi => "openai",
        }
    }
}

/// Ollama's `keep_alive`: a duration string such as `"30m"` or a number of seconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum KeepAlive {
    /// A Go duration string: `"30m"`, `"1h"`, `"-1"`.
    Duration(String),
    /// Seconds; negative keeps the model loaded forever, 0 unloads it at once.
    Seconds(i64),
}

impl fmt::Display for KeepAlive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeepAlive::Duration(s) => write!(f, "{s:?}"),
            KeepAlive::Seconds(n) => write!(f, "{n}"),
        }
    }
}

/// One configuration file or layer: every key optional, unknown keys rejected.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layer {
    /// Which protocol the model server speaks. Not allowed in a repository file.
    pub api: Option<Api>,
    /// Model name, e.g. `gemma3:4b` (for either API).
    pub model: Option<String>,
    /// Ollama's address, `[scheme://]host[:port]`. Not allowed in a repository file.
    pub host: Option<String>,
    /// The OpenAI-compatible server's base URL, `/v1` included. Not allowed in a repository file.
    pub base_url: Option<String>,
    /// The name of the environment variable holding the OpenAI-compatible server's API key
    /// (never the key itself); `""` for none. Not allowed in a repository file.
    pub api_key_env: Option<String>,
    /// System instructions replacing the built-in prompt; `{max_subject}` is substituted.
    pub prompt: Option<String>,
    /// Seconds for the whole model exchange, connect included.
    pub timeout: Option<f64>,
    /// Ollama `num_ctx`: the context window the prompt is fitted into.
    pub num_ctx: Option<u32>,
    /// Ollama `num_predict`: the most tokens the model may write.
    pub num_predict: Option<u32>,
    /// Sampling temperature.
    pub temperature: Option<f64>,
    /// Ollama `keep_alive`: `"30m"` or seconds.
    pub keep_alive: Option<KeepAlive>,
    /// Globs of paths whose diff is never sent (they appear by name only).
    pub exclude: Option<Vec<String>>,
    /// Commit sources that get a generated message.
    pub sources: Option<Vec<Source>>,
    /// What to write when the model gives no usable message.
    pub fallback: Option<Fallback>,
    /// Longest subject line accepted from the model.
    pub max_subject: Option<usize>,
    /// Allow sending the diff over plain http to a host that is not this machine. Only the
    /// user's own file may set it.
    pub allow_remote_http: Option<bool>,
    /// `auto` (learned from the history), `conventional` or `plain`.
    pub style: Option<StyleSetting>,
    /// The language to write in (`auto`: the history's, else English).
    pub language: Option<String>,
    /// Whether the message may have a body under the subject.
    pub body: Option<bool>,
    /// `text` (free-form reply) or `json` (Ollama structured output `{subject, body}`).
    pub format: Option<ReplyFormat>,
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
    #[error("cannot read config file {path}")]
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
        let user_only = [
            ("host", layer.host.is_some()),
            ("allow_remote_http", layer.allow_remote_http.is_some()),
            ("api", layer.api.is_some()),
            ("base_url", layer.base_url.is_some()),
            ("api_key_env", layer.api_key_env.is_some()),
        ];
        if let Some((key, _)) = user_only.iter().find(|(_, set)| *set) {
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
    validate(path, text, &layer)?;
    Ok(layer)
}

/// Range checks that serde cannot express.
fn validate(path: &Path, text: &str, layer: &Layer) -> Result<(), ConfigError> {
    let bad = |key: &str, message: &str| ConfigError::Parse {
        path: path.to_path_buf(),
        line: key_line(text, key),
        message: format!("key `{key}`: {message}"),
    };
    if let Some(t) = layer.timeout {
        if !(t.is_finite() && t > 0.0 && t <= 3600.0) {
            return Err(bad(
                "timeout",
                "must be a number of seconds above 0, at most 3600",
            ));
        }
    }
    if layer.num_ctx.is_some_and(|n| n < 512) {
        return Err(bad("num_ctx", "must be at least 512"));
    }
    if layer.num_predict.is_some_and(|n| !(16..=4096).contains(&n)) {
        return Err(bad("num_predict", "must be between 16 and 4096"));
    }
    if layer
        .temperature
        .is_some_and(|t| !(t.is_finite() && (0.0..=2.0).contains(&t)))
    {
        return Err(bad("temperature", "must be between 0 and 2"));
    }
    if layer.max_subject.is_some_and(|n| !(20..=200).contains(&n)) {
        return Err(bad("max_subject", "must be between 20 and 200"));
    }
    if let Some(model) = &layer.model {
        if model.trim().is_empty() {
            return Err(bad("model", "must not be empty"));
        }
    }
    if layer.base_url.as_ref().is_some_and(|u| u.trim().is_empty()) {
        return Err(bad("base_url", "must not be empty"));
    }
    if let Some(name) = &layer.api_key_env {
        // The value is not repeated: a key pasted here by mistake must not reach the terminal.
        if !name.is_empty() && !is_env_var_name(name) {
            return Err(bad(
                "api_key_env",
                "must be the NAME of an environment variable (letters, digits, `_`), not the key",
            ));
        }
    }
    if let Some(globs) = &layer.exclude {
        for g in globs {
            if let Err(e) = globset::Glob::new(g) {
                return Err(bad("exclude", &format!("invalid glob {g:?}: {}", e.kind())));
            }
        }
    }
    Ok(())
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
    match std::fs::read_to_string(path) {
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

/// The repository's own file, at the top of the work tree.
pub const REPO_FILE: &str = ".ai-commit.toml";

/// Values given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// `--model`.
    pub model: Option<String>,
    /// `--host`.
    pub host: Option<String>,
    /// `--timeout`.
    pub timeout: Option<f64>,
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

/// The effective configuration, every value with its origin.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Which protocol the model server speaks.
    pub api: Setting<Api>,
    /// Model name.
    pub model: Setting<String>,
    /// Ollama base URL as configured (normalised by the client).
    pub host: Setting<String>,
    /// The OpenAI-compatible server's base URL as configured.
    pub base_url: Setting<String>,
    /// The name of the variable holding the API key (`None`: no Authorization header).
    pub api_key_env: Setting<Option<String>>,
    /// System instructions (`None` = built-in).
    pub prompt: Setting<Option<String>>,
    /// Seconds for the whole exchange.
    pub timeout: Setting<f64>,
    /// Context window.
    pub num_ctx: Setting<u32>,
    /// Output token limit.
    pub num_predict: Setting<u32>,
    /// Sampling temperature.
    pub temperature: Setting<f64>,
    /// Ollama keep_alive.
    pub keep_alive: Setting<KeepAlive>,
    /// Paths sent by name only.
    pub exclude: Setting<Vec<String>>,
    /// Commit sources that get a message.
    pub sources: Setting<Vec<Source>>,
    /// What to write without a model message.
    pub fallback: Setting<Fallback>,
    /// Longest accepted subject.
    pub max_subject: Setting<usize>,
    /// Plain http to a host that is not this machine is allowed.
    pub allow_remote_http: Setting<bool>,
    /// Which commit style to write.
    pub style: Setting<StyleSetting>,
    /// The language to write in; `auto` follows the history.
    pub language: Setting<String>,
    /// Whether a body may follow the subject.
    pub body: Setting<bool>,
    /// Free text or structured JSON replies.
    pub format: Setting<ReplyFormat>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            api: Setting::default(Api::Ollama),
            model: Setting::default(defaults::MODEL.to_string()),
            host: Setting::default(defaults::HOST.to_string()),
            base_url: Setting::default(defaults::BASE_URL.to_string()),
            api_key_env: Setting::default(None),
            prompt: Setting::default(None),
            timeout: Setting::default(defaults::TIMEOUT),
            num_ctx: Setting::default(defaults::NUM_CTX),
            num_predict: Setting::default(defaults::NUM_PREDICT),
            temperature: Setting::default(defaults::TEMPERATURE),
            keep_alive: Setting::default(KeepAlive::Duration(defaults::KEEP_ALIVE.to_string())),
            exclude: Setting::default(Vec::new()),
            sources: Setting::default(vec![Source::Plain, Source::Template]),
            fallback: Setting::default(Fallback::Summary),
            max_subject: Setting::default(defaults::MAX_SUBJECT),
            allow_remote_http: Setting::default(false),
            style: Setting::default(StyleSetting::Auto),
            language: Setting::default("auto".to_string()),
            body: Setting::default(true),
            format: Setting::default(defaults::FORMAT),
        }
    }
}

impl Config {
    /// Applies one layer on top of what is there.
    pub fn apply(&mut self, layer: Layer, origin: &Origin) {
        self.api.set(layer.api, origin);
        self.model.set(layer.model, origin);
        self.host.set(layer.host, origin);
        self.base_url.set(layer.base_url, origin);
        let key_env = layer
            .api_key_env
            .map(|name| Some(name).filter(|n| !n.is_empty()));
        self.api_key_env.set(key_env, origin);
        self.prompt.set(layer.prompt.map(Some), origin);
        self.timeout.set(layer.timeout, origin);
        self.num_ctx.set(layer.num_ctx, origin);
        self.num_predict.set(layer.num_predict, origin);
        self.temperature.set(layer.temperature, origin);
        self.keep_alive.set(layer.keep_alive, origin);
        self.exclude.set(layer.exclude, origin);
        self.sources.set(layer.sources, origin);
        self.fallback.set(layer.fallback, origin);
        self.max_subject.set(layer.max_subject, origin);
        self.allow_remote_http.set(layer.allow_remote_http, origin);
        self.style.set(layer.style, origin);
        self.language.set(layer.language, origin);
        self.body.set(layer.body, origin);
        self.format.set(layer.format, origin);
    }

    /// The configuration as TOML lines, each with a comment naming its origin.
    pub fn render(&self) -> String {
        fn line(out: &mut String, key: &str, value: String, origin: &Origin) {
            out.push_str(&format!("{key} = {value}  # {origin}\n"));
        }
        let quote = |s: &str| toml_string(s);
        let list = |items: Vec<String>| format!("[{}]", items.join(", "));
        let mut out = String::new();
        line(
            &mut out,
            "api",
            quote(self.api.value.name()),
            &self.api.origin,
        );
        line(
            &mut out,
            "model",
            quote(&self.model.value),
            &self.model.origin,
        );
        line(&mut out, "host", quote(&self.host.value), &self.host.origin);
        let base = quote(&self.base_url.value);
        line(&mut out, "base_url", base, &self.base_url.origin);
        // The variable's name only: its value, the key, is never read here nor printed.
        let key_env = match &self.api_key_env.value {
            Some(name) => quote(name),
            None => "(unset: no Authorization header)".to_string(),
        };
        line(&mut out, "api_key_env", key_env, &self.api_key_env.origin);
        let prompt = match &self.prompt.value {
            Some(p) => quote(p),
            None => "(built-in, see `ai-commit config --prompt`)".to_string(),
        };
        line(&mut out, "prompt", prompt, &self.prompt.origin);
        line(
            &mut out,
            "timeout",
            fmt_num(self.timeout.value),
            &self.timeout.origin,
        );
        line(
            &mut out,
            "num_ctx",
            self.num_ctx.value.to_string(),
            &self.num_ctx.origin,
        );
        let np = self.num_predict.value.to_string();
        line(&mut out, "num_predict", np, &self.num_predict.origin);
        let t = fmt_num(self.temperature.value);
        line(&mut out, "temperature", t, &self.temperature.origin);
        let ka = self.keep_alive.value.to_string();
        line(&mut out, "keep_alive", ka, &self.keep_alive.origin);
        let ex = list(self.exclude.value.iter().map(|s| quote(s)).collect());
        line(&mut out, "exclude", ex, &self.exclude.origin);
        let src = list(self.sources.value.iter().map(|s| quote(s.name())).collect());
        line(&mut out, "sources", src, &self.sources.origin);
        let fb = match self.fallback.value {
            Fallback::Summary => "\"summary\"",
            Fallback::None => "\"none\"",
        };
        line(&mut out, "fallback", fb.to_string(), &self.fallback.origin);
        let ms = self.max_subject.value.to_string();
        line(&mut out, "max_subject", ms, &self.max_subject.origin);
        let remote = self.allow_remote_http.value.to_string();
        line(
            &mut out,
            "allow_remote_http",
            remote,
            &self.allow_remote_http.origin,
        );
        let style = quote(self.style.value.name());
        line(&mut out, "style", style, &self.style.origin);
        let language = quote(&self.language.value);
        line(&mut out, "language", language, &self.language.origin);
        line(
            &mut out,
            "body",
            self.body.value.to_string(),
            &self.body.origin,
        );
        let format = quote(self.format.value.name());
        line(&mut out, "format", format, &self.format.origin);
        out
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
    if let Some(top) = work_tree {
        file_layer(top.join(REPO_FILE), true, &mut config);
    }
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
    config.timeout.set(
        flags.timeout.filter(|t| *t > 0.0),
        &Origin::Flag("--timeout"),
    );
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
        // Destructured without `..`, so a new key fails to compile here until it is listed.
        let Layer {
            api,
            model,
            host,
            base_url,
            api_key_env,
            prompt,
            timeout,
            num_ctx,
            num_predict,
            temperature,
            keep_alive,
            exclude,
            sources,
            fallback,
            max_subject,
            allow_remote_http,
            style,
            language,
            body,
            format,
        } = layer;
        let d = Config::default();
        assert_eq!(api, Some(d.api.value));
        assert_eq!(model, Some(d.model.value));
        assert_eq!(host, Some(d.host.value));
        assert_eq!(base_url, Some(d.base_url.value));
        // `""`: no key, the default.
        assert_eq!(api_key_env.as_deref(), Some(""));
        assert_eq!(d.api_key_env.value, None);
        assert_eq!(prompt.as_deref(), Some(crate::prompt::DEFAULT_PROMPT));
        assert_eq!(timeout, Some(d.timeout.value));
        assert_eq!(num_ctx, Some(d.num_ctx.value));
        assert_eq!(num_predict, Some(d.num_predict.value));
        assert_eq!(temperature, Some(d.temperature.value));
        assert_eq!(keep_alive, Some(d.keep_alive.value));
        assert_eq!(exclude, Some(d.exclude.value));
        assert_eq!(sources, Some(d.sources.value));
        assert_eq!(fallback, Some(d.fallback.value));
        assert_eq!(max_subject, Some(d.max_subject.value));
        assert_eq!(allow_remote_http, Some(d.allow_remote_http.value));
        assert_eq!(style, Some(d.style.value));
        assert_eq!(language, Some(d.language.value));
        assert_eq!(body, Some(d.body.value));
        assert_eq!(format, Some(d.format.value));
    }
}
