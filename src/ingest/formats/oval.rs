//! OVAL 5 results (`oval_results`, as OpenSCAP writes them into ARF) read
//! for observed values: for each OVAL definition a rule's check names, the
//! tests its criteria reach (through `extend_definition` too), the items
//! those tests looked at, and a short name/value pair per item (a config
//! file's matching line, a package's version, a sysctl value, a file's
//! mode and owner).
//!
//! OVAL results are written definitions first, then tests, then the
//! collected system data, so one pass keeps only what the wanted
//! definitions reach: every definition's criteria (ids only), the wanted
//! tests' item ids, and the wanted items' fields. Tests that failed come
//! first, and at most a handful of items per definition are kept. Fields
//! that hold passwords or secrets (`password` in a `shadow_item`) are
//! never copied.

use super::scap::{each_child, text};
use super::short;
use crate::ingest::xml::{Start, XmlStream};
use crate::ingest::{IngestError, Observation};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;

/// Items kept per test.
const ITEMS_PER_TEST: usize = 8;
/// Observations made per definition.
const PER_DEFINITION: usize = 5;
/// Fields kept per item, and characters per value.
const FIELDS: usize = 24;
const VALUE_CHARS: usize = 200;

/// Observed values by OVAL definition id. A definition evaluated in one
/// OVAL report is not replaced by a later report's copy.
#[derive(Debug, Default)]
pub struct Observed {
    pub by_definition: HashMap<String, Vec<Observation>>,
}

#[derive(Debug, Default)]
struct Definition {
    result: String,
    tests: Vec<String>,
    extends: Vec<String>,
}

#[derive(Debug, Default)]
struct Test {
    result: String,
    items: Vec<(String, String)>,
}

#[derive(Debug, Default)]
struct Item {
    kind: String,
    status: Option<String>,
    fields: Vec<(String, String)>,
}

/// Reads an `oval_results` element whose `Start` was just returned, keeping
/// the values the `wanted` definitions reach.
pub fn read<R: BufRead>(
    xs: &mut XmlStream<R>,
    wanted: &HashSet<String>,
    out: &mut Observed,
) -> Result<(), IngestError> {
    each_child(xs, |xs, s| {
        if s.name == "results" {
            each_child(xs, |xs, sys| {
                if sys.name == "system" {
                    system(xs, wanted, out)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })?;
    Ok(())
}

fn system<R: BufRead>(
    xs: &mut XmlStream<R>,
    wanted: &HashSet<String>,
    out: &mut Observed,
) -> Result<(), IngestError> {
    let mut defs: HashMap<String, Definition> = HashMap::new();
    let mut needed_tests: HashSet<String> = HashSet::new();
    let mut tests: HashMap<String, Test> = HashMap::new();
    let mut needed_items: HashSet<String> = HashSet::new();
    let mut items: HashMap<String, Item> = HashMap::new();
    each_child(xs, |xs, s| {
        match s.name.as_str() {
            "definitions" => {
                each_child(xs, |xs, d| {
                    if d.name == "definition" {
                        let id = d.attr("definition_id").unwrap_or("").to_string();
                        let mut def = Definition {
                            result: d.attr("result").unwrap_or("").to_string(),
                            ..Definition::default()
                        };
                        criteria(xs, &mut def)?;
                        defs.entry(id).or_insert(def);
                    }
                    Ok(())
                })?;
                for w in wanted {
                    for (t, _) in reach(&defs, w) {
                        needed_tests.insert(t.to_string());
                    }
                }
            }
            "tests" => {
                each_child(xs, |xs, t| {
                    let id = t.attr("test_id").unwrap_or("");
                    if t.name != "test" || !needed_tests.contains(id) {
                        return Ok(());
                    }
                    let mut test = Test {
                        result: t.attr("result").unwrap_or("").to_string(),
                        items: Vec::new(),
                    };
                    let id = id.to_string();
                    each_child(xs, |_, i| {
                        if i.name == "tested_item" && test.items.len() < ITEMS_PER_TEST {
                            let item = i.attr("item_id").unwrap_or("").to_string();
                            let result = i.attr("result").unwrap_or("").to_string();
                            needed_items.insert(item.clone());
                            test.items.push((item, result));
                        }
                        Ok(())
                    })?;
                    tests.insert(id, test);
                    Ok(())
                })?;
            }
            "oval_system_characteristics" => {
                each_child(xs, |xs, c| {
                    if c.name == "system_data" {
                        each_child(xs, |xs, i| {
                            let id = i.attr("id").unwrap_or("");
                            if needed_items.contains(id) {
                                let id = id.to_string();
                                let item = item(xs, i)?;
                                items.insert(id, item);
                            }
                            Ok(())
                        })?;
                    }
                    Ok(())
                })?;
            }
            _ => {}
        }
        Ok(())
    })?;
    for w in wanted {
        // A definition another report evaluated keeps that report's values;
        // one not evaluated here gives none.
        let Some(def) = defs.get(w) else { continue };
        if def.result == "not evaluated" || out.by_definition.get(w).is_some_and(|o| !o.is_empty())
        {
            continue;
        }
        let mut reached: Vec<(&str, usize)> = reach(&defs, w);
        // Failed tests first, in the order the criteria give them.
        reached
            .sort_by_key(|(t, i)| (tests.get(*t).map(|x| test_rank(&x.result)).unwrap_or(9), *i));
        let mut obs = Vec::new();
        for (t, _) in reached {
            let Some(test) = tests.get(t) else { continue };
            if test.result == "not evaluated" || test.result == "not applicable" {
                continue;
            }
            if test.items.is_empty() {
                obs.push(Observation {
                    name: t.to_string(),
                    expected: None,
                    actual: Some("no item found".to_string()),
                });
            }
            let mut its: Vec<&(String, String)> = test.items.iter().collect();
            its.sort_by_key(|(_, r)| test_rank(r));
            for (id, _) in its {
                if let Some(item) = items.get(id) {
                    let o = observe(item);
                    if !obs.contains(&o) {
                        obs.push(o);
                    }
                }
            }
            if obs.len() >= PER_DEFINITION {
                break;
            }
        }
        obs.truncate(PER_DEFINITION);
        out.by_definition.insert(w.clone(), obs);
    }
    Ok(())
}

fn test_rank(result: &str) -> u8 {
    match result {
        "false" => 0,
        "error" => 1,
        "unknown" => 2,
        "true" => 3,
        _ => 4,
    }
}

/// The criteria of a definition: criterion test refs and extended
/// definitions, at any depth.
fn criteria<R: BufRead>(xs: &mut XmlStream<R>, def: &mut Definition) -> Result<(), IngestError> {
    each_child(xs, |xs, c| {
        match c.name.as_str() {
            "criteria" => criteria(xs, def)?,
            "criterion" => {
                if let Some(t) = c.attr("test_ref")
                    && def.tests.len() < 256
                {
                    def.tests.push(t.to_string());
                }
            }
            "extend_definition" => {
                if let Some(d) = c.attr("definition_ref")
                    && def.extends.len() < 256
                {
                    def.extends.push(d.to_string());
                }
            }
            _ => {}
        }
        Ok(())
    })?;
    Ok(())
}

/// The tests a definition reaches, each once with its order, through
/// extended definitions (cycles and depth bounded).
fn reach<'a>(defs: &'a HashMap<String, Definition>, id: &str) -> Vec<(&'a str, usize)> {
    let mut out: Vec<(&str, usize)> = Vec::new();
    let mut seen_defs: HashSet<&str> = HashSet::new();
    let mut stack: Vec<(&str, usize)> = vec![];
    if let Some((k, _)) = defs.get_key_value(id) {
        stack.push((k.as_str(), 0));
    }
    while let Some((d, depth)) = stack.pop() {
        if !seen_defs.insert(d) || depth > 32 {
            continue;
        }
        let Some(def) = defs.get(d) else { continue };
        for t in &def.tests {
            if !out.iter().any(|(x, _)| x == t) {
                let n = out.len();
                out.push((t.as_str(), n));
            }
        }
        for e in def.extends.iter().rev() {
            if let Some((k, _)) = defs.get_key_value(e.as_str()) {
                stack.push((k.as_str(), depth + 1));
            }
        }
    }
    out
}

/// An item of `system_data` whose `Start` was just returned.
fn item<R: BufRead>(xs: &mut XmlStream<R>, start: &Start) -> Result<Item, IngestError> {
    let mut it = Item {
        kind: start.name.trim_end_matches("_item").to_string(),
        status: start.attr("status").map(str::to_string),
        fields: Vec::new(),
    };
    each_child(xs, |xs, f| {
        let name = f.name.clone();
        let value = text(xs)?;
        let n = name.to_ascii_lowercase();
        if n.contains("password") || n.contains("passwd") || n.contains("secret") {
            return Ok(());
        }
        if it.fields.len() < FIELDS && !value.is_empty() {
            let value = short::line(&value, VALUE_CHARS).unwrap_or_default();
            it.fields.push((name, value));
        }
        Ok(())
    })?;
    Ok(it)
}

/// What identifies an item, in order of preference.
const IDENTITY: &[&str] = &[
    "filepath",
    "name",
    "username",
    "service_name",
    "unit",
    "key",
    "command",
    "interface_name",
    "uri",
    "mount_point",
    "device",
];

/// Fields that say where or how, not what was found.
const SCAFFOLD: &[&str] = &[
    "filepath",
    "path",
    "filename",
    "pattern",
    "instance",
    "line",
    "hive",
    "windows_view",
];

fn observe(item: &Item) -> Observation {
    let get_all = |k: &str| {
        item.fields
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    let get = |k: &str| get_all(k).into_iter().next();
    let identity_key = IDENTITY.iter().copied().find(|k| get(k).is_some());
    let identity = match identity_key {
        Some("key") => {
            let key = get("key").unwrap_or("");
            match (get("hive"), get("name")) {
                (Some(h), Some(n)) => format!("{h}\\{key} {n}"),
                (Some(h), None) => format!("{h}\\{key}"),
                (None, Some(n)) => format!("{key} {n}"),
                (None, None) => key.to_string(),
            }
        }
        Some(k) => get(k).unwrap_or("").to_string(),
        None => match (get("path"), get("filename")) {
            (Some(p), Some(f)) => format!("{}/{f}", p.trim_end_matches('/')),
            (Some(p), None) => p.to_string(),
            _ => String::new(),
        },
    };
    let name = if identity.is_empty() {
        item.kind.clone()
    } else {
        format!("{} {identity}", item.kind)
    };
    let actual = match item.status.as_deref() {
        Some(s) if s != "exists" => Some(s.to_string()),
        _ => {
            let kind = item.kind.as_str();
            let chosen: Vec<&str> = if kind.starts_with("textfilecontent") {
                let subs = get_all("subexpression");
                if subs.is_empty() {
                    get_all("text")
                } else {
                    subs
                }
            } else if kind == "rpminfo" || kind == "dpkginfo" {
                get_all("evr")
                    .into_iter()
                    .chain(get("version"))
                    .take(1)
                    .collect()
            } else if kind == "sysctl" || kind.contains("variable") {
                get_all("value")
            } else {
                Vec::new()
            };
            if !chosen.is_empty() {
                Some(chosen.join(", "))
            } else {
                let mode = mode(item);
                let mut pairs: Vec<String> = Vec::new();
                if let Some(m) = &mode {
                    pairs.push(format!("mode={m}"));
                }
                for (n, v) in &item.fields {
                    if Some(n.as_str()) == identity_key
                        || SCAFFOLD.contains(&n.as_str())
                        || volatile(n)
                        || (mode.is_some() && PERMS.iter().any(|(p, _)| p == n))
                    {
                        continue;
                    }
                    pairs.push(format!("{n}={v}"));
                    if pairs.len() >= 8 {
                        break;
                    }
                }
                (!pairs.is_empty()).then(|| pairs.join(" "))
            }
        }
    }
    .and_then(|a| short::clip(&a, 2, VALUE_CHARS));
    Observation {
        name: short::line(&name, 300).unwrap_or_default(),
        expected: None,
        actual,
    }
}

/// Fields that change without the configuration changing (access and
/// change times, last logins): kept, they would show drift that is not.
fn volatile(field: &str) -> bool {
    field.ends_with("_time") || field == "last_login"
}

/// The permission bits of a `file_item`, in `ls` order.
const PERMS: &[(&str, char)] = &[
    ("uread", 'r'),
    ("uwrite", 'w'),
    ("uexec", 'x'),
    ("gread", 'r'),
    ("gwrite", 'w'),
    ("gexec", 'x'),
    ("oread", 'r'),
    ("owrite", 'w'),
    ("oexec", 'x'),
];

/// `rwxr-x---` from a file item's nine permission booleans.
fn mode(item: &Item) -> Option<String> {
    let mut out = String::new();
    for (field, c) in PERMS {
        let v = item.fields.iter().find(|(n, _)| n == field)?.1.as_str();
        out.push(if v == "true" || v == "1" { *c } else { '-' });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    const OVAL: &str = r#"<oval_results xmlns="http://oval.mitre.org/XMLSchema/oval-results-5">
  <generator/>
  <oval_definitions><definitions><definition id="oval:x:def:1"/></definitions></oval_definitions>
  <results><system>
    <definitions>
      <definition definition_id="oval:x:def:1" result="false">
        <criteria operator="AND" result="false">
          <criterion test_ref="oval:x:tst:1" result="true"/>
          <extend_definition definition_ref="oval:x:def:2" result="false"/>
        </criteria>
      </definition>
      <definition definition_id="oval:x:def:2" result="false">
        <criteria><criterion test_ref="oval:x:tst:2" result="false"/><criterion test_ref="oval:x:tst:3" result="true"/></criteria>
      </definition>
      <definition definition_id="oval:x:def:9" result="true">
        <criteria><criterion test_ref="oval:x:tst:9" result="true"/></criteria>
      </definition>
    </definitions>
    <tests>
      <test test_id="oval:x:tst:1" check="all" result="true"><tested_item item_id="10" result="true"/></test>
      <test test_id="oval:x:tst:2" check="all" result="false"><tested_item item_id="20" result="false"/></test>
      <test test_id="oval:x:tst:3" check_existence="none_exist" check="all" result="true"/>
      <test test_id="oval:x:tst:9" check="all" result="true"><tested_item item_id="90" result="true"/></test>
    </tests>
    <oval_system_characteristics xmlns:ind-sys="i" xmlns:unix-sys="u" xmlns:lin-sys="l">
      <collected_objects/>
      <system_data>
        <lin-sys:rpminfo_item id="10" status="exists"><lin-sys:name>openssh-server</lin-sys:name><lin-sys:evr>0:8.0p1-5.el8</lin-sys:evr></lin-sys:rpminfo_item>
        <ind-sys:textfilecontent_item id="20" status="exists"><ind-sys:filepath>/etc/ssh/sshd_config</ind-sys:filepath><ind-sys:pattern>^PermitRootLogin (.*)</ind-sys:pattern><ind-sys:instance>1</ind-sys:instance><ind-sys:text>PermitRootLogin yes</ind-sys:text><ind-sys:subexpression>yes</ind-sys:subexpression></ind-sys:textfilecontent_item>
        <unix-sys:shadow_item id="30" status="exists"><unix-sys:username>root</unix-sys:username><unix-sys:password>$6$secret</unix-sys:password></unix-sys:shadow_item>
        <unix-sys:file_item id="90" status="exists"><unix-sys:filepath>/etc/passwd</unix-sys:filepath><unix-sys:path>/etc</unix-sys:path><unix-sys:filename>passwd</unix-sys:filename><unix-sys:type>regular</unix-sys:type><unix-sys:user_id>0</unix-sys:user_id><unix-sys:uread>true</unix-sys:uread><unix-sys:uwrite>true</unix-sys:uwrite><unix-sys:uexec>false</unix-sys:uexec><unix-sys:gread>true</unix-sys:gread><unix-sys:gwrite>false</unix-sys:gwrite><unix-sys:gexec>false</unix-sys:gexec><unix-sys:oread>true</unix-sys:oread><unix-sys:owrite>false</unix-sys:owrite><unix-sys:oexec>false</unix-sys:oexec></unix-sys:file_item>
      </system_data>
    </oval_system_characteristics>
  </system></results>
</oval_results>"#;

    fn run(wanted: &[&str]) -> Observed {
        let mut xs = XmlStream::new(OVAL.as_bytes(), Path::new("t.xml"), "arf");
        assert!(matches!(
            xs.next_event(),
            Ok(Some(crate::ingest::xml::XmlEvent::Start(_)))
        ));
        let wanted: HashSet<String> = wanted.iter().map(|s| s.to_string()).collect();
        let mut out = Observed::default();
        read(&mut xs, &wanted, &mut out).expect("reads");
        out
    }

    #[test]
    fn definitions_reach_tests_and_items_failures_first() {
        let out = run(&["oval:x:def:1", "oval:x:def:9", "oval:x:def:404"]);
        let d1 = &out.by_definition["oval:x:def:1"];
        let got: Vec<(&str, Option<&str>)> = d1
            .iter()
            .map(|o| (o.name.as_str(), o.actual.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("textfilecontent /etc/ssh/sshd_config", Some("yes")),
                ("rpminfo openssh-server", Some("0:8.0p1-5.el8")),
                ("oval:x:tst:3", Some("no item found")),
            ]
        );
        let d9 = &out.by_definition["oval:x:def:9"];
        assert_eq!(d9[0].name, "file /etc/passwd");
        assert_eq!(
            d9[0].actual.as_deref(),
            Some("mode=rw-r--r-- type=regular user_id=0")
        );
        assert!(!out.by_definition.contains_key("oval:x:def:404"));
    }

    #[test]
    fn secrets_are_never_kept() {
        let it = Item {
            kind: "shadow".into(),
            status: Some("exists".into()),
            fields: vec![("username".into(), "root".into())],
        };
        assert_eq!(observe(&it).name, "shadow root");
        assert!(!OVAL.is_empty());
        let mut xs = XmlStream::new(
            "<x><unix-sys:shadow_item id=\"30\"><unix-sys:username>root</unix-sys:username><unix-sys:password>$6$secret</unix-sys:password></unix-sys:shadow_item></x>".as_bytes(),
            Path::new("t.xml"),
            "arf",
        );
        let _ = xs.next_event();
        let Ok(Some(crate::ingest::xml::XmlEvent::Start(s))) = xs.next_event() else {
            panic!("start")
        };
        let it = item(&mut xs, &s).expect("item");
        assert_eq!(
            it.fields,
            vec![("username".to_string(), "root".to_string())]
        );
    }
}
