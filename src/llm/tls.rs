//! TLS for an `https` address: the certificates it is checked against (the system's store, or
//! the PEM files `SSL_CERT_FILE` and `SSL_CERT_DIR` name), read once, and what a failed
//! handshake means, said in one line with its fix.
//!
//! The stack is rustls with the ring provider: pure Rust and C without cmake or nasm, so the
//! binary still builds from Cargo alone. Mozilla's bundled roots are not compiled in: a team's
//! server is usually signed by the team's own authority, which only the system store (or a
//! file the user names) holds.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig, TlsProvider};

/// Where the system keeps its bundle of trusted authorities, first match wins: Debian, Ubuntu,
/// NixOS, Arch and Gentoo; Fedora and RHEL; openSUSE; Alpine, the BSDs and macOS.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The directory of single certificates, when no bundle is found.
const SYSTEM_DIR: &str = "/etc/ssl/certs";

/// A PEM file read for certificates is at most this large; a store is at most this many files.
const MAX_PEM_FILE: u64 = 16 * 1024 * 1024;
const MAX_DIR_FILES: usize = 10_000;

/// The variables that choose the certificates, as OpenSSL reads them: when either is set, it
/// replaces the system's store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertVars {
    /// `SSL_CERT_FILE`: one PEM bundle.
    pub file: Option<PathBuf>,
    /// `SSL_CERT_DIR`: directories of PEM files, separated by `:`.
    pub dir: Option<String>,
}

impl CertVars {
    /// The two variables of this process. Read here, where they are used, as the API key is
    /// read where it is used: only an `https` address needs them.
    pub fn from_process() -> CertVars {
        let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        CertVars {
            file: nonempty("SSL_CERT_FILE").map(PathBuf::from),
            dir: nonempty("SSL_CERT_DIR").map(|v| v.to_string_lossy().into_owned()),
        }
    }
}

/// The trusted authorities and where they came from.
#[derive(Clone)]
pub struct Store {
    /// Where the certificates were read, for doctor and for every handshake error:
    /// `SSL_CERT_FILE=/path`, or `the system store /etc/ssl/certs/ca-certificates.crt`.
    pub source: String,
    /// The certificates, DER.
    pub certs: Arc<Vec<Certificate<'static>>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Store({}, {} certificates)",
            self.source,
            self.certs.len()
        )
    }
}

/// Why no certificates could be had: one line, the fix included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoStore(pub String);

/// The store for this process, read at most once (doctor's probes and the chat share it).
pub fn process_store() -> Result<Store, NoStore> {
    static STORE: OnceLock<Result<Store, NoStore>> = OnceLock::new();
    STORE
        .get_or_init(|| load(&CertVars::from_process()))
        .clone()
}

/// The store `vars` choose: the file and directories they name, or else the system's bundle,
/// or else its directory of certificates.
pub fn load(vars: &CertVars) -> Result<Store, NoStore> {
    if vars.file.is_some() || vars.dir.is_some() {
        let mut certs = Vec::new();
        let mut names = Vec::new();
        if let Some(file) = &vars.file {
            names.push(format!("SSL_CERT_FILE={}", file.display()));
            read_pem_file(file, &mut certs).map_err(|why| {
                NoStore(format!(
                    "SSL_CERT_FILE={}: {why}; point it at a PEM file of certificates, or unset it",
                    file.display()
                ))
            })?;
        }
        if let Some(dirs) = &vars.dir {
            names.push(format!("SSL_CERT_DIR={dirs}"));
            for dir in dirs.split(':').filter(|d| !d.is_empty()) {
                read_pem_dir(Path::new(dir), &mut certs);
            }
        }
        let source = names.join(" and ");
        if certs.is_empty() {
            return Err(NoStore(format!(
                "{source} holds no certificate; point it at PEM certificates, or unset it"
            )));
        }
        return Ok(Store {
            source,
            certs: Arc::new(certs),
        });
    }
    for bundle in SYSTEM_BUNDLES {
        let mut certs = Vec::new();
        if read_pem_file(Path::new(bundle), &mut certs).is_ok() && !certs.is_empty() {
            return Ok(Store {
                source: format!("the system store {bundle}"),
                certs: Arc::new(certs),
            });
        }
    }
    let mut certs = Vec::new();
    read_pem_dir(Path::new(SYSTEM_DIR), &mut certs);
    if certs.is_empty() {
        return Err(NoStore(format!(
            "no system certificate store ({} or {SYSTEM_DIR}); install ca-certificates, or set \
             SSL_CERT_FILE to a PEM bundle",
            SYSTEM_BUNDLES[0]
        )));
    }
    Ok(Store {
        source: format!("the system store {SYSTEM_DIR}"),
        certs: Arc::new(certs),
    })
}

/// Adds the certificates of a PEM file (anything else in it, keys included, is skipped).
fn read_pem_file(path: &Path, certs: &mut Vec<Certificate<'static>>) -> Result<(), String> {
    let meta = fs::metadata(path).map_err(|e| describe_io(&e))?;
    if !meta.is_file() {
        return Err("it is not a file".into());
    }
    if meta.len() > MAX_PEM_FILE {
        return Err("it is over 16 MiB".into());
    }
    let bytes = fs::read(path).map_err(|e| describe_io(&e))?;
    for item in ureq::tls::parse_pem(&bytes).flatten() {
        if let PemItem::Certificate(cert) = item {
            certs.push(cert);
        }
    }
    Ok(())
}

/// Adds the certificates of every file in a directory; unreadable files are skipped, as
/// OpenSSL skips them.
fn read_pem_dir(dir: &Path, certs: &mut Vec<Certificate<'static>>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .take(MAX_DIR_FILES)
        .collect();
    paths.sort();
    for path in paths {
        let _ = read_pem_file(&path, certs);
    }
}

fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "not readable".into(),
        _ => e.to_string(),
    }
}

/// The client's TLS settings: rustls with ring, verifying against `store`'s authorities (none
/// for a plain http address, which never uses them). The name checked is the address's host,
/// sent as SNI.
pub(crate) fn config(store: Option<&Store>) -> TlsConfig {
    let roots = match store {
        Some(store) => RootCerts::Specific(Arc::clone(&store.certs)),
        None => RootCerts::Specific(Arc::new(Vec::new())),
    };
    TlsConfig::builder()
        .provider(TlsProvider::Rustls)
        .root_certs(roots)
        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .build()
}

/// What a handshake failure means, and what to do about it: `(why, fix)`. `host` is the name
/// the certificate was checked against; `source` is where the trusted authorities came from.
pub(crate) fn explain(error: &rustls::Error, host: &str, source: &str) -> (String, String) {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer | C::BadSignature => (
                format!("its certificate is not signed by an authority in {source}"),
                "add the server's certificate authority to a PEM file and point SSL_CERT_FILE \
                 at it (or install it into the system store)"
                    .into(),
            ),
            C::Expired | C::ExpiredContext { .. } => (
                "its certificate has expired".into(),
                "renew the server's certificate (or correct this machine's clock)".into(),
            ),
            C::NotValidYet | C::NotValidYetContext { .. } => (
                "its certificate is not valid yet".into(),
                "correct this machine's clock, or the server's certificate dates".into(),
            ),
            C::NotValidForName | C::NotValidForNameContext { .. } => (
                format!("its certificate is not for the name {host}"),
                "write the host name the certificate is for in the address, or have the \
                 certificate include this one"
                    .into(),
            ),
            C::Revoked => (
                "its certificate is revoked".into(),
                "have the server's certificate replaced".into(),
            ),
            other => (
                format!("its certificate was refused ({other:?})"),
                "check the server's certificate with `openssl s_client -connect host:port`".into(),
            ),
        },
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => (
            "it did not answer in TLS".into(),
            "check the port serves https, or write http:// if it serves plain http on loopback"
                .into(),
        ),
        rustls::Error::AlertReceived(alert) => (
            format!("it ended the handshake ({alert:?})"),
            "check the server's TLS settings and log".into(),
        ),
        other => (
            format!("the TLS handshake failed: {other}"),
            "check the server's TLS settings and log".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_files_replace_the_system_store() {
        let dir = tempfile::tempdir().unwrap();
        let missing = CertVars {
            file: Some(dir.path().join("none.pem")),
            dir: None,
        };
        let err = load(&missing).unwrap_err().0;
        assert!(
            err.contains("SSL_CERT_FILE=") && err.contains("no such file"),
            "{err}"
        );
        let empty = dir.path().join("empty.pem");
        fs::write(&empty, "not a certificate\n").unwrap();
        let err = load(&CertVars {
            file: Some(empty),
            dir: None,
        })
        .unwrap_err()
        .0;
        assert!(err.contains("holds no certificate"), "{err}");
        let err = load(&CertVars {
            file: None,
            dir: Some(dir.path().display().to_string()),
        })
        .unwrap_err()
        .0;
        assert!(err.starts_with("SSL_CERT_DIR="), "{err}");
    }

    #[test]
    fn every_certificate_failure_has_its_own_reason() {
        use rustls::CertificateError as C;
        let why = |e: C| explain(&rustls::Error::InvalidCertificate(e), "h", "S").0;
        assert!(why(C::UnknownIssuer).contains("authority in S"));
        assert!(why(C::Expired).contains("expired"));
        assert!(why(C::NotValidForName).contains("not for the name h"));
        assert!(why(C::NotValidYet).contains("not valid yet"));
    }
}
