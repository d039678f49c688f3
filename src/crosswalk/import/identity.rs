//! Which framework a name means. Sources name frameworks in many ways
//! (`catalogs/NIST_SP-800-53_rev5/catalog.json`, "NIST Special Publication
//! 800-53 Revision 5", `urn:intuitem:risk:framework:nist-sp-800-53-rev5`,
//! "Cybersecurity_Framework_v2-0"); repositories name them by id, title and
//! version. Both reduce to a family and an edition, compared here.

/// A framework family and the edition a name gives, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub family: &'static str,
    /// Dotted numbers (`5`, `2.0`, `2022`); `None` when the name gives none.
    pub edition: Option<String>,
}

/// How a family is recognised and where its edition is read.
struct Family {
    key: &'static str,
    /// Any of these (in the normalised name) marks the family.
    markers: &'static [&'static str],
    /// The edition follows a marker (`csf v2.0`, `27001:2022`), or is a
    /// revision anywhere (`rev5`, `Revision 4`, `r5`).
    edition: Edition,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Edition {
    AfterMarker,
    Revision,
    None,
}

/// The families Aegis recognises by name; any other framework is found by
/// its id, by `--from`/`--to`, or by the ids it holds.
const FAMILIES: &[Family] = &[
    Family {
        key: "sp800-53",
        markers: &["800-53"],
        edition: Edition::Revision,
    },
    Family {
        key: "sp800-66",
        markers: &["800-66"],
        edition: Edition::Revision,
    },
    Family {
        key: "sp800-171",
        markers: &["800-171"],
        edition: Edition::Revision,
    },
    Family {
        key: "privacy-framework",
        markers: &[
            "privacy framework",
            "privacy-framework",
            "nist-privacy",
            "nist privacy",
        ],
        edition: Edition::AfterMarker,
    },
    Family {
        key: "csf",
        markers: &["cybersecurity framework", "cybersecurity-framework", "csf"],
        edition: Edition::AfterMarker,
    },
    Family {
        key: "iso27001",
        markers: &["27001"],
        edition: Edition::AfterMarker,
    },
    Family {
        key: "iso27002",
        markers: &["27002"],
        edition: Edition::AfterMarker,
    },
    Family {
        key: "cis-controls",
        markers: &[
            "cis controls",
            "cis-controls",
            "cis critical security controls",
        ],
        edition: Edition::AfterMarker,
    },
    Family {
        key: "pci-dss",
        markers: &["pci dss", "pci-dss", "pcidss"],
        edition: Edition::AfterMarker,
    },
    Family {
        key: "soc2",
        markers: &["soc2", "soc 2", "soc-2", "trust services criteria"],
        edition: Edition::None,
    },
];

/// `NIST_SP-800-53_rev5` → `nist sp-800-53 rev5`: lower case, `_` and
/// runs of spaces as one space, so markers match whatever separators a
/// publisher chose.
fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c == '_' || c.is_whitespace() {
            ' '
        } else {
            c.to_ascii_lowercase()
        };
        if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
    }
    out.trim().to_string()
}

/// The identity a name gives, when it names a family Aegis knows.
pub fn of(name: &str) -> Option<Identity> {
    let n = normalise(name);
    // "Cybersecurity Framework 1.1 to SP 800-53": the family named first
    // is the one the name is about.
    let (at, _, f) = FAMILIES
        .iter()
        .flat_map(|f| f.markers.iter().map(move |m| (f, *m)))
        .filter_map(|(f, m)| marker_at(&n, m).map(|i| (i, m, f)))
        .min_by_key(|(i, m, _)| (*i, std::cmp::Reverse(m.len())))?;
    // Every place a marker of the family occurs may be followed by the
    // edition ("NIST Privacy Framework 1.0" matches `nist privacy` first).
    let after_markers = || {
        f.markers
            .iter()
            .filter_map(|m| marker_at(&n, m).map(|i| &n[i + m.len()..]))
            .find_map(number_after)
    };
    let edition = match f.edition {
        Edition::None => None,
        Edition::AfterMarker => after_markers(),
        Edition::Revision => revision(&n[at..])
            .or_else(after_markers)
            .or_else(|| revision(&n)),
    };
    Some(Identity {
        family: f.key,
        edition,
    })
}

/// The edition a repository framework's `version` gives (`5.0.1`, `2.0`,
/// `rev5`), for a framework whose id and title give none.
pub fn edition_of_version(version: &str) -> Option<String> {
    let n = normalise(version);
    revision(&n).or_else(|| number_after(&n))
}

/// Where `marker` occurs in `n` as a word of its own. A number marker
/// may have letters before it (`sp800-53`, `iso27001`) and a revision
/// after it (`800-53r5`), but no digit around it and no other letter
/// after it (`800-53a` is another document). A word marker has no letter
/// glued to either side (a digit may follow: `csf2`).
fn marker_at(n: &str, marker: &str) -> Option<usize> {
    let numeric = marker.starts_with(|c: char| c.is_ascii_digit());
    let mut from = 0;
    while let Some(i) = n[from..].find(marker) {
        let at = from + i;
        from = at + marker.len();
        let before = n[..at].chars().next_back();
        let after = n[from..].chars().next();
        let ok = if numeric {
            !before.is_some_and(|c| c.is_ascii_digit())
                && !after.is_some_and(|c| {
                    c.is_ascii_digit() || (c.is_ascii_alphabetic() && c != 'r' && c != 'v')
                })
        } else {
            !before.is_some_and(|c| c.is_ascii_alphabetic())
                && !after.is_some_and(|c| c.is_ascii_alphabetic())
        };
        if ok {
            return Some(at);
        }
    }
    None
}

/// A revision anywhere: `rev5`, `rev. 5`, `revision 4`, `r5` (as in
/// `sp800-53r5`).
fn revision(n: &str) -> Option<String> {
    for word in ["revision", "rev", "r"] {
        let mut from = 0;
        while let Some(i) = n[from..].find(word) {
            let at = from + i;
            from = at + word.len();
            let before = n[..at].chars().next_back();
            // `r` alone must follow a digit (`800-53r5`); the words must
            // start a word.
            let ok_before = if word == "r" {
                before.is_some_and(|c| c.is_ascii_digit())
            } else {
                !before.is_some_and(|c| c.is_ascii_alphabetic())
            };
            if !ok_before {
                continue;
            }
            let rest = n[from..].trim_start_matches(['.', ' ', '-', ':']);
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if !digits.is_empty() && digits.len() <= 2 {
                return Some(trim_number(&digits));
            }
        }
    }
    None
}

/// A version right after a marker: separators, an optional `v`/`version`,
/// then numbers joined by `.`, `-` or ` ` (`v2-0`, `2.0`, `:2022`, ` 8.1`).
fn number_after(rest: &str) -> Option<String> {
    let rest = rest.trim_start_matches([' ', '-', ':', '.', '/', ',']);
    let rest = rest
        .strip_prefix("version")
        .or_else(|| rest.strip_prefix('v'))
        .unwrap_or(rest)
        .trim_start_matches([' ', '-', '.']);
    let mut parts: Vec<String> = Vec::new();
    let mut chars = rest.chars().peekable();
    loop {
        let digits: String = std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect();
        if digits.is_empty() {
            break;
        }
        parts.push(digits);
        // A separator continues the number only when a digit follows it, and
        // a year (four digits) ends it.
        if parts.last().is_some_and(|p| p.len() == 4) {
            break;
        }
        let mut look = chars.clone();
        match look.next() {
            Some('.' | '-') if look.peek().is_some_and(char::is_ascii_digit) => {
                chars.next();
            }
            _ => break,
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(trim_number(&parts.join(".")))
}

/// `05` → `5`, `2.0` stays.
fn trim_number(s: &str) -> String {
    s.split('.')
        .map(|p| {
            let t = p.trim_start_matches('0');
            if t.is_empty() { "0" } else { t }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether two editions name the same edition: equal, or one refines the
/// other (`5` and `5.0.1`, `8` and `8.1`, `2` and `2.0`).
pub fn editions_agree(a: &str, b: &str) -> bool {
    let a: Vec<&str> = a.split('.').collect();
    let b: Vec<&str> = b.split('.').collect();
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

impl Identity {
    /// Whether a source's identity (`self`) can be the repository
    /// framework's (`repo`): same family, and editions that agree when
    /// both are known. A source that names an edition never matches a
    /// framework whose edition is unknown only when another candidate
    /// knows it; that preference is the caller's.
    pub fn matches(&self, repo: &Identity) -> bool {
        self.family == repo.family
            && match (&self.edition, &repo.edition) {
                (Some(a), Some(b)) => editions_agree(a, b),
                _ => true,
            }
    }

    pub fn exact(&self, repo: &Identity) -> bool {
        self.family == repo.family && self.edition == repo.edition
    }

    pub fn describe(&self) -> String {
        let family = match self.family {
            "sp800-53" => "NIST SP 800-53",
            "sp800-66" => "NIST SP 800-66",
            "sp800-171" => "NIST SP 800-171",
            "privacy-framework" => "NIST Privacy Framework",
            "csf" => "NIST Cybersecurity Framework",
            "iso27001" => "ISO/IEC 27001",
            "iso27002" => "ISO/IEC 27002",
            "cis-controls" => "CIS Controls",
            "pci-dss" => "PCI DSS",
            "soc2" => "SOC 2",
            other => other,
        };
        match (&self.edition, self.family) {
            (Some(e), "sp800-53" | "sp800-66" | "sp800-171") => format!("{family} Rev. {e}"),
            (Some(e), "iso27001" | "iso27002") => format!("{family}:{e}"),
            (Some(e), _) => format!("{family} {e}"),
            (None, _) => family.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(name: &str) -> Option<(&'static str, Option<String>)> {
        of(name).map(|i| (i.family, i.edition))
    }

    #[test]
    fn sources_and_repositories_name_the_same_frameworks() {
        let rev5 = Some(("sp800-53", Some("5".to_string())));
        assert_eq!(id("catalogs/NIST_SP-800-53_rev5/catalog.json"), rev5);
        assert_eq!(id("nist-sp-800-53-rev5"), rev5);
        assert_eq!(id("nist-800-53-rev5"), rev5);
        assert_eq!(
            id("NIST Special Publication 800-53 Revision 5: Security"),
            rev5
        );
        assert_eq!(id("NIST SP 800-53, Revision 5, Control"), rev5);
        assert_eq!(id("sp800-53r5"), rev5);
        assert_eq!(id("Concept_Crosswalk_800-53_5_2_0_draft"), rev5);
        assert_eq!(
            id("NIST SP 800-53 Revision 4"),
            Some(("sp800-53", Some("4".to_string())))
        );
        assert_eq!(
            id("catalogs/NIST_CSF_v2.0/catalog.json"),
            Some(("csf", Some("2.0".into())))
        );
        assert_eq!(
            id("Cybersecurity_Framework_v2-0_Concept"),
            Some(("csf", Some("2.0".into())))
        );
        assert_eq!(
            id(
                "NIST Cybersecurity Framework Version 1.1 to NIST Special Publication 800-53 Revision 5"
            ),
            Some(("csf", Some("1.1".into())))
        );
        assert_eq!(id("nist-csf-1.1"), Some(("csf", Some("1.1".into()))));
        assert_eq!(id("iso27001-2022"), Some(("iso27001", Some("2022".into()))));
        assert_eq!(
            id("ISO/IEC 27001:2013"),
            Some(("iso27001", Some("2013".into())))
        );
        assert_eq!(
            id("cis-controls-v8"),
            Some(("cis-controls", Some("8".into())))
        );
        assert_eq!(
            id("CIS Controls v8.1"),
            Some(("cis-controls", Some("8.1".into())))
        );
        assert_eq!(id("soc2-2017-rev-2022"), Some(("soc2", None)));
        assert_eq!(
            id("NIST PRIVACY FRAMEWORK 1.0"),
            Some(("privacy-framework", Some("1.0".into())))
        );
        assert_eq!(
            id("NIST Privacy Framework Version 1.0 to NIST SP 800-53"),
            Some(("privacy-framework", Some("1.0".into())))
        );
        assert_eq!(
            id("nist-sp-800-66-rev2"),
            Some(("sp800-66", Some("2".into())))
        );
        assert_eq!(id("NIST SP 800-53A"), None);
        assert_eq!(id("starter"), None);
    }

    #[test]
    fn editions_agree_when_one_refines_the_other() {
        assert!(editions_agree("5", "5.0.1"));
        assert!(editions_agree("8", "8.1"));
        assert!(editions_agree("2.0", "2"));
        assert!(!editions_agree("1.1", "2.0"));
        assert!(!editions_agree("2013", "2022"));
        assert!(!editions_agree("4", "5"));
    }
}
