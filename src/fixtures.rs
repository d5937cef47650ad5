//! The one seeded generator of the crate's tests, benchmarks and examples: [`SplitMix64`]
//! (Steele, Lea & Flood, 2014), small and good enough for synthetic inputs, not for anything
//! that needs real randomness. Compiled for the crate's own tests and with the
//! `bench-internals` feature (benches and examples); not a public API.

use std::f64::consts::TAU;

/// SplitMix64: a 64-bit state advanced by the golden-ratio increment, each output the
/// [`mix`] of the state. The same seed gives the same sequence on every platform.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [−a, a).
    pub fn symmetric(&mut self, a: f64) -> f64 {
        (2.0 * self.uniform() - 1.0) * a
    }

    /// Standard normal (Box–Muller, the cosine branch; two uniforms per call).
    pub fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        (-2.0 * u.ln()).sqrt() * (TAU * self.uniform()).cos()
    }
}

/// The SplitMix64 finaliser: a well-mixed hash of `z`.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_matches_the_reference_sequence() {
        // First outputs for seed 1234567 of the reference C implementation (prng.di.unimi.it).
        let mut g = SplitMix64::new(1234567);
        let got: Vec<u64> = (0..3).map(|_| g.next_u64()).collect();
        assert_eq!(got, [6457827717110365317, 3203168211198807973, 9817491932198370423]);
        let u = SplitMix64::new(42).uniform();
        assert!((0.0..1.0).contains(&u));
    }
}
