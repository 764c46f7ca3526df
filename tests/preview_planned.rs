//! The wizard's preview path through the library: the flow-fixture (a local Flow connector) discovered,
//! its capture planned in memory as the save would write it (`ops::preview::planned_task`), and run by
//! the very preview `catwalk preview` runs (`ops::preview::preview_task`): documents of each binding come,
//! validated against their planned collections, and nothing is written to disk.

mod support;

use catwalk::connector::{Connector, Endpoint, Options};
use catwalk::model::{ConnectorKind, Protocol};
use catwalk::ops::discover::{self, Target};
use catwalk::ops::preview::{self, Event, PreviewRequest, Sessions};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

#[tokio::test]
async fn a_planned_capture_previews_without_writing_anything() {
    let dir = support::temp_dir();
    let endpoint = Endpoint::Local {
        command: vec![support::fixture_bin().display().to_string()],
        env: BTreeMap::new(),
    };
    let options = Options {
        protocol: Some(Protocol::Flow),
        kind: Some(ConnectorKind::Capture),
        ..Options::default()
    };
    let config = support::fixture_config();
    let connector = Connector::open(endpoint.clone(), options.clone())
        .await
        .unwrap();
    let spec = connector.spec().await.unwrap();
    let found = discover::bindings(&connector, &config).await.unwrap();
    // The bindings the fixture proposes enabled, under the collection names the person chose.
    let chosen: Vec<_> = found.into_iter().filter(|b| !b.disable).collect();
    assert!(chosen.len() >= 2, "{chosen:?}");
    let targets: Vec<String> = chosen
        .iter()
        .map(|b| format!("acmeCo/wizard_{}", b.recommended_name))
        .collect();
    let target = Target {
        prefix: "acmeCo",
        name: "planned",
        endpoint: &endpoint,
        protocol: Protocol::Flow,
        network: None,
    };
    let (discovery, _) = discover::discovery(
        &target,
        chosen,
        Some(targets.clone()),
        spec.resource_path_pointers.clone(),
    );
    let task = preview::planned_task(discovery, config).unwrap();
    assert_eq!(task.name, "acmeCo/planned");
    let req = PreviewRequest {
        source: preview::UNSAVED.into(),
        name: None,
        sessions: Sessions::default(),
        limit: Some(6),
        session_timeout: Duration::from_secs(60),
        initial_state: Value::Object(Default::default()),
        options,
        host_keys: catwalk::ops::tunnel::policy(false, None),
        passphrase: None,
    };
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut on = |e: Event<'_>| -> std::io::Result<()> {
        if let Event::Document {
            collection,
            problem,
            ..
        } = e
        {
            *seen.entry(collection.to_string()).or_default() += 1;
            if let Some(p) = problem {
                problems.push(format!("{collection}: {p:?}"));
            }
        }
        Ok(())
    };
    // Run from an empty directory: the preview leaves it empty.
    std::env::set_current_dir(dir.path()).unwrap();
    let report = preview::preview_task(&task, req, &mut on).await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(report.invalid(), 0);
    assert!(report.documents() >= 6, "{report:?}");
    assert!(
        seen.keys().all(|c| targets.contains(c)),
        "documents go to the planned collections: {seen:?}"
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing is written"
    );
}
