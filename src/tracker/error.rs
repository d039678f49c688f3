//! Why a sync with a tracker could not finish. Every message names the
//! request and the status, and says what to do; none carries a token.

use crate::output::escape;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The tracker answered with an error status.
    #[error("{request} failed with HTTP {status}{}{}", message_part(.message), hint_part(.hint))]
    Status {
        /// `POST https://host/rest/api/3/issue`.
        request: String,
        status: u16,
        /// The tracker's own words, escaped and shortened.
        message: String,
        hint: Option<String>,
    },
    /// The request did not get an answer.
    #[error("{request} failed: {message}")]
    Network { request: String, message: String },
    /// The answer was not what the API documents.
    #[error("{request}: unexpected answer: {message}")]
    Answer { request: String, message: String },
    /// Still rate limited after the retries allowed.
    #[error("{request} was still rate limited (HTTP 429) after {retries} retries; try again later")]
    RateLimited { request: String, retries: u32 },
    /// No workflow transition does what the sync needs.
    #[error(
        "{key}: no transition {wanted} (available: {}); {hint}",
        if .available.is_empty() { "none".to_string() } else { .available.join(", ") }
    )]
    NoTransition {
        key: String,
        wanted: String,
        available: Vec<String>,
        hint: String,
    },
    /// GitHub's own errors (request, status, message, permission).
    /// (Boxed: the GitHub error is large and errors travel by value.)
    #[error(transparent)]
    GitHub(Box<crate::github::Error>),
    /// The command cannot start: missing settings or credentials.
    #[error("{0}")]
    Setup(String),
}

fn message_part(m: &str) -> String {
    if m.is_empty() {
        String::new()
    } else {
        format!(": {m}")
    }
}

fn hint_part(h: &Option<String>) -> String {
    match h {
        Some(h) => format!("; {h}"),
        None => String::new(),
    }
}

/// A message from a server made safe to show: control characters
/// visible, one line, at most 500 characters.
pub fn server_text(s: &str) -> String {
    let flat = escape::text(s.trim()).into_owned();
    if flat.chars().count() <= 500 {
        flat
    } else {
        let mut cut: String = flat.chars().take(499).collect();
        cut.push('…');
        cut
    }
}

impl From<crate::github::Error> for Error {
    fn from(e: crate::github::Error) -> Self {
        Error::GitHub(Box::new(e))
    }
}
