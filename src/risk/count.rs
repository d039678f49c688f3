//! The number of loss events in a simulated year, drawn from one uniform.
//!
//! A year's count is Poisson with a rate λ that is itself drawn from the
//! frequency estimate. Nothing else in the year depends on λ (an event's
//! loss is drawn from the magnitude estimate alone), so the year's loss
//! depends on λ only through the count, and drawing the count from its
//! marginal distribution, the mixed Poisson
//!
//!   P(N = k) = E[e^−λ λ^k / k!]  over the λ the quantile table draws,
//!
//! gives the same distribution of losses as drawing λ and then N, with one
//! uniform, no exponential and no search per year. The probabilities are
//! computed once per risk ([`CountTable::new`]) and drawn by Walker's
//! alias method: a 64-bit uniform's top bits pick a column, the rest
//! compare against the column's threshold, a select and no loop.
//!
//! How exact: the table draws λ uniformly within each of its inner cells
//! (linear interpolation between two quantiles a < b), so the cell's share
//! is the average of the Poisson probability over [a, b], which has a
//! closed form: ∫ₐᵇ e^−λ λ^k / k! dλ = P(Pois(a) ≤ k) − P(Pois(b) ≤ k).
//! That difference is used when b − a ≥ [`NARROW`] (rounding error below
//! 10⁻¹⁰ of the probability), the midpoint value below (error below
//! (b − a)²/12, under 10⁻⁹). In the two outermost cells the table draws
//! λ by a power law; each is cut into [`EDGE_SLICES`] slices of equal
//! width in λ, each slice's exact probability placed at its centroid
//! (error below (d/EDGE_SLICES)² of the cell's 1/4,096 share, d the cell's
//! width: under 10⁻⁹ for d ≤ 2). Counts above λ_max + 12·√λ_max + 12 are
//! dropped: their probability is below 10⁻²⁰. So each P(N = k) is within
//! about 10⁻⁹ of the mixture the quantile table would draw, far below the
//! Monte Carlo's own noise (10⁻³ at a million years); the alias
//! thresholds are exact to 2⁻⁵².

use super::quantile::CELLS;

/// The widest rate the count table is built for: above, a year's rate is
/// drawn and its count by a Poisson sampler (the table would need more
/// than about 250 columns, and e^−λ would underflow near 745).
pub const TABLE_MAX: f64 = 100.0;

/// Cells narrower than this are averaged by their midpoint.
const NARROW: f64 = 1e-4;

/// Slices of each of the two outermost cells.
const EDGE_SLICES: usize = 1024;

/// Counts 0..columns, drawn by the alias method.
#[derive(Clone, Debug)]
pub struct CountTable {
    /// log2 of the number of columns (a power of two, at least 2).
    bits: u32,
    /// Per column: below this (on the uniform's low 64 − bits bits) the
    /// column's own count, else its alias.
    threshold: Box<[u64]>,
    alias: Box<[u32]>,
}

impl CountTable {
    /// The count of a year whose rate is drawn as `rate` says (at most
    /// [`TABLE_MAX`]).
    pub fn new(rate: &Rate<'_>) -> CountTable {
        let pmf = rate.mixed_poisson();
        CountTable::alias(&pmf)
    }

    /// The count at the 64-bit uniform `r`.
    #[inline]
    pub fn draw(&self, r: u64) -> u32 {
        let column = (r >> (64 - self.bits)) as usize;
        let rest = r & (u64::MAX >> self.bits);
        // column < 2^bits = the tables' length.
        if rest < self.threshold[column] {
            column as u32
        } else {
            self.alias[column]
        }
    }

    /// The counts at the 64-bit uniforms `draws`, into `out` (the
    /// shorter's length): [`CountTable::draw`] with the table's fields read
    /// once, not once a year.
    pub fn draw_all(&self, draws: &[u64], out: &mut [u32]) {
        let shift = 64 - self.bits;
        let mask = u64::MAX >> self.bits;
        let (threshold, alias) = (&self.threshold[..], &self.alias[..]);
        for (c, r) in out.iter_mut().zip(draws) {
            let column = (r >> shift) as usize;
            let own = (r & mask) < threshold[column];
            *c = if own { column as u32 } else { alias[column] };
        }
    }

    /// The probabilities the table draws with, for tests: P(N = k) for
    /// every column k.
    #[cfg(test)]
    pub fn probabilities(&self) -> Vec<f64> {
        let n = self.threshold.len();
        let scale = (u64::MAX >> self.bits) as f64 + 1.0;
        let mut p = vec![0.0; n];
        for c in 0..n {
            let own = self.threshold[c] as f64 / scale;
            p[c] += own / n as f64;
            p[self.alias[c] as usize] += (1.0 - own) / n as f64;
        }
        p
    }

    /// Vose's construction of the alias table for `pmf` (normalised here).
    fn alias(pmf: &[f64]) -> CountTable {
        let bits = pmf.len().next_power_of_two().max(2).trailing_zeros();
        let n = 1usize << bits;
        let total: f64 = pmf.iter().sum();
        // Each column's share, scaled so an even share is 1.
        let mut scaled: Vec<f64> = (0..n)
            .map(|k| pmf.get(k).map_or(0.0, |p| p / total * n as f64))
            .collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let mut own = vec![1.0f64; n];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|k| scaled[*k] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            own[s] = scaled[s];
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // What is left holds an even share up to rounding: its own count.
        let scale = (u64::MAX >> bits) as f64 + 1.0;
        let threshold = own
            .iter()
            .map(|o| {
                if *o >= 1.0 {
                    u64::MAX
                } else {
                    (o.max(0.0) * scale) as u64
                }
            })
            .collect();
        CountTable {
            bits,
            threshold,
            alias: alias.into_boxed_slice(),
        }
    }
}

/// How a risk's rate is drawn, for the mixed Poisson.
pub enum Rate<'a> {
    /// Always this rate.
    Constant(f64),
    /// From a quantile table (CELLS + 1 quantiles): uniform within each
    /// inner cell; in the first cell `lo + (hi − lo)·s` with P(s ≤ x) = x^α,
    /// in the last `hi − (hi − lo)·s` with P(s ≤ x) = x^β.
    Table {
        quantiles: &'a [f64],
        alpha: f64,
        beta: f64,
    },
}

impl Rate<'_> {
    /// The largest rate drawn.
    pub fn max(&self) -> f64 {
        match self {
            Rate::Constant(v) => *v,
            Rate::Table { quantiles, .. } => quantiles.last().copied().unwrap_or(0.0),
        }
    }

    /// P(N = k) for k = 0..=K (see the module's comment for K).
    fn mixed_poisson(&self) -> Vec<f64> {
        let top = self.max().max(0.0);
        let columns = (top + 12.0 * top.sqrt() + 12.0).ceil() as usize + 1;
        let mut pmf = vec![0.0; columns];
        let Rate::Table {
            quantiles: q,
            alpha,
            beta,
        } = *self
        else {
            add_poisson(&mut pmf, top, 1.0);
            return pmf;
        };
        let w = 1.0 / CELLS as f64;
        // The outermost cells: EDGE_SLICES slices of s, each slice's mass
        // at the slice's centroid.
        for (lo, hi, shape, from_top) in [
            (q[0], q[1], alpha, false),
            (q[CELLS - 1], q[CELLS], beta, true),
        ] {
            let d = hi - lo;
            for j in 0..EDGE_SLICES {
                let (s0, s1) = (
                    j as f64 / EDGE_SLICES as f64,
                    (j + 1) as f64 / EDGE_SLICES as f64,
                );
                let mass = s1.powf(shape) - s0.powf(shape);
                if mass <= 0.0 {
                    continue;
                }
                let centroid =
                    shape / (shape + 1.0) * (s1.powf(shape + 1.0) - s0.powf(shape + 1.0)) / mass;
                let lambda = if from_top {
                    hi - d * centroid
                } else {
                    lo + d * centroid
                };
                add_poisson(&mut pmf, lambda, w * mass);
            }
        }
        // The inner cells: the average over [a, b] in closed form, from
        // the CDF at each quantile.
        let mut cdf_a = vec![0.0; columns];
        let mut cdf_b = vec![0.0; columns];
        poisson_cdf(&mut cdf_a, q[1]);
        for cell in 1..CELLS - 1 {
            let (a, b) = (q[cell], q[cell + 1]);
            poisson_cdf(&mut cdf_b, b);
            if b - a >= NARROW {
                let wd = w / (b - a);
                for (p, (fa, fb)) in pmf.iter_mut().zip(cdf_a.iter().zip(&cdf_b)) {
                    *p += (fa - fb) * wd;
                }
            } else {
                add_poisson(&mut pmf, 0.5 * (a + b), w);
            }
            std::mem::swap(&mut cdf_a, &mut cdf_b);
        }
        pmf
    }
}

/// Adds `weight`·P(Pois(λ) = k) to `pmf[k]` for each k.
fn add_poisson(pmf: &mut [f64], lambda: f64, weight: f64) {
    let lambda = lambda.max(0.0);
    let mut p = (-lambda).exp() * weight;
    for (k, slot) in pmf.iter_mut().enumerate() {
        if k > 0 {
            p *= lambda / k as f64;
        }
        *slot += p;
    }
}

/// `cdf[k]` = P(Pois(λ) ≤ k).
fn poisson_cdf(cdf: &mut [f64], lambda: f64) {
    let lambda = lambda.max(0.0);
    let mut p = (-lambda).exp();
    let mut acc = 0.0;
    for (k, slot) in cdf.iter_mut().enumerate() {
        if k > 0 {
            p *= lambda / k as f64;
        }
        acc += p;
        *slot = acc;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::quantile::QuantileTable;

    fn poisson_pmf(lambda: f64, k: usize) -> f64 {
        (1..=k).fold((-lambda).exp(), |p, j| p * lambda / j as f64)
    }

    #[test]
    fn a_constant_rate_gives_the_poisson_distribution() {
        for lambda in [0.0, 0.05, 1.0, 2.0, 7.5, 30.0, TABLE_MAX] {
            let p = CountTable::new(&Rate::Constant(lambda)).probabilities();
            for (k, got) in p.iter().enumerate() {
                let want = poisson_pmf(lambda, k);
                assert!(
                    (got - want).abs() < 1e-12,
                    "λ {lambda}, k {k}: {got} vs {want}"
                );
            }
        }
    }

    /// The mixture by brute force: the Poisson probabilities averaged over
    /// 2²⁴ evenly spaced uniforms drawn through the quantile table.
    fn brute_force(t: &QuantileTable, columns: usize) -> Vec<f64> {
        let step = 1u64 << 8;
        let mut pmf = vec![0.0; columns];
        let mut r = step / 2;
        let mut count = 0.0;
        while r < 1u64 << 32 {
            let lambda = t.at(r as u32);
            let mut p = (-lambda).exp();
            for (k, slot) in pmf.iter_mut().enumerate() {
                if k > 0 {
                    p *= lambda / k as f64;
                }
                *slot += p;
            }
            count += 1.0;
            r += step;
        }
        pmf.iter().map(|p| p / count).collect()
    }

    #[test]
    fn a_pert_rate_gives_the_mixed_poisson_the_table_draws() {
        // Modes at either end, inside, narrow and wide ranges.
        for (min, mode, max) in [
            (0.5, 2.0, 6.0),
            (0.0, 0.0, 3.0),
            (1.0, 5.0, 5.0),
            (2.0, 2.001, 2.002),
            (0.025, 0.05, 0.15),
            (10.0, 20.0, 60.0),
        ] {
            let range = max - min;
            let (alpha, beta) = (
                1.0 + 4.0 * (mode - min) / range,
                1.0 + 4.0 * (max - mode) / range,
            );
            let t = QuantileTable::beta(alpha, beta, min, max);
            let got = CountTable::new(&Rate::Table {
                quantiles: t.quantiles(),
                alpha,
                beta,
            })
            .probabilities();
            let want = brute_force(&t, got.len());
            let mut worst = 0.0f64;
            for (g, w) in got.iter().zip(&want) {
                worst = worst.max((g - w).abs());
            }
            // The brute force's own error (midpoint rule, 4,096 points a
            // cell) dominates.
            assert!(worst < 1e-7, "PERT({min}, {mode}, {max}): worst {worst}");
            // E[N] = E[λ], the PERT mean.
            let mean: f64 = got.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
            let pert = (min + 4.0 * mode + max) / 6.0;
            assert!(
                (mean - pert).abs() < 1e-5 * pert.max(1e-3),
                "PERT({min}, {mode}, {max}): E[N] {mean}, want {pert}"
            );
        }
    }

    #[test]
    fn the_alias_draw_follows_the_probabilities() {
        let t = CountTable::new(&Rate::Constant(2.0));
        let n = 1u64 << 20;
        let step = u64::MAX / n;
        let mut seen = vec![0u64; 64];
        for i in 0..n {
            seen[t.draw(i * step + step / 2) as usize] += 1;
        }
        for (k, c) in seen.iter().enumerate() {
            let want = poisson_pmf(2.0, k);
            assert!((*c as f64 / n as f64 - want).abs() < 1e-5, "k {k}: {c}");
        }
        // Every column's draw is in range, even at the uniform's ends.
        assert!(t.draw(0) < 64 && t.draw(u64::MAX) < 64);
        // In bulk, the same counts.
        let draws: Vec<u64> = (0..1000u64)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect();
        let mut bulk = vec![0u32; 1000];
        t.draw_all(&draws, &mut bulk);
        let one: Vec<u32> = draws.iter().map(|r| t.draw(*r)).collect();
        assert_eq!(bulk, one);
    }
}
