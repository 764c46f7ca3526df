//! Exit codes scripts can rely on: the kinds and their mapping live in [`crate::ops::exit`] (the wizard
//! shares them); this module names them for the verbs and prints the `--help` table.

pub use crate::ops::exit::*;

/// The "Exit codes:" section of `--help`.
pub fn help() -> String {
    let mut out = String::from("Exit codes:");
    for kind in ExitKind::ALL {
        out.push_str(&format!(
            "\n  {:<4} {}",
            kind.code(),
            kind.meaning().replace('`', "")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_lists_every_code() {
        let help = help();
        for kind in ExitKind::ALL {
            assert!(help.contains(&format!("\n  {:<4} ", kind.code())), "{help}");
        }
        assert!(!help.contains('`'));
    }
}
