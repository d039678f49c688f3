//! When to retry a request and how long to wait: GitHub's rate-limit
//! rules ("Rate limits for the REST API"), bounded in count and in total
//! waiting. Pure, so every branch is unit-tested without a server.

use super::client::Response;
use super::error::Method;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The bounds on retrying.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Seconds of waiting allowed in total, over all retries of a request.
    pub max_wait: u64,
    /// The least wait for a secondary rate limit without headers (GitHub:
    /// "wait at least one minute"), doubled per retry.
    pub secondary_wait: u64,
    /// How long one second of waiting lasts (shortened by tests).
    pub second: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            max_wait: 900,
            secondary_wait: 60,
            second: Duration::from_secs(1),
        }
    }
}

/// What happened so far to one request.
#[derive(Debug, Default)]
pub struct State {
    pub retries: u32,
    pub waited: u64,
    rate_limited: u32,
    failed: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Done,
    Wait {
        seconds: u64,
        why: String,
    },
    GiveUp {
        why: String,
        waited: u64,
        wanted: u64,
    },
}

/// Whether to retry after `outcome` (a response, or a transport failure).
pub fn decide(
    policy: &RetryPolicy,
    state: &mut State,
    method: Method,
    outcome: &Result<Response, String>,
) -> Decision {
    let (seconds, why) = match outcome {
        Ok(res) if res.is_success() => return Decision::Done,
        Ok(res) => match rate_limit_wait(policy, state, res, now()) {
            Some(w) => w,
            None if res.status >= 500 && idempotent(method) => {
                state.failed += 1;
                (
                    1u64 << (state.failed - 1).min(10),
                    format!("{}", res.status),
                )
            }
            None => return Decision::Done,
        },
        Err(_) if idempotent(method) => {
            state.failed += 1;
            (
                1u64 << (state.failed - 1).min(10),
                "connection failure".to_string(),
            )
        }
        Err(_) => return Decision::Done,
    };
    if state.retries >= policy.max_retries || state.waited + seconds > policy.max_wait {
        return Decision::GiveUp {
            why,
            waited: state.waited,
            wanted: seconds,
        };
    }
    state.retries += 1;
    state.waited += seconds;
    Decision::Wait { seconds, why }
}

/// A POST may have been carried out although the answer was an error.
fn idempotent(method: Method) -> bool {
    method != Method::Post
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The wait for a rate-limit answer, or `None` when `res` is not one.
fn rate_limit_wait(
    policy: &RetryPolicy,
    state: &mut State,
    res: &Response,
    now: u64,
) -> Option<(u64, String)> {
    let num = |h: &str| res.header(h).and_then(|v| v.trim().parse::<u64>().ok());
    let retry_after = num("retry-after");
    let exhausted = num("x-ratelimit-remaining") == Some(0);
    let secondary = res
        .body
        .to_ascii_lowercase()
        .contains("secondary rate limit");
    let limited = match res.status {
        429 => true,
        403 => retry_after.is_some() || exhausted || secondary,
        _ => false,
    };
    if !limited {
        return None;
    }
    state.rate_limited += 1;
    if let Some(s) = retry_after {
        return Some((
            s.max(1),
            format!("rate limit ({}, retry-after)", res.status),
        ));
    }
    if exhausted && let Some(reset) = num("x-ratelimit-reset") {
        return Some((
            reset.saturating_sub(now).max(1),
            format!("rate limit ({}, x-ratelimit-remaining: 0)", res.status),
        ));
    }
    let n = (state.rate_limited - 1).min(10);
    Some((
        policy.secondary_wait.max(1) << n,
        format!("secondary rate limit ({})", res.status),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(status: u16, headers: &[(&str, &str)], body: &str) -> Result<Response, String> {
        Ok(Response::fake(status, headers, body))
    }

    fn seconds(d: Decision) -> Option<u64> {
        match d {
            Decision::Wait { seconds, .. } => Some(seconds),
            _ => None,
        }
    }

    #[test]
    fn retry_after_is_obeyed() {
        let p = RetryPolicy::default();
        let mut s = State::default();
        let d = decide(
            &p,
            &mut s,
            Method::Post,
            &res(429, &[("retry-after", "7")], ""),
        );
        assert_eq!(seconds(d), Some(7));
    }

    #[test]
    fn exhausted_primary_limit_waits_for_the_reset() {
        let p = RetryPolicy::default();
        let mut s = State::default();
        let r = res(
            403,
            &[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "1030"),
            ],
            r#"{"message":"API rate limit exceeded"}"#,
        );
        let Ok(r) = r else { unreachable!() };
        assert_eq!(rate_limit_wait(&p, &mut s, &r, 1000).map(|w| w.0), Some(30));
    }

    #[test]
    fn secondary_limits_wait_a_minute_and_double() {
        let p = RetryPolicy::default();
        let mut s = State::default();
        let r = res(
            403,
            &[],
            r#"{"message":"You have exceeded a secondary rate limit"}"#,
        );
        assert_eq!(seconds(decide(&p, &mut s, Method::Get, &r)), Some(60));
        assert_eq!(seconds(decide(&p, &mut s, Method::Get, &r)), Some(120));
        assert_eq!(seconds(decide(&p, &mut s, Method::Get, &r)), Some(240));
        assert_eq!(seconds(decide(&p, &mut s, Method::Get, &r)), Some(480));
        // 900 s in total at most: the next 960 s wait is refused.
        assert!(matches!(
            decide(&p, &mut s, Method::Get, &r),
            Decision::GiveUp {
                waited: 900,
                wanted: 960,
                ..
            }
        ));
    }

    #[test]
    fn plain_forbidden_is_not_retried() {
        let p = RetryPolicy::default();
        let mut s = State::default();
        let r = res(
            403,
            &[],
            r#"{"message":"Resource not accessible by integration"}"#,
        );
        assert_eq!(decide(&p, &mut s, Method::Post, &r), Decision::Done);
    }

    #[test]
    fn server_errors_are_retried_except_for_post() {
        let p = RetryPolicy::default();
        let mut s = State::default();
        let r = res(502, &[], "");
        assert_eq!(seconds(decide(&p, &mut s, Method::Get, &r)), Some(1));
        assert_eq!(seconds(decide(&p, &mut s, Method::Patch, &r)), Some(2));
        let mut s = State::default();
        assert_eq!(decide(&p, &mut s, Method::Post, &r), Decision::Done);
    }

    #[test]
    fn retries_are_bounded_in_count() {
        let p = RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        };
        let mut s = State::default();
        let r = res(429, &[("retry-after", "1")], "");
        assert!(seconds(decide(&p, &mut s, Method::Get, &r)).is_some());
        assert!(seconds(decide(&p, &mut s, Method::Get, &r)).is_some());
        assert!(matches!(
            decide(&p, &mut s, Method::Get, &r),
            Decision::GiveUp { .. }
        ));
    }
}
