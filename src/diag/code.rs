//! Diagnostic codes are data: a stable kebab-case name, a default severity,
//! the stage that emits it and a one-line description. Each has a page under
//! `docs/codes/<name>.md` and a case under `tests/fixtures/bad/<name>/`.

use super::Severity;
use std::fmt;

/// The pipeline stage that emits a code; groups codes in docs and `aegis codes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Load,
    Schema,
    Reference,
    Evidence,
    Lifecycle,
    Assess,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Load => "load",
            Stage::Schema => "schema",
            Stage::Reference => "reference",
            Stage::Evidence => "evidence",
            Stage::Lifecycle => "lifecycle",
            Stage::Assess => "assess",
        }
    }
}

/// What is known about a code without an instance of it.
#[derive(Clone, Copy, Debug)]
pub struct CodeInfo {
    pub name: &'static str,
    pub severity: Severity,
    pub stage: Stage,
    pub description: &'static str,
}

macro_rules! codes {
    ($($variant:ident = $name:literal, $sev:ident, $stage:ident, $desc:literal;)*) => {
        /// Every diagnostic code Aegis can emit.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant),* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            pub fn info(self) -> CodeInfo {
                match self {
                    $(Code::$variant => CodeInfo {
                        name: $name,
                        severity: Severity::$sev,
                        stage: Stage::$stage,
                        description: $desc,
                    }),*
                }
            }
        }
    };
}

codes! {
    IoError = "io-error", Error, Load, "A repository file could not be read.";
    InvalidUtf8 = "invalid-utf8", Error, Load, "A file is not valid UTF-8 text.";
    FileTooLarge = "file-too-large", Error, Load, "A file is larger than the configured size limit.";
    YamlSyntax = "yaml-syntax", Error, Load, "A file is not well-formed YAML.";
    YamlDuplicateKey = "yaml-duplicate-key", Error, Load, "A YAML mapping repeats a key.";
    YamlAliasLimit = "yaml-alias-limit", Error, Load, "A YAML file expands aliases beyond the safety budget (an alias bomb).";
    YamlNodeLimit = "yaml-node-limit", Error, Load, "A YAML file holds more values than the safety budget for one file.";
    YamlTooDeep = "yaml-too-deep", Error, Load, "A YAML file nests deeper than the safety bound.";
    PathEscapesRepo = "path-escapes-repo", Error, Load, "A path or symbolic link points outside the repository.";
    FrontMatterMissing = "front-matter-missing", Error, Load, "A policy has no YAML front matter.";
    UnexpectedFile = "unexpected-file", Warning, Load, "A file sits where Aegis expects a different kind of file, so it is not loaded.";
    UnknownKey = "unknown-key", Error, Schema, "A key is not part of the file kind's schema.";
    MissingKey = "missing-key", Error, Schema, "A required key is missing.";
    WrongType = "wrong-type", Error, Schema, "A value has the wrong type (for example a number where text is expected).";
    InvalidValue = "invalid-value", Error, Schema, "A value is not one of the allowed values or does not have the required form.";
    InvalidDate = "invalid-date", Error, Schema, "A date or timestamp is not a valid calendar date in ISO 8601 form.";
    UnsupportedSchemaVersion = "unsupported-schema-version", Error, Schema, "A file declares a schema_version this version of Aegis does not know.";
    SchemaOutdated = "schema-outdated", Warning, Schema, "A file declares an older schema_version; it is read upgraded in memory, and `aegis migrate` rewrites it.";
    SchemaViolation = "schema-violation", Error, Schema, "A file breaks a schema rule not covered by a more specific code.";
    DuplicateId = "duplicate-id", Error, Reference, "Two records of the same kind share an id.";
    UnknownFramework = "unknown-framework", Error, Reference, "A reference names a framework that is not in controls/.";
    UnknownControl = "unknown-control", Error, Reference, "A reference names a control its framework does not contain.";
    AmbiguousControl = "ambiguous-control", Error, Reference, "A short control id could belong to several frameworks.";
    UnknownBaseline = "unknown-baseline", Error, Reference, "A reference names a baseline its framework does not define.";
    UnknownSystem = "unknown-system", Error, Reference, "A reference names a system that aegis.yaml does not define.";
    UnknownEvidence = "unknown-evidence", Error, Reference, "A reference names an evidence record that does not exist.";
    UnknownPolicy = "unknown-policy", Error, Reference, "A reference names a policy that does not exist.";
    UnknownRisk = "unknown-risk", Error, Reference, "A reference names a risk register entry that does not exist.";
    UnknownParameter = "unknown-parameter", Warning, Reference, "A parameter value names a parameter its control or framework does not define.";
    UnknownCode = "unknown-code", Warning, Reference, "aegis.yaml changes the severity of a diagnostic code that does not exist.";
    ProtectedCode = "protected-code", Error, Reference, "aegis.yaml tries to lower or switch off a code that guards integrity or safety; the change is ignored.";
    WeakenedCode = "weakened-code", Note, Reference, "aegis.yaml lowers or switches off a diagnostic code (shown so that reviewers see it).";
    WithdrawnControl = "withdrawn-control", Warning, Reference, "A reference names a control its publisher has withdrawn.";
    PathMismatch = "path-mismatch", Warning, Reference, "A file's place in the repository disagrees with what it declares.";
    InheritanceCycle = "inheritance-cycle", Error, Reference, "Systems inherit controls from each other in a cycle.";
    EvidenceFileMissing = "evidence-file-missing", Error, Evidence, "Evidence points at a repository file that does not exist.";
    EvidenceHashMismatch = "evidence-hash-mismatch", Error, Evidence, "An evidence file's SHA-256 differs from the recorded hash.";
    EvidenceSizeMismatch = "evidence-size-mismatch", Error, Evidence, "An evidence file's size differs from the recorded size.";
    EvidenceUnhashed = "evidence-unhashed", Error, Evidence, "Evidence stored in the repository has no recorded SHA-256.";
    EvidenceStale = "evidence-stale", Error, Evidence, "Evidence is past its freshness window.";
    EvidenceRejected = "evidence-rejected", Error, Evidence, "Rejected or quarantined evidence is still cited.";
    EvidenceEmpty = "evidence-empty", Warning, Evidence, "An evidence file in the repository is empty (0 bytes).";
    EvidenceSignatureInvalid = "evidence-signature-invalid", Error, Evidence, "A signed evidence manifest's signature does not verify with the trusted key it names.";
    EvidenceSignatureMismatch = "evidence-signature-mismatch", Error, Evidence, "Evidence no longer matches what the valid signed manifests naming it attest (it changed after signing).";
    EvidenceUnsigned = "evidence-unsigned", Error, Evidence, "A system that requires signed evidence cites evidence no valid signed manifest covers.";
    SigningKeyUnknown = "signing-key-unknown", Error, Evidence, "A signed evidence manifest names a key that signing.trusted_keys in aegis.yaml does not list.";
    SigningKeyExpired = "signing-key-expired", Error, Evidence, "A signed evidence manifest was signed outside its key's validity (not_before / not_after).";
    ExceptionExpired = "exception-expired", Error, Lifecycle, "An exception is past its expiry date.";
    ExceptionExpiring = "exception-expiring", Warning, Lifecycle, "An exception expires within the warning window (`exceptions.warn_days` in aegis.yaml).";
    RiskAcceptanceExpired = "risk-acceptance-expired", Error, Lifecycle, "An open risk's acceptance is past its `until` review date.";
    RiskAcceptanceExpiring = "risk-acceptance-expiring", Warning, Lifecycle, "An open risk's acceptance reaches its `until` review date within the warning window (`risk.acceptance_warn_days` in aegis.yaml).";
    PolicyReviewOverdue = "policy-review-overdue", Warning, Lifecycle, "A policy is past its review date.";
    PolicyUnapproved = "policy-unapproved", Warning, Lifecycle, "A policy's current content has no approval recorded in policies/approvals.yaml.";
    RemediationUnapproved = "remediation-unapproved", Warning, Lifecycle, "A remediation plan has fewer recorded approvals than one of its risk classes needs.";
    MissingJustification = "missing-justification", Error, Lifecycle, "A not-applicable implementation gives no justification.";
    InvalidDateRange = "invalid-date-range", Error, Lifecycle, "Dates are in an impossible order (for example an expiry before its grant).";
    ScanStale = "scan-stale", Error, Lifecycle, "A system has not been scanned (by any source, or by a named source) within its scan interval.";
    DateInFuture = "date-in-future", Error, Lifecycle, "A date records something as done (collected, reviewed, approved) after the day of the run.";
    ExceptionUnused = "exception-unused", Warning, Assess, "An exception in force waives a control that has no gap in its system, so it waives nothing.";
    GapThreshold = "gap-threshold", Error, Assess, "A system's gaps for a framework or baseline are worse than the gate allows (a threshold in aegis.yaml, the ratchet file, or no gap at all).";
    RiskAppetite = "risk-appetite", Error, Assess, "Residual risk is above the appetite set in aegis.yaml (a score, a count of risks above a score, or the simulated annual loss P90).";
}

impl Code {
    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }

    /// Codes that guard evidence integrity or the loader's safety bounds.
    /// `aegis.yaml` may raise them but never lower or switch them off: a
    /// repository that could silence them could pass the gate with
    /// tampered evidence or with files that were never read.
    pub fn is_protected(self) -> bool {
        matches!(
            self,
            Code::EvidenceHashMismatch
                | Code::EvidenceSizeMismatch
                | Code::EvidenceSignatureInvalid
                | Code::EvidenceSignatureMismatch
                | Code::PathEscapesRepo
                | Code::YamlAliasLimit
                | Code::YamlNodeLimit
                | Code::YamlTooDeep
                | Code::FileTooLarge
                | Code::ProtectedCode
                | Code::WeakenedCode
        )
    }

    /// Where the code's page lives, relative to the repository root of Aegis.
    pub fn docs_path(self) -> String {
        format!("docs/codes/{}.md", self.as_str())
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let names: BTreeSet<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Code::ALL.len());
        for n in names {
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "{n}"
            );
            assert_eq!(Code::from_name(n).map(Code::as_str), Some(n));
        }
    }
}
