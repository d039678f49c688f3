//! The hash maps of the paths a walk over history runs once per commit
//! (the index, control resolution, the gap engine, the caches of parsed
//! files).
//!
//! std's SipHash was about a twentieth of that time. foldhash is several
//! times faster on short keys such as control ids and object ids, and it
//! is seeded per process like std's, so iteration order is no more
//! predictable than before (nothing may depend on it) and flooding a map
//! needs collisions that hold for every seed. A run is short-lived and
//! prints no hash, so the seed cannot be learned from outside.

pub type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type HashSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;
