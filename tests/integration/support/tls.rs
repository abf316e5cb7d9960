//! https for the stand-ins: a certificate authority made by the test (rcgen), server
//! certificates it signs (for `127.0.0.1` and `localhost`, expired, or for another name), and
//! a TLS front on `127.0.0.1:0` that completes the server side of the handshake (rustls) and
//! passes the plaintext both ways to a plain stand-in behind it. The stand-in's HTTP layer is
//! untouched, so it records every request that came through TLS; a refused handshake leaves it
//! with none.

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use super::http::MAX_HOLD;

/// A certificate authority of one test.
pub struct Authority {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// What a server certificate is like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// For `127.0.0.1` and `localhost`, valid now.
    Valid,
    /// For `127.0.0.1` and `localhost`, but it expired in 2001.
    Expired,
    /// Valid now, but for `other.example` only.
    OtherName,
}

impl Authority {
    /// A new authority with its own key.
    pub fn new(name: &str) -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("CA key");
        Authority {
            issuer: CertifiedIssuer::self_signed(params, key).expect("self-signed CA"),
        }
    }

    /// The authority's certificate as PEM, for `SSL_CERT_FILE`.
    pub fn pem(&self) -> String {
        self.issuer.pem()
    }

    /// Writes the authority's certificate to `path`.
    pub fn write_pem(&self, path: &Path) {
        std::fs::write(path, self.pem()).expect("write the CA certificate");
    }

    /// A server certificate and its key, signed by this authority.
    pub fn leaf(&self, leaf: Leaf) -> (CertificateDer<'static>, PrivateKeyDer<'static>) {
        let names = match leaf {
            Leaf::Valid | Leaf::Expired => vec!["127.0.0.1".to_string(), "localhost".to_string()],
            Leaf::OtherName => vec!["other.example".to_string()],
        };
        let mut params = CertificateParams::new(names).expect("leaf params");
        params
            .distinguished_name
            .push(DnType::CommonName, "ai-commit test server");
        if leaf == Leaf::Expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        }
        let key = KeyPair::generate().expect("leaf key");
        let cert = params.signed_by(&key, &self.issuer).expect("sign the leaf");
        let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        (cert.der().clone(), der)
    }
}

/// A TLS front for a plain stand-in at `backend`. Dropping it stops accepting.
pub struct TlsFront {
    addr: SocketAddr,
    stopped: Arc<AtomicBool>,
    handshakes: Arc<AtomicUsize>,
}

impl TlsFront {
    /// Serves TLS with `leaf` of `authority` on `127.0.0.1:0`, passing to `backend`.
    pub fn start(authority: &Authority, leaf: Leaf, backend: SocketAddr) -> TlsFront {
        let (cert, key) = authority.leaf(leaf);
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .expect("server certificate");
        let config = Arc::new(config);
        let listener = TcpListener::bind(("127.0.0.1", 0)).expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("TLS front address");
        let stopped = Arc::new(AtomicBool::new(false));
        let handshakes = Arc::new(AtomicUsize::new(0));
        let (stop, done) = (Arc::clone(&stopped), Arc::clone(&handshakes));
        thread::Builder::new()
            .name(format!("tls-front-{}", addr.port()))
            .spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let (config, stop, done) =
                        (Arc::clone(&config), Arc::clone(&stop), Arc::clone(&done));
                    let _ = thread::Builder::new()
                        .name("tls-front-conn".into())
                        .spawn(move || relay(stream, config, backend, &stop, &done));
                }
            })
            .expect("spawn the TLS front");
        TlsFront {
            addr,
            stopped,
            handshakes,
        }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many handshakes completed.
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2));
    }
}

/// Completes the handshake on `client`, then copies plaintext both ways to `backend` until
/// either side closes, the front is dropped, or [`MAX_HOLD`] has passed.
fn relay(
    client: TcpStream,
    config: Arc<rustls::ServerConfig>,
    backend: SocketAddr,
    stopped: &AtomicBool,
    handshakes: &AtomicUsize,
) {
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, client);
    let _ = tls.sock.set_read_timeout(Some(Duration::from_secs(10)));
    while tls.conn.is_handshaking() {
        if tls.conn.complete_io(&mut tls.sock).is_err() {
            // Refused by the client (an alert), or not TLS: nothing reaches the backend.
            let _ = tls.sock.shutdown(Shutdown::Both);
            return;
        }
    }
    handshakes.fetch_add(1, Ordering::SeqCst);
    let Ok(mut plain) = TcpStream::connect(backend) else {
        return;
    };
    let poll = Some(Duration::from_millis(5));
    let _ = tls.sock.set_read_timeout(poll);
    let _ = plain.set_read_timeout(poll);
    let started = Instant::now();
    let mut buf = [0u8; 16 * 1024];
    let idle = |e: &io::Error| matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut);
    while !stopped.load(Ordering::SeqCst) && started.elapsed() < MAX_HOLD {
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if plain.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if idle(&e) => {}
            Err(_) => break,
        }
        match plain.read(&mut buf) {
            Ok(0) => {
                tls.conn.send_close_notify();
                let _ = tls.flush();
                break;
            }
            Ok(n) => {
                if tls.write_all(&buf[..n]).and_then(|()| tls.flush()).is_err() {
                    break;
                }
            }
            Err(e) if idle(&e) => {}
            Err(_) => break,
        }
    }
    let _ = plain.shutdown(Shutdown::Both);
    let _ = tls.sock.shutdown(Shutdown::Both);
}
