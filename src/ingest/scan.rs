//! What a reader makes of one scanner file, before anything is mapped to
//! controls or compared with the repository's state: the tool, the run,
//! and each rule's result on each target, with the references the scanner
//! itself gives.

pub use crate::model::ScanResult;
use serde::Serialize;
use std::collections::BTreeMap;

/// One run of one tool (a file may hold several: SARIF runs, ARF reports).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Scan {
    /// The reader that read it (`xccdf`, `sarif`, ...).
    pub format: &'static str,
    /// The tool as it names itself (`OpenSCAP`, `Trivy`, `CodeQL`).
    pub tool: String,
    pub tool_version: Option<String>,
    /// The run's own id (an XCCDF TestResult id, a SARIF automation id).
    pub id: Option<String>,
    /// When the scan ran (its end when it gives both), RFC 3339 or a date,
    /// as the file writes it.
    pub time: Option<String>,
    /// The benchmark, profile or policy the scan applied, when it names one.
    pub profile: Option<String>,
    pub results: Vec<RuleResult>,
    /// Counts the file states about itself, by result, for cross-checks
    /// (a checklist's statuses, Checkov's summary). Empty when it states none.
    pub stated: BTreeMap<ScanResult, usize>,
    /// Fix content the file carries for its failing rules, by rule id: the
    /// remediation `aegis remediation plan` proposes. Empty for formats
    /// without fix content.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fixes: BTreeMap<String, Vec<Fix>>,
}

/// One fix for a rule, as its publisher wrote it: an XCCDF `fix` (a script
/// in the language `system` names, its `sub` values resolved), or text
/// guidance (an XCCDF `fixtext`, a STIG checklist's `Fix_Text`, an HDF
/// `fix` description).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The fix system (`urn:xccdf:fix:script:sh`,
    /// `urn:xccdf:fix:script:ansible`, ...), or [`Fix::TEXT`] for prose.
    pub system: String,
    /// The fix's own id, when it has one.
    pub id: Option<String>,
    /// XCCDF's `complexity`, `disruption` and `strategy` words, as written.
    pub complexity: Option<String>,
    pub disruption: Option<String>,
    pub strategy: Option<String>,
    /// Whether applying the fix needs a reboot, when the fix says.
    pub reboot: Option<bool>,
    /// The content, `sub` values resolved; where one could not be, the
    /// placeholder [`Fix::placeholder`] stands in its place.
    pub content: String,
    /// The `sub` idrefs that could not be resolved, with why.
    pub unresolved: Vec<(String, String)>,
    /// The `sub` idrefs resolved, with their values (sorted by idref).
    pub values: Vec<(String, String)>,
}

impl Fix {
    /// The system of text guidance.
    pub const TEXT: &'static str = "text";

    /// What stands for an unresolved value `idref` in a fix's content.
    pub fn placeholder(idref: &str) -> String {
        format!("@@AEGIS_UNRESOLVED:{idref}@@")
    }

    /// Text guidance with `content`.
    pub fn text(content: String) -> Fix {
        Fix {
            system: Fix::TEXT.to_string(),
            content,
            ..Fix::default()
        }
    }
}

/// One rule's result on one target.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RuleResult {
    /// The host, image, account, URL or file the rule ran against; empty
    /// when the format names none (`aegis ingest --target` fills it).
    pub target: String,
    /// The rule's id as the tool writes it.
    pub rule_id: String,
    pub title: Option<String>,
    pub result: ScanResult,
    pub severity: Option<Severity>,
    /// The references the result or its rule carries, never scraped from
    /// message text.
    pub refs: Refs,
    /// What the check saw: the values that make drift visible.
    pub observed: Vec<Observation>,
    /// The tool's message, short (a reader keeps the first lines).
    pub message: Option<String>,
    /// The result was waived or overridden in the file itself (an XCCDF
    /// override, an HDF waiver, a SARIF suppression); `result` is what it
    /// became, and this says why.
    pub overridden: Option<String>,
}

/// Severity on one scale for every tool: each reader maps its tool's words
/// (CAT I, `security-severity` 9.1, `Risk: 3`, `high`) onto it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The common words tools use (`high`, `CAT II`, `moderate`, `error`,
    /// `informational`, `none`), case-insensitively.
    pub fn from_word(word: &str) -> Option<Severity> {
        let w = word.trim().to_ascii_lowercase();
        Some(match w.as_str() {
            "critical" | "crit" | "very high" | "cat i+" => Severity::Critical,
            "high" | "cat i" | "cat1" | "i" | "error" | "major" => Severity::High,
            "medium" | "moderate" | "cat ii" | "cat2" | "ii" | "warning" | "minor" => {
                Severity::Medium
            }
            "low" | "cat iii" | "cat3" | "iii" | "note" => Severity::Low,
            "info" | "informational" | "information" | "none" | "unknown" | "negligible" => {
                Severity::Info
            }
            _ => return None,
        })
    }

    /// CVSS-style scores (`security-severity` in SARIF, CVSS base scores):
    /// 9.0+ critical, 7.0+ high, 4.0+ medium, 0.1+ low, 0 info.
    pub fn from_score(score: f64) -> Option<Severity> {
        if !score.is_finite() || score < 0.0 {
            return None;
        }
        Some(if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        })
    }
}

/// The references a result carries, by scheme, as the source writes them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Refs {
    /// NIST SP 800-53 controls (`AC-2(1)`, `SI-2 a`, `ac-2.1`).
    pub nist: Vec<String>,
    /// DISA Control Correlation Identifiers (`CCI-000015`).
    pub cci: Vec<String>,
    /// Common Weakness Enumeration (`CWE-79`).
    pub cwe: Vec<String>,
    /// Common Configuration Enumeration (`CCE-80171-3`).
    pub cce: Vec<String>,
    /// Vulnerabilities (`CVE-2021-44228`, `GHSA-...`).
    pub cve: Vec<String>,
    /// Anything else, as (scheme, id): `("pcidss", "Req-2.2")`,
    /// `("cis", "1.1.1")`, `("stig", "V-230221")`.
    pub other: Vec<(String, String)>,
}

impl Refs {
    pub fn is_empty(&self) -> bool {
        self.nist.is_empty()
            && self.cci.is_empty()
            && self.cwe.is_empty()
            && self.cce.is_empty()
            && self.cve.is_empty()
            && self.other.is_empty()
    }

    /// Adds `id` to `list` unless it is there already (references repeat
    /// across a rule's idents and references).
    pub fn push(list: &mut Vec<String>, id: impl Into<String>) {
        let id = id.into();
        let id = id.trim();
        if !id.is_empty() && !list.iter().any(|x| x == id) {
            list.push(id.to_string());
        }
    }

    /// Adds (scheme, id), trimmed, to `other` unless one is blank or the
    /// pair is there already.
    pub fn push_other(&mut self, scheme: &str, id: &str) {
        let (scheme, id) = (scheme.trim(), id.trim());
        if scheme.is_empty() || id.is_empty() {
            return;
        }
        if !self.other.iter().any(|(s, i)| s == scheme && i == id) {
            self.other.push((scheme.to_string(), id.to_string()));
        }
    }

    /// Adds every reference of `from` not already here (two results of
    /// one rule folded into one).
    pub fn absorb(&mut self, from: Refs) {
        for (list, ids) in [
            (&mut self.nist, from.nist),
            (&mut self.cci, from.cci),
            (&mut self.cwe, from.cwe),
            (&mut self.cce, from.cce),
            (&mut self.cve, from.cve),
        ] {
            for id in ids {
                Self::push(list, id);
            }
        }
        for (scheme, id) in from.other {
            self.push_other(&scheme, &id);
        }
    }

    /// `CWE-79` from `79`, `CWE-79`, `cwe-79`, `CWE:79` or `cwe-079`
    /// (CodeQL's tags pad to three digits).
    pub fn push_cwe(&mut self, raw: &str) {
        let digits: String = raw
            .trim()
            .trim_start_matches(|c: char| !c.is_ascii_digit())
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(n) = digits.parse::<u64>() {
            Self::push(&mut self.cwe, format!("CWE-{n}"));
        }
    }

    /// `CCI-000015` from `CCI-000015` or `cci-15`.
    pub fn push_cci(&mut self, raw: &str) {
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse::<u32>() {
            Self::push(&mut self.cci, format!("CCI-{n:06}"));
        }
    }
}

/// One thing a check looked at: a setting, a package version, a file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Observation {
    /// What was looked at (`sshd_config PermitRootLogin`, a package name).
    pub name: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_from_words_and_scores() {
        assert_eq!(Severity::from_word("CAT II"), Some(Severity::Medium));
        assert_eq!(Severity::from_word(" High "), Some(Severity::High));
        assert_eq!(Severity::from_word("whatever"), None);
        assert_eq!(Severity::from_score(9.1), Some(Severity::Critical));
        assert_eq!(Severity::from_score(7.0), Some(Severity::High));
        assert_eq!(Severity::from_score(0.0), Some(Severity::Info));
        assert_eq!(Severity::from_score(f64::NAN), None);
    }

    #[test]
    fn references_are_normalised_and_kept_once() {
        let mut r = Refs::default();
        r.push_cwe("CWE-79");
        r.push_cwe("79");
        r.push_cwe("cwe:89");
        r.push_cwe("external/cwe/cwe-079");
        r.push_cci("CCI-15");
        r.push_cci("CCI-000015");
        assert_eq!(r.cwe, vec!["CWE-79", "CWE-89"]);
        assert_eq!(r.cci, vec!["CCI-000015"]);
    }
}
