//! Talking to a model: the request and reply types, the errors a person is told about, and the
//! deadline that bounds the whole exchange whatever the server does. Where the server is, read
//! once and checked, is [`address`].

pub mod address;
pub mod ollama;
pub mod openai;
pub mod probe;
pub mod tls;

use std::io::Read;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use serde::Deserialize;

pub use address::{check_destination, hide_credentials, Address};

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

/// A commit-message request: the instructions and the change, and for a second try the
/// first reply with what was wrong with it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The instructions.
    pub system: String,
    /// The change.
    pub user: String,
    /// A corrective second try.
    pub retry: Option<Retry>,
    /// A sampling temperature for this request instead of the configured one.
    pub temperature: Option<f64>,
    /// The most tokens the reply may take, for this request instead of the configured one.
    pub max_tokens: Option<u32>,
    /// Ask for a JSON object in this schema (structured output) instead
    /// of free text.
    pub schema: Option<serde_json::Value>,
    /// The server ends the reply where the model writes this, which is not part of the reply
    /// (Ollama's `options.stop`, OpenAI's `stop`).
    pub stop: Option<&'static str>,
}

/// The unusable first reply and the correction asked for.
#[derive(Debug, Clone)]
pub struct Retry {
    /// What the model answered the first time.
    pub reply: String,
    /// What to do differently.
    pub correction: String,
}

impl Request {
    /// The chat turns as (role, content): system, user, and for a retry assistant and user.
    pub fn messages(&self) -> Vec<(&'static str, &str)> {
        let mut out = vec![
            ("system", self.system.as_str()),
            ("user", self.user.as_str()),
        ];
        if let Some(r) = &self.retry {
            out.push(("assistant", r.reply.as_str()));
            out.push(("user", r.correction.as_str()));
        }
        out
    }
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
    /// Tokens the server says it wrote, when it says.
    pub output_tokens: Option<u64>,
    /// How long the server says it spent, when it says.
    pub timing: Option<ServerTiming>,
}

/// The server's own account of its time, in nanoseconds: Ollama's `load_duration`,
/// `prompt_eval_duration` and `eval_duration`, or llama.cpp's `timings`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerTiming {
    /// Loading the model.
    pub load_ns: u64,
    /// Reading the prompt.
    pub prompt_ns: u64,
    /// Writing the reply.
    pub output_ns: u64,
}

/// Why there is no reply. Each renders as one line that tells the person what to do. Errors
/// about the server carry its [`Api`]: Ollama is named with its commands, an OpenAI-compatible
/// server as "the model server" with its base URL.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// Nothing listens at the address.
    #[error("could not connect to {} at {url}; {}", server(.api), start_hint(.api))]
    Connect {
        /// Which protocol the server speaks.
        api: Api,
        /// The server's base URL.
        url: String,
    },
    /// The address does not resolve.
    #[error("cannot resolve {}'s host in {url}; check {}", server(.api), address_keys(.api))]
    HostNotFound {
        /// Which protocol the server speaks.
        api: Api,
        /// The server's base URL.
        url: String,
    },
    /// The address is not usable.
    #[error("{}'s address {url:?} is not valid: {why}", server(.api))]
    BadAddress {
        /// Which protocol the server speaks.
        api: Api,
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
    #[error("{} answered {status}: {message}", answerer(.api, .url))]
    Server {
        /// Which protocol the server speaks.
        api: Api,
        /// The server's base URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// Its error text, shortened to one line.
        message: String,
    },
    /// The server answered with a redirect, which is not followed: it could name any host,
    /// one the destination check never saw.
    #[error(
        "{} at {url} answered {status}, a redirect, which is not followed; set {} to the \
         server's own address",
        server(.api),
        address_keys(.api)
    )]
    Redirect {
        /// Which protocol the server speaks.
        api: Api,
        /// The server's base URL.
        url: String,
        /// HTTP status (3xx).
        status: u16,
    },
    /// The server reported an error in the middle of its reply.
    #[error("{} failed while answering: {message}", server(.api))]
    Stream {
        /// Which protocol the server speaks.
        api: Api,
        /// Its error text, shortened to one line.
        message: String,
    },
    /// The reply was not what the API promises.
    #[error("{}'s reply could not be read: {why}", server(.api))]
    BadReply {
        /// Which protocol the server speaks.
        api: Api,
        /// What was wrong.
        why: String,
    },
    /// The deadline passed.
    #[error(
        "no answer from {model} within {seconds}s (loading the model, or a busy server, can take longer: raise `timeout` if this repeats)"
    )]
    Timeout {
        /// The model asked for.
        model: String,
        /// The configured timeout.
        seconds: f64,
    },
    /// The address is another machine and the user has not allowed plain http to it.
    #[error(
        "not sending the diff to {url}: it is not this machine; use https, or set \
         `allow_remote_http = true` in your own config file to allow plain http"
    )]
    Remote {
        /// The server's base URL.
        url: String,
    },
    /// An https server could not be trusted, or no certificates could be had to check it.
    #[error("not sending the diff to {} at {url}: {why}; {fix}", server(.api))]
    Tls {
        /// Which protocol the server speaks.
        api: Api,
        /// The server's base URL.
        url: String,
        /// What is wrong: the certificate's fault, or the store's.
        why: String,
        /// What to do about it.
        fix: String,
    },
    /// The variable `api_key_env` names holds no usable key.
    #[error("no API key: {var}, the variable `api_key_env` names, {why}")]
    KeyVariable {
        /// The variable's name (never its value).
        var: String,
        /// What is wrong with it.
        why: String,
    },
    /// The request could not be sent for another reason.
    #[error("could not talk to {} at {url}: {why}", server(.api))]
    Transport {
        /// Which protocol the server speaks.
        api: Api,
        /// The server's base URL.
        url: String,
        /// What failed.
        why: String,
    },
    /// The request thread could not be started, or ended without an answer.
    #[error("the request to the model could not be made: {why}")]
    Worker {
        /// What failed.
        why: String,
    },
}

/// How messages name the server.
fn server(api: &Api) -> &'static str {
    match api {
        Api::Ollama => "Ollama",
        Api::OpenAi => "the model server",
    }
}

/// What to check when nothing listens.
fn start_hint(api: &Api) -> &'static str {
    match api {
        Api::Ollama => "is `ollama serve` running?",
        Api::OpenAi => "is it running?",
    }
}

/// The settings that hold the address.
fn address_keys(api: &Api) -> &'static str {
    match api {
        Api::Ollama => "`host` or OLLAMA_HOST",
        Api::OpenAi => "`base_url`",
    }
}

/// Who answered an error status: Ollama, or the model server at its URL.
fn answerer(api: &Api, url: &str) -> String {
    match api {
        Api::Ollama => "Ollama".to_string(),
        Api::OpenAi => format!("the model server at {url}"),
    }
}

/// The HTTP client for the model server `peer`: one overall `timeout`, error statuses
/// returned as responses (their bodies carry the server's reason), no proxy from the
/// environment and no redirect followed: either would send the diff (and any API key) to a
/// host the user never named and the destination check never saw. For https, the server's
/// certificate is checked against [`tls::process_store`]; without a store nothing is sent.
pub(crate) fn agent(timeout: Duration, peer: &Peer<'_>) -> Result<ureq::Agent, LlmError> {
    let store = if peer.address.is_tls() {
        Some(
            tls::process_store().map_err(|tls::NoStore(why)| LlmError::Tls {
                api: peer.api,
                url: peer.address.to_string(),
                why: "no certificates to check it with".into(),
                fix: why,
            })?,
        )
    } else {
        None
    };
    Ok(ureq::Agent::config_builder()
        .timeout_global(Some(timeout.max(Duration::from_millis(1))))
        .http_status_as_error(false)
        .proxy(None)
        .max_redirects(0)
        .tls_config(tls::config(store.as_ref()))
        .build()
        .new_agent())
}

/// Most of an error response's body read for its message.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// The text of an error response, for the message only: a failure to read it changes nothing.
pub(crate) fn error_text(reader: impl Read) -> String {
    let mut text = String::new();
    let _ = reader.take(MAX_ERROR_BODY).read_to_string(&mut text);
    text
}

/// A chat model that answers one request, stopping by itself no later than `deadline`.
pub trait Model: Send + Sync {
    /// The model's name, for messages to the person.
    fn name(&self) -> &str;
    /// Sends the request and returns the whole reply.
    fn chat(&self, request: &Request, deadline: Instant) -> Result<Reply, LlmError>;
    /// Where `chat` would send the request and the exact JSON body, for `--dry-run`.
    fn would_send(&self, _request: &Request) -> Option<(String, serde_json::Value)> {
        None
    }
    /// Loads the model so the next request does not wait for it, within `timeout`. A server
    /// that loads its model at start (an OpenAI-compatible one) has nothing to do.
    fn warm(&self, _timeout: Duration) -> Result<(), LlmError> {
        Ok(())
    }
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
        return Err(LlmError::Worker {
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
                return Err(LlmError::Worker {
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

/// Content beyond this is not a commit message: stop reading and mark the reply truncated.
pub(crate) const MAX_CONTENT: usize = 64 * 1024;
/// Bytes read from a server at most, whatever it sends.
pub(crate) const MAX_BODY: u64 = 8 * 1024 * 1024;
/// A single line of a streamed reply longer than this is not one of a model server's.
pub(crate) const MAX_LINE: usize = 1024 * 1024;

/// A failure while reading a reply body: of the connection, or of what came through it.
pub(crate) enum StreamError {
    /// The connection failed (or the deadline passed).
    Io(std::io::Error),
    /// The server sent something the API does not allow.
    Api(LlmError),
}

/// How a line-by-line reply stopped.
pub(crate) enum Ended {
    /// The handler saw the last line, or the content reached [`MAX_CONTENT`].
    Done,
    /// The body ended first.
    Closed,
}

/// Reads a line-oriented reply (Ollama's NDJSON, server-sent events), bounded in line length
/// and content size, passing each non-blank line, trimmed, to `handle`, which returns true for
/// the last one.
pub(crate) fn read_lines(
    mut reader: impl Read,
    api: Api,
    reply: &mut Reply,
    mut handle: impl FnMut(&str, &mut Reply) -> Result<bool, LlmError>,
) -> Result<Ended, StreamError> {
    let mut line = |bytes: &[u8], reply: &mut Reply| -> Result<bool, StreamError> {
        // Servers send UTF-8. Anything else is a broken server, and decoding it lossily would
        // put replacement characters into a commit message.
        let text = std::str::from_utf8(bytes)
            .map_err(|_| {
                StreamError::Api(LlmError::BadReply {
                    api,
                    why: "the reply is not valid UTF-8".into(),
                })
            })?
            .trim();
        if text.is_empty() {
            return Ok(false);
        }
        handle(text, reply).map_err(StreamError::Api)
    };
    let mut pending: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StreamError::Io(e)),
        };
        pending.extend_from_slice(&buf[..n]);
        while let Some(pos) = pending.iter().position(|&b| b == b'\n') {
            let bytes: Vec<u8> = pending.drain(..=pos).collect();
            if line(&bytes, reply)? {
                return Ok(Ended::Done);
            }
        }
        if pending.len() > MAX_LINE {
            return Err(StreamError::Api(LlmError::BadReply {
                api,
                why: "a line of the reply is over 1 MiB".into(),
            }));
        }
        if reply.content.len() > MAX_CONTENT {
            reply.truncated = true;
            return Ok(Ended::Done);
        }
    }
    if !pending.is_empty() && line(&pending, reply)? {
        return Ok(Ended::Done);
    }
    Ok(Ended::Closed)
}

/// The server of one exchange, for turning transport failures into [`LlmError`]s.
pub(crate) struct Peer<'a> {
    /// Which protocol it speaks.
    pub api: Api,
    /// Its address.
    pub address: &'a Address,
    /// The model asked for.
    pub model: &'a str,
    /// The time the exchange had, for the timeout message.
    pub seconds: f64,
}

impl Peer<'_> {
    fn timeout(&self) -> LlmError {
        LlmError::Timeout {
            model: self.model.to_string(),
            seconds: self.seconds,
        }
    }

    /// The response to a request, or the error for a failure to send it or to read its head;
    /// a redirect is an error too, since it is not followed.
    pub(crate) fn response(
        &self,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<ureq::http::Response<ureq::Body>, LlmError> {
        let response = sent.map_err(|e| self.transport_error(e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(LlmError::Redirect {
                api: self.api,
                url: self.address.to_string(),
                status: status.as_u16(),
            });
        }
        Ok(response)
    }

    /// A failure to send the request or to read the response head.
    fn transport_error(&self, e: ureq::Error) -> LlmError {
        let (api, url) = (self.api, self.address.to_string());
        match e {
            ureq::Error::Timeout(_) => self.timeout(),
            ureq::Error::HostNotFound => LlmError::HostNotFound { api, url },
            ureq::Error::ConnectionFailed => LlmError::Connect { api, url },
            ureq::Error::Rustls(tls) => self.tls_error(&tls),
            ureq::Error::Io(io) => self.io_error(io),
            // The client's own text may quote the URI, credentials and all.
            ureq::Error::BadUri(why) => LlmError::BadAddress {
                api,
                url,
                why: hide_credentials(&why),
            },
            other => LlmError::Transport {
                api,
                url,
                why: hide_credentials(&one_line(&other.to_string(), 200)),
            },
        }
    }

    /// A TLS failure: the handshake (whose reason says what to fix), or the session after it.
    fn tls_error(&self, error: &rustls::Error) -> LlmError {
        let source = tls::process_store()
            .map(|s| s.source)
            .unwrap_or_else(|_| "no store".into());
        let (why, fix) = tls::explain(error, self.address.host(), &source);
        LlmError::Tls {
            api: self.api,
            url: self.address.to_string(),
            why,
            fix,
        }
    }

    /// A failure of the connection, while sending or reading the body.
    pub(crate) fn io_error(&self, io: std::io::Error) -> LlmError {
        use std::io::ErrorKind;
        if let Some(tls) = io
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return self.tls_error(tls);
        }
        match io.kind() {
            ErrorKind::ConnectionRefused => LlmError::Connect {
                api: self.api,
                url: self.address.to_string(),
            },
            ErrorKind::TimedOut | ErrorKind::WouldBlock => self.timeout(),
            _ => match io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<ureq::Error>())
            {
                Some(ureq::Error::Timeout(_)) => self.timeout(),
                _ => LlmError::BadReply {
                    api: self.api,
                    why: one_line(&io.to_string(), 200),
                },
            },
        }
    }

    /// A failure while reading the body.
    pub(crate) fn stream_error(&self, e: StreamError) -> LlmError {
        match e {
            StreamError::Io(io) => self.io_error(io),
            StreamError::Api(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_adds_the_reply_and_the_correction() {
        let r = Request {
            system: "s".into(),
            user: "u".into(),
            retry: Some(Retry {
                reply: "a".into(),
                correction: "c".into(),
            }),
            ..Request::default()
        };
        let roles: Vec<&str> = r.messages().iter().map(|m| m.0).collect();
        assert_eq!(roles, ["system", "user", "assistant", "user"]);
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
            ..Request::default()
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
