//! `aegis publish issues` against fake trackers: a wiremock server on
//! 127.0.0.1 answering JSON shaped as GitHub and Atlassian document it,
//! with the exact requests asserted.

mod jira;

use aegis::model::Date;
use aegis::tracker::item::{Item, Waiver};
use std::future::Future;
use wiremock::MockServer;
use wiremock::Request;

/// A runtime that keeps the fake server serving while the blocking client
/// under test runs on the test's own thread.
pub struct Fake {
    pub rt: tokio::runtime::Runtime,
    pub server: MockServer,
}

impl Fake {
    pub fn start() -> Fake {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = rt.block_on(MockServer::start());
        Fake { rt, server }
    }

    pub fn on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Every request received, as `METHOD /path?query`, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.on(self.server.received_requests()).unwrap_or_default()
    }

    pub fn lines(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| match r.url.query() {
                Some(q) => format!("{} {}?{q}", r.method, r.url.path()),
                None => format!("{} {}", r.method, r.url.path()),
            })
            .collect()
    }

    pub fn reset(&self) {
        self.on(self.server.reset());
    }
}

pub fn body(r: &Request) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap_or(serde_json::Value::Null)
}

pub fn day(s: &str) -> Date {
    s.parse().expect("date")
}

/// An open item of system `ledger`, baseline moderate.
pub fn item(id: &str, control: &str) -> Item {
    Item {
        id: id.to_string(),
        system: "ledger".into(),
        framework: "nist-800-53-rev5".into(),
        baseline: Some("moderate".into()),
        control: control.into(),
        title: "Account Management".into(),
        weaknesses: vec!["missing: no implementation".into()],
        owner: Some("@alice".into()),
        risk: None,
        evidence: Vec::new(),
        exceptions: Vec::new(),
    }
}

pub fn excepted(mut i: Item) -> Item {
    i.exceptions.push(Waiver {
        id: "EX-7".into(),
        expires: day("2026-12-31"),
    });
    i
}
