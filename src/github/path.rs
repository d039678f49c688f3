//! API paths and queries built from user text: every segment
//! percent-encoded, so a branch named `a/../../x` or `x?y` stays a name.

/// One path segment (`/` encoded too).
pub fn segment(s: &str) -> String {
    encode(s)
}

/// A git ref name inside a path (`heads/aegis/ingest`): segments encoded,
/// slashes kept, as GitHub's `/git/ref/{ref}` expects.
pub fn git_ref(s: &str) -> String {
    s.split('/').map(segment).collect::<Vec<_>>().join("/")
}

/// A query value.
pub fn query(s: &str) -> String {
    encode(s)
}

/// `owner/name` as two encoded segments, `owner/name` again.
pub fn repo(owner: &str, name: &str) -> String {
    format!("/repos/{}/{}", segment(owner), segment(name))
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let plain = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        if plain {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // `.` and `..` alone would walk up the path.
    match out.as_str() {
        "." => "%2E".to_string(),
        ".." => "%2E%2E".to_string(),
        _ => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_cannot_leave_their_place() {
        assert_eq!(segment("a/b"), "a%2Fb");
        assert_eq!(segment(".."), "%2E%2E");
        assert_eq!(git_ref("heads/aegis/ingest"), "heads/aegis/ingest");
        assert_eq!(git_ref("heads/../x?y"), "heads/%2E%2E/x%3Fy");
        assert_eq!(query("octo:aegis/ingest"), "octo%3Aaegis%2Fingest");
        assert_eq!(repo("o", "r"), "/repos/o/r");
    }
}
