//! Words of control text as index terms: lower-cased, split at anything
//! that is not a letter or digit, stop words and bare numbers dropped,
//! then stemmed (Snowball English), so "monitoring", "monitored" and
//! "monitors" are one term.

use rust_stemmers::{Algorithm, Stemmer};

/// At most this many terms are taken from one field of one control: a
/// hostile catalog with a megabyte statement costs no more than a long one.
pub const MAX_TERMS_PER_FIELD: usize = 4096;

/// Words longer than this are not words (base64, hashes, run-on garbage).
const MAX_WORD_BYTES: usize = 40;

/// Function words, and the words every control of every framework uses
/// (OSCAL parameter inserts, SP 800-53's "organization-defined"), which
/// say nothing about which control it is. Sorted, for binary search.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "applicable",
    "appropriate",
    "are",
    "as",
    "assignment",
    "at",
    "based",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "defined",
    "did",
    "do",
    "does",
    "doing",
    "down",
    "during",
    "e",
    "each",
    "eg",
    "ensure",
    "ensured",
    "ensures",
    "etc",
    "ex",
    "few",
    "following",
    "for",
    "from",
    "further",
    "g",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "ie",
    "if",
    "in",
    "include",
    "includes",
    "including",
    "insert",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "may",
    "me",
    "might",
    "more",
    "most",
    "must",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "organization",
    "organization-defined",
    "organizational",
    "organizations",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "param",
    "prm",
    "same",
    "selection",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "use",
    "used",
    "using",
    "very",
    "via",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "within",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
];

/// Splits and stems text. One per thread: the stemmer is cheap to build
/// but not shared across threads.
pub struct Tokenizer {
    stemmer: Stemmer,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Tokenizer {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }
}

impl Tokenizer {
    /// The terms of `text`, in order, at most `MAX_TERMS_PER_FIELD` of them.
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut word = String::new();
        for c in text.chars().chain(std::iter::once(' ')) {
            if c.is_alphanumeric() {
                // Lower-casing can grow a character into several.
                word.extend(c.to_lowercase());
                continue;
            }
            // An apostrophe inside a word ("organization's") ends it
            // there: the possessive is dropped, not made a term.
            if !word.is_empty() {
                if let Some(term) = self.term(&word) {
                    out.push(term);
                    if out.len() == MAX_TERMS_PER_FIELD {
                        return out;
                    }
                }
                word.clear();
            }
        }
        out
    }

    fn term(&self, word: &str) -> Option<String> {
        if word.len() > MAX_WORD_BYTES
            || word.chars().all(|c| c.is_numeric())
            || word.chars().count() < 2
            || is_stop_word(word)
        {
            return None;
        }
        let stem = self.stemmer.stem(word);
        (!is_stop_word(&stem)).then(|| stem.into_owned())
    }
}

fn is_stop_word(w: &str) -> bool {
    STOP_WORDS.binary_search(&w).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, STOP_WORDS);
    }

    #[test]
    fn words_are_lowered_stemmed_and_filtered() {
        let t = Tokenizer::default();
        assert_eq!(
            t.terms("The organization's Monitoring of monitored networks (AC-2), 2024 e.g. logs"),
            ["monitor", "monitor", "network", "ac", "log"]
        );
    }

    #[test]
    fn odd_unicode_and_control_characters_split_words() {
        let t = Tokenizer::default();
        assert_eq!(
            t.terms("ÉTAT\u{1b}[31mrouge\u{202e}secret\u{0}zéro İstanbul"),
            ["état", "31mroug", "secret", "zéro", "i\u{307}stanbul"]
        );
        assert!(t.terms("").is_empty());
        assert!(t.terms("\u{200b}\u{feff} 123 4.5").is_empty());
    }

    #[test]
    fn a_huge_field_is_cut_at_the_term_budget() {
        let t = Tokenizer::default();
        let text = "firewall ".repeat(MAX_TERMS_PER_FIELD * 3);
        assert_eq!(t.terms(&text).len(), MAX_TERMS_PER_FIELD);
        let long = "x".repeat(10_000);
        assert!(t.terms(&long).is_empty());
    }
}
