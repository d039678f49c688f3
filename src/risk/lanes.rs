//! Four xoshiro256++ generators stepped together: the random stream of a
//! chunk of simulated years.
//!
//! One xoshiro256++ step is a chain of dependent shifts and xors, so a
//! single generator yields a number every few cycles however much else the
//! processor could do meanwhile. Four independent generators stepped side
//! by side (each word of their states in one array) fill the gaps, and the
//! compiler keeps the four lanes in vector registers. The stream is the
//! four generators' outputs interleaved (lane 0's first, lane 1's first,
//! …, lane 0's second, …), whether read one number at a time or in bulk.

use rand::RngCore;

/// Generators stepped together.
pub const LANES: usize = 4;

/// Four xoshiro256++ generators (the algorithm of rand_xoshiro's
/// `Xoshiro256PlusPlus`; the tests check each lane against it).
#[derive(Clone, Debug)]
pub struct Lanes {
    /// `s[w][l]`: word `w` of lane `l`'s state.
    s: [[u64; LANES]; 4],
    /// Outputs of the last step not read yet: `buf[next..]`.
    buf: [u64; LANES],
    next: usize,
}

impl Lanes {
    /// Seeded with 32 bytes per lane (lane 0's first); a lane seeded with
    /// all zeros (which xoshiro cannot leave) is seeded as rand_xoshiro
    /// does, from a fixed non-zero state.
    pub fn from_seed(seed: &[u8; 32 * LANES]) -> Lanes {
        let mut s = [[0u64; LANES]; 4];
        for (l, lane) in seed.chunks_exact(32).enumerate() {
            for (w, word) in lane.chunks_exact(8).enumerate() {
                let mut b = [0u8; 8];
                b.copy_from_slice(word);
                s[w][l] = u64::from_le_bytes(b);
            }
            if (0..4).all(|w| s[w][l] == 0) {
                // rand_xoshiro's replacement for an all-zero seed: its
                // generator seeded from 0 by SplitMix64.
                let mut sm = 0u64;
                for word in &mut s {
                    word[l] = splitmix64(&mut sm);
                }
            }
        }
        Lanes {
            s,
            buf: [0; LANES],
            next: LANES,
        }
    }

    /// One step of every lane: their next outputs, lane by lane.
    // Each lane is an index into all four state words at once.
    #[allow(clippy::needless_range_loop)]
    #[inline(always)]
    fn step(&mut self) -> [u64; LANES] {
        let s = &mut self.s;
        let mut out = [0u64; LANES];
        for l in 0..LANES {
            out[l] = s[0][l]
                .wrapping_add(s[3][l])
                .rotate_left(23)
                .wrapping_add(s[0][l]);
        }
        for l in 0..LANES {
            let t = s[1][l] << 17;
            s[2][l] ^= s[0][l];
            s[3][l] ^= s[1][l];
            s[1][l] ^= s[2][l];
            s[0][l] ^= s[3][l];
            s[2][l] ^= t;
            s[3][l] = s[3][l].rotate_left(45);
        }
        out
    }

    /// Fills `out` with the stream's next numbers: the same as that many
    /// `next_u64` calls.
    pub fn fill(&mut self, out: &mut [u64]) {
        let mut i = 0;
        while self.next < LANES && i < out.len() {
            out[i] = self.buf[self.next];
            self.next += 1;
            i += 1;
        }
        let mut blocks = out[i..].chunks_exact_mut(LANES);
        for block in &mut blocks {
            block.copy_from_slice(&self.step());
        }
        for slot in blocks.into_remainder() {
            *slot = self.next_u64();
        }
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl RngCore for Lanes {
    fn next_u64(&mut self) -> u64 {
        if self.next == LANES {
            self.buf = self.step();
            self.next = 0;
        }
        let r = self.buf[self.next];
        self.next += 1;
        r
    }

    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let r = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&r[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn seed() -> [u8; 32 * LANES] {
        let mut s = [0u8; 32 * LANES];
        for (i, b) in s.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        s
    }

    #[test]
    fn each_lane_is_rand_xoshiros_generator() {
        let seed = seed();
        let mut lanes = Lanes::from_seed(&seed);
        let mut refs: Vec<Xoshiro256PlusPlus> = seed
            .chunks_exact(32)
            .map(|c| {
                let mut s = [0u8; 32];
                s.copy_from_slice(c);
                Xoshiro256PlusPlus::from_seed(s)
            })
            .collect();
        for _ in 0..1000 {
            for r in &mut refs {
                assert_eq!(lanes.next_u64(), r.next_u64());
            }
        }
    }

    #[test]
    fn an_all_zero_lane_is_seeded_as_rand_xoshiro_does() {
        let mut seed = seed();
        seed[32..64].fill(0);
        let mut lanes = Lanes::from_seed(&seed);
        let mut zero = Xoshiro256PlusPlus::from_seed([0; 32]);
        lanes.next_u64();
        assert_eq!(lanes.next_u64(), zero.next_u64());
    }

    #[test]
    fn bulk_reads_are_the_same_stream() {
        let mut one = Lanes::from_seed(&seed());
        let mut bulk = Lanes::from_seed(&seed());
        let want: Vec<u64> = (0..103).map(|_| one.next_u64()).collect();
        let mut got = vec![0u64; 103];
        // Reads of every alignment: 1, 6, 0, 13, 83.
        got[0] = bulk.next_u64();
        bulk.fill(&mut got[1..7]);
        bulk.fill(&mut got[7..7]);
        bulk.fill(&mut got[7..20]);
        bulk.fill(&mut got[20..]);
        assert_eq!(got, want);
    }
}
