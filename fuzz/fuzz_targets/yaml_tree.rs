//! The span-keeping YAML parser on arbitrary input: it must return a tree or
//! a classified error, never panic or overflow, and every position it
//! reports must lie inside the input.
#![no_main]

use aegis::workspace::yaml::{Shift, YamlLimits, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse(text, YamlLimits::default(), Shift::default()) {
        Ok(tree) => {
            assert!(tree.pos.offset <= text.len());
            let _ = tree.to_json();
        }
        Err(e) => assert!(e.pos.line >= 1),
    }
});
