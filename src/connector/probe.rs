//! Finding the protocol of a local command in one run: it gets `spec` as its argument (Airbyte's verb) AND
//! Flow's spec request on stdin, a pipe, and whichever answer comes first says what it speaks. Airbyte
//! connectors ignore stdin; Flow connectors (Go, Rust, Estuary's Python CDK) ignore arguments. No connector
//! gets an empty or `/dev/null` stdin: Python's asyncio cannot watch `/dev/null`, and a CDK connector given
//! it waits forever.

use super::airbyte::{self, Message};
use super::error::ConnectorError;
use super::flow;
use super::process::{Arg, Invocation, Running};
use crate::model::{ConnectorKind, LogLevel, Spec};
use serde_json::Value;

/// The probing run: `spec` as the argument, stdin open for Flow's request.
pub(crate) fn invocation() -> Invocation {
    Invocation {
        args: vec![Arg::Lit("spec".into())],
        stdin: true,
        ..Default::default()
    }
}

/// Send Flow's spec request, then read stdout until an Airbyte SPEC message or a Flow spec response
/// arrives. Airbyte logs and traces go to the log, other lines are logged as text. Stdout ending without
/// an answer is `Io("")` (the caller words it with the exit).
pub(crate) async fn either_spec(
    run: &mut Running,
    kind: ConnectorKind,
    subject: &str,
) -> Result<Spec, ConnectorError> {
    let request = serde_json::to_vec(&flow::spec_request(true))
        .map_err(|e| ConnectorError::Io(e.to_string()))?;
    if let Err(e) = run.write_line(&request).await {
        // An Airbyte connector may have answered and exited before reading stdin.
        tracing::debug!("writing the spec request failed: {e}");
    }
    loop {
        let line = match run.next_line().await {
            Some(Ok(line)) => line,
            Some(Err(e)) => return Err(ConnectorError::Io(format!("reading from {subject}: {e}"))),
            None => return Err(ConnectorError::Io(String::new())),
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match answer(&line) {
            Answer::Flow(spec) => {
                let spec = serde_json::from_value(spec).map_err(|e| ConnectorError::Reported {
                    subject: subject.to_string(),
                    during: "during spec".into(),
                    message: format!("its spec response is not Flow's `spec`: {e}"),
                })?;
                return flow::parse_spec(spec, kind, subject);
            }
            Answer::Airbyte(Message::Spec(spec)) => return airbyte::map_spec(spec, subject),
            Answer::Airbyte(Message::Log(log)) => run.logs().log(log),
            Answer::Airbyte(Message::Error(e)) => run.logs().text(LogLevel::Error, e),
            Answer::Airbyte(Message::Stray(text)) => run.logs().text(LogLevel::Info, text),
            Answer::Airbyte(_) => {}
        }
    }
}

enum Answer {
    /// The `spec` of a Flow response.
    Flow(Value),
    Airbyte(Message),
}

/// A Flow response is an object without `type` that carries `spec`; anything else is read as Airbyte
/// (which logs what it does not know).
fn answer(line: &[u8]) -> Answer {
    if let Ok(Value::Object(mut obj)) = serde_json::from_slice::<Value>(line)
        && !obj.contains_key("type")
        && let Some(spec) = obj.remove("spec")
    {
        return Answer::Flow(spec);
    }
    Answer::Airbyte(airbyte::parse_line(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_flow_from_airbyte_answers() {
        assert!(matches!(
            answer(br#"{"spec":{"protocol":3032023,"configSchema":{}}}"#),
            Answer::Flow(_)
        ));
        assert!(matches!(
            answer(br#"{"type":"SPEC","spec":{"connectionSpecification":{}}}"#),
            Answer::Airbyte(Message::Spec(_))
        ));
        assert!(matches!(
            answer(br#"{"type": "LOG", "log": {"level": "INFO", "message": "hi"}}"#),
            Answer::Airbyte(Message::Log(_))
        ));
        assert!(matches!(
            answer(b"Starting up..."),
            Answer::Airbyte(Message::Stray(_))
        ));
    }
}
