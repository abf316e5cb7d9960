//! An in-process stand-in for Ollama's HTTP API: a real HTTP/1.1 server on `127.0.0.1:0` that
//! answers `/api/chat` the way Ollama does (NDJSON stream or one JSON object, `{"error"}` bodies)
//! and records every request so tests can assert on what the client sent.
//!
//! The configured [`Behavior`] governs `POST /api/chat` only (plus [`Behavior::AcceptNoRead`],
//! which acts before any request is read). The other endpoints always answer normally:
//! `GET|HEAD /`, `GET|HEAD /api/version`, `GET /api/tags`, `POST /api/show`; any other path is
//! `404 page not found`, as from Ollama's router.
//!
//! The HTTP plumbing (accepting, reading requests, keep-alive, recording, holding connections)
//! is the shared server in `support::http`; this file says only what Ollama answers.

use super::http::{
    self, chunk, lock, pieces, After, Connection, Protocol, Recorded, Request, LAST_CHUNK,
};
use serde_json::Value;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// The model the stand-in lists in `/api/tags` unless told otherwise (the crate's default model).
pub const DEFAULT_MODEL: &str = "gemma3:4b";

/// The version `/api/version` reports.
pub const VERSION: &str = "0.12.0";

/// The trained context length `/api/show` reports as `<arch>.context_length`.
pub const CONTEXT_LENGTH: u64 = 8192;

/// The fixed `created_at` of every chat response line.
pub const CREATED_AT: &str = "2026-01-01T00:00:00Z";

/// How the stand-in answers `POST /api/chat`. Change it between requests with
/// [`StandIn::set_behavior`]; a connection that is already being served keeps the behaviour it
/// picked when its request arrived.
#[derive(Clone, Debug)]
pub enum Behavior {
    /// Stream this content in pieces of 3 to 5 characters, then `done_reason: "stop"`.
    Reply(String),
    /// The same as `Reply`, but the final line says `done_reason: "length"` (hit num_predict).
    ReplyTruncated(String),
    /// A thinking model: stream `message.thinking` pieces first, then the content.
    Thinking {
        /// The reasoning trace, sent in `message.thinking` with empty `content`.
        thinking: String,
        /// The answer, sent in `message.content` afterwards.
        content: String,
    },
    /// Answer this status with `{"error": msg}` (e.g. 404 model not found, 500, 503, 429, 400).
    Status(u16, String),
    /// Read the request, then never answer and never close (until the stand-in is dropped or two
    /// minutes have passed).
    Hang,
    /// Accept the connection but never read from it nor answer.
    AcceptNoRead,
    /// A valid reply whose whole HTTP response (headers too) is written one byte at a time with
    /// `delay_ms` between bytes: an idle timeout never fires, an overall deadline must.
    SlowBytes {
        /// The message content.
        content: String,
        /// Pause between two bytes.
        delay_ms: u64,
    },
    /// Write these bytes as the whole HTTP response, then close.
    Raw(Vec<u8>),
    /// Stream `before` in pieces, then a line `{"error": error}` while the status stays 200, then
    /// end the stream cleanly. With `"stream": false`: status 500 with `{"error": error}`.
    StreamError {
        /// Content streamed before the error line.
        before: String,
        /// The error text.
        error: String,
    },
    /// Send the headers and the pieces of `before`, then close the connection without ending the
    /// body. With `"stream": false`: a `Content-Length` larger than the bytes sent.
    DropMidBody {
        /// Content sent before the connection is closed.
        before: String,
    },
    /// A status 200 stream that keeps emitting content lines until `bytes` bytes were sent, then
    /// ends with `done_reason: "length"` (if the client is still reading).
    Huge {
        /// How many bytes of chunked body to send before the final line.
        bytes: usize,
    },
    /// The n-th chat request gets the n-th behaviour; the last one repeats.
    Sequence(Vec<Behavior>),
    /// Wait (model loading), then behave as `then`.
    Delayed {
        /// The wait before anything is written.
        delay_ms: u64,
        /// What to do after the wait.
        then: Box<Behavior>,
    },
}

/// The running stand-in. Dropping it stops accepting, and closes every connection it holds.
pub struct StandIn {
    server: http::Server<Ollama>,
}

impl StandIn {
    /// Start a stand-in serving [`DEFAULT_MODEL`] with this behaviour.
    pub fn start(behavior: Behavior) -> StandIn {
        StandIn::with_model(behavior, DEFAULT_MODEL)
    }

    /// Start a stand-in whose `/api/tags` lists `model`.
    pub fn with_model(behavior: Behavior, model: &str) -> StandIn {
        StandIn {
            server: http::Server::start("ollama-standin", Ollama::new(behavior, model)),
        }
    }

    /// A stand-in serving [`DEFAULT_MODEL`] at `addr` (`[::1]:0`, say), or why it cannot
    /// listen there.
    pub fn start_at(behavior: Behavior, addr: SocketAddr) -> io::Result<StandIn> {
        let ollama = Ollama::new(behavior, DEFAULT_MODEL);
        Ok(StandIn {
            server: http::Server::start_at("ollama-standin", ollama, addr)?,
        })
    }

    /// `http://127.0.0.1:PORT` (`http://[::1]:PORT` on IPv6), the value for `OLLAMA_HOST` or
    /// the config's `host`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// The socket address the stand-in listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// How requests to `/api/chat` that arrive from now on are answered.
    pub fn set_behavior(&self, behavior: Behavior) {
        *lock(&self.server.protocol().behavior) = behavior;
    }

    /// The durations the final chunk reports from now on: nanoseconds per prompt token read
    /// and per token written (the default reports a fast server's fixed durations).
    pub fn set_pace(&self, read_ns_per_token: u64, write_ns_per_token: u64) {
        *lock(&self.server.protocol().pace) = Some((read_ns_per_token, write_ns_per_token));
    }

    /// The model name `/api/tags` lists from now on.
    pub fn set_model(&self, model: &str) {
        *lock(&self.server.protocol().model) = model.to_owned();
    }

    /// Every request received so far, in arrival order (recorded once its body was read, before
    /// any answer was written).
    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    /// The JSON bodies of the `POST /api/chat` requests received so far.
    pub fn chat_requests(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.route() == "/api/chat")
            .map(|r| r.body)
            .collect()
    }

    /// The chat requests that asked for a message: not the warm-ups (chats with no messages)
    /// that `ai-commit warm` and the global pre-commit pass-through send.
    pub fn draft_requests(&self) -> Vec<Value> {
        self.chat_requests()
            .into_iter()
            .filter(|c| !is_warm_up(c))
            .collect()
    }

    /// How many TCP connections were accepted (including ones never read from).
    pub fn connections(&self) -> usize {
        self.server.connections()
    }

    /// Wait until at least `n` requests were recorded or `timeout` passed; returns what is there.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<Recorded> {
        self.server.wait_for_requests(n, timeout)
    }
}

/// `http://127.0.0.1:PORT` where nothing listens: a port just bound and released again.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}

/// What Ollama answers, and the state a test changes while the stand-in runs.
struct Ollama {
    behavior: Mutex<Behavior>,
    model: Mutex<String>,
    pace: Mutex<Option<(u64, u64)>>,
}

impl Ollama {
    fn new(behavior: Behavior, model: &str) -> Ollama {
        Ollama {
            behavior: Mutex::new(behavior),
            model: Mutex::new(model.to_owned()),
            pace: Mutex::new(None),
        }
    }
}

impl Protocol for Ollama {
    fn holds_unread(&self) -> bool {
        matches!(*lock(&self.behavior), Behavior::AcceptNoRead)
    }

    fn answer(&self, request: &Request, conn: &mut Connection<'_>) -> io::Result<After> {
        let head_only = request.method == "HEAD";
        match (request.method.as_str(), request.route()) {
            ("GET" | "HEAD", "/") => write_plain(
                conn,
                200,
                "text/plain; charset=utf-8",
                "Ollama is running",
                head_only,
            ),
            ("GET" | "HEAD", "/api/version") => {
                let body = obj(&[("version", js(VERSION))]);
                write_plain(conn, 200, JSON, &body, head_only)
            }
            ("GET", "/api/tags") => {
                let model = lock(&self.model).clone();
                let body = obj(&[("models", format!("[{}]", model_entry(&model)))]);
                write_plain(conn, 200, JSON, &body, false)
            }
            ("POST", "/api/show") => show(request, conn),
            ("POST", "/api/chat") => chat(self, request, conn),
            _ => write_plain(
                conn,
                404,
                "text/plain; charset=utf-8",
                "404 page not found",
                false,
            ),
        }
    }
}

const JSON: &str = "application/json; charset=utf-8";
const NDJSON: &str = "application/x-ndjson";

fn model_entry(model: &str) -> String {
    let family = arch_of(model);
    obj(&[
        ("name", js(model)),
        ("model", js(model)),
        ("modified_at", js(CREATED_AT)),
        ("size", js(3_338_801_804_u64)),
        (
            "digest",
            js("a2af6cc3eb7fa8be8504abaf9b04e88f17a119ec3f04a3addf55f92841195f5a"),
        ),
        ("details", details(&family)),
    ])
}

fn details(family: &str) -> String {
    obj(&[
        ("parent_model", js("")),
        ("format", js("gguf")),
        ("family", js(family)),
        ("families", js(vec![family])),
        ("parameter_size", js("4.3B")),
        ("quantization_level", js("Q4_K_M")),
    ])
}

/// `gemma3:4b` -> `gemma3`; `library/llama3.2:1b` -> `llama3.2`.
fn arch_of(model: &str) -> String {
    let name = model.split(':').next().unwrap_or(model);
    name.rsplit('/').next().unwrap_or(name).to_owned()
}

fn show(request: &Request, conn: &mut Connection<'_>) -> io::Result<After> {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let model = body
        .get("model")
        .or_else(|| body.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if model.is_empty() {
        return write_error(conn, 400, "model is required");
    }
    let arch = arch_of(model);
    let model_info = obj(&[
        ("general.architecture", js(arch.as_str())),
        ("general.parameter_count", js(4_300_000_000_u64)),
        (&format!("{arch}.context_length"), js(CONTEXT_LENGTH)),
    ]);
    let answer = obj(&[
        ("modelfile", js(format!("FROM {model}\n"))),
        ("parameters", js("stop \"<end_of_turn>\"")),
        ("template", js("{{ .Prompt }}")),
        ("details", details(&arch)),
        ("model_info", model_info),
        ("capabilities", js(vec!["completion"])),
        ("modified_at", js(CREATED_AT)),
    ]);
    write_plain(conn, 200, JSON, &answer, false)
}

/// What the chat request asked for, as far as the answer depends on it.
struct ChatAsk {
    model: String,
    stream: bool,
    prompt_tokens: u64,
    /// Nanoseconds per token read and written that the counters report, if set.
    pace: Option<(u64, u64)>,
    /// `options.stop`: Ollama ends the reply before the first of these the model writes.
    stop: Vec<String>,
}

impl ChatAsk {
    /// `content` as Ollama sends it: up to the first stop sequence, without it. Whether it
    /// was cut there, which ends the reply with `done_reason: "stop"`.
    fn stopped<'c>(&self, content: &'c str) -> (&'c str, bool) {
        http::stopped(content, &self.stop)
    }
}

fn chat(ollama: &Ollama, request: &Request, conn: &mut Connection<'_>) -> io::Result<After> {
    let behavior = lock(&ollama.behavior).clone();
    if request.body.is_empty() {
        return write_error(conn, 400, "missing request body");
    }
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(e) => return write_error(conn, 400, &e.to_string()),
    };
    let model = body.get("model").and_then(Value::as_str).unwrap_or("");
    if model.is_empty() {
        return write_error(conn, 400, "model is required");
    }
    let prompt_chars: usize = body
        .get("messages")
        .and_then(Value::as_array)
        .map(|messages| {
            messages
                .iter()
                .filter_map(|m| m.get("content").and_then(Value::as_str))
                .map(|c| c.chars().count())
                .sum()
        })
        .unwrap_or(0);
    let ask = ChatAsk {
        model: model.to_owned(),
        stream: body.get("stream").and_then(Value::as_bool).unwrap_or(true),
        prompt_tokens: (prompt_chars as u64 / 4).max(1),
        pace: *lock(&ollama.pace),
        stop: body
            .pointer("/options/stop")
            .and_then(Value::as_array)
            .map(|stops| {
                stops
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default(),
    };
    let behavior = match behavior {
        Behavior::Sequence(list) if !list.is_empty() => {
            // This request is already recorded: the count of chat requests numbers it.
            let n = conn
                .requests()
                .iter()
                .filter(|r| r.method == "POST" && r.route() == "/api/chat")
                .count();
            list[n.saturating_sub(1).min(list.len() - 1)].clone()
        }
        other => other,
    };
    answer_chat(&ask, behavior, conn)
}

fn answer_chat(ask: &ChatAsk, behavior: Behavior, conn: &mut Connection<'_>) -> io::Result<After> {
    match behavior {
        Behavior::Reply(content) => {
            let (content, _) = ask.stopped(&content);
            conn.send(&reply_bytes(ask, "", content, "stop"))?;
            Ok(After::KeepAlive)
        }
        Behavior::ReplyTruncated(content) => {
            let (content, stopped) = ask.stopped(&content);
            let reason = if stopped { "stop" } else { "length" };
            conn.send(&reply_bytes(ask, "", content, reason))?;
            Ok(After::KeepAlive)
        }
        Behavior::Thinking { thinking, content } => {
            let (content, _) = ask.stopped(&content);
            conn.send(&reply_bytes(ask, &thinking, content, "stop"))?;
            Ok(After::KeepAlive)
        }
        Behavior::Status(status, message) => write_error(conn, status, &message),
        Behavior::Hang | Behavior::AcceptNoRead => {
            conn.hold(http::MAX_HOLD);
            Ok(After::Close)
        }
        Behavior::SlowBytes { content, delay_ms } => {
            let bytes = reply_bytes(ask, "", ask.stopped(&content).0, "stop");
            for byte in bytes {
                conn.send(&[byte])?;
                if conn.hold(Duration::from_millis(delay_ms)) {
                    return Ok(After::Close);
                }
            }
            Ok(After::KeepAlive)
        }
        Behavior::Raw(bytes) => {
            conn.send(&bytes)?;
            Ok(After::Close)
        }
        Behavior::StreamError { before, error } => {
            if !ask.stream {
                return write_error(conn, 500, &error);
            }
            let mut out = head(200, NDJSON, None);
            for piece in pieces(&before) {
                out.extend(chunk(&content_line(&ask.model, "", piece)));
            }
            out.extend(chunk(&line(&obj(&[("error", js(error.as_str()))]))));
            out.extend(LAST_CHUNK);
            conn.send(&out)?;
            Ok(After::KeepAlive)
        }
        Behavior::DropMidBody { before } => {
            let out = if ask.stream {
                let mut out = head(200, NDJSON, None);
                for piece in pieces(&before) {
                    out.extend(chunk(&content_line(&ask.model, "", piece)));
                }
                out
            } else {
                let whole = whole_answer(ask, "", &format!("{before} and the rest"), "stop");
                let cut = before.len().min(whole.len() / 2).max(1);
                let mut out = head(200, JSON, Some(whole.len()));
                out.extend(&whole.as_bytes()[..cut]);
                out
            };
            conn.send(&out)?;
            conn.cut();
            Ok(After::Close)
        }
        Behavior::Huge { bytes } => huge(ask, bytes, conn),
        // Resolved in `chat`; an empty list answers like an empty reply.
        Behavior::Sequence(list) => {
            let last = list.into_iter().last();
            answer_chat(ask, last.unwrap_or(Behavior::Reply(String::new())), conn)
        }
        Behavior::Delayed { delay_ms, then } => {
            if conn.hold(Duration::from_millis(delay_ms)) {
                return Ok(After::Close);
            }
            answer_chat(ask, *then, conn)
        }
    }
}

fn huge(ask: &ChatAsk, bytes: usize, conn: &mut Connection<'_>) -> io::Result<After> {
    const WORDS: &str = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
    if !ask.stream {
        let content: String = WORDS.chars().cycle().take(bytes).collect();
        conn.send(&reply_bytes(ask, "", &content, "length"))?;
        return Ok(After::KeepAlive);
    }
    let mut sent = 0;
    let head = head(200, NDJSON, None);
    sent += head.len();
    conn.send(&head)?;
    let mut lines = 0_u64;
    while sent < bytes {
        if conn.is_stopped() {
            return Ok(After::Close);
        }
        let piece = chunk(&content_line(&ask.model, "", WORDS));
        conn.send(&piece)?;
        sent += piece.len();
        lines += 1;
    }
    let mut end = chunk(&final_line(ask, "length", lines));
    end.extend(LAST_CHUNK);
    conn.send(&end)?;
    Ok(After::KeepAlive)
}

/// The complete HTTP response of a successful chat, streamed or not.
fn reply_bytes(ask: &ChatAsk, thinking: &str, content: &str, done_reason: &str) -> Vec<u8> {
    if !ask.stream {
        let body = whole_answer(ask, thinking, content, done_reason);
        let mut out = head(200, JSON, Some(body.len()));
        out.extend(body.as_bytes());
        return out;
    }
    let mut out = head(200, NDJSON, None);
    let mut count = 0;
    for piece in pieces(thinking) {
        out.extend(chunk(&thinking_line(&ask.model, piece)));
        count += 1;
    }
    for piece in pieces(content) {
        out.extend(chunk(&content_line(&ask.model, "", piece)));
        count += 1;
    }
    out.extend(chunk(&final_line(ask, done_reason, count)));
    out.extend(LAST_CHUNK);
    out
}

/// The `"stream": false` answer: one object with the whole message and the counters.
fn whole_answer(ask: &ChatAsk, thinking: &str, content: &str, done_reason: &str) -> String {
    let eval_count = pieces(thinking).len() + pieces(content).len();
    let mut message = vec![("role", js("assistant")), ("content", js(content))];
    if !thinking.is_empty() {
        message.push(("thinking", js(thinking)));
    }
    let mut fields = vec![
        ("model", js(ask.model.as_str())),
        ("created_at", js(CREATED_AT)),
        ("message", obj(&message)),
        ("done", js(true)),
        ("done_reason", js(done_reason)),
    ];
    fields.extend(counters(ask, eval_count as u64));
    go_escape(obj(&fields))
}

fn content_line(model: &str, thinking: &str, piece: &str) -> String {
    let mut message = vec![("role", js("assistant")), ("content", js(piece))];
    if !thinking.is_empty() {
        message.push(("thinking", js(thinking)));
    }
    line(&obj(&[
        ("model", js(model)),
        ("created_at", js(CREATED_AT)),
        ("message", obj(&message)),
        ("done", js(false)),
    ]))
}

fn thinking_line(model: &str, piece: &str) -> String {
    content_line(model, piece, "")
}

fn final_line(ask: &ChatAsk, done_reason: &str, eval_count: u64) -> String {
    let mut fields = vec![
        ("model", js(ask.model.as_str())),
        ("created_at", js(CREATED_AT)),
        (
            "message",
            obj(&[("role", js("assistant")), ("content", js(""))]),
        ),
        ("done", js(true)),
        ("done_reason", js(done_reason)),
    ];
    fields.extend(counters(ask, eval_count.max(1)));
    line(&obj(&fields))
}

fn counters(ask: &ChatAsk, eval_count: u64) -> Vec<(&'static str, String)> {
    let (prompt_ns, eval_ns) = match ask.pace {
        Some((read, write)) => (ask.prompt_tokens * read, eval_count * write),
        None => (123_456_789, 987_654_321),
    };
    vec![
        ("total_duration", js(1_234_567_890_u64)),
        ("load_duration", js(45_678_901_u64)),
        ("prompt_eval_count", js(ask.prompt_tokens)),
        ("prompt_eval_duration", js(prompt_ns)),
        ("eval_count", js(eval_count)),
        ("eval_duration", js(eval_ns)),
    ]
}

/// One NDJSON line as Ollama writes it: Go's encoding, then a newline.
fn line(json: &str) -> String {
    format!("{}\n", go_escape(json.to_owned()))
}

/// A JSON value serialised on its own.
fn js(value: impl Into<Value>) -> String {
    value.into().to_string()
}

/// An object from pre-serialised values, keeping Go's struct field order.
fn obj(fields: &[(&str, String)]) -> String {
    let inner: Vec<String> = fields
        .iter()
        .map(|(key, value)| format!("{}:{}", js(*key), value))
        .collect();
    format!("{{{}}}", inner.join(","))
}

/// Go's encoding/json escapes `<`, `>`, `&`, U+2028 and U+2029 inside strings; in serde_json's
/// output those characters can only occur inside strings, so replacing them everywhere is exact.
fn go_escape(json: String) -> String {
    if !json.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return json;
    }
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Status line and headers as Go's net/http writes them; `length` None means chunked.
fn head(status: u16, content_type: &str, length: Option<usize>) -> Vec<u8> {
    let date = http::date(SystemTime::now());
    let length = length.map(|length| length.to_string());
    let framing = match &length {
        Some(length) => ("Content-Length", length.as_str()),
        None => ("Transfer-Encoding", "chunked"),
    };
    http::head(
        status,
        &[("Content-Type", content_type), ("Date", &date), framing],
    )
}

fn write_plain(
    conn: &mut Connection<'_>,
    status: u16,
    content_type: &str,
    body: &str,
    head_only: bool,
) -> io::Result<After> {
    let mut out = head(status, content_type, Some(body.len()));
    if !head_only {
        out.extend(body.as_bytes());
    }
    conn.send(&out)?;
    Ok(After::KeepAlive)
}

/// `{"error": message}` as gin's `c.JSON(status, gin.H{"error": ...})` writes it.
fn write_error(conn: &mut Connection<'_>, status: u16, message: &str) -> io::Result<After> {
    let body = go_escape(obj(&[("error", js(message))]));
    write_plain(conn, status, JSON, &body, false)
}

/// Whether a chat request is a warm-up rather than a draft: no messages (a load), or a reply of
/// one token (the hook's prompt read ahead of it).
pub fn is_warm_up(chat: &Value) -> bool {
    chat["messages"].as_array().is_none_or(|m| m.is_empty()) || chat["options"]["num_predict"] == 1
}
