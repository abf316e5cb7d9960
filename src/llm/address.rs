//! A model server's address, read once: the text of `host` or `base_url` is parsed by the HTTP
//! client's own URI parser into one [`Address`], the consent check looks at the host that
//! value names, and the client is handed URIs built from that same value, so the check and the
//! connection can never disagree about where the diff goes.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr};

use ureq::http::uri::{Authority, Scheme, Uri};

use super::{Api, LlmError};

/// A model server's base address: `http` or `https`, a host and port, and a path, with any
/// credentials the person wrote in it. Displayed (and so in every message) without the
/// credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Address {
    /// `https`: the connection is TLS, and the host is verified against trusted authorities.
    tls: bool,
    /// What the client connects to (host and port) and authenticates with (credentials),
    /// exactly as the client reads it; the host checked and shown is read from it, never from
    /// the text again.
    authority: Authority,
    /// The port, when the address or its API's default names one; otherwise the scheme's (80
    /// or 443).
    port: Option<u16>,
    /// The base path without a trailing `/`: `""` or `/v1`.
    path: String,
}

impl Address {
    /// Reads an address of the form `[http[s]://][user[:password]@]host[:port][/path]`. No
    /// scheme means http; no port means `default_port` for http (or http's 80 when that is
    /// `None`) and 443 for https, which is a proxy's or a hosted service's port; the
    /// bind-all addresses (`0.0.0.0`, `::`, an empty host as in `:8080`) mean this machine, and
    /// a bare IPv6 address (`::1`, as `OLLAMA_HOST` may say) is one without a port.
    ///
    /// Refused, because parsers disagree on where such an address ends and the diff could go
    /// to a host nobody checked: a query, a fragment or a backslash anywhere, an `@` beyond the
    /// one that ends the credentials, a port that is not a plain number, a host that is neither
    /// an address literal nor a host name.
    pub fn parse(text: &str, default_port: Option<u16>, api: Api) -> Result<Address, LlmError> {
        let bad = |why: &str| LlmError::BadAddress {
            api,
            url: hide_credentials(text.trim()),
            why: why.to_string(),
        };
        let text = text.trim();
        if text.is_empty() {
            return Err(bad("it is empty"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it holds a space or a control character"));
        }
        if text.contains(['?', '#', '\\']) {
            return Err(bad(
                "it holds `?`, `#` or `\\` (in a password, write them as %3F, %23 and %5C)",
            ));
        }
        let (scheme, rest) = match text.split_once("://") {
            Some((s, r)) => (s.to_ascii_lowercase(), r),
            None => ("http".to_string(), text),
        };
        let tls = match scheme.as_str() {
            "http" => false,
            "https" => true,
            _ => return Err(bad("the scheme must be http or https")),
        };
        let default_port = if tls { None } else { default_port };
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let authority = if authority.matches(':').count() > 1 && !authority.contains(['[', '@']) {
            format!("[{authority}]")
        } else {
            authority.to_string()
        };
        let uri: Uri = format!("http://{authority}{path}")
            .parse()
            .map_err(|_| bad("it is not a URL"))?;
        let parsed = uri.authority().ok_or_else(|| bad("it names no host"))?;
        let (userinfo, host_port) = match parsed.as_str().rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, parsed.as_str()),
        };
        if userinfo.is_some_and(|u| u.contains('@')) || uri.path().contains('@') {
            return Err(bad(
                "it holds more than one `@` (in a password, write it as %40)",
            ));
        }
        let port_text = host_port
            .strip_prefix(parsed.host())
            .ok_or_else(|| bad("cannot read host:port"))?;
        let port = match port_text {
            "" => default_port,
            _ => Some(
                read_port(port_text)
                    .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
            ),
        };
        let host = match parsed.host() {
            "" | "0.0.0.0" => "127.0.0.1",
            "[::]" => "[::1]",
            h => h,
        };
        if !is_host(host) {
            return Err(bad("the host is neither an IP address nor a host name"));
        }
        let mut rebuilt = String::new();
        if let Some(userinfo) = userinfo {
            rebuilt.push_str(userinfo);
            rebuilt.push('@');
        }
        rebuilt.push_str(host);
        if let Some(port) = port {
            rebuilt.push_str(&format!(":{port}"));
        }
        let authority =
            Authority::try_from(rebuilt.as_str()).map_err(|_| bad("it is not a URL"))?;
        // What the client will read from the value it is given must be what was checked.
        if authority.host() != host || authority.port_u16() != port {
            return Err(bad("cannot read host:port"));
        }
        let address = Address {
            tls,
            authority,
            port,
            path: uri.path().trim_end_matches('/').to_string(),
        };
        // Every endpoint is this path plus a fixed suffix: build one now so a path the client
        // would refuse is refused here, with the address named.
        address
            .try_endpoint("")
            .ok_or_else(|| bad("its path is not valid"))?;
        Ok(address)
    }

    /// Whether the host the client connects to is this machine: `localhost`, 127.0.0.0/8, `::1`
    /// or an IPv4-mapped loopback address (`[::ffff:127.0.0.1]`). Only address literals and
    /// `localhost` count: any other name is whatever a resolver makes of it, and forms such as
    /// `2130706433` or `127.1` are names to the parser.
    pub fn is_this_machine(&self) -> bool {
        let host = self.host();
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        bare.eq_ignore_ascii_case("localhost")
            || bare
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.to_canonical().is_loopback())
    }

    /// The host the client connects to, as written in the URI (IPv6 in brackets).
    pub fn host(&self) -> &str {
        self.authority.host()
    }

    /// The port the client connects to.
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(if self.tls { 443 } else { 80 })
    }

    /// Whether the address is `https`: the connection is encrypted and the server proves it is
    /// the host named.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// The URI of the endpoint at `suffix` (`/api/chat`) under this address: the same parsed
    /// host, port and credentials, the base path and the suffix.
    pub fn endpoint(&self, suffix: &str) -> Uri {
        self.try_endpoint(suffix)
            .expect("a path that built a URI with no suffix builds one with a fixed suffix")
    }

    fn try_endpoint(&self, suffix: &str) -> Option<Uri> {
        let path = format!("{}{suffix}", self.path);
        Uri::builder()
            .scheme(if self.tls {
                Scheme::HTTPS
            } else {
                Scheme::HTTP
            })
            .authority(self.authority.clone())
            .path_and_query(if path.is_empty() { "/" } else { path.as_str() })
            .build()
            .ok()
    }
}

/// `http[s]://host[:port][/path]`, with `***@` where credentials are: what every message shows.
impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = if self.authority.as_str().contains('@') {
            "***@"
        } else {
            ""
        };
        let scheme = if self.tls { "https" } else { "http" };
        write!(f, "{scheme}://{credentials}{}", self.host())?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        f.write_str(&self.path)
    }
}

/// As displayed: a debug dump must not show the credentials either.
impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

/// An address as written, with whatever may be a credential hidden: everything between the
/// scheme and the last `@` becomes `***`. For showing text that is not (or not yet) an
/// [`Address`]: a refused one, or the configured value in `ai-commit config`.
pub fn hide_credentials(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((s, r)) if is_scheme(s) => (&text[..s.len() + 3], r),
        _ => ("", text),
    };
    match rest.rsplit_once('@') {
        Some((_, after)) => format!("{scheme}***@{after}"),
        None => text.to_string(),
    }
}

/// Refuses a plain http address that leaves this machine unless `allow_remote` says the user
/// chose it: a diff holds source code and perhaps secrets, and plain http shows it to the
/// network. An https address may name any host: only the user's own file, environment or
/// command line can set an address (a repository file may not), so naming it is the consent,
/// and TLS keeps the diff between this machine and the host named.
pub fn check_destination(address: &Address, allow_remote: bool) -> Result<(), LlmError> {
    if allow_remote || address.is_tls() || address.is_this_machine() {
        Ok(())
    } else {
        Err(LlmError::Remote {
            url: address.to_string(),
        })
    }
}

fn is_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// `:8080` as a port: digits only (no sign, which the URI parser would take), 1 to 65535.
fn read_port(text: &str) -> Option<u16> {
    let digits = text.strip_prefix(':')?;
    if digits.is_empty() || digits.len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u16>().ok().filter(|&p| p != 0)
}

/// An IPv6 literal in brackets (no zone), or a host name: letters, digits, `-`, `_` and `.`,
/// which covers IPv4 literals.
fn is_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ollama(text: &str) -> Result<Address, LlmError> {
        Address::parse(text, Some(11434), Api::Ollama)
    }

    fn shown(text: &str) -> String {
        ollama(text).unwrap().to_string()
    }

    #[test]
    fn ollama_host_forms() {
        assert_eq!(shown("127.0.0.1"), "http://127.0.0.1:11434");
        assert_eq!(shown("0.0.0.0"), "http://127.0.0.1:11434");
        assert_eq!(shown(":8080"), "http://127.0.0.1:8080");
        assert_eq!(shown("example.com:99"), "http://example.com:99");
        assert_eq!(shown("http://127.0.0.1:5/"), "http://127.0.0.1:5");
        assert_eq!(shown("HTTP://host:5/ollama/"), "http://host:5/ollama");
        assert_eq!(shown("[::1]:7"), "http://[::1]:7");
        assert_eq!(shown("::1"), "http://[::1]:11434");
        assert_eq!(shown("::"), "http://[::1]:11434");
        assert_eq!(shown("[::]:7"), "http://[::1]:7");
        assert_eq!(shown("http://u:p@127.0.0.1:5"), "http://***@127.0.0.1:5");
        let openai = |t: &str| Address::parse(t, None, Api::OpenAi).unwrap().to_string();
        assert_eq!(openai("localhost:1234/v1"), "http://localhost:1234/v1");
        assert_eq!(openai("http://gpu-box/v1"), "http://gpu-box/v1");
    }

    #[test]
    fn the_client_gets_the_checked_host() {
        let a = ollama("http://u:p@127.0.0.1:5/base").unwrap();
        let uri = a.endpoint("/api/chat");
        assert_eq!(uri.to_string(), "http://u:p@127.0.0.1:5/base/api/chat");
        assert_eq!(uri.host(), Some(a.host()));
        assert_eq!(uri.port_u16(), Some(a.port()));
        let plain = Address::parse("http://gpu-box/v1", None, Api::OpenAi).unwrap();
        assert_eq!(
            plain.endpoint("/models").to_string(),
            "http://gpu-box/v1/models"
        );
        assert_eq!(plain.port(), 80);
        assert_eq!(ollama("127.0.0.1:5").unwrap().endpoint("").path(), "/");
    }

    #[test]
    fn this_machine_is_loopback_literals_and_localhost() {
        for text in [
            "http://127.0.0.1:11434",
            "http://127.8.9.10:1",
            "http://localhost:11434/api",
            "LOCALHOST",
            "http://[::1]:11434",
            "::1",
            "http://user@127.0.0.1:80",
            "[::ffff:127.0.0.1]:5",
            "[0:0:0:0:0:ffff:7f00:1]:5",
        ] {
            assert!(ollama(text).unwrap().is_this_machine(), "{text}");
        }
        for text in [
            "http://192.168.1.5:11434",
            "http://gpu-box:11434",
            "http://127.0.0.1.evil.example:80",
            "http://localhost@10.0.0.1:80",
            "http://127.0.0.1:1@evil",
            "http://[2001:db8::1]:11434",
            "[::ffff:10.0.0.1]:5",
            "2130706433:5",
            "127.1:5",
            "0x7f000001",
            "017.0.0.1",
            "evil.localhost",
            "localhost.",
        ] {
            let a = ollama(text).unwrap();
            assert!(!a.is_this_machine(), "{text}");
            let err = check_destination(&a, false).unwrap_err().to_string();
            assert!(err.contains("allow_remote_http = true"), "{err}");
            assert!(check_destination(&a, true).is_ok());
        }
    }

    #[test]
    fn https_keeps_its_scheme_and_port_443() {
        let a = ollama("https://team.example/ollama/").unwrap();
        assert!(a.is_tls());
        assert_eq!(a.to_string(), "https://team.example/ollama");
        assert_eq!(a.port(), 443);
        assert_eq!(
            a.endpoint("/api/chat").to_string(),
            "https://team.example/ollama/api/chat"
        );
        let b = Address::parse("HTTPS://u:k@127.0.0.1:8443/v1", None, Api::OpenAi).unwrap();
        assert_eq!(b.to_string(), "https://***@127.0.0.1:8443/v1");
        assert_eq!(b.port(), 8443);
        assert!(!ollama("http://team.example").unwrap().is_tls());
    }

    #[test]
    fn https_may_leave_this_machine_plain_http_may_not() {
        let https = Address::parse("https://inference.team.example/v1", None, Api::OpenAi).unwrap();
        assert!(!https.is_this_machine());
        assert!(check_destination(&https, false).is_ok());
        let http = Address::parse("http://inference.team.example/v1", None, Api::OpenAi).unwrap();
        let err = check_destination(&http, false).unwrap_err().to_string();
        assert!(err.contains("allow_remote_http = true"), "{err}");
    }

    #[test]
    fn ambiguous_addresses_are_refused() {
        for text in [
            "http://evil?@127.0.0.1:1",
            "http://evil#@127.0.0.1",
            "http://evil\\@127.0.0.1",
            "http://evil/?@127.0.0.1",
            "http://a@b@127.0.0.1",
            "http://a@127.0.0.1/x@y",
            "http://127.0.0.1:+5",
            "http://127.0.0.1:",
            "http://127.0.0.1:99999",
            "http://127.0.0.1:0",
            "http://[::1]x",
            "http://[::1%25lo]:5",
            "http://[::ffff:2130706433]:5",
            "http://127.0.0.1 :5",
            "http://127.0.0.1:\u{1b}5",
            "http://%31%32%37.0.0.1",
            "ftp://127.0.0.1",
            "https://u:p@127.0.0.1:5?x",
            "x:port",
            "",
            "http://",
        ] {
            assert!(
                matches!(ollama(text), Err(LlmError::BadAddress { .. })),
                "{text:?}: {:?}",
                ollama(text)
            );
        }
    }

    #[test]
    fn credentials_are_never_shown() {
        for text in [
            "http://alice:pw@127.0.0.1:5",
            "http://alice:pw@127.0.0.1:99999",
            "http://alice:p#w@127.0.0.1:5",
            "http://alice:p/w@127.0.0.1:5",
            "alice:pw@127.0.0.1:0",
            "http://alice:pw@@127.0.0.1",
        ] {
            let shown = match ollama(text) {
                Ok(a) => format!("{a} {a:?}"),
                Err(e) => e.to_string(),
            };
            assert!(
                !shown.contains("pw") && !shown.contains("p#w"),
                "{text}: {shown}"
            );
            assert!(shown.contains("***@"), "{text}: {shown}");
        }
        assert_eq!(hide_credentials("http://127.0.0.1:5"), "http://127.0.0.1:5");
        assert_eq!(hide_credentials("u:p@h"), "***@h");
        assert_eq!(hide_credentials("u:p://x@h"), "***@h");
    }
}
