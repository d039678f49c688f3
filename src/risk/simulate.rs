//! Monte Carlo of annual loss (FAIR style). Each simulated year of a risk
//! draws a loss-event rate λ from the risk's frequency estimate, a number
//! of loss events N ~ Poisson(λ), and for each event a loss from the
//! magnitude estimate; the year's loss is their sum. Both estimates are
//! PERT distributions (min / most likely / max, a Beta with the usual
//! shape λ = 4). The register's loss in a year is the sum of its risks'.
//!
//! Draws are cheap by design (the budget is about 10 to 20 ns per
//! risk-year): each PERT is sampled by its inverse CDF from a quantile
//! table built once per estimate ([`super::quantile`]); a year's count of
//! events is drawn from its exact distribution, the Poisson mixed over the
//! rate's table, by the alias method from one uniform ([`super::count`]),
//! so a year with no event costs one draw, a table read and a select (a
//! rate above [`TABLE_MAX`] is drawn and its count by rand_distr's Poisson
//! sampler); and one 64-bit draw serves an event's loss and its thinning
//! uniform (32 bits each).
//!
//! Reproducible whatever the thread count: the iterations of a risk are
//! cut into fixed chunks of [`CHUNK`] years, each with its own stream:
//! four xoshiro256++ generators side by side ([`super::lanes`]) seeded
//! with 1,024 bits of ChaCha8 keyed by (seed, risk id) and numbered by the
//! chunk, so a year's draws depend only on the seed, the risk's id and the
//! year's index (not on the other risks selected, nor on the order chunks
//! finish in), and every sum is combined in chunk order. ChaCha8 makes the
//! streams' seeds independent; xoshiro256++ (period 2²⁵⁶ − 1, passes
//! BigCrush and PractRand) draws within a stream at under a nanosecond,
//! where ChaCha8 cost three to four.
//!
//! Within a chunk, years are drawn in blocks of [`BLOCK`], phase by phase:
//! every year's count, then every event in one loop of known length (a
//! loop over each year's events would end at a random count, a
//! mispredicted branch nearly every year). A risk's percentiles and curve
//! are found from a histogram ([`super::summary`]).
//!
//! What-if scenarios (a control's gap closed) use common random numbers:
//! every event also has its own uniform `u`; a scenario that removes a
//! fraction `f` of the frequency keeps the event only when `u >= f` (a
//! thinned Poisson process, which is Poisson(λ·(1 − f))) and scales its
//! loss by `1 − m`. All scenarios are evaluated on the same draws in the
//! same pass, so the difference between two means is the effect, not noise,
//! and they read the draws without drawing: a risk's own numbers do not
//! depend on its scenarios.

use super::count::{CountTable, Rate, TABLE_MAX};
use super::lanes::{LANES, Lanes};
use super::quantile::QuantileTable;
use super::summary::{self, Known};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Simulated years per random stream: the unit of parallel work.
pub const CHUNK: usize = 4096;

/// The most loss events per year an estimate may state: the simulation's
/// work grows with it, and a larger rate is better modelled as fewer
/// events with a larger loss each.
pub const MAX_FREQUENCY: f64 = 10_000.0;

/// A PERT estimate: minimum, most likely and maximum.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Pert {
    pub min: f64,
    pub most_likely: f64,
    pub max: f64,
}

/// Why an estimate cannot be simulated; the caller names the file and field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PertError {
    /// NaN or infinite.
    NotFinite,
    Negative,
    /// `min` is above `most_likely`.
    MinAboveMode,
    /// `most_likely` is above `max`.
    ModeAboveMax,
}

impl std::fmt::Display for PertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PertError::NotFinite => "every value must be a finite number",
            PertError::Negative => "no value may be negative",
            PertError::MinAboveMode => "`min` is above `most_likely`",
            PertError::ModeAboveMax => "`most_likely` is above `max`",
        })
    }
}

impl Pert {
    pub fn new(min: f64, most_likely: f64, max: f64) -> Result<Pert, PertError> {
        if !(min.is_finite() && most_likely.is_finite() && max.is_finite()) {
            return Err(PertError::NotFinite);
        }
        if min < 0.0 || most_likely < 0.0 || max < 0.0 {
            return Err(PertError::Negative);
        }
        if min > most_likely {
            return Err(PertError::MinAboveMode);
        }
        if most_likely > max {
            return Err(PertError::ModeAboveMax);
        }
        Ok(Pert {
            min,
            most_likely,
            max,
        })
    }

    /// A value known exactly.
    pub fn constant(v: f64) -> Pert {
        Pert {
            min: v,
            most_likely: v,
            max: v,
        }
    }

    /// The PERT mean, (min + 4·most likely + max) / 6.
    pub fn mean(&self) -> f64 {
        (self.min + 4.0 * self.most_likely + self.max) / 6.0
    }

    /// The sampler: min + (max − min)·Beta(α, β) with
    /// α = 1 + 4·(mode − min)/(max − min), β = 1 + 4·(max − mode)/(max − min);
    /// a constant when min = max (the Beta is then undefined).
    fn sampler(&self) -> Sampler {
        let range = self.max - self.min;
        if range <= 0.0 {
            return Sampler::Constant(self.min);
        }
        let alpha = 1.0 + 4.0 * (self.most_likely - self.min) / range;
        let beta = 1.0 + 4.0 * (self.max - self.most_likely) / range;
        Sampler::Table(QuantileTable::beta(alpha, beta, self.min, self.max))
    }
}

#[derive(Clone, Debug)]
enum Sampler {
    Constant(f64),
    Table(QuantileTable),
}

impl Sampler {
    /// The value at the 32-bit uniform `r`.
    #[inline]
    fn at(&self, r: u32) -> f64 {
        match self {
            Sampler::Constant(v) => *v,
            Sampler::Table(t) => t.at(r),
        }
    }
}

impl Sampler {
    /// How the rate is drawn, for the count's table.
    fn rate(&self) -> Rate<'_> {
        match self {
            Sampler::Constant(v) => Rate::Constant(*v),
            Sampler::Table(t) => {
                let (alpha, beta) = t.shapes();
                Rate::Table {
                    quantiles: t.quantiles(),
                    alpha,
                    beta,
                }
            }
        }
    }
}

/// N ~ Poisson(λ) by rand_distr's sampler, for rates above the count
/// table's (never above [`MAX_FREQUENCY`]).
fn poisson(lambda: f64, rng: &mut Lanes) -> u32 {
    if lambda.is_nan() || lambda <= 0.0 {
        return 0;
    }
    Poisson::new(lambda.min(MAX_FREQUENCY)).map_or(0, |p| p.sample(rng) as u32)
}

/// A change to a risk's estimates: the fractions (0..1) of its loss-event
/// frequency and of its loss per event that go away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Scenario {
    pub frequency: f64,
    pub magnitude: f64,
}

impl Scenario {
    /// Both changes at once: what is left is the product of what each leaves.
    pub fn and(self, other: Scenario) -> Scenario {
        Scenario {
            frequency: 1.0 - (1.0 - self.frequency) * (1.0 - other.frequency),
            magnitude: 1.0 - (1.0 - self.magnitude) * (1.0 - other.magnitude),
        }
    }
}

/// One risk to simulate.
#[derive(Clone, Debug)]
pub struct Exposure {
    pub id: String,
    /// Loss events per year.
    pub frequency: Pert,
    /// Loss per event.
    pub magnitude: Pert,
    /// What-if variants whose mean annual loss is wanted as well.
    pub scenarios: Vec<Scenario>,
}

#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub iterations: usize,
    pub seed: u64,
}

/// Summary statistics of simulated annual losses. Percentiles use the
/// nearest-rank estimator: P_q is the ⌈q·n⌉-th smallest of the n losses
/// (Hyndman and Fan type 1), so it is always a loss that was simulated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    /// The share of years with no loss at all.
    pub no_loss: f64,
}

/// One point of the loss exceedance curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Exceedance {
    pub loss: f64,
    /// The share of simulated years whose loss is above `loss`.
    pub probability: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RiskResult {
    pub id: String,
    pub stats: Stats,
    /// The mean annual loss under each of the exposure's scenarios, in order.
    pub scenario_means: Vec<f64>,
    /// The risk's loss exceedance curve (its own grid, past its own P99).
    pub exceedance: Vec<Exceedance>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Simulation {
    pub iterations: usize,
    pub seed: u64,
    pub risks: Vec<RiskResult>,
    /// The register: the sum of the risks' losses in each simulated year.
    pub total: Stats,
    /// The register's loss exceedance curve.
    pub exceedance: Vec<Exceedance>,
}

/// Points on a loss exceedance curve: 0 and 20 even steps of a round
/// amount, reaching past the P99 (the register's, or the risk's).
pub const CURVE_STEPS: usize = 20;

/// Runs the simulation. Memory: three vectors of `iterations` f64 (the
/// register's losses, the risk in hand and the one before it); risks are
/// simulated one after another, each spread over the threads, and a
/// risk's percentiles and curve are found while the next one is simulated
/// (selection runs on one thread, and would otherwise leave the other idle).
pub fn run(exposures: &[Exposure], settings: Settings) -> Simulation {
    let n = settings.iterations;
    let mut total = vec![0.0f64; n];
    let (mut current, mut previous) = (vec![0.0f64; n], vec![0.0f64; n]);
    let mut risks = Vec::with_capacity(exposures.len());
    let mut done: Option<(&Exposure, RiskSums)> = None;
    for e in exposures {
        let (sim, summary) = rayon::join(
            || simulate_risk(e, settings, &mut current, &mut total),
            || {
                done.take()
                    .map(|(d, sums)| summarise(d, sums, &mut previous))
            },
        );
        risks.extend(summary);
        done = Some((e, sim));
        std::mem::swap(&mut current, &mut previous);
    }
    if let Some((d, sums)) = done {
        risks.push(summarise(d, sums, &mut previous));
    }
    let mean = chunked_mean(&total);
    let zeros = total.par_iter().filter(|x| **x <= 0.0).count();
    let known = Known {
        mean,
        zeros,
        largest: 0.0,
    }
    .with_largest(&total);
    let (total_stats, exceedance) = summary::summarise(&mut total, known);
    Simulation {
        iterations: n,
        seed: settings.seed,
        risks,
        total: total_stats,
        exceedance,
    }
}

/// A simulated risk's result, from its annual `losses` (reordered).
fn summarise(e: &Exposure, sim: RiskSums, losses: &mut [f64]) -> RiskResult {
    let (stats, exceedance) = summary::summarise(losses, sim.known);
    RiskResult {
        id: e.id.clone(),
        stats,
        scenario_means: sim.scenario_means,
        exceedance,
    }
}

/// The key of a risk's random streams: SHA-256 of the seed and the id.
fn key(seed: u64, id: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"aegis risk simulation v1\0");
    h.update(seed.to_le_bytes());
    h.update(id.as_bytes());
    h.finalize().into()
}

/// The random stream of a risk's chunk of years: four xoshiro256++
/// generators side by side ([`Lanes`]) seeded with 1,024 bits from the
/// ChaCha8 stream numbered by the chunk.
fn stream(key: [u8; 32], chunk: usize) -> Lanes {
    let mut chacha = ChaCha8Rng::from_seed(key);
    chacha.set_stream(chunk as u64);
    let mut seed = [0u8; 32 * LANES];
    chacha.fill_bytes(&mut seed);
    Lanes::from_seed(&seed)
}

/// What one risk's simulation returns besides its losses.
struct RiskSums {
    /// The mean, the years with no loss and the largest loss.
    known: Known,
    /// The mean under each scenario.
    scenario_means: Vec<f64>,
}

/// One chunk's sums.
struct Partial {
    sum: f64,
    /// Per scenario: the losses of the events it keeps (before scaling).
    kept: Vec<f64>,
    zeros: usize,
    largest: f64,
}

/// Fills `out` with one risk's annual losses and adds them to `total`.
fn simulate_risk(e: &Exposure, settings: Settings, out: &mut [f64], total: &mut [f64]) -> RiskSums {
    let freq = e.frequency.sampler();
    let thresholds: Vec<f64> = e.scenarios.iter().map(|s| threshold(s.frequency)).collect();
    let mut years = Years {
        key: key(settings.seed, &e.id),
        mag: &e.magnitude.sampler(),
        thresholds: &thresholds,
        block: BLOCK,
    };
    let partials = if e.frequency.max <= TABLE_MAX {
        let counts = CountTable::new(&freq.rate());
        years.run(out, total, &Counts::Table(&counts))
    } else {
        // Fewer years a block as the rate grows, so that a block's events
        // take no more memory than at the count table's largest rate.
        years.block = ((BLOCK as f64 * TABLE_MAX / e.frequency.max) as usize).max(1);
        years.run(out, total, &Counts::Sampled(&freq))
    };
    let n = out.len().max(1) as f64;
    let mut sum = 0.0;
    let mut kept = vec![0.0; e.scenarios.len()];
    let (mut zeros, mut largest) = (0, 0.0f64);
    for p in partials {
        sum += p.sum;
        kept.iter_mut().zip(p.kept).for_each(|(a, b)| *a += b);
        zeros += p.zeros;
        largest = largest.max(p.largest);
    }
    RiskSums {
        known: Known {
            mean: sum / n,
            zeros,
            largest,
        },
        scenario_means: kept
            .iter()
            .zip(&e.scenarios)
            .map(|(k, s)| k * (1.0 - s.magnitude) / n)
            .collect(),
    }
}

/// The smallest 32-bit uniform `r` a scenario removing the fraction `f`
/// of the frequency keeps an event at: r / 2³² ≥ f, so ⌈f·2³²⌉ (2³², kept
/// never, for f = 1), as a float (exactly).
fn threshold(f: f64) -> f64 {
    (f.clamp(0.0, 1.0) * 4_294_967_296.0).ceil()
}

/// How a year's count of events is drawn.
enum Counts<'a> {
    /// From the mixed Poisson's alias table, one uniform per year.
    Table(&'a CountTable),
    /// A rate from the frequency's sampler (one uniform), then its count
    /// by a Poisson sampler: for rates above [`TABLE_MAX`].
    Sampled(&'a Sampler),
}

/// How a risk's years are drawn, once its count is chosen.
struct Years<'a> {
    key: [u8; 32],
    mag: &'a Sampler,
    /// Per scenario, [`threshold`] of the frequency it removes.
    thresholds: &'a [f64],
    /// Years drawn phase by phase: [`BLOCK`], or fewer for rates above
    /// the count table's.
    block: usize,
}

/// Scenarios per risk kept in registers: up to this many are padded to
/// exactly this many, or to 0, 1 or 2 (a padded scenario keeps no event),
/// so the per-event loop over them has a length known when compiling.
const FIXED_SCENARIOS: usize = 4;

/// Years drawn phase by phase (all their counts, then all their events):
/// small enough that a block's draws stay in the first-level cache (about
/// 17 KB at three events a year), and at most about 1.2 MB (512 years of
/// the count table's largest count, 232, at 10 bytes an event).
const BLOCK: usize = 512;

/// A thread's buffers for one block of years, reused from chunk to chunk.
#[derive(Default)]
struct Scratch {
    counts: Vec<u32>,
    /// The block's draws: first one per year, then one per event.
    draws: Vec<u64>,
    /// Per event, its year in the block.
    year: Vec<u16>,
}

/// An event's year is written this many times whatever its count, so the
/// common counts need no loop (a count above it fills the rest).
const YEAR_FILL: usize = 16;

impl Years<'_> {
    /// Simulates the years of `out` chunk by chunk (adding each to
    /// `total`); returns each chunk's sums, in chunk order.
    fn run(&self, out: &mut [f64], total: &mut [f64], counts: &Counts<'_>) -> Vec<Partial> {
        match self.thresholds.len() {
            // Most risks have no scenario or one (a single gap to close):
            // those get loops without padding.
            0 => self.fixed::<0>(out, total, counts),
            1 => self.fixed::<1>(out, total, counts),
            2 => self.fixed::<2>(out, total, counts),
            k if k <= FIXED_SCENARIOS => self.fixed::<FIXED_SCENARIOS>(out, total, counts),
            k => self.chunks(out, total, counts, self.thresholds, vec![0.0; k]),
        }
    }

    /// [`Years::run`] with the scenarios padded to exactly `N`.
    fn fixed<const N: usize>(
        &self,
        out: &mut [f64],
        total: &mut [f64],
        counts: &Counts<'_>,
    ) -> Vec<Partial> {
        // No 32-bit uniform reaches 2³²: a padded scenario keeps nothing.
        let mut fixed = [threshold(1.0); N];
        fixed[..self.thresholds.len()].copy_from_slice(self.thresholds);
        self.chunks(out, total, counts, fixed, [0.0; N])
    }

    /// [`Years::run`] with the scenarios' thresholds in `thin` and their
    /// sums in a copy of `zero`.
    fn chunks<T, A>(
        &self,
        out: &mut [f64],
        total: &mut [f64],
        counts: &Counts<'_>,
        thin: T,
        zero: A,
    ) -> Vec<Partial>
    where
        T: AsRef<[f64]> + Sync,
        A: AsMut<[f64]> + Clone + Send + Sync,
    {
        let k = self.thresholds.len();
        out.par_chunks_mut(CHUNK)
            .zip(total.par_chunks_mut(CHUNK))
            .enumerate()
            .map_init(Scratch::default, |scratch, (chunk, (years, total))| {
                let mut rng = stream(self.key, chunk);
                let (mut sum, mut zeros, mut largest) = (0.0, 0, 0.0f64);
                let mut kept = zero.clone();
                for (years, total) in years
                    .chunks_mut(self.block)
                    .zip(total.chunks_mut(self.block))
                {
                    self.block(
                        &mut rng,
                        scratch,
                        counts,
                        years,
                        thin.as_ref(),
                        kept.as_mut(),
                    );
                    for (loss, t) in years.iter().zip(total) {
                        *t += loss;
                        sum += loss;
                        zeros += usize::from(*loss <= 0.0);
                        largest = if *loss > largest { *loss } else { largest };
                    }
                }
                Partial {
                    sum,
                    kept: kept.as_mut()[..k].to_vec(),
                    zeros,
                    largest,
                }
            })
            .collect()
    }

    /// Draws one block of years into `years`: the years' counts, then
    /// every event's loss added to its year (and to `kept[j]` when
    /// scenario j keeps it). Phase by phase, each loop runs a known
    /// number of times: a loop over each year's events would end at a
    /// random count, a mispredicted branch nearly every year.
    #[inline(always)]
    fn block(
        &self,
        rng: &mut Lanes,
        scratch: &mut Scratch,
        counts: &Counts<'_>,
        years: &mut [f64],
        thin: &[f64],
        kept: &mut [f64],
    ) {
        let b = years.len();
        let Scratch {
            counts: count,
            draws,
            year,
        } = scratch;
        count.resize(b, 0);
        match counts {
            Counts::Table(t) => {
                draws.resize(b, 0);
                rng.fill(draws);
                t.draw_all(draws, count);
            }
            Counts::Sampled(rate) => {
                for c in count.iter_mut() {
                    let r = rng.next_u64();
                    *c = poisson(rate.at((r >> 32) as u32), rng);
                }
            }
        }
        let events: usize = count.iter().map(|c| *c as usize).sum();
        year.resize(events + YEAR_FILL, 0);
        let mut at = 0;
        for (y, c) in count.iter().enumerate() {
            let c = *c as usize;
            year[at..at + YEAR_FILL].fill(y as u16);
            if c > YEAR_FILL {
                year[at + YEAR_FILL..at + c].fill(y as u16);
            }
            at += c;
        }
        draws.resize(events, 0);
        rng.fill(draws);
        years.fill(0.0);
        for (r, y) in draws.iter().zip(year.iter()) {
            let x = self.mag.at((r >> 32) as u32);
            years[*y as usize] += x;
            // Kept or not by a floating-point comparison, which compiles
            // to a mask: the uniform is random, so a branch would be
            // mispredicted half the time, and the compiler makes one of an
            // integer comparison. Both sides are whole numbers below 2⁵³,
            // so the comparison is exact.
            let u = (*r & 0xffff_ffff) as f64;
            for (s, t) in kept.iter_mut().zip(thin) {
                *s += if u >= *t { x } else { 0.0 };
            }
        }
    }
}

/// The mean, summing chunk by chunk in order (the same result on any
/// number of threads).
fn chunked_mean(v: &[f64]) -> f64 {
    let partials: Vec<f64> = v.par_chunks(CHUNK).map(|c| c.iter().sum()).collect();
    partials.iter().sum::<f64>() / v.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposure(id: &str, frequency: Pert, magnitude: Pert) -> Exposure {
        Exposure {
            id: id.to_string(),
            frequency,
            magnitude,
            scenarios: Vec::new(),
        }
    }

    fn pert(a: f64, b: f64, c: f64) -> Pert {
        Pert::new(a, b, c).expect("valid estimate")
    }

    fn settings(iterations: usize) -> Settings {
        Settings {
            iterations,
            seed: 42,
        }
    }

    fn close(got: f64, want: f64, rel: f64) {
        assert!(
            (got - want).abs() <= rel * want.abs(),
            "got {got}, want {want} within {}%",
            rel * 100.0
        );
    }

    fn on_threads(n: usize, e: &[Exposure], s: Settings) -> Simulation {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .expect("thread pool")
            .install(|| run(e, s))
    }

    #[test]
    fn same_seed_same_result_on_any_number_of_threads() {
        let e = [
            exposure("R-1", pert(0.5, 2.0, 6.0), pert(1e4, 5e4, 4e5)),
            exposure("R-2", pert(0.0, 0.1, 1.0), pert(1e5, 1e6, 2e7)),
        ];
        let s = settings(3 * CHUNK + 17);
        let one = format!("{:?}", on_threads(1, &e, s));
        let two = format!("{:?}", on_threads(2, &e, s));
        let again = format!("{:?}", on_threads(2, &e, s));
        assert_eq!(one, two);
        assert_eq!(two, again);
        let other = format!("{:?}", run(&e, Settings { seed: 7, ..s }));
        assert_ne!(one, other);
    }

    #[test]
    fn a_risk_draws_the_same_years_whatever_else_is_simulated() {
        let a = exposure("R-1", pert(1.0, 2.0, 4.0), pert(10.0, 20.0, 90.0));
        let b = exposure("R-2", pert(1.0, 1.0, 1.0), pert(5.0, 5.0, 5.0));
        let alone = run(std::slice::from_ref(&a), settings(10_000));
        let both = run(&[b, a], settings(10_000));
        assert_eq!(alone.risks[0].stats, both.risks[1].stats);
    }

    #[test]
    fn fixed_rate_and_pert_magnitude_has_the_compound_mean() {
        // N ~ Poisson(3), loss per event PERT(10, 20, 60) with mean 25.
        let e = [exposure("R", Pert::constant(3.0), pert(10.0, 20.0, 60.0))];
        let sim = run(&e, settings(400_000));
        close(pert(10.0, 20.0, 60.0).mean(), 25.0, 1e-12);
        close(sim.risks[0].stats.mean, 75.0, 0.005);
        close(sim.total.mean, 75.0, 0.005);
    }

    #[test]
    fn poisson_with_constant_loss_matches_the_analytic_distribution() {
        // Annual loss = 1000 · N, N ~ Poisson(2): mean 2000, P(0) = e^-2,
        // median 2, P90 4 (CDF 0.857 at 3, 0.947 at 4), P99 6 (0.983 at 5, 0.9955 at 6).
        let e = [exposure("R", Pert::constant(2.0), Pert::constant(1000.0))];
        let sim = run(&e, settings(400_000));
        let s = sim.total;
        close(s.mean, 2000.0, 0.005);
        close(s.no_loss, (-2.0f64).exp(), 0.01);
        assert_eq!((s.p50, s.p90, s.p99), (2000.0, 4000.0, 6000.0));
        let at_zero = sim.exceedance[0];
        assert_eq!(at_zero.loss, 0.0);
        close(at_zero.probability, 1.0 - (-2.0f64).exp(), 0.005);
        // P(N > 3) = 1 − 0.857123 on the curve's grid point 3000 (step 500).
        let p3 = sim
            .exceedance
            .iter()
            .find(|p| p.loss == 3000.0)
            .expect("point");
        close(p3.probability, 1.0 - 0.857_123_460_6, 0.02);
        assert_eq!(sim.risks[0].stats, s);
    }

    #[test]
    fn pert_rate_and_pert_loss_multiply_their_means() {
        // E[loss] = E[λ]·E[X] = 2.5 · 15 (frequency and magnitude independent).
        let e = [
            exposure("A", pert(1.0, 2.0, 6.0), pert(0.0, 10.0, 50.0)),
            exposure("B", pert(0.0, 0.0, 3.0), Pert::constant(100.0)),
        ];
        let sim = run(&e, settings(400_000));
        close(sim.risks[0].stats.mean, 37.5, 0.01);
        close(sim.risks[1].stats.mean, 50.0, 0.01);
        close(sim.total.mean, 87.5, 0.01);
        let sum: f64 = sim.risks.iter().map(|r| r.stats.mean).sum();
        close(sim.total.mean, sum, 1e-9);
    }

    #[test]
    fn scenarios_share_the_base_draws() {
        let mut e = exposure("R", pert(1.0, 3.0, 8.0), pert(100.0, 400.0, 5000.0));
        e.scenarios = vec![
            Scenario::default(),
            Scenario {
                frequency: 0.0,
                magnitude: 0.5,
            },
            Scenario {
                frequency: 0.6,
                magnitude: 0.0,
            },
            Scenario {
                frequency: 1.0,
                magnitude: 0.0,
            },
        ];
        let sim = run(&[e], settings(100_000));
        let r = &sim.risks[0];
        close(r.scenario_means[0], r.stats.mean, 1e-9);
        close(r.scenario_means[1], r.stats.mean * 0.5, 1e-9);
        close(r.scenario_means[2], r.stats.mean * 0.4, 0.02);
        assert_eq!(r.scenario_means[3], 0.0);
    }

    #[test]
    fn scenarios_do_not_change_the_base_draws() {
        // Closing a gap drops a scenario; the risk's own numbers stay.
        let base = exposure("R", pert(0.5, 2.0, 9.0), pert(100.0, 400.0, 5000.0));
        let s = settings(2 * CHUNK + 99);
        let alone = run(std::slice::from_ref(&base), s);
        for k in [1, 3, 5] {
            let mut e = base.clone();
            e.scenarios = (0..k)
                .map(|i| Scenario {
                    frequency: 0.2 * i as f64,
                    magnitude: 0.1,
                })
                .collect();
            let with = run(&[e], s);
            assert_eq!(with.risks[0].stats, alone.risks[0].stats, "{k} scenarios");
            assert_eq!(with.risks[0].exceedance, alone.risks[0].exceedance);
            // Removing 0% of the frequency and 10% of the loss.
            close(
                with.risks[0].scenario_means[0],
                alone.total.mean * 0.9,
                1e-9,
            );
        }
    }

    #[test]
    fn rates_above_the_count_table_are_sampled() {
        // λ ~ PERT(120, 200, 400), mean 220, each event losing 10.
        let e = [exposure(
            "R",
            pert(120.0, 200.0, 400.0),
            Pert::constant(10.0),
        )];
        let s = settings(2 * CHUNK + 5);
        let one = on_threads(1, &e, s);
        let two = on_threads(2, &e, s);
        assert_eq!(format!("{one:?}"), format!("{two:?}"));
        close(one.total.mean, 2200.0, 0.01);
        assert_eq!(one.total.no_loss, 0.0);
    }

    #[test]
    fn scenarios_combine_by_what_each_leaves() {
        let a = Scenario {
            frequency: 0.5,
            magnitude: 0.2,
        };
        let b = Scenario {
            frequency: 0.5,
            magnitude: 0.0,
        };
        let both = a.and(b);
        close(both.frequency, 0.75, 1e-12);
        close(both.magnitude, 0.2, 1e-12);
    }

    #[test]
    fn estimates_out_of_order_are_refused() {
        assert_eq!(Pert::new(3.0, 2.0, 4.0), Err(PertError::MinAboveMode));
        assert_eq!(Pert::new(1.0, 5.0, 4.0), Err(PertError::ModeAboveMax));
        assert_eq!(Pert::new(-1.0, 0.0, 4.0), Err(PertError::Negative));
        assert_eq!(Pert::new(0.0, f64::NAN, 4.0), Err(PertError::NotFinite));
        // Degenerate shapes are fine: a constant, and a mode at either end.
        for (a, b, c) in [(2.0, 2.0, 2.0), (1.0, 1.0, 5.0), (1.0, 5.0, 5.0)] {
            let p = pert(a, b, c);
            let sim = run(&[exposure("R", Pert::constant(1.0), p)], settings(50_000));
            close(sim.risks[0].stats.mean, p.mean(), 0.02);
        }
    }

    #[test]
    fn no_loss_at_all_gives_a_flat_curve() {
        let sim = run(
            &[exposure("R", Pert::constant(0.0), Pert::constant(5.0))],
            settings(1000),
        );
        assert_eq!(sim.total.mean, 0.0);
        assert_eq!(sim.total.no_loss, 1.0);
        assert_eq!(
            sim.exceedance,
            vec![Exceedance {
                loss: 0.0,
                probability: 0.0
            }]
        );
        let empty = run(&[], settings(0));
        assert_eq!(empty.total, Stats::default());
    }

    #[test]
    fn each_risk_has_its_own_exceedance_curve() {
        let e = [
            exposure("A", Pert::constant(2.0), Pert::constant(1000.0)),
            exposure("B", pert(0.0, 0.1, 1.0), pert(1e5, 1e6, 2e7)),
        ];
        let both = run(&e, settings(100_000));
        let alone = run(&e[..1], settings(100_000));
        // A risk's curve is the register's when it is alone, whatever else
        // is simulated.
        assert_eq!(both.risks[0].exceedance, alone.exceedance);
        let a = &both.risks[0].exceedance;
        // A's grid reaches past its own P99 (6,000): steps of 500.
        assert_eq!(a.len(), CURVE_STEPS + 1);
        assert_eq!(a[1].loss, 500.0);
        close(a[0].probability, 1.0 - (-2.0f64).exp(), 0.01);
        assert!(a.windows(2).all(|w| w[0].probability >= w[1].probability));
        // B's curve starts at its share of years with a loss.
        let b = &both.risks[1];
        close(b.exceedance[0].probability, 1.0 - b.stats.no_loss, 1e-12);
    }
}
