//! UUIDs from content identity, so an unchanged repository exports
//! byte-identical OSCAL and an element keeps its UUID from one export to
//! the next (an OSCAL consumer tracks items across revisions by UUID).
//!
//! The construction is RFC 4122 version 5's (hash a namespace and a name,
//! keep 128 bits, stamp the version and variant bits) with SHA-256 in place
//! of SHA-1: the crate already depends on sha2 and not on a SHA-1 crate.
//! The result is stamped version 5 because the OSCAL schema's UUID pattern
//! accepts only versions 4 and 5; it is not the UUID a SHA-1 v5 library
//! would compute for the same name.

use sha2::{Digest, Sha256};

/// The namespace every Aegis OSCAL UUID is derived in (itself a random
/// version 4 UUID, fixed forever: changing it would change every UUID).
const NAMESPACE: [u8; 16] = [
    0x6f, 0x0c, 0x2b, 0x8e, 0x51, 0x7d, 0x4a, 0x43, 0x9e, 0x2f, 0x33, 0x1c, 0x8a, 0x64, 0xd0, 0x17,
];

/// The UUID of the element named by `parts` (e.g. `["ssp", "ledger",
/// "implemented-requirement", "northwind-baseline", "IAM-1"]`). Each part
/// is followed by a NUL so different splits of the same text never collide.
pub fn derive(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(NAMESPACE);
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    let digest = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex = crate::digest::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Whether `s` matches the OSCAL 1.1.2 UUID pattern (RFC 4122 version 4 or
/// 5, any case).
pub fn is_oscal_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 36 {
        return false;
    }
    for (i, c) in b.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => *c == b'4' || *c == b'5',
            19 => matches!(c, b'8' | b'9' | b'a' | b'b' | b'A' | b'B'),
            _ => c.is_ascii_hexdigit(),
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_uuids_are_stable_version_5_and_distinct() {
        let a = derive(&["ssp", "ledger"]);
        assert_eq!(a, derive(&["ssp", "ledger"]));
        assert!(is_oscal_uuid(&a), "{a}");
        assert_eq!(&a[14..15], "5");
        assert_eq!(a, a.to_ascii_lowercase());
        assert_ne!(a, derive(&["ssp", "platform"]));
        assert_ne!(derive(&["ab", "c"]), derive(&["a", "bc"]));
    }

    #[test]
    fn the_pattern_accepts_v4_and_v5_only() {
        assert!(is_oscal_uuid("22222222-0000-4000-9000-100000000001"));
        assert!(!is_oscal_uuid("22222222-0000-1000-9000-100000000001"));
        assert!(!is_oscal_uuid("22222222-0000-4000-7000-100000000001"));
        assert!(!is_oscal_uuid("not-a-uuid"));
    }
}
