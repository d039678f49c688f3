//! The synchronous client: settings, one request with retries, JSON
//! helpers and pagination. See the module docs of [`crate::github`].

use super::error::{Error, Method, status_error};
use super::link;
use super::retry::{self, Decision, RetryPolicy};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::Cell;
use std::time::{Duration, Instant};

/// The largest response body read; GitHub's largest JSON pages are a few
/// hundred kilobytes.
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// The most pages [`Client::get_all`] follows (100 items each).
pub const MAX_PAGES: usize = 100;
const DEFAULT_API: &str = "https://api.github.com";
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// A token from the environment. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(value: String) -> Self {
        Token(value)
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// How to reach GitHub.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The REST API root, e.g. `https://api.github.com` or `https://HOST/api/v3`.
    pub api_url: String,
    pub token: Option<Token>,
    /// The name of the variable the token came from (for messages).
    pub token_env: String,
    pub retry: RetryPolicy,
    /// The least time between two writes.
    pub write_interval: Duration,
    /// Refuse every write (commands print them instead).
    pub dry_run: bool,
}

impl Settings {
    /// Settings from the flags and the environment: `api_url` (else
    /// `GITHUB_API_URL`, else api.github.com), the token from the variable
    /// `token_env`, the test hooks described in the module docs.
    pub fn from_env(api_url: Option<&str>, token_env: &str, dry_run: bool) -> Result<Self, Error> {
        let api_url = match api_url {
            Some(u) if !u.is_empty() => u.to_string(),
            _ => std::env::var("GITHUB_API_URL")
                .ok()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| DEFAULT_API.to_string()),
        };
        check_api_url(&api_url)?;
        let token = std::env::var(token_env)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .map(|t| Token(t.trim().to_string()));
        let mut retry = RetryPolicy::default();
        if let Some(secs) = env_u64("AEGIS_GITHUB_MAX_WAIT")? {
            retry.max_wait = secs;
        }
        if let Some(ms) = env_u64("AEGIS_GITHUB_SECOND_MS")? {
            retry.second = Duration::from_millis(ms);
        }
        let write_interval = match env_u64("AEGIS_GITHUB_WRITE_INTERVAL_MS")? {
            Some(ms) => Duration::from_millis(ms),
            None => Duration::from_secs(1),
        };
        Ok(Settings {
            api_url,
            token,
            token_env: token_env.to_string(),
            retry,
            write_interval,
            dry_run,
        })
    }
}

fn env_u64(name: &str) -> Result<Option<u64>, Error> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v.trim().parse().map(Some).map_err(|_| {
            Error::Config(format!(
                "{name} must be a whole number, not {:?}",
                crate::output::escape::text(&v)
            ))
        }),
        _ => Ok(None),
    }
}

/// `https://` anywhere, `http://` only to this machine: a token sent in
/// clear text to a remote host is a leaked token.
fn check_api_url(url: &str) -> Result<(), Error> {
    let shown = crate::output::escape::text(url);
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        let host = origin_host(r);
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            return Err(Error::Config(format!(
                "the GitHub API URL {shown} is plain http to another machine; use https:// (the token would travel in clear text)"
            )));
        }
        r
    } else {
        return Err(Error::Config(format!(
            "the GitHub API URL {shown} must start with https:// (e.g. https://api.github.com or https://HOST/api/v3)"
        )));
    };
    if origin_host(rest).is_empty() || rest.contains(['?', '#', ' ']) {
        return Err(Error::Config(format!(
            "the GitHub API URL {shown} is not a URL of the form https://HOST[/PATH]"
        )));
    }
    Ok(())
}

/// The host (without port) at the start of `rest` (what follows `scheme://`).
fn origin_host(rest: &str) -> &str {
    let authority = rest.split('/').next().unwrap_or("");
    if authority.starts_with('[') {
        return authority
            .split(']')
            .next()
            .map_or("", |h| &authority[..h.len() + 1]);
    }
    authority.split(':').next().unwrap_or("")
}

/// A response: status, headers (names lower-case) and body.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A response for unit tests.
    #[cfg(test)]
    pub(crate) fn fake(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_string(),
        }
    }
}

/// The blocking GitHub client. Not `Sync`: one command, one thread.
pub struct Client {
    rt: tokio::runtime::Runtime,
    octo: octocrab::Octocrab,
    /// `scheme://authority` of the API (pagination links must match it).
    origin: String,
    /// The API's path prefix without a trailing slash (`/api/v3` on GHES).
    prefix: String,
    has_token: bool,
    token_env: String,
    policy: RetryPolicy,
    write_interval: Duration,
    last_write: Cell<Option<Instant>>,
    dry_run: bool,
    writes: Cell<usize>,
    requests: Cell<usize>,
}

impl Client {
    pub fn new(settings: Settings) -> Result<Self, Error> {
        check_api_url(&settings.api_url)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Config(format!("cannot start the HTTP runtime: {e}")))?;
        let api = settings.api_url.trim_end_matches('/').to_string();
        let token = settings.token.clone();
        // octocrab panics when built outside a runtime: build it inside.
        let octo = rt
            .block_on(async move {
                let b = octocrab::Octocrab::builder()
                    .base_uri(api.as_str())?
                    .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
                    .set_connect_timeout(Some(CONNECT_TIMEOUT))
                    .set_read_timeout(Some(READ_TIMEOUT));
                match token {
                    Some(t) => b.personal_token(t.0).build(),
                    None => b.build(),
                }
            })
            .map_err(|e| Error::Config(format!("cannot set up the GitHub client: {e}")))?;
        let url = settings.api_url.trim_end_matches('/');
        let scheme_end = url.find("://").map_or(0, |i| i + 3);
        let path_start = url[scheme_end..]
            .find('/')
            .map_or(url.len(), |i| scheme_end + i);
        Ok(Client {
            rt,
            octo,
            origin: url[..path_start].to_string(),
            prefix: url[path_start..].to_string(),
            has_token: settings.token.is_some(),
            token_env: settings.token_env,
            policy: settings.retry,
            write_interval: settings.write_interval,
            last_write: Cell::new(None),
            dry_run: settings.dry_run,
            writes: Cell::new(0),
            requests: Cell::new(0),
        })
    }

    /// Whether writes are refused (`--dry-run`).
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// Whether a token was found; commands that write need one.
    pub fn has_token(&self) -> bool {
        self.has_token
    }

    /// Fails with a message naming the variable when there is no token.
    pub fn require_token(&self) -> Result<(), Error> {
        if self.has_token {
            Ok(())
        } else {
            Err(Error::MissingToken {
                var: self.token_env.clone(),
            })
        }
    }

    /// Requests sent so far (retries included), and of them writes.
    pub fn counts(&self) -> (usize, usize) {
        (self.requests.get(), self.writes.get())
    }

    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Error> {
        let res = self.send(Method::Get, path, None)?;
        decode(Method::Get, path, &res)
    }

    /// GET that maps 404 to `None`.
    pub fn get_optional<T: DeserializeOwned>(&self, path: &str) -> Result<Option<T>, Error> {
        match self.send(Method::Get, path, None) {
            Ok(res) => decode(Method::Get, path, &res).map(Some),
            Err(Error::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every item of a list endpoint, following `Link: rel="next"`.
    pub fn get_all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, Error> {
        let mut next = if path.contains("per_page=") {
            path.to_string()
        } else if path.contains('?') {
            format!("{path}&per_page=100")
        } else {
            format!("{path}?per_page=100")
        };
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let res = self.send(Method::Get, &next, None)?;
            let page: Vec<T> = decode(Method::Get, &next, &res)?;
            items.extend(page);
            match res.header("link").and_then(link::next) {
                Some(url) => next = self.relative(&url, path)?,
                None => return Ok(items),
            }
        }
        Err(Error::TooManyPages {
            path: path.to_string(),
            pages: MAX_PAGES,
        })
    }

    pub fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        self.write(Method::Post, path, body)
    }

    pub fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        self.write(Method::Patch, path, body)
    }

    pub fn put<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        self.write(Method::Put, path, body)
    }

    /// DELETE; GitHub answers 204 with no body.
    pub fn delete(&self, path: &str) -> Result<(), Error> {
        self.send(Method::Delete, path, None).map(|_| ())
    }

    fn write<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<T, Error> {
        let body = serde_json::to_value(body).map_err(|e| Error::Decode {
            method,
            path: path.to_string(),
            detail: format!("cannot serialise the request body: {e}"),
        })?;
        let res = self.send(method, path, Some(&body))?;
        if res.body.trim().is_empty() {
            // 204 No Content: decode `null` so `()` and `Option<_>` work.
            return serde_json::from_str("null").map_err(|e| Error::Decode {
                method,
                path: path.to_string(),
                detail: format!("empty response: {e}"),
            });
        }
        decode(method, path, &res)
    }

    /// One request with the retry policy; a non-2xx final answer is an
    /// [`Error::Status`].
    pub fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, Error> {
        if !path.starts_with('/') || path.contains("://") || path.contains(['\r', '\n', ' ', '#']) {
            return Err(Error::Config(format!(
                "not an API path: {:?}",
                crate::output::escape::text(path)
            )));
        }
        if method.is_write() && self.dry_run {
            return Err(Error::DryRun {
                method,
                path: path.to_string(),
            });
        }
        let mut state = retry::State::default();
        loop {
            if method.is_write() {
                self.pace();
            }
            self.requests.set(self.requests.get() + 1);
            if method.is_write() {
                self.writes.set(self.writes.get() + 1);
            }
            let outcome = self.send_once(method, path, body);
            if method.is_write() {
                self.last_write.set(Some(Instant::now()));
            }
            let decision = retry::decide(&self.policy, &mut state, method, &outcome);
            match decision {
                Decision::Done => {
                    return match outcome {
                        Ok(res) if res.is_success() => Ok(res),
                        Ok(res) => Err(status_error(method, path, &res)),
                        Err(detail) => Err(Error::Transport {
                            method,
                            path: path.to_string(),
                            detail,
                        }),
                    };
                }
                Decision::Wait { seconds, why } => {
                    eprintln!(
                        "GitHub: {why} on {method} {path}; retrying in {seconds} s (retry {} of {})",
                        state.retries, self.policy.max_retries
                    );
                    std::thread::sleep(self.policy.second.saturating_mul(seconds as u32));
                }
                Decision::GiveUp {
                    why,
                    waited,
                    wanted,
                } => {
                    return Err(Error::RetryBudget {
                        method,
                        path: path.to_string(),
                        why,
                        retries: state.retries,
                        waited,
                        wanted,
                        last: outcome
                            .ok()
                            .map(|r| Box::new(status_error(method, path, &r))),
                    });
                }
            }
        }
    }

    /// Sleeps so that writes are at least `write_interval` apart.
    fn pace(&self) {
        if let Some(last) = self.last_write.get() {
            let since = last.elapsed();
            if since < self.write_interval {
                std::thread::sleep(self.write_interval - since);
            }
        }
    }

    fn send_once(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Response, String> {
        let uri = format!("{}{}", self.prefix, path);
        let octo = &self.octo;
        self.rt.block_on(async {
            let res = match method {
                Method::Get => octo._get(uri.as_str()).await,
                Method::Post => octo._post(uri.as_str(), body).await,
                Method::Patch => octo._patch(uri.as_str(), body).await,
                Method::Put => octo._put(uri.as_str(), body).await,
                Method::Delete => octo._delete(uri.as_str(), body).await,
            }
            .map_err(|e| transport_detail(&e))?;
            let status = res.status().as_u16();
            let headers = res
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            let limited = http_body_util::Limited::new(res.into_body(), MAX_BODY);
            let bytes = http_body_util::BodyExt::collect(limited)
                .await
                .map_err(|e| format!("reading the response: {e}"))?
                .to_bytes();
            Ok(Response {
                status,
                headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            })
        })
    }

    /// A `next` link as an API path (without the base prefix), refusing
    /// any other origin: the token goes wherever the link points.
    fn relative(&self, url: &str, first: &str) -> Result<String, Error> {
        let refused = || Error::BadLink {
            path: first.to_string(),
            link: url.chars().take(200).collect(),
        };
        let rest = url.strip_prefix(&self.origin).ok_or_else(refused)?;
        if !rest.starts_with('/') {
            return Err(refused());
        }
        let rest = rest.strip_prefix(&self.prefix).ok_or_else(refused)?;
        if !rest.starts_with('/') || rest.contains(['\r', '\n', ' ', '#']) {
            return Err(refused());
        }
        Ok(rest.to_string())
    }
}

/// A transport failure in words, without anything from the request
/// headers (octocrab's errors carry none; the token is never in them).
fn transport_detail(e: &octocrab::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}

fn decode<T: DeserializeOwned>(method: Method, path: &str, res: &Response) -> Result<T, Error> {
    serde_json::from_str(&res.body).map_err(|e| Error::Decode {
        method,
        path: path.to_string(),
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_urls_must_be_https_unless_local() {
        assert!(check_api_url("https://api.github.com").is_ok());
        assert!(check_api_url("https://ghe.example.com/api/v3/").is_ok());
        assert!(check_api_url("http://127.0.0.1:8080").is_ok());
        assert!(check_api_url("http://[::1]:8080/api/v3").is_ok());
        assert!(check_api_url("http://ghe.example.com/api/v3").is_err());
        assert!(check_api_url("ftp://x").is_err());
        assert!(check_api_url("https://").is_err());
    }

    #[test]
    fn token_debug_is_redacted() {
        let t = Token::new("ghp_secret".into());
        assert_eq!(format!("{t:?}"), "Token(***)");
    }
}
