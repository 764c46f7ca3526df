//! Secrets around an operation: sops runs (a blocking subprocess) off the async threads, and the secret
//! values of a config are registered for masking before any connector sees it, whether the config came
//! from a file (`catwalk check`, `discover`) or from the wizard's form.

use super::exit::Failure;
use serde_json::Value;

/// Run `work` (a sops run: a blocking subprocess) on a blocking thread, so async code never waits on it; a
/// panic in it is the caller's.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(out) => out,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("a blocking task did not finish: {e}"),
    }
}

/// `secrets::decrypt` on a blocking thread (see [`blocking`]).
pub async fn decrypt(config: &Value, place: &str) -> Result<Value, Failure> {
    let (config, place) = (config.clone(), place.to_string());
    blocking(move || crate::secrets::decrypt(&config, &place))
        .await
        .map_err(Failure::from)
}

/// Register for masking every value of `config` that `schema` marks secret (and the SSH key or password
/// of a tunnel): from here on, `redact::text` masks them in every line shown or logged. The one call
/// before a connector runs with a config, for the verbs and for the wizard's form.
pub fn register(schema: &Value, config: &Value) {
    crate::secrets::register_secrets(schema, config);
}
