//! Ollama's native chat API (`POST /api/chat`, streaming NDJSON), with every failure turned
//! into an [`LlmError`] and every read bounded in size and time.

use std::io::Read;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

use super::probe::{self, ModelDetails, ModelList, Timed};
use super::{
    one_line, read_lines, Address, Api, Ended, LlmError, Model, Peer, Reply, Request, ServerTiming,
    StreamError, MAX_BODY,
};

/// Ollama's port when the address names none.
const DEFAULT_PORT: u16 = 11434;

/// Ollama's `keep_alive`: a duration string such as `"30m"` or a number of seconds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum KeepAlive {
    /// A Go duration string: `"30m"`, `"1h"`, `"-1"`.
    Duration(String),
    /// Seconds; negative keeps the model loaded forever, 0 unloads it at once.
    Seconds(i64),
}

/// Settings for one chat request.
#[derive(Debug, Clone)]
pub struct OllamaSettings {
    /// The server's address, read by [`normalize_host`].
    pub base_url: Address,
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
        let messages: Vec<serde_json::Value> = request
            .messages()
            .into_iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect();
        let mut body = json!({
            "model": s.model,
            "messages": messages,
            "stream": true,
            "think": false,
            "keep_alive": keep_alive,
            "options": {
                "num_ctx": s.num_ctx,
                "num_predict": request.max_tokens.unwrap_or(s.num_predict),
                "temperature": request.temperature.unwrap_or(s.temperature),
            },
        });
        if let Some(schema) = &request.schema {
            body["format"] = schema.clone();
        }
        if let Some(stop) = request.stop {
            body["options"]["stop"] = json!([stop]);
        }
        body
    }
}

/// Probes: small questions for `doctor`, each bounded by `timeout`, sent and read as a chat
/// request is.
impl Ollama {
    /// `GET /api/version`: the server's version, `None` when its answer names none.
    pub fn version(&self, timeout: Duration) -> Result<Timed<Option<String>>, LlmError> {
        let url = self.settings.base_url.endpoint("/api/version");
        let answer = self.probe(timeout, |agent| agent.get(url).call())?;
        Ok(answer.map(|v| v["version"].as_str().map(str::to_string)))
    }

    /// `GET /api/tags`: the models pulled on the server.
    pub fn models(&self, timeout: Duration) -> Result<Timed<ModelList>, LlmError> {
        let url = self.settings.base_url.endpoint("/api/tags");
        let answer = self.probe(timeout, |agent| agent.get(url).call())?;
        Ok(answer.map(|v| ModelList::from_ollama_tags(&v)))
    }

    /// `POST /api/show` for this client's model: what the server says about it.
    pub fn details(&self, timeout: Duration) -> Result<Timed<ModelDetails>, LlmError> {
        let url = self.settings.base_url.endpoint("/api/show");
        let body = json!({"model": self.settings.model}).to_string();
        let answer = self.probe(timeout, |agent| {
            agent
                .post(url)
                .header("Content-Type", "application/json")
                .send(body)
        })?;
        Ok(answer.map(|v| ModelDetails::from_ollama_show(&v)))
    }

    fn probe(
        &self,
        timeout: Duration,
        send: impl FnOnce(&ureq::Agent) -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Timed<serde_json::Value>, LlmError> {
        let peer = Peer {
            api: Api::Ollama,
            address: &self.settings.base_url,
            model: &self.settings.model,
            seconds: timeout.as_secs_f64(),
        };
        probe::exchange(&peer, timeout, send, |status, text| {
            status_error(&self.settings, status, text)
        })
    }
}

impl Model for Ollama {
    fn name(&self) -> &str {
        &self.settings.model
    }

    /// A chat with no messages only loads the model (Ollama answers `done_reason: "load"`),
    /// with the same `num_ctx` and `keep_alive` the hook's requests use: another `num_ctx`
    /// would make the next request load it again.
    fn warm(&self, timeout: Duration) -> Result<(), LlmError> {
        let mut body = self.body(&Request::default());
        body["messages"] = json!([]);
        body["stream"] = json!(false);
        let url = format!("{}/api/chat", self.settings.base_url);
        let text = body.to_string();
        self.probe(timeout, |agent| {
            agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(text)
        })
        .map(|_| ())
    }

    fn would_send(&self, request: &Request) -> Option<(String, serde_json::Value)> {
        let url = format!("{}/api/chat", self.settings.base_url);
        Some((url, self.body(request)))
    }
    fn chat(&self, request: &Request, deadline: Instant) -> Result<Reply, LlmError> {
        let timeout = deadline.saturating_duration_since(Instant::now());
        let peer = Peer {
            api: Api::Ollama,
            address: &self.settings.base_url,
            model: &self.settings.model,
            seconds: timeout.as_secs_f64(),
        };
        let agent = super::agent(timeout, &peer)?;
        let url = self.settings.base_url.endpoint("/api/chat");
        let mut response = peer.response(
            agent
                .post(url)
                .header("Content-Type", "application/json")
                .send(self.body(request).to_string()),
        )?;
        let status = response.status().as_u16();
        let reader = response.body_mut().with_config().limit(MAX_BODY).reader();
        if status != 200 {
            let text = super::error_text(reader);
            return Err(status_error(&self.settings, status, &text));
        }
        read_stream(reader).map_err(|e| peer.stream_error(e))
    }
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
    eval_count: Option<u64>,
    #[serde(default)]
    load_duration: Option<u64>,
    #[serde(default)]
    prompt_eval_duration: Option<u64>,
    #[serde(default)]
    eval_duration: Option<u64>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct ChunkMessage {
    #[serde(default)]
    content: String,
}

/// Reads a streamed (or single-object) chat reply to its `done` line.
fn read_stream(reader: impl Read) -> Result<Reply, StreamError> {
    let mut reply = Reply::default();
    match read_lines(reader, Api::Ollama, &mut reply, handle_line)? {
        Ended::Done => Ok(reply),
        Ended::Closed => Err(StreamError::Api(LlmError::BadReply {
            api: Api::Ollama,
            why: "the connection closed before the reply was complete".into(),
        })),
    }
}

/// Applies one line; true when it was the last.
fn handle_line(text: &str, reply: &mut Reply) -> Result<bool, LlmError> {
    let chunk: Chunk = serde_json::from_str(text).map_err(|_| LlmError::BadReply {
        api: Api::Ollama,
        why: format!("expected JSON lines, got {:?}", one_line(text, 60)),
    })?;
    if let Some(message) = chunk.error {
        return Err(LlmError::Stream {
            api: Api::Ollama,
            message: one_line(&message, 160),
        });
    }
    if let Some(m) = chunk.message {
        reply.content.push_str(&m.content);
    }
    if chunk.done {
        reply.truncated |= chunk.done_reason.as_deref() == Some("length");
        reply.prompt_tokens = chunk.prompt_eval_count;
        reply.output_tokens = chunk.eval_count;
        // The durations are there together or not at all (a proxy may drop them).
        if let (Some(prompt_ns), Some(output_ns)) =
            (chunk.prompt_eval_duration, chunk.eval_duration)
        {
            reply.timing = Some(ServerTiming {
                load_ns: chunk.load_duration.unwrap_or(0),
                prompt_ns,
                output_ns,
            });
        }
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
            url: settings.base_url.to_string(),
        };
    }
    let message = if message.trim().is_empty() {
        "(no error text)".to_string()
    } else {
        one_line(&message, 160)
    };
    LlmError::Server {
        api: Api::Ollama,
        url: settings.base_url.to_string(),
        status,
        message,
    }
}

/// Reads an `OLLAMA_HOST`-style address (`[scheme://]host[:port][/path]`) as
/// [`Address::parse`] does, with Ollama's port 11434 when it names none.
pub fn normalize_host(host: &str) -> Result<Address, LlmError> {
    Address::parse(host, Some(DEFAULT_PORT), Api::Ollama)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms_follow_ollama() {
        let n = |h: &str| normalize_host(h).unwrap().to_string();
        assert_eq!(n("127.0.0.1"), "http://127.0.0.1:11434");
        assert_eq!(n(":8080"), "http://127.0.0.1:8080");
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
            Err(StreamError::Api(LlmError::Stream { message, .. })) => {
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
            base_url: normalize_host("http://127.0.0.1:1").unwrap(),
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
