//! DISA STIG Viewer checklists: the `.ckl` XML of STIG Viewer 2 (and of
//! the tools that write it: SCC, Evaluate-STIG, MITRE's converters) and
//! the `.cklb` JSON of STIG Viewer 3.
//!
//! **CKL.** `CHECKLIST` holds the `ASSET` and one `iSTIG` per STIG
//! reviewed; each `iSTIG` is one [`Scan`] (its profile is the STIG's title,
//! version and release from `STIG_INFO`, as STIG Viewer writes them in
//! `STIGRef`), each `VULN` one result. Its `STIG_DATA` pairs give the rule
//! id (`Vuln_Num`, V-), the title (`Rule_Title`), the severity (`Severity`:
//! high, medium, low are CAT I, II, III) and the references: every
//! `CCI_REF`, and as `other` `Vuln_Num` (`stig`), `Rule_ID` (`stig-rule`),
//! `Rule_Ver` (`stig-id`), an SRG `Group_Title` (`srg`) and each
//! `LEGACY_ID` (`stig-legacy`). Checklists carry no NIST references (NIST
//! comes from the CCIs through DISA's list, later).
//!
//! **Status**: `NotAFinding` pass, `Open` fail, `Not_Applicable` not
//! applicable, `Not_Reviewed` not checked (any other word is not checked,
//! with a message saying so). A `SEVERITY_OVERRIDE` is the severity, and
//! `overridden` gives the STIG's severity, the new one and the
//! `SEVERITY_JUSTIFICATION`. `FINDING_DETAILS` is the observed value (what
//! the reviewer or the tool saw), `COMMENTS` the message. The checklist's
//! statuses, counted, are the scan's stated counts. An `Open` finding's
//! `Fix_Text` is kept as its fix (text guidance, for `aegis remediation
//! plan`).
//!
//! **Target**: the asset's `HOST_NAME`, else `HOST_FQDN`, else `HOST_IP`;
//! for a web or database STIG (`WEB_OR_DATABASE`), `/site/instance` from
//! `WEB_DB_SITE` and `WEB_DB_INSTANCE` follows, as STIG Viewer keeps one
//! checklist per instance. **Tool**: the `<!--DISA STIG Viewer :: 2.17-->`
//! comment the writer leaves before the root (tool and version), else
//! `STIG Viewer`. Checklists record no scan time.
//!
//! **CKLB.** STIG Viewer 3's JSON as MITRE's `cklb-to-hdf` converter
//! (mitre/hdf-libs) reads it and as STIG Viewer 3.x exports it:
//! `target_data` (`host_name`, `fqdn`, `ip_address`, `is_web_database`,
//! `web_db_site`, `web_db_instance`) and `stigs[]` (`stig_name`,
//! `display_name`, `version`, `release_info`) with `rules[]`
//! (`group_id`, `rule_id_src` or `rule_id`, `rule_version`,
//! `rule_title`, `group_title` or `group_tree[].title`, `severity`,
//! `ccis`, `legacy_ids`, `status` `not_a_finding`, `open`,
//! `not_applicable`, `not_reviewed`, `finding_details`, `comments`,
//! `fix_text`).
//! Same mapping as CKL. A severity override is read from `overrides` as
//! the CKLB JSON schema shapes it (`"overrides": {"severity":
//! {"severity": "low", "reason": "..."}}`): no STIG Viewer 3 export with an
//! override has been seen, so that one field rests on the schema alone.

use super::json::{self, Text, Texts};
use super::scap::{each_child, other, text};
use super::short;
use crate::ingest::detect::{Head, Syntax};
use crate::ingest::xml::{Start, XmlStream};
use crate::ingest::{
    Fix, IngestError, Observation, Reader, Refs, RuleResult, Scan, ScanResult, Severity,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

pub struct Ckl;

impl Reader for Ckl {
    fn name(&self) -> &'static str {
        "ckl"
    }

    fn describe(&self) -> &'static str {
        "DISA STIG Viewer checklists (.ckl XML, STIG Viewer 3 .cklb JSON)"
    }

    fn detect(&self, head: &Head) -> bool {
        match head.syntax() {
            Syntax::Xml => head.xml_root().is_some_and(|(root, _)| root == "CHECKLIST"),
            Syntax::Json => {
                let keys = head.json_keys();
                let has = |k: &str| keys.iter().any(|x| x == k);
                has("stigs")
                    && (has("cklb_version")
                        || has("target_data")
                        || head.contains("\"stig_name\"")
                        || head.contains("\"rule_version\""))
            }
            Syntax::Other => false,
        }
    }

    fn read(&self, input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
        let io = |source| IngestError::Io {
            path: path.to_path_buf(),
            source,
        };
        json::skip_bom(input).map_err(io)?;
        let head = input.fill_buf().map_err(io)?;
        let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if first == Some(b'{') {
            return read_cklb(input, path);
        }
        let tool = writer(head);
        read_ckl(input, path, tool)
    }
}

/// The `<!--DISA STIG Viewer :: 2.17-->` comment before the root.
fn writer(head: &[u8]) -> (String, Option<String>) {
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    let found = text
        .split("<!--")
        .skip(1)
        .filter_map(|c| c.split("-->").next())
        .find_map(|c| {
            let (name, version) = c.split_once("::")?;
            let name = name.trim();
            let version = version.trim();
            (!name.is_empty() && name.len() < 80 && version.len() < 40).then(|| {
                (
                    name.to_string(),
                    (!version.is_empty()).then(|| version.to_string()),
                )
            })
        });
    found.unwrap_or_else(|| ("STIG Viewer".to_string(), None))
}

// ---- one checklist entry, either format ----------------------------------------

#[derive(Debug, Default)]
struct Vuln {
    vuln_num: Option<String>,
    rule_id: Option<String>,
    rule_ver: Option<String>,
    title: Option<String>,
    severity: Option<String>,
    group_title: Option<String>,
    ccis: Vec<String>,
    legacy: Vec<String>,
    status: Option<String>,
    details: Option<String>,
    comments: Option<String>,
    override_severity: Option<String>,
    justification: Option<String>,
    /// `Fix_Text`: DISA's remediation guidance, kept for open findings.
    fix: Option<String>,
}

/// Characters kept of a fix text.
const FIX_CHARS: usize = 64 * 1024;

/// STIG severity words (and their categories).
fn severity(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "high" | "cat i" | "i" => Some(Severity::High),
        "medium" | "cat ii" | "ii" => Some(Severity::Medium),
        "low" | "cat iii" | "iii" => Some(Severity::Low),
        _ => None,
    }
}

/// A checklist status (CKL's or CKLB's spelling), as our result.
fn status(word: &str) -> Option<ScanResult> {
    let key: String = word
        .chars()
        .filter(|c| *c != '_' && *c != ' ')
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match key.as_str() {
        "notafinding" => ScanResult::Pass,
        "open" => ScanResult::Fail,
        "notapplicable" => ScanResult::Notapplicable,
        "notreviewed" => ScanResult::Notchecked,
        _ => return None,
    })
}

impl Vuln {
    fn result(self, target: &str) -> Option<RuleResult> {
        let rule_id = self.vuln_num.clone()?;
        let mut refs = Refs::default();
        for c in &self.ccis {
            refs.push_cci(c);
        }
        other(&mut refs, "stig", &rule_id);
        if let Some(r) = &self.rule_id {
            other(&mut refs, "stig-rule", r);
        }
        if let Some(v) = &self.rule_ver {
            other(&mut refs, "stig-id", v);
        }
        if let Some(g) = &self.group_title
            && g.starts_with("SRG-")
        {
            other(&mut refs, "srg", g);
        }
        for l in &self.legacy {
            other(&mut refs, "stig-legacy", l);
        }
        let word = self.status.as_deref().unwrap_or("");
        let (result, unknown) = match status(word) {
            Some(r) => (r, None),
            None => (
                ScanResult::Notchecked,
                Some(format!(
                    "checklist status `{}` is not one STIG Viewer writes",
                    short::line(word, 40).unwrap_or_default()
                )),
            ),
        };
        let stated = self.severity.as_deref().and_then(severity);
        let overriding = self.override_severity.as_deref().and_then(severity);
        let overridden = overriding.map(|new| {
            let mut s = match stated {
                Some(old) => format!("severity {} overridden to {}", old.as_str(), new.as_str()),
                None => format!("severity overridden to {}", new.as_str()),
            };
            if let Some(j) = &self.justification {
                s.push_str(": ");
                s.push_str(j);
            }
            s
        });
        let observed = self
            .details
            .as_deref()
            .and_then(short::message)
            .map(|actual| Observation {
                name: "finding details".to_string(),
                expected: None,
                actual: Some(actual),
            })
            .into_iter()
            .collect();
        let message = match (unknown, self.comments.as_deref().and_then(short::message)) {
            (Some(u), Some(c)) => Some(format!("{u}; {c}")),
            (u, c) => u.or(c),
        };
        Some(RuleResult {
            target: target.to_string(),
            rule_id,
            title: self.title.as_deref().and_then(|t| short::line(t, 500)),
            result,
            severity: overriding.or(stated),
            refs,
            observed,
            message,
            overridden: overridden.and_then(|o| short::message(&o)),
        })
    }
}

/// One STIG of a checklist, as a scan.
fn scan(
    tool: &(String, Option<String>),
    profile: Option<String>,
    vulns: Vec<Vuln>,
    target: &str,
) -> Scan {
    let mut fixes: BTreeMap<String, Vec<Fix>> = BTreeMap::new();
    let results: Vec<RuleResult> = vulns
        .into_iter()
        .filter_map(|mut v| {
            let fix = v.fix.take();
            let r = v.result(target)?;
            if r.result == ScanResult::Fail
                && let Some(text) = fix
            {
                let text: String = text.chars().take(FIX_CHARS).collect();
                fixes
                    .entry(r.rule_id.clone())
                    .or_insert_with(|| vec![Fix::text(text)]);
            }
            Some(r)
        })
        .collect();
    let mut stated: BTreeMap<ScanResult, usize> = BTreeMap::new();
    for r in &results {
        *stated.entry(r.result).or_default() += 1;
    }
    Scan {
        format: "ckl",
        tool: tool.0.clone(),
        tool_version: tool.1.clone(),
        id: None,
        time: None,
        profile,
        results,
        stated,
        fixes,
    }
}

/// `Title :: Version 1, Release: 3 Benchmark Date: 23 Jul 2021`, as STIG
/// Viewer names a STIG.
fn stig_ref(title: Option<&str>, version: Option<&str>, release: Option<&str>) -> Option<String> {
    let title = title?;
    Some(match (version, release) {
        (Some(v), Some(r)) => format!("{title} :: Version {v}, {r}"),
        (Some(v), None) => format!("{title} :: Version {v}"),
        (None, Some(r)) => format!("{title} :: {r}"),
        (None, None) => title.to_string(),
    })
}

#[derive(Debug, Default)]
struct Target {
    host_name: Option<String>,
    fqdn: Option<String>,
    ip: Option<String>,
    web_or_database: bool,
    site: Option<String>,
    instance: Option<String>,
}

impl Target {
    fn name(&self) -> String {
        let mut t = self
            .host_name
            .clone()
            .or_else(|| self.fqdn.clone())
            .or_else(|| self.ip.clone())
            .unwrap_or_default();
        if self.web_or_database {
            for part in [&self.site, &self.instance].into_iter().flatten() {
                t.push('/');
                t.push_str(part);
            }
        }
        t
    }
}

// ---- CKL ------------------------------------------------------------------------

fn read_ckl(
    input: &mut dyn BufRead,
    path: &Path,
    tool: (String, Option<String>),
) -> Result<Vec<Scan>, IngestError> {
    crate::ingest::xml::pipe(input, path, "ckl", |xs| {
        xs.root("CHECKLIST", "a STIG Viewer CHECKLIST")?;
        let mut target = Target::default();
        let mut scans = Vec::new();
        each_child(xs, |xs, s| {
            match s.name.as_str() {
                "ASSET" => {
                    each_child(xs, |xs, a| {
                        let v = Some(text(xs)?).filter(|t| !t.is_empty());
                        match a.name.as_str() {
                            "HOST_NAME" => target.host_name = v,
                            "HOST_FQDN" => target.fqdn = v,
                            "HOST_IP" => target.ip = v,
                            "WEB_OR_DATABASE" => {
                                target.web_or_database =
                                    v.is_some_and(|v| v.eq_ignore_ascii_case("true"))
                            }
                            "WEB_DB_SITE" => target.site = v,
                            "WEB_DB_INSTANCE" => target.instance = v,
                            _ => {}
                        }
                        Ok(())
                    })?;
                }
                "STIGS" => {
                    let name = target.name();
                    each_child(xs, |xs, i| {
                        if i.name == "iSTIG" {
                            scans.push(istig(xs, &tool, &name)?);
                        }
                        Ok(())
                    })?;
                }
                _ => {}
            }
            Ok(())
        })?;
        while xs.next_event()?.is_some() {}
        Ok(scans)
    })
}

fn istig<R: BufRead>(
    xs: &mut XmlStream<R>,
    tool: &(String, Option<String>),
    target: &str,
) -> Result<Scan, IngestError> {
    let mut info: BTreeMap<String, String> = BTreeMap::new();
    let mut vulns = Vec::new();
    each_child(xs, |xs, s| {
        match s.name.as_str() {
            "STIG_INFO" => {
                each_child(xs, |xs, d| {
                    if d.name == "SI_DATA" {
                        let (mut name, mut data) = (None, None);
                        each_child(xs, |xs, f| {
                            match f.name.as_str() {
                                "SID_NAME" => name = Some(text(xs)?),
                                "SID_DATA" => data = Some(text(xs)?),
                                _ => {}
                            }
                            Ok(())
                        })?;
                        if let (Some(n), Some(d)) = (name, data.filter(|d| !d.is_empty())) {
                            info.insert(n, d);
                        }
                    }
                    Ok(())
                })?;
            }
            "VULN" => vulns.push(vuln(xs, s)?),
            _ => {}
        }
        Ok(())
    })?;
    let release = info.get("releaseinfo").map(String::as_str);
    let profile = stig_ref(
        info.get("title").map(String::as_str),
        info.get("version").map(String::as_str),
        release,
    )
    .or_else(|| info.get("stigid").cloned());
    Ok(scan(tool, profile, vulns, target))
}

fn vuln<R: BufRead>(xs: &mut XmlStream<R>, _start: &Start) -> Result<Vuln, IngestError> {
    let mut v = Vuln::default();
    let some = |t: String| Some(t).filter(|t| !t.is_empty());
    each_child(xs, |xs, s| {
        match s.name.as_str() {
            "STIG_DATA" => {
                let mut attribute = String::new();
                each_child(xs, |xs, f| {
                    match f.name.as_str() {
                        "VULN_ATTRIBUTE" => attribute = text(xs)?,
                        "ATTRIBUTE_DATA" => {
                            // Only what is kept is read; the long texts
                            // (discussion, check) are skipped.
                            let slot = match attribute.as_str() {
                                "Vuln_Num" => &mut v.vuln_num,
                                "Rule_ID" => &mut v.rule_id,
                                "Rule_Ver" => &mut v.rule_ver,
                                "Rule_Title" => &mut v.title,
                                "Severity" => &mut v.severity,
                                "Group_Title" => &mut v.group_title,
                                "Fix_Text" => &mut v.fix,
                                "CCI_REF" | "LEGACY_ID" => {
                                    if let Some(t) = some(text(xs)?)
                                        && v.ccis.len() + v.legacy.len() < 512
                                    {
                                        if attribute == "CCI_REF" {
                                            v.ccis.push(t);
                                        } else {
                                            v.legacy.push(t);
                                        }
                                    }
                                    return Ok(());
                                }
                                _ => return Ok(()),
                            };
                            *slot = some(text(xs)?);
                        }
                        _ => {}
                    }
                    Ok(())
                })?;
            }
            "STATUS" => v.status = some(text(xs)?),
            "FINDING_DETAILS" => v.details = some(xs.text_until_end()?),
            "COMMENTS" => v.comments = some(xs.text_until_end()?),
            "SEVERITY_OVERRIDE" => v.override_severity = some(text(xs)?),
            "SEVERITY_JUSTIFICATION" => v.justification = some(text(xs)?),
            _ => {}
        }
        Ok(())
    })?;
    Ok(v)
}

// ---- CKLB -------------------------------------------------------------------------

#[derive(Deserialize)]
struct CklbDoc {
    #[serde(default)]
    target_data: Option<CklbTarget>,
    #[serde(default)]
    stigs: Option<Vec<CklbStig>>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CklbTarget {
    host_name: Text,
    fqdn: Text,
    ip_address: Texts,
    is_web_database: Text,
    web_db_site: Text,
    web_db_instance: Text,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CklbStig {
    stig_name: Text,
    display_name: Text,
    stig_id: Text,
    version: Text,
    release_info: Text,
    rules: Vec<CklbRule>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CklbRule {
    group_id: Text,
    rule_id: Text,
    rule_id_src: Text,
    rule_version: Text,
    rule_title: Text,
    group_title: Text,
    group_tree: Vec<CklbGroup>,
    srg_id: Text,
    severity: Text,
    ccis: Texts,
    legacy_ids: Texts,
    status: Text,
    finding_details: Text,
    comments: Text,
    fix_text: Text,
    overrides: Option<serde_json::Value>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct CklbGroup {
    title: Text,
}

fn read_cklb(input: &mut dyn BufRead, path: &Path) -> Result<Vec<Scan>, IngestError> {
    let doc: CklbDoc = serde_json::from_reader(input).map_err(|e| json::error(path, "ckl", e))?;
    let Some(stigs) = doc.stigs else {
        return Err(IngestError::malformed(
            path,
            "ckl",
            None,
            "no `stigs`: a STIG Viewer 3 checklist lists its STIGs",
        ));
    };
    let t = doc.target_data.unwrap_or_default();
    let target = Target {
        host_name: t.host_name.get().map(str::to_string),
        fqdn: t.fqdn.get().map(str::to_string),
        ip: t
            .ip_address
            .0
            .first()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        web_or_database: t.is_web_database.get() == Some("true"),
        site: t.web_db_site.get().map(str::to_string),
        instance: t.web_db_instance.get().map(str::to_string),
    }
    .name();
    let tool = ("STIG Viewer".to_string(), None);
    Ok(stigs
        .into_iter()
        .map(|s| {
            let title = s.stig_name.get().or(s.display_name.get());
            let profile = stig_ref(title, s.version.get(), s.release_info.get())
                .or_else(|| s.stig_id.get().map(str::to_string));
            let vulns = s.rules.into_iter().map(cklb_vuln).collect();
            scan(&tool, profile, vulns, &target)
        })
        .collect())
}

fn cklb_vuln(r: CklbRule) -> Vuln {
    let s = |t: &Text| t.get().map(str::to_string);
    let group_title = r
        .group_title
        .get()
        .filter(|g| g.starts_with("SRG-"))
        .or_else(|| {
            r.group_tree
                .iter()
                .find_map(|g| g.title.get().filter(|t| t.starts_with("SRG-")))
        })
        .or(r.srg_id.get())
        .map(str::to_string);
    // `"overrides": {"severity": {"severity": "low", "reason": "..."}}`.
    let sev = r
        .overrides
        .as_ref()
        .and_then(|o| o.get("severity"))
        .filter(|o| o.is_object());
    let word = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Vuln {
        vuln_num: s(&r.group_id),
        rule_id: s(&r.rule_id_src).or(s(&r.rule_id)),
        rule_ver: s(&r.rule_version),
        title: s(&r.rule_title),
        severity: s(&r.severity),
        group_title,
        ccis: r.ccis.0,
        legacy: r.legacy_ids.0,
        status: s(&r.status),
        details: s(&r.finding_details),
        comments: s(&r.comments),
        override_severity: word(sev.and_then(|o| o.get("severity"))),
        justification: word(sev.and_then(|o| o.get("reason"))),
        fix: s(&r.fix_text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Scan>, IngestError> {
        Ckl.read(&mut text.as_bytes(), Path::new("c.ckl"))
    }

    fn vuln_xml(num: &str, sev: &str, status: &str, extra: &str) -> String {
        format!(
            "<VULN><STIG_DATA><VULN_ATTRIBUTE>Vuln_Num</VULN_ATTRIBUTE><ATTRIBUTE_DATA>{num}</ATTRIBUTE_DATA></STIG_DATA>\
<STIG_DATA><VULN_ATTRIBUTE>Severity</VULN_ATTRIBUTE><ATTRIBUTE_DATA>{sev}</ATTRIBUTE_DATA></STIG_DATA>\
<STIG_DATA><VULN_ATTRIBUTE>Group_Title</VULN_ATTRIBUTE><ATTRIBUTE_DATA>SRG-OS-000480-GPOS-00227</ATTRIBUTE_DATA></STIG_DATA>\
<STIG_DATA><VULN_ATTRIBUTE>Rule_ID</VULN_ATTRIBUTE><ATTRIBUTE_DATA>S{num}r1_rule</ATTRIBUTE_DATA></STIG_DATA>\
<STIG_DATA><VULN_ATTRIBUTE>Rule_Ver</VULN_ATTRIBUTE><ATTRIBUTE_DATA>OS-{num}</ATTRIBUTE_DATA></STIG_DATA>\
<STIG_DATA><VULN_ATTRIBUTE>Rule_Title</VULN_ATTRIBUTE><ATTRIBUTE_DATA>Title of {num}</ATTRIBUTE_DATA></STIG_DATA>\
<STIG_DATA><VULN_ATTRIBUTE>Vuln_Discuss</VULN_ATTRIBUTE><ATTRIBUTE_DATA>long &lt;text&gt;</ATTRIBUTE_DATA></STIG_DATA>\
<STIG_DATA><VULN_ATTRIBUTE>LEGACY_ID</VULN_ATTRIBUTE><ATTRIBUTE_DATA>V-1{num}</ATTRIBUTE_DATA></STIG_DATA>\
<STIG_DATA><VULN_ATTRIBUTE>LEGACY_ID</VULN_ATTRIBUTE><ATTRIBUTE_DATA></ATTRIBUTE_DATA></STIG_DATA>\
<STIG_DATA><VULN_ATTRIBUTE>CCI_REF</VULN_ATTRIBUTE><ATTRIBUTE_DATA>CCI-000366</ATTRIBUTE_DATA></STIG_DATA>\
<STIG_DATA><VULN_ATTRIBUTE>CCI_REF</VULN_ATTRIBUTE><ATTRIBUTE_DATA>CCI-000048</ATTRIBUTE_DATA></STIG_DATA>\
<STATUS>{status}</STATUS>{extra}</VULN>"
        )
    }

    fn checklist(asset: &str, stigs: &[(&str, Vec<String>)]) -> String {
        let mut s = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!--DISA STIG Viewer :: 2.17-->\n<CHECKLIST><ASSET>{asset}</ASSET><STIGS>"
        );
        for (title, vulns) in stigs {
            s.push_str(&format!(
                "<iSTIG><STIG_INFO><SI_DATA><SID_NAME>version</SID_NAME><SID_DATA>2</SID_DATA></SI_DATA>\
<SI_DATA><SID_NAME>customname</SID_NAME></SI_DATA>\
<SI_DATA><SID_NAME>releaseinfo</SID_NAME><SID_DATA>Release: 5 Benchmark Date: 01 Jan 2024</SID_DATA></SI_DATA>\
<SI_DATA><SID_NAME>title</SID_NAME><SID_DATA>{title}</SID_DATA></SI_DATA></STIG_INFO>{}</iSTIG>",
                vulns.concat()
            ));
        }
        s.push_str("</STIGS></CHECKLIST>");
        s
    }

    #[test]
    fn statuses_overrides_and_one_scan_per_stig() {
        let xml = checklist(
            "<ROLE>None</ROLE><HOST_NAME>web01</HOST_NAME><HOST_IP>10.0.0.1</HOST_IP><HOST_FQDN>web01.example.org</HOST_FQDN><WEB_OR_DATABASE>false</WEB_OR_DATABASE>",
            &[
                (
                    "OS STIG",
                    vec![
                        vuln_xml(
                            "V-1",
                            "high",
                            "NotAFinding",
                            "<FINDING_DETAILS>PermitRootLogin no\n(from sshd -T)</FINDING_DETAILS><COMMENTS>checked by hand</COMMENTS>",
                        ),
                        vuln_xml(
                            "V-2",
                            "medium",
                            "Open",
                            "<SEVERITY_OVERRIDE>low</SEVERITY_OVERRIDE><SEVERITY_JUSTIFICATION>mitigated by the firewall</SEVERITY_JUSTIFICATION>",
                        ),
                        vuln_xml(
                            "V-3",
                            "low",
                            "Not_Applicable",
                            "<SEVERITY_OVERRIDE></SEVERITY_OVERRIDE>",
                        ),
                        vuln_xml("V-4", "medium", "Not_Reviewed", ""),
                        vuln_xml("V-5", "medium", "Maybe", ""),
                    ],
                ),
                ("Web STIG", vec![vuln_xml("V-9", "medium", "Open", "")]),
            ],
        );
        let scans = read(&xml).expect("reads");
        assert_eq!(scans.len(), 2);
        let s = &scans[0];
        assert_eq!(s.format, "ckl");
        assert_eq!(s.tool, "DISA STIG Viewer");
        assert_eq!(s.tool_version.as_deref(), Some("2.17"));
        assert_eq!(
            s.profile.as_deref(),
            Some("OS STIG :: Version 2, Release: 5 Benchmark Date: 01 Jan 2024")
        );
        let got: Vec<(&str, ScanResult, Option<Severity>)> = s
            .results
            .iter()
            .map(|r| (r.rule_id.as_str(), r.result, r.severity))
            .collect();
        assert_eq!(
            got,
            vec![
                ("V-1", ScanResult::Pass, Some(Severity::High)),
                ("V-2", ScanResult::Fail, Some(Severity::Low)),
                ("V-3", ScanResult::Notapplicable, Some(Severity::Low)),
                ("V-4", ScanResult::Notchecked, Some(Severity::Medium)),
                ("V-5", ScanResult::Notchecked, Some(Severity::Medium)),
            ]
        );
        assert_eq!(
            s.stated,
            BTreeMap::from([
                (ScanResult::Pass, 1),
                (ScanResult::Fail, 1),
                (ScanResult::Notapplicable, 1),
                (ScanResult::Notchecked, 2),
            ])
        );
        let r = &s.results[0];
        assert_eq!(r.target, "web01");
        assert_eq!(r.title.as_deref(), Some("Title of V-1"));
        assert_eq!(r.refs.cci, vec!["CCI-000366", "CCI-000048"]);
        let other: Vec<(&str, &str)> = r
            .refs
            .other
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            other,
            vec![
                ("stig", "V-1"),
                ("stig-rule", "SV-1r1_rule"),
                ("stig-id", "OS-V-1"),
                ("srg", "SRG-OS-000480-GPOS-00227"),
                ("stig-legacy", "V-1V-1"),
            ]
        );
        assert_eq!(r.observed[0].name, "finding details");
        assert_eq!(
            r.observed[0].actual.as_deref(),
            Some("PermitRootLogin no\n(from sshd -T)")
        );
        assert_eq!(r.message.as_deref(), Some("checked by hand"));
        assert_eq!(
            s.results[1].overridden.as_deref(),
            Some("severity medium overridden to low: mitigated by the firewall")
        );
        assert_eq!(s.results[2].overridden, None);
        assert_eq!(
            s.results[4].message.as_deref(),
            Some("checklist status `Maybe` is not one STIG Viewer writes")
        );
        assert_eq!(scans[1].results[0].rule_id, "V-9");
        assert_eq!(scans[1].results[0].target, "web01");
    }

    #[test]
    fn targets_fall_back_and_name_database_instances() {
        let xml = checklist(
            "<HOST_NAME></HOST_NAME><HOST_IP>10.0.0.2</HOST_IP><HOST_FQDN>db.example.org</HOST_FQDN><WEB_OR_DATABASE>true</WEB_OR_DATABASE><WEB_DB_SITE></WEB_DB_SITE><WEB_DB_INSTANCE>pg-main</WEB_DB_INSTANCE>",
            &[("DB STIG", vec![vuln_xml("V-1", "low", "Open", "")])],
        );
        let scans = read(&xml).expect("reads");
        assert_eq!(scans[0].results[0].target, "db.example.org/pg-main");
        let bare = "<CHECKLIST><ASSET/><STIGS><iSTIG><VULN><STIG_DATA><VULN_ATTRIBUTE>Vuln_Num</VULN_ATTRIBUTE><ATTRIBUTE_DATA>V-7</ATTRIBUTE_DATA></STIG_DATA><STATUS>Open</STATUS></VULN></iSTIG></STIGS></CHECKLIST>";
        let scans = read(bare).expect("reads");
        assert_eq!(scans[0].tool, "STIG Viewer");
        assert_eq!(scans[0].results[0].target, "");
        assert_eq!(scans[0].profile, None);
        let cut = "<CHECKLIST>\n<ASSET/>\n<STIGS><iSTIG>";
        assert!(matches!(
            read(cut),
            Err(IngestError::Malformed { line: Some(3), .. })
        ));
    }

    const CKLB: &str = r#"{
  "title": "web01",
  "id": "f90d9b22-64a9-429d-9adb-fd5b3b33364f",
  "stigs": [{
    "stig_name": "Microsoft Windows 10 Security Technical Implementation Guide",
    "display_name": "Microsoft Windows 10",
    "stig_id": "MS_Windows_10_STIG",
    "release_info": "Release: 7 Benchmark Date: 07 Jun 2023",
    "version": "2",
    "uuid": "84f103f4-9d32-429a-8e2e-a89414b51b66",
    "rules": [
      {"uuid": "0a04", "group_id": "V-220697", "rule_id": "SV-220697r857178", "rule_id_src": "SV-220697r857178_rule",
       "severity": "medium", "rule_version": "WN10-00-000005", "group_title": "Domain-joined systems must use Enterprise.",
       "rule_title": "Domain-joined systems must use Windows 10 Enterprise Edition 64-bit version.",
       "legacy_ids": ["V-63319", "SV-77809"], "ccis": ["CCI-000366"],
       "group_tree": [{"id": "V-220697", "title": "SRG-OS-000480-GPOS-00227", "description": "<GroupDescription></GroupDescription>"}],
       "status": "not_a_finding", "overrides": {}, "comments": "", "finding_details": "Edition: Enterprise", "fix_text": "Use Enterprise."},
      {"group_id": "V-220698", "rule_id": "SV-220698r857181", "severity": "high", "status": "open", "fix_text": "Enable TPM in the BIOS.\nThen reboot.",
       "overrides": {"severity": {"severity": "low", "reason": "no TPM in VDI"}}, "comments": "ticket 42", "finding_details": ""},
      {"group_id": "V-220699", "severity": "low", "status": "not_applicable"},
      {"group_id": "V-220700", "severity": "low", "status": "not_reviewed", "check_content_ref": {"href": "x.xml", "name": "M"}, "target_key": null}
    ]
  }],
  "active": false,
  "mode": 2,
  "has_path": true,
  "target_data": {"target_type": "Computing", "host_name": "", "ip_address": "10.9.8.7", "mac_address": "", "fqdn": "",
    "comments": "", "role": "None", "is_web_database": false, "technology_area": "", "web_db_site": "", "web_db_instance": ""},
  "cklb_version": "1.0"
}"#;

    #[test]
    fn stig_viewer_3_checklists() {
        assert!(Ckl.detect(&Head::new(CKLB.as_bytes())));
        let scans = Ckl
            .read(&mut CKLB.as_bytes(), Path::new("c.cklb"))
            .expect("reads");
        assert_eq!(scans.len(), 1);
        let s = &scans[0];
        // Only the open finding's fix text is kept.
        let fixes: Vec<(&str, &str)> = s
            .fixes
            .iter()
            .map(|(r, f)| (r.as_str(), f[0].content.as_str()))
            .collect();
        assert_eq!(
            fixes,
            vec![("V-220698", "Enable TPM in the BIOS.\nThen reboot.")]
        );
        assert_eq!(s.tool, "STIG Viewer");
        assert_eq!(
            s.profile.as_deref(),
            Some(
                "Microsoft Windows 10 Security Technical Implementation Guide :: Version 2, Release: 7 Benchmark Date: 07 Jun 2023"
            )
        );
        let got: Vec<(&str, ScanResult)> = s
            .results
            .iter()
            .map(|r| (r.rule_id.as_str(), r.result))
            .collect();
        assert_eq!(
            got,
            vec![
                ("V-220697", ScanResult::Pass),
                ("V-220698", ScanResult::Fail),
                ("V-220699", ScanResult::Notapplicable),
                ("V-220700", ScanResult::Notchecked),
            ]
        );
        let r = &s.results[0];
        assert_eq!(r.target, "10.9.8.7");
        assert!(
            r.refs
                .other
                .contains(&("stig-rule".into(), "SV-220697r857178_rule".into()))
        );
        assert!(
            r.refs
                .other
                .contains(&("srg".into(), "SRG-OS-000480-GPOS-00227".into()))
        );
        assert!(
            r.refs
                .other
                .contains(&("stig-legacy".into(), "SV-77809".into()))
        );
        assert_eq!(r.observed[0].actual.as_deref(), Some("Edition: Enterprise"));
        let r = &s.results[1];
        assert_eq!(r.severity, Some(Severity::Low));
        assert_eq!(
            r.overridden.as_deref(),
            Some("severity high overridden to low: no TPM in VDI")
        );
        assert_eq!(r.message.as_deref(), Some("ticket 42"));
        assert!(
            r.refs
                .other
                .contains(&("stig-rule".into(), "SV-220698r857181".into()))
        );
        assert_eq!(s.stated.values().sum::<usize>(), 4);
    }

    #[test]
    fn detection() {
        assert!(Ckl.detect(&Head::new(
            b"<?xml version=\"1.0\"?>\n<!--DISA STIG Viewer :: 2.17-->\n<CHECKLIST>"
        )));
        assert!(Ckl.detect(&Head::new(
            br#"{"title": "x", "id": "y", "stigs": [{"stig_name": "S", "rules": []}]"#
        )));
        assert!(!Ckl.detect(&Head::new(br#"{"stigs": 1}"#)));
        assert!(!Ckl.detect(&Head::new(b"<Benchmark/>")));
    }
}
