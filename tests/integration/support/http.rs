//! The HTTP/1.1 server the tests' stand-in model servers run on: it listens on `127.0.0.1:0`,
//! accepts connections, reads requests (a `Content-Length` or chunked body, `Expect:
//! 100-continue`, keep-alive), records each one and hands it to a [`Protocol`], which writes the
//! answer through a [`Connection`]. Writing answers is shared too: status lines and headers,
//! chunked streaming, the pieces a model streams text in, and holding a connection open until
//! the test is done with the server.
//!
//! Dropping the [`Server`] stops accepting and shuts down every connection it accepted, so no
//! held connection outlives its test.

use serde_json::Value;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Longest time a held connection (a hang, a connection never read from, an idle keep-alive) is
/// kept open when the server is not dropped first: a leaked stand-in must not keep threads
/// forever.
pub const MAX_HOLD: Duration = Duration::from_secs(120);

/// Bounds on what a request may be, so a broken client cannot make the server allocate forever.
const MAX_HEAD_LINE: u64 = 64 * 1024;
const MAX_HEADERS: usize = 200;
const MAX_BODY: usize = 64 * 1024 * 1024;

/// The zero-length chunk that ends a chunked body, without trailers.
pub const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// What a stand-in answers; the [`Server`] does everything else.
pub trait Protocol: Send + Sync + 'static {
    /// Whether a connection just accepted is held without a byte read from it, until the server
    /// is dropped or [`MAX_HOLD`] has passed.
    fn holds_unread(&self) -> bool {
        false
    }

    /// Writes the answer to `request`, which is already recorded, and says whether the
    /// connection may serve another request.
    fn answer(&self, request: &Request, conn: &mut Connection<'_>) -> io::Result<After>;
}

/// What happens to the connection after an answer.
pub enum After {
    /// Serve the next request on it, unless the client asked to close (`Connection: close`,
    /// HTTP/1.0).
    KeepAlive,
    /// Close it.
    Close,
}

/// One request as read off the wire.
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent (path and query string).
    pub path: String,
    /// `HTTP/1.1` or `HTTP/1.0`.
    pub version: String,
    /// Headers as sent, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes (after undoing chunked transfer coding).
    pub body: Vec<u8>,
}

impl Request {
    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_of(&self.headers, name)
    }

    /// The path without its query string.
    pub fn route(&self) -> &str {
        route_of(&self.path)
    }
}

/// One request as the server recorded it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target as sent (path and query string).
    pub path: String,
    /// Headers as sent, in order.
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

/// A running server for one [`Protocol`]. Dropping it stops accepting, and closes every
/// connection it holds.
pub struct Server<P> {
    addr: SocketAddr,
    shared: Arc<Shared<P>>,
    acceptor: Option<JoinHandle<()>>,
}

impl<P: Protocol> Server<P> {
    /// Starts serving `protocol` on `127.0.0.1:0`; `name` names its threads in a backtrace.
    pub fn start(name: &str, protocol: P) -> Server<P> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        Server::serve(name, protocol, listener)
    }

    /// Starts serving `protocol` at `addr` (a loopback address, `[::1]:0` for one, or a fixed
    /// port), or says why it cannot listen there.
    pub fn start_at(name: &str, protocol: P, addr: SocketAddr) -> io::Result<Server<P>> {
        assert!(
            addr.ip().is_loopback(),
            "a stand-in listens on loopback only"
        );
        Ok(Server::serve(name, protocol, TcpListener::bind(addr)?))
    }

    fn serve(name: &str, protocol: P, listener: TcpListener) -> Server<P> {
        let addr = listener
            .local_addr()
            .expect("local address of the stand-in");
        let shared = Arc::new(Shared {
            protocol,
            state: State {
                requests: Mutex::new(Vec::new()),
                connections: AtomicUsize::new(0),
                stopped: Mutex::new(false),
                stop_signal: Condvar::new(),
                sockets: Mutex::new(Vec::new()),
            },
        });
        let for_thread = Arc::clone(&shared);
        let connection_name = format!("{name}-conn");
        let acceptor = thread::Builder::new()
            .name(format!("{name}-{}", addr.port()))
            .spawn(move || accept_loop(listener, for_thread, connection_name))
            .expect("spawn the stand-in's accept thread");
        Server {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The protocol being served, for changing how it answers.
    pub fn protocol(&self) -> &P {
        &self.shared.protocol
    }
}

impl<P> Server<P> {
    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far, in arrival order (recorded once its body was read, before
    /// any answer was written).
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.state.requests).clone()
    }

    /// How many TCP connections were accepted (including ones never read from).
    pub fn connections(&self) -> usize {
        self.shared.state.connections.load(Ordering::SeqCst)
    }

    /// Waits until at least `n` requests were recorded or `timeout` passed; returns what is there.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<Recorded> {
        let deadline = Instant::now() + timeout;
        loop {
            let requests = self.requests();
            if requests.len() >= n || Instant::now() >= deadline {
                return requests;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl<P> Drop for Server<P> {
    fn drop(&mut self) {
        let state = &self.shared.state;
        *lock(&state.stopped) = true;
        state.stop_signal.notify_all();
        for socket in lock(&state.sockets).drain(..) {
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

/// The connection a [`Protocol`] writes an answer to.
pub struct Connection<'a> {
    stream: &'a mut TcpStream,
    state: &'a State,
}

impl Connection<'_> {
    /// Writes `bytes` and flushes them, so that a client reading a stream sees them now.
    pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Closes the connection both ways at once, whatever the answer still owed.
    pub fn cut(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// Waits for `duration` or until the server is dropped; true when it was dropped.
    pub fn hold(&self, duration: Duration) -> bool {
        self.state.wait_stop(duration)
    }

    /// Whether the server was dropped, so that a long answer can stop.
    pub fn is_stopped(&self) -> bool {
        self.state.is_stopped()
    }

    /// Every request recorded so far, the one being answered included.
    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.state.requests).clone()
    }
}

/// A status line and these headers, then the blank line that ends the head.
pub fn head(status: u16, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// One chunk of a chunked body, as a server writes one flushed write.
pub fn chunk(data: &str) -> Vec<u8> {
    let mut out = format!("{:x}\r\n", data.len()).into_bytes();
    out.extend(data.as_bytes());
    out.extend(b"\r\n");
    out
}

/// Splits into pieces of 3, 4, 5, 3, 4, 5... characters, always at char boundaries, as a model
/// streams tokens.
pub fn pieces(text: &str) -> Vec<&str> {
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

/// `Thu, 01 Jan 2026 00:00:00 GMT` (RFC 9110 IMF-fixdate), for a `Date` header.
pub fn date(time: SystemTime) -> String {
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

/// A panicking connection thread must not poison the stand-in for the test that owns it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

struct Shared<P> {
    protocol: P,
    state: State,
}

/// What the server keeps whatever the protocol.
struct State {
    requests: Mutex<Vec<Recorded>>,
    connections: AtomicUsize,
    stopped: Mutex<bool>,
    stop_signal: Condvar,
    /// Clones of every accepted socket, shut down on drop to wake blocked threads.
    sockets: Mutex<Vec<TcpStream>>,
}

impl State {
    fn is_stopped(&self) -> bool {
        *lock(&self.stopped)
    }

    /// Sleeps for `duration` or until the server is dropped; true when it was dropped.
    fn wait_stop(&self, duration: Duration) -> bool {
        let guard = lock(&self.stopped);
        let (guard, _) = self
            .stop_signal
            .wait_timeout_while(guard, duration, |stopped| !*stopped)
            .unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

fn accept_loop<P: Protocol>(listener: TcpListener, shared: Arc<Shared<P>>, name: String) {
    let state = &shared.state;
    for stream in listener.incoming() {
        if state.is_stopped() {
            return;
        }
        let Ok(stream) = stream else { continue };
        {
            let mut sockets = lock(&state.sockets);
            // Checked again under the lock so Drop cannot miss a socket accepted concurrently.
            if state.is_stopped() {
                return;
            }
            match stream.try_clone() {
                Ok(clone) => sockets.push(clone),
                Err(_) => continue,
            }
        }
        state.connections.fetch_add(1, Ordering::SeqCst);
        let for_thread = Arc::clone(&shared);
        let _ = thread::Builder::new()
            .name(name.clone())
            .spawn(move || serve_connection(stream, &for_thread));
    }
}

fn serve_connection<P: Protocol>(stream: TcpStream, shared: &Shared<P>) {
    let state = &shared.state;
    if shared.protocol.holds_unread() {
        state.wait_stop(MAX_HOLD);
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
                if !state.is_stopped() {
                    let _ = writer.write_all(&bad_request());
                }
                return;
            }
        };
        if state.is_stopped() {
            return;
        }
        lock(&state.requests).push(Recorded {
            method: request.method.clone(),
            path: request.path.clone(),
            headers: request.headers.clone(),
            body: serde_json::from_slice(&request.body).unwrap_or(Value::Null),
            raw_body: request.body.clone(),
        });
        let wants_close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
            || request.version == "HTTP/1.0";
        let mut conn = Connection {
            stream: &mut writer,
            state,
        };
        match shared.protocol.answer(&request, &mut conn) {
            Ok(After::KeepAlive) if !wants_close => continue,
            _ => {
                let _ = writer.flush();
                let _ = writer.shutdown(Shutdown::Write);
                return;
            }
        }
    }
}

/// The answer to a request that could not be read, as Go's net/http writes it.
fn bad_request() -> Vec<u8> {
    const BODY: &str = "400 Bad Request";
    let mut out = head(
        400,
        &[
            ("Content-Type", "text/plain; charset=utf-8"),
            ("Date", &date(SystemTime::now())),
            ("Content-Length", &BODY.len().to_string()),
        ],
    );
    out.extend(BODY.as_bytes());
    out
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

/// Reads one request; `Ok(None)` when the client closed between requests.
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

/// `content` as a server sends it when asked to stop at any of `stop` (Ollama's
/// `options.stop`, OpenAI's `stop`): up to the first of them, without it; and whether it was
/// cut there, which ends the reply with a `stop` reason.
pub fn stopped<'c>(content: &'c str, stop: &[String]) -> (&'c str, bool) {
    match stop.iter().filter_map(|s| content.find(s.as_str())).min() {
        Some(at) => (&content[..at], true),
        None => (content, false),
    }
}
