//! Command-line arguments of every verb (clap derive). Help texts are what `--help` shows: keep them exact.

use crate::connector::{self, Endpoint};
use crate::model::Protocol;
use clap::{Args, Parser, Subcommand};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// catwalk: from a connector image to a working Estuary Flow catalog.
#[derive(Debug, Parser)]
#[command(name = "catwalk", version, about, after_help = super::exit::help(), propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Show connector logs on stderr (-v: info, -vv: debug). By default only warnings and errors.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a connector's spec (config and resource schemas) as JSON.
    #[command(after_help = super::exit::help())]
    Spec(SpecArgs),
    /// Write a config stub on the first run; on later runs, discover resources into a Flow catalog (a
    /// capture), or bind the collections of catalogs in the directory (a materialization connector).
    #[command(after_help = super::exit::help())]
    Discover(DiscoverArgs),
    /// Check a catalog: its structure, each capture's and materialization's config and resources against the
    /// connector's schemas, then the connector's own validation, per binding.
    #[command(after_help = super::exit::help())]
    Check(CheckArgs),
    /// Run a catalog's capture and print its documents as `flowctl preview` does: one
    /// `["<collection>", <document>]` line each on stdout, a summary per binding on stderr. Every document
    /// is validated against its collection's schema and key.
    ///
    /// Each session applies and opens the capture with the state the last one left, and ends after its
    /// transactions (--sessions), --limit documents or --timeout, or when the connector finishes.
    #[command(after_help = super::exit::help())]
    Preview(PreviewArgs),
    /// Protect the plaintext configs of a catalog's tasks (or one config file) with sops, in place.
    ///
    /// By default only the fields the connector's schema marks secret are encrypted (renamed with `_sops`),
    /// the rest stays readable; --whole encrypts every value. A .sops.yaml next to the files is honoured.
    #[command(after_help = super::exit::help())]
    Encrypt(EncryptArgs),
    /// Speak Flow's connector protocol on stdin/stdout over a connector that speaks another protocol.
    ///
    /// `catwalk discover` writes Airbyte connectors and Singer taps into catalogs as local endpoints running
    /// this command, so that `catwalk check` and Flow's own tools can run them.
    Adapt(AdaptArgs),
    /// Make images Flow can run: `image wrap` builds a Flow connector image from an Airbyte one.
    #[command(after_help = super::exit::help())]
    Image(ImageArgs),
    /// Open a task of an existing catalog in the wizard: change its config, add, remove or disable
    /// bindings, review what a new discover changes, and save back into the same files (comments kept).
    #[command(after_help = super::exit::help())]
    Edit(EditArgs),
}

#[derive(Debug, Args)]
pub struct EditArgs {
    /// The catalog file (`<name>.flow.yaml`).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The capture or materialization to edit; needed when the file defines several.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Which connector to run, and how.
#[derive(Debug, Args, Clone)]
pub struct ConnectorArgs {
    /// Docker image of the connector, e.g. ghcr.io/estuary/source-postgres:v1 (pulled when absent, except `:local` tags).
    #[arg(
        long,
        value_name = "IMAGE",
        value_parser = non_empty,
        required_unless_present = "local",
        conflicts_with = "local"
    )]
    pub image: Option<String>,

    /// Run a local command instead of an image: give it after `--`, e.g. `--local -- source-faker`.
    #[arg(long, requires = "command")]
    pub local: bool,

    /// The local command and its arguments (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,

    /// Environment for a local command, KEY=VALUE (repeatable); also written into the catalog's local endpoint.
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env, requires = "local")]
    pub env: Vec<(String, String)>,

    #[command(flatten)]
    pub run: RunArgs,
}

/// How to run connectors (shared by every verb that runs one).
#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// The protocol the connector speaks: flow, airbyte or singer. By default read from image labels, or probed for local commands (a `tap-*` program is asked as Singer first).
    #[arg(long, value_name = "PROTOCOL")]
    pub protocol: Option<Protocol>,

    /// Docker network for connector containers (e.g. `host` to reach services on this machine's localhost).
    #[arg(long, default_value = "bridge", value_name = "NETWORK")]
    pub network: String,

    /// Limit for each connector run (not counting image pulls), e.g. 90s, 10m, 1h.
    #[arg(long, default_value = "10m", value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Duration,

    /// LOG_LEVEL given to connectors (trace, debug, info, warn, error).
    #[arg(long, default_value = "info", value_name = "LEVEL")]
    pub log_level: String,

    /// Accept an SSH server's host key not seen before (recording it in known_hosts). A changed key is
    /// always refused.
    #[arg(long)]
    pub accept_new_host_key: bool,

    /// The known_hosts file for SSH tunnels (default ~/.ssh/known_hosts).
    #[arg(long, value_name = "FILE", env = "CATWALK_KNOWN_HOSTS")]
    pub known_hosts: Option<PathBuf>,

    /// Ask the connector for its spec instead of reading the spec cache (~/.cache/catwalk/specs), and
    /// write nothing there; also CATWALK_NO_SPEC_CACHE=1. Local connectors get that variable too.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Args)]
pub struct SpecArgs {
    #[command(flatten)]
    pub connector: ConnectorArgs,
}

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    #[command(flatten)]
    pub connector: ConnectorArgs,

    /// Prefix of the capture and collection names, e.g. acmeCo/sales.
    #[arg(long, default_value = "acmeCo")]
    pub prefix: String,

    /// Directory for the files (default: the prefix).
    #[arg(long, value_name = "DIR")]
    pub directory: Option<PathBuf>,

    /// Name of the capture and its files (default: the image's last path segment without tag, or the command's name).
    #[arg(long)]
    pub name: Option<String>,

    /// Write even when another catalog in the directory defines the same collections or names the
    /// files this one would change (by default discover refuses, naming them).
    #[arg(long)]
    pub force: bool,

    /// Wrap the Airbyte --image for Flow as this tag (as `catwalk image wrap` does), discover through it, and
    /// write the capture with `endpoint: {connector: {image: TAG}}`: publishable once TAG is pushed.
    #[arg(long, value_name = "TAG", value_parser = non_empty, requires = "image")]
    pub wrap: Option<String>,

    /// Print what would change in the catalog (bindings added, vanished, changed, breaking) and the files
    /// that would be written, without writing anything.
    #[arg(long)]
    pub dry_run: bool,

    /// Materializations: a catalog file whose collections to bind (repeatable; its imports are followed).
    /// Default: every *.flow.yaml under the directory.
    #[arg(long = "source", value_name = "CATALOG")]
    pub sources: Vec<PathBuf>,

    /// Materializations: bindings use delta updates (the resource's `x-delta-updates` property).
    #[arg(long)]
    pub delta_updates: bool,

    /// Materializations: name each table's schema after the collection name's second-to-last segment
    /// (`acmeCo/public/orders` -> schema `public`, table `orders`), as Estuary's `withSchema` naming does.
    #[arg(long)]
    pub with_schema: bool,

    /// Materializations: leave out the bindings the connector rejects (by default they are written
    /// disabled, to fix and enable later).
    #[arg(long)]
    pub skip_invalid: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The catalog to check (a flow.yaml file; its imports are followed).
    #[arg(long, value_name = "FILE")]
    pub source: PathBuf,

    /// Check only this capture or materialization (repeatable). Default: all.
    #[arg(long = "name", value_name = "NAME")]
    pub names: Vec<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// The catalog (a flow.yaml file; its imports are followed).
    #[arg(long, value_name = "FILE")]
    pub source: PathBuf,

    /// The capture to run; needed when the catalog has several.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Sessions and their transactions, as flowctl counts them: `2,1,-1` runs three sessions, of two
    /// transactions, one, and unlimited (-1). Checkpoints that come together are one transaction.
    /// Default: one session, until the connector finishes or --timeout.
    #[arg(long, value_name = "COUNTS", allow_hyphen_values = true)]
    pub sessions: Option<crate::ops::preview::Sessions>,

    /// End each session at the checkpoint after this many documents (later documents of that transaction
    /// are counted and validated, not printed).
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,

    /// Also print each committed checkpoint's state update as `["connectorState", {"updated": .., "mergePatch": ..}]`.
    #[arg(long)]
    pub output_state: bool,

    /// The state of the first session, as JSON (default `{}`).
    #[arg(long, value_name = "JSON")]
    pub initial_state: Option<String>,

    /// Documents that do not match their collection's schema or lack its key are only warned about.
    #[arg(long)]
    pub allow_invalid: bool,

    // --timeout: how long each session runs at most; it then ends with its state kept.
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct EncryptArgs {
    /// A catalog (flow.yaml; the config files of its tasks are encrypted) or a single config file.
    #[arg(long, value_name = "FILE")]
    pub source: PathBuf,

    /// age recipient (public key, age1...) to encrypt for (repeatable).
    #[arg(long, value_name = "RECIPIENT")]
    pub age: Vec<String>,

    /// PGP fingerprint to encrypt for (repeatable).
    #[arg(long, value_name = "FINGERPRINT")]
    pub pgp: Vec<String>,

    /// AWS KMS key ARN to encrypt with (repeatable).
    #[arg(long, value_name = "ARN")]
    pub kms: Vec<String>,

    /// GCP KMS resource id to encrypt with (repeatable).
    #[arg(long, value_name = "ID")]
    pub gcp_kms: Vec<String>,

    /// Azure Key Vault key URL to encrypt with (repeatable).
    #[arg(long, value_name = "URL")]
    pub azure_kv: Vec<String>,

    /// HashiCorp Vault transit key URI to encrypt with (repeatable).
    #[arg(long, value_name = "URI")]
    pub hc_vault_transit: Vec<String>,

    /// Encrypt every value, not only the fields the connector marks secret (no connector is run).
    #[arg(long)]
    pub whole: bool,

    /// For a single config file: the connector image whose spec says which fields are secret.
    #[arg(long, value_name = "IMAGE", value_parser = non_empty, conflicts_with = "command")]
    pub image: Option<String>,

    /// For a single config file: the local connector command (after `--`) whose spec says which fields are secret.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct AdaptArgs {
    /// The protocol the wrapped connector speaks.
    #[arg(value_enum)]
    pub protocol: AdaptProtocol,

    /// Docker image of the wrapped connector.
    #[arg(
        long,
        value_name = "IMAGE",
        value_parser = non_empty,
        required_unless_present = "command",
        conflicts_with = "command"
    )]
    pub image: Option<String>,

    /// The wrapped local command (after `--`).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,

    /// Docker network for the wrapped connector.
    #[arg(long, default_value = "bridge")]
    pub network: String,

    /// Limit for each run of the wrapped connector.
    #[arg(long, default_value = "10m", value_parser = parse_duration)]
    pub timeout: Duration,
}

#[derive(Debug, Args)]
pub struct ImageArgs {
    #[command(subcommand)]
    pub command: ImageCommand,
}

#[derive(Debug, Subcommand)]
pub enum ImageCommand {
    /// Build a Flow capture image from an Airbyte connector image: FROM it, with a static catwalk whose
    /// `adapt airbyte` runs the image's own entrypoint, labelled FLOW_RUNTIME_PROTOCOL=capture and
    /// FLOW_RUNTIME_CODEC=json. The static catwalk is $CATWALK_STATIC_BINARY, else `catwalk-static` beside
    /// this catwalk, else this catwalk when it is statically linked (scripts/build-static makes one).
    Wrap(WrapArgs),
}

#[derive(Debug, Args)]
pub struct WrapArgs {
    /// The Airbyte connector image to wrap (pulled when absent, except `:local` tags).
    #[arg(long, value_name = "IMAGE", value_parser = non_empty)]
    pub image: String,

    /// The tag of the wrapped image, e.g. ghcr.io/acme/source-faker-flow:v1.
    #[arg(long, value_name = "TAG", value_parser = non_empty)]
    pub tag: String,

    /// Push the wrapped image to its registry, with your Docker credentials (~/.docker/config.json).
    #[arg(long)]
    pub push: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AdaptProtocol {
    Airbyte,
    Singer,
}

impl AdaptProtocol {
    pub fn protocol(self) -> Protocol {
        match self {
            AdaptProtocol::Airbyte => Protocol::Airbyte,
            AdaptProtocol::Singer => Protocol::Singer,
        }
    }
}

impl ConnectorArgs {
    pub fn endpoint(&self) -> Endpoint {
        match &self.image {
            Some(image) => Endpoint::Image(image.clone()),
            None => Endpoint::Local {
                command: self.command.clone(),
                env: self.env.iter().cloned().collect::<BTreeMap<_, _>>(),
            },
        }
    }
}

impl RunArgs {
    /// The host-key policy of `--accept-new-host-key` and `--known-hosts`.
    pub fn policy(&self) -> crate::tunnel::HostKeyPolicy {
        crate::ops::tunnel::policy(self.accept_new_host_key, self.known_hosts.clone())
    }

    pub fn options(&self) -> connector::Options {
        connector::Options {
            protocol: self.protocol,
            kind: None,
            network: self.network.clone(),
            timeout: self.timeout,
            log_level: self.log_level.clone(),
            logs: Some(super::output::log_sink()),
            pull: Some(super::output::pull_sink()),
            spec_cache: if self.no_cache {
                None
            } else {
                connector::SpecCache::from_env()
            },
            bypass_spec_cache: self.no_cache,
        }
    }
}

/// An option value that must say something (`--image ''` is a mistake, not an image).
fn non_empty(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(s.to_string())
    }
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got {s:?}")),
    }
}

/// `90`, `90s`, `5m`, `1h30m`, `500ms`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num
            .parse()
            .map_err(|_| format!("invalid duration {s:?}: expected e.g. 90s, 10m, 1h"))?;
        num.clear();
        total += match c {
            'h' => Duration::from_secs(n * 3600),
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                Duration::from_millis(n)
            }
            'm' => Duration::from_secs(n * 60),
            's' => Duration::from_secs(n),
            _ => {
                return Err(format!(
                    "invalid duration {s:?}: expected e.g. 90s, 10m, 1h"
                ));
            }
        };
    }
    if !num.is_empty() || total.is_zero() {
        return Err(format!(
            "invalid duration {s:?}: expected e.g. 90s, 10m, 1h"
        ));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("10x").is_err());
        assert!(parse_duration("m").is_err());
        assert!(parse_duration("5m3").is_err());
    }

    #[test]
    fn local_command_after_double_dash() {
        let cli = Cli::try_parse_from([
            "catwalk",
            "spec",
            "--local",
            "--env",
            "A=1",
            "--",
            "source-faker",
            "--flag",
        ])
        .unwrap();
        let Some(Command::Spec(a)) = cli.command else {
            panic!()
        };
        assert_eq!(
            a.connector.endpoint(),
            Endpoint::Local {
                command: vec!["source-faker".into(), "--flag".into()],
                env: BTreeMap::from([("A".into(), "1".into())]),
            }
        );
    }

    #[test]
    fn adapt_singer_parses() {
        let cli =
            Cli::try_parse_from(["catwalk", "adapt", "singer", "--", "tap-postgres"]).unwrap();
        let Some(Command::Adapt(a)) = cli.command else {
            panic!()
        };
        assert_eq!(a.protocol.protocol(), Protocol::Singer);
        assert_eq!(a.command, vec!["tap-postgres"]);
    }

    #[test]
    fn an_empty_image_is_a_usage_error() {
        for args in [
            &["catwalk", "spec", "--image", ""][..],
            &["catwalk", "discover", "--image", " "],
            &["catwalk", "adapt", "airbyte", "--image", ""],
        ] {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(
                err.exit_code(),
                super::super::exit::USAGE.code(),
                "{args:?}"
            );
            assert!(err.to_string().contains("must not be empty"), "{err}");
        }
    }

    #[test]
    fn image_and_local_conflict() {
        assert!(
            Cli::try_parse_from(["catwalk", "spec", "--image", "x", "--local", "--", "y"]).is_err()
        );
        assert!(Cli::try_parse_from(["catwalk", "spec"]).is_err());
        assert!(Cli::try_parse_from(["catwalk", "spec", "--local"]).is_err());
    }
}
