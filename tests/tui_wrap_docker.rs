//! The wizard on an Airbyte image in tmux (`docker` in the name: one at a time with the other Docker tests):
//! steps 1 to 7 with the Airbyte fixture image, "Wrap as" a tag on the save step, and the saved catalog names
//! the wrapped image as its endpoint; the last screen says it needs the image pushed (it was built here) and
//! does not offer `flowctl catalog publish` before that.

mod support;

use std::time::Duration;
use support::registry::RemoveImage;
use support::tmux::{Tmux, catwalk};

const SLOW: Duration = Duration::from_secs(240);

#[test]
fn docker_wizard_wraps_an_airbyte_image_on_save() {
    assert!(support::docker_available(), "Docker must be running");
    let image = support::airbyte_fixture_image();
    let tag = format!("catwalk-test/wrapped-wizard-{}:local", std::process::id());
    let _rm = RemoveImage(tag.clone());
    let static_catwalk = support::static_catwalk().display().to_string();
    let bin_dir = catwalk().parent().unwrap().to_path_buf();
    let t = Tmux::start("wrap-docker", 120, 40, Some(&bin_dir));
    t.text(&format!("export CATWALK_STATIC_BINARY={static_catwalk}"));
    t.keys(&["Enter"]);
    let out = support::temp_dir();
    t.start_catwalk(Some(out.path()));
    t.wait_for(&["1 Connector", "Any Docker image…"]);
    t.keys(&["Enter"]);
    t.text(image);
    t.keys(&["Enter"]);
    t.wait_long(&["› Host *"], SLOW);
    t.text("db.internal");
    t.keys(&["Tab", "Tab"]);
    t.text("wizard-wrap-password");
    t.keys(&["C-n"]);
    t.wait_for(&["SSH tunnel", "Enter skip"]);
    t.keys(&["Enter"]);
    t.wait_long(&["✓ The check passed"], SLOW);
    t.keys(&["Enter"]);
    t.wait_long(&["selected", "users"], SLOW);
    t.keys(&["C-n"]);
    // The preview step (documents read before saving): passed over here.
    t.wait_for(&["A few documents per binding"]);
    t.keys(&["s"]);
    t.wait_long(
        &["Review and save", "Wrap as", "a tag (REGISTRY/NAME:TAG)"],
        SLOW,
    );
    // From the Save button up to "Wrap as", then the tag.
    t.keys(&["Up"]);
    t.text(&tag);
    t.wait_long(
        &["wrapped for Flow on save", &format!("image: {tag}")],
        SLOW,
    );
    t.keys(&["C-s"]);
    t.wait_long(
        &[
            "✓ Saved the capture acmeCo/airbyte-fixture",
            "needs the image pushed",
            &format!("docker push {tag}"),
        ],
        SLOW,
    );
    let screen = t.screen();
    assert!(
        screen.find("docker push") < screen.find("flowctl catalog publish"),
        "publishing comes only after the push:\n{screen}"
    );
    t.keys(&["q"]);
    t.assert_restored();

    let doc = support::read_valid_catalog(&out.path().join("airbyte-fixture.flow.yaml"));
    let endpoint = &doc["captures"]["acmeCo/airbyte-fixture"]["endpoint"];
    assert_eq!(endpoint["connector"]["image"], tag.as_str(), "{doc:#}");
    assert_eq!(
        endpoint["connector"]["config"],
        "airbyte-fixture.config.yaml"
    );
    assert!(endpoint.get("local").is_none(), "{doc:#}");
    let labels = std::process::Command::new("docker")
        .args([
            "image",
            "inspect",
            "--format",
            "{{ index .Config.Labels \"FLOW_RUNTIME_PROTOCOL\" }}",
            &tag,
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&labels.stdout).trim(), "capture");
    // And the catalog checks through the wrapped image.
    let ran = support::run_catwalk(
        out.path(),
        &["check", "--source", "airbyte-fixture.flow.yaml"],
    );
    assert_eq!(ran.code(), Some(0), "{}", ran.stderr());
    assert!(
        ran.stderr()
            .contains("where it can run: needs the image pushed"),
        "{}",
        ran.stderr()
    );
    support::assert_no_catwalk_containers();
}
