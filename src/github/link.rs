//! The `Link` header of paginated answers (RFC 8288, as GitHub writes it:
//! `<https://api.github.com/...&page=2>; rel="next", <...>; rel="last"`).

/// The URL of the `rel="next"` link, if any.
pub fn next(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let mut pieces = part.split(';');
        let url = pieces.next()?.trim();
        let url = url.strip_prefix('<')?.strip_suffix('>')?;
        let is_next = pieces.any(|p| {
            let p = p.trim();
            p == "rel=\"next\"" || p == "rel=next"
        });
        is_next.then(|| url.to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_next_page() {
        let h = r#"<https://api.github.com/repositories/1/issues/1/comments?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/issues/1/comments?per_page=100&page=3>; rel="last""#;
        assert_eq!(
            super::next(h).as_deref(),
            Some("https://api.github.com/repositories/1/issues/1/comments?per_page=100&page=2")
        );
        assert_eq!(super::next(r#"<https://x/?page=1>; rel="prev""#), None);
        assert_eq!(super::next("garbage"), None);
    }
}
