//! `catwalk preview` of the flow-fixture image through Docker: documents valid against their collections,
//! two sessions carrying the state, and no container left behind.

mod preview_support;
mod support;

use preview_support::{assert_all_valid, read_output};
use std::time::Duration;

#[test]
fn preview_of_an_image_runs_sessions_in_containers_and_removes_them() {
    assert!(
        support::docker_available(),
        "component docker missing: the Docker engine does not answer"
    );
    let tmp = support::temp_dir();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("acmeCo")).unwrap();
    support::write_json(
        dir,
        "acmeCo/fixture.config.yaml",
        &support::fixture_config(),
    );
    let image = support::fixture_image();
    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .args([
                "discover", "--prefix", "acmeCo", "--name", "fixture", "--image", image,
            ]),
        None,
        Duration::from_secs(180),
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let flow = dir.join("acmeCo/fixture.flow.yaml");
    let ran = support::run_with_timeout(
        support::catwalk(dir)
            .env("XDG_CACHE_HOME", dir.join("cache"))
            .args(["preview", "--source", flow.to_str().unwrap()])
            .args(["--sessions", "-1,-1", "--limit", "6", "--timeout", "60s"]),
        None,
        Duration::from_secs(300),
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    let (docs, _) = read_output(&ran.stdout());
    assert_all_valid(&flow, &docs);
    let users: Vec<u64> = docs
        .iter()
        .filter(|(c, _)| c == "acmeCo/users")
        .map(|(_, d)| d["id"].as_u64().unwrap())
        .collect();
    // The second session resumed after the first one's cursors.
    assert_eq!(users, [1, 2, 3, 4, 5, 6], "{}", ran.stdout());
    assert_eq!(docs.len(), 12);
    // Containers are removed as each session ends; Docker may take a moment to forget them.
    let left = || {
        support::containers_with_labels(&["catwalk=1"])
            .into_iter()
            .filter(|id| {
                let out = std::process::Command::new("docker")
                    .args(["inspect", "--format", "{{.Config.Image}}", id])
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).trim() == image
            })
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while left() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(left(), 0, "containers of {image} left behind");
}
