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
    /// The address is another machine and the user has not allowed plain http to it.
    #[error(
        "not sending the diff to {url}: it is not this machine; set `allow_remote_http = true` \
         in your own config file to allow it"
    )]
    Remote {
        /// The server's base URL.
        url: String,
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

/// Refuses a base URL that leaves this machine unless `allow_remote` says the user chose it:
/// a diff holds source code and perhaps secrets, and plain http shows it to the network.
pub fn check_destination(base_url: &str, allow_remote: bool) -> Result<(), LlmError> {
    if allow_remote || is_loopback(base_url) {
        Ok(())
    } else {
        Err(LlmError::Remote {
            url: base_url.to_string(),
        })
    }
}

/// Whether the URL's host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
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

    #[test]
    fn loopback_hosts_are_told_apart_from_remote_ones() {
        for url in [
            "http://127.0.0.1:11434",
            "http://127.8.9.10:1",
            "http://localhost:11434/api",
            "http://[::1]:11434",
            "http://user@127.0.0.1:80",
        ] {
            assert!(is_loopback(url), "{url}");
            assert!(check_destination(url, false).is_ok());
        }
        for url in [
            "http://192.168.1.5:11434",
            "http://gpu-box:11434",
            "http://127.0.0.1.evil.example:80",
            "http://localhost@10.0.0.1:80",
            "http://[2001:db8::1]:11434",
        ] {
            assert!(!is_loopback(url), "{url}");
            let err = check_destination(url, false).unwrap_err().to_string();
            assert!(err.contains("allow_remote_http = true"), "{err}");
            assert!(check_destination(url, true).is_ok());
        }
    }

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
