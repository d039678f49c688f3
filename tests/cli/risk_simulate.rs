//! `aegis risk simulate` and the risk appetite in `aegis check`.

use crate::harness::{AS_OF, Aegis, copy_fixture};
use crate::snapshot;

const REPO: &str = "repos/risk-simulation";

fn simulate(dir: &std::path::Path, extra: &[&str]) -> crate::harness::Output {
    Aegis::new()
        .args(["risk", "simulate", ".", "--as-of", AS_OF])
        .args(extra)
        .current_dir(dir)
        .run()
}

fn check(dir: &std::path::Path) -> crate::harness::Output {
    Aegis::new()
        .args(["check", ".", "--as-of", AS_OF, "--color", "never"])
        .current_dir(dir)
        .run()
}

#[test]
fn simulate_human() {
    let dir = copy_fixture(REPO);
    let out = simulate(dir.path(), &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("simulate_human", out.stdout);
}

#[test]
fn simulate_csv_and_svg() {
    let dir = copy_fixture(REPO);
    let out = simulate(dir.path(), &["--format", "csv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot!("simulate_csv", out.stdout);
    let svg = simulate(dir.path(), &["--format", "svg"]);
    assert_eq!(svg.code, 0, "{}", svg.stderr);
    assert!(svg.stdout.starts_with("<svg "), "{}", svg.stdout);
    assert!(svg.stdout.contains("annual loss (EUR)"));
    assert!(svg.stdout.contains("<polyline"));
}

#[test]
fn the_same_seed_gives_the_same_numbers_on_one_thread_or_two() {
    let dir = copy_fixture(REPO);
    let run = |threads: &str| {
        let out = Aegis::new()
            .args([
                "risk", "simulate", ".", "--as-of", AS_OF, "--format", "json",
            ])
            .args(["--iterations", "50000", "--seed", "11"])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(dir.path())
            .run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("2"));
    let json: serde_json::Value = serde_json::from_str(&one).expect("json");
    assert_eq!(json["iterations"], 50000);
    assert_eq!(json["seed"], 11);
    // E[λ] = (0.5 + 4·2 + 6)/6, E[loss per event] = (10k + 4·50k + 400k)/6.
    let mean = json["risks"][0]["mean"].as_f64().expect("mean");
    let want = (14.5 / 6.0) * (610_000.0 / 6.0);
    assert!((mean - want).abs() < 0.02 * want, "{mean} vs {want}");
}

#[test]
fn one_risk_alone_has_the_numbers_it_has_in_the_register() {
    let dir = copy_fixture(REPO);
    let json = |extra: &[&str]| -> serde_json::Value {
        let out = simulate(dir.path(), &[&["--format", "json"], extra].concat());
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str(&out.stdout).expect("json")
    };
    let all = json(&[]);
    let alone = json(&["--risk", "R-2"]);
    assert_eq!(alone["risks"].as_array().map(Vec::len), Some(1));
    assert_eq!(alone["risks"][0], all["risks"][1]);
    // The register is then R-2 alone.
    assert_eq!(alone["register"]["mean"], all["risks"][1]["mean"]);
}

#[test]
fn closing_a_gap_reduces_only_the_risks_that_name_it() {
    let dir = copy_fixture(REPO);
    let out = simulate(dir.path(), &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    let gaps = json["gaps"].as_array().expect("gaps");
    // fw:C-1 is implemented in app, so only fw:C-2 is an open gap.
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["control"], "fw:C-2");
    let r1 = json["risks"][0]["mean"].as_f64().expect("mean");
    let r2 = json["risks"][1]["mean"].as_f64().expect("mean");
    let cut = |i: usize| {
        gaps[0]["risks"][i]["reduction"]
            .as_f64()
            .expect("reduction")
    };
    // R-1 loses 60% of its events; R-2 half of every loss, exactly (same draws).
    assert!((cut(0) - 0.6 * r1).abs() < 0.03 * r1, "{} vs {r1}", cut(0));
    assert!((cut(1) - 0.5 * r2).abs() < 1e-6 * r2, "{} vs {r2}", cut(1));
    assert_eq!(json["not_simulated"][0]["risk"], "R-3");
}

#[test]
fn bad_arguments_are_refused() {
    let dir = copy_fixture(REPO);
    let out = simulate(dir.path(), &["--risk", "R-9"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no risk `R-9`"), "{}", out.stderr);
    let out = simulate(dir.path(), &["--iterations", "0"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--iterations"), "{}", out.stderr);
}

#[test]
fn check_passes_within_the_appetite() {
    let dir = copy_fixture(REPO);
    let out = check(dir.path());
    assert_eq!(out.code, 0, "{}", out.stdout);
    snapshot!("check_within_appetite", out.stdout);
}

#[test]
fn check_fails_above_the_appetite_and_says_by_how_much() {
    let dir = copy_fixture(REPO);
    let path = dir.path().join("aegis.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    let text = text
        .replace("max_residual_score: 16", "max_residual_score: 9")
        .replace("{score: 8, count: 2}", "{score: 6, count: 1}")
        .replace(
            "max_annual_loss_p90: 5000000",
            "max_annual_loss_p90: 300000",
        );
    std::fs::write(&path, text).expect("write");
    let out = check(dir.path());
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("R-1 residual 12 exceeds the appetite of 9 for every risk (`*`) by 3")
    );
    snapshot!("check_above_appetite", out.stdout);
}

#[test]
fn an_estimate_out_of_order_is_reported_at_its_field_and_not_simulated() {
    let dir = copy_fixture(REPO);
    let path = dir.path().join("risks/R-1.yaml");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(
        &path,
        text.replace("min: 0.5, most_likely: 2", "min: 3, most_likely: 2"),
    )
    .expect("write");
    let out = Aegis::new()
        .args(["validate", ".", "--as-of", AS_OF, "--format", "json"])
        .current_dir(dir.path())
        .run();
    assert_eq!(out.code, 1, "{}", out.stdout);
    let diags = out.diagnostics();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].code, "invalid-value");
    assert_eq!(
        (diags[0].file.as_str(), diags[0].line),
        ("risks/R-1.yaml", 13)
    );
    assert!(
        diags[0].message.contains("`min` is above `most_likely`"),
        "{diags:?}"
    );
    let sim = simulate(dir.path(), &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&sim.stdout).expect("json");
    assert_eq!(json["not_simulated"][0]["risk"], "R-1");
}

#[test]
fn each_risk_has_its_loss_exceedance_curve() {
    let dir = copy_fixture(REPO);
    let out = simulate(dir.path(), &["--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    for risk in json["risks"].as_array().expect("risks") {
        let curve = risk["exceedance"].as_array().expect("a curve per risk");
        assert_eq!(curve.len(), 21, "{risk}");
        // It starts at the share of years with a loss and never rises.
        assert_eq!(curve[0]["loss"], 0.0);
        assert_eq!(curve[0]["probability"], risk["any_loss"]);
        let p: Vec<f64> = curve
            .iter()
            .filter_map(|c| c["probability"].as_f64())
            .collect();
        assert!(p.windows(2).all(|w| w[0] >= w[1]), "{p:?}");
        // The grid reaches past the risk's own P99.
        let last = curve[20]["loss"].as_f64().expect("loss");
        assert!(last > risk["p99"].as_f64().expect("p99"), "{risk}");
    }
    assert!(json["register"].get("exceedance").is_none());
    // csv --curve: 21 rows per risk, then the register's.
    let csv = simulate(dir.path(), &["--format", "csv", "--curve"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(lines[0], "risk,loss,above");
    assert_eq!(lines.len(), 1 + 3 * 21);
    assert!(lines[1].starts_with("R-1,0.00,"));
    assert!(lines[63].starts_with("register,"));
    // --risk in human form prints that risk's curve.
    let one = simulate(dir.path(), &["--risk", "R-2"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    snapshot!("simulate_one_risk_curve", one.stdout);
}
