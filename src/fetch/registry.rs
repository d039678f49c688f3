//! Official framework sources, pinned by commit and SHA-256. Each URL names
//! a commit, so the bytes behind it cannot change; the checksum still guards
//! against a wrong pin and a tampering mirror. Every entry has a checksum
//! taken from a copy of exactly that file (the project's corpus, whose
//! SOURCES.md names repository, commit and path); a source that could not
//! be hashed so is not listed (docs/sources.md says which, and how to
//! import them by hand).

/// What a fetched file is, so the caller knows which importer to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    OscalCatalog,
    OscalProfile,
    /// DISA's Control Correlation Identifier list (XML).
    CciList,
}

/// One pinned source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The name given to `aegis framework fetch`.
    pub name: &'static str,
    pub title: &'static str,
    pub version: &'static str,
    pub publisher: &'static str,
    pub kind: Kind,
    /// `owner/repo/<commit>/path`, appended to the base URL.
    pub path: &'static str,
    /// Lower-case hex SHA-256 of the published file, when known.
    pub sha256: Option<&'static str>,
    pub licence: &'static str,
}

impl Entry {
    pub fn url(&self, base: &str) -> String {
        format!("{}/{}", base.trim_end_matches('/'), self.path)
    }

    pub fn file_name(&self) -> &'static str {
        self.path.rsplit('/').next().unwrap_or(self.path)
    }

    /// The `source` to record on a framework imported from this entry
    /// (`sha256` is what was verified, when it was).
    pub fn source(&self, base: &str, sha256: Option<&str>) -> crate::model::Source {
        crate::model::Source {
            url: Some(self.url(base)),
            sha256: sha256.or(self.sha256).map(str::to_string),
            document: Some(self.title.to_string()),
            last_modified: None,
        }
    }
}

const NIST_PD: &str = "Public domain (US Government work)";

macro_rules! entry {
    ($name:literal, $title:literal, $version:literal, $publisher:expr, $kind:ident, $path:expr, $sha:expr) => {
        Entry {
            name: $name,
            title: $title,
            version: $version,
            publisher: $publisher,
            kind: Kind::$kind,
            path: $path,
            sha256: $sha,
            licence: NIST_PD,
        }
    };
}

pub static REGISTRY: &[Entry] = &[
    entry!(
        "nist-800-53-rev5-5.0.1",
        "NIST SP 800-53 Rev. 5 catalog (release 5.0.1)",
        "5.0.1",
        "NIST",
        OscalCatalog,
        concat!(
            "usnistgov/oscal-content/a849dbca4649e0cc626fefdd46cf5232c8308f4c/nist.gov",
            "/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json"
        ),
        Some("95e025bfdc248269efb10ee2621b7a211116a2ef3a82f39676f7c5eb9c8acb64")
    ),
    entry!(
        "nist-800-53-rev5-low",
        "NIST SP 800-53B Rev. 5 LOW baseline",
        "5.1.1+u4",
        "NIST",
        OscalProfile,
        concat!(
            "usnistgov/oscal-content/88bb8deeaa815f8914d68ea7e31a622ebbc1719d/nist.gov",
            "/SP800-53/rev5/json/NIST_SP-800-53_rev5_LOW-baseline_profile.json"
        ),
        Some("79b7c450ab62ba012e5ad95f6255ece75fc165b2c421fefda276d82240542219")
    ),
    entry!(
        "nist-800-53-rev5-moderate",
        "NIST SP 800-53B Rev. 5 MODERATE baseline",
        "5.1.1+u4",
        "NIST",
        OscalProfile,
        concat!(
            "usnistgov/oscal-content/88bb8deeaa815f8914d68ea7e31a622ebbc1719d/nist.gov",
            "/SP800-53/rev5/json/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json"
        ),
        Some("d88e64e1e4b3a2d65de2367f4ec31828c04f1be93375fd597c41af1409578e03")
    ),
    entry!(
        "nist-800-53-rev5-high",
        "NIST SP 800-53B Rev. 5 HIGH baseline",
        "5.1.1+u4",
        "NIST",
        OscalProfile,
        concat!(
            "usnistgov/oscal-content/88bb8deeaa815f8914d68ea7e31a622ebbc1719d/nist.gov",
            "/SP800-53/rev5/json/NIST_SP-800-53_rev5_HIGH-baseline_profile.json"
        ),
        Some("c98eb266f3c78c622c6573e032ab1b7619a30821840bb10f7f21fdee78281058")
    ),
    entry!(
        "nist-800-53-rev5-privacy",
        "NIST SP 800-53B Rev. 5 PRIVACY baseline",
        "5.1.1+u4",
        "NIST",
        OscalProfile,
        concat!(
            "usnistgov/oscal-content/88bb8deeaa815f8914d68ea7e31a622ebbc1719d/nist.gov",
            "/SP800-53/rev5/json/NIST_SP-800-53_rev5_PRIVACY-baseline_profile.json"
        ),
        Some("ee4e7f0ff8f1141d3974f9072d287af919d081e1dfc6666ac0b579504aeddbcb")
    ),
    entry!(
        "fedramp-rev5-high",
        "FedRAMP Rev. 5 HIGH baseline",
        "rev5",
        "GSA FedRAMP",
        OscalProfile,
        concat!(
            "GSA/fedramp-automation/c784140bc6d1ac9fa159aabc0e8a29e9aa2c63a9/dist/content/rev5/baselines/json",
            "/FedRAMP_rev5_HIGH-baseline_profile.json"
        ),
        Some("cce692728b57fae69b25860aba7116426a3637d5b01eb02cd23b13c4eff868f4")
    ),
    entry!(
        "fedramp-rev5-moderate",
        "FedRAMP Rev. 5 MODERATE baseline",
        "rev5",
        "GSA FedRAMP",
        OscalProfile,
        concat!(
            "GSA/fedramp-automation/c784140bc6d1ac9fa159aabc0e8a29e9aa2c63a9/dist/content/rev5/baselines/json",
            "/FedRAMP_rev5_MODERATE-baseline_profile.json"
        ),
        Some("5db32cd3c31c3450c03168edd3db26641324c15971edf52163d2310ccdaa925f")
    ),
    entry!(
        "fedramp-rev5-low",
        "FedRAMP Rev. 5 LOW baseline",
        "rev5",
        "GSA FedRAMP",
        OscalProfile,
        concat!(
            "GSA/fedramp-automation/c784140bc6d1ac9fa159aabc0e8a29e9aa2c63a9/dist/content/rev5/baselines/json",
            "/FedRAMP_rev5_LOW-baseline_profile.json"
        ),
        Some("b13459be3665380b559f10c500310668ce12c2ef71b3c8be997509659988265e")
    ),
    entry!(
        "fedramp-rev5-li-saas",
        "FedRAMP Rev. 5 LI-SaaS baseline",
        "rev5",
        "GSA FedRAMP",
        OscalProfile,
        concat!(
            "GSA/fedramp-automation/c784140bc6d1ac9fa159aabc0e8a29e9aa2c63a9/dist/content/rev5/baselines/json",
            "/FedRAMP_rev5_LI-SaaS-baseline_profile.json"
        ),
        Some("3d11139325bf0dd23aa3b2185c42ea08f73f6c678c2103dfc75dad4728d353f7")
    ),
    // DISA publishes the CCI list inside a zip on its own site; this is the
    // XML itself as redistributed in ComplianceAsCode.
    entry!(
        "disa-cci",
        "DISA Control Correlation Identifier list",
        "cci-list",
        "DISA",
        CciList,
        "ComplianceAsCode/content/b3a2cca9352cbcefb7f00d770bfd6f679da18d6a/shared/references/disa-cci-list.xml",
        Some("3090de8bfc0a953df4303d555e9fcce2f87f13584c46ca3211ad5305832f789b")
    ),
];

pub fn find(name: &str) -> Option<&'static Entry> {
    REGISTRY.iter().find(|e| e.name == name)
}
