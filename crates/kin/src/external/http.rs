//! Files over HTTP(S), versioned as DVC 3 (through fsspec) versions them: the server's
//! `ETag`, else its `Content-MD5`, else a digest of what a `HEAD` said of the file.

use std::time::Duration;

use kin_format::lock_file::{ExternalField, ExternalVersion};
use kin_format::md5::Md5;

use super::{ExternalError, ExternalState};

/// How long a server may take to answer a `HEAD`.
const TIMEOUT: Duration = Duration::from_secs(30);

pub(super) fn current_state(url: &str) -> Result<Option<ExternalState>, ExternalError> {
    let unreachable = |reason: String| super::unreachable(url, reason);
    let client = reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| unreachable(e.to_string()))?;
    let response = client
        .head(url)
        .send()
        .map_err(|e| unreachable(e.to_string()))?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(unreachable(format!("the server answered {status}")));
    }
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let head = Head {
        url,
        final_url: response.url().as_str(),
        headers: &headers,
    };
    Ok(Some(head.state()))
}

pub(super) fn download(url: &str, sink: &mut dyn std::io::Write) -> Result<u64, ExternalError> {
    let unreachable = |reason: String| super::unreachable(url, reason);
    // No overall timeout: a large file takes as long as it takes; connecting does not.
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(TIMEOUT)
        .timeout(None)
        .build()
        .map_err(|e| unreachable(e.to_string()))?;
    let mut response = client
        .get(url)
        .send()
        .map_err(|e| unreachable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(unreachable(format!(
            "the server answered {}",
            response.status()
        )));
    }
    response
        .copy_to(sink)
        .map_err(|e| unreachable(e.to_string()))
}

/// A `HEAD` answer, as fsspec reads it into a file's info.
struct Head<'a> {
    url: &'a str,
    final_url: &'a str,
    headers: &'a [(String, String)],
}

impl Head<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// The size fsspec believes: `Content-Length` unless the body is encoded, else the total
    /// of a `Content-Range`.
    fn size(&self) -> Option<u64> {
        let encoded = self
            .header("content-encoding")
            .is_some_and(|e| e != "identity");
        match self.header("content-length") {
            Some(length) if !encoded => length.trim().parse().ok(),
            _ => self
                .header("content-range")
                .and_then(|range| range.rsplit('/').next())
                .and_then(|total| total.trim().parse().ok()),
        }
    }

    fn state(&self) -> ExternalState {
        let value = match self.header("etag").or_else(|| self.header("content-md5")) {
            Some(tag) => tag.to_owned(),
            None => self.info_digest(),
        };
        ExternalState {
            version: ExternalVersion {
                field: ExternalField::Checksum,
                value,
                version_id: None,
            },
            size: self.size(),
        }
    }

    /// fsspec's checksum of a file it has no tag for: the md5 of the Python text of its info
    /// dictionary (in a one-element tuple), read as a decimal integer.
    fn info_digest(&self) -> String {
        let mut fields: Vec<(&str, PyValue<'_>)> = vec![
            ("name", PyValue::Str(self.url)),
            ("size", self.size().map_or(PyValue::None, PyValue::Int)),
        ];
        if let Some(mimetype) = self.header("content-type") {
            let bare = mimetype.split(';').next().unwrap_or(mimetype);
            fields.push(("mimetype", PyValue::Str(bare)));
        }
        if self.header("accept-ranges") == Some("none") {
            fields.push(("partial", PyValue::False));
        }
        fields.push(("url", PyValue::Str(self.final_url)));
        for (key, header) in [
            ("ETag", "etag"),
            ("Content-MD5", "content-md5"),
            ("Digest", "digest"),
            ("Last-Modified", "last-modified"),
        ] {
            if let Some(value) = self.header(header) {
                fields.push((key, PyValue::Str(value)));
            }
        }
        fields.push(("type", PyValue::Str("file")));
        let body: Vec<String> = fields
            .iter()
            .map(|(key, value)| format!("{}: {}", py_str(key), value.repr()))
            .collect();
        let text = format!("({{{}}},)", body.join(", "));
        u128::from_be_bytes(Md5::of(text.as_bytes()).0).to_string()
    }
}

enum PyValue<'a> {
    Str(&'a str),
    Int(u64),
    None,
    False,
}

impl PyValue<'_> {
    fn repr(&self) -> String {
        match self {
            PyValue::Str(text) => py_str(text),
            PyValue::Int(n) => n.to_string(),
            PyValue::None => "None".to_owned(),
            PyValue::False => "False".to_owned(),
        }
    }
}

/// Python's `repr` of a string: single quotes unless the text holds one and no double
/// quote; backslashes, the quote and control characters escaped.
fn py_str(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head<'a>(headers: &'a [(String, String)]) -> Head<'a> {
        Head {
            url: "http://127.0.0.1:54401/orders.csv",
            final_url: "http://127.0.0.1:54401/orders.csv",
            headers,
        }
    }

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_file_without_a_tag_gets_fsspecs_digest_of_its_info() {
        // What Python's http.server said of an 11-byte CSV, and the checksum DVC 3.x
        // recorded for it in dvc.lock.
        let said = headers(&[
            ("server", "SimpleHTTP/0.6 Python/3.11.7"),
            ("content-type", "text/csv"),
            ("content-length", "11"),
            ("last-modified", "Sat, 05 Dec 2026 04:48:47 GMT"),
        ]);
        let state = head(&said).state();
        assert_eq!(state.version.field, ExternalField::Checksum);
        assert_eq!(
            state.version.value,
            "107456954541127641011355267383915709404"
        );
        assert_eq!(state.size, Some(11));
    }

    #[test]
    fn a_tag_is_the_checksum_as_sent() {
        let said = headers(&[("ETag", "\"5e8b-12\""), ("Content-Length", "18")]);
        let state = head(&said).state();
        assert_eq!(state.version.value, "\"5e8b-12\"");
        let said = headers(&[("Content-MD5", "Q2hlY2sgSW50ZWdyaXR5IQ==")]);
        assert_eq!(
            head(&said).state().version.value,
            "Q2hlY2sgSW50ZWdyaXR5IQ=="
        );
        assert_eq!(head(&said).state().size, None);
    }

    #[test]
    fn python_string_reprs() {
        assert_eq!(py_str("a'b"), "\"a'b\"");
        assert_eq!(py_str("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_str("\"tag\""), "'\"tag\"'");
        assert_eq!(py_str("x\\y\n"), "'x\\\\y\\n'");
    }
}
