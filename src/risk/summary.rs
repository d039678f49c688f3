//! The summary of a sample of simulated annual losses: its nearest-rank
//! P50, P90 and P99 and its loss exceedance curve, exactly, in two passes
//! over the sample and without sorting it.
//!
//! Selecting the three percentiles (`select_nth_unstable`, three times)
//! and counting the curve's points took about a third of the simulation's
//! time. Here a first pass counts the losses in a histogram of
//! [`BUCKETS`] buckets, each 1/512 of a binade wide (by the bits of the
//! float, which order non-negative floats as numbers), from the largest
//! loss down; that tells which bucket holds each percentile's rank and,
//! to within one bucket, where the curve's grid falls (the grid's step
//! follows from the P99). A second pass copies out the few losses in
//! those buckets only, and each percentile is the exact order statistic
//! found among them, each point of the curve the exact count of the
//! buckets above it plus those of its own bucket above it. The results
//! are the same numbers a sort would give.
//!
//! The losses below 2⁻¹⁶ of the largest (and the years with no loss)
//! share the last bucket; a percentile or grid point that falls there
//! (a risk whose P50 is a thousandth of its worst year, say) is found by
//! selecting over, or counting, the whole sample instead.

use super::simulate::{CURVE_STEPS, Exceedance, Stats};

/// Buckets of the histogram: 16 binades below the largest loss.
const BUCKETS: usize = 8192;

/// Bits of the float below a bucket: 52 − 43 = 9 bits of mantissa pick
/// the bucket within its binade (512 a binade, each under 0.2% wide: the
/// second pass copies out a few thousandths of the losses, so its branch
/// is rarely taken and rarely mispredicted).
const BUCKET_SHIFT: u32 = 43;

/// Counters per bucket, used in turn, so that losses in the same bucket
/// one after another (years without a loss, most often) do not wait on
/// each other's increment.
const WAYS: usize = 2;

/// The bucket of `x` when the largest loss has the bits `top`: 0 for the
/// largest losses, ascending as losses get smaller.
#[inline]
fn bucket(top: u64, x: f64) -> usize {
    ((top.saturating_sub(x.to_bits()) >> BUCKET_SHIFT) as usize).min(BUCKETS - 1)
}

/// The nearest-rank percentile's 0-based index: ⌈q·n⌉ − 1.
pub(super) fn rank(q: f64, n: usize) -> usize {
    ((q * n as f64).ceil() as usize).clamp(1, n) - 1
}

/// The smallest of 1, 2, 2.5 or 5 × 10^k at or above `x` (0 for 0).
pub(super) fn nice_step(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || !x.is_finite() {
        return 0.0;
    }
    let p = 10f64.powf(x.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|s| *s >= x * (1.0 - 1e-12))
        .unwrap_or(10.0 * p)
}

/// The curve's step for a given P99: 20 steps reaching 1.25·P99.
fn curve_step(p99: f64) -> f64 {
    nice_step(p99 * 1.25 / CURVE_STEPS as f64)
}

/// The curve's points for a given P99: 0 and [`CURVE_STEPS`] even steps
/// (just 0 when the P99 is 0).
fn grid(p99: f64) -> Vec<f64> {
    let step = curve_step(p99);
    if step > 0.0 {
        (0..=CURVE_STEPS).map(|i| i as f64 * step).collect()
    } else {
        vec![0.0]
    }
}

/// What the simulation learns of a sample while drawing it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Known {
    pub mean: f64,
    /// How many losses are 0.
    pub zeros: usize,
    /// The largest loss.
    pub largest: f64,
}

impl Known {
    /// The largest of `v` (the others as given).
    pub fn with_largest(mut self, v: &[f64]) -> Known {
        self.largest = v.iter().fold(0.0, |m, x| if *x > m { *x } else { m });
        self
    }
}

/// The statistics and exceedance curve of the annual losses `v` (each a
/// finite number ≥ 0, in any order; reordered here).
pub fn summarise(v: &mut [f64], known: Known) -> (Stats, Vec<Exceedance>) {
    let Known {
        mean,
        zeros,
        largest,
    } = known;
    let n = v.len();
    if n == 0 {
        return (
            Stats::default(),
            vec![Exceedance {
                loss: 0.0,
                probability: 0.0,
            }],
        );
    }
    let top = largest.to_bits();
    let counts = histogram(v, top);
    // above[b]: losses in the buckets before b (larger ones).
    let mut above = Vec::with_capacity(BUCKETS + 1);
    let mut acc = 0usize;
    for c in &counts {
        above.push(acc);
        acc += c;
    }
    above.push(acc);
    // The bucket holding the loss of ascending rank i (descending n − 1 − i).
    let bucket_of_rank = |i: usize| {
        let d = n - 1 - i;
        // above is ascending: the last bucket whose start is at or below d.
        above.partition_point(|a| *a <= d) - 1
    };
    let ranks = [rank(0.99, n), rank(0.90, n), rank(0.50, n)];
    let rank_buckets = ranks.map(bucket_of_rank);
    // The P99 lies in its bucket's range, so the grid's step is one of the
    // steps for the bucket's two ends (nice_step rises with its argument).
    let b99 = rank_buckets[0];
    let (lo99, hi99) = bucket_range(top, b99);
    let steps = [curve_step(lo99), curve_step(hi99)];
    // Which buckets to copy out: tag[b] − 1 indexes `kept`.
    let mut tag = [0u8; BUCKETS];
    let mut wanted = Vec::new();
    let mut want = |b: usize, tag: &mut [u8]| {
        if b < BUCKETS - 1 && tag[b] == 0 {
            wanted.push(b);
            tag[b] = wanted.len() as u8;
        }
    };
    for b in rank_buckets {
        want(b, &mut tag);
    }
    for step in steps {
        for j in 1..=CURVE_STEPS {
            want(bucket(top, j as f64 * step), &mut tag);
        }
    }
    // The copied losses, bucket after bucket in `wanted`'s order: each
    // bucket's count is known, so its place is too.
    let mut starts = Vec::with_capacity(wanted.len() + 1);
    let mut at = 0;
    for b in &wanted {
        starts.push(at);
        at += counts[*b];
    }
    starts.push(at);
    let mut flat = vec![0.0; at];
    copy_out(v, top, &tag, &starts, &mut flat);
    let mut kept: Vec<&mut [f64]> = Vec::with_capacity(wanted.len());
    let mut rest = &mut flat[..];
    for w in starts.windows(2) {
        let (list, after) = rest.split_at_mut(w[1] - w[0]);
        kept.push(list);
        rest = after;
    }
    let mut whole_sample_sorted = false;
    let mut value_at = |i: usize, v: &mut [f64]| -> f64 {
        if i < zeros {
            return 0.0;
        }
        let b = bucket_of_rank(i);
        if b == BUCKETS - 1 {
            // Among the smallest losses: select over everything.
            if !whole_sample_sorted {
                v.sort_unstable_by(f64::total_cmp);
                whole_sample_sorted = true;
            }
            return v[i];
        }
        let Some(t) = (tag[b] as usize).checked_sub(1) else {
            // Not copied out (cannot happen: every rank's bucket is).
            v.select_nth_unstable_by(i, f64::total_cmp);
            whole_sample_sorted = false;
            return v[i];
        };
        let list = &mut kept[t];
        // Rank within the bucket, ascending.
        let within = list.len() - 1 - (n - 1 - i - above[b]);
        *list.select_nth_unstable_by(within, f64::total_cmp).1
    };
    let p99 = value_at(ranks[0], v);
    let p90 = value_at(ranks[1], v);
    let p50 = value_at(ranks[2], v);
    let stats = Stats {
        mean,
        p50,
        p90,
        p99,
        no_loss: zeros as f64 / n as f64,
    };
    let curve = grid(p99)
        .iter()
        .map(|g| {
            let above_g = if *g <= 0.0 {
                n - zeros
            } else {
                let b = bucket(top, *g);
                match (tag[b] as usize).checked_sub(1) {
                    Some(t) => above[b] + kept[t].iter().filter(|x| **x > *g).count(),
                    // Among the smallest losses, or a P99 there: count
                    // over everything.
                    None => v.iter().filter(|x| **x > *g).count(),
                }
            };
            Exceedance {
                loss: *g,
                probability: above_g as f64 / n as f64,
            }
        })
        .collect();
    (stats, curve)
}

/// How many losses fall in each bucket.
fn histogram(v: &[f64], top: u64) -> Vec<usize> {
    let mut ways = vec![[0u32; WAYS]; BUCKETS];
    let mut quads = v.chunks_exact(WAYS);
    for q in &mut quads {
        for (w, x) in q.iter().enumerate() {
            ways[bucket(top, *x)][w] += 1;
        }
    }
    let mut counts: Vec<usize> = ways
        .iter()
        .map(|w| w.iter().map(|c| *c as usize).sum())
        .collect();
    for x in quads.remainder() {
        counts[bucket(top, *x)] += 1;
    }
    counts
}

/// Copies the losses of each tagged bucket `b` to `flat`, from
/// `starts[tag[b] − 1]` on. A write at a known place, not a push: the
/// loop then keeps everything in registers.
fn copy_out(v: &[f64], top: u64, tag: &[u8; BUCKETS], starts: &[usize], flat: &mut [f64]) {
    let mut next = starts.to_vec();
    for x in v {
        let t = tag[bucket(top, *x)] as usize;
        if t != 0
            && let Some(at) = next.get_mut(t - 1)
        {
            if let Some(slot) = flat.get_mut(*at) {
                *slot = *x;
            }
            *at += 1;
        }
    }
}

/// The smallest and largest float in bucket `b` (`b` below the last).
fn bucket_range(top: u64, b: usize) -> (f64, f64) {
    let width = 1u64 << BUCKET_SHIFT;
    // Bucket b holds the bits in (top − (b + 1)·width, top − b·width].
    let hi = top.saturating_sub(b as u64 * width);
    let lo = top.saturating_sub((b as u64 + 1) * width - 1);
    (f64::from_bits(lo), f64::from_bits(hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same summary by sorting.
    fn by_sorting(v: &[f64]) -> (Stats, Vec<Exceedance>) {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        let zeros = s.iter().filter(|x| **x <= 0.0).count();
        let stats = Stats {
            mean: 0.0,
            p50: s[rank(0.5, n)],
            p90: s[rank(0.9, n)],
            p99: s[rank(0.99, n)],
            no_loss: zeros as f64 / n as f64,
        };
        let curve = grid(stats.p99)
            .iter()
            .map(|g| Exceedance {
                loss: *g,
                probability: s.iter().filter(|x| **x > *g).count() as f64 / n as f64,
            })
            .collect();
        (stats, curve)
    }

    fn check(v: &[f64]) {
        let zeros = v.iter().filter(|x| **x <= 0.0).count();
        let mut w = v.to_vec();
        let known = Known {
            mean: 0.0,
            zeros,
            largest: 0.0,
        };
        let got = summarise(&mut w, known.with_largest(v));
        assert_eq!(got, by_sorting(v), "n = {}", v.len());
    }

    /// A deterministic scramble of 0..n into (0, 1).
    fn uniform(i: usize) -> f64 {
        let h = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    #[test]
    fn the_same_numbers_as_sorting() {
        // Heavy tails, many zeros, ties, values on grid points exactly,
        // the smallest losses far below the largest, and tiny samples.
        let n = 50_000;
        let heavy: Vec<f64> = (0..n).map(|i| 1000.0 / uniform(i).powf(1.5)).collect();
        check(&heavy);
        let mostly_zero: Vec<f64> = (0..n)
            .map(|i| {
                if uniform(i) < 0.7 {
                    0.0
                } else {
                    5e4 * uniform(i + n)
                }
            })
            .collect();
        check(&mostly_zero);
        let counts: Vec<f64> = (0..n)
            .map(|i| 1000.0 * (uniform(i) * 7.0).floor())
            .collect();
        check(&counts);
        let on_grid: Vec<f64> = (0..n)
            .map(|i| 500.0 * (uniform(i) * 30.0).floor())
            .collect();
        check(&on_grid);
        let spread: Vec<f64> = (0..n).map(|i| 1e-9 * 1e18f64.powf(uniform(i))).collect();
        check(&spread);
        let tiny_median: Vec<f64> = (0..n)
            .map(|i| if i % 100 == 0 { 1e9 } else { uniform(i) })
            .collect();
        check(&tiny_median);
        for len in 1..40 {
            check(&heavy[..len]);
            check(&mostly_zero[..len]);
        }
        check(&[0.0; 10]);
    }

    #[test]
    fn bucket_ranges_hold_their_losses() {
        let top = 123_456.0f64.to_bits();
        for b in [0, 1, 511, 512, 1000, 5000, BUCKETS - 2] {
            let (lo, hi) = bucket_range(top, b);
            assert_eq!(bucket(top, lo), b);
            assert_eq!(bucket(top, hi), b);
            assert_eq!(bucket(top, f64::from_bits(lo.to_bits() - 1)), b + 1);
            if b > 0 {
                assert_eq!(bucket(top, f64::from_bits(hi.to_bits() + 1)), b - 1);
            }
        }
    }

    #[test]
    fn nearest_rank() {
        assert_eq!(rank(0.5, 1), 0);
        assert_eq!(rank(0.5, 10), 4);
        assert_eq!(rank(0.9, 10), 8);
        assert_eq!(rank(0.99, 10), 9);
        assert_eq!(rank(0.99, 1000), 989);
    }

    #[test]
    fn steps_are_round_numbers() {
        assert_eq!(nice_step(0.0), 0.0);
        assert_eq!(nice_step(1.0), 1.0);
        assert_eq!(nice_step(1.3), 2.0);
        assert_eq!(nice_step(2.2), 2.5);
        assert_eq!(nice_step(3.0), 5.0);
        assert_eq!(nice_step(7_300.0), 10_000.0);
        assert_eq!(nice_step(0.012), 0.02);
    }
}
