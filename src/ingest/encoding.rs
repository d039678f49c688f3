//! Scanner XML in a single-byte encoding: a few tools still write
//! ISO-8859-1 or Windows-1252 (older Nessus and SCC exports). The XML
//! layer reads UTF-8, so such a file is transcoded as it streams, byte by
//! byte, without reading it whole. UTF-16 is refused with a message.

use std::io::{BufRead, Read};

/// The encoding an XML head declares, when it is one this module turns
/// into UTF-8; `Err` names an encoding no reader can take.
pub fn single_byte(head: &[u8]) -> Result<Option<SingleByte>, String> {
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return Err("the file is UTF-16; save it as UTF-8".into());
    }
    let decl_end = head.iter().position(|b| *b == b'>').unwrap_or(0);
    let decl = String::from_utf8_lossy(&head[..decl_end.min(200)]).to_ascii_lowercase();
    if !decl.trim_start().starts_with("<?xml") {
        return Ok(None);
    }
    let Some(at) = decl.find("encoding") else {
        return Ok(None);
    };
    let name: String = decl[at + "encoding".len()..]
        .trim_start_matches([' ', '=', '"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    Ok(match name.as_str() {
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" => Some(SingleByte::Latin1),
        "windows-1252" | "cp1252" => Some(SingleByte::Windows1252),
        "" | "utf-8" | "utf8" | "us-ascii" | "ascii" => None,
        other if other.starts_with("utf-16") => {
            return Err("the file is UTF-16; save it as UTF-8".into());
        }
        other => {
            return Err(format!(
                "the file's encoding `{other}` is not read; save it as UTF-8"
            ));
        }
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SingleByte {
    Latin1,
    Windows1252,
}

impl SingleByte {
    fn char_of(self, b: u8) -> char {
        if b < 0x80 || self == SingleByte::Latin1 || b >= 0xa0 {
            return char::from(b);
        }
        // Windows-1252's printable characters in 0x80-0x9f.
        const HIGH: [char; 32] = [
            '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
            '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ',
            '\u{9d}', 'ž', 'Ÿ',
        ];
        HIGH[usize::from(b - 0x80)]
    }
}

/// A reader that turns single-byte text into UTF-8 as it is read.
pub struct ToUtf8<R> {
    inner: R,
    encoding: SingleByte,
    buf: Vec<u8>,
    pos: usize,
}

impl<R: Read> ToUtf8<R> {
    pub fn new(inner: R, encoding: SingleByte) -> Self {
        ToUtf8 {
            inner,
            encoding,
            buf: Vec::new(),
            pos: 0,
        }
    }

    fn fill(&mut self) -> std::io::Result<()> {
        let mut raw = [0u8; 64 * 1024];
        let n = self.inner.read(&mut raw)?;
        self.buf.clear();
        self.pos = 0;
        for &b in &raw[..n] {
            let mut tmp = [0u8; 4];
            self.buf
                .extend_from_slice(self.encoding.char_of(b).encode_utf8(&mut tmp).as_bytes());
        }
        Ok(())
    }
}

impl<R: Read> Read for ToUtf8<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> BufRead for ToUtf8<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.pos >= self.buf.len() {
            self.fill()?;
        }
        Ok(&self.buf[self.pos..])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.buf.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_encodings_are_recognised() {
        assert_eq!(
            single_byte(b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a/>"),
            Ok(Some(SingleByte::Latin1))
        );
        assert_eq!(
            single_byte(b"<?xml version='1.0' encoding='UTF-8'?>"),
            Ok(None)
        );
        assert_eq!(single_byte(b"<a/>"), Ok(None));
        assert!(single_byte(b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>").is_err());
        assert!(single_byte(&[0xff, 0xfe, b'<', 0]).is_err());
    }

    #[test]
    fn latin1_and_windows_1252_become_utf8() {
        let mut s = String::new();
        ToUtf8::new(&b"caf\xe9 \x80"[..], SingleByte::Windows1252)
            .read_to_string(&mut s)
            .expect("reads");
        assert_eq!(s, "café €");
        let mut s = String::new();
        ToUtf8::new(&b"caf\xe9"[..], SingleByte::Latin1)
            .read_to_string(&mut s)
            .expect("reads");
        assert_eq!(s, "café");
    }
}
