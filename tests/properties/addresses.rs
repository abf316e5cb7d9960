//! Properties of reading a model server's address (`llm::Address`): whatever the text, reading
//! it never panics, the consent check lets through plain http only to this machine (and https
//! anywhere), a plain-http URI it lets through connects to a loopback address, and the client
//! is handed the scheme, host and port that were checked.

use std::net::IpAddr;

use ai_commit::llm::{check_destination, Address, Api};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use ureq::http::Uri;

/// Pieces addresses are made of, the ones parsers disagree on most among them.
const PIECES: &[&str] = &[
    "http://",
    "HTTP://",
    "https://",
    "//",
    "/",
    "\\",
    "@",
    ":",
    "?",
    "#",
    "[",
    "]",
    "%",
    "%40",
    "%2F",
    "%3F",
    "%23",
    "%5C",
    "%00",
    ".",
    "-",
    "_",
    "+",
    " ",
    "\t",
    "\n",
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0x7f000001",
    "0.0.0.0",
    "localhost",
    "LOCALHOST",
    ".localhost",
    "::1",
    "[::1]",
    "::",
    "::ffff:",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "fe80::1%25lo",
    "10.0.0.1",
    "192.0.2.1",
    "evil",
    "evil.example",
    "user",
    "user:pw",
    "11434",
    "8080",
    "0",
    "65535",
    "65536",
    "99999",
    "v1",
    "api",
    "\u{ff0e}",
    "\u{ff20}",
    "\u{2044}",
];

/// Hosts, this machine's and others', in the spellings resolvers take.
const HOSTS: &[&str] = &[
    "127.0.0.1",
    "127.8.9.10",
    "127.1",
    "2130706433",
    "0x7f000001",
    "017.0.0.1",
    "0.0.0.0",
    "localhost",
    "LocalHost",
    "evil.localhost",
    "localhost.",
    "[::1]",
    "[::]",
    "::1",
    "[::ffff:127.0.0.1]",
    "[::ffff:10.0.0.1]",
    "[0:0:0:0:0:ffff:7f00:1]",
    "[fe80::1%25lo]",
    "10.0.0.1",
    "192.0.2.1",
    "evil",
    "evil.example",
    "",
    "%31%32%37.0.0.1",
];

/// What may come between two authorities in a hostile address.
const BETWEEN: &[&str] = &[
    "?", "#", "\\", "/", "/?", "?/", "%3F", "%23", "%2F", "%40", "", ":", "@", ";", ",",
];

/// `[scheme][user@]host[:port][junk@host[:port]][/path]`: two hosts, one of which the check or
/// the client might take for the other.
fn two_hosts() -> impl Strategy<Value = String> {
    let port = prop::option::of(select(
        &["1", "80", "11434", "65535", "0", "+5", "99999", ""][..],
    ));
    (
        select(&["", "http://", "HTTP://", "http:/", "//"][..]),
        prop::option::of(select(
            &["user", "user:pw", "127.0.0.1:1", "localhost", ""][..],
        )),
        select(HOSTS),
        port.clone(),
        prop::option::of((select(BETWEEN), select(HOSTS), port)),
        select(&["", "/", "/v1", "/v1/", "/a@b"][..]),
    )
        .prop_map(|(scheme, user, host, port, second, path)| {
            let mut text = scheme.to_string();
            if let Some(user) = user {
                text.push_str(&format!("{user}@"));
            }
            text.push_str(host);
            if let Some(port) = port {
                text.push_str(&format!(":{port}"));
            }
            if let Some((between, host, port)) = second {
                text.push_str(&format!("{between}@{host}"));
                if let Some(port) = port {
                    text.push_str(&format!(":{port}"));
                }
            }
            text.push_str(path);
            text
        })
}

/// Text shaped like an address: two hosts run together, pieces joined, sometimes with
/// arbitrary text among them.
fn address_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => two_hosts(),
        4 => vec(select(PIECES), 1..10).prop_map(|p| p.concat()),
        2 => (
            vec(select(PIECES), 0..6),
            crate::gen::any_text(12),
            vec(select(PIECES), 0..6),
        )
            .prop_map(|(a, t, b)| format!("{}{t}{}", a.concat(), b.concat())),
        1 => crate::gen::any_text(40),
    ]
}

/// Whether the client connects to this machine when given `uri`: the host ureq resolves is an
/// IP literal of a loopback address (IPv4-mapped ones included) or `localhost`.
fn connects_to_loopback(uri: &Uri) -> bool {
    let Some(host) = uri.host() else {
        return false;
    };
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.to_canonical().is_loopback())
}

fn check(text: &str, default_port: Option<u16>, api: Api) -> Result<(), String> {
    let Ok(address) = Address::parse(text, default_port, api) else {
        return Ok(());
    };
    let allowed = check_destination(&address, false).is_ok();
    // https may leave this machine without consent (TLS protects it); plain http may not.
    if allowed != (address.is_this_machine() || address.is_tls()) {
        return Err(format!(
            "the check and is_this_machine disagree on {text:?}"
        ));
    }
    let scheme = if address.is_tls() { "https" } else { "http" };
    for suffix in ["", "/api/chat", "/chat/completions"] {
        let uri = address.endpoint(suffix);
        if uri.scheme_str() != Some(scheme) {
            return Err(format!("{text:?} is {scheme}, the client is given {uri}"));
        }
        if allowed && !address.is_tls() && !connects_to_loopback(&uri) {
            return Err(format!(
                "{text:?} passed the check, but the client is given {uri}"
            ));
        }
        let port = uri
            .port_u16()
            .unwrap_or(if address.is_tls() { 443 } else { 80 });
        if uri.host() != Some(address.host()) || port != address.port() {
            return Err(format!(
                "{text:?}: checked {}:{}, the client is given {uri}",
                address.host(),
                address.port()
            ));
        }
        // What is shown never carries the credentials the client sends: at most a `***@`
        // where they are.
        let shown = address.to_string();
        let has_credentials = uri.authority().is_some_and(|a| a.as_str().contains('@'));
        let expected = if has_credentials {
            format!("{scheme}://***@")
        } else {
            format!("{scheme}://")
        };
        if !shown.starts_with(&expected) || shown[expected.len()..].contains('@') {
            return Err(format!("{text:?} is shown as {shown}"));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(crate::config(2000))]

    /// Whatever the text, an address the check calls this machine is one the client reaches on
    /// loopback, at the host and port that were checked.
    #[test]
    fn the_checked_host_is_the_connected_host(text in address_text()) {
        check(&text, Some(11434), Api::Ollama).map_err(TestCaseError::fail)?;
        check(&text, None, Api::OpenAi).map_err(TestCaseError::fail)?;
    }
}
