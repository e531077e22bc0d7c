//! DVC 2's "md5-dos2unix" hash exactly as DVC 3 computes it: the file is hashed in 1 MiB
//! chunks, and a chunk that looks like text (judged from its first 512 bytes) is hashed with
//! each CRLF read as LF (`dvc_data.hashfile.hash.Dos2UnixHashStreamFile`).

use md5::Digest;

use kin_format::md5::Md5;

/// DVC reads a file in chunks of this size (`fobj_md5`) and judges each chunk on its own, so
/// a CRLF split by a chunk boundary stays as it is.
pub const CHUNK: usize = 1 << 20;

/// How much of a chunk decides whether it is text (`istextblock` of its first 512 bytes).
const SNIFF: usize = 512;

/// Whether DVC takes `block` for text: no NUL byte, and at most 30% of its bytes outside
/// printable ASCII and `\n \r \t \f \b` (so UTF-8 beyond ASCII counts against it).
pub fn is_text_block(block: &[u8]) -> bool {
    if block.is_empty() {
        return true;
    }
    if memchr::memchr(0, block).is_some() {
        return false;
    }
    let nontext = block
        .iter()
        .filter(|&&b| !matches!(b, 32..=126 | b'\n' | b'\r' | b'\t' | 0x0c | 0x08))
        .count();
    // DVC compares `float(nontext) / len <= 0.30`; for the at most 512 bytes judged no
    // ratio lies close enough to 0.3 for rounding to matter, so integers say the same.
    nontext * 10 <= block.len() * 3
}

/// An md5-dos2unix hash fed in pieces of any size: bytes are gathered into DVC's chunks
/// before each chunk is judged.
#[derive(Clone, Default)]
pub struct Dos2UnixMd5 {
    hasher: md5::Md5,
    /// The start of a chunk not yet complete.
    pending: Vec<u8>,
}

impl Dos2UnixMd5 {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, mut data: &[u8]) {
        if !self.pending.is_empty() {
            let take = (CHUNK - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() < CHUNK {
                return;
            }
            hash_chunk(&mut self.hasher, &self.pending);
            self.pending.clear();
        }
        // Whole chunks are hashed where they lie: reading a file in chunk-sized reads
        // copies nothing.
        let mut chunks = data.chunks_exact(CHUNK);
        for chunk in &mut chunks {
            hash_chunk(&mut self.hasher, chunk);
        }
        self.pending.extend_from_slice(chunks.remainder());
    }

    pub fn finalize(mut self) -> Md5 {
        if !self.pending.is_empty() {
            hash_chunk(&mut self.hasher, &self.pending);
        }
        Md5(self.hasher.finalize().into())
    }
}

/// The md5-dos2unix of `bytes` (a whole file's content).
pub fn dos2unix_md5(bytes: &[u8]) -> Md5 {
    let mut hasher = Dos2UnixMd5::new();
    hasher.update(bytes);
    hasher.finalize()
}

/// Hashes one chunk: as it is when binary, with `\r\n` → `\n` when text (a lone `\r` stays).
fn hash_chunk(hasher: &mut md5::Md5, chunk: &[u8]) {
    if !is_text_block(&chunk[..chunk.len().min(SNIFF)]) {
        hasher.update(chunk);
        return;
    }
    let mut start = 0;
    for at in memchr::memmem::find_iter(chunk, b"\r\n") {
        hasher.update(&chunk[start..at]);
        start = at + 1;
    }
    hasher.update(&chunk[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Python's `bytes.replace(b"\r\n", b"\n")`.
    fn dos2unix(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            out.push(bytes[i]);
            i += 1;
        }
        out
    }

    /// Text of `len` bytes made of CRLF lines.
    fn crlf_text(len: usize) -> Vec<u8> {
        b"line of text\r\n"
            .iter()
            .copied()
            .cycle()
            .take(len)
            .collect()
    }

    #[test]
    fn text_is_hashed_as_lf_and_binary_as_it_is() {
        assert_eq!(dos2unix_md5(b""), Md5::of(b""));
        assert_eq!(dos2unix_md5(b"a\r\nb\r\n"), Md5::of(b"a\nb\n"));
        assert_eq!(
            dos2unix_md5(b"a\r\nb\r\n").to_string(),
            "dd8c6a395b5dd36c56d23275028f526c"
        );
        // A lone CR stays; in `\r\r\n` only the last pair is a CRLF.
        assert_eq!(dos2unix_md5(b"a\rb\r\r\n"), Md5::of(b"a\rb\r\n"));
        // A NUL anywhere in the first 512 bytes makes the chunk binary.
        assert_eq!(dos2unix_md5(b"a\r\n\0"), Md5::of(b"a\r\n\0"));
        // UTF-8 beyond ASCII is not text to DVC: mostly-accented lines are hashed raw.
        let accented = "éèàü\r\n".repeat(10);
        assert_eq!(
            dos2unix_md5(accented.as_bytes()),
            Md5::of(accented.as_bytes())
        );
    }

    #[test]
    fn thirty_percent_non_text_is_still_text() {
        // 100 bytes: 30 non-text (0xff) still text, 31 not.
        let block = |nontext: usize| {
            let mut bytes = vec![0xffu8; nontext];
            bytes.extend(crlf_text(100 - nontext));
            bytes
        };
        let thirty = block(30);
        assert!(is_text_block(&thirty));
        assert_eq!(dos2unix_md5(&thirty), Md5::of(&dos2unix(&thirty)));
        let thirty_one = block(31);
        assert!(!is_text_block(&thirty_one));
        assert_eq!(dos2unix_md5(&thirty_one), Md5::of(&thirty_one));
    }

    #[test]
    fn each_mebibyte_is_judged_on_its_own() {
        // Binary first chunk, text second: only the second is converted.
        let mut binary_then_text = vec![0u8; CHUNK];
        binary_then_text.extend(crlf_text(1000));
        let mut expected = vec![0u8; CHUNK];
        expected.extend(dos2unix(&crlf_text(1000)));
        assert_eq!(dos2unix_md5(&binary_then_text), Md5::of(&expected));
        // Text first chunk, binary second.
        let mut text_then_binary = crlf_text(CHUNK);
        text_then_binary.extend([0u8, b'\r', b'\n']);
        let mut expected = dos2unix(&crlf_text(CHUNK));
        expected.extend([0u8, b'\r', b'\n']);
        assert_eq!(dos2unix_md5(&text_then_binary), Md5::of(&expected));
        // A CRLF split by the boundary is kept: `\r` ends one chunk, `\n` starts the next.
        let mut split = vec![b'a'; CHUNK - 1];
        split.extend(b"\r\nb\r\n");
        let mut expected = vec![b'a'; CHUNK - 1];
        expected.extend(b"\r\nb\n");
        assert_eq!(dos2unix_md5(&split), Md5::of(&expected));
    }

    #[test]
    fn pieces_of_any_size_hash_like_the_whole() {
        let mut content = crlf_text(CHUNK + 700);
        content.extend(vec![0u8; 3000]);
        content.extend(crlf_text(CHUNK));
        let whole = dos2unix_md5(&content);
        for piece in [1, 511, 4096, CHUNK - 1, CHUNK, CHUNK + 1] {
            let mut hasher = Dos2UnixMd5::new();
            for part in content.chunks(piece) {
                hasher.update(part);
            }
            assert_eq!(hasher.finalize(), whole, "pieces of {piece}");
        }
    }
}
