// Ingest makes and frees millions of small strings, many on one thread
// and freed on another (rayon, the XML pipe); with glibc's allocator a
// re-ingest of 164,000 findings took 45% longer (bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = aegis::cli::Cli::parse();
    match aegis::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", aegis::output::escape::text(&chain(&e)));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each cause once: many errors already name
/// their cause in their own message (`cannot read x: permission denied`),
/// and repeating it reads like a second failure.
fn chain(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}
