//! `catwalk discover`.
use super::Outcome;
use super::args::DiscoverArgs;

pub async fn run(_args: DiscoverArgs) -> Outcome {
    todo!()
}
