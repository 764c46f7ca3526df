//! `catwalk image wrap`: build a Flow capture image from an Airbyte image (see `connector::wrap`), with build
//! and push progress on stderr, run it once with Flow's spec request, and say how to try it and what to do
//! next. `discover --wrap` uses [`wrap`].

use super::args::{ImageArgs, ImageCommand, WrapArgs};
use super::{Failure, Outcome, exit, output};
use crate::connector::wrap::{self, ImageProgress, Wrapped};
use crate::connector::{DockerHost, Endpoint, endpoint::shell_words};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;

pub async fn run(args: ImageArgs) -> Outcome {
    match args.command {
        ImageCommand::Wrap(a) => run_wrap(a).await,
    }
}

async fn run_wrap(args: WrapArgs) -> Outcome {
    let wrapped = wrap(&args.image, &args.tag).await?;
    // Run it once, as Flow would: it must answer Flow's spec.
    let opts = crate::connector::Options {
        logs: Some(output::log_sink()),
        ..Default::default()
    };
    let answered = async {
        crate::connector::Connector::open(Endpoint::Image(wrapped.tag.clone()), opts)
            .await?
            .spec()
            .await
    }
    .await;
    match answered {
        Ok(spec) if spec.protocol == crate::model::Protocol::Flow => output::note(&format!(
            "  {} it answers Flow's spec ({} config fields).",
            output::green("Checked:"),
            spec.config_schema
                .get("properties")
                .and_then(|p| p.as_object())
                .map_or(0, |p| p.len())
        )),
        Ok(_) => {
            return Err(Failure::new(
                exit::FAILED,
                format!(
                    "{} was built but is not read as a Flow connector",
                    wrapped.tag
                ),
            ));
        }
        Err(e) => {
            return Err(Failure::new(
                exit::of_connector(&e),
                format!(
                    "{} was built but does not answer Flow's spec: {e}\n  The image is kept to look into: `docker run -i --rm {}` with a spec request on stdin.",
                    wrapped.tag, wrapped.tag
                ),
            ));
        }
    }
    if args.push {
        push(&args.tag).await?;
    }
    let try_it = format!(
        "echo '{{\"spec\":{{\"connectorType\":\"IMAGE\",\"config\":{{}}}}}}' | docker run -i --rm {}",
        wrapped.tag
    );
    output::note(&format!(
        "  Try it: {try_it}\n  Next: {}`catwalk discover --image {} --wrap {}` writes a capture with this image as its endpoint.",
        if args.push {
            String::new()
        } else {
            format!(
                "push it (`docker push {}`, or run this again with --push); then ",
                wrapped.tag
            )
        },
        args.image,
        wrapped.tag
    ));
    Ok(exit::OK)
}

/// Wrap `image` as `tag`, with the build's steps on stderr; says what was built.
pub async fn wrap(image: &str, tag: &str) -> Result<Wrapped, Failure> {
    let binary = wrap::static_binary()?;
    let docker = DockerHost::connect().await?;
    output::note(&format!(
        "Wrapping {image} for Flow as {tag} (static catwalk: {}) ...",
        binary.display()
    ));
    let steps = |p: &ImageProgress| {
        if p.status.starts_with("Step ") || p.status.starts_with("Successfully") {
            output::note(&format!("  {}", p.status));
        } else {
            tracing::debug!(line = %p.status, "build");
        }
    };
    let wrapped = wrap::wrap(
        &docker,
        image,
        tag,
        &binary,
        Some(output::pull_sink()),
        &steps,
    )
    .await?;
    if let Some(old) = &wrapped.replaced {
        output::note(&format!(
            "  removed the older build {old}, which {tag} named before"
        ));
    }
    output::note(&format!(
        "{} {tag}: Flow capture (FLOW_RUNTIME_PROTOCOL=capture, FLOW_RUNTIME_CODEC=json), entrypoint `catwalk adapt airbyte -- {}`.",
        output::green("Built"),
        shell_words(&wrapped.entrypoint)
    ));
    Ok(wrapped)
}

/// Push `tag` with byte progress.
pub async fn push(tag: &str) -> Result<(), Failure> {
    let docker = DockerHost::connect().await?;
    output::note(&format!("Pushing {tag} ..."));
    let last = Mutex::new((String::new(), 0u64));
    let tty = std::io::stderr().is_terminal();
    let progress = |p: &ImageProgress| {
        let Ok(mut last) = last.lock() else { return };
        if tty && p.total > 0 && p.done != last.1 {
            last.1 = p.done;
            eprint!(
                "\r\x1b[2K  {} / {} ({})",
                output::bytes(p.done),
                output::bytes(p.total),
                p.status
            );
            let _ = std::io::stderr().flush();
        } else if !tty && p.status != last.0 && !p.status.starts_with("Pushing") {
            last.0 = p.status.clone();
            output::note(&format!("  {}", p.status));
        }
    };
    wrap::push(&docker, tag, &progress).await?;
    if tty {
        eprint!("\r\x1b[2K");
    }
    output::note(&format!("{} {tag}.", output::green("Pushed")));
    Ok(())
}
