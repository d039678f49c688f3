//! `aegis-bench-gen`: writes a large, realistic and *valid* synthetic
//! compliance repository for benchmarking `aegis validate`.
//!
//! Deterministic: the same flags (and `--seed`) give byte-identical files.
//! Every file carries its `# yaml-language-server` modeline and the whole
//! repository validates clean (`aegis validate --as-of <AS_OF>` exits 0
//! with no diagnostics); `bench/run.sh` checks that before timing.
//!
//! Layout written (defaults: 2,000 controls, 10,000 implementations,
//! 50,000 evidence references):
//!
//! ```text
//! aegis.yaml                                   systems (app systems inherit from `platform`)
//! schemas/*.schema.json                        so the modelines resolve in an editor
//! controls/<fw>/framework.yaml                 groups (families)
//! controls/<fw>/catalog/<family>.yaml          the controls, one file per family
//! controls/<fw>/baselines/{high,moderate}.yaml
//! implementations/<system>/<control>.yaml      M files, one per (system, control)
//! evidence/<source>/<id>.yaml                  K references (most https://, some repo files)
//! evidence/files/<id>.txt                      the repo-file artifacts (sha256 recorded)
//! policies/<id>.md, policies/approvals.yaml    Markdown with front matter, and the ledger
//! exceptions/<id>.yaml, risks/<id>.yaml
//! ```
//!
//! Generated data is for a temporary directory; never commit it.

mod stages;

use clap::Parser;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "aegis-bench-gen",
    about = "Write a synthetic, valid Aegis repository for benchmarks"
)]
struct Args {
    /// Directory to write the repository into (created; must not hold an aegis.yaml).
    #[arg(long, required_unless_present = "stages")]
    out: Option<PathBuf>,
    /// Instead of generating: time the stages of `aegis validate` on this
    /// repository (bench-only instrumentation; see bench/stages.rs).
    #[arg(long, value_name = "REPO")]
    stages: Option<PathBuf>,
    /// With --stages: runs per measurement (the median is shown).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Controls in the native framework (split over catalog/<family>.yaml files).
    #[arg(long, default_value_t = 2000)]
    controls: usize,
    /// Implementation files, spread over as many systems as needed.
    #[arg(long, default_value_t = 10_000)]
    implementations: usize,
    /// Evidence reference files.
    #[arg(long, default_value_t = 50_000)]
    evidence: usize,
    /// Policies (Markdown with front matter); at least one per family in use.
    #[arg(long, default_value_t = 40)]
    policies: usize,
    #[arg(long, default_value_t = 25)]
    exceptions: usize,
    #[arg(long, default_value_t = 50)]
    risks: usize,
    /// One evidence reference in N points at a file under evidence/files/ (with its sha256).
    #[arg(long, default_value_t = 50)]
    repo_file_every: usize,
    /// The day the repository is clean on (pass the same date to `aegis validate --as-of`).
    #[arg(long, default_value = "2026-06-30")]
    as_of: String,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Baselines each system selects: high, then moderate, then low (1 to 3;
    /// with 3 a `low` baseline is written too).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=3))]
    selections: u8,
}

const FW: &str = "acme-scf";

/// NIST-style families: (code, title, policy id).
const FAMILIES: &[(&str, &str, &str)] = &[
    ("AC", "Access Control", "access-control"),
    ("AT", "Awareness and Training", "awareness-training"),
    ("AU", "Audit and Accountability", "audit-logging"),
    ("CA", "Assessment and Monitoring", "security-assessment"),
    ("CM", "Configuration Management", "configuration-management"),
    ("CP", "Contingency Planning", "business-continuity"),
    (
        "IA",
        "Identification and Authentication",
        "identity-authentication",
    ),
    ("IR", "Incident Response", "incident-response"),
    ("MA", "Maintenance", "system-maintenance"),
    ("MP", "Media Protection", "media-protection"),
    (
        "PE",
        "Physical and Environmental Protection",
        "physical-security",
    ),
    ("PL", "Planning", "security-planning"),
    ("PM", "Program Management", "security-program"),
    ("PS", "Personnel Security", "personnel-security"),
    ("PT", "Privacy and Transparency", "privacy"),
    ("RA", "Risk Assessment", "risk-management"),
    ("SA", "System Acquisition", "secure-development"),
    (
        "SC",
        "System and Communications Protection",
        "network-security",
    ),
    (
        "SI",
        "System and Information Integrity",
        "vulnerability-management",
    ),
    ("SR", "Supply Chain Risk Management", "supplier-security"),
];

const SYSTEMS: &[(&str, &str)] = &[
    ("platform", "Shared cloud platform"),
    ("payments", "Payments service"),
    ("ledger", "Ledger application"),
    ("portal", "Customer portal"),
    ("identity", "Identity service"),
    ("analytics", "Analytics pipeline"),
    ("mobile", "Mobile backend"),
    ("billing", "Billing service"),
    ("search", "Search service"),
    ("support", "Support tooling"),
];

const TEAMS: &[&str] = &[
    "@acme/platform",
    "@acme/security",
    "@acme/sre",
    "@acme/payments",
    "@acme/identity",
    "@acme/data",
    "@acme/it",
    "@acme/grc",
    "@acme/appsec",
    "@acme/people-ops",
];

const VERBS: &[&str] = &[
    "enforces",
    "records",
    "reviews",
    "restricts",
    "monitors",
    "encrypts",
    "rotates",
    "approves",
    "documents",
    "tests",
    "scans",
    "alerts on",
    "retains",
    "verifies",
    "limits",
    "tracks",
];
const NOUNS: &[&str] = &[
    "production access",
    "service accounts",
    "audit events",
    "configuration changes",
    "deployment pipelines",
    "database backups",
    "encryption keys",
    "vendor connections",
    "administrator sessions",
    "container images",
    "network flows",
    "security patches",
    "customer data exports",
    "privileged roles",
    "incident tickets",
    "firewall rules",
    "build artifacts",
    "log retention",
    "API tokens",
    "access requests",
];
const TOOLS: &[&str] = &[
    "the identity provider",
    "Terraform",
    "the CI pipeline",
    "the SIEM",
    "AWS Config",
    "the ticketing system",
    "GitHub branch protection",
    "the vulnerability scanner",
    "the key management service",
    "the HR system",
    "Kubernetes admission policies",
];
const QUALIFIERS: &[&str] = &[
    "every quarter",
    "on every merge",
    "daily",
    "within five working days",
    "before release",
    "continuously",
    "at least annually",
    "on each sign-in",
    "weekly",
    "after every incident",
];

/// Evidence sources: (directory, id prefix, title stem, collector, media type, host).
const SOURCES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "ci",
        "ci",
        "CI pipeline run",
        "ci:github-actions",
        "application/json",
        "ci.acme.example",
    ),
    (
        "scans",
        "scan",
        "Vulnerability scan report",
        "ci:trivy",
        "application/sarif+json",
        "scans.acme.example",
    ),
    (
        "cloud",
        "cfg",
        "Cloud configuration snapshot",
        "script:aws-config-export",
        "application/json",
        "s3.acme.example",
    ),
    (
        "reviews",
        "rev",
        "Access review record",
        "@acme/security",
        "text/markdown",
        "wiki.acme.example",
    ),
    (
        "tickets",
        "tkt",
        "Change ticket",
        "@acme/sre",
        "text/html",
        "tickets.acme.example",
    ),
    (
        "training",
        "trn",
        "Training completion export",
        "@acme/people-ops",
        "text/csv",
        "lms.acme.example",
    ),
];

/// xorshift64*: tiny, deterministic, good enough for picking words.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // SplitMix64 step so seeds 0, 1, 2 ... start far apart (and never at 0).
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in 0..n (n > 0).
    fn below(&mut self, n: usize) -> usize {
        ((self.next() >> 11) % n as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------- dates

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn parse_date(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    if it.next().is_some() || s.len() != 10 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

fn date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------- helpers

use aegis::digest::sha256_hex;

/// The `# yaml-language-server` line for a file at `rel` (same form as `aegis init`).
fn modeline(rel: &str, kind: &str) -> String {
    let depth = rel.matches('/').count();
    format!(
        "# yaml-language-server: $schema={}schemas/{kind}.schema.json\n",
        "../".repeat(depth)
    )
}

/// A double-quoted YAML scalar (JSON string syntax is valid YAML).
fn q(s: impl AsRef<str>) -> String {
    let s = s.as_ref();
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

fn sentence(rng: &mut Rng) -> String {
    let mut s = format!(
        "{} {} {} using {} {}.",
        rng.pick(&[
            "The team",
            "Engineering",
            "Operations",
            "Security",
            "The platform"
        ]),
        rng.pick(VERBS),
        rng.pick(NOUNS),
        rng.pick(TOOLS),
        rng.pick(QUALIFIERS)
    );
    if let Some(c) = s.get_mut(0..1) {
        c.make_ascii_uppercase();
    }
    s
}

fn paragraph(rng: &mut Rng, lo: usize, hi: usize) -> String {
    let n = rng.range(lo, hi);
    (0..n).map(|_| sentence(rng)).collect::<Vec<_>>().join(" ")
}

/// Writes a `key: >-` folded block, wrapped near 76 columns.
fn folded(out: &mut String, indent: usize, key: &str, text: &str) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{key}: >-");
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.len() + word.len() + 1 > 74 - indent {
            let _ = writeln!(out, "{pad}  {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{pad}  {line}");
    }
}

fn flow_list<S: AsRef<str>>(items: &[S]) -> String {
    let v: Vec<&str> = items.iter().map(AsRef::as_ref).collect();
    format!("[{}]", v.join(", "))
}

struct Writer {
    root: PathBuf,
    files: usize,
    bytes: u64,
}

impl Writer {
    fn put(&mut self, rel: &str, text: &str) -> std::io::Result<()> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, text)?;
        self.files += 1;
        self.bytes += text.len() as u64;
        Ok(())
    }
}

// ---------------------------------------------------------------- model

struct Ctl {
    id: String,
    family: usize,
    title: String,
    parent: Option<String>,
    params: Vec<String>,
    withdrawn: bool,
    moved_to: Option<String>,
}

fn make_controls(rng: &mut Rng, n: usize) -> Vec<Vec<Ctl>> {
    let fams = n.clamp(1, FAMILIES.len());
    let mut out: Vec<Vec<Ctl>> = (0..fams).map(|_| Vec::new()).collect();
    for (f, fam) in out.iter_mut().enumerate() {
        let count = n / fams + usize::from(f < n % fams);
        let code = FAMILIES[f].0;
        let mut base = 0;
        let mut enh_left = 0;
        let mut enh = 0;
        let mut last_base = String::new();
        while fam.len() < count {
            if enh_left == 0 {
                base += 1;
                enh = 0;
                enh_left = if base == 1 { 0 } else { rng.below(5) };
                last_base = format!("{code}-{base}");
                let title = format!(
                    "{} {}",
                    cap(rng.pick(NOUNS)),
                    rng.pick(&[
                        "policy",
                        "management",
                        "review",
                        "monitoring",
                        "protection",
                        "controls",
                        "procedures"
                    ])
                );
                let params = if rng.chance(40) {
                    (1..=rng.range(1, 3))
                        .map(|i| format!("{}-{base}_prm_{i}", code.to_lowercase()))
                        .collect()
                } else {
                    Vec::new()
                };
                fam.push(Ctl {
                    id: last_base.clone(),
                    family: f,
                    title,
                    parent: None,
                    params,
                    withdrawn: false,
                    moved_to: None,
                });
            } else {
                enh_left -= 1;
                enh += 1;
                let id = format!("{last_base}({enh})");
                let title = format!("{} {}", cap(rng.pick(VERBS)), rng.pick(NOUNS));
                let withdrawn = rng.chance(3);
                let moved_to = withdrawn.then(|| last_base.clone());
                fam.push(Ctl {
                    id,
                    family: f,
                    title,
                    parent: Some(last_base.clone()),
                    params: Vec::new(),
                    withdrawn,
                    moved_to,
                });
            }
        }
    }
    out
}

fn cap(s: impl AsRef<str>) -> String {
    let mut c = s.as_ref().chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `AC-2(1)` → `ac-2.1`, the file-system-friendly spelling the OSCAL catalogs use.
fn oscal_id(id: &str) -> String {
    id.to_lowercase().replace('(', ".").replace(')', "")
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("aegis-bench-gen: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    if let Some(repo) = &args.stages {
        return stages::run(repo, &args.as_of, args.repeat);
    }
    let out = args.out.clone().ok_or("--out is required")?;
    let as_of = parse_date(&args.as_of)
        .ok_or_else(|| format!("--as-of {} is not a YYYY-MM-DD date", args.as_of))?;
    if out.join("aegis.yaml").exists() {
        return Err(format!(
            "{} already holds an aegis.yaml; pick an empty directory",
            out.display()
        ));
    }
    if args.controls == 0 {
        return Err("--controls must be at least 1".into());
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let started = std::time::Instant::now();
    let mut w = Writer {
        root: out.clone(),
        files: 0,
        bytes: 0,
    };
    generate(args, as_of, &mut w).map_err(|e| format!("write failed: {e}"))?;
    eprintln!(
        "aegis-bench-gen: wrote {} files ({:.1} MB) to {} in {:.2}s; validate with --as-of {}",
        w.files,
        w.bytes as f64 / 1e6,
        out.display(),
        started.elapsed().as_secs_f64(),
        args.as_of
    );
    Ok(())
}

fn generate(args: &Args, as_of: i64, w: &mut Writer) -> std::io::Result<()> {
    let mut rng = Rng::new(args.seed);
    let families = make_controls(&mut rng, args.controls);
    let usable: Vec<&Ctl> = families.iter().flatten().filter(|c| !c.withdrawn).collect();
    let n_systems = args.implementations.div_ceil(usable.len()).max(2);
    let systems: Vec<(String, String)> = (0..n_systems)
        .map(|i| match SYSTEMS.get(i) {
            Some((id, name)) => (id.to_string(), name.to_string()),
            None => (format!("svc-{i:03}"), format!("Service {i}")),
        })
        .collect();
    let inherits = |i: usize| i % 2 == 1; // app systems at odd positions inherit from `platform`

    // Policies: one per family in use, then standards under the same families.
    let n_policies = args.policies.max(families.len());
    let policies: Vec<(String, usize)> = (0..n_policies)
        .map(|i| {
            let f = i % families.len();
            let id = if i < families.len() {
                FAMILIES[f].2.to_string()
            } else {
                format!("{}-standard-{}", FAMILIES[f].2, i / families.len())
            };
            (id, f)
        })
        .collect();

    // Evidence ids first, so implementations can cite them.
    let evidence_ids: Vec<(String, usize)> = (0..args.evidence)
        .map(|i| {
            let s = i % SOURCES.len();
            (format!("{}-{:06}", SOURCES[s].1, i + 1), s)
        })
        .collect();
    let mut cited = vec![false; args.evidence];

    // ------------------------------------------------------------ aegis.yaml
    let mut t = modeline("aegis.yaml", "config");
    t.push_str("# Synthetic benchmark repository written by aegis-bench-gen; do not commit.\n");
    let _ = writeln!(
        t,
        "schema_version: 1\norganisation:\n  name: Acme Benchmarks, Inc.\n  url: https://acme.example\nsystems:"
    );
    for (i, (id, name)) in systems.iter().enumerate() {
        let _ = writeln!(t, "  - id: {id}\n    name: {name}");
        let _ = writeln!(t, "    description: {}", sentence(&mut rng));
        let _ = writeln!(t, "    owner: {}", q(rng.pick(TEAMS)));
        t.push_str("    frameworks:\n");
        for b in ["high", "moderate", "low"]
            .iter()
            .take(usize::from(args.selections))
        {
            let _ = writeln!(t, "      - framework: {FW}\n        baseline: {b}");
        }
        if i > 0 && inherits(i) {
            let _ = writeln!(t, "    inherits_from: [platform]");
        }
    }
    t.push_str("gate:\n  fail_on: error\n");
    w.put("aegis.yaml", &t)?;

    for (name, text) in aegis::schema::files() {
        w.put(&format!("schemas/{name}"), &text)?;
    }

    // ------------------------------------------------------------ framework
    let rel = format!("controls/{FW}/framework.yaml");
    let mut t = modeline(&rel, "framework");
    let _ = writeln!(
        t,
        "schema_version: 1\nid: {FW}\ntitle: Acme Secure Controls Framework\nversion: \"2026.1\"\npublisher: Acme Benchmarks, Inc."
    );
    folded(
        &mut t,
        0,
        "description",
        "A synthetic catalog shaped like NIST SP 800-53: families of base controls with enhancements, parameters and a few withdrawn controls.",
    );
    t.push_str("groups:\n");
    for (code, title, _) in FAMILIES.iter().take(families.len()) {
        let _ = writeln!(t, "  - id: {}\n    title: {}", code.to_lowercase(), title);
    }
    w.put(&rel, &t)?;

    for fam in &families {
        let code = FAMILIES[fam[0].family].0;
        let rel = format!("controls/{FW}/catalog/{}.yaml", code.to_lowercase());
        let mut t = modeline(&rel, "catalog");
        let _ = writeln!(t, "schema_version: 1\nframework: {FW}\ncontrols:");
        for (k, c) in fam.iter().enumerate() {
            let _ = writeln!(
                t,
                "  - id: {}\n    label: {}\n    title: {}",
                oscal_id(&c.id),
                c.id,
                c.title
            );
            let _ = writeln!(t, "    group: {}", code.to_lowercase());
            if let Some(p) = &c.parent {
                let _ = writeln!(t, "    parent: {}", oscal_id(p));
            }
            let _ = writeln!(t, "    sort_id: {}-{:05}", code.to_lowercase(), k);
            if c.withdrawn {
                let _ = writeln!(t, "    withdrawn: true");
                if let Some(m) = &c.moved_to {
                    let _ = writeln!(t, "    moved_to: [{}]", oscal_id(m));
                }
                continue;
            }
            folded(&mut t, 4, "statement", &paragraph(&mut rng, 2, 4));
            if !c.params.is_empty() {
                t.push_str("    params:\n");
                for p in &c.params {
                    let _ = writeln!(
                        t,
                        "      - id: {p}\n        label: {}",
                        rng.pick(&[
                            "frequency",
                            "personnel or roles",
                            "time period",
                            "events",
                            "organization-defined values"
                        ])
                    );
                }
            }
            if rng.chance(30) {
                let _ = writeln!(
                    t,
                    "    props:\n      - name: implementation-level\n        value: {}",
                    rng.pick(&["organization", "system"])
                );
            }
        }
        w.put(&rel, &t)?;
    }

    let mut baselines = vec![
        ("high", "High impact", true),
        ("moderate", "Moderate impact", false),
    ];
    if args.selections >= 3 {
        baselines.push(("low", "Low impact", false));
    }
    for (id, title, all) in baselines {
        // Low: every other base control of moderate.
        let keep = |i: usize, c: &&Ctl| {
            all || (c.parent.is_none() && (id != "low" || i.is_multiple_of(2)))
        };
        let rel = format!("controls/{FW}/baselines/{id}.yaml");
        let mut t = modeline(&rel, "baseline");
        let _ = writeln!(
            t,
            "schema_version: 1\nframework: {FW}\nid: {id}\ntitle: {title}\ncontrols:"
        );
        for (i, c) in usable.iter().enumerate() {
            if keep(i, c) {
                let _ = writeln!(t, "  - {}", c.id);
            }
        }
        let params: Vec<&String> = usable
            .iter()
            .enumerate()
            .filter(|(i, c)| keep(*i, c))
            .flat_map(|(_, c)| &c.params)
            .collect();
        if !params.is_empty() {
            t.push_str("parameters:\n");
            for p in params {
                let _ = writeln!(
                    t,
                    "  {p}:\n    values: [{}]",
                    q(rng.pick(&["at least annually", "90 days", "quarterly", "30 days"]))
                );
            }
        }
        w.put(&rel, &t)?;
    }

    // ------------------------------------------------------------ implementations
    let mut written = 0;
    'systems: for (s, (sys, _)) in systems.iter().enumerate() {
        for c in &usable {
            if written == args.implementations {
                break 'systems;
            }
            written += 1;
            let rel = format!("implementations/{sys}/{}.yaml", c.id);
            let mut t = modeline(&rel, "implementation");
            t.push_str("schema_version: 1\n");
            if rng.chance(70) {
                let _ = writeln!(t, "control: {FW}:{}", c.id);
            } else {
                let _ = writeln!(t, "control: {}", c.id);
            }
            let roll = rng.below(100);
            let status = match roll {
                0..=64 => "implemented",
                65..=76 => "partial",
                77..=82 => "planned",
                83..=85 => "alternative",
                86..=90 => "not-applicable",
                _ => "inherited",
            };
            let _ = writeln!(t, "status: {status}");
            let _ = writeln!(t, "owner: {}", q(rng.pick(TEAMS)));
            match status {
                "not-applicable" => folded(
                    &mut t,
                    0,
                    "justification",
                    &format!(
                        "{sys} does not handle {}; the control applies to systems that do.",
                        rng.pick(NOUNS)
                    ),
                ),
                "inherited" if s > 0 && inherits(s) => {
                    let _ = writeln!(t, "inherited_from: platform");
                    let _ = writeln!(
                        t,
                        "statement: Provided by the shared platform; see the platform implementation."
                    );
                }
                "inherited" => {
                    let _ = writeln!(
                        t,
                        "provider: {}",
                        rng.pick(&["AWS", "Google Cloud", "Okta", "GitHub", "Cloudflare"])
                    );
                    let _ = writeln!(
                        t,
                        "statement: Provided by the cloud provider under its SOC 2 report."
                    );
                }
                _ => folded(&mut t, 0, "statement", &paragraph(&mut rng, 1, 4)),
            }
            if matches!(status, "implemented" | "partial" | "alternative") && args.evidence > 0 {
                let n = rng.range(1, 5);
                let mut ev: Vec<&str> = Vec::with_capacity(n);
                for _ in 0..n {
                    let e = rng.below(args.evidence);
                    if !ev.contains(&evidence_ids[e].0.as_str()) {
                        cited[e] = true;
                        ev.push(&evidence_ids[e].0);
                    }
                }
                let _ = writeln!(t, "evidence: {}", flow_list(&ev));
            }
            if status != "not-applicable" {
                let fam_pols: Vec<&str> = policies
                    .iter()
                    .filter(|p| p.1 == c.family)
                    .map(|p| p.0.as_str())
                    .collect();
                let mut pols = vec![fam_pols[0]];
                if fam_pols.len() > 1 && rng.chance(30) {
                    pols.push(fam_pols[1 + rng.below(fam_pols.len() - 1)]);
                }
                let _ = writeln!(t, "policies: {}", flow_list(&pols));
            }
            if !c.params.is_empty() && status != "not-applicable" {
                t.push_str("parameters:\n");
                for p in &c.params {
                    let _ = writeln!(
                        t,
                        "  {p}: {}",
                        q(rng.pick(&[
                            "quarterly",
                            "every 90 days",
                            "security team",
                            "30 days",
                            "all privileged users"
                        ]))
                    );
                }
            }
            let _ = writeln!(t, "reviewed: {}", q(date(as_of - rng.range(1, 300) as i64)));
            if rng.chance(60) {
                let _ = writeln!(t, "review_every: 1y");
            }
            w.put(&rel, &t)?;
        }
    }

    // ------------------------------------------------------------ evidence
    let every = args.repo_file_every.max(1);
    for (i, (id, s)) in evidence_ids.iter().enumerate() {
        let (dir, _, title, collector, media, host) = SOURCES[*s];
        let rel = format!("evidence/{dir}/{id}.yaml");
        let mut t = modeline(&rel, "evidence");
        let collected = as_of - rng.range(1, 180) as i64;
        let _ = writeln!(t, "schema_version: 1\nid: {id}\ntitle: {title} {}", i + 1);
        if rng.chance(30) {
            let _ = writeln!(t, "description: {}", sentence(&mut rng));
        }
        if i % every == every - 1 {
            let file = format!("evidence/files/{id}.txt");
            let mut body = format!("{title} {}\ncollected {}\n\n", i + 1, date(collected));
            for _ in 0..rng.range(3, 12) {
                body.push_str(&sentence(&mut rng));
                body.push('\n');
            }
            w.put(&file, &body)?;
            let _ = writeln!(
                t,
                "uri: {file}\nsha256: {}\nsize: {}\nmedia_type: text/plain",
                q(sha256_hex(body.as_bytes())),
                body.len()
            );
        } else {
            let _ = writeln!(t, "uri: https://{host}/{dir}/{id}");
            if rng.chance(50) {
                let fake = sha256_hex(format!("{id}:{}", rng.next()).as_bytes());
                let _ = writeln!(t, "sha256: {}", q(&fake));
            }
            let _ = writeln!(t, "media_type: {media}");
        }
        if rng.chance(50) {
            let _ = writeln!(
                t,
                "collected_at: {}",
                q(format!(
                    "{}T{:02}:{:02}:00Z",
                    date(collected),
                    rng.below(24),
                    rng.below(60)
                ))
            );
        } else {
            let _ = writeln!(t, "collected_at: {}", q(date(collected)));
        }
        let _ = writeln!(t, "collector: {}", q(collector));
        match rng.below(3) {
            0 => {
                let _ = writeln!(t, "expires_after: 1y");
            }
            1 => {
                let _ = writeln!(t, "expires_after: 400d");
            }
            _ => {
                let _ = writeln!(
                    t,
                    "expires_at: {}",
                    q(date(as_of + rng.range(30, 365) as i64))
                );
            }
        }
        if rng.chance(40) {
            let _ = writeln!(t, "retention: 7y");
        }
        let status = if !cited[i] && rng.chance(2) {
            Some("rejected")
        } else if rng.chance(70) {
            Some("accepted")
        } else if rng.chance(50) {
            Some("pending")
        } else {
            None
        };
        if let Some(st) = status {
            let _ = writeln!(
                t,
                "review:\n  status: {st}\n  reviewer: {}",
                q(rng.pick(TEAMS))
            );
            if st != "pending" {
                let _ = writeln!(t, "  reviewed_at: {}", q(date(collected + 1)));
            }
            if st == "rejected" {
                let _ = writeln!(t, "  note: Export is incomplete; collect again.");
            }
        }
        let n = rng.range(1, 3);
        let refs: Vec<String> = (0..n)
            .map(|_| format!("{FW}:{}", rng.pick(&usable).id))
            .collect();
        let _ = writeln!(t, "controls: {}", flow_list(&refs));
        w.put(&rel, &t)?;
    }

    // ------------------------------------------------------------ policies
    let mut ledger = modeline("policies/approvals.yaml", "approvals");
    ledger.push_str("schema_version: 1\napprovals:\n");
    for (n, (id, f)) in policies.iter().enumerate() {
        let rel = format!("policies/{id}.md");
        let (code, fam_title, _) = FAMILIES[*f];
        let owner = rng.pick(TEAMS).to_string();
        let reviewed = as_of - rng.range(1, 330) as i64;
        let mut t = String::from("---\n");
        t.push_str(&modeline(&rel, "policy"));
        let title = if n < families.len() {
            format!("{fam_title} policy")
        } else {
            format!("{fam_title} standard {}", n / families.len())
        };
        let _ = writeln!(
            t,
            "schema_version: 1\nid: {id}\ntitle: {title}\nversion: \"{}.{}\"",
            1 + rng.below(4),
            rng.below(10)
        );
        let _ = writeln!(
            t,
            "owner: {}\napprovers: [{}, \"@acme/security\"]\nstatus: active",
            q(&owner),
            q(&owner)
        );
        let _ = writeln!(
            t,
            "effective: {}\nreviewed: {}\nreview_every: 1y",
            q(date(reviewed - 400)),
            q(date(reviewed))
        );
        let fam: Vec<&&Ctl> = usable.iter().filter(|c| c.family == *f).collect();
        let refs: Vec<String> = (0..rng.range(2, 6).min(fam.len()))
            .map(|k| format!("{FW}:{}", fam[k].id))
            .collect();
        let _ = writeln!(t, "controls: {}\n---\n", flow_list(&refs));
        let _ = writeln!(
            t,
            "# {title}\n\n## Purpose\n\n{}\n\n## Requirements\n",
            paragraph(&mut rng, 2, 3)
        );
        for k in 1..=rng.range(4, 9) {
            let _ = writeln!(t, "{k}. {}", sentence(&mut rng));
        }
        let _ = writeln!(
            t,
            "\n## Scope\n\nApplies to every system listed in `aegis.yaml` ({code} family controls)."
        );
        w.put(&rel, &t)?;
        let _ = writeln!(
            ledger,
            "  - policy: {id}\n    version: {}\n    sha256: {}\n    approved_by:\n      - login: {}\n        review_id: {}\n    approved_at: {}\n    pull_request: {}",
            q(t.lines()
                .find_map(|l| l.strip_prefix("version: "))
                .unwrap_or("\"1.0\"")
                .trim_matches('"')),
            q(sha256_hex(t.as_bytes())),
            q(&owner),
            1_000_000 + rng.below(9_000_000),
            q(format!("{}T10:00:00Z", date(reviewed))),
            100 + n
        );
    }
    w.put("policies/approvals.yaml", &ledger)?;

    // ------------------------------------------------------------ risks
    let risk_ids: Vec<String> = (1..=args.risks).map(|i| format!("R-{i:04}")).collect();
    for id in &risk_ids {
        let rel = format!("risks/{id}.yaml");
        let mut t = modeline(&rel, "risk");
        let _ = writeln!(
            t,
            "schema_version: 2\nid: {id}\ntitle: {} of {}",
            cap(rng.pick(&["loss", "exposure", "tampering", "unavailability", "misuse"])),
            rng.pick(NOUNS)
        );
        folded(&mut t, 0, "description", &paragraph(&mut rng, 1, 2));
        let _ = writeln!(t, "owner: {}", q(rng.pick(TEAMS)));
        let _ = writeln!(t, "systems: [{}]", systems[rng.below(systems.len())].0);
        let _ = writeln!(t, "controls: [{FW}:{}]", rng.pick(&usable).id);
        let (l, i) = (rng.range(1, 5), rng.range(1, 5));
        let _ = writeln!(t, "inherent:\n  likelihood: {l}\n  impact: {i}");
        if rng.chance(50) {
            let lo = rng.range(1, 5) as f64 / 10.0;
            let _ = writeln!(
                t,
                "loss:\n  frequency: {{min: {lo}, most_likely: {}, max: {}}}",
                lo * 2.0,
                lo * 5.0
            );
            let m = rng.range(10, 500) * 1000;
            let _ = writeln!(
                t,
                "  magnitude: {{min: {m}, most_likely: {}, max: {}}}",
                m * 3,
                m * 10
            );
        }
        let _ = writeln!(
            t,
            "treatment: {}",
            rng.pick(&["mitigate", "mitigate", "accept", "transfer", "avoid"])
        );
        let _ = writeln!(
            t,
            "residual:\n  likelihood: {}\n  impact: {}",
            rng.range(1, l),
            rng.range(1, i)
        );
        w.put(&rel, &t)?;
    }

    // ------------------------------------------------------------ exceptions
    for n in 1..=args.exceptions {
        let id = format!("EX-2026-{n:03}");
        let rel = format!("exceptions/{id}.yaml");
        let mut t = modeline(&rel, "exception");
        let sys = &systems[rng.below(systems.len())].0;
        let c = rng.pick(&usable);
        let _ = writeln!(
            t,
            "schema_version: 1\nid: {id}\ntitle: {} not yet in place for {sys}",
            c.title
        );
        let _ = writeln!(t, "controls: [{FW}:{}]\nsystem: {sys}", c.id);
        let _ = writeln!(t, "scope: {}", rng.pick(NOUNS));
        folded(&mut t, 0, "justification", &paragraph(&mut rng, 1, 3));
        let _ = writeln!(t, "compensating_controls: [{FW}:{}]", rng.pick(&usable).id);
        let _ = writeln!(
            t,
            "risk_rating: {}",
            rng.pick(&["low", "moderate", "moderate", "high"])
        );
        if !risk_ids.is_empty() {
            let _ = writeln!(t, "risks: [{}]", rng.pick(&risk_ids));
        }
        let _ = writeln!(t, "approver: {}", q("@acme/security"));
        let _ = writeln!(
            t,
            "granted: {}\nexpires: {}",
            q(date(as_of - rng.range(10, 200) as i64)),
            q(date(as_of + rng.range(30, 270) as i64))
        );
        w.put(&rel, &t)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(date(parse_date("2024-02-29").unwrap_or(0)), "2024-02-29");
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(
            date(parse_date("2026-06-30").unwrap_or(0) + 1),
            "2026-07-01"
        );
    }
}
