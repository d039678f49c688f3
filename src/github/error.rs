//! What can go wrong talking to GitHub, in words a user can act on. Every
//! message names the request (`POST /repos/o/r/pulls`) and, for refusals,
//! the status, GitHub's own message and what to change. Text from GitHub
//! is cut short and is escaped by whoever prints it (`main` does).

use super::client::Response;
use std::fmt;

/// An HTTP method; writes are everything but GET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    pub fn is_write(self) -> bool {
        self != Method::Get
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A bad setting (URL, environment hook).
    #[error("{0}")]
    Config(String),
    #[error(
        "no GitHub token: set {var} (in a workflow: `env: {var}: ${{{{ github.token }}}}`), or name another variable with --token-env"
    )]
    MissingToken { var: String },
    /// GitHub answered with a non-2xx status.
    #[error("{}", status_text(.method, .path, *.status, .message, .errors, .permissions, .hint))]
    Status {
        method: Method,
        path: String,
        status: u16,
        /// GitHub's `message`, cut short.
        message: String,
        /// GitHub's `errors[]`, each in words.
        errors: Vec<String>,
        /// `X-Accepted-GitHub-Permissions` (on 403).
        permissions: Option<String>,
        /// What to do, from the client (401/403/404) or the caller.
        hint: Option<String>,
    },
    #[error(
        "{method} {path}: gave up after {retries} retries and {waited} s of waiting ({why}; the next wait would be {wanted} s){}; try again later, or allow more waiting with --max-wait SECONDS",
        .last.as_ref().map(|e| format!("; last answer: {e}")).unwrap_or_default()
    )]
    RetryBudget {
        method: Method,
        path: String,
        why: String,
        retries: u32,
        waited: u64,
        wanted: u64,
        last: Option<Box<Error>>,
    },
    #[error("{method} {path}: no answer from GitHub: {detail}")]
    Transport {
        method: Method,
        path: String,
        detail: String,
    },
    #[error("{method} {path}: unexpected answer from GitHub: {detail}")]
    Decode {
        method: Method,
        path: String,
        detail: String,
    },
    #[error("GET {path}: more than {pages} pages; refusing to go on")]
    TooManyPages { path: String, pages: usize },
    #[error(
        "GET {path}: the next page is at another address ({link}); refusing to send the token there"
    )]
    BadLink { path: String, link: String },
    #[error("{method} {path}: not sent (--dry-run)")]
    DryRun { method: Method, path: String },
}

impl Error {
    /// The HTTP status, when GitHub answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// GitHub's message and errors in one text (for matching known 422s).
    pub fn github_text(&self) -> String {
        match self {
            Error::Status {
                message, errors, ..
            } => {
                let mut t = message.clone();
                for e in errors {
                    t.push_str("; ");
                    t.push_str(e);
                }
                t
            }
            _ => String::new(),
        }
    }

    /// The same error with `hint` as what to do (replacing the client's).
    pub fn with_hint(mut self, new: impl Into<String>) -> Self {
        if let Error::Status { hint, .. } = &mut self {
            *hint = Some(new.into());
        }
        self
    }
}

fn status_text(
    method: &Method,
    path: &str,
    status: u16,
    message: &str,
    errors: &[String],
    permissions: &Option<String>,
    hint: &Option<String>,
) -> String {
    let mut t = format!(
        "GitHub refused {method} {path}: {status} {}",
        reason(status)
    );
    if !message.is_empty() {
        t.push_str(": ");
        t.push_str(message);
    }
    if !errors.is_empty() {
        t.push_str(" (");
        t.push_str(&errors.join("; "));
        t.push(')');
    }
    if let Some(p) = permissions {
        t.push_str(&format!(
            "; the token needs the permission {p} (X-Accepted-GitHub-Permissions)"
        ));
    }
    if let Some(h) = hint {
        t.push_str("; ");
        t.push_str(h);
    }
    t
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        410 => "Gone",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

/// At most this many characters of any text GitHub sends back.
const MAX_TEXT: usize = 500;

fn cut(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= MAX_TEXT {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_TEXT).collect();
        t.push('…');
        t
    }
}

/// The error for a final non-2xx answer.
pub(crate) fn status_error(method: Method, path: &str, res: &Response) -> Error {
    let (message, errors) = parse_body(&res.body);
    let permissions = res
        .header("x-accepted-github-permissions")
        .filter(|p| !p.trim().is_empty())
        .map(cut);
    let hint = match res.status {
        401 => Some(
            "the token is missing, invalid or expired; check the variable --token-env names"
                .to_string(),
        ),
        403 if permissions.is_none() && !res.body.to_ascii_lowercase().contains("rate limit") => Some(
            "the token lacks a permission for this request: grant it in the workflow's `permissions:` (or the token's scopes)".to_string(),
        ),
        404 => Some(
            "check the repository and names; GitHub also answers 404 when the token cannot see a private repository".to_string(),
        ),
        _ => None,
    };
    Error::Status {
        method,
        path: path.to_string(),
        status: res.status,
        message,
        errors,
        permissions,
        hint,
    }
}

/// GitHub's `{"message": ..., "errors": [...]}`; `errors` items are
/// strings or `{resource, field, code, message}` objects.
fn parse_body(body: &str) -> (String, Vec<String>) {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return (cut(body.lines().next().unwrap_or("")), Vec::new());
    };
    let message = v
        .get("message")
        .and_then(|m| m.as_str())
        .map(cut)
        .unwrap_or_default();
    let errors = v
        .get("errors")
        .and_then(|e| e.as_array())
        .map(|items| {
            items
                .iter()
                .take(10)
                .map(|item| match item {
                    serde_json::Value::String(s) => cut(s),
                    serde_json::Value::Object(o) => {
                        let get = |k: &str| o.get(k).and_then(|x| x.as_str()).unwrap_or("");
                        if !get("message").is_empty() {
                            cut(get("message"))
                        } else {
                            cut(&format!(
                                "{} {} {}",
                                get("resource"),
                                get("field"),
                                get("code")
                            ))
                        }
                    }
                    other => cut(&other.to_string()),
                })
                .collect()
        })
        .unwrap_or_default();
    (message, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(status: u16, headers: &[(&str, &str)], body: &str) -> Response {
        Response::fake(status, headers, body)
    }

    #[test]
    fn forbidden_names_the_permission() {
        let e = status_error(
            Method::Post,
            "/repos/o/r/pulls",
            &res(
                403,
                &[("x-accepted-github-permissions", "pull_requests=write")],
                r#"{"message":"Resource not accessible by integration"}"#,
            ),
        );
        assert_eq!(
            e.to_string(),
            "GitHub refused POST /repos/o/r/pulls: 403 Forbidden: Resource not accessible by integration; the token needs the permission pull_requests=write (X-Accepted-GitHub-Permissions)"
        );
    }

    #[test]
    fn validation_errors_are_listed() {
        let e = status_error(
            Method::Post,
            "/repos/o/r/pulls",
            &res(
                422,
                &[],
                r#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for o:b."},"plain"]}"#,
            ),
        );
        assert!(e.github_text().contains("A pull request already exists"));
        assert!(
            e.to_string()
                .contains("(A pull request already exists for o:b.; plain)")
        );
    }
}
