//! `aegis program import`: a messy, real-looking workbook (built here with
//! rust_xlsxwriter: title rows, merged group headers, blank rows, typos in
//! headers, dates as date cells, serial numbers and text, loose control
//! ids, a duplicate, unknown controls and systems, a note under the table)
//! into a repository that validates; re-importing changes nothing; a CSV
//! variant; a saved mapping reused; --strict; --update.

use crate::harness::{AS_OF, Aegis, Output, copy_fixture, fixtures};
use crate::snapshot;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use std::collections::BTreeMap;
use std::path::Path;

fn import(repo: &Path, args: &[&str]) -> Output {
    Aegis::new()
        .args(["program", "import"])
        .args(args)
        .arg("--repo")
        .arg(repo)
        .current_dir(repo)
        .redact(repo, "[REPO]")
        .run()
}

fn validate(repo: &Path) -> Output {
    Aegis::new()
        .args(["validate", "--as-of", AS_OF])
        .arg(repo)
        .redact(repo, "[REPO]")
        .run()
}

/// Every file under the repository's record folders, with its bytes.
pub fn tree(repo: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for dir in ["implementations", "evidence", "exceptions", "risks"] {
        let top = repo.join(dir);
        let mut stack = vec![top];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(repo).expect("inside").display().to_string();
                    out.insert(rel, std::fs::read(&p).expect("read"));
                }
            }
        }
    }
    out
}

fn read(repo: &Path, rel: &str) -> String {
    std::fs::read_to_string(repo.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn header(ws: &mut rust_xlsxwriter::Worksheet, row: u32, names: &[&str], bold: &Format) {
    for (c, h) in names.iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, bold)
            .expect("header");
    }
}

/// The workbook a GRC team keeps: four sheets, each with its own mess.
fn messy_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd mmm yyyy");
    let d = |y, m, day| ExcelDateTime::from_ymd(y, m, day).expect("date");

    let ws = wb.add_worksheet();
    ws.set_name("Controls").expect("name");
    ws.merge_range(0, 0, 0, 7, "ACME Corp - Security Program Tracker", &bold)
        .expect("title");
    ws.write_string(1, 0, "Owner: GRC team. Last updated 30 May 2026.")
        .expect("subtitle");
    // Row 4: group headers merged over their sub-headers; H4:H5 merged down.
    ws.merge_range(3, 0, 3, 1, "Control", &bold).expect("group");
    ws.merge_range(3, 2, 3, 4, "Implementation", &bold)
        .expect("group");
    ws.merge_range(3, 5, 3, 6, "Review", &bold).expect("group");
    ws.merge_range(3, 7, 4, 7, "Evidence IDs", &bold)
        .expect("group");
    header(
        ws,
        4,
        &[
            "ID",
            " System ",
            "Status",
            "Owner",
            "Descripton",
            "Last reviewed",
            "Frequency",
        ],
        &bold,
    );
    let rows: &[(&str, &str, &str, &str, &str)] = &[
        // control, system, status, owner, statement
        (
            "AC-2 (1)",
            "portal",
            "In Place",
            "Identity team",
            "Accounts are provisioned through the IdP.",
        ),
        (
            "ac-02",
            "Portal",
            "Yes",
            "Identity team",
            "Joiner-mover-leaver process run by HR and IT.",
        ),
        (
            "AC-3; IA-5",
            "portal",
            "Partially Implemented",
            "Platform team",
            "RBAC in the API gateway;\npasswords through the IdP.",
        ),
        ("", "", "", "", ""),
        ("AU.2", "payments", "Planned", "SecOps", ""),
        ("IA-55", "payments", "Yes", "SecOps", ""),
        ("AC-2(1)", "portal", "Yes", "Identity team", "Typed twice"),
        ("SC-7", "payment", "Yes", "Network team", ""),
        ("IA-2", "payments", "Mostly", "SecOps", ""),
        ("AC-20", "portal", "Not Applicable", "", ""),
    ];
    for (i, (control, system, status, owner, statement)) in rows.iter().enumerate() {
        let r = 5 + i as u32;
        for (c, v) in [control, system, status, owner, statement]
            .iter()
            .enumerate()
        {
            if !v.is_empty() {
                ws.write_string(r, c as u16, **v).expect("cell");
            }
        }
    }
    // Review dates in every form a sheet holds them.
    ws.write_datetime_with_format(5, 5, d(2026, 3, 1), &date)
        .expect("date cell");
    ws.write_string(5, 6, "Quarterly").expect("cell");
    ws.write_string(5, 7, "idp-config").expect("cell");
    ws.write_string(6, 5, "15/03/2026").expect("text date");
    ws.write_string(6, 6, "annually").expect("cell");
    ws.write_number(7, 5, 46082.0).expect("serial");
    ws.write_string(9, 5, "1 March 2026").expect("text date");
    ws.write_datetime_with_format(10, 5, d(2026, 3, 1), &date)
        .expect("date cell");
    ws.write_string(13, 5, "2026-02-30").expect("bad date");
    ws.write_string(16, 0, "Note: statuses as of the Q1 2026 review.")
        .expect("note");

    let ws = wb.add_worksheet();
    ws.set_name("Evidence").expect("name");
    ws.write_string(0, 0, "Evidence register").expect("title");
    header(
        ws,
        2,
        &[
            "Evidence ID",
            "Title",
            "Location",
            "Collected",
            "Controls",
            "Review",
        ],
        &bold,
    );
    ws.write_string(3, 0, "idp-config").expect("cell");
    ws.write_string(3, 1, "IdP configuration export")
        .expect("cell");
    ws.write_string(3, 2, "https://evidence.example.com/idp-config.json")
        .expect("cell");
    ws.write_datetime_with_format(3, 3, d(2026, 5, 2), &date)
        .expect("date");
    ws.write_string(3, 4, "AC-2(1), AC-2").expect("cell");
    ws.write_string(3, 5, "Approved").expect("cell");
    ws.write_string(4, 1, "Quarterly access review Q1")
        .expect("cell");
    ws.write_string(4, 2, "https://evidence.example.com/access-review-q1.pdf")
        .expect("cell");
    ws.write_string(4, 3, "05/04/2026").expect("ambiguous date");
    ws.write_string(4, 4, "ac-2").expect("cell");
    ws.write_string(4, 5, "Pending").expect("cell");
    // A file in the repository (hashed on import), and one outside it.
    for (c, v) in [
        "access-review-q2",
        "Access review Q2",
        "evidence/files/access-review-q2.md",
        "2026-05-20",
        "AC-2",
        "ok",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(5, c as u16, *v).expect("cell");
    }
    for (c, v) in [
        "passwords",
        "Copied secrets",
        "../../etc/passwd",
        "2026-05-20",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(6, c as u16, *v).expect("cell");
    }

    let ws = wb.add_worksheet();
    ws.set_name("Exceptions").expect("name");
    header(
        ws,
        0,
        &[
            "Exception #",
            "System",
            "Controls",
            "Reason",
            "Rating",
            "Approved by",
            "Granted",
            "Expires",
        ],
        &bold,
    );
    let ex: &[[&str; 6]] = &[
        [
            "EX-001",
            "payments",
            "SC-8",
            "The legacy TLS terminator is replaced in Q3.",
            "Medium",
            "@ciso",
        ],
        [
            "EX-002",
            "payments",
            "SC-7",
            "Firewall rules under review.",
            "Hgh",
            "@ciso",
        ],
    ];
    for (i, row) in ex.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(1 + i as u32, c as u16, *v).expect("cell");
        }
    }
    ws.write_datetime_with_format(1, 6, d(2026, 4, 1), &date)
        .expect("date");
    ws.write_string(1, 7, "2027-03-31").expect("date");
    ws.write_string(2, 6, "2026-04-01").expect("date");
    ws.write_string(2, 7, "2026-01-01").expect("date");

    // The risk register: loss ranges under two merged groups whose
    // sub-headers repeat (Min, Likely, Max).
    let ws = wb.add_worksheet();
    ws.set_name("Risk register").expect("name");
    ws.write_string(0, 0, "Risk register 2026").expect("title");
    ws.merge_range(1, 7, 1, 9, "Events per year", &bold)
        .expect("group");
    ws.merge_range(1, 10, 1, 12, "Loss per event", &bold)
        .expect("group");
    header(
        ws,
        2,
        &[
            "Risk ID",
            "Risk",
            "Owner",
            "Category",
            "Likelihood",
            "Impact",
            "Treatment",
            "Min",
            "Likely",
            "Max",
            "Min",
            "Likely",
            "Max",
            "Related controls",
        ],
        &bold,
    );
    let risks: &[[&str; 14]] = &[
        [
            "R-001",
            "Credential stuffing against the customer portal",
            "security-team",
            "security",
            "4 - Likely",
            "4",
            "Reduce",
            "0.5",
            "2",
            "6",
            "$10,000",
            "50k",
            "400k",
            "IA-2(1), ac-2",
        ],
        [
            "R-002",
            "Card data leaves the payments network",
            "payments-team",
            "security",
            "7",
            "5",
            "Mitigate",
            "",
            "",
            "",
            "",
            "",
            "",
            "SC-7",
        ],
    ];
    for (i, row) in risks.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(3 + i as u32, c as u16, *v).expect("cell");
            }
        }
    }
    wb.save_to_buffer().expect("workbook")
}

const MAPPING: &str = r##"schema_version: 1
sheets:
  - sheet: Controls
    kind: implementations
    columns:
      control: Control ID
      system: System
      status: Implementation Status
      owner: Owner
      statement: Description
      reviewed: Review Last Reviewed
      review_every: Frequency
      evidence: Evidence IDs
    values:
      status:
        In Place: implemented
  - sheet: Evidence
    kind: evidence
    date_order: dmy
    columns:
      id: Evidence ID
      title: Title
      uri: Location
      collected_at: Collected
      controls: Controls
      review: Review
  - sheet: exceptions
    kind: exceptions
    columns:
      id: "#A"
      system: System
      controls: Controls
      justification: Reason
      risk_rating: Rating
      approver: Approved by
      granted: Granted
      expires: Expires
  - sheet: Risk register
    kind: risks
    columns:
      id: Risk ID
      title: Risk
      owner: Owner
      category: Category
      likelihood: Likelihood
      impact: Impact
      treatment: Treatment
      controls: Related controls
      frequency_min: Events per year Min
      frequency_most_likely: Events per year Likely
      frequency_max: Events per year Max
      magnitude_min: Loss per event Min
      magnitude_most_likely: Loss per event Likely
      magnitude_max: Loss per event Max
"##;

#[test]
fn a_messy_workbook_imports_into_a_repository_that_validates() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    std::fs::create_dir_all(repo.join("evidence/files")).expect("mkdir");
    std::fs::write(
        repo.join("evidence/files/access-review-q2.md"),
        "# Access review, Q2 2026\n\nAll 42 accounts reviewed.\n",
    )
    .expect("artifact");
    let work = tempfile::tempdir().expect("tempdir");
    let book = work.path().join("program.xlsx");
    std::fs::write(&book, messy_workbook()).expect("workbook");
    let mapping = work.path().join("mapping.yaml");
    std::fs::write(&mapping, MAPPING).expect("mapping");
    let args = [
        book.to_str().expect("utf-8"),
        "--mapping",
        mapping.to_str().expect("utf-8"),
    ];

    let out = import(repo, &args).redact(work.path());
    assert_eq!(out.code, 1, "refused rows fail the run:\n{}", out.stdout);
    snapshot!("messy_workbook", out.stdout);
    snapshot!(
        "messy_workbook_files",
        [
            "implementations/portal/AC-2(1).yaml",
            "implementations/portal/AC-3.yaml",
            "implementations/payments/AU-2.yaml",
            "evidence/quarterly-access-review-q1.yaml",
            "evidence/access-review-q2.yaml",
            "exceptions/EX-001.yaml",
            "risks/R-001.yaml",
        ]
        .iter()
        .map(|f| format!("--- {f}\n{}", read(repo, f)))
        .collect::<String>()
    );
    let written = tree(repo);
    assert_eq!(
        written.keys().cloned().collect::<Vec<_>>(),
        [
            "evidence/access-review-q2.yaml",
            "evidence/files/access-review-q2.md",
            "evidence/idp-config.yaml",
            "evidence/quarterly-access-review-q1.yaml",
            "exceptions/EX-001.yaml",
            "implementations/payments/AU-2.yaml",
            "implementations/portal/AC-2(1).yaml",
            "implementations/portal/AC-2.yaml",
            "implementations/portal/AC-3.yaml",
            "implementations/portal/IA-5.yaml",
            "risks/R-001.yaml",
        ]
    );

    let v = validate(repo);
    assert_eq!(v.code, 0, "what the import wrote validates:\n{}", v.stdout);

    // The same sheet again: nothing changes, byte for byte.
    let again = import(repo, &args).redact(work.path());
    assert_eq!(again.code, 1);
    assert!(
        again
            .stdout
            .contains("records: 0 created, 0 updated, 10 unchanged, 0 kept"),
        "{}",
        again.stdout
    );
    assert_eq!(tree(repo), written);
}

trait Redact {
    fn redact(self, path: &Path) -> Output;
}

impl Redact for Output {
    fn redact(mut self, path: &Path) -> Output {
        let forms = [
            path.display().to_string(),
            path.canonicalize()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        ];
        for f in forms.iter().filter(|f| !f.is_empty()) {
            self.stdout = self.stdout.replace(f.as_str(), "[WORK]");
        }
        self
    }
}

const CSV_COLUMNS: &str = "control=Control ID,system=System,status=Implementation Status,owner=Control Owner,statement=How it is met,reviewed=Last Reviewed,review_every=Review Cycle";

fn csv() -> String {
    fixtures()
        .join("program-import/controls.csv")
        .display()
        .to_string()
}

#[test]
fn a_csv_program_with_columns_then_its_saved_mapping() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    let saved = repo.join("program-mapping.yaml");
    let csv = csv();
    let out = Aegis::new()
        .args(["program", "import", &csv, "--kind", "implementations"])
        .args([
            "--columns",
            CSV_COLUMNS,
            "--format",
            "json",
            "--save-mapping",
        ])
        .arg(&saved)
        .arg("--repo")
        .arg(repo)
        .redact(&fixtures(), "[FIXTURES]")
        .run();
    assert_eq!(out.code, 1);
    snapshot!("csv_json", out.stdout);
    let json = out.json();
    let reasons: Vec<&str> = json["refused"]
        .as_array()
        .expect("refused")
        .iter()
        .map(|r| r["reason"].as_str().expect("reason"))
        .collect();
    assert_eq!(
        reasons,
        [
            "unknown-control",
            "duplicate-row",
            "unknown-system",
            "unmapped-value",
            "bad-date",
            "missing-field"
        ]
    );
    snapshot!("csv_saved_mapping", read(repo, "program-mapping.yaml"));
    assert_fits_schema(&read(repo, "program-mapping.yaml"));
    let written = tree(repo);
    assert_eq!(written.len(), 5, "{:?}", written.keys());
    assert_eq!(validate(repo).code, 0);

    // The saved mapping imports the same way: nothing to change.
    let again = Aegis::new()
        .args(["program", "import", &csv, "--mapping"])
        .arg(&saved)
        .arg("--repo")
        .arg(repo)
        .run();
    assert!(
        again
            .stdout
            .contains("records: 0 created, 0 updated, 5 unchanged, 0 kept"),
        "{}",
        again.stdout
    );
    assert_eq!(tree(repo), written);
}

/// A mapping file is valid under `schemas/program-mapping.schema.json`.
fn assert_fits_schema(yaml: &str) {
    let (_, schema) = aegis::schema::files()
        .into_iter()
        .find(|(n, _)| n == "program-mapping.schema.json")
        .expect("the mapping schema is generated");
    let schema: serde_json::Value = serde_json::from_str(&schema).expect("schema JSON");
    let value: serde_json::Value = serde_saphyr::from_str(yaml).expect("mapping YAML");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}\n{yaml}");
}

#[test]
fn the_documented_mapping_fits_its_schema() {
    assert_fits_schema(MAPPING);
}

#[test]
fn a_second_run_while_one_writes_is_refused() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    let held = aegis::write::try_lock_dir(&repo.join("implementations"))
        .expect("lock")
        .expect("free");
    let out = import(
        repo,
        &[
            &csv(),
            "--kind",
            "implementations",
            "--columns",
            CSV_COLUMNS,
        ],
    );
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("another aegis process is writing here"),
        "{}",
        out.stderr
    );
    assert!(tree(repo).is_empty(), "nothing written while locked out");
    drop(held);
    assert_eq!(
        import(
            repo,
            &[
                &csv(),
                "--kind",
                "implementations",
                "--columns",
                CSV_COLUMNS
            ]
        )
        .code,
        1
    );
    assert_eq!(tree(repo).len(), 5);
}

#[test]
fn strict_writes_nothing_when_a_row_is_refused() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    let out = import(
        repo,
        &[
            &csv(),
            "--kind",
            "implementations",
            "--columns",
            CSV_COLUMNS,
            "--strict",
        ],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("5 not written (--strict)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("nothing written: --strict"),
        "{}",
        out.stdout
    );
    assert!(tree(repo).is_empty());

    let dry = import(
        repo,
        &[
            &csv(),
            "--kind",
            "implementations",
            "--columns",
            CSV_COLUMNS,
            "--dry-run",
        ],
    );
    assert!(dry.stdout.contains("5 would be created"), "{}", dry.stdout);
    assert!(tree(repo).is_empty());
}

#[test]
fn a_changed_record_is_kept_unless_update_and_then_only_owned_keys_change() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    let cols = "control=Control ID,system=System,status=Implementation Status,owner=Control Owner";
    let args = [
        csv(),
        "--kind".into(),
        "implementations".into(),
        "--columns".into(),
        cols.into(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    import(repo, &args);
    let rel = "implementations/portal/AC-3.yaml";
    // Someone edits the record by hand: a new owner, and a statement the
    // sheet does not map.
    let edited = read(repo, rel).replace(
        "owner: Platform team",
        "# Moved to the API team in May.\nowner: API team  # was Platform team",
    ) + "statement: Enforced by the gateway's policy engine.\n";
    std::fs::write(repo.join(rel), &edited).expect("edit");

    let kept = import(repo, &args);
    assert_eq!(kept.code, 1);
    assert!(
        kept.stdout.contains(
            "kept        implementations/portal/AC-3.yaml (controls.csv row 7); differs in owner"
        ),
        "{}",
        kept.stdout
    );
    assert_eq!(read(repo, rel), edited);

    let mut update = args.clone();
    update.push("--update");
    let updated = import(repo, &update);
    assert!(
        updated
            .stdout
            .contains("updated     implementations/portal/AC-3.yaml"),
        "{}",
        updated.stdout
    );
    let now = read(repo, rel);
    assert_eq!(
        now,
        edited.replace(
            "owner: API team  # was Platform team",
            "owner: Platform team  # was Platform team"
        ),
        "only the owner's value changes; comments and other keys stay"
    );
    assert!(
        now.contains("statement: Enforced by the gateway's policy engine."),
        "a key the sheet does not map is left alone:\n{now}"
    );
    assert_eq!(validate(repo).code, 0);
}

#[test]
fn one_status_column_per_system_maps_the_sheet_twice() {
    let dir = copy_fixture("program-import/repo");
    let repo = dir.path();
    let work = tempfile::tempdir().expect("tempdir");
    let sheet = work.path().join("matrix.csv");
    std::fs::write(
        &sheet,
        "Control;Portal status;Payments status\nAC-2 Account Management;Yes;No\nSC-7 Boundary Protection;Inherited;Partially\n",
    )
    .expect("sheet");
    let mapping = work.path().join("matrix.yaml");
    std::fs::write(
        &mapping,
        "schema_version: 1\nsheets:\n  - kind: implementations\n    system: portal\n    columns: {control: Control, status: Portal status, provider: \"#D\"}\n  - kind: implementations\n    system: payments\n    columns: {control: Control, status: Payments status}\n",
    )
    .expect("mapping");
    let out = import(
        repo,
        &[
            sheet.to_str().expect("utf-8"),
            "--mapping",
            mapping.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("[missing-field] no `provider` (an inherited control says where from"),
        "{}",
        out.stdout
    );
    assert_eq!(
        tree(repo).keys().cloned().collect::<Vec<_>>(),
        [
            "implementations/payments/AC-2.yaml",
            "implementations/payments/SC-7.yaml",
            "implementations/portal/AC-2.yaml",
        ]
    );
    assert!(read(repo, "implementations/payments/SC-7.yaml").contains("status: partial"));
    assert!(read(repo, "implementations/payments/AC-2.yaml").contains("status: planned"));
    assert_eq!(validate(repo).code, 0);
}
