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
