//! Ollama's native chat API (`POST /api/chat`, streaming NDJSON), with every failure turned
//! into an [`LlmError`] and every read bounded in size and time.

use std::io::Read;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

use super::{one_line, LlmError, Model, Reply, Request};
use crate::config::KeepAlive;

/// Ollama's port when the address names none.
const DEFAULT_PORT: u16 = 11434;
/// Content beyond this is not a commit message: stop reading and mark the reply truncated.
const MAX_CONTENT: usize = 64 * 1024;
/// Bytes read from the server at most, whatever it sends.
const MAX_BODY: u64 = 8 * 1024 * 1024;
/// A single NDJSON line longer than this is not one of Ollama's.
const MAX_LINE: usize = 1024 * 1024;

/// Settings for one chat request.
#[derive(Debug, Clone)]
pub struct OllamaSettings {
    /// Base URL, normalised by [`normalize_host`].
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// `options.num_ctx`.
    pub num_ctx: u32,
    /// `options.num_predict`.
    pub num_predict: u32,
    /// `options.temperature`.
    pub temperature: f64,
    /// `keep_alive`.
    pub keep_alive: KeepAlive,
}

/// A client for one Ollama server and model.
pub struct Ollama {
    settings: OllamaSettings,
}

impl Ollama {
    /// A client with these settings.
    pub fn new(settings: OllamaSettings) -> Self {
        Ollama { settings }
    }

    fn body(&self, request: &Request) -> serde_json::Value {
        let s = &self.settings;
        let keep_alive = match &s.keep_alive {
            KeepAlive::Duration(d) => json!(d),
            KeepAlive::Seconds(n) => json!(n),
        };
        json!({
            "model": s.model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user},
            ],
            "stream": true,
            "think": false,
            "keep_alive": keep_alive,
            "options": {
                "num_ctx": s.num_ctx,
                "num_predict": s.num_predict,
                "temperature": s.temperature,
            },
        })
    }

    fn transport_error(&self, e: ureq::Error, seconds: f64) -> LlmError {
        let url = self.settings.base_url.clone();
        match e {
            ureq::Error::Timeout(_) => LlmError::Timeout {
                model: self.settings.model.clone(),
                seconds,
            },
            ureq::Error::HostNotFound => LlmError::HostNotFound { url },
            ureq::Error::ConnectionFailed => LlmError::Connect { url },
            ureq::Error::Io(io) => self.io_error(io, seconds),
            ureq::Error::BadUri(why) => LlmError::BadAddress { url, why },
            other => LlmError::Transport {
                url,
                why: one_line(&other.to_string(), 200),
            },
        }
    }

    fn io_error(&self, io: std::io::Error, seconds: f64) -> LlmError {
        use std::io::ErrorKind;
        let url = self.settings.base_url.clone();
        match io.kind() {
            ErrorKind::ConnectionRefused => LlmError::Connect { url },
            ErrorKind::TimedOut | ErrorKind::WouldBlock => LlmError::Timeout {
                model: self.settings.model.clone(),
                seconds,
            },
            _ => match io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<ureq::Error>())
            {
                Some(ureq::Error::Timeout(_)) => LlmError::Timeout {
                    model: self.settings.model.clone(),
                    seconds,
                },
                _ => LlmError::BadReply {
                    why: one_line(&io.to_string(), 200),
                },
            },
        }
    }
}

impl Model for Ollama {
    fn name(&self) -> &str {
        &self.settings.model
    }

    fn chat(&self, request: &Request, deadline: Instant) -> Result<Reply, LlmError> {
        let timeout = deadline.saturating_duration_since(Instant::now());
        let seconds = timeout.as_secs_f64();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout.max(Duration::from_millis(1))))
            .http_status_as_error(false)
            // Ollama is on this machine or the user's network: a proxy from the environment
            // would send the diff elsewhere.
            .proxy(None)
            .build()
            .new_agent();
        let url = format!("{}/api/chat", self.settings.base_url);
        let mut response = agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(self.body(request).to_string())
            .map_err(|e| self.transport_error(e, seconds))?;
        let status = response.status().as_u16();
        let reader = response.body_mut().with_config().limit(MAX_BODY).reader();
        if status != 200 {
            let mut text = String::new();
            // The error body is only for the message; a failure to read it changes nothing.
            let _ = reader.take(64 * 1024).read_to_string(&mut text);
            return Err(status_error(&self.settings, status, &text));
        }
        read_stream(reader).map_err(|e| match e {
            StreamError::Io(io) => self.io_error(io, seconds),
            StreamError::Api(e) => e,
        })
    }
}

enum StreamError {
    Io(std::io::Error),
    Api(LlmError),
}

/// One NDJSON object of a chat reply.
#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    message: Option<ChunkMessage>,
    #[serde(default)]
    done: bool,
    #[serde(default)]
    done_reason: Option<String>,
    #[serde(default)]
    prompt_eval_count: Option<u64>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct ChunkMessage {
    #[serde(default)]
    content: String,
}

/// Reads a streamed (or single-object) chat reply to its `done` line.
fn read_stream(mut reader: impl Read) -> Result<Reply, StreamError> {
    let mut reply = Reply::default();
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
            let line: Vec<u8> = pending.drain(..=pos).collect();
            if handle_line(&line, &mut reply)? {
                return Ok(reply);
            }
        }
        if pending.len() > MAX_LINE {
            return Err(StreamError::Api(LlmError::BadReply {
                why: "a line of the reply is over 1 MiB".into(),
            }));
        }
        if reply.content.len() > MAX_CONTENT {
            reply.truncated = true;
            return Ok(reply);
        }
    }
    if !pending.is_empty() && handle_line(&pending, &mut reply)? {
        return Ok(reply);
    }
    Err(StreamError::Api(LlmError::BadReply {
        why: "the connection closed before the reply was complete".into(),
    }))
}

/// Applies one line; true when it was the last.
fn handle_line(line: &[u8], reply: &mut Reply) -> Result<bool, StreamError> {
    // Ollama sends UTF-8 JSON. Anything else is a broken server, and decoding it lossily
    // would put replacement characters into a commit message.
    let text = std::str::from_utf8(line)
        .map_err(|_| {
            StreamError::Api(LlmError::BadReply {
                why: "the reply is not valid UTF-8".into(),
            })
        })?
        .trim();
    if text.is_empty() {
        return Ok(false);
    }
    let chunk: Chunk = serde_json::from_str(text).map_err(|_| {
        StreamError::Api(LlmError::BadReply {
            why: format!("expected JSON lines, got {:?}", one_line(text, 60)),
        })
    })?;
    if let Some(message) = chunk.error {
        return Err(StreamError::Api(LlmError::Stream {
            message: one_line(&message, 160),
        }));
    }
    if let Some(m) = chunk.message {
        reply.content.push_str(&m.content);
    }
    if chunk.done {
        reply.truncated |= chunk.done_reason.as_deref() == Some("length");
        reply.prompt_tokens = chunk.prompt_eval_count;
        return Ok(true);
    }
    Ok(false)
}

fn status_error(settings: &OllamaSettings, status: u16, body: &str) -> LlmError {
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string))
        .unwrap_or_else(|| body.to_string());
    if status == 404 && message.contains("not found") && message.contains("model") {
        return LlmError::ModelNotFound {
            model: settings.model.clone(),
            url: settings.base_url.clone(),
        };
    }
    let message = if message.trim().is_empty() {
        "(no error text)".to_string()
    } else {
        one_line(&message, 160)
    };
    LlmError::Server { status, message }
}

/// Turns an `OLLAMA_HOST`-style address (`[scheme://]host[:port][/path]`) into a base URL.
/// No scheme means http; no port means 11434 (443 for https); the bind-all addresses
/// `0.0.0.0` and `::` mean this machine.
pub fn normalize_host(host: &str) -> Result<String, LlmError> {
    let bad = |why: &str| LlmError::BadAddress {
        url: host.to_string(),
        why: why.to_string(),
    };
    let trimmed = host.trim().trim_end_matches('/');
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("http".to_string(), trimmed),
    };
    if scheme == "https" {
        return Err(bad(
            "https is not supported by this build; use http on loopback",
        ));
    }
    if scheme != "http" {
        return Err(bad("the scheme must be http"));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (hostname, port) =
        split_host_port(authority).ok_or_else(|| bad("cannot read host:port"))?;
    let hostname = match hostname {
        "" | "0.0.0.0" => "127.0.0.1",
        "::" | "[::]" => "[::1]",
        h => h,
    };
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| bad("the port is not a number"))?,
        None => DEFAULT_PORT,
    };
    Ok(format!("http://{hostname}:{port}{path}"))
}

fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        let host = &authority[..=end];
        let rest = &authority[end + 1..];
        return match rest.strip_prefix(':') {
            Some(p) => Some((host, Some(p))),
            None if rest.is_empty() => Some((host, None)),
            None => None,
        };
    }
    if authority.matches(':').count() > 1 {
        // A bare IPv6 address such as `::`.
        return Some((authority, None));
    }
    match authority.split_once(':') {
        Some((h, p)) => Some((h, Some(p))),
        None => Some((authority, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms_follow_ollama() {
        let n = |h: &str| normalize_host(h).unwrap();
        assert_eq!(n("127.0.0.1"), "http://127.0.0.1:11434");
        assert_eq!(n("0.0.0.0"), "http://127.0.0.1:11434");
        assert_eq!(n(":8080"), "http://127.0.0.1:8080");
        assert_eq!(n("example.com:99"), "http://example.com:99");
        assert_eq!(n("http://127.0.0.1:5/"), "http://127.0.0.1:5");
        assert_eq!(n("http://host:5/ollama"), "http://host:5/ollama");
        assert_eq!(n("[::1]:7"), "http://[::1]:7");
        assert_eq!(n("::"), "http://[::1]:11434");
        assert!(normalize_host("ftp://x").is_err());
        assert!(normalize_host("x:port").is_err());
    }

    #[test]
    fn stream_concatenates_pieces_and_reads_counters() {
        let body = concat!(
            "{\"message\":{\"role\":\"assistant\",\"content\":\"Fix \"},\"done\":false}\n",
            "{\"message\":{\"role\":\"assistant\",\"content\":\"bug\"},\"done\":false}\n",
            "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,",
            "\"done_reason\":\"length\",\"prompt_eval_count\":42}\n"
        );
        let reply = read_stream(body.as_bytes()).ok().unwrap();
        assert_eq!(reply.content, "Fix bug");
        assert!(reply.truncated);
        assert_eq!(reply.prompt_tokens, Some(42));
    }

    #[test]
    fn error_line_inside_a_stream_is_an_error() {
        let body =
            "{\"message\":{\"content\":\"Fi\"},\"done\":false}\n{\"error\":\"runner died\"}\n";
        match read_stream(body.as_bytes()) {
            Err(StreamError::Api(LlmError::Stream { message })) => {
                assert_eq!(message, "runner died")
            }
            _ => panic!("expected a stream error"),
        }
    }

    #[test]
    fn invalid_utf8_is_a_bad_reply_not_replacement_characters() {
        let body = b"{\"message\":{\"content\":\"Add gr\xff\xfeeting\"},\"done\":true}\n";
        assert!(matches!(
            read_stream(&body[..]),
            Err(StreamError::Api(LlmError::BadReply { .. }))
        ));
    }

    #[test]
    fn html_and_cut_streams_are_bad_replies() {
        assert!(matches!(
            read_stream("<html>hi</html>".as_bytes()),
            Err(StreamError::Api(LlmError::BadReply { .. }))
        ));
        let cut = "{\"message\":{\"content\":\"Fix\"},\"done\":false}\n";
        assert!(matches!(
            read_stream(cut.as_bytes()),
            Err(StreamError::Api(LlmError::BadReply { .. }))
        ));
    }

    #[test]
    fn status_errors_name_the_fix() {
        let s = OllamaSettings {
            base_url: "http://127.0.0.1:1".into(),
            model: "m:1b".into(),
            num_ctx: 8192,
            num_predict: 256,
            temperature: 0.2,
            keep_alive: KeepAlive::Duration("30m".into()),
        };
        let e = status_error(
            &s,
            404,
            r#"{"error":"model \"m:1b\" not found, try pulling it first"}"#,
        );
        assert_eq!(
            e.to_string(),
            "model \"m:1b\" is not available at http://127.0.0.1:1; run `ollama pull m:1b`"
        );
        let e = status_error(
            &s,
            500,
            r#"{"error":"llama runner process has terminated"}"#,
        );
        assert_eq!(
            e.to_string(),
            "Ollama answered 500: llama runner process has terminated"
        );
    }
}
