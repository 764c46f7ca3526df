//! Where a task can run (`catalog::reach`): the endpoint's kind, and for an image whether Docker knows it
//! from a registry (a fresh `--wrap` is not pushed yet). One place for `check`, `discover` and the wizard.

use crate::catalog::{self, Reach};

/// Whether Docker knows `image` from a registry; `None` when Docker cannot tell (or is down).
pub async fn image_pushed(image: &str) -> Option<bool> {
    let docker = crate::connector::DockerHost::connect().await.ok()?;
    crate::connector::wrap::pushed(&docker, image).await
}

/// Whether an image endpoint's image was pushed (`None`: not an image endpoint, or unknown).
pub async fn pushed(endpoint: &catalog::Endpoint) -> Option<bool> {
    match endpoint {
        catalog::Endpoint::Connector(c) => image_pushed(&c.image).await,
        _ => None,
    }
}

/// Where a task with this endpoint can run.
pub async fn of(endpoint: &catalog::Endpoint) -> Reach {
    catalog::reach(endpoint, pushed(endpoint).await)
}
