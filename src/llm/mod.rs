//! Talking to a model: the request and reply types, the errors a person is told about, and the
//! deadline that bounds the whole exchange whatever the server does.

pub mod ollama;

use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

/// The two messages of a commit-message request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The instructions.
    pub system: String,
    /// The change.
    pub user: String,
}

/// What the model answered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    /// The text, exactly as received.
    pub content: String,
    /// The model stopped at its output limit (or the reply was cut at our size bound).
    pub truncated: bool,
    /// Tokens the server says it read from the prompt, when it says.
    pub prompt_tokens: Option<u64>,
}

/// Why there is no reply. Each renders as one line that tells the person what to do.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// Nothing listens at the address.
    #[error("could not connect to Ollama at {url}; is `ollama serve` running?")]
    Connect {
        /// The server's base URL.
        url: String,
    },
    /// The address does not resolve.
    #[error("cannot resolve Ollama's host in {url}; check `host` or OLLAMA_HOST")]
    HostNotFound {
        /// The server's base URL.
        url: String,
    },
    /// The address is not usable.
    #[error("Ollama's address {url:?} is not valid: {why}")]
    BadAddress {
        /// As configured.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// The model is not pulled.
    #[error("model {model:?} is not available at {url}; run `ollama pull {model}`")]
    ModelNotFound {
        /// The model asked for.
        model: String,
        /// The server's base URL.
        url: String,
    },
    /// The server answered with an error status.
    #[error("Ollama answered {status}: {message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// Its error text, shortened to one line.
        message: String,
    },
    /// The server reported an error in the middle of its reply.
    #[error("Ollama failed while answering: {message}")]
    Stream {
        /// Its error text, shortened to one line.
        message: String,
    },
    /// The reply was not what the API promises.
    #[error("Ollama's reply could not be read: {why}")]
    BadReply {
        /// What was wrong.
        why: String,
    },
    /// The deadline passed.
    #[error(
        "no answer from {model} within {seconds}s (raise `timeout` if the model is slow to load)"
    )]
    Timeout {
        /// The model asked for.
        model: String,
        /// The configured timeout.
        seconds: f64,
    },
    /// The request could not be sent for another reason.
    #[error("could not talk to Ollama at {url}: {why}")]
    Transport {
        /// The server's base URL.
        url: String,
        /// What failed.
        why: String,
    },
}

/// A chat model that answers one request, stopping by itself no later than `deadline`.
pub trait Model: Send + Sync {
    /// The model's name, for messages to the person.
    fn name(&self) -> &str;
    /// Sends the request and returns the whole reply.
    fn chat(&self, request: &Request, deadline: Instant) -> Result<Reply, LlmError>;
}

/// Asks `model` in a worker thread and waits at most `timeout`, calling `tick` about ten
/// times a second meanwhile (for the spinner). The wait is enforced here, not only by the
/// HTTP client, so no server behaviour can hold a commit past the deadline.
pub fn ask(
    model: Arc<dyn Model>,
    request: Request,
    timeout: Duration,
    mut tick: impl FnMut(Duration),
) -> Result<Reply, LlmError> {
    let start = Instant::now();
    let deadline = start + timeout;
    let (tx, rx) = mpsc::channel();
    let worker = Arc::clone(&model);
    let spawned = thread::Builder::new()
        .name("ai-commit-model".into())
        .spawn(move || {
            // The receiver may be gone after a timeout; nothing to do then.
            let _ = tx.send(worker.chat(&request, deadline));
        });
    let timed_out = || LlmError::Timeout {
        model: model.name().to_string(),
        seconds: timeout.as_secs_f64(),
    };
    if let Err(e) = spawned {
        return Err(LlmError::Transport {
            url: String::new(),
            why: format!("cannot start a thread: {e}"),
        });
    }
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(timed_out());
        }
        let wait = (deadline - now).min(Duration::from_millis(100));
        match rx.recv_timeout(wait) {
            Ok(result) => return result,
            Err(mpsc::RecvTimeoutError::Timeout) => tick(start.elapsed()),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(LlmError::BadReply {
                    why: "the request thread stopped without an answer".into(),
                })
            }
        }
    }
}

/// Shortens a server's error text to one printable line.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{cut}...")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sleepy;
    impl Model for Sleepy {
        fn name(&self) -> &str {
            "sleepy"
        }
        fn chat(&self, _: &Request, _: Instant) -> Result<Reply, LlmError> {
            thread::sleep(Duration::from_secs(5));
            Ok(Reply::default())
        }
    }

    struct Echo;
    impl Model for Echo {
        fn name(&self) -> &str {
            "instant"
        }
        fn chat(&self, r: &Request, _: Instant) -> Result<Reply, LlmError> {
            Ok(Reply {
                content: r.user.clone(),
                ..Reply::default()
            })
        }
    }

    fn request() -> Request {
        Request {
            system: "s".into(),
            user: "u".into(),
        }
    }

    #[test]
    fn deadline_holds_even_when_the_model_ignores_it() {
        let start = Instant::now();
        let mut ticks = 0;
        let err = ask(
            Arc::new(Sleepy),
            request(),
            Duration::from_millis(300),
            |_| ticks += 1,
        )
        .unwrap_err();
        assert!(matches!(err, LlmError::Timeout { .. }), "{err}");
        assert!(start.elapsed() < Duration::from_millis(1000));
        assert!(ticks >= 2);
    }

    #[test]
    fn answer_is_passed_through() {
        let reply = ask(Arc::new(Echo), request(), Duration::from_secs(5), |_| {}).unwrap();
        assert_eq!(reply.content, "u");
    }

    #[test]
    fn one_line_flattens_and_shortens() {
        assert_eq!(one_line("a\n\tb\x1b[31m  c", 100), "a b [31m c");
        assert_eq!(one_line("abcdef", 3), "abc...");
    }
}
