//! The pipeline every gate runs: load → validate → assess → output.

pub mod walk;

use crate::assess::gate::{self, Failure, Ratchet};
use crate::assess::{self, Assessment};
use crate::diag::{self, Code, Diagnostic, Overrides, Pos, Severity, Summary, Weakened};
use crate::model::Date;
use crate::validate::{self, Outcome};
use crate::workspace::{self, LoadError, Workspace};
use std::collections::HashMap;
use std::path::Path;

/// A finished run: what was read, what was found, and the verdict.
pub struct Run {
    pub workspace: Workspace,
    pub outcome: Outcome,
    /// Sorted, with the repository's severity overrides applied.
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    pub gate: Severity,
    /// The codes aegis.yaml lowers or switches off, for every summary.
    pub weakened: Vec<Weakened>,
    /// The gap engine's result, when the run assessed (`aegis check`).
    pub assessment: Option<Assessment>,
    /// The numbers the gate wanted and did not get.
    pub failures: Vec<Failure>,
}

impl Run {
    pub fn failed(&self) -> bool {
        self.summary.fails(self.gate)
    }
}

/// Loads and validates the repository at `root`, judging dates as of `as_of`.
pub fn validate(root: &Path, as_of: Date) -> Result<Run, LoadError> {
    run(root, as_of, None)
}

/// What `aegis check` adds to validation.
#[derive(Clone, Copy, Debug, Default)]
pub struct CheckOptions {
    /// Record today's counts in the ratchet file instead of judging by it.
    pub write_ratchet: bool,
    /// Judge the risk register against `risk.appetite` (`aegis check`; the
    /// commands that only want the gaps skip its simulation).
    pub appetite: bool,
}

/// Validates, then assesses gaps and judges them against the thresholds
/// and the ratchet: the full gate.
pub fn check(root: &Path, as_of: Date, opts: CheckOptions) -> Result<Run, LoadError> {
    run(root, as_of, Some(opts))
}

fn run(root: &Path, as_of: Date, check: Option<CheckOptions>) -> Result<Run, LoadError> {
    Ok(run_loaded(workspace::load(root)?, as_of, check))
}

/// Runs the stages after loading on a workspace loaded elsewhere (from a
/// commit, by `workspace::git`): validation alone without `check`, the
/// full gate with it.
pub fn run_loaded(workspace: Workspace, as_of: Date, check: Option<CheckOptions>) -> Run {
    run_loaded_memo(workspace, as_of, check, None)
}

/// `run_loaded`, taking typed records checked at an earlier commit from
/// `memo` (a walk over history, the two sides of a diff).
pub fn run_loaded_memo(
    workspace: Workspace,
    as_of: Date,
    check: Option<CheckOptions>,
    memo: Option<&validate::Memo>,
) -> Run {
    Staged::new(workspace, as_of, check, memo).finish()
}

/// A run before its diagnostics are put together, sorted and counted:
/// each stage's apart, so a walk over history can redo only the stages a
/// commit's changes reach (`walk`).
struct Staged {
    workspace: Workspace,
    outcome: Outcome,
    /// The ratchet file, as read (or written).
    ratchet: Option<Ratchet>,
    /// What reading the ratchet file found.
    ratchet_diagnostics: Vec<Diagnostic>,
    assessment: Option<Assessment>,
    failures: Vec<Failure>,
    /// The gate's: failed numbers, unused exceptions, the risk appetite.
    gate_diagnostics: Vec<Diagnostic>,
    /// Per system of the assessment, the counts of each selection.
    counts: Vec<Vec<gate::Counts>>,
    overrides: Overrides,
    gate: Severity,
    weakened: Vec<Weakened>,
    /// aegis.yaml's overrides, announced.
    notes: Vec<Diagnostic>,
}

impl Staged {
    fn new(
        workspace: Workspace,
        as_of: Date,
        check: Option<CheckOptions>,
        memo: Option<&validate::Memo>,
    ) -> Staged {
        let opts = validate::Options { as_of };
        let outcome = match memo {
            Some(m) => validate::run_memo(&workspace, &opts, m),
            None => validate::run(&workspace, &opts),
        };
        let mut ratchet_diagnostics = Vec::new();
        let mut gate_diagnostics = Vec::new();
        let mut assessment = None;
        let mut failures = Vec::new();
        let mut read = None;
        let mut counts = Vec::new();
        if let (Some(opts), Some(config)) = (check, &outcome.repo.config) {
            let a = assess::gaps::assess(&workspace, &outcome, &outcome.diagnostics, as_of);
            read = ratchet(&workspace, config, &a, opts, &mut ratchet_diagnostics);
            counts = gate::counts(&a);
            let (f, d) = gate_diagnostics_of(&workspace, config, &a, read.as_ref(), &counts);
            (failures, gate_diagnostics) = (f, d);
            if opts.appetite {
                gate_diagnostics.extend(crate::risk::appetite::diagnostics(
                    &workspace, &outcome, config,
                ));
            }
            assessment = Some(a);
        }
        let so_far = [
            outcome.diagnostics.as_slice(),
            &ratchet_diagnostics,
            &gate_diagnostics,
        ];
        let (overrides, gate, weakened, notes) = overrides(&workspace, &outcome, &so_far);
        Staged {
            workspace,
            outcome,
            ratchet: read,
            ratchet_diagnostics,
            assessment,
            failures,
            gate_diagnostics,
            counts,
            overrides,
            gate,
            weakened,
            notes,
        }
    }

    fn finish(self) -> Run {
        let mut diagnostics = Vec::with_capacity(
            self.outcome.diagnostics.len()
                + self.ratchet_diagnostics.len()
                + self.gate_diagnostics.len()
                + self.notes.len(),
        );
        diagnostics.extend_from_slice(&self.outcome.diagnostics);
        diagnostics.extend(self.ratchet_diagnostics);
        diagnostics.extend(self.gate_diagnostics);
        diagnostics.extend(self.notes);
        let (diagnostics, counts) = diag::finish(diagnostics, &self.overrides);
        let summary = Summary::new(self.workspace.files.len(), counts);
        Run {
            workspace: self.workspace,
            outcome: self.outcome,
            diagnostics,
            summary,
            gate: self.gate,
            weakened: self.weakened,
            assessment: self.assessment,
            failures: self.failures,
        }
    }
}

/// The gate's verdict on the gaps: the numbers it wanted and did not get,
/// and the exceptions that waive nothing, as diagnostics.
fn gate_diagnostics_of(
    ws: &Workspace,
    config: &crate::model::Config,
    a: &Assessment,
    ratchet: Option<&Ratchet>,
    counts: &[Vec<gate::Counts>],
) -> (Vec<Failure>, Vec<Diagnostic>) {
    let failures = gate::judge(a, config, ratchet, counts);
    let mut out: Vec<Diagnostic> = failures.iter().map(|f| failure(ws, f)).collect();
    out.extend(a.unused_exceptions.iter().map(|u| unused_exception(ws, u)));
    (failures, out)
}

/// A failed number, reported at the system's selection in aegis.yaml.
fn failure(ws: &Workspace, f: &Failure) -> Diagnostic {
    let config_file = &ws.files[0];
    let pos = config_file
        .tree
        .as_ref()
        .map_or(Pos::START, |t| t.locate(&f.pointer));
    let what = match f.measure.as_str() {
        "coverage" => "coverage".to_string(),
        "gaps" => "gaps".to_string(),
        m => format!("gaps for `{}`", m.trim_start_matches("gaps:")),
    };
    let (help, by) = match f.rule.as_str() {
        "ratchet" => (
            format!(
                "close the new gaps (`aegis gaps --system {}`); if the change is accepted, run `aegis check --write-baseline` and commit the ratchet file",
                f.system
            ),
            "the ratchet file".to_string(),
        ),
        "default" => (
            format!(
                "close the gaps (`aegis gaps --system {}` lists them), cover them with exceptions, or set thresholds under `gate.thresholds` in aegis.yaml",
                f.system
            ),
            "the gate (no thresholds set, so no gap is allowed)".to_string(),
        ),
        rule => (
            format!(
                "close the gaps (`aegis gaps --system {}` lists them), or change `{rule}` in aegis.yaml",
                f.system
            ),
            format!("`{rule}`"),
        ),
    };
    Diagnostic::new(
        Code::GapThreshold,
        &config_file.path,
        pos,
        format!(
            "system `{}`, {}: {what} {} where {by} needs {}",
            f.system, f.selection, f.got, f.needed
        ),
    )
    .help(help)
}

/// An exception that waives a control with no gap: reported at the control.
fn unused_exception(ws: &Workspace, u: &assess::gaps::UnusedException) -> Diagnostic {
    let file = &ws.files[u.file];
    let pos = file
        .tree
        .as_ref()
        .map_or(Pos::START, |t| t.locate(&format!("/controls/{}", u.index)));
    Diagnostic::new(
        Code::ExceptionUnused,
        &file.path,
        pos,
        format!(
            "exception `{}` waives `{}` in system `{}`, which has no gap there to waive",
            u.id, u.control, u.system
        ),
    )
    .help(format!(
        "remove `{}` from the exception's controls, or close the exception: aegis exceptions close {}",
        u.control, u.id
    ))
}

/// Reads the ratchet file, or writes it when asked. A ratchet that cannot
/// be read is reported, and the gate then judges by the thresholds.
fn ratchet(
    ws: &Workspace,
    config: &crate::model::Config,
    a: &Assessment,
    opts: CheckOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Ratchet> {
    let rel = config.gate.ratchet.as_str();
    let bad_path = {
        let p = Path::new(rel);
        rel.is_empty()
            || p.is_absolute()
            || p.components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
    };
    let report = |code: Code, message: String, help: &str| {
        let config_file = &ws.files[0];
        let pos = config_file
            .tree
            .as_ref()
            .map_or(Pos::START, |t| t.locate("/gate/ratchet"));
        Diagnostic::new(code, &config_file.path, pos, message).help(help)
    };
    if bad_path {
        diagnostics.push(report(
            Code::PathEscapesRepo,
            format!("gate.ratchet `{rel}` is not a plain path inside the repository"),
            "name a file inside the repository, e.g. aegis-ratchet.json",
        ));
        return None;
    }
    let bytes = match &ws.source {
        workspace::Source::WorkTree => match from_disk(ws, rel, a, opts, &report, diagnostics) {
            Disk::Written(r) => return Some(r),
            Disk::Nothing => return None,
            Disk::Bytes(b) => b,
        },
        workspace::Source::Commit(snapshot) => {
            use workspace::git::Entry;
            let refused = |message: String| {
                report(
                    Code::PathEscapesRepo,
                    message,
                    "replace it with the file `aegis check --write-baseline` writes",
                )
            };
            let unreadable = |e: String| {
                report(
                    Code::IoError,
                    format!("cannot read the ratchet file `{rel}` from git: {e}"),
                    "the repository may be damaged or shallow; `git fsck` says more",
                )
            };
            match snapshot.entry(rel) {
                Ok(Entry::Missing) => return None,
                Ok(Entry::File { oid, size }) => {
                    match snapshot.read(oid, ws.limits.max_file_bytes) {
                        Ok(Some(b)) => b,
                        Ok(None) => {
                            diagnostics.push(report(
                                Code::FileTooLarge,
                                format!("the ratchet file `{rel}` is {size} bytes"),
                                "rewrite it with `aegis check --write-baseline`",
                            ));
                            return None;
                        }
                        Err(e) => {
                            diagnostics.push(unreadable(e));
                            return None;
                        }
                    }
                }
                Ok(Entry::Link | Entry::Through) => {
                    diagnostics.push(refused(format!(
                        "the ratchet file `{rel}` is, or goes through, a symbolic link in this commit"
                    )));
                    return None;
                }
                Ok(Entry::Dir | Entry::Submodule) => {
                    diagnostics.push(refused(format!(
                        "the ratchet file `{rel}` is not a regular file in this commit"
                    )));
                    return None;
                }
                Err(e) => {
                    diagnostics.push(unreadable(e));
                    return None;
                }
            }
        }
    };
    let parsed = serde_json::from_slice::<Ratchet>(&bytes).map_err(|e| e.to_string());
    match parsed {
        Ok(r) if r.version == 1 => Some(r),
        Ok(r) => {
            diagnostics.push(report(
                Code::UnsupportedSchemaVersion,
                format!(
                    "the ratchet file `{rel}` has version {}; this build reads 1",
                    r.version
                ),
                "rewrite it with `aegis check --write-baseline`",
            ));
            None
        }
        Err(e) => {
            diagnostics.push(report(
                Code::InvalidValue,
                format!("cannot read the ratchet file `{rel}`: {e}"),
                "rewrite it with `aegis check --write-baseline`, or restore it from git",
            ));
            None
        }
    }
}

/// What the working tree holds for the ratchet.
enum Disk {
    Written(Ratchet),
    Nothing,
    Bytes(Vec<u8>),
}

/// Reads the ratchet file from disk (or writes it when asked), refusing
/// links and special files.
fn from_disk(
    ws: &Workspace,
    rel: &str,
    a: &Assessment,
    opts: CheckOptions,
    report: &dyn Fn(Code, String, &str) -> Diagnostic,
    diagnostics: &mut Vec<Diagnostic>,
) -> Disk {
    let path = ws.root.join(rel);
    // A directory on the way may be a link out of the repository.
    let inside = path
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .is_none_or(|p| p.starts_with(ws.root_canonical()));
    if !inside {
        diagnostics.push(report(
            Code::PathEscapesRepo,
            format!("gate.ratchet `{rel}` leads out of the repository through a symbolic link"),
            "name a file inside the repository, e.g. aegis-ratchet.json",
        ));
        return Disk::Nothing;
    }
    let linked = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
    if linked {
        diagnostics.push(report(
            Code::PathEscapesRepo,
            format!("the ratchet file `{rel}` is a symbolic link"),
            "replace it with the file `aegis check --write-baseline` writes",
        ));
        return Disk::Nothing;
    }
    if opts.write_ratchet {
        let r = Ratchet::of(a);
        if let Err(e) = crate::write::write_if_changed(&path, r.to_json().as_bytes()) {
            diagnostics.push(report(
                Code::IoError,
                format!("cannot write the ratchet file `{rel}`: {e}"),
                "check the directory's permissions",
            ));
        }
        return Disk::Written(r);
    }
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Disk::Nothing,
        Ok(m) if !m.file_type().is_file() => {
            diagnostics.push(report(
                Code::PathEscapesRepo,
                format!("the ratchet file `{rel}` is not a regular file"),
                "replace it with the file `aegis check --write-baseline` writes",
            ));
            return Disk::Nothing;
        }
        Ok(m) if m.len() > ws.limits.max_file_bytes => {
            diagnostics.push(report(
                Code::FileTooLarge,
                format!("the ratchet file `{rel}` is {} bytes", m.len()),
                "rewrite it with `aegis check --write-baseline`",
            ));
            return Disk::Nothing;
        }
        _ => {}
    }
    match std::fs::read(&path) {
        Ok(b) => Disk::Bytes(b),
        Err(e) => {
            diagnostics.push(report(
                Code::InvalidValue,
                format!("cannot read the ratchet file `{rel}`: {e}"),
                "rewrite it with `aegis check --write-baseline`, or restore it from git",
            ));
            Disk::Nothing
        }
    }
}

/// The severity changes aegis.yaml asks for. Protected codes are never
/// lowered (a `protected-code` error says so); every other lowering is
/// kept but announced by a `weakened-code` note at its line, so the
/// change is in front of whoever reviews the report.
fn overrides(
    ws: &Workspace,
    outcome: &Outcome,
    diagnostics: &[&[Diagnostic]],
) -> (Overrides, Severity, Vec<Weakened>, Vec<Diagnostic>) {
    let mut overrides = Overrides::default();
    let mut weakened = Vec::new();
    let Some(config) = &outcome.repo.config else {
        return (overrides, Severity::Error, weakened, Vec::new());
    };
    let config_file = &ws.files[0];
    let key_pos = |name: &str| {
        config_file
            .tree
            .as_ref()
            .map_or(Pos::START, |t| t.locate_key("/diagnostics", name))
    };
    let mut counts: HashMap<Code, usize> = HashMap::new();
    for d in diagnostics.iter().flat_map(|part| part.iter()) {
        *counts.entry(d.code).or_default() += 1;
    }
    let mut notes = Vec::new();
    for (name, level) in &config.diagnostics {
        let Some(code) = Code::from_name(name) else {
            continue;
        };
        let default = code.info().severity;
        let now = level.severity();
        let lowers = now.is_none_or(|s| s < default);
        let said = now.map_or("off", Severity::as_str);
        if lowers && code.is_protected() {
            notes.push(
                Diagnostic::new(
                    Code::ProtectedCode,
                    &config_file.path,
                    key_pos(name),
                    format!(
                        "`{code}` guards evidence integrity or the loader's safety and cannot be set to {said}; it stays {default}"
                    ),
                )
                .help(format!(
                    "remove `{code}` from `diagnostics:`; fix what it reports instead"
                )),
            );
            continue;
        }
        overrides.set(code, now);
        if lowers {
            let hidden = counts.get(&code).copied().unwrap_or(0);
            let effect = match (now, hidden) {
                (_, 0) => "it reports nothing in this run".to_string(),
                (None, n) => format!("{n} finding(s) are hidden"),
                (Some(s), n) => format!("{n} finding(s) are reported as {s}"),
            };
            notes.push(
                Diagnostic::new(
                    Code::WeakenedCode,
                    &config_file.path,
                    key_pos(name),
                    format!("aegis.yaml sets `{code}` to {said} (default: {default}); {effect}"),
                )
                .help(format!(
                    "if this is not intended, remove `{code}` from `diagnostics:`"
                )),
            );
            weakened.push(Weakened {
                code,
                default,
                now,
                hidden,
            });
        }
    }
    (overrides, config.gate.fail_on, weakened, notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn copy_dir(from: &Path, to: &Path) {
        for entry in walkdir::WalkDir::new(from) {
            let entry = entry.expect("walk");
            let rel = entry.path().strip_prefix(from).expect("prefix");
            let dest = to.join(rel);
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&dest).expect("mkdir");
            } else {
                std::fs::copy(entry.path(), &dest).expect("copy");
            }
        }
    }

    /// Every file of the example repository, cut short at many points and
    /// with bytes flipped, must give diagnostics, never a panic.
    #[test]
    fn validation_survives_damaged_files() {
        let example = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/saas");
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&example, dir.path());
        let as_of = Date::new(2026, 6, 1).expect("date");
        let files: Vec<PathBuf> = walkdir::WalkDir::new(dir.path())
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "md"))
            .collect();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for path in &files {
            let original = std::fs::read(path).expect("read");
            for round in 0..6u64 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let mut damaged = original.clone();
                if round % 2 == 0 {
                    damaged.truncate((seed as usize) % (original.len() + 1));
                } else if !damaged.is_empty() {
                    let i = (seed as usize) % damaged.len();
                    damaged[i] = (seed >> 8) as u8;
                }
                std::fs::write(path, &damaged).expect("write");
                let run = validate(dir.path(), as_of).expect("repository still loads");
                assert!(run.summary.files > 0);
            }
            std::fs::write(path, &original).expect("restore");
        }
    }
}
