//! Step 4 (SSH tunnel), pure `update` tests through the public API: a connector with its own
//! `networkTunnel` (Enter skips; filled, it lands in the config), and a tunnel catwalk runs (target
//! suggested from the config, the key read from a file by a command, the fields to rewrite confirmed).

mod tui_config_support;

use catwalk::tui::msg::{Cmd, FileText, Msg, TaskMsg};
use catwalk::tui::state::{State, StepId};
use catwalk::tui::steps::tunnel::TunnelAnswer;
use catwalk::tui::widgets::form_rows::RowKind;
use ratatui::crossterm::event::KeyCode;
use serde_json::json;
use tui_config_support::*;

#[test]
fn the_connectors_own_tunnel_is_skipped_with_enter_or_filled() {
    let mut s = at_config(shared_schema("estuary/source-postgres"), 80, 24);
    assert!(
        s.config
            .ui
            .rows
            .iter()
            .any(|r| r.kind == RowKind::Note && r.title.contains("SSH tunnel"))
    );
    focus(&mut s, "/address");
    send(&mut s, typed("db.internal:5432"));
    focus(&mut s, "/credentials/password");
    send(&mut s, typed("pw"));
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Tunnel, "{:?}", s.config.ui.problems);
    assert!(s.tunnel.builtin.is_some());
    // Enter skips: no tunnel.
    let mut skip = s.clone();
    send(&mut skip, [key(KeyCode::Enter)]);
    assert_eq!(skip.step, StepId::Check);
    assert_eq!(skip.answers.tunnel, Some(TunnelAnswer::None));
    // Or choose the tunnel, and fill it.
    send(&mut s, [key(KeyCode::Right)]);
    assert!(!s.tunnel.is_off());
    send(&mut s, [key(KeyCode::Tab)]);
    assert_eq!(s.tunnel.ui.focused().unwrap().pointer, "/sshEndpoint");
    send(&mut s, typed("bastion.example.com"));
    assert!(
        s.tunnel.ui.errors["/sshEndpoint"].contains("ssh://"),
        "{:?}",
        s.tunnel.ui.errors
    );
    send(&mut s, [key(KeyCode::Home)]);
    send(&mut s, typed("ssh://flow@"));
    assert!(!s.tunnel.ui.errors.contains_key("/sshEndpoint"));
    send(
        &mut s,
        [
            key(KeyCode::Tab),
            Msg::Paste("ssh-ed25519 AAAAC3Nz me@laptop".into()),
            key(KeyCode::Esc),
        ],
    );
    assert!(s.tunnel.ui.errors["/privateKey"].contains("public key"));
    send(&mut s, [key(KeyCode::Enter), ctrl('l')]);
    send(&mut s, [Msg::Paste(KEY.into()), key(KeyCode::Esc)]);
    assert!(!s.tunnel.ui.errors.contains_key("/privateKey"));
    let cmds = send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Check);
    let config = s.answers.config.clone().unwrap();
    assert_eq!(
        config["networkTunnel"]["sshForwarding"]["sshEndpoint"],
        "ssh://flow@bastion.example.com"
    );
    assert!(
        config["networkTunnel"]["sshForwarding"]["privateKey"]
            .as_str()
            .unwrap()
            .contains("OPENSSH")
    );
    match s.answers.tunnel.clone().unwrap() {
        TunnelAnswer::Connector(f) => assert_eq!(f.ssh_endpoint, "ssh://flow@bastion.example.com"),
        other => panic!("{other:?}"),
    }
    for d in drafts(&cmds) {
        assert!(
            d.contains("bastion.example.com") && !d.contains("OPENSSH") && !d.contains("\"pw\""),
            "{d}"
        );
    }
}

#[test]
fn a_catwalk_tunnel_suggests_its_target_from_the_config() {
    let mut s = fixture(80, 24);
    fill_required(&mut s);
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Tunnel);
    assert!(s.tunnel.builtin.is_none());
    assert!(s.tunnel.is_off());
    send(&mut s, [ch(' ')]);
    send(&mut s, [key(KeyCode::Down), key(KeyCode::Enter)]);
    let form = s.tunnel.form.clone().unwrap().to_config();
    assert_eq!(form["forwardHost"], "db.internal");
    assert_eq!(form["forwardPort"], 5432);
    assert_eq!(form["rewrite"], json!({"/host": true, "/port": true}));
    focus(&mut s, "/sshEndpoint");
    send(&mut s, typed("ssh://flow@bastion:2222"));
    // The key from a file: Ctrl-O offers ~/.ssh/id_ed25519 and reads it through a command.
    send(&mut s, [key(KeyCode::Tab), ctrl('o')]);
    let cmds = send(&mut s, [key(KeyCode::Enter)]);
    let id = match &cmds[..] {
        [Cmd::ReadFile(id, p)] if p == "~/.ssh/id_ed25519" => *id,
        other => panic!("{other:?}"),
    };
    send(
        &mut s,
        [Msg::Task(
            id,
            TaskMsg::FileRead(Ok(FileText {
                path: "/root/.ssh/id_ed25519".into(),
                text: KEY.into(),
            })),
        )],
    );
    let notice = s.tunnel.notice.clone().unwrap();
    assert!(
        notice
            .text
            .contains("Read the private key from /root/.ssh/id_ed25519"),
        "{notice:?}"
    );
    assert!(!render(&s).contains("OPENSSH"));
    // Not the port: the tunnel would rewrite only the host.
    focus(&mut s, "/rewrite/~1port");
    send(&mut s, [ch(' ')]);
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Check, "{:?}", s.tunnel.ui.problems);
    match s.answers.tunnel.clone().unwrap() {
        TunnelAnswer::Catwalk(t) => {
            assert_eq!(
                (t.forward_host.as_str(), t.forward_port),
                ("db.internal", 5432)
            );
            assert_eq!(t.rewrite, vec!["/host".to_string()]);
            assert!(t.private_key.0.contains("OPENSSH"));
            assert_eq!(format!("{:?}", t.private_key), "\"****\"");
        }
        other => panic!("{other:?}"),
    }
    // Saved with the config in the shape the commands read: the older sshForwarding plus `rewrite`.
    let nt = s.answers.config.clone().unwrap()["networkTunnel"].clone();
    assert_eq!(nt["rewrite"], json!(["/host"]));
    assert_eq!(
        nt["sshForwarding"]["sshEndpoint"],
        "ssh://flow@bastion:2222"
    );
    assert_eq!(nt["sshForwarding"]["forwardHost"], "db.internal");
    assert_eq!(nt["sshForwarding"]["forwardPort"], 5432);
    assert!(
        nt["sshForwarding"]["privateKey"]
            .as_str()
            .unwrap()
            .contains("OPENSSH")
    );
    assert!(nt["sshForwarding"].get("keyPassphrase").is_none());
    // Back to step 4, "No tunnel": it is gone from the config.
    send(&mut s, [key(KeyCode::Esc)]);
    assert_eq!(s.step, StepId::Tunnel);
    send(&mut s, (0..20).map(|_| key(KeyCode::PageUp)));
    send(&mut s, [ch(' '), key(KeyCode::Up), key(KeyCode::Enter)]);
    assert!(s.tunnel.is_off(), "{}", render(&s));
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.answers.tunnel, Some(TunnelAnswer::None));
    assert!(
        s.answers
            .config
            .clone()
            .unwrap()
            .get("networkTunnel")
            .is_none()
    );
}

#[test]
fn suggestions_follow_the_config_until_edited() {
    let mut s = fixture(80, 24);
    fill_required(&mut s);
    send(&mut s, [ctrl('n'), key(KeyCode::Right)]);
    let form = |s: &State| s.tunnel.form.clone().unwrap().to_config();
    assert_eq!(form(&s)["forwardHost"], "db.internal");
    focus(&mut s, "/forwardPort");
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("6432"));
    // Back in step 3 the host and the port change; step 4 follows the host, keeps the port typed.
    send(&mut s, [key(KeyCode::Esc)]);
    focus(&mut s, "/host");
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("db.other"));
    focus(&mut s, "/port");
    send(&mut s, [ctrl('u')]);
    send(&mut s, typed("5433"));
    send(&mut s, [ctrl('n')]);
    assert_eq!(s.step, StepId::Tunnel);
    assert_eq!(form(&s)["tunnel"], "catwalk", "the choice is kept");
    assert_eq!(form(&s)["forwardHost"], "db.other");
    assert_eq!(form(&s)["forwardPort"], 6432);
}
