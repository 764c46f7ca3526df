//! The `catwalk` binary: parse arguments, set up logging to a file, then run a verb (`cli`) or, without
//! one, the wizard (`tui`). Nothing else: this is the one place that chooses between the two front ends.

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
            std::process::exit(catwalk::ops::exit::ENVIRONMENT.code());
        }
    };
    let code = runtime.block_on(async move {
        match cli.command {
            // `catwalk edit` opens the task, then the wizard walks it (cli and tui never meet but here).
            Some(catwalk::cli::Command::Edit(args)) => {
                match catwalk::cli::edit::start(cli.verbose, cli.quiet, &args).await {
                    Ok(task) => catwalk::cli::until_signal(catwalk::tui::edit(task)).await,
                    Err(code) => code,
                }
            }
            Some(command) => catwalk::cli::run(cli.verbose, cli.quiet, command).await,
            None => {
                catwalk::cli::output::init(cli.verbose, cli.quiet);
                // The wizard says its own code; a signal stops it as it stops a verb.
                catwalk::cli::until_signal(catwalk::tui::run()).await
            }
        }
    });
    // Give cleanup tasks a moment, then leave without waiting on stray blocking threads.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    std::process::exit(code);
}
