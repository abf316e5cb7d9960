//! An in-process stand-in for an OpenAI-compatible server (llama.cpp's `llama-server`, vLLM,
//! LM Studio): a small HTTP/1.1 server on `127.0.0.1:0` answering `POST /v1/chat/completions`
//! with server-sent events or one JSON object, or with the error bodies such servers send, and
//! recording every request with its headers. `GET /v1/models` lists one model; any other path
//! is llama-server's 404.
//!
//! The HTTP plumbing (accepting, reading requests, recording, holding connections) is the
//! shared server in `support::http`; this file says only what such a server answers. Every
//! answer closes the connection, as its `Connection: close` header says.

use super::http::{
    self, chunk, lock, pieces, stopped, After, Connection, Protocol, Recorded, Request, LAST_CHUNK,
};
use serde_json::{json, Value};
use std::io;
use std::sync::Mutex;

/// The chat route.
pub const CHAT_PATH: &str = "/v1/chat/completions";
/// The model list, as llama-server answers it: the one model it loaded.
pub const MODELS_PATH: &str = "/v1/models";
/// The model `/v1/models` lists (the crate's default model name).
pub const LISTED_MODEL: &str = "gemma3:4b";

/// How the stand-in answers a chat request.
#[derive(Clone, Debug)]
pub enum Behavior {
    /// Stream the content as `data:` events in pieces of 3 to 5 characters (a role chunk first,
    /// `: ping` comments between), then `finish_reason: "stop"`, a usage chunk and `[DONE]`.
    Stream(String),
    /// As `Stream`, but the finishing chunk says `finish_reason: "length"`.
    StreamTruncated(String),
    /// One `chat.completion` JSON object, as with `"stream": false`.
    Whole(String),
    /// This status with this JSON body.
    Status(u16, Value),
    /// Stream `before`, then this as a `data:` event (e.g. `{"error": {...}}`), then `[DONE]`.
    StreamError {
        /// Content streamed before the error event.
        before: String,
        /// The event's JSON.
        event: Value,
    },
    /// Send the event-stream head and the pieces of `before`, then close mid-body.
    DropMidStream {
        /// Content sent before the connection is closed.
        before: String,
    },
    /// Read the request, then never answer (until dropped, or two minutes).
    Hang,
    /// Write these bytes as the whole HTTP response, then close.
    Raw(Vec<u8>),
}

/// The running stand-in; dropping it closes the listener and every connection.
pub struct StandIn {
    server: http::Server<OpenAi>,
}

impl StandIn {
    /// Starts a stand-in answering with `behavior`.
    pub fn start(behavior: Behavior) -> StandIn {
        let openai = OpenAi {
            behavior: Mutex::new(behavior),
        };
        StandIn {
            server: http::Server::start("openai-standin", openai),
        }
    }

    /// `http://127.0.0.1:PORT/v1`, the value for `base_url`.
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.server.addr())
    }

    /// The socket address it listens on (for a TLS front).
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr()
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.server.requests()
    }

    /// The `POST /v1/chat/completions` requests received so far.
    pub fn chat_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == CHAT_PATH)
            .collect()
    }

    /// How many TCP connections were accepted.
    pub fn connections(&self) -> usize {
        self.server.connections()
    }
}

/// What an OpenAI-compatible server answers.
struct OpenAi {
    behavior: Mutex<Behavior>,
}

impl Protocol for OpenAi {
    fn answer(&self, request: &Request, conn: &mut Connection<'_>) -> io::Result<After> {
        let (method, path) = (request.method.as_str(), request.path.as_str());
        if (method, path) == ("GET", MODELS_PATH) {
            let body = json!({"object": "list", "data": [{"id": LISTED_MODEL, "object": "model"}]});
            conn.send(&response(200, "application/json", &body.to_string()))?;
            return Ok(After::Close);
        }
        if (method, path) != ("POST", CHAT_PATH) {
            let body = json!({"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}});
            conn.send(&response(404, "application/json", &body.to_string()))?;
            return Ok(After::Close);
        }
        let behavior = lock(&self.behavior).clone();
        let stop = stop_sequences(request);
        match behavior {
            Behavior::Stream(content) => {
                let (content, _) = stopped(&content, &stop);
                conn.send(&stream_bytes(content, "stop", None))?
            }
            Behavior::StreamTruncated(content) => {
                let (content, stopped) = stopped(&content, &stop);
                let reason = if stopped { "stop" } else { "length" };
                conn.send(&stream_bytes(content, reason, None))?
            }
            Behavior::StreamError { before, event } => {
                conn.send(&stream_bytes(&before, "", Some(&event)))?
            }
            Behavior::Whole(content) => {
                let (content, _) = stopped(&content, &stop);
                let body = json!({
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 1_767_225_600,
                    "model": "standin",
                    "choices": [{
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110},
                });
                conn.send(&response(200, "application/json", &body.to_string()))?
            }
            Behavior::Status(status, body) => {
                conn.send(&response(status, "application/json", &body.to_string()))?
            }
            Behavior::DropMidStream { before } => {
                let mut out = event_stream_head();
                for piece in pieces(&before) {
                    out.extend(chunk(&data(&delta(json!({"content": piece}), None))));
                }
                conn.send(&out)?;
                conn.cut();
            }
            Behavior::Hang => {
                conn.hold(http::MAX_HOLD);
            }
            Behavior::Raw(bytes) => conn.send(&bytes)?,
        }
        Ok(After::Close)
    }
}

/// The request's `stop`: one string or an array of them (OpenAI's chat API).
fn stop_sequences(request: &Request) -> Vec<String> {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    match body.get("stop") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// A whole response with a Content-Length body.
fn response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    let length = body.len().to_string();
    let mut out = http::head(
        status,
        &[
            ("Content-Type", content_type),
            ("Content-Length", &length),
            ("Connection", "close"),
        ],
    );
    out.extend(body.as_bytes());
    out
}

fn event_stream_head() -> Vec<u8> {
    http::head(
        200,
        &[
            ("Content-Type", "text/event-stream"),
            ("Cache-Control", "no-cache"),
            ("Transfer-Encoding", "chunked"),
            ("Connection", "close"),
        ],
    )
}

/// A whole event stream: role chunk, content pieces with comments between, then either the
/// finishing chunk (`finish_reason` non-empty) or the `error` event, a usage chunk, `[DONE]`.
fn stream_bytes(content: &str, finish_reason: &str, error: Option<&Value>) -> Vec<u8> {
    let mut out = event_stream_head();
    out.extend(chunk(&data(&delta(
        json!({"role": "assistant", "content": null}),
        None,
    ))));
    for (i, piece) in pieces(content).into_iter().enumerate() {
        if i % 4 == 3 {
            out.extend(chunk(": ping\n\n"));
        }
        out.extend(chunk(&data(&delta(json!({"content": piece}), None))));
    }
    match error {
        Some(event) => out.extend(chunk(&data(event))),
        None => {
            out.extend(chunk(&data(&delta(json!({}), Some(finish_reason)))));
            let usage = json!({"id": "chatcmpl-1", "object": "chat.completion.chunk",
                "choices": [], "usage": {"prompt_tokens": 100, "completion_tokens": 10}});
            out.extend(chunk(&data(&usage)));
        }
    }
    out.extend(chunk("data: [DONE]\n\n"));
    out.extend(LAST_CHUNK);
    out
}

fn delta(delta: Value, finish_reason: Option<&str>) -> Value {
    json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_767_225_600,
        "model": "standin",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    })
}

fn data(value: &Value) -> String {
    format!("data: {value}\n\n")
}
