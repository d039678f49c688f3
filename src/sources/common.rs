//! Pieces every reader shares: bounded reads, YAML with budgets, id
//! derivation and the final checks a produced framework must pass.

use super::{MAX_SOURCE_BYTES, ReadOptions, SourceError};
use crate::model::{Control, ControlId, Framework, FrameworkId, Group, Part, Prop, Source};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;

pub(crate) const SCHEMA_VERSION: u32 = 1;

pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, SourceError> {
    let file = std::fs::File::open(path).map_err(|e| SourceError::io(path, e))?;
    let mut bytes = Vec::new();
    // Read one byte past the bound so an oversized file is detected without
    // trusting metadata (pipes and procfs report no size).
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SourceError::io(path, e))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(SourceError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            max: MAX_SOURCE_BYTES,
        });
    }
    Ok(bytes)
}

pub(crate) fn read_text(path: &Path) -> Result<(String, String), SourceError> {
    text_of(path, read_bytes(path)?)
}

/// The text of `bytes` read from `path` (a BOM dropped) and their SHA-256.
pub(crate) fn text_of(path: &Path, bytes: Vec<u8>) -> Result<(String, String), SourceError> {
    let sha = sha256_hex(&bytes);
    let text = String::from_utf8(bytes).map_err(|e| {
        SourceError::syntax(
            path,
            format!(
                "not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    Ok((text.trim_start_matches('\u{feff}').to_string(), sha))
}

pub(crate) use crate::digest::sha256_hex;

/// YAML into typed structs under the same kind of budget the repository
/// loader uses, so alias bombs and deep nesting are refused.
///
/// A YAML file cut inside a line is often still YAML; every YAML writer
/// ends a file with a line break, so one without is refused as cut short.
pub(crate) fn parse_yaml<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, SourceError> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err(SourceError::syntax(
            path,
            format!(
                "line {}: the file does not end with a line break; it was probably cut short (a partial download or copy): read the whole file",
                text.lines().count().max(1)
            ),
        ));
    }
    let options = serde_saphyr::options! {
        strict_booleans: true,
        budget: serde_saphyr::budget! {
            max_depth: 64,
            max_nodes: 5_000_000,
            max_events: 20_000_000,
        },
    };
    serde_saphyr::from_str_with_options::<T>(text, options).map_err(|e| {
        let plain = e.render_with_options(serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
        });
        let message = crate::excerpt::message(plain.trim());
        match e.location() {
            Some(at) if at.line() > 0 => SourceError::syntax(
                path,
                format!("line {}, column {}: {message}", at.line(), at.column()),
            ),
            _ => SourceError::syntax(path, message),
        }
    })
}

pub(crate) fn parse_json<T: DeserializeOwned>(path: &Path, text: &str) -> Result<T, SourceError> {
    serde_json::from_str(text).map_err(|e| {
        SourceError::syntax(
            path,
            format!(
                "line {}, column {}: {}",
                e.line(),
                e.column(),
                crate::import::oscal::json_message(&e)
            ),
        )
    })
}

/// A framework id from free text: lower-case, runs of other characters
/// become one `-`.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' || (c == '-' && !out.ends_with('-')) {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    out.to_string()
}

pub(crate) fn is_framework_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// The framework id: the user's if given (validated), else the derived one.
pub(crate) fn framework_id(
    path: &Path,
    opts: &ReadOptions,
    derived: &str,
) -> Result<FrameworkId, SourceError> {
    if let Some(id) = &opts.id {
        if !is_framework_id(id) {
            return Err(SourceError::invalid(
                path,
                "framework id",
                format!(
                    "`{}` is not a framework id (lower-case letters, digits, '.', '_' and '-')",
                    crate::excerpt::text(id)
                ),
            ));
        }
        return Ok(FrameworkId(id.clone()));
    }
    let mut id = slug(derived);
    if id.is_empty() {
        id = slug(
            &path
                .file_stem()
                .map(|s| s.to_string_lossy())
                .unwrap_or_default(),
        );
    }
    if !is_framework_id(&id) {
        return Err(SourceError::invalid(
            path,
            "framework id",
            "no framework id can be derived from the source; pass one",
        ));
    }
    Ok(FrameworkId(id))
}

/// The edition a framework's name or reference id states, if any:
/// `NIST CSF v1.1` and `NIST-CSF-1.1` → `1.1`, `CMMC version 2.0` → `2.0`,
/// `NIST SP 800-53 revision 5` and `GSA FedRAMP Rev5` → `rev5`,
/// `OWASP ASVS 4.0.3` → `4.0.3`. A marked version (`v`, `version`, `rev`)
/// wins over a bare dotted number; a number without a dot (`800-53`) is
/// never an edition.
pub(crate) fn edition_in(text: &str) -> Option<String> {
    let tokens: Vec<String> = text
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '_' | '(' | ')' | ',' | ':' | ';'))
        .filter(|t| !t.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let number = |t: &str| {
        let t = t.trim_end_matches('.');
        (!t.is_empty()
            && t.split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        .then(|| t.to_string())
    };
    for (i, t) in tokens.iter().enumerate() {
        let next = tokens.get(i + 1).and_then(|n| number(n));
        match t.as_str() {
            "version" | "ver" | "ver." if next.is_some() => return next,
            "rev" | "rev." | "revision" if next.is_some() => {
                return next.map(|n| format!("rev{n}"));
            }
            _ => {}
        }
        if let Some(n) = t
            .strip_prefix("rev.")
            .or_else(|| t.strip_prefix("rev"))
            .and_then(number)
        {
            return Some(format!("rev{n}"));
        }
        if let Some(n) = t.strip_prefix('v').and_then(number) {
            return Some(n);
        }
    }
    tokens
        .iter()
        .filter_map(|t| number(t))
        .find(|n| n.contains('.'))
}

/// A control id exactly as the source writes it; spaces and ':' are refused
/// because control references use `<framework>:<control>`.
pub(crate) fn strict_control_id(raw: &str) -> Result<ControlId, String> {
    let id = raw.trim();
    if id.is_empty() {
        return Err("empty control id".into());
    }
    if id.chars().any(|c| c.is_whitespace() || c == ':') {
        return Err(format!(
            "control id `{}` contains a space or ':'",
            crate::excerpt::text(id)
        ));
    }
    Ok(ControlId(id.to_string()))
}

/// Like [`strict_control_id`] but drops inner spaces, for sources that
/// print `AC-2 (1)` where everyone else writes `AC-2(1)`.
pub(crate) fn loose_control_id(raw: &str) -> Result<ControlId, String> {
    let squeezed: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    strict_control_id(&squeezed)
}

/// A title for sources whose requirements have only text: the first
/// sentence, cut at a word boundary.
pub(crate) fn derive_title(text: Option<&str>, fallback: &str) -> String {
    const MAX: usize = 100;
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return fallback.to_string();
    };
    let first_line = text.lines().next().unwrap_or(text).trim();
    let sentence = match first_line.find(". ") {
        Some(i) => &first_line[..=i],
        None => first_line,
    };
    if sentence.chars().count() <= MAX {
        return sentence.to_string();
    }
    let mut cut: String = sentence.chars().take(MAX).collect();
    if let Some(i) = cut.rfind(' ') {
        cut.truncate(i);
    }
    cut.push('…');
    cut
}

pub(crate) fn prop(name: &str, value: &str) -> Prop {
    Prop {
        name: name.to_string(),
        value: value.to_string(),
        ns: None,
        class: None,
    }
}

pub(crate) fn prose_part(name: &str, title: Option<String>, prose: &str) -> Part {
    Part {
        id: None,
        name: name.to_string(),
        ns: None,
        class: None,
        title,
        props: Vec::new(),
        prose: Some(prose.to_string()),
        parts: Vec::new(),
        links: Vec::new(),
    }
}

pub(crate) fn new_control(id: ControlId, title: String) -> Control {
    Control {
        id,
        label: None,
        title,
        class: None,
        group: None,
        parent: None,
        sort_id: None,
        statement: None,
        params: Vec::new(),
        parts: Vec::new(),
        props: Vec::new(),
        links: Vec::new(),
        withdrawn: false,
        moved_to: Vec::new(),
        incorporated_into: Vec::new(),
    }
}

pub(crate) fn new_group(id: String, title: String, parent: Option<String>) -> Group {
    Group {
        id,
        title,
        parent,
        class: None,
        props: Vec::new(),
        params: Vec::new(),
        parts: Vec::new(),
        links: Vec::new(),
    }
}

pub(crate) fn new_framework(
    id: FrameworkId,
    title: String,
    version: String,
    sha256: String,
) -> Framework {
    Framework {
        schema_version: SCHEMA_VERSION,
        id,
        title,
        version,
        publisher: None,
        description: None,
        source: Some(Source {
            url: None,
            sha256: Some(sha256),
            document: None,
            last_modified: None,
        }),
        licence: None,
        groups: Vec::new(),
        controls: Vec::new(),
        baselines: Vec::new(),
        oscal: None,
    }
}

/// Groups named by free-text titles ("Access Control (AC)"): the code in
/// trailing parentheses becomes the id when there is one, else a slug.
#[derive(Default)]
pub(crate) struct GroupTable {
    by_key: HashMap<(Option<String>, String), String>,
    used: HashMap<String, usize>,
    pub groups: Vec<Group>,
}

impl GroupTable {
    pub fn intern(&mut self, title: &str, parent: Option<&str>) -> String {
        let title = title.trim();
        let key = (parent.map(str::to_string), title.to_string());
        if let Some(id) = self.by_key.get(&key) {
            return id.clone();
        }
        let base = group_code(title)
            .or_else(|| leading_code(title))
            .unwrap_or_else(|| {
                let s = slug(title);
                if s.is_empty() { "group".to_string() } else { s }
            });
        let id = match self.used.get(&base).copied() {
            None => base.clone(),
            Some(n) => format!("{base}-{}", n + 1),
        };
        *self.used.entry(base).or_insert(0) += 1;
        self.used.entry(id.clone()).or_insert(1);
        self.by_key.insert(key, id.clone());
        self.groups.push(new_group(
            id.clone(),
            title.to_string(),
            parent.map(str::to_string),
        ));
        id
    }
}

/// `Access Control (AC)` -> `AC`; `Organizational Context (GV.OC)` -> `GV.OC`.
pub(crate) fn group_code(title: &str) -> Option<String> {
    let t = title.trim_end();
    let inner = t.strip_suffix(')')?;
    let open = inner.rfind('(')?;
    let code = inner[open + 1..].trim();
    let ok = !code.is_empty()
        && code.len() <= 16
        && code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    ok.then(|| code.to_string())
}

/// A numbered heading's number: `1.2.5: Network ...` -> `1.2.5`,
/// `CC1.0 - Common Criteria ...` -> `CC1.0`, `A.5 Organizational controls`
/// -> `A.5`, `1. Inventory ...` -> `1`.
pub(crate) fn leading_code(title: &str) -> Option<String> {
    let first = title.split_whitespace().next()?;
    let code = first.trim_end_matches([':', '.', ',']);
    let ok = !code.is_empty()
        && code.len() <= 16
        && code != title.trim()
        && code.chars().any(|c| c.is_ascii_digit())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '(' | ')'));
    ok.then(|| code.to_string())
}

/// Where each control came from, so a duplicate names both places.
#[derive(Default)]
pub(crate) struct Origins {
    seen: BTreeMap<String, String>,
}

impl Origins {
    pub fn add(&mut self, path: &Path, id: &ControlId, at: String) -> Result<(), SourceError> {
        if let Some(first) = self.seen.get(id.as_str()) {
            return Err(SourceError::DuplicateId {
                path: path.to_path_buf(),
                id: id.to_string(),
                first: first.clone(),
                second: at,
            });
        }
        self.seen.insert(id.to_string(), at);
        Ok(())
    }

    pub fn contains(&self, id: &str) -> bool {
        self.seen.contains_key(id)
    }
}

/// Checks every reader's output must pass before it is handed out.
pub(crate) fn finish(path: &Path, fw: Framework) -> Result<Framework, SourceError> {
    if fw.controls.is_empty() {
        return Err(SourceError::invalid(path, "controls", "no controls found"));
    }
    let mut seen = HashMap::new();
    for (i, c) in fw.controls.iter().enumerate() {
        if let Some(first) = seen.insert(c.id.as_str(), i) {
            return Err(SourceError::DuplicateId {
                path: path.to_path_buf(),
                id: c.id.to_string(),
                first: format!("control #{}", first + 1),
                second: format!("control #{}", i + 1),
            });
        }
    }
    for c in &fw.controls {
        if let Some(parent) = &c.parent
            && !seen.contains_key(parent.as_str())
        {
            return Err(SourceError::invalid(
                path,
                format!("control `{}`", crate::excerpt::text(c.id.as_str())),
                format!(
                    "parent `{}` is not a control of this framework",
                    crate::excerpt::text(parent.as_str())
                ),
            ));
        }
    }
    let mut groups = HashMap::new();
    for g in &fw.groups {
        if groups.insert(g.id.as_str(), ()).is_some() {
            return Err(SourceError::invalid(
                path,
                format!("group `{}`", crate::excerpt::text(&g.id)),
                "duplicate group id",
            ));
        }
    }
    Ok(fw)
}

/// A YAML scalar read as text whatever its type: sources write ids and
/// versions as `3.1`, `6` or `'3.1'` interchangeably.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Text(pub String);

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string or a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl Text {
    pub fn into_string(self) -> String {
        self.0
    }
}
