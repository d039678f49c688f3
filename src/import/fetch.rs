//! `aegis framework fetch`: official sources pinned by URL (at a fixed
//! commit) and SHA-256, downloaded, verified, kept under
//! `controls/<framework>/source/` and imported.
//!
//! A download is held in memory until its checksum matches; only then is it
//! written (atomically) and imported, so a failed, truncated or tampered
//! download leaves nothing behind.

use super::{ImportError, ImportOptions, Outcome, import, native, sha256_hex};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

/// One official document, pinned.
#[derive(Clone, Copy, Debug)]
pub struct Pinned {
    pub name: &'static str,
    pub description: &'static str,
    pub url: &'static str,
    pub sha256: &'static str,
    pub size: u64,
    /// The framework whose `source/` directory receives the document.
    pub framework: &'static str,
    /// Entries to fetch first (the catalog a profile imports).
    pub needs: &'static [&'static str],
}

macro_rules! pinned {
    ($name:literal, $desc:literal, $url:expr, $sha:literal, $size:literal, $fw:literal, [$($need:literal),*]) => {
        Pinned { name: $name, description: $desc, url: $url, sha256: $sha, size: $size, framework: $fw, needs: &[$($need),*] }
    };
}

/// The registry. The 5.0.1 catalog is the XML form because NIST's 5.0.1
/// profiles import it by that name.
pub const REGISTRY: &[Pinned] = &[
    pinned!(
        "nist-800-53-rev5",
        "NIST SP 800-53 rev5 catalog 5.0.1 (OSCAL XML)",
        "https://raw.githubusercontent.com/usnistgov/oscal-content/a849dbca4649e0cc626fefdd46cf5232c8308f4c/nist.gov/SP800-53/rev5/xml/NIST_SP-800-53_rev5_catalog.xml",
        "54dcdf4ce256555959196e15a646d526d1586eb45e66644831ab1475422eb2a8",
        2098522,
        "nist-800-53-rev5",
        []
    ),
    pinned!(
        "nist-800-53-rev5-low",
        "NIST SP 800-53B rev5 LOW baseline 5.0.1",
        "https://raw.githubusercontent.com/usnistgov/oscal-content/a849dbca4649e0cc626fefdd46cf5232c8308f4c/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_LOW-baseline_profile.json",
        "364b0ee51650acf7cceebebae7234f4a0a07928add1f01deb52d35ef4d48e612",
        5119,
        "nist-800-53-rev5",
        ["nist-800-53-rev5"]
    ),
    pinned!(
        "nist-800-53-rev5-moderate",
        "NIST SP 800-53B rev5 MODERATE baseline 5.0.1",
        "https://raw.githubusercontent.com/usnistgov/oscal-content/a849dbca4649e0cc626fefdd46cf5232c8308f4c/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_MODERATE-baseline_profile.json",
        "2c5a3f31f0b69b8667c1295dcfd4a8ef408550694c473e62b83a0dbbd39ca880",
        8384,
        "nist-800-53-rev5",
        ["nist-800-53-rev5"]
    ),
    pinned!(
        "nist-800-53-rev5-high",
        "NIST SP 800-53B rev5 HIGH baseline 5.0.1",
        "https://raw.githubusercontent.com/usnistgov/oscal-content/a849dbca4649e0cc626fefdd46cf5232c8308f4c/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_HIGH-baseline_profile.json",
        "9cf9d49d03cae38f646e7a82c7cdf3b2585300cdae061fbd71a97eb8efdba3b3",
        10378,
        "nist-800-53-rev5",
        ["nist-800-53-rev5"]
    ),
    pinned!(
        "nist-800-53-rev5-privacy",
        "NIST SP 800-53B rev5 PRIVACY baseline 5.0.1",
        "https://raw.githubusercontent.com/usnistgov/oscal-content/a849dbca4649e0cc626fefdd46cf5232c8308f4c/nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_PRIVACY-baseline_profile.json",
        "375edee0708f8e8af607ed4152c475afb41b048d11b7069c0af32535da7d15b3",
        3950,
        "nist-800-53-rev5",
        ["nist-800-53-rev5"]
    ),
    pinned!(
        "nist-800-53-rev4",
        "NIST SP 800-53 rev4 catalog (OSCAL JSON, minified)",
        "https://raw.githubusercontent.com/usnistgov/oscal-content/88bb8deeaa815f8914d68ea7e31a622ebbc1719d/nist.gov/SP800-53/rev4/json/NIST_SP-800-53_rev4_catalog-min.json",
        "188ed7f962e79297a965fbd8a3532e14cffe4e0ec2f38d36174dfa6b7416a19b",
        2711186,
        "nist-800-53-rev4",
        []
    ),
    pinned!(
        "fedramp-rev5-high",
        "FedRAMP rev5 HIGH baseline (resolved against 800-53 rev5)",
        "https://raw.githubusercontent.com/GSA/fedramp-automation/c784140bc6d1ac9fa159aabc0e8a29e9aa2c63a9/dist/content/rev5/baselines/json/FedRAMP_rev5_HIGH-baseline_profile.json",
        "cce692728b57fae69b25860aba7116426a3637d5b01eb02cd23b13c4eff868f4",
        1372670,
        "nist-800-53-rev5",
        ["nist-800-53-rev5"]
    ),
    pinned!(
        "fedramp-rev5-moderate",
        "FedRAMP rev5 MODERATE baseline",
        "https://raw.githubusercontent.com/GSA/fedramp-automation/c784140bc6d1ac9fa159aabc0e8a29e9aa2c63a9/dist/content/rev5/baselines/json/FedRAMP_rev5_MODERATE-baseline_profile.json",
        "5db32cd3c31c3450c03168edd3db26641324c15971edf52163d2310ccdaa925f",
        1204545,
        "nist-800-53-rev5",
        ["nist-800-53-rev5"]
    ),
    pinned!(
        "fedramp-rev5-low",
        "FedRAMP rev5 LOW baseline",
        "https://raw.githubusercontent.com/GSA/fedramp-automation/c784140bc6d1ac9fa159aabc0e8a29e9aa2c63a9/dist/content/rev5/baselines/json/FedRAMP_rev5_LOW-baseline_profile.json",
        "b13459be3665380b559f10c500310668ce12c2ef71b3c8be997509659988265e",
        794948,
        "nist-800-53-rev5",
        ["nist-800-53-rev5"]
    ),
    pinned!(
        "fedramp-rev5-li-saas",
        "FedRAMP rev5 LI-SaaS baseline",
        "https://raw.githubusercontent.com/GSA/fedramp-automation/c784140bc6d1ac9fa159aabc0e8a29e9aa2c63a9/dist/content/rev5/baselines/json/FedRAMP_rev5_LI-SaaS-baseline_profile.json",
        "3d11139325bf0dd23aa3b2185c42ea08f73f6c678c2103dfc75dad4728d353f7",
        168766,
        "nist-800-53-rev5",
        ["nist-800-53-rev5"]
    ),
];

/// How to download.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    /// Replaces the scheme and host of every pinned URL (an internal mirror).
    pub mirror: Option<String>,
    pub timeout: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            mirror: None,
            timeout: Duration::from_secs(60),
        }
    }
}

pub fn find(name: &str) -> Result<&'static Pinned, ImportError> {
    REGISTRY
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| ImportError::UnknownSource {
            name: name.to_string(),
            known: REGISTRY.iter().map(|p| p.name.to_string()).collect(),
        })
}

/// The URL `p` is downloaded from, with `mirror` in place of its host.
pub fn url_of(p: &Pinned, mirror: Option<&str>) -> String {
    let url = p.url.to_string();
    match mirror {
        None => url,
        Some(m) => {
            let path = url
                .split_once("://")
                .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()));
            format!("{}{}", m.trim_end_matches('/'), path.unwrap_or_default())
        }
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build();
    ureq::Agent::new_with_config(config)
}

/// Downloads `url`, refusing bodies over `limit` bytes.
fn download(url: &str, limit: u64, timeout: Duration) -> Result<Vec<u8>, ImportError> {
    let fail = |message: String| ImportError::Fetch {
        url: url.to_string(),
        message,
    };
    let mut resp = agent(timeout)
        .get(url)
        .call()
        .map_err(|e| fail(describe(&e, timeout)))?;
    let status = resp.status().as_u16();
    if status != 200 {
        return Err(fail(format!("the server answered HTTP {status}")));
    }
    let mut body = Vec::new();
    resp.body_mut()
        .as_reader()
        .take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| {
            fail(format!(
                "the download broke off after {} bytes: {e}",
                body.len()
            ))
        })?;
    if body.len() as u64 > limit {
        return Err(fail(format!(
            "the document is larger than the {limit} bytes pinned"
        )));
    }
    Ok(body)
}

fn describe(e: &ureq::Error, timeout: Duration) -> String {
    match e {
        ureq::Error::Timeout(_) => format!("no complete answer within {} s", timeout.as_secs_f32()),
        other => other.to_string(),
    }
}

/// Fetches entry `name` (and the entries it needs) into `repo` and imports
/// each. Returns one outcome per import.
pub fn fetch(repo: &Path, name: &str, opts: &FetchOptions) -> Result<Vec<Outcome>, ImportError> {
    let p = find(name)?;
    let mut out = Vec::new();
    for need in p.needs {
        let dep = find(need)?;
        if !native::framework_ids(repo)
            .iter()
            .any(|id| id == dep.framework)
        {
            out.push(fetch_entry(repo, dep, opts)?);
        }
    }
    out.push(fetch_entry(repo, p, opts)?);
    Ok(out)
}

/// Downloads one pinned document, verifies it, keeps it under
/// `controls/<framework>/source/` and imports it.
pub fn fetch_entry(repo: &Path, p: &Pinned, opts: &FetchOptions) -> Result<Outcome, ImportError> {
    let url = url_of(p, opts.mirror.as_deref());
    let file = p.url.rsplit('/').next().unwrap_or(p.name);
    let rel = format!("{}/source/{file}", native::framework_dir(p.framework));
    let path = repo.join(&rel);
    let cached = std::fs::read(&path)
        .ok()
        .filter(|b| sha256_hex(b) == p.sha256);
    if cached.is_none() {
        let body = download(&url, p.size.max(1), opts.timeout)?;
        let actual = sha256_hex(&body);
        if actual != p.sha256 {
            return Err(ImportError::Checksum {
                url,
                expected: p.sha256.to_string(),
                actual,
                size: body.len(),
            });
        }
        crate::write::write_atomic(&path, &body).map_err(|source| ImportError::Write {
            path: path.clone(),
            source,
        })?;
    }
    let io = ImportOptions {
        source_url: Some(p.url.to_string()),
        ..ImportOptions::default()
    };
    let mut outcome = import(repo, &path, &io)?;
    outcome.written.insert(0, (rel, cached.is_none()));
    Ok(outcome)
}
