//! `ai-commit doctor`: why a person is not getting messages. Each check says what it found
//! and, for a problem, the command that fixes it. Read-only: it changes nothing.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{self, Config, Flags};
use crate::env::Environment;
use crate::git_cli::{self, ConfigValue, Scope};
use crate::install::global::PassThrough;
use crate::install::hooks_path::HooksPaths;
use crate::install::{self, global};
use crate::llm::ollama::{normalize_host, Ollama, OllamaSettings};
use crate::llm::openai::{normalize_base_url, ApiKey, OpenAi, OpenAiSettings};
use crate::llm::{self, Address, Api, LlmError, Request};
use crate::speed::Speeds;
use crate::{draft, staged};

/// How a finding reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// All is well.
    Ok,
    /// Worth knowing; nothing to fix.
    Note,
    /// Stops messages from coming, or hides something: exit status 1.
    Problem,
}

/// One line of the report.
#[derive(Debug, Clone)]
pub struct Finding {
    /// How it reads.
    pub level: Level,
    /// What was found.
    pub what: String,
    /// The command or edit that fixes it.
    pub fix: Option<String>,
}

fn ok(what: impl Into<String>) -> Finding {
    Finding {
        level: Level::Ok,
        what: what.into(),
        fix: None,
    }
}

fn note(what: impl Into<String>) -> Finding {
    Finding {
        level: Level::Note,
        what: what.into(),
        fix: None,
    }
}

fn problem(what: impl Into<String>, fix: impl Into<String>) -> Finding {
    Finding {
        level: Level::Problem,
        what: what.into(),
        fix: Some(fix.into()),
    }
}

/// Seconds allowed for each of the small API calls.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Runs every check, in the order a person would fix things.
pub fn check(env: &Environment, flags: &Flags) -> Vec<Finding> {
    let work_tree = staged::work_tree(env);
    let loaded = config::load(env, work_tree.as_deref(), flags);
    let mut out = Vec::new();
    check_config(env, work_tree.as_deref(), &loaded, &mut out);
    check_server(&loaded.config, &mut out);
    check_speed(env, &loaded.config, &mut out);
    // Any repository, bare ones too: their push hooks run through the same directories.
    match git_cli::common_dir(env) {
        Ok(common) => check_hooks(env, &common, &mut out),
        Err(_) => out.push(note(
            "not inside a git repository: the hook checks were skipped",
        )),
    }
    out
}

/// What the server and model have shown of their speed, and the prompt that fits the timeout.
fn check_speed(env: &Environment, config: &Config, out: &mut Vec<Finding>) {
    let Some(dir) = env.cache_dir() else {
        return;
    };
    let speed = Speeds::new(&dir).get(&draft::server_key(config));
    let style = crate::style::Style::new(
        config.style.value,
        crate::style::Learned::default(),
        None,
        false,
    );
    let budget = speed.prompt_budget(
        config.timeout.value,
        crate::prompt::expected_output(config, &style),
    );
    let rates = format!(
        "reads {:.0} tokens/s, writes {:.0} tokens/s, loads in {:.1}s",
        speed.read, speed.write, speed.load
    );
    let fits = format!(
        "a prompt of about {budget} tokens is answered within timeout = {}s",
        config.timeout.value
    );
    out.push(note(if speed.samples == 0 {
        format!(
            "no speed learned yet for {}: assuming it {rates}; {fits}",
            config.model.value
        )
    } else {
        format!(
            "{} {rates} (learned from {} replies); {fits}",
            config.model.value, speed.samples
        )
    }));
}

/// The report as text, one finding per line with its fix under it.
pub fn render(findings: &[Finding]) -> String {
    let mut text = String::new();
    for f in findings {
        let tag = match f.level {
            Level::Ok => "ok     ",
            Level::Note => "note   ",
            Level::Problem => "PROBLEM",
        };
        text.push_str(&format!("{tag} {}\n", f.what));
        if let Some(fix) = &f.fix {
            text.push_str(&format!("        fix: {fix}\n"));
        }
    }
    let problems = findings
        .iter()
        .filter(|f| f.level == Level::Problem)
        .count();
    match problems {
        0 => text.push_str("No problems found.\n"),
        1 => text.push_str("1 problem found.\n"),
        n => text.push_str(&format!("{n} problems found.\n")),
    }
    text
}

fn check_config(
    env: &Environment,
    work_tree: Option<&Path>,
    loaded: &config::Loaded,
    out: &mut Vec<Finding>,
) {
    match config::user_file(env) {
        Some(path) if loaded.files.contains(&path) => {
            out.push(ok(format!("config file {} parsed", path.display())))
        }
        Some(path) if !path.exists() => out.push(note(format!(
            "no config file at {} (the defaults apply; see config.example.toml)",
            path.display()
        ))),
        Some(_) | None => {}
    }
    if let Some(top) = work_tree {
        let repo_file = top.join(config::REPO_FILE);
        if loaded.files.contains(&repo_file) {
            out.push(ok(format!(
                "repository file {} parsed",
                repo_file.display()
            )));
        }
    }
    for e in &loaded.errors {
        out.push(problem(
            format!("config file skipped: {e}"),
            "correct that line; `ai-commit config` shows the values in effect",
        ));
    }
}

/// Whether the hook may send the diff to `base` (set by the config key `key`): a problem when
/// it may not, a note when it goes over plain http to another machine with the user's consent.
fn address_allowed(config: &Config, base: &Address, key: &str, out: &mut Vec<Finding>) -> bool {
    if let Err(e) = llm::check_destination(base, config.allow_remote_http.value) {
        out.push(problem(
            e.to_string(),
            format!(
                "point `{key}` at this machine, or set `allow_remote_http = true` in your own \
                 config"
            ),
        ));
        return false;
    }
    if base.is_tls() {
        match llm::tls::process_store() {
            Ok(store) => out.push(ok(format!(
                "https: {base}'s certificate is checked against {} ({} authorities)",
                store.source,
                store.certs.len()
            ))),
            Err(llm::tls::NoStore(fix)) => {
                out.push(problem(
                    format!("https: no certificates to check {base} with"),
                    fix,
                ));
                return false;
            }
        }
    } else if !base.is_this_machine() {
        out.push(note(format!(
            "diffs go over plain http to {base}, which is not this machine \
             (allow_remote_http = true): anyone on the network path can read them"
        )));
    }
    true
}

/// The server at `base` did not answer a probe: `what` names it; a TLS failure brings its own
/// reason and fix (the certificate's fault is not fixed by starting the server).
fn unreachable(what: &str, base: &Address, e: &LlmError, fix: &str) -> Finding {
    match e {
        LlmError::Tls { why, fix, .. } => {
            problem(format!("{what} at {base} is not trusted: {why}"), fix)
        }
        _ => problem(
            format!("{what} is not reachable at {base}: {}", reason(e)),
            fix,
        ),
    }
}

fn check_server(config: &Config, out: &mut Vec<Finding>) {
    if config.api.value == Api::OpenAi {
        check_openai_server(config, out);
        return;
    }
    let base = match normalize_host(&config.host.value) {
        Ok(b) => b,
        Err(e) => {
            out.push(problem(
                e.to_string(),
                format!("set `host` in your config file ({})", config.host.origin),
            ));
            return;
        }
    };
    if !address_allowed(config, &base, "host", out) {
        return;
    }
    let client = Ollama::new(OllamaSettings {
        base_url: base.clone(),
        model: config.model.value.clone(),
        num_ctx: config.num_ctx.value,
        num_predict: 8,
        temperature: config.temperature.value,
        keep_alive: config.keep_alive.value.clone(),
    });
    let version = match client.version(PROBE_TIMEOUT) {
        Ok(v) => v,
        Err(e) => {
            out.push(unreachable(
                "Ollama",
                &base,
                &e,
                "start it with `ollama serve` (or `systemctl start ollama`), or set `host`",
            ));
            return;
        }
    };
    out.push(ok(format!(
        "Ollama {} answers at {base} in {} ms",
        version.answer.as_deref().unwrap_or("(unknown version)"),
        version.latency.as_millis()
    )));
    let model = &config.model.value;
    match client.models(PROBE_TIMEOUT) {
        Ok(models) if models.answer.contains(model) => {
            out.push(ok(format!("model {model} is pulled")))
        }
        Ok(_) => {
            out.push(problem(
                format!("model {model} is not pulled at {base}"),
                format!("ollama pull {model}"),
            ));
            return;
        }
        Err(e) => out.push(problem(
            format!("cannot list the models at {base}: {}", reason(&e)),
            "check the server's log",
        )),
    }
    match client.details(PROBE_TIMEOUT) {
        Ok(details) => match details.answer.context_length {
            Some(len) if u64::from(config.num_ctx.value) > len => out.push(problem(
                format!(
                    "num_ctx = {} is over {model}'s context length of {len}: the model would \
                     see less than the prompt is fitted for",
                    config.num_ctx.value
                ),
                format!("set `num_ctx = {len}` in your config file"),
            )),
            Some(len) => out.push(ok(format!(
                "num_ctx = {} fits {model}'s context length of {len}",
                config.num_ctx.value
            ))),
            None => out.push(note(format!("{model}'s context length is not reported"))),
        },
        Err(e) => out.push(note(format!(
            "cannot read {model}'s details: {}",
            reason(&e)
        ))),
    }
    let model = Arc::new(client);
    timed_request(config, model, out);
}

/// An OpenAI-compatible server: the address, the key's variable, `/models`, a tiny request.
fn check_openai_server(config: &Config, out: &mut Vec<Finding>) {
    let base = match normalize_base_url(&config.base_url.value) {
        Ok(b) => b,
        Err(e) => {
            out.push(problem(e.to_string(), "set `base_url` in your config file"));
            return;
        }
    };
    if !address_allowed(config, &base, "base_url", out) {
        return;
    }
    // The hook's own rule decides whether the variable holds a key, so doctor can never call
    // usable a key the hook refuses.
    let api_key = match &config.api_key_env.value {
        None => None,
        Some(var) => {
            let value = std::env::var_os(var);
            match ApiKey::from_var(var, value.as_deref()) {
                Ok(key) => {
                    out.push(ok(format!("the API key is set in {var}")));
                    Some(key)
                }
                Err(e) => {
                    let what = if value.as_deref().is_none_or(OsStr::is_empty) {
                        format!("api_key_env names {var}, which is not set in this environment")
                    } else {
                        e.to_string()
                    };
                    out.push(problem(
                        what,
                        format!(
                            "export {var}=<your key> where git runs (shell profile, GUI client)"
                        ),
                    ));
                    return;
                }
            }
        }
    };
    let client = OpenAi::new(OpenAiSettings {
        base_url: base.clone(),
        model: config.model.value.clone(),
        max_tokens: config.num_predict.value,
        temperature: config.temperature.value,
        api_key,
    });
    match client.models(PROBE_TIMEOUT) {
        Ok(models) => {
            out.push(ok(format!(
                "the model server answers at {base} in {} ms",
                models.latency.as_millis()
            )));
            if !models.answer.contains(&config.model.value) {
                out.push(note(format!(
                    "{} is not in {base}/models (servers that load one model answer with it anyway)",
                    config.model.value
                )));
            }
        }
        Err(e) => {
            out.push(unreachable(
                "the model server",
                &base,
                &e,
                "start it (llama-server, LM Studio, vLLM), or set `base_url`",
            ));
            return;
        }
    }
    match crate::draft::client(config) {
        Ok(model) => timed_request(config, model, out),
        Err(e) => out.push(problem(e.to_string(), "see the reason above")),
    }
}

/// A tiny real request through the same client the hook uses, against the configured timeout.
fn timed_request(config: &Config, model: Arc<dyn llm::Model>, out: &mut Vec<Finding>) {
    let request = Request {
        system: "Reply with the single word: ok".into(),
        user: "Say ok.".into(),
        ..Request::default()
    };
    let timeout = Duration::from_secs_f64(config.timeout.value);
    let start = Instant::now();
    match llm::ask(model, request, timeout, |_| {}) {
        Ok(_) => out.push(ok(format!(
            "a tiny request to {} took {:.1}s (timeout {}s)",
            config.model.value,
            start.elapsed().as_secs_f64(),
            config.timeout.value
        ))),
        Err(e) => out.push(problem(
            format!("a tiny request failed: {e}"),
            "see the reason above; `ollama ps` shows what is loaded",
        )),
    }
}

/// A failed probe in a few words, for the finding that names the server already: what
/// the transport said, or the server's status and text.
fn reason(e: &LlmError) -> String {
    match e {
        LlmError::Connect { .. } => "nothing accepts connections there".to_string(),
        LlmError::HostNotFound { .. } => "the host name does not resolve".to_string(),
        LlmError::Timeout { .. } => format!("no answer within {}s", PROBE_TIMEOUT.as_secs()),
        LlmError::Server {
            status, message, ..
        } => format!("status {status}: {message}"),
        LlmError::BadReply { why, .. } => why.clone(),
        other => other.to_string(),
    }
}

/// Where git finds this repository's hooks, and what is there, as the hook checks see it.
struct HookSite {
    /// The directory git runs hooks from (`core.hooksPath` applied).
    dir: PathBuf,
    /// The repository's own `<common dir>/hooks`.
    own_dir: PathBuf,
    /// Every `core.hooksPath` git reads here.
    paths: HooksPaths,
    /// ai-commit's global hooks directory, when there is a data directory.
    global_dir: Option<PathBuf>,
}

impl HookSite {
    /// The `core.hooksPath` in effect here, if any.
    fn in_effect(&self) -> Option<&ConfigValue> {
        self.paths.in_effect()
    }

    /// Whether git uses ai-commit's global directory here.
    fn ours_global(&self, env: &Environment) -> bool {
        match (&self.global_dir, self.in_effect()) {
            (Some(dir), Some(v)) => global::is_our_dir(env, &v.value, dir),
            _ => false,
        }
    }

    /// Whether git runs the repository's own hooks directory.
    fn runs_own_dir(&self) -> bool {
        same_path(&self.dir, &self.own_dir)
    }

    /// Whether the `core.hooksPath` in effect is the repository's own setting.
    fn local_hooks_path(&self) -> Option<&ConfigValue> {
        self.paths.own_setting()
    }

    /// The fix for "git does not run ai-commit here" when the directory git uses is named by a
    /// `core.hooksPath` of someone else's, by where it is set.
    fn take_over_fix(&self) -> String {
        match self.in_effect() {
            Some(v) if v.scope.is_every_repository() && !self.paths.is_conditional(v) => {
                "ai-commit install --global --force (the hooks of that directory keep running \
                 through ai-commit's)"
                    .to_string()
            }
            _ => format!(
                "ai-commit install (writes it into {}, where git looks)",
                self.dir.display()
            ),
        }
    }
}

/// The hook checks: the prepare-commit-msg git runs here, the binary it runs, the hooks
/// directories and pass-throughs that decide which of the repository's own hooks run.
fn check_hooks(env: &Environment, common: &Path, out: &mut Vec<Finding>) {
    let Ok(dir) = git_cli::hooks_dir(env) else {
        out.push(note(
            "git cannot say where this repository's hooks are (`git rev-parse --git-path \
             hooks` fails): the hook checks were skipped",
        ));
        return;
    };
    let site = HookSite {
        dir,
        own_dir: common.join("hooks"),
        paths: HooksPaths::read(env).unwrap_or_default(),
        global_dir: global::hooks_dir(env),
    };
    if git_cli::is_bare(env) {
        out.push(note(
            "a bare repository: git makes no commits in it, so no prepare-commit-msg runs \
             here; the checks below are of the hooks a push runs",
        ));
    } else {
        check_prepare_commit_msg(env, &site, out);
    }
    if let (true, Some(dir)) = (site.ours_global(env), &site.global_dir) {
        check_shadowed_hooks_paths(env, &site.paths, dir, out);
    }
    check_own_hooks(env, &site, out);
}

/// The prepare-commit-msg git runs in this repository runs ai-commit, from a binary that is
/// still there.
fn check_prepare_commit_msg(env: &Environment, site: &HookSite, out: &mut Vec<Finding>) {
    if let Some(command) = git_cli::config_get(env, Scope::Effective, "hook.ai-commit.command")
        .ok()
        .flatten()
    {
        out.push(ok(format!(
            "config-defined hook hook.ai-commit runs {command}"
        )));
        return;
    }
    let hook = site.dir.join("prepare-commit-msg");
    // ai-commit's own directory: the pass-through check names what is wrong there.
    if site.ours_global(env) && !install::runs_ours(&hook) {
        return;
    }
    if let Some(husky) = site
        .local_hooks_path()
        .filter(|v| install::local::is_husky_dir(&v.value))
    {
        check_husky(site, &husky.value, out);
        return;
    }
    let shadowed = site.own_dir.join("prepare-commit-msg");
    let not_run = if !site.runs_own_dir() && install::runs_ours(&shadowed) {
        format!(
            " (ai-commit's hook in {} is not run: git uses {})",
            site.own_dir.display(),
            site.dir.display()
        )
    } else {
        String::new()
    };
    if fs::symlink_metadata(&hook).is_err() {
        let fix = match site.in_effect() {
            None => "ai-commit install (this repository) or ai-commit install --global".to_string(),
            Some(v) if v.scope.is_repository() => format!(
                "ai-commit install (writes it into {}, this repository's core.hooksPath)",
                site.dir.display()
            ),
            Some(_) => site.take_over_fix(),
        };
        out.push(problem(
            format!(
                "no prepare-commit-msg hook in {}{not_run}",
                site.dir.display()
            ),
            fix,
        ));
    } else if !install::runs_ours(&hook) {
        if calls_ai_commit(&hook) {
            out.push(ok(format!("{} runs `ai-commit hook`", hook.display())));
            return;
        }
        let fix = if site
            .in_effect()
            .is_some_and(|v| v.scope.is_every_repository())
        {
            site.take_over_fix()
        } else {
            "ai-commit install --force (keeps it aside; uninstall puts it back), or add the \
             line `ai-commit hook \"$@\"` to it"
                .to_string()
        };
        out.push(problem(
            format!("{} is not ai-commit's hook{not_run}", hook.display()),
            fix,
        ));
    } else if !install::is_executable(&hook) {
        out.push(problem(
            format!("{} is not executable, so git skips it", hook.display()),
            format!("chmod +x {}", hook.display()),
        ));
    } else {
        out.push(ok(format!("hook installed and active: {}", hook.display())));
        check_binary(env, site, &hook, out);
    }
}

/// husky's scripts run `.husky/prepare-commit-msg`, which must call ai-commit.
fn check_husky(site: &HookSite, value: &str, out: &mut Vec<Finding>) {
    let husky_dir = if site.dir.ends_with("_") {
        site.dir.parent().unwrap_or(&site.dir).to_path_buf()
    } else {
        site.dir.clone()
    };
    let hook = husky_dir.join("prepare-commit-msg");
    if calls_ai_commit(&hook) {
        out.push(ok(format!(
            "husky runs ai-commit from {} (core.hooksPath = {value})",
            hook.display()
        )));
    } else {
        out.push(problem(
            format!(
                "husky manages this repository's hooks (core.hooksPath = {value}) and {} does \
                 not run ai-commit",
                hook.display()
            ),
            format!(
                "add the line `ai-commit hook \"$@\"` to {} (husky runs it with git's \
                 arguments)",
                hook.display()
            ),
        ));
    }
}

/// Whether a hook of someone else's calls ai-commit's hook itself.
fn calls_ai_commit(hook: &Path) -> bool {
    install::read_script(hook).is_some_and(|t| t.contains("ai-commit hook"))
}

/// The binary the script recorded at install time still exists; the fix is the install that
/// wrote that script.
fn check_binary(env: &Environment, site: &HookSite, hook: &Path, out: &mut Vec<Finding>) {
    let Some(text) = install::read_script(hook) else {
        return;
    };
    let Some(bin) = install::recorded(&text, "AI_COMMIT_INSTALLED_BIN") else {
        return;
    };
    if Path::new(&bin).exists() {
        return;
    }
    let fix = if !install::is_hook_set_script(&text) {
        "ai-commit install (with the binary you use now)".to_string()
    } else if site.ours_global(env) {
        "ai-commit install --global (with the binary you use now)".to_string()
    } else {
        format!(
            "ai-commit install --hooks-dir {} (with the binary you use now)",
            site.dir.display()
        )
    };
    out.push(problem(
        format!("the hook runs {bin}, which no longer exists (it falls back to PATH)"),
        fix,
    ));
}

/// The repository's own hooks that git does not run from `<common dir>/hooks`, and whether
/// ai-commit's pass-throughs run them instead.
fn check_own_hooks(env: &Environment, site: &HookSite, out: &mut Vec<Finding>) {
    if site.runs_own_dir() {
        return;
    }
    let skipped = runnable_hooks(&site.own_dir);
    let Some(set) = HookSet::here(env, site) else {
        if skipped.is_empty() {
            return;
        }
        let Some(v) = site.in_effect() else {
            return;
        };
        let what = format!(
            "git skips this repository's own hooks ({}) because core.hooksPath is {} (set in {})",
            skipped.join(", "),
            v.value,
            v.place()
        );
        if v.scope.is_every_repository() && !site.paths.is_conditional(v) {
            out.push(problem(
                what,
                "ai-commit install --global --force (its pass-throughs run them, and the \
                 hooks of that directory too)",
            ));
        } else if site.paths.is_conditional(v) {
            out.push(note(format!(
                "{what}, for the repositories its includeIf matches: a global hooks directory \
                 cannot pass them through only there"
            )));
        } else {
            out.push(note(format!(
                "{what}, this repository's own setting: git runs the hooks in {} instead",
                site.dir.display()
            )));
        }
        return;
    };
    let (passed, not_passed): (Vec<String>, Vec<String>) = skipped
        .into_iter()
        .partition(|n| !global::NOT_PASSED_THROUGH.contains(&n.as_str()));
    for name in &not_passed {
        out.push(problem(
            format!(
                "{} do not run this repository's own {name} ({})",
                set.name,
                global::why_not(name)
            ),
            "git config core.hooksPath \
             \"$(git rev-parse --path-format=absolute --git-common-dir)/hooks\" && \
             ai-commit install  (this repository then runs its own hooks directory)",
        ));
    }
    let states = global::pass_throughs(&set.dir);
    let intact = |n: &str| {
        states
            .iter()
            .any(|(name, state)| *name == n && *state == PassThrough::Intact)
    };
    let (running, stopped): (Vec<String>, Vec<String>) =
        passed.into_iter().partition(|n| intact(n));
    if !running.is_empty() {
        out.push(ok(format!(
            "this repository's own hooks run through {}: {}",
            set.name,
            running.join(", ")
        )));
    }
    check_hook_set(&set, &states, &stopped, out);
}

/// A directory of ai-commit's pass-throughs that git runs hooks from here: the global one of
/// `install --global`, or a hook set of `--hooks-dir` (a system-wide one, such as the Nix
/// package's) that some `core.hooksPath` names.
struct HookSet {
    dir: PathBuf,
    /// How the findings call it.
    name: String,
    /// The install that writes it again.
    reinstall: String,
}

impl HookSet {
    fn here(env: &Environment, site: &HookSite) -> Option<HookSet> {
        if let (true, Some(dir)) = (site.ours_global(env), &site.global_dir) {
            return Some(HookSet {
                dir: dir.clone(),
                name: "ai-commit's global hooks".into(),
                reinstall: "ai-commit install --global".into(),
            });
        }
        let script = install::read_script(&site.dir.join("prepare-commit-msg"))?;
        install::is_hook_set_script(&script).then(|| HookSet {
            dir: site.dir.clone(),
            name: format!("ai-commit's hook set in {}", site.dir.display()),
            reinstall: format!("ai-commit install --hooks-dir {}", site.dir.display()),
        })
    }
}

/// Two paths name the same directory (git may give one relative, or through a link).
fn same_path(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Every pass-through of a hook set of ours is there, executable, and ours: one missing or
/// replaced stops that hook of every repository that uses the set. `stopped` names this
/// repository's own hooks that do not run because of it.
fn check_hook_set(
    set: &HookSet,
    states: &[(&str, PassThrough)],
    stopped: &[String],
    out: &mut Vec<Finding>,
) {
    let broken: Vec<String> = states
        .iter()
        .filter(|(_, state)| *state != PassThrough::Intact)
        .map(|(name, state)| format!("{name} {}", state.describe()))
        .collect();
    if broken.is_empty() {
        return;
    }
    let mut what = format!(
        "the directory of {} ({}) is not whole: {}",
        set.name,
        set.dir.display(),
        broken.join(", ")
    );
    if !stopped.is_empty() {
        what.push_str(&format!(
            "; so this repository's own {} does not run",
            stopped.join(", ")
        ));
    }
    let foreign: Vec<String> = states
        .iter()
        .filter(|(_, state)| *state == PassThrough::Foreign)
        .map(|(name, _)| set.dir.join(name).display().to_string())
        .collect();
    let fix = if foreign.is_empty() {
        set.reinstall.clone()
    } else {
        format!(
            "move {} out of {} (git runs it instead of every repository's own), then {}",
            foreign.join(", "),
            set.dir.display(),
            set.reinstall
        )
    };
    out.push(problem(what, fix));
}

/// The hooks directories named by a `core.hooksPath` that ai-commit's own comes after: git
/// runs them only through our pass-throughs, so each must be the one they chain to.
fn check_shadowed_hooks_paths(
    env: &Environment,
    paths: &HooksPaths,
    ours: &Path,
    out: &mut Vec<Finding>,
) {
    let chained = global::chained_dir(ours);
    let Some((_, shadowed)) = paths.values.split_last() else {
        return;
    };
    for v in shadowed {
        if global::is_our_dir(env, &v.value, ours) {
            continue;
        }
        let dir = std::path::PathBuf::from(global::expand_home(env, &v.value));
        let hooks = runnable_hooks(&dir);
        if hooks.is_empty() {
            continue;
        }
        let runs = chained
            .as_deref()
            .is_some_and(|c| global::is_our_dir(env, c, &dir));
        if runs {
            out.push(ok(format!(
                "the hooks of {} (core.hooksPath in {}) still run through ai-commit's global hooks",
                v.value,
                v.place()
            )));
            continue;
        }
        let fix = if paths.is_conditional(v) {
            "ai-commit uninstall --global, then ai-commit install in this repository (a global \
             hooks directory cannot keep hooks that only some repositories use)"
        } else {
            "ai-commit install --global (its pass-throughs then run them too)"
        };
        out.push(problem(
            format!(
                "git does not run the hooks of {} ({}; core.hooksPath in {}): ai-commit's \
                 core.hooksPath comes later and wins",
                v.value,
                hooks.join(", "),
                v.place()
            ),
            fix,
        ));
    }
}

/// Executable hook files in `dir` that are not git's `.sample` files.
fn runnable_hooks(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| install::is_executable(p) && !install::runs_ours(p))
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| {
            global::HOOK_NAMES.contains(&n.as_str())
                || global::NOT_PASSED_THROUGH.contains(&n.as_str())
        })
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_counts_problems() {
        let text = render(&[ok("a"), problem("b", "do c")]);
        assert!(text.contains("ok      a\n"));
        assert!(text.contains("PROBLEM b\n        fix: do c\n"));
        assert!(text.ends_with("1 problem found.\n"));
    }
}
