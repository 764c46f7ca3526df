//! `catwalk check`.
use super::Outcome;
use super::args::CheckArgs;

pub async fn run(_args: CheckArgs) -> Outcome {
    todo!()
}
