//! The `lifecircle` command: parses arguments, reports, and calls the library.
//! Exit status: 0 success, 2 any error (bad input, bad option, failed write).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
