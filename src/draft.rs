//! Drafting a message for the staged changes: one function for the hook and the stdout mode.
//! It reads the change, asks the configured model through [`generate`], and stands in the
//! summary when that gives nothing.

use std::sync::Arc;

use crate::answers::Answers;
use crate::bumps;
use crate::config::{Config, Fallback};
use crate::diff::FileChange;
use crate::env::Environment;
use crate::facts::Facts;
use crate::generate::{generate, Drafted, Task};
use crate::llm::ollama::{normalize_host, Ollama, OllamaSettings};
use crate::llm::openai::{normalize_base_url, ApiKey, OpenAi, OpenAiSettings};
use crate::llm::{self, Api, LlmError, Model, Request};
use crate::prompt;
use crate::speed::{Speed, Speeds};
use crate::spinner::Spinner;
use crate::staged::{self, Base, Staged, StagedError};
use crate::style::{self, BodySetting, Past, Style};
use crate::summary::{self, summarize};
use crate::ticket;

/// Where the message came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Provenance {
    /// The model wrote it (after cleaning).
    Model {
        /// The model's name.
        model: String,
        /// Seconds the exchange took.
        seconds: f64,
    },
    /// The model wrote it for the same request before, and it was kept.
    Cached {
        /// The model's name.
        model: String,
    },
    /// The change is a release and the history gives releases one form: the subject is that
    /// form with the version that moved, and no model is asked.
    Release,
    /// The history repeats one subject for this kind of change (screenshots regenerated): the
    /// subject is that one, and no model is asked.
    Routine,
    /// The change moves one dependency and nothing else, and the history writes such bumps in
    /// a form of its own: the subject is that form with the package and its versions, and no
    /// model is asked.
    Bump,
    /// The model gave nothing usable; `message` is the fallback summary or nothing.
    Fallback {
        /// Why there is no model message, in one line.
        reason: String,
    },
}

/// A message, or none, and how it came about.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The message to write; `None` with `fallback = "none"` when the model failed.
    pub message: Option<String>,
    /// Other candidate subjects the model offered, best first (`candidates` above 1).
    pub alternatives: Vec<String>,
    /// Where it came from.
    pub provenance: Provenance,
}

impl Outcome {
    /// One line saying what happened, without the `ai-commit: ` prefix.
    pub fn describe(&self) -> String {
        match (&self.provenance, &self.message) {
            (Provenance::Model { model, seconds }, _) => {
                format!("message from {model} in {seconds:.1}s")
            }
            (Provenance::Cached { model }, _) => {
                format!("message from {model}, kept from the same request before")
            }
            (Provenance::Release, _) => {
                "release subject in this repository's own form, from the version that moved \
                 (no model asked)"
                    .to_string()
            }
            (Provenance::Bump, _) => {
                "dependency bump in this repository's own form, from the versions that moved \
                 (no model asked)"
                    .to_string()
            }
            (Provenance::Routine, _) => {
                "routine subject this repository repeats for changes to these files (no model \
                 asked)"
                    .to_string()
            }
            (Provenance::Fallback { reason }, Some(_)) => {
                format!("no model message ({reason}); wrote a summary instead")
            }
            (Provenance::Fallback { reason }, None) => format!("no model message ({reason})"),
        }
    }
}

/// Why nothing was drafted: there is no change to describe.
#[derive(Debug, thiserror::Error)]
pub enum NoChange {
    /// The staged changes could not be read.
    #[error(transparent)]
    Git(#[from] StagedError),
    /// A bare repository has no index of its own to commit: every file would look deleted.
    #[error("a bare repository has nothing staged to describe")]
    Bare,
    /// The index matches the base.
    #[error("nothing staged")]
    NothingStaged,
    /// The commit asked for changes nothing against its first parent.
    #[error("the commit changes nothing against its first parent")]
    EmptyCommit,
}

/// What a message is drafted for, beyond the settings.
#[derive(Debug, Clone, Default)]
pub struct Wish {
    /// Why the change was made, in the person's words (`--context`, `AI_COMMIT_CONTEXT`, text
    /// already in the message file).
    pub intent: Option<String>,
    /// An existing commit to draft a message for (`--rev`): its change against its first
    /// parent, instead of what is staged.
    pub commit: Option<String>,
}

/// Drafts a message for what is staged against `base`.
pub fn draft(
    env: &Environment,
    config: &Config,
    base: Base,
    wish: &Wish,
) -> Result<Outcome, NoChange> {
    let staged = change(env, base, wish.commit.as_deref())?;
    Ok(draft_for(env, config, staged, wish))
}

/// Drafts a message for a change already read with [`change`].
pub fn draft_for(env: &Environment, config: &Config, staged: Staged, wish: &Wish) -> Outcome {
    let facts = Facts::of(&staged.files);
    let style = style_with_earlier(env, config, &staged, &facts);
    let outcome = describe(env, config, &style, &staged.files, &facts, wish);
    finish(env, config, staged.branch.as_deref(), outcome)
}

/// The change to describe: what is staged against `base`, or the commit `commit` names (its
/// change against its first parent).
pub fn change(env: &Environment, base: Base, commit: Option<&str>) -> Result<Staged, NoChange> {
    let staged = match commit {
        Some(rev) => staged::commit_changes(env, rev)?,
        None => staged::staged_changes(env, base)?,
    };
    if staged.work_tree.is_none() {
        return Err(NoChange::Bare);
    }
    if staged.files.is_empty() {
        return Err(match commit {
            Some(_) => NoChange::EmptyCommit,
            None => NoChange::NothingStaged,
        });
    }
    Ok(staged)
}

/// What `--dry-run` prints: the exact request that would be sent for what is staged, and how
/// its size was chosen. Nothing is sent, and no answer kept is looked at.
pub fn dry_run(
    env: &Environment,
    config: &Config,
    base: Base,
    wish: &Wish,
) -> Result<String, DryRunError> {
    let staged = change(env, base, wish.commit.as_deref())?;
    let files = &staged.files;
    let facts = Facts::of(files);
    let style = style_of(config, &staged.history, files, &facts);
    let speed = learned_speed(env, config);
    let intent = wish.intent.as_deref();
    let (first, sized, Sizing { budget, output }) =
        sized_request(speed, config, &style, files, &facts, intent);
    let model = client(config)?;
    let (url, body) = model
        .would_send(&first)
        .unwrap_or_else(|| (String::new(), serde_json::Value::Null));
    let mut out = String::from("# ai-commit --dry-run: nothing was sent\n");
    out.push_str(&format!("# POST {url}\n"));
    let learned = if speed.samples == 0 {
        "assumed before any reply".to_string()
    } else {
        format!("learned from {} replies", speed.samples)
    };
    out.push_str(&format!(
        "# tokens (estimated, errs high): {} of the prompt, {} for the reply\n",
        sized.estimated_tokens,
        first.max_tokens.unwrap_or(config.num_predict.value)
    ));
    out.push_str(&format!(
        "# window: num_ctx {} less the reply and a 5% margin\n",
        config.num_ctx.value
    ));
    out.push_str(&format!(
        "# deadline: {budget} prompt tokens fit {}% of timeout {}s at {:.0} read/s, {:.0} \
         written/s, {:.1}s to load ({learned}), with {output} tokens of reply expected\n",
        (crate::speed::DEADLINE_SHARE * 100.0).round(),
        config.timeout.value,
        speed.read,
        speed.write,
        speed.load
    ));
    let unsent: Vec<&str> = files
        .iter()
        .filter(|f| !f.hunks.is_empty() && !first.user.contains(&format!("--- {}\n", f.path)))
        .map(|f| f.path.as_str())
        .collect();
    out.push_str(&format!(
        "# left out: {}{}\n",
        if sized.cut {
            "part of the change, to fit"
        } else {
            "nothing was cut"
        },
        if unsent.is_empty() {
            String::new()
        } else {
            format!("; sent by name only: {}", unsent.join(", "))
        }
    ));
    for (role, content) in first.messages() {
        out.push_str(&format!("\n# --- {role} message ---\n{content}\n"));
    }
    let pretty = serde_json::to_string_pretty(&body).unwrap_or_default();
    out.push_str(&format!("\n# --- the request body ---\n{pretty}\n"));
    Ok(out)
}

/// Why a dry run printed nothing.
#[derive(Debug, thiserror::Error)]
pub enum DryRunError {
    /// There is no change to describe.
    #[error(transparent)]
    NoChange(#[from] NoChange),
    /// The configured server cannot be asked (a refused destination, a missing key).
    #[error(transparent)]
    Client(#[from] LlmError),
}

/// What is added after the model, deterministically: the branch's ticket where the history
/// references tickets, placed as it does, and the `Assisted-by:` trailer when asked for.
fn finish(
    env: &Environment,
    config: &Config,
    branch: Option<&str>,
    mut outcome: Outcome,
) -> Outcome {
    let Some(mut message) = outcome.message.take() else {
        return outcome;
    };
    if let Some(ticket) = branch.and_then(ticket::from_branch) {
        let messages = staged::recent_messages(env, style::WINDOW);
        if let Some(placement) = ticket::placement(&ticket, &messages) {
            message = ticket::apply(&message, &ticket, &placement);
            if !matches!(placement, ticket::Placement::Trailer(_)) {
                for alternative in &mut outcome.alternatives {
                    *alternative = ticket::apply(alternative, &ticket, &placement);
                }
            }
        }
    }
    let by_model = match &outcome.provenance {
        Provenance::Model { model, .. } | Provenance::Cached { model } => Some(model),
        Provenance::Release
        | Provenance::Routine
        | Provenance::Bump
        | Provenance::Fallback { .. } => None,
    };
    if let (true, Some(model)) = (config.assisted_by.value, by_model) {
        message = ticket::with_trailer(&message, &format!("Assisted-by: {model} via ai-commit"));
    }
    outcome.message = Some(message);
    outcome
}

/// The subject a change has without asking, and how it is known: a release's, in the
/// history's form (its changelog's too), a lone dependency bump's, a routine commit's. `None`
/// where the model is to be asked.
fn known_subject(
    config: &Config,
    style: &Style,
    files: &[FileChange],
    facts: &Facts,
) -> Option<(String, Provenance)> {
    // A release has one right subject, which the history shows: nothing to ask for.
    let release = facts
        .release
        .as_ref()
        .and_then(|r| style.release_subject(r));
    // Nor has a release's changelog, in the form of the previous one's.
    let changelog = || style.heading_subject(facts.heading.as_deref()?);
    release
        .or_else(changelog)
        .map(|s| (s, Provenance::Release))
        // Nor has a lone dependency bump, whose package and versions are exact facts.
        .or_else(|| bump_subject(facts, style, config).map(|s| (s, Provenance::Bump)))
        // Nor has a routine commit, which the history repeats word for word.
        .or_else(|| {
            style
                .routine_subject(files)
                .map(|s| (s, Provenance::Routine))
        })
}

/// Asks the configured model for a message for `files`, falling back as configured.
fn describe(
    env: &Environment,
    config: &Config,
    style: &Style,
    files: &[FileChange],
    facts: &Facts,
    wish: &Wish,
) -> Outcome {
    if let Some((subject, provenance)) = known_subject(config, style, files, facts) {
        return Outcome {
            message: Some(subject),
            alternatives: Vec::new(),
            provenance,
        };
    }
    let start = std::time::Instant::now();
    let intent = wish.intent.as_deref();
    let cache_dir = env.cache_dir();
    let server = server_key(config);
    let speeds = cache_dir.as_deref().map(Speeds::new);
    let speed = speeds.as_ref().map_or(Speed::ASSUMED, |s| s.get(&server));
    let task = Task {
        config,
        style,
        files,
        intent,
        facts,
        speed,
    };
    let (first, sized) = first_request(speed, config, style, files, facts, intent);
    let answers = cache_dir
        .filter(|_| config.cache.value)
        .map(|dir| Answers::new(&dir));
    // The answer is kept for the change, not for how much of it this speed let through: a
    // retried commit after the speed was learned finds it again. Without kept answers
    // (`cache = false`) there is no key, and the whole prompt is not built a second time.
    let keeper = answers.map(|answers| {
        let key = if sized.cut {
            answer_key(
                config,
                &prompt::first(config, style, files, facts, intent, None).0,
            )
        } else {
            answer_key(config, &first)
        };
        (answers, key)
    });
    if let Some(kept) = keeper.as_ref().and_then(|(a, key)| a.get(key)) {
        let drafted = unkeep(&kept);
        return Outcome {
            message: Some(drafted.message),
            alternatives: drafted.alternatives,
            provenance: Provenance::Cached {
                model: config.model.value.clone(),
            },
        };
    }
    let result = client(config).map_err(|e| e.to_string()).and_then(|model| {
        let label = format!("ai-commit: asking {}...", config.model.value);
        let mut spinner = Spinner::new(label, env.stderr_is_terminal);
        let learn = |request: &Request, reply: &llm::Reply, wall| {
            if let Some(speeds) = &speeds {
                speeds.record(&server, reply, wall, prompt::anew_tokens(request));
            }
        };
        let result = generate(model, &task, first, |waited| spinner.tick(waited), learn);
        spinner.clear();
        result
    });
    if let (Ok(drafted), Some((answers, key))) = (&result, &keeper) {
        answers.put(key, &keep(drafted));
    }
    match result {
        Ok(drafted) => Outcome {
            message: Some(drafted.message),
            alternatives: drafted.alternatives,
            provenance: Provenance::Model {
                model: config.model.value.clone(),
                seconds: start.elapsed().as_secs_f64(),
            },
        },
        Err(reason) => Outcome {
            message: match config.fallback.value {
                Fallback::Summary => fallback_summary(files, facts, style, config),
                Fallback::None => None,
            },
            alternatives: Vec::new(),
            provenance: Provenance::Fallback { reason },
        },
    }
}

/// The speed learned for the configured server, or the assumed one.
fn learned_speed(env: &Environment, config: &Config) -> Speed {
    env.cache_dir().map_or(Speed::ASSUMED, |dir| {
        Speeds::new(&dir).get(&server_key(config))
    })
}

/// The first request for `files`, its prompt sized for the deadline at `speed`.
fn first_request(
    speed: Speed,
    config: &Config,
    style: &Style,
    files: &[FileChange],
    facts: &Facts,
    intent: Option<&str>,
) -> (Request, prompt::Prompt) {
    let (request, prompt, _) = sized_request(speed, config, style, files, facts, intent);
    (request, prompt)
}

/// The share of the timeout a reply with a body is expected to come within, or only the
/// subject is asked for.
const BODY_SHARE: f64 = 0.5;

/// [`first_request`], and the prompt tokens the deadline allowed it with the reply it expects.
///
/// With `body = "auto"` a body is asked for only where it can come in good time: when even the
/// least prompt of the change (a small change whole, the file list of a large one) is more than
/// the deadline leaves beside a body, or when reading what is new in it and writing a body is
/// expected to take more than half the timeout, the subject alone is asked for, some hundred
/// tokens less to write. Measured on ripgrep with the 1.5B model, such requests (900-odd prompt
/// tokens and a body of up to 256) ran into the 30 s timeout and fell back, and on commitizen
/// the slowest tenth of the commits were all ones with a body.
fn sized_request(
    speed: Speed,
    config: &Config,
    style: &Style,
    files: &[FileChange],
    facts: &Facts,
    intent: Option<&str>,
) -> (Request, prompt::Prompt, Sizing) {
    let with_style = |style: &Style| {
        let output = prompt::expected_output(config, style);
        let budget = speed.prompt_budget(config.timeout.value, output);
        let (request, prompt) = prompt::first(config, style, files, facts, intent, Some(budget));
        (request, prompt, Sizing { budget, output })
    };
    let first = with_style(style);
    let tight = first.1.estimated_tokens > first.2.budget;
    let expected = speed.load
        + prompt::anew_tokens(&first.0) as f64 / speed.read
        + f64::from(first.2.output) / speed.write;
    let slow = expected > config.timeout.value * BODY_SHARE;
    if style.body && (tight || slow) && config.body.value == BodySetting::Auto {
        let subject_only = Style {
            body: false,
            ..style.clone()
        };
        return with_style(&subject_only);
    }
    first
}

/// How a first request was sized: the prompt tokens the deadline allows beside the reply
/// expected, and that reply's tokens.
#[derive(Debug, Clone, Copy)]
struct Sizing {
    budget: usize,
    output: u32,
}

/// What separates the kept message from each kept alternative: no cleaned message holds it.
const KEPT_APART: &str = "\n\u{1e}\n";

/// A drafted message as the answers keep it: the message, then each alternative.
fn keep(drafted: &Drafted) -> String {
    let mut text = drafted.message.clone();
    for alternative in &drafted.alternatives {
        text.push_str(KEPT_APART);
        text.push_str(alternative);
    }
    text
}

/// A kept answer as the message and its alternatives.
fn unkeep(kept: &str) -> Drafted {
    let mut parts = kept.split(KEPT_APART).map(str::to_string);
    Drafted {
        message: parts.next().unwrap_or_default(),
        alternatives: parts.collect(),
    }
}

/// Gets the configured model ready for the commit being made, within `timeout`; the seconds
/// it took. With a change staged in a repository, the first request the hook will send for it
/// is sent now with a one-token reply: the server loads the model and reads the whole prompt
/// into its cache, and the hook's request then reads nothing anew and only writes (a
/// pre-commit hook's seconds pay for the reading). Without one, the model is only loaded.
pub fn warm(env: &Environment, config: &Config) -> Result<f64, LlmError> {
    let model = client(config)?;
    let start = std::time::Instant::now();
    let timeout = std::time::Duration::from_secs_f64(config.timeout.value);
    match primer(env, config) {
        Some(Primer::Request(mut request)) => {
            request.max_tokens = Some(1);
            llm::ask(model, *request, timeout, |_| {})?;
        }
        Some(Primer::Nothing) => {}
        None => model.warm(timeout)?,
    }
    Ok(start.elapsed().as_secs_f64())
}

/// What warming can do ahead of the hook for what is staged.
enum Primer {
    /// Send the hook's first request.
    Request(Box<Request>),
    /// Nothing: the message needs no model (a release).
    Nothing,
}

/// What warming sends for the change staged against `HEAD`, as the hook will draft it; `None`
/// outside a repository or with nothing staged.
fn primer(env: &Environment, config: &Config) -> Option<Primer> {
    let staged = change(env, Base::Head, None).ok()?;
    let facts = Facts::of(&staged.files);
    let style = style_with_earlier(env, config, &staged, &facts);
    if known_subject(config, &style, &staged.files, &facts).is_some() {
        return Some(Primer::Nothing);
    }
    let (first, _) = first_request(
        learned_speed(env, config),
        config,
        &style,
        &staged.files,
        &facts,
        None,
    );
    Some(Primer::Request(Box::new(first)))
}

/// The server and model a speed is learned for.
pub fn server_key(config: &Config) -> String {
    let address = match config.api.value {
        Api::Ollama => &config.host.value,
        Api::OpenAi => &config.base_url.value,
    };
    format!("{:?} {address} {}", config.api.value, config.model.value)
}

/// Everything the answer to `first` depends on, as text: where it goes, the model and its
/// options, the messages, and the checks its reply must pass.
fn answer_key(config: &Config, first: &Request) -> String {
    let address = match config.api.value {
        Api::Ollama => &config.host.value,
        Api::OpenAi => &config.base_url.value,
    };
    serde_json::json!({
        "api": format!("{:?}", config.api.value),
        "address": address,
        "model": config.model.value,
        "num_ctx": config.num_ctx.value,
        "num_predict": config.num_predict.value,
        "temperature": config.temperature.value,
        "max_subject": config.max_subject.value,
        "messages": first.messages(),
        "schema": first.schema,
        "stop": first.stop,
        "max_tokens": first.max_tokens,
    })
    .to_string()
}

/// The style to write `files` in, from the settings and the history.
pub fn style_of(config: &Config, history: &[Past], files: &[FileChange], facts: &Facts) -> Style {
    let language = Some(config.language.value.as_str()).filter(|l| !l.eq_ignore_ascii_case("auto"));
    let learned = style::learn_history(history);
    let body = config.body.value.wanted(&learned, files);
    Style::new(config.style.value, learned, language, body).for_change(files, facts)
}

/// [`style_of`] the staged change, with the paths changed by the commits behind the example
/// and routine subjects ([`Style::earlier`]).
fn style_with_earlier(env: &Environment, config: &Config, staged: &Staged, facts: &Facts) -> Style {
    let mut style = style_of(config, &staged.history, &staged.files, facts);
    let shown: Vec<String> = style
        .learned
        .examples
        .iter()
        .chain(&style.learned.routines)
        .cloned()
        .collect();
    style.earlier = earlier(env, &staged.history, &shown);
    // Only for a release: the tags are looked up where the release form is asked for.
    let manifest = facts
        .release
        .as_ref()
        .and_then(|_| crate::bumps::release_in(&staged.files));
    if let Some((manifest, release)) = manifest {
        let tags = style::release_tags(&release);
        style.previous_release =
            staged::tagged_subject(env, &tags, &manifest.path, release.from.as_str());
    }
    // Likewise the files of earlier commits: for a changelog's release heading, and for a lone
    // bump, where the history's style is followed at all.
    if config.style.value == style::StyleSetting::Plain {
        return style;
    }
    if facts.heading.is_some() {
        style.previous_heading = previous_heading(env, &staged.history, &staged.files);
    }
    if facts.lone_bump.is_some() {
        style.earlier_bump = earlier_bump(env, &staged.history, &staged.files);
    }
    style
}

/// How many of the history's newest subjects with one version are read for the files they
/// changed, for a changelog's release heading.
const EARLIER_HEADINGS: usize = 12;

/// The subject of the newest of the history's last [`EARLIER_HEADINGS`] commits with one
/// version in their subject ([`style::heading_form`]) that changed a changelog of `files`:
/// [`Style::previous_heading`]. ripgrep's `15.1.0` release commit did not change the
/// changelog; its `changelog: 15.1.0` did.
fn previous_heading(env: &Environment, history: &[Past], files: &[FileChange]) -> Option<String> {
    let found: Vec<(&str, &str)> = history
        .iter()
        .filter(|p| style::heading_form(&p.subject).is_some())
        .map(|p| (p.subject.as_str(), p.id.as_str()))
        .take(EARLIER_HEADINGS)
        .collect();
    let changelogs: Vec<&str> = files
        .iter()
        .map(|f| f.path.as_str())
        .filter(|p| style::is_changelog(p))
        .collect();
    let subject = first_changing(env, &found, |p| changelogs.contains(&p))?;
    Some(style::without_pr_number(subject).to_string())
}

/// The first of `found` (a value and the id of its commit, newest first) whose commit changed a
/// path `wanted` takes: only those commits' changed paths are read, by name.
fn first_changing<'a>(
    env: &Environment,
    found: &[(&'a str, &str)],
    wanted: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    let ids: Vec<&str> = found.iter().map(|(_, id)| *id).collect();
    found
        .iter()
        .zip(staged::changed_paths(env, &ids))
        .find(|(_, paths)| paths.iter().any(|p| wanted(p)))
        .map(|((value, _), _)| *value)
}

/// How many of the history's newest dependency bumps are read for the files they changed.
const EARLIER_BUMPS: usize = 8;

/// The prefix of the newest of the history's last [`EARLIER_BUMPS`] dependency bumps that
/// changed a file of the same name as one of `files`, or a workflow where one of them is (CI
/// workflows pin actions): [`Style::earlier_bump`].
fn earlier_bump(env: &Environment, history: &[Past], files: &[FileChange]) -> Option<String> {
    let found: Vec<(&str, &str)> = history
        .iter()
        .filter_map(|p| Some((style::bump_prefix_of(&p.subject)?, p.id.as_str())))
        .take(EARLIER_BUMPS)
        .collect();
    let same = |path: &str| {
        let name = path.rsplit('/').next().unwrap_or(path);
        files.iter().any(|f| {
            f.file_name() == name || bumps::is_workflow(&f.path) && bumps::is_workflow(path)
        })
    };
    first_changing(env, &found, same).map(str::to_string)
}

/// A lone dependency bump's subject ([`Facts::lone_bump`]) in the form this repository gives
/// its bumps (`deps: bump termcolor from 1.1.0 to 1.4.0`); `None` where the history shows no
/// bump, and the model is asked.
fn bump_subject(facts: &Facts, style: &Style, config: &Config) -> Option<String> {
    let bump = facts.lone_bump.as_ref()?;
    let prefix = style.bump_prefix()?;
    let room = config
        .max_subject
        .value
        .saturating_sub(prefix.chars().count());
    let summary = summary::bumps_line(std::slice::from_ref(bump), room)?;
    Some(in_case(prefix, summary, style))
}

/// The commits of `history` behind the `examples` the model is shown, with the paths each
/// changed; an example whose commit cannot be read is left out.
fn earlier(env: &Environment, history: &[Past], examples: &[String]) -> Vec<style::Earlier> {
    let found: Vec<(&String, &str)> = examples
        .iter()
        .filter_map(|e| {
            let past = history
                .iter()
                .find(|p| style::without_pr_number(&p.subject) == e.as_str())?;
            Some((e, past.id.as_str()))
        })
        .collect();
    let ids: Vec<&str> = found.iter().map(|(_, id)| *id).collect();
    found
        .iter()
        .zip(staged::changed_paths(env, &ids))
        .filter(|(_, paths)| !paths.is_empty())
        .map(|((subject, _), paths)| style::Earlier {
            subject: subject.to_string(),
            paths,
        })
        .collect()
}

/// The summary in the repository's style: `docs: update README.md` where Conventional
/// Commits are used.
fn fallback_summary(
    files: &[FileChange],
    facts: &Facts,
    style: &Style,
    config: &Config,
) -> Option<String> {
    // A dependency update says which packages moved, in the form the history gives such
    // commits (`build(deps): bump x from 1 to 2`, `Bump x from 1 to 2`).
    let found = &facts.bumps;
    let only_manifests = files.iter().all(bumps::is_manifest);
    let bump_prefix = (only_manifests && !found.is_empty())
        .then(|| style.bump_prefix().map(str::to_string))
        .flatten();
    let prefix = bump_prefix.unwrap_or_else(|| style.fallback_prefix(files));
    let room = config
        .max_subject
        .value
        .saturating_sub(prefix.chars().count());
    let summary = match only_manifests {
        true => summary::bumps_line(found, room).or_else(|| summarize(files, room))?,
        false if !facts.spelling.is_empty() => {
            summary::spelling_line(files, facts.spelling.len(), room)
                .or_else(|| summarize(files, room))?
        }
        false => summarize(files, room)?,
    };
    Some(in_case(&prefix, summary, style))
}

/// `summary` after `prefix`, starting lowercase after a prefix or where the history writes so.
fn in_case(prefix: &str, summary: String, style: &Style) -> String {
    if prefix.is_empty() && !style.learned.lowercase {
        return summary;
    }
    let mut chars = summary.chars();
    let first = chars
        .next()
        .map(|c| c.to_lowercase().to_string())
        .unwrap_or_default();
    format!("{prefix}{first}{}", chars.as_str())
}

/// The client for the configured API, once its address passed the destination check and, for
/// an OpenAI-compatible server, its key variable (if one is named) holds a key.
pub fn client(config: &Config) -> Result<Arc<dyn Model>, LlmError> {
    let allow_remote = config.allow_remote_http.value;
    let model = config.model.value.clone();
    Ok(match config.api.value {
        Api::Ollama => {
            let base_url = normalize_host(&config.host.value)?;
            llm::check_destination(&base_url, allow_remote)?;
            Arc::new(Ollama::new(OllamaSettings {
                base_url,
                model,
                num_ctx: config.num_ctx.value,
                num_predict: config.num_predict.value,
                temperature: config.temperature.value,
                keep_alive: config.keep_alive.value.clone(),
            }))
        }
        Api::OpenAi => {
            let base_url = normalize_base_url(&config.base_url.value)?;
            llm::check_destination(&base_url, allow_remote)?;
            // Read here and only here: the key lives in the environment, never in a file.
            let api_key = match &config.api_key_env.value {
                Some(var) => Some(ApiKey::from_var(var, std::env::var_os(var).as_deref())?),
                None => None,
            };
            Arc::new(OpenAi::new(OpenAiSettings {
                base_url,
                model,
                max_tokens: config.num_predict.value,
                temperature: config.temperature.value,
                api_key,
            }))
        }
    })
}
