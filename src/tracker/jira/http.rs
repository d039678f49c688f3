//! JSON over HTTPS to Jira with ureq (blocking, no async runtime): the
//! credentials from the environment, bounded answers, bounded retries on
//! 429, and errors that name the request and status and say what to do.

use crate::tracker::error::{Error, server_text};
use serde_json::Value;
use std::time::Duration;

/// The most bytes read from one answer.
const MAX_BODY: u64 = 16 * 1024 * 1024;
/// Retries of a request answered 429 (or 503 with `Retry-After`).
const MAX_RETRIES: u32 = 4;
/// The longest single wait, and all the waiting one request may do.
const MAX_WAIT: Duration = Duration::from_secs(60);
const MAX_TOTAL_WAIT: Duration = Duration::from_secs(180);

/// How requests authenticate. `Debug` never shows the secret.
pub enum Auth {
    /// Jira Cloud: `JIRA_EMAIL` and `JIRA_API_TOKEN`, as HTTP basic.
    Basic(String),
    /// Jira Server and Data Center: a personal access token, `JIRA_TOKEN`.
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Basic(_) => f.write_str("Auth::Basic(<redacted>)"),
            Auth::Bearer(_) => f.write_str("Auth::Bearer(<redacted>)"),
        }
    }
}

impl Auth {
    /// From the environment: `JIRA_EMAIL` + `JIRA_API_TOKEN` first, else
    /// `JIRA_TOKEN`. Empty values count as unset.
    pub fn from_env() -> Result<Auth, Error> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        match (var("JIRA_EMAIL"), var("JIRA_API_TOKEN"), var("JIRA_TOKEN")) {
            (Some(email), Some(token), _) => Ok(Auth::basic(&email, &token)),
            (_, _, Some(token)) => Ok(Auth::bearer(&token)),
            (Some(_), None, None) => Err(Error::Setup(
                "JIRA_EMAIL is set but JIRA_API_TOKEN is not: Jira Cloud needs both (an API token from https://id.atlassian.com/manage-profile/security/api-tokens)".into(),
            )),
            _ => Err(Error::Setup(
                "no Jira credentials in the environment: set JIRA_EMAIL and JIRA_API_TOKEN (Jira Cloud), or JIRA_TOKEN (a Server/Data Center personal access token)".into(),
            )),
        }
    }

    /// HTTP basic with an account's email and API token (Jira Cloud).
    pub fn basic(email: &str, token: &str) -> Auth {
        Auth::Basic(format!(
            "Basic {}",
            base64(format!("{}:{}", email.trim(), token.trim()).as_bytes())
        ))
    }

    /// A personal access token (Jira Server and Data Center).
    pub fn bearer(token: &str) -> Auth {
        Auth::Bearer(format!("Bearer {}", token.trim()))
    }

    fn header(&self) -> &str {
        match self {
            Auth::Basic(h) | Auth::Bearer(h) => h,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
        }
    }
}

#[derive(Debug)]
pub struct Http {
    agent: ureq::Agent,
    /// The site, without a trailing slash.
    pub site: String,
    auth: Auth,
    /// The project, for hints.
    project: String,
}

impl Http {
    /// A client of the Jira site at `site`. Plain `http://` is refused
    /// except to this machine: the credentials would cross the network in
    /// clear.
    pub fn new(site: &str, auth: Auth, project: &str) -> Result<Http, Error> {
        let site = site.trim().trim_end_matches('/').to_string();
        let rest = if let Some(r) = site.strip_prefix("https://") {
            r
        } else if let Some(r) = site.strip_prefix("http://") {
            let host = r.split(['/', ':']).next().unwrap_or("");
            if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
                return Err(Error::Setup(format!(
                    "the Jira site `{}` is plain http: the credentials would cross the network unencrypted; use https://",
                    server_text(&site)
                )));
            }
            r
        } else {
            return Err(Error::Setup(format!(
                "the Jira site `{}` is not an http(s) URL; set trackers.jira.url (or --jira-url) to e.g. https://example.atlassian.net",
                server_text(&site)
            )));
        };
        if rest.is_empty() || rest.contains(['?', '#', '@', ' ']) {
            return Err(Error::Setup(format!(
                "the Jira site `{}` is not a plain site address (no user, query or fragment)",
                server_text(&site)
            )));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .user_agent(concat!("aegis/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Http {
            agent,
            site,
            auth,
            project: project.to_string(),
        })
    }

    /// Sends `body` (JSON) to `path` (`/rest/api/3/...`) and returns the
    /// JSON answer (`null` for an empty one).
    pub fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value, Error> {
        let url = format!("{}{path}", self.site);
        let request = format!("{} {url}", method.as_str());
        let payload = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
        let mut waited = Duration::ZERO;
        let mut retries = 0;
        loop {
            let sent = match method {
                Method::Get => self
                    .agent
                    .get(&url)
                    .header("Authorization", self.auth.header())
                    .header("Accept", "application/json")
                    .call(),
                Method::Post | Method::Put => {
                    let b = if method == Method::Post {
                        self.agent.post(&url)
                    } else {
                        self.agent.put(&url)
                    };
                    b.header("Authorization", self.auth.header())
                        .header("Accept", "application/json")
                        .header("Content-Type", "application/json")
                        .send(payload.as_deref().unwrap_or(b"{}"))
                }
            };
            let mut response = sent.map_err(|e| Error::Network {
                request: request.clone(),
                message: server_text(&e.to_string()),
            })?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .map(server_text);
            let text = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_string()
                .map_err(|e| Error::Network {
                    request: request.clone(),
                    message: server_text(&e.to_string()),
                })?;
            let limited = status == 429 || (status == 503 && retry_after.is_some());
            if limited {
                if retries >= MAX_RETRIES {
                    return Err(Error::RateLimited { request, retries });
                }
                let wait = Duration::from_secs(retry_after.unwrap_or(1 << retries)).min(MAX_WAIT);
                if waited + wait > MAX_TOTAL_WAIT {
                    return Err(Error::RateLimited { request, retries });
                }
                eprintln!(
                    "aegis: Jira rate limit on {request}; waiting {} s (retry {} of {MAX_RETRIES})",
                    wait.as_secs(),
                    retries + 1
                );
                std::thread::sleep(wait);
                waited += wait;
                retries += 1;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(Error::Status {
                    request,
                    status,
                    message: jira_message(&text),
                    hint: self.hint(status, path, location.as_deref()),
                });
            }
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).map_err(|e| Error::Answer {
                request,
                message: format!("not JSON ({e})"),
            });
        }
    }

    fn hint(&self, status: u16, path: &str, location: Option<&str>) -> Option<String> {
        let project = server_text(&self.project);
        Some(match status {
            300..=399 => format!(
                "the site redirects{}; set trackers.jira.url to the address Jira answers on",
                location.map(|l| format!(" to {l}")).unwrap_or_default()
            ),
            400 => "Jira refused the fields: a field Aegis sets (summary, description, labels) must be on the project's create and edit screens, and the issue type must exist in the project (trackers.jira.issue_type)".into(),
            401 => "Jira did not accept the credentials: for Jira Cloud set JIRA_EMAIL to the account's email and JIRA_API_TOKEN to an API token of that account; for Server/Data Center set JIRA_TOKEN to a personal access token. Check that the token has not expired or been revoked".into(),
            403 => format!(
                "the account lacks a permission in project {project}: it needs Browse Projects, Create Issues, Edit Issues, Transition Issues and Add Comments (Project settings → Permissions)"
            ),
            404 => format!(
                "check trackers.jira.url (the site), the project key `{project}` and api_version (3 for Jira Cloud, 2 for Server/Data Center); Jira also answers 404 for an issue or project the account cannot see"
            ),
            410 if path.contains("/search") => "this search endpoint is gone from Jira Cloud: use api_version 3 (which searches with /rest/api/3/search/jql)".into(),
            _ => return None,
        })
    }
}

/// Jira's `errorMessages` and `errors`, as one line.
fn jira_message(text: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return server_text(text.get(..text.len().min(300)).unwrap_or(""));
    };
    let mut parts = super::strings(v.get("errorMessages"));
    if let Some(errors) = v.get("errors").and_then(Value::as_object) {
        let mut fields: Vec<String> = errors
            .iter()
            .map(|(k, m)| format!("{k}: {}", m.as_str().unwrap_or("invalid")))
            .collect();
        fields.sort();
        parts.extend(fields);
    }
    if parts.is_empty()
        && let Some(m) = v.get("message").and_then(Value::as_str)
    {
        parts.push(m.to_string());
    }
    server_text(&parts.join("; "))
}

/// Path segments are encoded as for GitHub: every byte outside the
/// unreserved set percent-encoded.
pub use crate::github::path::segment;

/// Standard base64 with padding (for HTTP basic authentication).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.len();
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= n {
                out.push(ALPHABET[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let a = Auth::Bearer("Bearer s3cret".into());
        assert!(!format!("{a:?}").contains("s3cret"));
    }

    #[test]
    fn plain_http_only_to_this_machine() {
        let auth = || Auth::Bearer("Bearer x".into());
        assert!(Http::new("http://127.0.0.1:8080", auth(), "SEC").is_ok());
        assert!(Http::new("http://jira.example.com", auth(), "SEC").is_err());
        assert!(Http::new("https://u:p@jira.example.com", auth(), "SEC").is_err());
        assert_eq!(segment("SEC-1/../x"), "SEC-1%2F..%2Fx");
    }

    #[test]
    fn jira_errors_read_as_one_line() {
        assert_eq!(
            jira_message(
                r#"{"errorMessages":["No project"],"errors":{"labels":"not on screen","a":"b"}}"#
            ),
            "No project; a: b; labels: not on screen"
        );
    }
}
