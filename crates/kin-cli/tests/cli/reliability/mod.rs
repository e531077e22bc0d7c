//! The reliability suite: kin killed at random points, commands run two at a time, and
//! hostile or mangled inputs, each followed by checks that nothing was lost or corrupted.
//!
//! Trial counts are bounded so CI stays fast (`KIN_RELIABILITY_TRIALS`, default 12 per
//! test); `scripts/reliability` runs the full campaign. Every run prints its seed
//! (`KIN_RELIABILITY_SEED` replays one).

mod checks;
mod concurrent;
mod fuzz;
mod kill;

/// A small deterministic generator (xorshift64*), so a failing trial can be replayed.
pub struct Rng(u64);

impl Rng {
    /// Seeded from `KIN_RELIABILITY_SEED`, else from the clock; prints the seed either way.
    pub fn from_env(test: &str) -> Rng {
        let seed = std::env::var("KIN_RELIABILITY_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("{test}: KIN_RELIABILITY_SEED={seed}");
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// How many trials each test runs.
pub fn trials() -> usize {
    std::env::var("KIN_RELIABILITY_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12)
}
