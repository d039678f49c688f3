//! Lenient JSON for the JSON readers (`hdf`, `ckl`'s CKLB): values read
//! as text whatever their JSON type, so free-form fields (tags, target
//! data) never make a real file unreadable, and serde errors turned into
//! ingest errors with their line.

use super::shared::{drain_map, drain_seq};
use crate::ingest::IngestError;
use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use std::io::BufRead;
use std::path::Path;

/// Skips a UTF-8 byte-order mark (serde_json refuses one).
pub fn skip_bom(input: &mut dyn BufRead) -> std::io::Result<()> {
    let buf = input.fill_buf()?;
    if buf.starts_with(b"\xef\xbb\xbf") {
        input.consume(3);
    }
    Ok(())
}

/// A serde_json error as an ingest error naming the file, the format and the
/// line.
pub fn error(path: &Path, format: &'static str, e: serde_json::Error) -> IngestError {
    if e.is_io() {
        return IngestError::Io {
            path: path.to_path_buf(),
            source: e.into(),
        };
    }
    let line = (e.line() > 0).then_some(e.line());
    let text = e.to_string();
    // serde_json ends its message with the position, which the error
    // already carries as a line.
    let text = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    let text = if e.is_eof() {
        format!("{text} (the file is probably cut short)")
    } else {
        text
    };
    IngestError::malformed(path, format, line, text)
}

/// The most of one string a reader keeps (it keeps much less of a message
/// in the end): so a result's retained text is bounded however long the
/// tool's output was.
pub const MAX_TEXT_BYTES: usize = 8 * 1024;
/// The most strings kept of one list (a tag's values).
pub const MAX_LIST: usize = 1024;

/// `s` cut to at most [`MAX_TEXT_BYTES`], at a character boundary.
fn bounded(s: &str) -> &str {
    if s.len() <= MAX_TEXT_BYTES {
        return s;
    }
    let mut end = MAX_TEXT_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Any JSON scalar as text (numbers and booleans written out, blank
/// strings as nothing, strings cut to [`MAX_TEXT_BYTES`]); null, arrays
/// and objects are nothing. Tags are free-form, so a reader that insisted
/// on types would refuse real files.
#[derive(Clone, Debug, Default)]
pub struct Text(pub Option<String>);

impl Text {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
}

/// A string or a list of them (tags such as `nist` are either).
#[derive(Clone, Debug, Default)]
pub struct Texts(pub Vec<String>);

/// Whether a value is there and not JavaScript-falsy (null, false, 0, "").
#[derive(Clone, Copy, Debug, Default)]
pub struct Present(pub bool);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text(Some(bounded(v).to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Text, E> {
                Ok(Text(Some(bounded(&v).to_string())))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Text, E> {
                Ok(Text(Some(v.to_string())))
            }
            fn visit_none<E>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_unit<E>(self) -> Result<Text, E> {
                Ok(Text(None))
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Text, D::Error> {
                Text::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Text, A::Error> {
                drain_seq(seq)?;
                Ok(Text(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Text, A::Error> {
                drain_map(map)?;
                Ok(Text(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Texts;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_str<E>(self, v: &str) -> Result<Texts, E> {
                Ok(Texts(vec![bounded(v).to_string()]))
            }
            fn visit_string<E>(self, v: String) -> Result<Texts, E> {
                Ok(Texts(vec![bounded(&v).to_string()]))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Texts, E> {
                Ok(Texts(vec![v.to_string()]))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Texts, E> {
                Ok(Texts(vec![v.to_string()]))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Texts, E> {
                Ok(Texts(vec![v.to_string()]))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Texts, E> {
                Ok(Texts::default())
            }
            fn visit_none<E>(self) -> Result<Texts, E> {
                Ok(Texts::default())
            }
            fn visit_unit<E>(self) -> Result<Texts, E> {
                Ok(Texts::default())
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Texts, D::Error> {
                Texts::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Texts, A::Error> {
                let mut out = Vec::new();
                while let Some(t) = seq.next_element::<Text>()? {
                    if let Some(s) = t.get()
                        && out.len() < MAX_LIST
                    {
                        out.push(s.to_string());
                    }
                }
                Ok(Texts(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Texts, A::Error> {
                drain_map(map)?;
                Ok(Texts::default())
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Present;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Present, E> {
                Ok(Present(!v.is_empty()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Present, E> {
                Ok(Present(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Present, E> {
                Ok(Present(v != 0))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Present, E> {
                Ok(Present(v != 0))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Present, E> {
                Ok(Present(v != 0.0 && !v.is_nan()))
            }
            fn visit_none<E>(self) -> Result<Present, E> {
                Ok(Present(false))
            }
            fn visit_unit<E>(self) -> Result<Present, E> {
                Ok(Present(false))
            }
            fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Present, D::Error> {
                Present::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Present, A::Error> {
                drain_seq(seq)?;
                Ok(Present(true))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Present, A::Error> {
                drain_map(map)?;
                Ok(Present(true))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_values_and_bounded_strings() {
        let t: Vec<Text> =
            serde_json::from_str(r#"["a", 1, 0.5, true, null, [1], {"x": 2}, "  "]"#)
                .expect("parses");
        let got: Vec<Option<&str>> = t.iter().map(Text::get).collect();
        assert_eq!(
            got,
            vec![
                Some("a"),
                Some("1"),
                Some("0.5"),
                Some("true"),
                None,
                None,
                None,
                None
            ]
        );
        let long = format!("\"{}é\"", "x".repeat(MAX_TEXT_BYTES - 1));
        let t: Text = serde_json::from_str(&long).expect("parses");
        assert_eq!(t.0.as_deref().map(str::len), Some(MAX_TEXT_BYTES - 1));
        let l: Texts = serde_json::from_str(r#""one""#).expect("parses");
        assert_eq!(l.0, vec!["one"]);
        let l: Texts = serde_json::from_str(r#"["a", null, 2]"#).expect("parses");
        assert_eq!(l.0, vec!["a", "2"]);
    }
}
