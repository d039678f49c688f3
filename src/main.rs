use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = aegis::cli::Cli::parse();
    match aegis::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
