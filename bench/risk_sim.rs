//! `aegis-bench-risk`: times the risk simulation engine alone on a
//! generated register (no repository, no I/O), so the number is the
//! Monte Carlo's cost. `bench/risk.sh` times the whole command.
//!
//!     aegis-bench-risk [--risks 100] [--iterations 1000000] [--seed 42] [--repeat 3]

use aegis::risk::simulate::{self, Exposure, Pert, Scenario, Settings};
use std::time::Instant;

fn arg(args: &[String], name: &str, default: usize) -> usize {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The same register `bench/risk.sh` writes: rates from 0.05 to 5 events
/// a year, losses per event from 5,000 to 2,000,000, two what-if
/// scenarios per risk (the gap engine's closable controls).
pub fn register(risks: usize) -> Vec<Exposure> {
    (0..risks)
        .map(|i| {
            let f = 0.05 + (i % 10) as f64 * 0.5;
            let m = 5_000.0 * (1 + i % 20) as f64;
            Exposure {
                id: format!("R-{:03}", i + 1),
                frequency: Pert {
                    min: f * 0.5,
                    most_likely: f,
                    max: f * 3.0,
                },
                magnitude: Pert {
                    min: m * 0.2,
                    most_likely: m,
                    max: m * 20.0,
                },
                scenarios: vec![
                    Scenario {
                        frequency: 0.5,
                        magnitude: 0.0,
                    },
                    Scenario {
                        frequency: 0.0,
                        magnitude: 0.3,
                    },
                ],
            }
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let risks = arg(&args, "--risks", 100);
    let iterations = arg(&args, "--iterations", 1_000_000);
    let seed = arg(&args, "--seed", 42) as u64;
    let repeat = arg(&args, "--repeat", 3);
    let register = register(risks);
    let threads = rayon::current_num_threads();
    for _ in 0..repeat {
        let start = Instant::now();
        let sim = simulate::run(&register, Settings { iterations, seed });
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{risks} risks x {iterations} iterations on {threads} threads: {secs:.3} s (register mean {:.0}, P90 {:.0}, P99 {:.0})",
            sim.total.mean, sim.total.p90, sim.total.p99
        );
    }
}
