//! Generated experiment names, `adjective-noun` as DVC makes them (`brisk-otter`), from
//! kin's own word lists, never one the repository already has.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};

const ADJECTIVES: &[&str] = &[
    "amber", "bold", "brisk", "calm", "clear", "crisp", "deft", "eager", "even", "fair", "fleet",
    "fresh", "gentle", "glad", "grand", "hardy", "keen", "kind", "lean", "light", "lively",
    "loyal", "lucid", "merry", "mild", "neat", "nimble", "noble", "plain", "polar", "prime",
    "proud", "quick", "quiet", "rapid", "ready", "sharp", "sleek", "smart", "snug", "solid",
    "spare", "spry", "stark", "steady", "still", "sunny", "swift", "tidy", "vivid", "warm", "wise",
    "young", "zesty",
];

const NOUNS: &[&str] = &[
    "alder", "badger", "beacon", "birch", "bison", "brook", "cedar", "comet", "coral", "crane",
    "dune", "eagle", "ember", "falcon", "fern", "finch", "fjord", "gecko", "glade", "harbor",
    "heron", "ibis", "island", "jay", "kestrel", "lark", "lynx", "maple", "marten", "meadow",
    "moth", "newt", "oak", "orca", "otter", "owl", "pine", "plover", "quail", "raven", "reef",
    "ridge", "robin", "sparrow", "spruce", "stoat", "swan", "tern", "thrush", "tide", "vole",
    "willow", "wren", "yak",
];

/// A fresh generated name, unlike any in `taken` (names already chosen are added to it).
pub fn generate(taken: &mut HashSet<String>) -> String {
    let state = std::collections::hash_map::RandomState::new();
    for attempt in 0u64.. {
        let mut hasher = state.build_hasher();
        hasher.write_u64(attempt);
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        let bits = hasher.finish();
        let adjective = ADJECTIVES[(bits % ADJECTIVES.len() as u64) as usize];
        let noun = NOUNS[((bits >> 32) % NOUNS.len() as u64) as usize];
        // Once the pairs run short, a number keeps names unique.
        let name = if attempt < 1000 {
            format!("{adjective}-{noun}")
        } else {
            format!("{adjective}-{noun}-{attempt}")
        };
        if taken.insert(name.clone()) {
            return name;
        }
    }
    unreachable!("names are found long before the attempts run out")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_adjective_noun_and_unique() {
        let mut taken = HashSet::new();
        for _ in 0..200 {
            let name = generate(&mut taken);
            assert_eq!(name.split('-').count(), 2, "{name}");
        }
        assert_eq!(taken.len(), 200);
    }
}
