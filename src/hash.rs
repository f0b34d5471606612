//! A fast hasher with a fixed seed for the maps of text analysis and stories.
//!
//! Their keys are words of articles a topic matched and small interned ids, not keys an
//! attacker could aim at a table worth SipHash's cost. Unlike std's, the hasher has no
//! random seed, so a map's order, and with it the ids terms get, is the same on every run:
//! `backtest` gives the same output twice.

/// `HashMap<K, V, Fast>`: a map hashed with foldhash under its fixed seed. Measured against
/// a word-at-a-time multiplicative hash (FxHash's kind): that one put words sharing their
/// first letters into few buckets and made term lookups three times slower on a large
/// vocabulary.
pub(crate) type Fast = foldhash::fast::FixedState;

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn equal_keys_hash_alike_and_near_keys_apart() {
        let h = |s: &str| Fast::default().hash_one(s);
        assert_eq!(h("negotiation"), h("negotiation"));
        // Keys that differ in one byte, in the full and in the partial word.
        assert_ne!(h("negotiations"), h("negotiationz"));
        assert_ne!(h("abcdefgh1"), h("abcdefgh2"));
        // Words that share their first letters spread over a table's buckets, by the low
        // bits that index them and by the high bits that tag them.
        let low: std::collections::HashSet<u64> =
            (0..4096).map(|i| h(&format!("co{i}")) & 0xffff).collect();
        assert!(low.len() > 3500, "{} buckets", low.len());
        let high: std::collections::HashSet<u64> =
            (0..4096).map(|i| h(&format!("co{i}")) >> 57).collect();
        assert_eq!(high.len(), 128, "{} tags", high.len());
    }
}
