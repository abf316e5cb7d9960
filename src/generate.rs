//! The pipeline from staged changes to a message: prompt, model, cleaning, and the fallback
//! when any of it fails. Shared by the hook and the stdout mode.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{Config, Fallback};
use crate::diff::FileChange;
use crate::env::Environment;
use crate::llm::ollama::{normalize_host, Ollama, OllamaSettings};
use crate::llm::openai::{normalize_base_url, ApiKey, OpenAi, OpenAiSettings};
use crate::llm::{self, Api, LlmError, Model};
use crate::message::{check_against, clean, CleanOptions};
use crate::prompt::{self, PromptSettings};
use crate::spinner::Spinner;
use crate::style::{self, Style};
use crate::summary::summarize;

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
            (Provenance::Fallback { reason }, Some(_)) => {
                format!("no model message ({reason}); wrote a summary instead")
            }
            (Provenance::Fallback { reason }, None) => format!("no model message ({reason})"),
        }
    }
}

/// What a message is written for: the staged files and the repository's recent subjects.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// The staged files.
    pub files: &'a [FileChange],
    /// Recent subjects, newest first, for the repository's style.
    pub recent_subjects: &'a [String],
}

/// Asks the configured model for a message for the change, falling back as configured.
pub fn generate(env: &Environment, config: &Config, change: Change<'_>) -> Outcome {
    let start = Instant::now();
    let style = style_of(config, change.recent_subjects);
    let result = ask_model(env, config, &style, change.files);
    match result {
        Ok(message) => Outcome {
            message: Some(message),
            provenance: Provenance::Model {
                model: config.model.value.clone(),
                seconds: start.elapsed().as_secs_f64(),
            },
        },
        Err(reason) => Outcome {
            message: match config.fallback.value {
                Fallback::Summary => fallback_summary(change.files, &style, config),
                Fallback::None => None,
            },
            provenance: Provenance::Fallback { reason },
        },
    }
}

/// The style to write in, from the settings and the history.
pub fn style_of(config: &Config, recent_subjects: &[String]) -> Style {
    let language = Some(config.language.value.as_str()).filter(|l| !l.eq_ignore_ascii_case("auto"));
    Style::new(
        config.style.value,
        style::learn(recent_subjects),
        language,
        config.body.value,
    )
}

/// The summary in the repository's style: `docs: update README.md` where Conventional
/// Commits are used.
fn fallback_summary(files: &[FileChange], style: &Style, config: &Config) -> Option<String> {
    let prefix = style.fallback_prefix(files);
    let room = config
        .max_subject
        .value
        .saturating_sub(prefix.chars().count());
    let summary = summarize(files, room)?;
    if prefix.is_empty() && !style.learned.lowercase {
        return Some(summary);
    }
    let mut chars = summary.chars();
    let first = chars
        .next()
        .map(|c| c.to_lowercase().to_string())
        .unwrap_or_default();
    Some(format!("{prefix}{first}{}", chars.as_str()))
}

/// The instructions with the style's sentences after them, and the reply's shape when it is
/// structured.
pub fn instructions(config: &Config, style: &Style) -> String {
    let mut text = config.instructions();
    let extra = style.instructions();
    if !extra.is_empty() {
        text.push_str("\n\n");
        text.push_str(&extra);
    }
    if config.structured() {
        text.push('\n');
        text.push_str(llm::STRUCTURED_INSTRUCTION);
    }
    text
}

fn ask_model(
    env: &Environment,
    config: &Config,
    style: &Style,
    files: &[FileChange],
) -> Result<String, String> {
    let model = client(config).map_err(|e| e.to_string())?;
    let prompt = prompt::build(
        files,
        &PromptSettings {
            instructions: instructions(config, style),
            num_ctx: config.num_ctx.value as usize,
            num_predict: config.num_predict.value as usize,
            exclude: config.exclude.value.clone(),
        },
    );
    let label = format!("ai-commit: asking {}...", config.model.value);
    let mut spinner = Spinner::new(label, env.stderr_is_terminal);
    let mut request = llm::Request {
        system: prompt.system.clone(),
        user: prompt.user.clone(),
        retry: None,
        schema: config
            .structured()
            .then(|| llm::reply_schema(config.max_subject.value)),
        temperature: None,
    };
    let timeout = Duration::from_secs_f64(config.timeout.value);
    let start = Instant::now();
    let mut first: Option<String> = None;
    let result = loop {
        let left = timeout.saturating_sub(start.elapsed());
        let reply = llm::ask(Arc::clone(&model), request.clone(), left, |_| {
            spinner.tick(start.elapsed())
        });
        let reply = match reply {
            Ok(reply) => reply,
            // The deadline is the whole timeout, whichever attempt ran into it.
            Err(llm::LlmError::Timeout { model, .. }) => {
                let e = llm::LlmError::Timeout {
                    model,
                    seconds: config.timeout.value,
                };
                break Err(Failure::Server(e.to_string()));
            }
            Err(e) => break Err(Failure::Server(e.to_string())),
        };
        let content = if request.schema.is_some() {
            llm::from_structured(&reply.content)
        } else {
            reply.content.clone()
        };
        // What the model was told, the correction included: echoing it is no message either.
        let told = match &request.retry {
            Some(retry) => format!("{}\n{}", prompt.system, retry.correction),
            None => prompt.system.clone(),
        };
        match usable(
            &content,
            reply.truncated,
            config,
            style,
            files,
            &told,
            &prompt.user,
        ) {
            Ok(message) => break Ok(message),
            // One corrective retry, only with time left for a real answer.
            Err(why)
                if first.is_none() && timeout.saturating_sub(start.elapsed()) >= timeout / 4 =>
            {
                request.retry = Some(llm::Retry {
                    reply: reply.content.chars().take(2000).collect(),
                    correction: correction(&why, config, style),
                });
                // At the configured (low) temperature a small model mostly answered the same
                // words again: half of the retries measured were byte-identical.
                request.temperature = Some(config.temperature.value.max(RETRY_TEMPERATURE));
                first = Some(why);
            }
            Err(why) => break Err(Failure::Unusable(why)),
        }
    };
    spinner.clear();
    let unusable = "the model's reply was not a usable commit message";
    result.map_err(|failure| match (first, failure) {
        (None, Failure::Server(why)) => why,
        (None, Failure::Unusable(why)) => format!("{unusable}: {why}"),
        (Some(a), Failure::Unusable(b)) if a == b => format!("{unusable}: {a}, twice"),
        (Some(a), Failure::Unusable(b)) => format!("{unusable}: {a}; after a retry: {b}"),
        (Some(a), Failure::Server(b)) => format!("{unusable}: {a}; the retry failed: {b}"),
    })
}

/// The least sampling temperature of the corrective retry.
const RETRY_TEMPERATURE: f64 = 0.7;

/// Why an attempt gave no message.
enum Failure {
    /// The server or the connection failed.
    Server(String),
    /// The reply could not be used.
    Unusable(String),
}

/// The client for the configured API, once its address passed the destination check and, for
/// an OpenAI-compatible server, its key variable (if one is named) holds a key.
/// The client for the configured API, after the destination check.
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

/// The cleaned, grounded, styled message, or why the reply cannot be used.
fn usable(
    content: &str,
    truncated: bool,
    config: &Config,
    style: &Style,
    files: &[FileChange],
    told: &str,
    shown: &str,
) -> Result<String, String> {
    let options = CleanOptions {
        max_subject: config.max_subject.value,
        truncated,
    };
    let message = clean(content, &options).map_err(|why| why.to_string())?;
    check_against(&message, told, shown).map_err(|why| why.to_string())?;
    style.apply(&message, files)
}

/// What the second request asks for, after the first reply failed for `why`.
fn correction(why: &str, config: &Config, style: &Style) -> String {
    let mut text = format!(
        "That reply cannot be used as a commit message: {why}. Reply again with only the \
         commit message for the change above: a subject line of at most {} characters",
        config.max_subject.value
    );
    if style.conventional {
        text.push_str(" in the form `type(scope): summary`");
    }
    text.push_str(", describing what the diff changes. No other text.");
    text
}
