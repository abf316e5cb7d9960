//! An in-process stand-in for an OpenAI-compatible server (llama.cpp's `llama-server`, vLLM,
//! LM Studio): a small HTTP/1.1 server on `127.0.0.1:0` answering `POST /v1/chat/completions`
//! with server-sent events or one JSON object, or with the error bodies such servers send, and
//! recording every request with its headers. `GET /v1/models` lists one model; any other path
//! is llama-server's 404.

use serde_json::{json, Value};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The chat route.
pub const CHAT_PATH: &str = "/v1/chat/completions";
/// The model list, as llama-server answers it: the one model it loaded.
pub const MODELS_PATH: &str = "/v1/models";
/// The model `/v1/models` lists (the crate's default model name).
pub const LISTED_MODEL: &str = "gemma3:4b";

/// Longest a held connection is kept when the stand-in is not dropped first.
const MAX_HOLD: Duration = Duration::from_secs(120);

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

/// One request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `POST`, `GET`, ...
    pub method: String,
    /// The request target.
    pub path: String,
    /// Headers in order, as sent.
    pub headers: Vec<(String, String)>,
    /// The body as JSON (`Value::Null` when not JSON).
    pub body: Value,
}

impl Recorded {
    /// The first header with this name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The running stand-in; dropping it closes the listener and every connection.
pub struct StandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    behavior: Mutex<Behavior>,
    requests: Mutex<Vec<Recorded>>,
    connections: AtomicUsize,
    stopped: Mutex<bool>,
    stop_signal: Condvar,
    sockets: Mutex<Vec<TcpStream>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    fn is_stopped(&self) -> bool {
        *lock(&self.stopped)
    }

    /// Sleeps for `duration` or until the stand-in is dropped.
    fn wait_stop(&self, duration: Duration) {
        let guard = lock(&self.stopped);
        let _ = self
            .stop_signal
            .wait_timeout_while(guard, duration, |stopped| !*stopped);
    }
}

impl StandIn {
    /// Starts a stand-in answering with `behavior`.
    pub fn start(behavior: Behavior) -> StandIn {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("local address of the stand-in");
        let shared = Arc::new(Shared {
            behavior: Mutex::new(behavior),
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            stopped: Mutex::new(false),
            stop_signal: Condvar::new(),
            sockets: Mutex::new(Vec::new()),
        });
        let for_thread = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name(format!("openai-standin-{}", addr.port()))
            .spawn(move || accept_loop(listener, for_thread))
            .expect("spawn the stand-in's accept thread");
        StandIn {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT/v1`, the value for `base_url`.
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
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
        self.shared.connections.load(Ordering::SeqCst)
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        *lock(&self.shared.stopped) = true;
        self.shared.stop_signal.notify_all();
        for socket in lock(&self.shared.sockets).drain(..) {
            let _ = socket.shutdown(Shutdown::Both);
        }
        // Wake the accept thread, which then sees the flag and returns.
        if TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok() {
            if let Some(acceptor) = self.acceptor.take() {
                let _ = acceptor.join();
            }
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.is_stopped() {
            return;
        }
        let Ok(stream) = stream else { continue };
        {
            let mut sockets = lock(&shared.sockets);
            if shared.is_stopped() {
                return;
            }
            match stream.try_clone() {
                Ok(clone) => sockets.push(clone),
                Err(_) => continue,
            }
        }
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let for_thread = Arc::clone(&shared);
        let _ = thread::Builder::new()
            .name("openai-standin-conn".to_owned())
            .spawn(move || {
                let _ = serve(stream, &for_thread);
            });
    }
}

/// Serves one request per connection (every answer closes it, as `Connection: close` says).
fn serve(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(MAX_HOLD))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut w = stream;
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.by_ref().take(64 * 1024).read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line.trim_end().is_empty() {
            break;
        }
        head.push_str(&line);
    }
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length.min(64 * 1024 * 1024)];
    reader.read_exact(&mut body)?;
    lock(&shared.requests).push(Recorded {
        method: method.to_owned(),
        path: path.to_owned(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    if shared.is_stopped() {
        return Ok(());
    }
    if (method, path) == ("GET", MODELS_PATH) {
        let body = json!({"object": "list", "data": [{"id": LISTED_MODEL, "object": "model"}]});
        w.write_all(&response(200, "application/json", &body.to_string()))?;
        return finish(w);
    }
    if (method, path) != ("POST", CHAT_PATH) {
        let body =
            json!({"error": {"code": 404, "message": "File Not Found", "type": "not_found_error"}});
        w.write_all(&response(404, "application/json", &body.to_string()))?;
        return finish(w);
    }
    let behavior = lock(&shared.behavior).clone();
    match behavior {
        Behavior::Stream(content) => w.write_all(&stream_bytes(&content, "stop", None))?,
        Behavior::StreamTruncated(content) => {
            w.write_all(&stream_bytes(&content, "length", None))?
        }
        Behavior::StreamError { before, event } => {
            w.write_all(&stream_bytes(&before, "", Some(&event)))?
        }
        Behavior::Whole(content) => {
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
            w.write_all(&response(200, "application/json", &body.to_string()))?
        }
        Behavior::Status(status, body) => {
            w.write_all(&response(status, "application/json", &body.to_string()))?
        }
        Behavior::DropMidStream { before } => {
            let mut out = event_stream_head();
            for piece in pieces(&before) {
                out.extend(chunk(&data(&delta(json!({"content": piece}), None))));
            }
            w.write_all(&out)?;
            w.flush()?;
            return w.shutdown(Shutdown::Both);
        }
        Behavior::Hang => {
            shared.wait_stop(MAX_HOLD);
            return Ok(());
        }
        Behavior::Raw(bytes) => w.write_all(&bytes)?,
    }
    finish(w)
}

fn finish(mut w: TcpStream) -> io::Result<()> {
    w.flush()?;
    w.shutdown(Shutdown::Write)
}

/// A whole response with a Content-Length body.
fn response(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        reason(status),
        body.len()
    )
    .into_bytes()
}

fn event_stream_head() -> Vec<u8> {
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
      Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        .to_vec()
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
    out.extend(b"0\r\n\r\n");
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

/// One chunk of a chunked body.
fn chunk(text: &str) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", text.len()).into_bytes();
    out.extend(text.as_bytes());
    out.extend(b"\r\n");
    out
}

/// Pieces of 3, 4, 5, 3, ... characters, as a model streams tokens.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut size = 3;
    while !rest.is_empty() {
        let end = rest.char_indices().nth(size).map_or(rest.len(), |(i, _)| i);
        out.push(&rest[..end]);
        rest = &rest[end..];
        size = if size == 5 { 3 } else { size + 1 };
    }
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}
