//! `catwalk edit FILE [--name TASK]`: open one task of an existing catalog (its config decrypted in memory
//! when sops protects it). The verb only opens it and says what is wrong; `main` hands the opened task to
//! the wizard, which walks the steps of an existing task and saves back into the same files.

use super::args::EditArgs;
use super::output;
use crate::ops::edit::{self, OpenedTask};
use crate::ops::exit::Failure;

/// Open the task the arguments name (sops runs off the async threads).
pub async fn open(args: &EditArgs) -> Result<OpenedTask, Failure> {
    let (file, name) = (args.file.clone(), args.name.clone());
    crate::ops::secrets::blocking(move || edit::open(&file, name.as_deref())).await
}

/// For `main`: the opened task, or the exit code after the error is printed.
pub async fn start(verbose: u8, quiet: bool, args: &EditArgs) -> Result<OpenedTask, i32> {
    output::init(verbose, quiet);
    open(args).await.map_err(|f| {
        output::error(&f.message);
        f.kind.code()
    })
}
