//! The enricher's deployment package: the zip `just lambda` builds, with the config added as
//! `watchpost.toml` at its root (where the enricher looks: `$LAMBDA_TASK_ROOT/watchpost.toml`).
//! Rebuilt byte for byte the same from the same inputs, so its SHA-256 tells whether the
//! deployed code is current.

use std::io::{Cursor, Write};
use std::path::Path;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The package, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Package {
    Ready {
        bytes: Vec<u8>,
        /// Base64 SHA-256, as Lambda reports `CodeSha256`.
        sha256: String,
    },
    Missing(String),
}

impl Package {
    /// The zip at `zip_path` with `config_text` added.
    pub fn build(zip_path: &Path, config_text: &str) -> Package {
        let bytes = match std::fs::read(zip_path) {
            Ok(bytes) => bytes,
            Err(err) => {
                return Package::Missing(format!(
                    "the enricher's zip {} cannot be read ({err}): run `just lambda` to build it",
                    zip_path.display()
                ));
            }
        };
        match with_config(&bytes, config_text) {
            Ok(bytes) => Package::from_bytes(bytes),
            Err(err) => Package::Missing(format!(
                "the enricher's zip {} is not a usable zip ({err}): run `just lambda` to rebuild it",
                zip_path.display()
            )),
        }
    }

    /// A package of `binary` as `bootstrap` plus `config_text`, for a binary built without
    /// cargo-lambda (the local demo deploys the host build: moto stores functions but cannot
    /// run them).
    pub fn from_bootstrap(binary: &Path, config_text: &str) -> Package {
        match std::fs::read(binary) {
            Ok(bytes) => {
                let zip = zip_of(&[("bootstrap", &bytes)]);
                match with_config(&zip, config_text) {
                    Ok(bytes) => Package::from_bytes(bytes),
                    Err(err) => {
                        Package::Missing(format!("cannot package {}: {err}", binary.display()))
                    }
                }
            }
            Err(err) => Package::Missing(format!(
                "the enricher binary {} cannot be read ({err}): build it with `cargo build -p watchpost-enricher`",
                binary.display()
            )),
        }
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Package {
        let sha256 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes));
        Package::Ready { bytes, sha256 }
    }

    pub fn sha256(&self) -> Option<&str> {
        match self {
            Package::Ready { sha256, .. } => Some(sha256),
            Package::Missing(_) => None,
        }
    }
}

/// `zip` with `watchpost.toml` replaced or added (stored, fixed timestamp).
pub fn with_config(zip: &[u8], config_text: &str) -> zip::result::ZipResult<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(zip))?;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let file = archive.by_index_raw(i)?;
        if file.name()? == watchpost_contract::env::DEFAULT_CONFIG_FILE {
            continue;
        }
        writer.raw_copy_file(file)?;
    }
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    writer.start_file(watchpost_contract::env::DEFAULT_CONFIG_FILE, options)?;
    writer.write_all(config_text.as_bytes())?;
    Ok(writer.finish()?.into_inner())
}

/// A zip holding `files` (stored), for tests and tiny packages.
pub fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o755);
    for (name, bytes) in files {
        writer.start_file(*name, options).expect("zip entry");
        writer.write_all(bytes).expect("zip entry");
    }
    writer.finish().expect("zip").into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_is_the_same_bytes_each_time_and_carries_the_config() {
        let zip = zip_of(&[("bootstrap", b"\x7fELF")]);
        let a = with_config(&zip, "[watchpost]\nstack = \"wp\"\n").unwrap();
        let b = with_config(&a, "[watchpost]\nstack = \"wp\"\n").unwrap();
        assert_eq!(a, b);
        let mut archive = zip::ZipArchive::new(Cursor::new(a)).unwrap();
        assert_eq!(archive.len(), 2);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("watchpost.toml").unwrap(), &mut text)
            .unwrap();
        assert!(text.contains("wp"));
    }

    #[test]
    fn a_missing_zip_says_to_run_just_lambda() {
        let p = Package::build(Path::new("/nonexistent/bootstrap.zip"), "");
        assert!(matches!(p, Package::Missing(m) if m.contains("just lambda")));
    }
}
