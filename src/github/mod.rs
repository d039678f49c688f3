//! GitHub: a small synchronous REST client and what `aegis publish` builds
//! on it (sticky PR comments, job summaries, draft PRs from CI, nudges for
//! idle branches).
//!
//! # The client ([`Client`])
//!
//! A blocking wrapper over octocrab: the client is built, and every request
//! runs, inside a private current-thread tokio runtime, so callers never see
//! async code. It speaks JSON through octocrab's raw `_get/_post/_patch/
//! _put/_delete` with our own lean serde structs (`#[serde(default)]`, no
//! `deny_unknown_fields`: GitHub adds and drops fields between API
//! versions), never octocrab's generated models.
//!
//! ```no_run
//! # fn demo() -> Result<(), aegis::github::Error> {
//! use aegis::github::{Client, Settings};
//! let client = Client::new(Settings::from_env(None, "GITHUB_TOKEN", false)?)?;
//! #[derive(serde::Deserialize)]
//! struct Pull { number: u64 }
//! let open: Vec<Pull> = client.get_all("/repos/o/r/pulls?state=open")?;
//! let made: Pull = client.post("/repos/o/r/pulls", &serde_json::json!({"title": "t"}))?;
//! # let _ = (open, made); Ok(()) }
//! ```
//!
//! - **Paths** are API paths starting with `/` (`/repos/{owner}/{repo}/...`);
//!   the base URL (`--api-url`, else `GITHUB_API_URL`, else
//!   `https://api.github.com`) is prepended, keeping a GitHub Enterprise
//!   Server prefix such as `https://HOST/api/v3`. Build path segments from
//!   user text with [`path::segment`] / [`path::git_ref`] and query values
//!   with [`path::query`].
//! - **Token**: read from the environment variable named by `--token-env`
//!   (default `GITHUB_TOKEN`), sent as `Authorization: Bearer`, never
//!   printed, never part of an error ([`Token`]'s `Debug` is redacted).
//!   Plain `http://` is refused except to loopback (tests).
//! - **Pagination**: [`Client::get_all`] asks for 100 per page and follows
//!   `Link: <...>; rel="next"` up to [`MAX_PAGES`] pages (an error past that,
//!   never a silent cut: a missed sticky comment would become a duplicate).
//!   A `next` link to another host is refused (it would receive the token).
//! - **Retries** (ours; octocrab's are off, `RetryConfig::None`): 429, and
//!   403 when it is a rate limit (`retry-after`, `x-ratelimit-remaining: 0`,
//!   or a "secondary rate limit" message). The wait is `retry-after`, else
//!   until `x-ratelimit-reset`, else at least 60 s doubling per retry; 5xx
//!   (and connection failures) wait 1 s doubling, and are retried only for
//!   GET, PUT, PATCH and DELETE: a POST that failed on the server may have
//!   been done. At most [`RetryPolicy::max_retries`] retries and
//!   [`RetryPolicy::max_wait`] of waiting in total (`--max-wait`,
//!   `AEGIS_GITHUB_MAX_WAIT`); past either, a [`Error::RetryBudget`] saying
//!   when to try again. Each wait is announced on stderr.
//! - **Writes** (POST/PATCH/PUT/DELETE) are serial and at least
//!   [`Settings::write_interval`] apart (1 s, GitHub's advice against
//!   secondary limits). With `dry_run` the client refuses every write
//!   ([`Error::DryRun`]); commands check [`Client::dry_run`] and print
//!   what they would do instead.
//! - **Errors** ([`Error::Status`]) name the method, path, status, GitHub's
//!   `message` and `errors`, and on 403 the permission to grant (from
//!   `X-Accepted-GitHub-Permissions`) or the setting to change; callers add
//!   their own hint with [`Error::with_hint`].
//! - **Test hooks**: `AEGIS_GITHUB_SECOND_MS` shortens every wait (the
//!   length of one second of waiting, default 1000) and
//!   `AEGIS_GITHUB_WRITE_INTERVAL_MS` the pause between writes.
//!
//! Response bodies are read up to [`MAX_BODY`] bytes; every string from
//! GitHub is untrusted text and must be escaped where it is shown
//! ([`markdown`] for comments and PR bodies).

pub mod client;
pub mod comment;
pub mod context;
pub mod draft_pr;
pub mod error;
pub mod files;
mod link;
pub mod markdown;
pub mod outputs;
pub mod path;
pub mod report;
mod retry;
pub mod stale;

pub use client::{Client, MAX_BODY, MAX_PAGES, Response, Settings, Token};
pub use context::Context;
pub use error::{Error, Method};
pub use retry::RetryPolicy;
