//! An in-process stand-in for Ollama's HTTP API: a real HTTP/1.1 server on `127.0.0.1:0` that
//! answers `/api/chat` the way Ollama does (NDJSON stream or one JSON object, `{"error"}` bodies)
//! and records every request so tests can assert on what the client sent.
//!
//! The configured [`Behavior`] governs `POST /api/chat` only (plus [`Behavior::AcceptNoRead`],
//! which acts before any request is read). The other endpoints always answer normally:
//! `GET|HEAD /`, `GET|HEAD /api/version`, `GET /api/tags`, `POST /api/show`; any other path is
//! `404 page not found`, as from Ollama's router.

use serde_json::Value;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The model the stand-in lists in `/api/tags` unless told otherwise (the crate's default model).
pub const DEFAULT_MODEL: &str = "gemma3:4b";

/// The version `/api/version` reports.
pub const VERSION: &str = "0.12.0";

/// The trained context length `/api/show` reports as `<arch>.context_length`.
pub const CONTEXT_LENGTH: u64 = 8192;

/// The fixed `created_at` of every chat response line.
pub const CREATED_AT: &str = "2026-01-01T00:00:00Z";

/// Longest time a held connection (`Hang`, `AcceptNoRead`, idle keep-alive) is kept open when the
/// stand-in is not dropped first: a leaked stand-in must not keep threads forever.
const MAX_HOLD: Duration = Duration::from_secs(120);

/// Bounds on what a request may be, so a broken client cannot make the stand-in allocate forever.
const MAX_HEAD_LINE: u64 = 64 * 1024;
const MAX_HEADERS: usize = 200;
const MAX_BODY: usize = 64 * 1024 * 1024;

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

/// One request as the stand-in received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent (path and query string).
    pub path: String,
    /// Header names as sent, in order.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON; `Value::Null` when empty or not JSON.
    pub body: Value,
    /// The body bytes (after undoing chunked transfer coding).
    pub raw_body: Vec<u8>,
}

impl Recorded {
    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_of(&self.headers, name)
    }

    /// The path without its query string.
    pub fn route(&self) -> &str {
        route_of(&self.path)
    }
}

/// The running stand-in. Dropping it stops accepting, and closes every connection it holds.
pub struct StandIn {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl StandIn {
    /// Start a stand-in serving [`DEFAULT_MODEL`] with this behaviour.
    pub fn start(behavior: Behavior) -> StandIn {
        StandIn::with_model(behavior, DEFAULT_MODEL)
    }

    /// Start a stand-in whose `/api/tags` lists `model`.
    pub fn with_model(behavior: Behavior, model: &str) -> StandIn {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("local address of the stand-in");
        let shared = Arc::new(Shared {
            behavior: Mutex::new(behavior),
            model: Mutex::new(model.to_owned()),
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            stopped: Mutex::new(false),
            stop_signal: Condvar::new(),
            sockets: Mutex::new(Vec::new()),
        });
        let for_thread = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name(format!("ollama-standin-{}", addr.port()))
            .spawn(move || accept_loop(listener, for_thread))
            .expect("spawn the stand-in's accept thread");
        StandIn {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `http://127.0.0.1:PORT`, the value for `OLLAMA_HOST` or the config's `host`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address the stand-in listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How requests to `/api/chat` that arrive from now on are answered.
    pub fn set_behavior(&self, behavior: Behavior) {
        *lock(&self.shared.behavior) = behavior;
    }

    /// The model name `/api/tags` lists from now on.
    pub fn set_model(&self, model: &str) {
        *lock(&self.shared.model) = model.to_owned();
    }

    /// Every request received so far, in arrival order (recorded once its body was read, before
    /// any answer was written).
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.requests).clone()
    }

    /// The JSON bodies of the `POST /api/chat` requests received so far.
    pub fn chat_requests(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.route() == "/api/chat")
            .map(|r| r.body)
            .collect()
    }

    /// How many TCP connections were accepted (including ones never read from).
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Wait until at least `n` requests were recorded or `timeout` passed; returns what is there.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<Recorded> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let requests = self.requests();
            if requests.len() >= n || std::time::Instant::now() >= deadline {
                return requests;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        *lock(&self.shared.stopped) = true;
        self.shared.stop_signal.notify_all();
        for socket in lock(&self.shared.sockets).drain(..) {
            let _ = socket.shutdown(Shutdown::Both);
        }
        // Wake the accept thread, which then sees the flag and returns, closing the listener.
        let woke = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2)).is_ok();
        if let Some(acceptor) = self.acceptor.take() {
            if woke {
                let _ = acceptor.join();
            }
        }
    }
}

/// `http://127.0.0.1:PORT` where nothing listens: a port just bound and released again.
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}")
}

struct Shared {
    behavior: Mutex<Behavior>,
    model: Mutex<String>,
    requests: Mutex<Vec<Recorded>>,
    connections: AtomicUsize,
    stopped: Mutex<bool>,
    stop_signal: Condvar,
    /// Clones of every accepted socket, shut down on drop to wake blocked threads.
    sockets: Mutex<Vec<TcpStream>>,
}

impl Shared {
    fn is_stopped(&self) -> bool {
        *lock(&self.stopped)
    }

    /// Sleep for `duration` or until the stand-in is dropped; true when it was dropped.
    fn wait_stop(&self, duration: Duration) -> bool {
        let guard = lock(&self.stopped);
        let (guard, _) = self
            .stop_signal
            .wait_timeout_while(guard, duration, |stopped| !*stopped)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

/// A panicking connection thread must not poison the stand-in for the test that owns it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.is_stopped() {
            return;
        }
        let Ok(stream) = stream else { continue };
        {
            let mut sockets = lock(&shared.sockets);
            // Checked again under the lock so Drop cannot miss a socket accepted concurrently.
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
            .name("ollama-standin-conn".to_owned())
            .spawn(move || serve_connection(stream, for_thread));
    }
}

/// What happens to the connection after a response.
enum After {
    KeepAlive,
    Close,
}

fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    if matches!(*lock(&shared.behavior), Behavior::AcceptNoRead) {
        shared.wait_stop(MAX_HOLD);
        return;
    }
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(MAX_HOLD));
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        let request = match read_request(&mut reader, &mut writer) {
            Ok(Some(request)) => request,
            Ok(None) => return,
            Err(_) => {
                if !shared.is_stopped() {
                    let _ = write_plain(
                        &mut writer,
                        400,
                        "text/plain; charset=utf-8",
                        "400 Bad Request",
                        false,
                    );
                }
                return;
            }
        };
        if shared.is_stopped() {
            return;
        }
        lock(&shared.requests).push(Recorded {
            method: request.method.clone(),
            path: request.path.clone(),
            headers: request.headers.clone(),
            body: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
            raw_body: request.body.clone(),
        });
        let wants_close = header_of(&request.headers, "connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
            || request.version == "HTTP/1.0";
        match route(&shared, &request, &mut writer) {
            Ok(After::KeepAlive) if !wants_close => continue,
            _ => {
                let _ = writer.flush();
                let _ = writer.shutdown(Shutdown::Write);
                return;
            }
        }
    }
}

struct Request {
    method: String,
    path: String,
    version: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// One line without its CRLF; `None` at a clean end of stream.
fn read_line(reader: &mut BufReader<TcpStream>) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(MAX_HEAD_LINE)
        .read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(bad("line too long or cut off"));
    }
    line.pop();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| bad("non-UTF-8 head"))
}

/// Read one request; `Ok(None)` when the client closed between requests.
fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> io::Result<Option<Request>> {
    let request_line = loop {
        match read_line(reader)? {
            None => return Ok(None),
            Some(line) if line.is_empty() => continue,
            Some(line) => break line,
        }
    };
    let mut parts = request_line.split(' ');
    let (Some(method), Some(path), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("malformed request line"));
    };
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or_else(|| bad("end of stream in headers"))?;
        if line.is_empty() {
            break;
        }
        if headers.len() >= MAX_HEADERS {
            return Err(bad("too many headers"));
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad("header without colon"))?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    if header_of(&headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let chunked = header_of(&headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        read_chunked_body(reader)?
    } else if let Some(length) = header_of(&headers, "content-length") {
        let length: usize = length.parse().map_err(|_| bad("bad content-length"))?;
        if length > MAX_BODY {
            return Err(bad("body too large"));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        body
    } else {
        Vec::new()
    };
    Ok(Some(Request {
        method: method.to_owned(),
        path: path.to_owned(),
        version: version.to_owned(),
        headers,
        body,
    }))
}

fn read_chunked_body(reader: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?.ok_or_else(|| bad("end of stream in chunk size"))?;
        let size = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| bad("bad chunk size"))?;
        if size == 0 {
            // Trailers, up to the empty line.
            while !read_line(reader)?
                .ok_or_else(|| bad("end of stream in trailers"))?
                .is_empty()
            {}
            return Ok(body);
        }
        if body.len() + size > MAX_BODY {
            return Err(bad("body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0; 2];
        reader.read_exact(&mut crlf)?;
        if &crlf != b"\r\n" {
            return Err(bad("chunk not followed by CRLF"));
        }
    }
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn route_of(path: &str) -> &str {
    path.split('?').next().unwrap_or(path)
}

fn route(shared: &Shared, request: &Request, w: &mut TcpStream) -> io::Result<After> {
    let head_only = request.method == "HEAD";
    match (request.method.as_str(), route_of(&request.path)) {
        ("GET" | "HEAD", "/") => write_plain(
            w,
            200,
            "text/plain; charset=utf-8",
            "Ollama is running",
            head_only,
        ),
        ("GET" | "HEAD", "/api/version") => {
            let body = obj(&[("version", js(VERSION))]);
            write_plain(w, 200, JSON, &body, head_only)
        }
        ("GET", "/api/tags") => {
            let model = lock(&shared.model).clone();
            let body = obj(&[("models", format!("[{}]", model_entry(&model)))]);
            write_plain(w, 200, JSON, &body, false)
        }
        ("POST", "/api/show") => show(request, w),
        ("POST", "/api/chat") => chat(shared, request, w),
        _ => write_plain(
            w,
            404,
            "text/plain; charset=utf-8",
            "404 page not found",
            false,
        ),
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

fn show(request: &Request, w: &mut TcpStream) -> io::Result<After> {
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let model = body
        .get("model")
        .or_else(|| body.get("name"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if model.is_empty() {
        return write_error(w, 400, "model is required");
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
    write_plain(w, 200, JSON, &answer, false)
}

/// What the chat request asked for, as far as the answer depends on it.
struct ChatAsk {
    model: String,
    stream: bool,
    prompt_tokens: u64,
}

fn chat(shared: &Shared, request: &Request, w: &mut TcpStream) -> io::Result<After> {
    let behavior = lock(&shared.behavior).clone();
    if request.body.is_empty() {
        return write_error(w, 400, "missing request body");
    }
    let body: Value = match serde_json::from_slice(&request.body) {
        Ok(body) => body,
        Err(e) => return write_error(w, 400, &e.to_string()),
    };
    let model = body.get("model").and_then(Value::as_str).unwrap_or("");
    if model.is_empty() {
        return write_error(w, 400, "model is required");
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
    };
    let behavior = match behavior {
        Behavior::Sequence(list) if !list.is_empty() => {
            // This request is already recorded: the count of chat requests numbers it.
            let n = lock(&shared.requests)
                .iter()
                .filter(|r| r.method == "POST" && r.route() == "/api/chat")
                .count();
            list[n.saturating_sub(1).min(list.len() - 1)].clone()
        }
        other => other,
    };
    answer_chat(shared, &ask, behavior, w)
}

fn answer_chat(
    shared: &Shared,
    ask: &ChatAsk,
    behavior: Behavior,
    w: &mut TcpStream,
) -> io::Result<After> {
    match behavior {
        Behavior::Reply(content) => {
            w.write_all(&reply_bytes(ask, "", &content, "stop"))?;
            w.flush()?;
            Ok(After::KeepAlive)
        }
        Behavior::ReplyTruncated(content) => {
            w.write_all(&reply_bytes(ask, "", &content, "length"))?;
            w.flush()?;
            Ok(After::KeepAlive)
        }
        Behavior::Thinking { thinking, content } => {
            w.write_all(&reply_bytes(ask, &thinking, &content, "stop"))?;
            w.flush()?;
            Ok(After::KeepAlive)
        }
        Behavior::Status(status, message) => write_error(w, status, &message),
        Behavior::Hang | Behavior::AcceptNoRead => {
            shared.wait_stop(MAX_HOLD);
            Ok(After::Close)
        }
        Behavior::SlowBytes { content, delay_ms } => {
            let bytes = reply_bytes(ask, "", &content, "stop");
            for byte in bytes {
                w.write_all(&[byte])?;
                w.flush()?;
                if shared.wait_stop(Duration::from_millis(delay_ms)) {
                    return Ok(After::Close);
                }
            }
            Ok(After::KeepAlive)
        }
        Behavior::Raw(bytes) => {
            w.write_all(&bytes)?;
            w.flush()?;
            Ok(After::Close)
        }
        Behavior::StreamError { before, error } => {
            if !ask.stream {
                return write_error(w, 500, &error);
            }
            let mut out = head(200, NDJSON, None);
            for piece in pieces(&before) {
                out.extend(chunk(&content_line(&ask.model, "", piece)));
            }
            out.extend(chunk(&line(&obj(&[("error", js(error.as_str()))]))));
            out.extend(b"0\r\n\r\n");
            w.write_all(&out)?;
            w.flush()?;
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
            w.write_all(&out)?;
            w.flush()?;
            let _ = w.shutdown(Shutdown::Both);
            Ok(After::Close)
        }
        Behavior::Huge { bytes } => huge(shared, ask, bytes, w),
        // Resolved in `chat`; an empty list answers like an empty reply.
        Behavior::Sequence(list) => {
            let last = list.into_iter().last();
            answer_chat(
                shared,
                ask,
                last.unwrap_or(Behavior::Reply(String::new())),
                w,
            )
        }
        Behavior::Delayed { delay_ms, then } => {
            if shared.wait_stop(Duration::from_millis(delay_ms)) {
                return Ok(After::Close);
            }
            answer_chat(shared, ask, *then, w)
        }
    }
}

fn huge(shared: &Shared, ask: &ChatAsk, bytes: usize, w: &mut TcpStream) -> io::Result<After> {
    const WORDS: &str = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
    if !ask.stream {
        let content: String = WORDS.chars().cycle().take(bytes).collect();
        w.write_all(&reply_bytes(ask, "", &content, "length"))?;
        w.flush()?;
        return Ok(After::KeepAlive);
    }
    let mut sent = 0;
    let head = head(200, NDJSON, None);
    sent += head.len();
    w.write_all(&head)?;
    let mut lines = 0_u64;
    while sent < bytes {
        if shared.is_stopped() {
            return Ok(After::Close);
        }
        let piece = chunk(&content_line(&ask.model, "", WORDS));
        w.write_all(&piece)?;
        sent += piece.len();
        lines += 1;
    }
    let mut end = chunk(&final_line(ask, "length", lines));
    end.extend(b"0\r\n\r\n");
    w.write_all(&end)?;
    w.flush()?;
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
    out.extend(b"0\r\n\r\n");
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
    fields.extend(counters(ask.prompt_tokens, eval_count as u64));
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
    fields.extend(counters(ask.prompt_tokens, eval_count.max(1)));
    line(&obj(&fields))
}

fn counters(prompt_tokens: u64, eval_count: u64) -> Vec<(&'static str, String)> {
    vec![
        ("total_duration", js(1_234_567_890_u64)),
        ("load_duration", js(45_678_901_u64)),
        ("prompt_eval_count", js(prompt_tokens)),
        ("prompt_eval_duration", js(123_456_789_u64)),
        ("eval_count", js(eval_count)),
        ("eval_duration", js(987_654_321_u64)),
    ]
}

/// Splits into pieces of 3, 4, 5, 3, 4, 5... characters, always at char boundaries, as a model
/// streams tokens.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut size = 3;
    while !rest.is_empty() {
        let end = rest
            .char_indices()
            .nth(size)
            .map_or(rest.len(), |(index, _)| index);
        out.push(&rest[..end]);
        rest = &rest[end..];
        size = if size == 5 { 3 } else { size + 1 };
    }
    out
}

/// One NDJSON line as Ollama writes it: Go's encoding, then a newline.
fn line(json: &str) -> String {
    format!("{}\n", go_escape(json.to_owned()))
}

/// One chunk of a chunked body, as Go's net/http writes a flushed write.
fn chunk(data: &str) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend(data.as_bytes());
    out.extend(b"\r\n");
    out
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

/// Status line and headers; `length` None means chunked.
fn head(status: u16, content_type: &str, length: Option<usize>) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nDate: {}\r\n",
        reason(status),
        http_date(SystemTime::now())
    );
    match length {
        Some(length) => out.push_str(&format!("Content-Length: {length}\r\n")),
        None => out.push_str("Transfer-Encoding: chunked\r\n"),
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn write_plain(
    w: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &str,
    head_only: bool,
) -> io::Result<After> {
    let mut out = head(status, content_type, Some(body.len()));
    if !head_only {
        out.extend(body.as_bytes());
    }
    w.write_all(&out)?;
    w.flush()?;
    Ok(After::KeepAlive)
}

/// `{"error": message}` as gin's `c.JSON(status, gin.H{"error": ...})` writes it.
fn write_error(w: &mut TcpStream, status: u16, message: &str) -> io::Result<After> {
    let body = go_escape(obj(&[("error", js(message))]));
    write_plain(w, status, JSON, &body, false)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Request Entity Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// `Thu, 01 Jan 2026 00:00:00 GMT` (RFC 9110 IMF-fixdate).
fn http_date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let (hour, minute, second) = (secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    // Howard Hinnant's days_from_civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {hour:02}:{minute:02}:{second:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize]
    )
}
