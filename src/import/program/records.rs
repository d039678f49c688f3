//! One row of a mapped sheet into record drafts (the JSON of the fields
//! the sheet owns), or into refusals naming the row, column and reason.

use super::controls::{ControlIndex, Found};
use super::grid::Column;
use super::mapping::{FieldType, RecordKind, SheetMapping};
use super::value;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Why a row (or one control of a row) was not placed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Refusal {
    pub sheet: String,
    pub row: usize,
    /// `C` with its header, when one cell is at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `unknown-control`, `bad-date`, `duplicate-row`, ...
    pub reason: &'static str,
    pub message: String,
}

/// A record a row gives: where it goes and the fields the sheet sets.
#[derive(Clone, Debug)]
pub struct Draft {
    pub kind: RecordKind,
    /// Repository-relative path of the record file.
    pub path: String,
    /// The record's top-level keys this sheet sets (absent ones removed).
    pub fields: Map<String, Value>,
    /// Top-level keys the sheet owns: every key `fields` may hold.
    pub owned: Vec<&'static str>,
    pub sheet: String,
    pub row: usize,
}

/// What the rows of a sheet need to become records.
pub struct Context<'a> {
    pub sheet: &'a str,
    pub mapping: &'a SheetMapping,
    pub columns: &'a [Column],
    pub controls: &'a ControlIndex,
    pub systems: &'a [String],
    /// System → the frameworks it selects (empty: any).
    pub frameworks_of: &'a BTreeMap<String, Vec<String>>,
    /// `--system`, over the mapping's `system`.
    pub system: Option<&'a str>,
    /// The repository, canonical: evidence files in it are hashed.
    pub root: &'a std::path::Path,
}

/// A typed cell value.
enum Val {
    Text(String),
    List(Vec<String>),
    Controls(Vec<Found>),
    Int(u64),
    Num(f64),
}

struct Row<'a> {
    ctx: &'a Context<'a>,
    row: usize,
    cells: &'a [String],
    refusals: Vec<Refusal>,
}

impl Row<'_> {
    fn column(&self, field: &str) -> Option<&Column> {
        self.ctx.columns.iter().find(|c| c.field == field)
    }

    fn cell(&self, field: &str) -> Option<&str> {
        let c = self.column(field)?;
        self.cells
            .get(c.index)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    fn refuse(&mut self, field: &str, reason: &'static str, message: String) {
        let col = self.column(field).cloned();
        let value = self.cell(field).map(crate::excerpt::text);
        self.refusals.push(Refusal {
            sheet: self.ctx.sheet.to_string(),
            row: self.row,
            column: col.as_ref().map(|c| c.column.clone()),
            header: col.map(|c| c.header),
            field: Some(field.to_string()),
            value,
            reason,
            message,
        });
    }

    /// The frameworks a control of `system` is looked up in.
    fn within(&self, system: Option<&str>) -> Vec<String> {
        if let Some(f) = &self.ctx.mapping.framework {
            return vec![f.clone()];
        }
        system
            .and_then(|s| self.ctx.frameworks_of.get(s))
            .cloned()
            .unwrap_or_default()
    }

    fn system_value(&mut self, field: &str, text: &str) -> Option<String> {
        let t = text.trim();
        if let Some(s) = self.ctx.systems.iter().find(|s| s.as_str() == t) {
            return Some(s.clone());
        }
        // `Payments` and `payments` name the same system.
        if let Some(s) = self
            .ctx
            .systems
            .iter()
            .find(|s| value::loose(s) == value::loose(t))
        {
            return Some(s.clone());
        }
        let hint = super::mapping::did_you_mean(t, self.ctx.systems.iter().map(String::as_str));
        self.refuse(
            field,
            "unknown-system",
            format!(
                "system `{}` is not defined in aegis.yaml (systems: {}){hint}",
                crate::excerpt::text(t),
                self.ctx.systems.join(", ")
            ),
        );
        None
    }

    /// Reads and checks field `name`; `None` when the cell is empty or bad
    /// (bad ones are refused).
    fn get(&mut self, name: &str, system: Option<&str>) -> Option<Val> {
        let field = self.ctx.mapping.kind.field(name)?;
        let text = self.cell(name)?.to_string();
        match field.ty {
            FieldType::Text => Some(Val::Text(text)),
            FieldType::Line => Some(Val::Text(value::one_line(&text))),
            FieldType::Id => {
                let id = value::one_line(&text);
                if is_record_id(&id) {
                    Some(Val::Text(id))
                } else {
                    self.refuse(
                        name,
                        "bad-id",
                        format!(
                            "`{}` is not a usable id (letters, digits, '.', '_' and '-', starting with a letter or digit)",
                            crate::excerpt::text(&id)
                        ),
                    );
                    None
                }
            }
            FieldType::List => {
                let items = value::split_list(&text);
                if let Some(bad) = items.iter().find(|i| !is_record_id(i)) {
                    self.refuse(
                        name,
                        "bad-id",
                        format!(
                            "`{}` is not a usable id (letters, digits, '.', '_' and '-')",
                            crate::excerpt::text(bad)
                        ),
                    );
                    return None;
                }
                Some(Val::List(items))
            }
            FieldType::Controls => {
                let within = self.within(system);
                let mut found = Vec::new();
                let mut ok = true;
                for r in self.ctx.controls.resolve_cell(&text, &within) {
                    match r {
                        Ok(f) => found.push(f),
                        Err(m) => {
                            ok = false;
                            let reason = if m.contains("could be") {
                                "ambiguous-control"
                            } else {
                                "unknown-control"
                            };
                            self.refuse(name, reason, m);
                        }
                    }
                }
                // One unknown control keeps the whole record out: a record
                // with fewer controls than the sheet says would be wrong.
                ok.then_some(Val::Controls(found))
            }
            FieldType::System => self.system_value(name, &text).map(Val::Text),
            FieldType::Systems => {
                let mut out = Vec::new();
                for item in value::split_list(&text) {
                    out.push(self.system_value(name, &item)?);
                }
                Some(Val::List(out))
            }
            FieldType::Date => match value::parse_date(&text, self.ctx.mapping.date_order) {
                Ok(d) => Some(Val::Text(d.to_string())),
                Err(m) => {
                    self.refuse(name, "bad-date", m);
                    None
                }
            },
            FieldType::Period => match value::parse_period(&text) {
                Ok(p) => Some(Val::Text(p.text().to_string())),
                Err(m) => {
                    self.refuse(name, "bad-value", m);
                    None
                }
            },
            FieldType::Integer(lo, hi) => {
                // `4`, `4.0`, `4 - Likely`: the leading whole number.
                let digits: String = text
                    .trim()
                    .strip_suffix(".0")
                    .unwrap_or(text.trim())
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                match digits.parse::<u64>() {
                    Ok(n) if (lo..=hi).contains(&n) => Some(Val::Int(n)),
                    _ => {
                        let range = if hi == u64::MAX {
                            format!("a whole number of {lo} or more")
                        } else {
                            format!("a whole number from {lo} to {hi}")
                        };
                        self.refuse(
                            name,
                            "bad-value",
                            format!("`{}` is not {range}", crate::excerpt::text(&text)),
                        );
                        None
                    }
                }
            }
            FieldType::Number => match value::parse_number(&text) {
                Ok(n) => Some(Val::Num(n)),
                Err(m) => {
                    self.refuse(name, "bad-value", m);
                    None
                }
            },
            FieldType::Choice(choices) => {
                match value::choose(&text, name, self.ctx.mapping.values.get(name), choices) {
                    Ok(v) => Some(Val::Text(v.to_string())),
                    Err(m) => {
                        self.refuse(name, "unmapped-value", m);
                        None
                    }
                }
            }
        }
    }

    fn missing(&mut self, field: &str, why: &str) {
        let col = self.column(field).cloned();
        self.refusals.push(Refusal {
            sheet: self.ctx.sheet.to_string(),
            row: self.row,
            column: col.as_ref().map(|c| c.column.clone()),
            header: col.map(|c| c.header),
            field: Some(field.to_string()),
            value: None,
            reason: "missing-field",
            message: format!("no `{field}`{why}"),
        });
    }

    fn draft(
        &self,
        kind: RecordKind,
        path: String,
        fields: Map<String, Value>,
        owned: Vec<&'static str>,
    ) -> Draft {
        Draft {
            kind,
            path,
            fields,
            owned,
            sheet: self.ctx.sheet.to_string(),
            row: self.row,
        }
    }

    fn mapped(&self, field: &str) -> bool {
        self.column(field).is_some()
    }
}

/// Whether `id` can be a record id and its file name.
pub fn is_record_id(id: &str) -> bool {
    id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && crate::import::plan::resolve::safe_file_stem(id)
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn text(v: Option<Val>) -> Option<String> {
    match v {
        Some(Val::Text(s)) => Some(s),
        _ => None,
    }
}

fn list(v: Option<Val>) -> Vec<String> {
    let mut out = match v {
        Some(Val::List(l)) => l,
        _ => Vec::new(),
    };
    // Order has no meaning in these lists: sorted, so a re-import or a
    // reordered cell writes the same file.
    out.sort();
    out.dedup();
    out
}

/// The references of the controls field `field` names, sorted.
fn controls_of(r: &mut Row, field: &str, system: Option<&str>) -> Vec<String> {
    match r.get(field, system) {
        Some(Val::Controls(c)) => refs(&c),
        _ => Vec::new(),
    }
}

fn refs(found: &[Found]) -> Vec<String> {
    let mut out: Vec<String> = found.iter().map(Found::reference).collect();
    out.sort();
    out.dedup();
    out
}

fn put(map: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        map.insert(key.to_string(), v);
    }
}

fn put_list(map: &mut Map<String, Value>, key: &str, items: Vec<String>) {
    if !items.is_empty() {
        map.insert(key.to_string(), json!(items));
    }
}

/// The drafts and refusals of one data row.
pub fn row(ctx: &Context, row: usize, cells: &[String]) -> (Vec<Draft>, Vec<Refusal>) {
    let mut r = Row {
        ctx,
        row,
        cells,
        refusals: Vec::new(),
    };
    // Required columns empty in this row.
    for f in ctx.mapping.kind.fields() {
        if f.required && r.cell(f.name).is_none() {
            r.missing(f.name, "");
        }
    }
    if !r.refusals.is_empty() {
        return (Vec::new(), r.refusals);
    }
    let drafts = match ctx.mapping.kind {
        RecordKind::Implementations => implementations(&mut r),
        RecordKind::Evidence => evidence(&mut r),
        RecordKind::Exceptions => exception(&mut r),
        RecordKind::Risks => risk(&mut r),
    };
    (drafts, r.refusals)
}

fn system_of(r: &mut Row) -> Option<String> {
    match r.cell("system") {
        Some(t) => {
            let t = t.to_string();
            r.system_value("system", &t)
        }
        // The sheet's own `system:` is more specific than --system.
        None => match r.ctx.mapping.system.as_deref().or(r.ctx.system) {
            Some(s) if r.ctx.systems.iter().any(|x| x == s) => Some(s.to_string()),
            Some(s) => {
                r.refusals.push(Refusal {
                    sheet: r.ctx.sheet.to_string(),
                    row: r.row,
                    column: None,
                    header: None,
                    field: Some("system".into()),
                    value: Some(crate::excerpt::text(s)),
                    reason: "unknown-system",
                    message: format!(
                        "system `{}` is not defined in aegis.yaml (systems: {})",
                        crate::excerpt::text(s),
                        r.ctx.systems.join(", ")
                    ),
                });
                None
            }
            None => {
                r.missing(
                    "system",
                    " (the row names no system and none is given with --system)",
                );
                None
            }
        },
    }
}

fn owned(
    r: &Row,
    identity: &[&'static str],
    pairs: &[(&'static str, &'static str)],
) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = identity.to_vec();
    for (field, key) in pairs {
        if r.mapped(field) && !out.contains(key) {
            out.push(key);
        }
    }
    out
}

fn implementations(r: &mut Row) -> Vec<Draft> {
    let Some(system) = system_of(r) else {
        return Vec::new();
    };
    let status = text(r.get("status", None));
    let owner = text(r.get("owner", None));
    let statement = text(r.get("statement", None));
    let justification = text(r.get("justification", None));
    let inherited_from = text(r.get("inherited_from", None));
    let provider = text(r.get("provider", None));
    let evidence = list(r.get("evidence", None));
    let policies = list(r.get("policies", None));
    let reviewed = text(r.get("reviewed", None));
    let review_every = text(r.get("review_every", None));
    // Controls last: each unknown one is its own refusal, the others
    // still become records.
    let column = r.column("control").cloned();
    let text_cell = r.cell("control").unwrap_or_default().to_string();
    let within = r.within(Some(&system));
    let resolved = r.ctx.controls.resolve_cell(&text_cell, &within);
    match status.as_deref() {
        Some("not-applicable") if justification.is_none() => {
            r.missing("justification", " (a not-applicable control needs one)");
        }
        Some("inherited") if inherited_from.is_none() && provider.is_none() => {
            r.missing(
                if r.mapped("provider") {
                    "provider"
                } else {
                    "inherited_from"
                },
                " (an inherited control says where from: `inherited_from` or `provider`)",
            );
        }
        _ => {}
    }
    if !r.refusals.is_empty() {
        return Vec::new();
    }
    let owned = owned(
        r,
        &["schema_version", "control"],
        &[
            ("status", "status"),
            ("owner", "owner"),
            ("statement", "statement"),
            ("justification", "justification"),
            ("inherited_from", "inherited_from"),
            ("provider", "provider"),
            ("evidence", "evidence"),
            ("policies", "policies"),
            ("reviewed", "reviewed"),
            ("review_every", "review_every"),
        ],
    );
    let mut drafts = Vec::new();
    for found in resolved {
        let found = match found {
            Ok(f) => f,
            Err(m) => {
                let reason = if m.contains("could be") {
                    "ambiguous-control"
                } else {
                    "unknown-control"
                };
                r.refusals.push(Refusal {
                    sheet: r.ctx.sheet.to_string(),
                    row: r.row,
                    column: column.as_ref().map(|c| c.column.clone()),
                    header: column.as_ref().map(|c| c.header.clone()),
                    field: Some("control".into()),
                    value: Some(crate::excerpt::text(&text_cell)),
                    reason,
                    message: m,
                });
                continue;
            }
        };
        let mut m = Map::new();
        m.insert("schema_version".into(), json!(crate::model::SCHEMA_VERSION));
        m.insert("control".into(), json!(found.reference()));
        put(&mut m, "status", status.clone().map(Value::from));
        put(&mut m, "owner", owner.clone().map(Value::from));
        put(&mut m, "statement", statement.clone().map(Value::from));
        put(
            &mut m,
            "justification",
            justification.clone().map(Value::from),
        );
        put(
            &mut m,
            "inherited_from",
            inherited_from.clone().map(Value::from),
        );
        put(&mut m, "provider", provider.clone().map(Value::from));
        put_list(&mut m, "evidence", evidence.clone());
        put_list(&mut m, "policies", policies.clone());
        put(&mut m, "reviewed", reviewed.clone().map(Value::from));
        put(
            &mut m,
            "review_every",
            review_every.clone().map(Value::from),
        );
        drafts.push(r.draft(
            RecordKind::Implementations,
            format!("implementations/{system}/{}.yaml", found.id),
            m,
            owned.clone(),
        ));
    }
    drafts
}

fn evidence(r: &mut Row) -> Vec<Draft> {
    let id = text(r.get("id", None));
    let title = text(r.get("title", None));
    let description = text(r.get("description", None));
    let uri = text(r.get("uri", None));
    let sha256 = text(r.get("sha256", None)).map(|s| s.to_lowercase());
    let size = r.get("size", None);
    let media_type = text(r.get("media_type", None));
    let collected_at = text(r.get("collected_at", None));
    let collector = text(r.get("collector", None));
    let expires_after = text(r.get("expires_after", None));
    let expires_at = text(r.get("expires_at", None));
    let retention = text(r.get("retention", None));
    let review = text(r.get("review", None));
    let reviewer = text(r.get("reviewer", None));
    let controls = controls_of(r, "controls", None);
    if let Some(s) = &sha256
        && !(s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()))
    {
        r.refuse(
            "sha256",
            "bad-value",
            "not a SHA-256 (64 hexadecimal digits)".into(),
        );
    }
    // A repository file is recorded with its hash and size, as `aegis
    // evidence hash` would, so the record validates and a later edit of
    // the file shows; one that is missing or outside the repository is
    // refused here rather than written as a record that fails validation.
    let mut sha256 = sha256;
    let mut size = size;
    let mut hashed = false;
    if let Some(u) = uri.as_deref().filter(|u| !u.contains("://")) {
        if u.to_ascii_lowercase().starts_with("file:") {
            r.refuse(
                "uri",
                "bad-value",
                "a file: URI points outside the repository: use a path relative to the repository root (evidence/files/<name>), or an https:// or s3:// URI".into(),
            );
        } else {
            match crate::evidence::resolve(r.ctx.root, u) {
                Ok(path) if sha256.is_none() => match crate::digest::hash_file(&path) {
                    Ok((sha, bytes)) => {
                        sha256 = Some(sha);
                        size = Some(Val::Int(bytes));
                        hashed = true;
                    }
                    Err(e) => r.refuse(
                        "uri",
                        "bad-value",
                        format!("cannot read `{}`: {e}", crate::excerpt::text(u)),
                    ),
                },
                Ok(_) => {}
                Err(e) => r.refuse(
                    "uri",
                    "bad-value",
                    format!("{}: {}", crate::excerpt::message(&e.message), e.help),
                ),
            }
        }
    }
    let id = match id {
        Some(id) => id,
        None => {
            let derived = value::slug(title.as_deref().unwrap_or_default());
            if derived.is_empty() || !is_record_id(&derived) {
                r.missing("id", " (and none can be made from the title)");
                String::new()
            } else {
                derived
            }
        }
    };
    if !r.refusals.is_empty() {
        return Vec::new();
    }
    let mut m = Map::new();
    m.insert("schema_version".into(), json!(crate::model::SCHEMA_VERSION));
    m.insert("id".into(), json!(id));
    put(&mut m, "title", title.map(Value::from));
    put(&mut m, "description", description.map(Value::from));
    put(&mut m, "uri", uri.map(Value::from));
    put(&mut m, "sha256", sha256.map(Value::from));
    if let Some(Val::Int(n)) = size {
        m.insert("size".into(), json!(n));
    }
    put(&mut m, "media_type", media_type.map(Value::from));
    put(&mut m, "collected_at", collected_at.map(Value::from));
    put(&mut m, "collector", collector.map(Value::from));
    put(&mut m, "expires_after", expires_after.map(Value::from));
    put(&mut m, "expires_at", expires_at.map(Value::from));
    put(&mut m, "retention", retention.map(Value::from));
    if review.is_some() || reviewer.is_some() {
        let mut rv = Map::new();
        rv.insert(
            "status".into(),
            json!(review.unwrap_or_else(|| "pending".into())),
        );
        put(&mut rv, "reviewer", reviewer.map(Value::from));
        m.insert("review".into(), Value::Object(rv));
    }
    put_list(&mut m, "controls", controls);
    let mut owned = owned(
        r,
        &["schema_version", "id"],
        &[
            ("title", "title"),
            ("description", "description"),
            ("uri", "uri"),
            ("sha256", "sha256"),
            ("size", "size"),
            ("media_type", "media_type"),
            ("collected_at", "collected_at"),
            ("collector", "collector"),
            ("expires_after", "expires_after"),
            ("expires_at", "expires_at"),
            ("retention", "retention"),
            ("review", "review"),
            ("reviewer", "review"),
            ("controls", "controls"),
        ],
    );
    for key in ["sha256", "size"] {
        if hashed && !owned.contains(&key) {
            owned.push(key);
        }
    }
    vec![r.draft(
        RecordKind::Evidence,
        format!("evidence/{id}.yaml"),
        m,
        owned,
    )]
}

fn exception(r: &mut Row) -> Vec<Draft> {
    let Some(system) = system_of(r) else {
        return Vec::new();
    };
    let id = text(r.get("id", None));
    let title = text(r.get("title", None));
    let controls = controls_of(r, "controls", Some(&system));
    let scope = text(r.get("scope", None));
    let justification = text(r.get("justification", None));
    let compensating = controls_of(r, "compensating_controls", Some(&system));
    let rating = text(r.get("risk_rating", None));
    let risks = list(r.get("risks", None));
    let approver = text(r.get("approver", None));
    let granted = text(r.get("granted", None));
    let expires = text(r.get("expires", None));
    if let (Some(g), Some(e)) = (&granted, &expires)
        && e < g
    {
        r.refuse(
            "expires",
            "bad-date",
            format!("the exception expires ({e}) before it was granted ({g})"),
        );
    }
    if !r.refusals.is_empty() {
        return Vec::new();
    }
    let Some(id) = id else {
        return Vec::new();
    };
    let mut m = Map::new();
    m.insert("schema_version".into(), json!(crate::model::SCHEMA_VERSION));
    m.insert("id".into(), json!(id));
    put(&mut m, "title", title.map(Value::from));
    put_list(&mut m, "controls", controls);
    m.insert("system".into(), json!(system));
    put(&mut m, "scope", scope.map(Value::from));
    put(&mut m, "justification", justification.map(Value::from));
    put_list(&mut m, "compensating_controls", compensating);
    put(&mut m, "risk_rating", rating.map(Value::from));
    put_list(&mut m, "risks", risks);
    put(&mut m, "approver", approver.map(Value::from));
    put(&mut m, "granted", granted.map(Value::from));
    put(&mut m, "expires", expires.map(Value::from));
    let owned = owned(
        r,
        &["schema_version", "id", "system"],
        &[
            ("title", "title"),
            ("controls", "controls"),
            ("scope", "scope"),
            ("justification", "justification"),
            ("compensating_controls", "compensating_controls"),
            ("risk_rating", "risk_rating"),
            ("risks", "risks"),
            ("approver", "approver"),
            ("granted", "granted"),
            ("expires", "expires"),
        ],
    );
    vec![r.draft(
        RecordKind::Exceptions,
        format!("exceptions/{id}.yaml"),
        m,
        owned,
    )]
}

fn risk(r: &mut Row) -> Vec<Draft> {
    let id = text(r.get("id", None));
    let title = text(r.get("title", None));
    let description = text(r.get("description", None));
    let owner = text(r.get("owner", None));
    let category = text(r.get("category", None));
    let systems = list(r.get("systems", None));
    let controls = controls_of(r, "controls", None);
    let int = |v: Option<Val>| match v {
        Some(Val::Int(n)) => Some(n),
        _ => None,
    };
    let likelihood = int(r.get("likelihood", None));
    let impact = int(r.get("impact", None));
    let treatment = text(r.get("treatment", None));
    let rl = int(r.get("residual_likelihood", None));
    let ri = int(r.get("residual_impact", None));
    match (rl, ri) {
        (Some(_), None) => r.missing("residual_impact", " (residual likelihood is given)"),
        (None, Some(_)) => r.missing("residual_likelihood", " (residual impact is given)"),
        _ => {}
    }
    let frequency = estimate(r, "frequency");
    let magnitude = estimate(r, "magnitude");
    if !r.refusals.is_empty() {
        return Vec::new();
    }
    let Some(id) = id else {
        return Vec::new();
    };
    let mut m = Map::new();
    m.insert(
        "schema_version".into(),
        json!(crate::model::RISK_SCHEMA_VERSION),
    );
    m.insert("id".into(), json!(id));
    put(&mut m, "title", title.map(Value::from));
    put(&mut m, "description", description.map(Value::from));
    put(&mut m, "owner", owner.map(Value::from));
    put(&mut m, "category", category.map(Value::from));
    put_list(&mut m, "systems", systems);
    put_list(&mut m, "controls", controls);
    if let (Some(l), Some(i)) = (likelihood, impact) {
        m.insert("inherent".into(), json!({"likelihood": l, "impact": i}));
    }
    put(&mut m, "treatment", treatment.map(Value::from));
    if let (Some(l), Some(i)) = (rl, ri) {
        m.insert("residual".into(), json!({"likelihood": l, "impact": i}));
    }
    if frequency.is_some() || magnitude.is_some() {
        let mut loss = Map::new();
        put(&mut loss, "frequency", frequency);
        put(&mut loss, "magnitude", magnitude);
        m.insert("loss".into(), Value::Object(loss));
    }
    let owned = owned(
        r,
        &["schema_version", "id"],
        &[
            ("title", "title"),
            ("description", "description"),
            ("owner", "owner"),
            ("category", "category"),
            ("systems", "systems"),
            ("controls", "controls"),
            ("likelihood", "inherent"),
            ("impact", "inherent"),
            ("treatment", "treatment"),
            ("residual_likelihood", "residual"),
            ("residual_impact", "residual"),
            ("frequency_min", "loss"),
            ("frequency_most_likely", "loss"),
            ("frequency_max", "loss"),
            ("magnitude_min", "loss"),
            ("magnitude_most_likely", "loss"),
            ("magnitude_max", "loss"),
        ],
    );
    vec![r.draft(RecordKind::Risks, format!("risks/{id}.yaml"), m, owned)]
}

/// A three-point estimate from `<what>_min`, `_most_likely` and `_max`:
/// all three or none, in order.
fn estimate(r: &mut Row, what: &str) -> Option<Value> {
    let names = ["min", "most_likely", "max"].map(|p| format!("{what}_{p}"));
    let vals: Vec<Option<f64>> = names
        .iter()
        .map(|n| match r.get(n, None) {
            Some(Val::Num(x)) => Some(x),
            _ => None,
        })
        .collect();
    match (vals[0], vals[1], vals[2]) {
        (None, None, None) => None,
        (Some(min), Some(ml), Some(max)) => {
            if min <= ml && ml <= max {
                Some(json!({"min": min, "most_likely": ml, "max": max}))
            } else {
                r.refuse(
                    &names[1],
                    "bad-value",
                    format!("the {what} estimate is not in order: min {min}, most likely {ml}, max {max}"),
                );
                None
            }
        }
        _ => {
            for (n, v) in names.iter().zip(&vals) {
                if v.is_none() && r.cell(n).is_none() {
                    r.missing(
                        n,
                        &format!(" (a {what} estimate needs min, most likely and max)"),
                    );
                }
            }
            None
        }
    }
}
