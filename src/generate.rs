//! The pipeline from staged changes to a message: prompt, model, cleaning, and the fallback
//! when any of it fails. Shared by the hook and the stdout mode.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{Config, Fallback};
use crate::diff::FileChange;
use crate::env::Environment;
use crate::llm::ollama::{normalize_host, Ollama, OllamaSettings};
use crate::llm::{self, LlmError, Model};
use crate::message::{check_against, clean, CleanOptions};
use crate::prompt::{self, PromptSettings};
use crate::spinner::Spinner;
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

/// Asks the configured model for a message for `files`, falling back as configured.
pub fn generate(env: &Environment, config: &Config, files: &[FileChange]) -> Outcome {
    let start = Instant::now();
    let result = ask_model(env, config, files);
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
                Fallback::Summary => summarize(files, config.max_subject.value),
                Fallback::None => None,
            },
            provenance: Provenance::Fallback { reason },
        },
    }
}

fn ask_model(env: &Environment, config: &Config, files: &[FileChange]) -> Result<String, String> {
    let base_url = normalize_host(&config.host.value).map_err(|e| e.to_string())?;
    llm::check_destination(&base_url, config.allow_remote_http.value).map_err(|e| e.to_string())?;
    let prompt = prompt::build(
        files,
        &PromptSettings {
            instructions: config.instructions(),
            num_ctx: config.num_ctx.value as usize,
            num_predict: config.num_predict.value as usize,
            exclude: config.exclude.value.clone(),
        },
    );
    let model: Arc<dyn Model> = Arc::new(Ollama::new(OllamaSettings {
        base_url,
        model: config.model.value.clone(),
        num_ctx: config.num_ctx.value,
        num_predict: config.num_predict.value,
        temperature: config.temperature.value,
        keep_alive: config.keep_alive.value.clone(),
    }));
    let label = format!("ai-commit: asking {}...", config.model.value);
    let mut spinner = Spinner::new(label, env.stderr_is_terminal);
    let request = llm::Request {
        system: prompt.system.clone(),
        user: prompt.user.clone(),
    };
    let timeout = Duration::from_secs_f64(config.timeout.value);
    let reply = llm::ask(model, request, timeout, |elapsed| spinner.tick(elapsed));
    spinner.clear();
    let reply = reply.map_err(|e: LlmError| e.to_string())?;
    let options = CleanOptions {
        max_subject: config.max_subject.value,
        truncated: reply.truncated,
    };
    clean(&reply.content, &options)
        .and_then(|message| {
            check_against(&message, &prompt.system, &prompt.user)?;
            Ok(message)
        })
        .map_err(|why| format!("the model's reply was not a usable commit message: {why}"))
}
