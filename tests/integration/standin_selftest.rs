//! Checks of the Ollama stand-in itself, with a raw TcpStream client, so that the end-to-end tests
//! can trust it.

use crate::support::ollama::{closed_port_url, Behavior, StandIn, CONTEXT_LENGTH, DEFAULT_MODEL};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A response as read off the wire.
#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    /// The body; for a chunked body, the chunks one by one.
    chunks: Vec<Vec<u8>>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn body(&self) -> Vec<u8> {
        self.chunks.concat()
    }

    fn text(&self) -> String {
        String::from_utf8(self.body()).expect("UTF-8 body")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body()).expect("JSON body")
    }

    /// NDJSON lines of a streamed body.
    fn lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is JSON"))
            .collect()
    }
}

fn connect(standin: &StandIn) -> TcpStream {
    let stream = TcpStream::connect(standin.addr()).expect("connect to the stand-in");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("set a read timeout");
    stream
}

fn send(stream: &mut TcpStream, method: &str, path: &str, body: Option<&Value>, close: bool) {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let connection = if close { "close" } else { "keep-alive" };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: {connection}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("send request");
}

fn read_line(reader: &mut impl BufRead) -> std::io::Result<String> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(ErrorKind::UnexpectedEof.into());
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Reads one response: Content-Length, chunked, or up to EOF.
fn read_response(reader: &mut impl BufRead) -> std::io::Result<Response> {
    let status_line = read_line(reader)?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("header line");
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut response = Response {
        status,
        headers,
        chunks: Vec::new(),
    };
    if response.header("transfer-encoding") == Some("chunked") {
        loop {
            let size = usize::from_str_radix(&read_line(reader)?, 16).expect("chunk size");
            if size == 0 {
                assert_eq!(read_line(reader)?, "", "no trailers expected");
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk)?;
            let mut crlf = [0; 2];
            reader.read_exact(&mut crlf)?;
            assert_eq!(&crlf, b"\r\n");
            response.chunks.push(chunk);
        }
    } else if let Some(length) = response.header("content-length") {
        let mut body = vec![0; length.parse().expect("content-length")];
        reader.read_exact(&mut body)?;
        response.chunks.push(body);
    } else {
        let mut body = Vec::new();
        reader.read_to_end(&mut body)?;
        response.chunks.push(body);
    }
    Ok(response)
}

fn request(standin: &StandIn, method: &str, path: &str, body: Option<&Value>) -> Response {
    let mut stream = connect(standin);
    send(&mut stream, method, path, body, true);
    read_response(&mut BufReader::new(stream)).expect("a complete response")
}

fn chat_body(stream: bool) -> Value {
    json!({
        "model": "gemma3:4b",
        "messages": [
            {"role": "system", "content": "Write a commit message."},
            {"role": "user", "content": "diff --git a/hello.txt b/hello.txt"}
        ],
        "stream": stream,
        "options": {"num_ctx": 8192, "num_predict": 256, "temperature": 0.2},
        "keep_alive": "30m",
        "think": false
    })
}

#[test]
fn standin_streams_ndjson_like_ollama() {
    let reply = "Add greeting to hello.txt — with ünïcödé";
    let standin = StandIn::start(Behavior::Reply(reply.into()));
    let response = request(&standin, "POST", "/api/chat", Some(&chat_body(true)));

    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/x-ndjson")
    );
    assert_eq!(response.header("transfer-encoding"), Some("chunked"));
    assert!(response.chunks.len() > 2);
    for chunk in &response.chunks {
        let text = std::str::from_utf8(chunk).expect("each chunk is UTF-8");
        assert!(text.ends_with('\n') && text.matches('\n').count() == 1);
    }
    let lines = response.lines();
    let (last, pieces) = lines.split_last().expect("lines");
    let mut content = String::new();
    for line in pieces {
        assert_eq!(line["done"], false);
        assert_eq!(line["model"], "gemma3:4b");
        assert_eq!(line["created_at"], "2026-01-01T00:00:00Z");
        assert_eq!(line["message"]["role"], "assistant");
        let piece = line["message"]["content"].as_str().expect("content");
        assert!((1..=5).contains(&piece.chars().count()), "piece {piece:?}");
        content.push_str(piece);
    }
    assert_eq!(content, reply);
    assert_eq!(last["done"], true);
    assert_eq!(last["done_reason"], "stop");
    assert_eq!(last["message"]["content"], "");
    for counter in [
        "total_duration",
        "load_duration",
        "prompt_eval_count",
        "prompt_eval_duration",
        "eval_count",
        "eval_duration",
    ] {
        assert!(last[counter].as_u64().is_some(), "{counter} in {last}");
    }
}

#[test]
fn standin_answers_one_object_when_stream_is_false() {
    let standin = StandIn::start(Behavior::ReplyTruncated("Fix the <parser> & more".into()));
    let response = request(&standin, "POST", "/api/chat", Some(&chat_body(false)));

    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert!(response.header("content-length").is_some());
    // Go's encoding/json escapes <, > and &; a JSON client must not care.
    assert!(response.text().contains("\\u003cparser\\u003e \\u0026"));
    let answer = response.json();
    assert_eq!(answer["message"]["content"], "Fix the <parser> & more");
    assert_eq!(answer["done"], true);
    assert_eq!(answer["done_reason"], "length");
}

#[test]
fn standin_truncated_stream_ends_with_length() {
    let standin = StandIn::start(Behavior::ReplyTruncated("Add a very long".into()));
    let response = request(&standin, "POST", "/api/chat", Some(&chat_body(true)));
    let lines = response.lines();
    assert_eq!(lines.last().expect("lines")["done_reason"], "length");
}

#[test]
fn standin_thinking_streams_thinking_before_content() {
    let standin = StandIn::start(Behavior::Thinking {
        thinking: "The diff adds a file.".into(),
        content: "Add hello.txt".into(),
    });
    let response = request(&standin, "POST", "/api/chat", Some(&chat_body(true)));
    let lines = response.lines();
    let thinking: String = lines
        .iter()
        .filter_map(|l| l["message"]["thinking"].as_str())
        .collect();
    let content: String = lines
        .iter()
        .filter_map(|l| l["message"]["content"].as_str())
        .collect();
    assert_eq!(thinking, "The diff adds a file.");
    assert_eq!(content, "Add hello.txt");
}

#[test]
fn standin_status_errors_carry_an_error_object() {
    for (status, message) in [
        (404, "model \"gemma3:4b\" not found, try pulling it first"),
        (500, "llama runner process has terminated"),
        (
            503,
            "server busy, please try again.  maximum pending requests exceeded",
        ),
        (429, "too many requests"),
        (400, "invalid think value"),
    ] {
        let standin = StandIn::start(Behavior::Status(status, message.into()));
        let response = request(&standin, "POST", "/api/chat", Some(&chat_body(true)));
        assert_eq!(response.status, status);
        assert_eq!(
            response.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(response.json(), json!({ "error": message }));
    }
}

#[test]
fn standin_hang_does_not_answer_but_records() {
    let standin = StandIn::start(Behavior::Hang);
    let mut stream = connect(&standin);
    stream
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("set a read timeout");
    send(
        &mut stream,
        "POST",
        "/api/chat",
        Some(&chat_body(true)),
        false,
    );
    let start = Instant::now();
    let mut byte = [0; 1];
    let err = stream
        .read(&mut byte)
        .expect_err("the stand-in must not answer nor close");
    assert!(
        matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
        "{err:?}"
    );
    assert!(start.elapsed() >= Duration::from_millis(450));
    assert_eq!(
        standin.wait_for_requests(1, Duration::from_secs(5)).len(),
        1
    );

    // Dropping the stand-in releases the held connection promptly.
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("set a read timeout");
    let start = Instant::now();
    drop(standin);
    let released = matches!(stream.read(&mut byte), Ok(0) | Err(_));
    assert!(released && start.elapsed() < Duration::from_secs(3));
}

#[test]
fn standin_accept_no_read_connects_but_never_answers() {
    let standin = StandIn::start(Behavior::AcceptNoRead);
    let mut stream = connect(&standin);
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("set a read timeout");
    send(
        &mut stream,
        "POST",
        "/api/chat",
        Some(&chat_body(true)),
        false,
    );
    let mut byte = [0; 1];
    let err = stream.read(&mut byte).expect_err("no answer");
    assert!(matches!(
        err.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut
    ));
    assert_eq!(standin.connections(), 1);
    assert!(standin.requests().is_empty());
}

#[test]
fn standin_records_requests_with_their_json_body() {
    let standin = StandIn::start(Behavior::Reply("Add hello".into()));
    let body = chat_body(true);
    request(&standin, "POST", "/api/chat", Some(&body));
    request(&standin, "GET", "/api/version", None);

    let requests = standin.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/api/chat");
    assert_eq!(requests[0].body, body);
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(requests[1].path, "/api/version");
    assert_eq!(requests[1].body, Value::Null);

    let chats = standin.chat_requests();
    assert_eq!(chats.len(), 1);
    let chat = &chats[0];
    assert_eq!(chat["model"], "gemma3:4b");
    assert_eq!(chat["options"]["num_ctx"], 8192);
    assert_eq!(chat["options"]["num_predict"], 256);
    assert_eq!(chat["options"]["temperature"], 0.2);
    assert_eq!(chat["keep_alive"], "30m");
    assert_eq!(chat["think"], false);
    assert_eq!(chat["stream"], true);
}

#[test]
fn standin_reads_chunked_request_bodies() {
    let standin = StandIn::start(Behavior::Reply("Add hello".into()));
    let body = chat_body(false).to_string();
    let (first, second) = body.split_at(10);
    let mut stream = connect(&standin);
    let request = format!(
        "POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Transfer-Encoding: chunked\r\n\r\n{:x};ext=1\r\n{first}\r\n{:X}\r\n{second}\r\n0\r\n\r\n",
        first.len(),
        second.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let response = read_response(&mut BufReader::new(stream)).expect("response");
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["message"]["content"], "Add hello");
    assert_eq!(standin.chat_requests(), vec![chat_body(false)]);
}

#[test]
fn standin_keeps_the_connection_alive_and_follows_set_behavior() {
    let standin = StandIn::start(Behavior::Reply("first".into()));
    let mut stream = connect(&standin);
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    send(
        &mut stream,
        "POST",
        "/api/chat",
        Some(&chat_body(false)),
        false,
    );
    let first = read_response(&mut reader).expect("first response");
    assert_eq!(first.json()["message"]["content"], "first");

    standin.set_behavior(Behavior::Status(503, "busy".into()));
    send(
        &mut stream,
        "POST",
        "/api/chat",
        Some(&chat_body(false)),
        false,
    );
    let second = read_response(&mut reader).expect("second response");
    assert_eq!(second.status, 503);
    assert_eq!(second.json(), json!({"error": "busy"}));
    assert_eq!(standin.connections(), 1);
    assert_eq!(standin.chat_requests().len(), 2);
}

#[test]
fn standin_serves_the_other_endpoints() {
    let standin = StandIn::start(Behavior::Hang);

    let root = request(&standin, "GET", "/", None);
    assert_eq!(
        (root.status, root.text().as_str()),
        (200, "Ollama is running")
    );

    let version = request(&standin, "GET", "/api/version", None);
    assert_eq!(version.json(), json!({"version": "0.12.0"}));

    let tags = request(&standin, "GET", "/api/tags", None);
    assert_eq!(tags.json()["models"][0]["name"], DEFAULT_MODEL);

    let show = request(
        &standin,
        "POST",
        "/api/show",
        Some(&json!({"model": "gemma3:4b"})),
    );
    assert_eq!(
        show.json()["model_info"]["gemma3.context_length"],
        CONTEXT_LENGTH
    );

    let missing = request(&standin, "GET", "/api/nothing", None);
    assert_eq!(
        (missing.status, missing.text().as_str()),
        (404, "404 page not found")
    );
}

#[test]
fn standin_stream_error_is_a_line_with_status_200() {
    let standin = StandIn::start(Behavior::StreamError {
        before: "Add gre".into(),
        error: "an error was encountered while running the model".into(),
    });
    let response = request(&standin, "POST", "/api/chat", Some(&chat_body(true)));
    assert_eq!(response.status, 200);
    let lines = response.lines();
    assert_eq!(
        lines.last().expect("lines"),
        &json!({"error": "an error was encountered while running the model"})
    );
    assert!(lines.len() > 1);
}

#[test]
fn standin_drop_mid_body_ends_the_stream_early() {
    let standin = StandIn::start(Behavior::DropMidBody {
        before: "Add greeting".into(),
    });
    let mut stream = connect(&standin);
    send(
        &mut stream,
        "POST",
        "/api/chat",
        Some(&chat_body(true)),
        false,
    );
    let err = read_response(&mut BufReader::new(stream)).expect_err("the body is cut off");
    assert!(
        matches!(
            err.kind(),
            ErrorKind::UnexpectedEof | ErrorKind::ConnectionReset
        ),
        "{err:?}"
    );
}

#[test]
fn standin_raw_bytes_are_the_whole_response() {
    let raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>\xff\xfe</html>".to_vec();
    let standin = StandIn::start(Behavior::Raw(raw.clone()));
    let mut stream = connect(&standin);
    send(
        &mut stream,
        "POST",
        "/api/chat",
        Some(&chat_body(true)),
        false,
    );
    let mut got = Vec::new();
    stream.read_to_end(&mut got).expect("read to the close");
    assert_eq!(got, raw);
}

#[test]
fn standin_huge_sends_at_least_the_requested_bytes() {
    let standin = StandIn::start(Behavior::Huge { bytes: 200_000 });
    let response = request(&standin, "POST", "/api/chat", Some(&chat_body(true)));
    assert!(response.body().len() >= 190_000);
    let lines = response.lines();
    assert_eq!(lines.last().expect("lines")["done_reason"], "length");

    // A client that stops reading early and closes must not upset the stand-in.
    let mut stream = connect(&standin);
    send(
        &mut stream,
        "POST",
        "/api/chat",
        Some(&chat_body(true)),
        false,
    );
    let mut first = [0; 1024];
    stream.read_exact(&mut first).expect("the first KiB");
    drop(stream);
    let again = request(&standin, "GET", "/", None);
    assert_eq!(again.status, 200);
}

#[test]
fn standin_slow_bytes_trickles_a_valid_reply() {
    let standin = StandIn::start(Behavior::SlowBytes {
        content: "Add".into(),
        delay_ms: 2,
    });
    let mut stream = connect(&standin);
    send(
        &mut stream,
        "POST",
        "/api/chat",
        Some(&chat_body(true)),
        true,
    );
    let start = Instant::now();
    let mut first = [0; 16];
    let n = stream.read(&mut first).expect("first bytes");
    assert!(n < 16, "bytes should trickle, got {n} at once");
    let mut rest = first[..n].to_vec();
    stream.read_to_end(&mut rest).expect("the rest");
    // Hundreds of bytes at 2 ms each.
    assert!(start.elapsed() >= Duration::from_millis(300));
    let response = read_response(&mut BufReader::new(&rest[..])).expect("a valid response");
    let lines = response.lines();
    assert_eq!(lines[0]["message"]["content"], "Add");
    assert_eq!(lines.last().expect("lines")["done"], true);
}

#[test]
fn standin_delayed_waits_then_answers() {
    let standin = StandIn::start(Behavior::Delayed {
        delay_ms: 200,
        then: Box::new(Behavior::Reply("Add".into())),
    });
    let start = Instant::now();
    let response = request(&standin, "POST", "/api/chat", Some(&chat_body(false)));
    assert!(start.elapsed() >= Duration::from_millis(200));
    assert_eq!(response.json()["message"]["content"], "Add");
}

#[test]
fn standin_closed_port_refuses_connections() {
    let url = closed_port_url();
    let addr: SocketAddr = url
        .strip_prefix("http://")
        .expect("http URL")
        .parse()
        .expect("socket address");
    assert!(addr.ip().is_loopback());
    let err = TcpStream::connect(addr).expect_err("nothing listens");
    assert_eq!(err.kind(), ErrorKind::ConnectionRefused);
}

#[test]
fn standin_rejects_chat_without_model() {
    let standin = StandIn::start(Behavior::Reply("Add".into()));
    let response = request(
        &standin,
        "POST",
        "/api/chat",
        Some(&json!({"messages": []})),
    );
    assert_eq!(response.status, 400);
    assert_eq!(response.json(), json!({"error": "model is required"}));
}
