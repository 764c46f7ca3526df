//! The user's registry credentials, as `docker push` finds them: `$DOCKER_CONFIG/config.json` (default
//! `~/.docker/config.json`): a credential helper for the registry (`credHelpers`), else the credential store
//! (`credsStore`), else the `auths` entry (base64 `user:password`, or an identity token). Nothing is cached.

use bollard::auth::DockerCredentials;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Docker Hub's key in config.json.
const DOCKER_HUB: &str = "https://index.docker.io/v1/";

/// Credentials for `registry` (`docker.io`, `ghcr.io`, `127.0.0.1:5000`), or `None` (an anonymous push).
pub fn credentials(registry: &str) -> Option<DockerCredentials> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".docker")))?;
    let text = std::fs::read_to_string(dir.join("config.json")).ok()?;
    let config: Value = serde_json::from_str(&text).ok()?;
    from_config(&config, registry, &helper)
}

/// A credential helper: `(helper name, server)` -> `(user name, secret)`.
pub type Helper = dyn Fn(&str, &str) -> Option<(String, String)>;

/// [`credentials`] from a parsed config.json; `helper(name, server)` runs `docker-credential-<name> get`.
pub fn from_config(config: &Value, registry: &str, helper: &Helper) -> Option<DockerCredentials> {
    let server = if registry == "docker.io" {
        DOCKER_HUB
    } else {
        registry
    };
    let with = |(username, secret): (String, String)| {
        // A helper answers `<token>` as the user name for identity tokens.
        if username == "<token>" {
            DockerCredentials {
                identitytoken: Some(secret),
                serveraddress: Some(server.to_string()),
                ..Default::default()
            }
        } else {
            DockerCredentials {
                username: Some(username),
                password: Some(secret),
                serveraddress: Some(server.to_string()),
                ..Default::default()
            }
        }
    };
    if let Some(name) = config
        .pointer(&format!("/credHelpers/{}", escape(registry)))
        .and_then(Value::as_str)
    {
        return helper(name, server).map(with);
    }
    if let Some(name) = config.get("credsStore").and_then(Value::as_str)
        && let Some(found) = helper(name, server)
    {
        return Some(with(found));
    }
    let auths = config.get("auths")?.as_object()?;
    let entry = auths.iter().find_map(|(k, v)| {
        let host = k
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or_default();
        (k == server || host == registry || (registry == "docker.io" && host == "index.docker.io"))
            .then_some(v)
    })?;
    if let Some(token) = entry.get("identitytoken").and_then(Value::as_str) {
        return Some(DockerCredentials {
            identitytoken: Some(token.to_string()),
            serveraddress: Some(server.to_string()),
            ..Default::default()
        });
    }
    let auth = entry.get("auth").and_then(Value::as_str)?;
    let decoded = data_encoding::BASE64.decode(auth.trim().as_bytes()).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some(with((user.to_string(), password.to_string())))
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `docker-credential-<name> get`, the server on stdin; its JSON answer's `Username` and `Secret`.
fn helper(name: &str, server: &str) -> Option<(String, String)> {
    let mut child = Command::new(format!("docker-credential-{name}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(server.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if !out.status.success() {
        return None;
    }
    let v: Value = serde_json::from_slice(&out.stdout).ok()?;
    Some((
        v.get("Username")?.as_str()?.to_string(),
        v.get("Secret")?.as_str()?.to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn none(_: &str, _: &str) -> Option<(String, String)> {
        None
    }

    #[test]
    fn auths_entries_are_decoded() {
        let config = json!({"auths": {
            "https://index.docker.io/v1/": {"auth": data_encoding::BASE64.encode(b"me:pw")},
            "ghcr.io": {"auth": data_encoding::BASE64.encode(b"gh:tok:en")},
        }});
        let hub = from_config(&config, "docker.io", &none).unwrap();
        assert_eq!(hub.username.as_deref(), Some("me"));
        assert_eq!(hub.password.as_deref(), Some("pw"));
        let gh = from_config(&config, "ghcr.io", &none).unwrap();
        assert_eq!(gh.password.as_deref(), Some("tok:en"));
        assert!(from_config(&config, "quay.io", &none).is_none());
    }

    #[test]
    fn helpers_come_first() {
        let config = json!({"credHelpers": {"ghcr.io": "gh"}, "credsStore": "desktop",
            "auths": {"ghcr.io": {"auth": data_encoding::BASE64.encode(b"old:pw")}}});
        let helper =
            |name: &str, server: &str| Some((format!("{name}-user"), format!("{server}-secret")));
        let gh = from_config(&config, "ghcr.io", &helper).unwrap();
        assert_eq!(gh.username.as_deref(), Some("gh-user"));
        let hub = from_config(&config, "docker.io", &helper).unwrap();
        assert_eq!(hub.username.as_deref(), Some("desktop-user"));
        assert_eq!(
            hub.password.as_deref(),
            Some("https://index.docker.io/v1/-secret")
        );
    }
}
