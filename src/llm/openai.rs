//! OpenAI-compatible chat completions (`POST {base_url}/chat/completions`), as llama.cpp's
//! server, LM Studio, vLLM and team servers offer them: streamed as server-sent events (or
//! answered as one JSON object), with every failure turned into an [`LlmError`] and every read
//! bounded in size and time as for Ollama.

use std::fmt;
use std::io::Read;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};

use super::probe::{self, ModelList, Timed};
use super::{
    one_line, read_lines, Address, Api, Ended, LlmError, Model, Peer, Reply, Request, ServerTiming,
    StreamError, MAX_BODY, MAX_CONTENT,
};

/// Settings for one chat request.
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// The base URL, `/v1` included, read by [`normalize_base_url`].
    pub base_url: Address,
    /// Model name.
    pub model: String,
    /// `max_tokens`: the most tokens the model may write.
    pub max_tokens: u32,
    /// `temperature`.
    pub temperature: f64,
    /// Sent as `Authorization: Bearer <key>`; `None` sends no Authorization header.
    pub api_key: Option<ApiKey>,
}

/// An API key and the variable it was read from. Its `Debug` shows the variable only, so the
/// key cannot reach a log or a message by way of a settings dump.
#[derive(Clone)]
pub struct ApiKey {
    var: String,
    key: String,
}

impl ApiKey {
    /// The key held by the variable `var`, given the variable's value (`None` when unset).
    pub fn from_var(var: &str, value: Option<&std::ffi::OsStr>) -> Result<ApiKey, LlmError> {
        let refuse = |why: &str| LlmError::KeyVariable {
            var: var.to_string(),
            why: why.to_string(),
        };
        let value = value.unwrap_or_default();
        let key = value
            .to_str()
            .ok_or_else(|| refuse("holds bytes that are not text"))?
            .trim();
        if key.is_empty() {
            return Err(refuse("is not set or is empty; export the key in it"));
        }
        // An HTTP header carries visible ASCII only; anything else is not a key.
        if !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(refuse("holds characters an HTTP header cannot carry"));
        }
        Ok(ApiKey {
            var: var.to_string(),
            key: key.to_string(),
        })
    }

    /// The variable the key came from.
    pub fn var(&self) -> &str {
        &self.var
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("var", &self.var)
            .field("key", &"(hidden)")
            .finish()
    }
}

/// Reads `base_url` as [`Address::parse`] does: no port means the scheme's, 80 or 443.
pub fn normalize_base_url(base_url: &str) -> Result<Address, LlmError> {
    Address::parse(base_url, None, Api::OpenAi)
}

/// A client for one OpenAI-compatible server and model.
pub struct OpenAi {
    settings: OpenAiSettings,
}

impl OpenAi {
    /// A client with these settings.
    pub fn new(settings: OpenAiSettings) -> Self {
        OpenAi { settings }
    }

    fn body(&self, request: &Request) -> Value {
        let s = &self.settings;
        let messages: Vec<Value> = request
            .messages()
            .into_iter()
            .map(|(role, content)| json!({"role": role, "content": content}))
            .collect();
        let mut body = json!({
            "model": s.model,
            "messages": messages,
            "stream": true,
            "max_tokens": request.max_tokens.unwrap_or(s.max_tokens),
            "temperature": request.temperature.unwrap_or(s.temperature),
        });
        if let Some(schema) = &request.schema {
            body["response_format"] = json!({
                "type": "json_schema",
                "json_schema": {"name": "commit_message", "schema": schema},
            });
        }
        if let Some(stop) = request.stop {
            body["stop"] = json!([stop]);
        }
        body
    }

    /// The error for a status other than 200, from the body's error text.
    fn status_error(&self, status: u16, body: &str) -> LlmError {
        let text = server_text(body);
        let detail = |text: &str| {
            if text.trim().is_empty() {
                String::new()
            } else {
                format!(" ({})", one_line(text, 120))
            }
        };
        let message = match status {
            // The server's text is left out: some quote part of the key they refused.
            401 | 403 => match &self.settings.api_key {
                Some(key) => format!("the API key was refused; check the key in {}", key.var),
                None => "the API key was refused: none was sent; name the variable that holds \
                         it in `api_key_env`"
                    .to_string(),
            },
            404 => format!(
                "model {:?} or /chat/completions not found{}; check `model`, and `base_url` \
                 (it usually ends in /v1)",
                self.settings.model,
                detail(&text)
            ),
            429 => format!("too many requests, try again later{}", detail(&text)),
            _ if text.trim().is_empty() => "(no error text)".to_string(),
            _ => one_line(&text, 160),
        };
        LlmError::Server {
            api: Api::OpenAi,
            url: self.settings.base_url.to_string(),
            status,
            message,
        }
    }

    /// The request with the key, when there is one, in its `Authorization` header: the one
    /// place the key is sent from.
    fn authorize<B>(&self, request: ureq::RequestBuilder<B>) -> ureq::RequestBuilder<B> {
        match &self.settings.api_key {
            Some(key) => request.header("Authorization", format!("Bearer {}", key.key)),
            None => request,
        }
    }

    /// Probe for `doctor`: `GET {base_url}/models` with the key, as a chat request sends it,
    /// within `timeout`: the models the server lists.
    pub fn models(&self, timeout: Duration) -> Result<Timed<ModelList>, LlmError> {
        let peer = Peer {
            api: Api::OpenAi,
            address: &self.settings.base_url,
            model: &self.settings.model,
            seconds: timeout.as_secs_f64(),
        };
        let url = self.settings.base_url.endpoint("/models");
        let answer = probe::exchange(
            &peer,
            timeout,
            |agent| self.authorize(agent.get(url)).call(),
            |status, text| self.models_status_error(status, text),
        )
        .map_err(|e| self.hide_key(e))?;
        Ok(answer.map(|v| ModelList::from_openai_models(&v)))
    }

    /// The error for a `/models` status other than 200: as for a chat request, but a 404 is
    /// about the path, not the model.
    fn models_status_error(&self, status: u16, body: &str) -> LlmError {
        if status != 404 {
            return self.status_error(status, body);
        }
        LlmError::Server {
            api: Api::OpenAi,
            url: self.settings.base_url.to_string(),
            status,
            message: "no /models here; check `base_url` (it usually ends in /v1)".to_string(),
        }
    }

    /// Replaces the key wherever a server's text repeated it.
    fn hide_key(&self, e: LlmError) -> LlmError {
        let Some(key) = &self.settings.api_key else {
            return e;
        };
        let hide = |text: String| text.replace(&key.key, "(the API key)");
        match e {
            LlmError::Server {
                api,
                url,
                status,
                message,
            } => LlmError::Server {
                api,
                url,
                status,
                message: hide(message),
            },
            LlmError::Stream { api, message } => LlmError::Stream {
                api,
                message: hide(message),
            },
            LlmError::BadReply { api, why } => LlmError::BadReply {
                api,
                why: hide(why),
            },
            other => other,
        }
    }
}

impl Model for OpenAi {
    fn name(&self) -> &str {
        &self.settings.model
    }

    fn would_send(&self, request: &Request) -> Option<(String, serde_json::Value)> {
        let url = format!("{}/chat/completions", self.settings.base_url);
        Some((url, self.body(request)))
    }
    fn chat(&self, request: &Request, deadline: Instant) -> Result<Reply, LlmError> {
        let timeout = deadline.saturating_duration_since(Instant::now());
        let peer = Peer {
            api: Api::OpenAi,
            address: &self.settings.base_url,
            model: &self.settings.model,
            seconds: timeout.as_secs_f64(),
        };
        let agent = super::agent(timeout, &peer)?;
        let url = self.settings.base_url.endpoint("/chat/completions");
        let post = agent.post(url).header("Content-Type", "application/json");
        let mut response =
            peer.response(self.authorize(post).send(self.body(request).to_string()))?;
        let status = response.status().as_u16();
        let events = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                v.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("text/event-stream")
            });
        let reader = response.body_mut().with_config().limit(MAX_BODY).reader();
        if status != 200 {
            let text = super::error_text(reader);
            return Err(self.hide_key(self.status_error(status, &text)));
        }
        let reply = if events {
            read_events(reader)
        } else {
            read_whole(reader)
        };
        reply.map_err(|e| self.hide_key(peer.stream_error(e)))
    }
}

/// One JSON object of a reply: a streamed chunk, a whole completion, or an error.
#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    #[serde(default)]
    usage: Option<Usage>,
    /// llama.cpp's server's own account of its time.
    #[serde(default)]
    timings: Option<Timings>,
    #[serde(default)]
    error: Option<ServerError>,
    /// `"error"` in vLLM's older error objects, which carry `message` at the top.
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl Chunk {
    /// The error this object reports, if it is one.
    fn error(&mut self) -> Option<LlmError> {
        if let Some(error) = self.error.take() {
            return Some(error.into_error());
        }
        if self.object.as_deref() == Some("error") {
            let message = self.message.take();
            return Some(ServerError::Object { message }.into_error());
        }
        None
    }
}

#[derive(Deserialize)]
struct Choice {
    /// A piece of a streamed reply.
    #[serde(default)]
    delta: Option<Text>,
    /// A whole reply.
    #[serde(default)]
    message: Option<Text>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Text {
    #[serde(default)]
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
}

/// llama.cpp's `timings`: milliseconds reading the prompt and writing the reply.
#[derive(Deserialize)]
struct Timings {
    prompt_ms: f64,
    predicted_ms: f64,
}

impl Timings {
    fn server_timing(&self) -> Option<ServerTiming> {
        let ns = |ms: f64| (ms.is_finite() && ms >= 0.0).then_some((ms * 1e6) as u64);
        Some(ServerTiming {
            load_ns: 0,
            prompt_ns: ns(self.prompt_ms)?,
            output_ns: ns(self.predicted_ms)?,
        })
    }
}

/// `{"error": "text"}` (llama.cpp, Ollama) or `{"error": {"message": ...}}` (OpenAI).
#[derive(Deserialize)]
#[serde(untagged)]
enum ServerError {
    Text(String),
    Object {
        #[serde(default)]
        message: Option<String>,
    },
    Other(Value),
}

impl ServerError {
    fn into_error(self) -> LlmError {
        let text = match self {
            ServerError::Text(t) | ServerError::Object { message: Some(t) } => t,
            ServerError::Object { message: None } => "(no error text)".to_string(),
            ServerError::Other(v) => v.to_string(),
        };
        LlmError::Stream {
            api: Api::OpenAi,
            message: one_line(&text, 160),
        }
    }
}

fn bad_reply(why: String) -> LlmError {
    LlmError::BadReply {
        api: Api::OpenAi,
        why,
    }
}

/// Where a stream of server-sent events stands.
#[derive(Default)]
struct Events {
    /// A chunk carried a `finish_reason`: the reply is complete even if `[DONE]` never comes.
    finished: bool,
    /// The last `event:` field said `error`: the next data is an error.
    error_event: bool,
}

impl Events {
    /// Applies one line of the stream; true at `data: [DONE]`.
    fn line(&mut self, line: &str, reply: &mut Reply) -> Result<bool, LlmError> {
        if line.starts_with(':') {
            return Ok(false); // A comment, such as a keep-alive ping.
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "data" if value.trim() == "[DONE]" => Ok(true),
            "data" if value.trim().is_empty() => Ok(false),
            // llama.cpp's server writes a failure as an `error:` line.
            "error" => Err(error_event(value)),
            "data" if self.error_event => Err(error_event(value)),
            "data" => {
                let chunk: Chunk = serde_json::from_str(value).map_err(|_| {
                    bad_reply(format!(
                        "expected JSON in the event stream, got {:?}",
                        one_line(value, 60)
                    ))
                })?;
                self.apply(chunk, reply)?;
                Ok(false)
            }
            "event" => {
                self.error_event = value.trim() == "error";
                Ok(false)
            }
            // `id`, `retry` and unknown fields are ignored, as the SSE standard says.
            _ => Ok(false),
        }
    }

    fn apply(&mut self, mut chunk: Chunk, reply: &mut Reply) -> Result<(), LlmError> {
        if let Some(error) = chunk.error() {
            return Err(error);
        }
        if let Some(usage) = &chunk.usage {
            reply.prompt_tokens = usage.prompt_tokens.or(reply.prompt_tokens);
            reply.output_tokens = usage.completion_tokens.or(reply.output_tokens);
        }
        if let Some(timing) = chunk.timings.as_ref().and_then(Timings::server_timing) {
            reply.timing = Some(timing);
        }
        let Some(choice) = chunk.choices.and_then(|c| c.into_iter().next()) else {
            return Ok(());
        };
        let text = choice.delta.or(choice.message).and_then(|t| t.content);
        if let Some(text) = text {
            reply.content.push_str(&text);
        }
        if let Some(reason) = choice.finish_reason {
            self.finished = true;
            reply.truncated |= reason == "length";
        }
        Ok(())
    }
}

/// The error carried by an `error` event: JSON with a message, or plain text.
fn error_event(value: &str) -> LlmError {
    match serde_json::from_str::<ServerError>(value) {
        Ok(ServerError::Object { message: None }) | Err(_) => LlmError::Stream {
            api: Api::OpenAi,
            message: one_line(&server_text(value), 160),
        },
        Ok(error) => error.into_error(),
    }
}

/// Reads a stream of server-sent events to `data: [DONE]`.
fn read_events(reader: impl Read) -> Result<Reply, StreamError> {
    let mut reply = Reply::default();
    let mut events = Events::default();
    let ended = read_lines(reader, Api::OpenAi, &mut reply, |line, reply| {
        events.line(line, reply)
    })?;
    match ended {
        Ended::Done => Ok(reply),
        // Some servers close after the finishing chunk without sending `[DONE]`.
        Ended::Closed if events.finished => Ok(reply),
        Ended::Closed => Err(StreamError::Api(bad_reply(
            "the connection closed before the reply was complete".into(),
        ))),
    }
}

/// Reads a reply that is not labelled as an event stream: one JSON completion, or events
/// from a server that did not say so.
fn read_whole(reader: impl Read) -> Result<Reply, StreamError> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_BODY)
        .read_to_end(&mut bytes)
        .map_err(StreamError::Io)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| StreamError::Api(bad_reply("the reply is not valid UTF-8".into())))?;
    let start = text.trim_start();
    if start.starts_with("data:") || start.starts_with(':') {
        return read_events(text.as_bytes());
    }
    let mut chunk: Chunk = serde_json::from_str(text).map_err(|_| {
        StreamError::Api(bad_reply(format!(
            "expected JSON or server-sent events, got {:?}",
            one_line(text, 60)
        )))
    })?;
    if let Some(error) = chunk.error() {
        return Err(StreamError::Api(error));
    }
    let choice = chunk
        .choices
        .and_then(|c| c.into_iter().next())
        .ok_or_else(|| StreamError::Api(bad_reply("the reply has no choices".into())))?;
    let mut content = choice
        .message
        .or(choice.delta)
        .and_then(|t| t.content)
        .unwrap_or_default();
    let mut truncated = choice.finish_reason.as_deref() == Some("length");
    if content.len() > MAX_CONTENT {
        let mut end = MAX_CONTENT;
        while !content.is_char_boundary(end) {
            end -= 1;
        }
        content.truncate(end);
        truncated = true;
    }
    Ok(Reply {
        content,
        truncated,
        prompt_tokens: chunk.usage.as_ref().and_then(|u| u.prompt_tokens),
        output_tokens: chunk.usage.as_ref().and_then(|u| u.completion_tokens),
        timing: chunk.timings.as_ref().and_then(Timings::server_timing),
    })
}

/// The error text of an error body: `{"error": {"message"}}` (OpenAI), `{"error": "..."}`
/// (llama.cpp), `{"message"}` (vLLM), `{"detail"}` (FastAPI servers), else the body itself,
/// or a word for an HTML page.
fn server_text(body: &str) -> String {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let found = json.as_ref().and_then(|v| {
        let error = v.get("error");
        error
            .and_then(Value::as_str)
            .or_else(|| error.and_then(|e| e.get("message")).and_then(Value::as_str))
            .or_else(|| v.get("message").and_then(Value::as_str))
            .or_else(|| v.get("detail").and_then(Value::as_str))
    });
    match found {
        Some(text) => text.to_string(),
        None if body.trim_start().starts_with('<') => "an HTML page".to_string(),
        None => body.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    fn settings(key: Option<&str>) -> OpenAiSettings {
        OpenAiSettings {
            base_url: normalize_base_url("http://127.0.0.1:8080/v1").unwrap(),
            model: "m".into(),
            max_tokens: 256,
            temperature: 0.2,
            api_key: key.map(|k| ApiKey::from_var("TEAM_KEY", Some(OsStr::new(k))).unwrap()),
        }
    }

    fn events(body: &str) -> Result<Reply, LlmError> {
        read_events(body.as_bytes()).map_err(|e| match e {
            StreamError::Api(e) => e,
            StreamError::Io(io) => panic!("io error {io}"),
        })
    }

    #[test]
    fn events_concatenate_deltas_and_skip_comments_and_blank_lines() {
        let body = concat!(
            ": ping\n\ndata:\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Fix \"}}]}\n\n",
            "id: 7\n",
            "data:{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"bug\"}}]}\r\n\r\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":42,\"completion_tokens\":2}}\n\n",
            "data: [DONE]\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\" after done\"}}]}\n\n",
        );
        let reply = events(body).unwrap();
        assert_eq!(reply.content, "Fix bug");
        assert!(!reply.truncated);
        assert_eq!(reply.prompt_tokens, Some(42));
    }

    #[test]
    fn finish_reason_length_marks_the_reply_truncated() {
        let body = concat!(
            "data: {\"choices\":[{\"delta\":{\"content\":\"Add x\\n\\nThe bo\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\n",
        );
        // No `[DONE]`: the finishing chunk is enough.
        let reply = events(body).unwrap();
        assert_eq!(reply.content, "Add x\n\nThe bo");
        assert!(reply.truncated);
    }

    #[test]
    fn a_stream_cut_before_it_finished_is_a_bad_reply() {
        let body = "data: {\"choices\":[{\"delta\":{\"content\":\"Fix\"}}]}\n\n";
        assert!(matches!(events(body), Err(LlmError::BadReply { .. })));
        assert!(matches!(events(""), Err(LlmError::BadReply { .. })));
    }

    #[test]
    fn error_events_in_every_shape_are_stream_errors() {
        for body in [
            "data: {\"choices\":[{\"delta\":{\"content\":\"Fi\"}}]}\n\ndata: {\"error\":{\"message\":\"runner died\",\"type\":\"server_error\"}}\n\n",
            "error: {\"code\":500,\"message\":\"runner died\",\"type\":\"server_error\"}\n\n",
            "event: error\ndata: {\"message\":\"runner died\"}\n\n",
            "data: {\"object\":\"error\",\"message\":\"runner died\",\"code\":500}\n\n",
            "data: {\"error\":\"runner died\"}\n\n",
        ] {
            match events(body) {
                Err(e @ LlmError::Stream { .. }) => assert_eq!(
                    e.to_string(),
                    "the model server failed while answering: runner died"
                ),
                other => panic!("{body:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn bad_json_html_and_invalid_utf8_are_bad_replies() {
        assert!(matches!(
            events("data: {\"choices\":[{\"delta\":{\"content\":\"Fi\"}}]\n\n"),
            Err(LlmError::BadReply { .. })
        ));
        assert!(matches!(
            read_whole("<html><body>log in</body></html>".as_bytes()),
            Err(StreamError::Api(LlmError::BadReply { .. }))
        ));
        let body = b"data: {\"choices\":[{\"delta\":{\"content\":\"Add gr\xff\xfeeting\"}}]}\n\n";
        assert!(matches!(
            read_events(&body[..]),
            Err(StreamError::Api(LlmError::BadReply { .. }))
        ));
    }

    #[test]
    fn a_whole_json_answer_is_accepted() {
        let body = r#"{"id":"x","object":"chat.completion","choices":[{"index":0,
            "message":{"role":"assistant","content":"Add greeting"},"finish_reason":"length"}],
            "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#;
        let reply = read_whole(body.as_bytes()).ok().unwrap();
        assert_eq!(reply.content, "Add greeting");
        assert!(reply.truncated);
        assert_eq!(reply.prompt_tokens, Some(9));
        // Events sent without their content type are still events.
        let sse = "data: {\"choices\":[{\"delta\":{\"content\":\"Fix\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
        assert_eq!(read_whole(sse.as_bytes()).ok().unwrap().content, "Fix");
    }

    #[test]
    fn status_errors_read_both_error_shapes_and_stay_on_one_line() {
        let c = OpenAi::new(settings(None));
        let e = c.status_error(500, r#"{"error":{"message":"out of\nmemory","type":"x"}}"#);
        assert_eq!(
            e.to_string(),
            "the model server at http://127.0.0.1:8080/v1 answered 500: out of memory"
        );
        let e = c.status_error(429, r#"{"error":"queue full"}"#);
        assert!(
            e.to_string()
                .ends_with("answered 429: too many requests, try again later (queue full)"),
            "{e}"
        );
        let e = c.status_error(404, r#"{"error":{"code":404,"message":"File Not Found"}}"#);
        assert!(
            e.to_string()
                .contains("model \"m\" or /chat/completions not found"),
            "{e}"
        );
        let e = c.status_error(502, "<html><body>Bad Gateway</body></html>");
        assert!(e.to_string().ends_with("answered 502: an HTML page"), "{e}");
        let e = c.status_error(401, r#"{"error":"Invalid API Key"}"#);
        assert!(e.to_string().contains("none was sent"), "{e}");
    }

    #[test]
    fn models_status_errors_name_the_path_or_the_key() {
        let c = OpenAi::new(settings(Some("sk-secret-123")));
        let e = c.models_status_error(404, r#"{"error":{"code":404,"message":"File Not Found"}}"#);
        assert_eq!(
            e.to_string(),
            "the model server at http://127.0.0.1:8080/v1 answered 404: no /models here; check \
             `base_url` (it usually ends in /v1)"
        );
        let e = c.models_status_error(401, r#"{"error":"bad key sk-secret-123"}"#);
        assert!(
            e.to_string()
                .ends_with("answered 401: the API key was refused; check the key in TEAM_KEY"),
            "{e}"
        );
    }

    #[test]
    fn the_key_never_shows_in_errors_or_debug_output() {
        let c = OpenAi::new(settings(Some("sk-secret-123")));
        let e = c.status_error(401, r#"{"error":{"message":"bad key sk-secret-123"}}"#);
        let text = e.to_string();
        assert!(
            text.contains("the API key was refused; check the key in TEAM_KEY"),
            "{text}"
        );
        assert!(!text.contains("sk-secret-123"), "{text}");
        let e = c.hide_key(c.status_error(500, r#"{"error":"echo sk-secret-123"}"#));
        assert!(!e.to_string().contains("sk-secret-123"), "{e}");
        let debug = format!("{:?}", settings(Some("sk-secret-123")));
        assert!(!debug.contains("sk-secret-123"), "{debug}");
        assert!(debug.contains("TEAM_KEY"), "{debug}");
    }

    #[test]
    fn key_variables_must_hold_a_key() {
        for value in [None, Some(""), Some("  \n"), Some("two words")] {
            let e = ApiKey::from_var("TEAM_KEY", value.map(OsStr::new)).unwrap_err();
            assert!(e.to_string().contains("TEAM_KEY"), "{e}");
            assert!(!e.to_string().contains("two words"), "{e}");
        }
        let key = ApiKey::from_var("TEAM_KEY", Some(OsStr::new(" sk-1\n"))).unwrap();
        assert_eq!(key.key, "sk-1");
    }

    #[test]
    fn base_urls_keep_their_path_and_scheme() {
        let n = |u: &str| normalize_base_url(u).unwrap().to_string();
        assert_eq!(n("http://127.0.0.1:8080/v1/"), "http://127.0.0.1:8080/v1");
        assert_eq!(n("localhost:1234/v1"), "http://localhost:1234/v1");
        assert_eq!(n("http://0.0.0.0:8000/v1"), "http://127.0.0.1:8000/v1");
        assert_eq!(n("http://gpu-box/v1"), "http://gpu-box/v1");
        assert_eq!(
            n("https://api.example.com/v1/"),
            "https://api.example.com/v1"
        );
        let e = normalize_base_url("ftp://api.example.com/v1").unwrap_err();
        assert!(
            e.to_string().starts_with("the model server's address"),
            "{e}"
        );
    }

    #[test]
    fn the_request_asks_for_a_stream_with_the_limits() {
        let c = OpenAi::new(settings(None));
        let body = c.body(&Request {
            system: "s".into(),
            user: "u".into(),
            ..Request::default()
        });
        assert_eq!(body["model"], "m");
        assert_eq!(body["stream"], true);
        assert_eq!(body["max_tokens"], 256);
        assert_eq!(body["temperature"], 0.2);
        assert_eq!(body["messages"][0]["role"], "system");
        assert_eq!(body["messages"][1]["content"], "u");
        assert!(body.get("response_format").is_none());
    }
}
