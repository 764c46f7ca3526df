//! The `catwalk` binary: parse arguments, set up logging to a file, run a verb. Nothing else.

use clap::Parser;

fn main() {
    let cli = catwalk::cli::Cli::parse();
    let _log_guard = catwalk::logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(catwalk::cli::exit::ENVIRONMENT.code());
        }
    };
    let code = runtime.block_on(catwalk::cli::run(cli));
    // Give cleanup tasks a moment, then leave without waiting on stray blocking threads.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    std::process::exit(code);
}
