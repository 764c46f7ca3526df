//! Pulling images for real: a local registry (tests/fixtures/registry) serves the Flow fixture image, and the
//! runtime and the `catwalk` binary pull it through the Docker engine, with progress; missing images, refused
//! pulls and `:local` tags are explained. Each test removes the images it pulls, before and after, and
//! asserts that no container of ours remains.

mod support;

use catwalk::connector::{Connector, ConnectorError, Endpoint, Options, PullProgress};
use catwalk::model::Protocol;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::registry::{self, Registry, RemoveImage};

/// Docker tests share the engine and assert on its containers: one at a time (nextest groups them too).
static ENGINE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const REPO: &str = "catwalk-test/pulled-fixture";
const V1: &str = "catwalk-test/pulled-fixture:v1";

fn fixture_registry() -> Registry {
    Registry::start(&[(V1, support::fixture_image())])
}

/// Options whose pull sink records every progress report.
fn recording() -> (Options, Arc<Mutex<Vec<PullProgress>>>) {
    let seen: Arc<Mutex<Vec<PullProgress>>> = Arc::default();
    let sink = seen.clone();
    let opts = Options {
        pull: Some(Arc::new(move |p: &PullProgress| {
            sink.lock().unwrap().push(p.clone())
        })),
        ..Options::default()
    };
    (opts, seen)
}

/// Removes `reference` now (to force a pull) and again when the guard drops.
fn absent(reference: &str) -> RemoveImage {
    registry::remove_image(reference);
    assert!(
        !registry::image_exists(reference),
        "{reference} is still there"
    );
    RemoveImage(reference.to_string())
}

fn open_error(reference: &str, opts: Options) -> impl std::future::Future<Output = ConnectorError> {
    let endpoint = Endpoint::Image(reference.to_string());
    async move {
        match Connector::open(endpoint, opts).await {
            Ok(_) => panic!("opening {reference} should fail"),
            Err(e) => e,
        }
    }
}

fn statuses(seen: &[PullProgress]) -> Vec<&str> {
    seen.iter().map(|p| p.status.as_str()).collect()
}

#[tokio::test]
async fn an_absent_image_is_pulled_with_progress_and_runs() {
    let _engine = ENGINE.lock().await;
    let reg = fixture_registry();
    let reference = reg.image_ref(V1);
    let _cleanup = absent(&reference);
    let served = reg.served(V1);
    let (opts, seen) = recording();

    let c = Connector::open(Endpoint::Image(reference.clone()), opts)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", reg.log()));

    // The engine holds exactly what the registry served: its manifest digest and config (image id).
    let image = c.image().unwrap();
    assert_eq!(image.id, served.config_digest);
    assert_eq!(
        image.digest.as_deref(),
        Some(format!("{}/{REPO}@{}", reg.host_port(), served.manifest_digest).as_str())
    );
    assert_eq!(image.labels[registry::SALT_LABEL], reg.salt());
    // The pulled image is the real Flow fixture: its labels choose the protocol and it answers a spec.
    assert_eq!(c.protocol(), Protocol::Flow);
    let spec = c.spec().await.unwrap();
    assert_eq!(spec.resource_path_pointers, vec!["/name"]);

    let seen = seen.lock().unwrap().clone();
    let last = seen.last().expect("the pull reported progress");
    assert!(seen.iter().all(|p| p.image == reference), "{seen:#?}");
    assert_eq!(last.layers, served.layers.len(), "{seen:#?}");
    assert!(served.layer_bytes() > 0);
    assert_eq!(last.total, served.layer_bytes(), "{seen:#?}");
    assert_eq!(last.done, last.total, "{seen:#?}");
    assert!(
        seen.windows(2).all(|w| w[0].done <= w[1].done),
        "progress went backwards: {seen:#?}"
    );
    let statuses = statuses(&seen);
    for expected in [
        "Pulling fs layer",
        "Downloading",
        "Download complete",
        "Pull complete",
    ] {
        assert!(
            statuses.contains(&expected),
            "no {expected:?} in {statuses:?}"
        );
    }
    assert_eq!(
        last.status,
        format!("Status: Downloaded newer image for {reference}")
    );

    // What the server sent: the manifest, then each blob once, in full.
    let requests = reg.requests();
    let manifest = format!("/v2/{REPO}/manifests/v1");
    assert!(
        requests
            .iter()
            .any(|r| r.path == manifest && r.status == 200),
        "{requests:#?}"
    );
    let blobs: Vec<_> = requests
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/blobs/"))
        .collect();
    let mut blob_bytes = 0;
    for (digest, size) in &served.layers {
        let got: Vec<_> = blobs.iter().filter(|r| r.path.ends_with(digest)).collect();
        assert_eq!(got.len(), 1, "layer {digest}: {requests:#?}");
        assert_eq!(
            (got[0].status, got[0].length, got[0].range.as_deref()),
            (200, *size, None)
        );
        blob_bytes += got[0].length;
    }
    assert_eq!(last.done, blob_bytes, "progress ends at the bytes served");
    drop(c);
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn a_present_image_is_not_pulled_again() {
    let _engine = ENGINE.lock().await;
    let reg = fixture_registry();
    let reference = reg.image_ref(V1);
    let _cleanup = absent(&reference);
    let (opts, first) = recording();
    Connector::open(Endpoint::Image(reference.clone()), opts)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", reg.log()));
    assert!(!first.lock().unwrap().is_empty(), "the first open pulls");
    let asked = reg.requests().len();

    let (opts, second) = recording();
    let c = Connector::open(Endpoint::Image(reference.clone()), opts)
        .await
        .unwrap();
    assert!(
        second.lock().unwrap().is_empty(),
        "{:#?}",
        second.lock().unwrap()
    );
    assert_eq!(
        reg.requests().len(),
        asked,
        "the registry was asked again: {:#?}",
        &reg.requests()[asked..]
    );
    assert_eq!(
        c.spec().await.unwrap().resource_path_pointers,
        vec!["/name"]
    );
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn a_missing_repository_or_tag_is_image_not_found() {
    let _engine = ENGINE.lock().await;
    let reg = fixture_registry();
    let hp = reg.host_port().to_string();

    let reference = reg.image_ref("catwalk-test/missing:v1");
    let _cleanup = absent(&reference);
    let (opts, seen) = recording();
    let err = open_error(&reference, opts).await;
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::ImageNotFound { .. }), "{msg}");
    assert_eq!(catwalk::cli::exit::of_connector(&err).code(), 4);
    assert_eq!(
        msg,
        format!(
            "image {reference} was not found locally and pulling it failed: repository {hp}/catwalk-test/missing \
             not found: name unknown: repository name not known to registry\n  Check the image name and tag, or \
             build/load it locally first (`docker images` lists what is there)."
        )
    );
    assert!(seen.lock().unwrap().is_empty(), "nothing was downloaded");
    assert!(
        reg.requests()
            .iter()
            .any(|r| r.path == "/v2/catwalk-test/missing/manifests/v1" && r.status == 404),
        "{:#?}",
        reg.requests()
    );

    // A repository the registry has, without that tag.
    let reference = reg.image_ref(&format!("{REPO}:v2"));
    let _cleanup2 = absent(&reference);
    let err = open_error(&reference, Options::default()).await;
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::ImageNotFound { .. }), "{msg}");
    assert_eq!(
        msg,
        format!(
            "image {reference} was not found locally and pulling it failed: manifest for {reference} not found: \
             manifest unknown: manifest unknown\n  Check the image name and tag, or build/load it locally first \
             (`docker images` lists what is there)."
        )
    );
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn a_refused_pull_says_access_was_denied() {
    let _engine = ENGINE.lock().await;
    let reg = fixture_registry();
    let hp = reg.host_port().to_string();
    let reference = reg.image_ref("denied/fixture:v1");
    let _cleanup = absent(&reference);
    let err = open_error(&reference, Options::default()).await;
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::PullFailed { .. }), "{msg}");
    assert_eq!(catwalk::cli::exit::of_connector(&err).code(), 4);
    assert_eq!(
        msg,
        format!(
            "pulling image {reference} failed: pull access denied for {hp}/denied/fixture, repository does not \
             exist or may require 'docker login': denied: requested access to the resource is denied\n  Check the \
             image name, your network, and your registry credentials (`docker login REGISTRY`)."
        )
    );
    let requests = reg.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path == "/v2/denied/fixture/manifests/v1" && r.status == 401),
        "{requests:#?}"
    );
    assert!(!registry::image_exists(&reference));
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn a_slow_pull_reports_progress_as_it_goes() {
    let _engine = ENGINE.lock().await;
    let reg = fixture_registry();
    let reference = reg.image_ref(&format!("slow/{V1}"));
    let _cleanup = absent(&reference);
    let total = reg.served(V1).layer_bytes();
    let (opts, seen) = recording();
    let started = Instant::now();
    let c = Connector::open(Endpoint::Image(reference.clone()), opts)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", reg.log()));
    let elapsed = started.elapsed();
    // 512 KiB/s (the registry's default --slow-rate): the layer cannot arrive sooner.
    let floor = Duration::from_secs_f64(total as f64 / (512.0 * 1024.0));
    assert!(elapsed >= floor, "{elapsed:?} < {floor:?}");

    let seen = seen.lock().unwrap().clone();
    let partial: Vec<u64> = seen
        .iter()
        .filter(|p| p.status == "Downloading" && p.done > 0 && p.done < total)
        .map(|p| p.done)
        .collect();
    assert!(
        partial.len() >= 3 && partial.windows(2).all(|w| w[0] < w[1]),
        "expected several growing partial counts: {partial:?}"
    );
    assert!(
        seen.iter()
            .all(|p| p.status != "Downloading" || p.total == total)
    );
    assert_eq!(seen.last().unwrap().done, total);
    assert_eq!(c.protocol(), Protocol::Flow);
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn an_oci_manifest_pulls_too() {
    let _engine = ENGINE.lock().await;
    let reg = fixture_registry();
    let reference = reg.image_ref(&format!("oci/{V1}"));
    let _cleanup = absent(&reference);
    let served = reg.served(V1);
    let c = Connector::open(Endpoint::Image(reference.clone()), Options::default())
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", reg.log()));
    let image = c.image().unwrap();
    assert_eq!(
        image.digest.as_deref(),
        Some(
            format!(
                "{}/oci/{REPO}@{}",
                reg.host_port(),
                served.oci_manifest_digest
            )
            .as_str()
        )
    );
    assert_ne!(served.oci_manifest_digest, served.manifest_digest);
    assert_eq!(
        c.spec().await.unwrap().resource_path_pointers,
        vec!["/name"]
    );
    support::assert_no_catwalk_containers();
}

#[tokio::test]
async fn local_tags_are_never_pulled_even_from_a_registry_that_has_them() {
    let _engine = ENGINE.lock().await;
    let local = format!("{REPO}:local");
    let reg = Registry::start(&[(local.as_str(), support::fixture_image())]);
    let reference = reg.image_ref(&local);
    let _cleanup = absent(&reference);
    let (opts, seen) = recording();
    let err = open_error(&reference, opts).await;
    let msg = err.to_string();
    assert!(matches!(err, ConnectorError::ImageNotFound { .. }), "{msg}");
    assert_eq!(
        msg,
        format!(
            "image {reference} was not found locally and images tagged `:local` are never pulled\n  Check the \
             image name and tag, or build/load it locally first (`docker images` lists what is there)."
        )
    );
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(
        reg.requests(),
        vec![],
        "catwalk must not reach the registry"
    );

    // The registry does serve it: Docker itself pulls it, and the request log shows it.
    let out = std::process::Command::new("docker")
        .args(["pull", "--quiet", &reference])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = format!("/v2/{REPO}/manifests/local");
    assert!(
        reg.requests()
            .iter()
            .any(|r| r.path == manifest && r.status == 200),
        "{:#?}",
        reg.requests()
    );
    support::assert_no_catwalk_containers();
}

#[test]
fn the_binary_says_it_pulls_then_prints_the_spec() {
    let _engine = ENGINE.blocking_lock();
    let reg = fixture_registry();
    let reference = reg.image_ref(V1);
    let _cleanup = absent(&reference);
    let tmp = support::temp_dir();

    let ran = support::run_catwalk(tmp.path(), &["spec", "--image", &reference]);
    assert_eq!(ran.code(), Some(0), "{}\n{}", ran.stderr(), reg.log());
    let stderr = ran.stderr();
    // Not a terminal: the start line only, no progress bar.
    assert_eq!(
        stderr,
        format!(
            "Pulling image {reference} ...\nimage {reference}: Flow capture connector (from its image labels)\n"
        )
    );
    let spec: Value = serde_json::from_str(&ran.stdout()).expect("the spec is JSON");
    assert!(spec["configSchema"].is_object(), "{spec}");
    assert_eq!(spec["resourcePathPointers"], serde_json::json!(["/name"]));
    assert!(registry::image_exists(&reference));
    let layer = &reg.served(V1).layers[0].0;
    assert!(
        reg.requests()
            .iter()
            .any(|r| r.path.ends_with(layer.as_str()))
    );

    // Present now: no pull line the second time.
    let ran = support::run_catwalk(tmp.path(), &["spec", "--image", &reference]);
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(!ran.stderr().contains("Pulling"), "{}", ran.stderr());
    support::assert_no_catwalk_containers();
}
