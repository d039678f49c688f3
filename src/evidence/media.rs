//! The media type of an artifact, from its first bytes when they are
//! unmistakable and otherwise from its name's extension.

/// Signatures checked before the extension: formats whose first bytes say
/// what they are, whatever the file is called.
const MAGIC: &[(&[u8], &str)] = &[
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\x1f\x8b", "application/gzip"),
];

const BY_EXTENSION: &[(&str, &str)] = &[
    ("csv", "text/csv"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("gif", "image/gif"),
    ("gz", "application/gzip"),
    ("htm", "text/html"),
    ("html", "text/html"),
    ("jpeg", "image/jpeg"),
    ("jpg", "image/jpeg"),
    ("json", "application/json"),
    ("log", "text/plain"),
    ("md", "text/markdown"),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("sarif", "application/sarif+json"),
    ("svg", "image/svg+xml"),
    ("tar", "application/x-tar"),
    ("tgz", "application/gzip"),
    ("txt", "text/plain"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("xml", "application/xml"),
    ("yaml", "application/yaml"),
    ("yml", "application/yaml"),
    ("zip", "application/zip"),
];

/// The media type of an artifact named `name` starting with `head`.
pub fn media_type(name: &str, head: &[u8]) -> &'static str {
    if let Some((_, t)) = MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
        return t;
    }
    let ext = name
        .rsplit('/')
        .next()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    ext.and_then(|e| BY_EXTENSION.iter().find(|(x, _)| *x == e).map(|(_, t)| *t))
        .unwrap_or("application/octet-stream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_wins_over_the_name() {
        assert_eq!(media_type("report.txt", b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(media_type("scan.SARIF", b"{"), "application/sarif+json");
        assert_eq!(media_type("notes", b"hello"), "application/octet-stream");
        assert_eq!(
            media_type("https://x.example/a/export.json?x=1", b""),
            "application/octet-stream"
        );
        assert_eq!(
            media_type("https://x.example/a/export.json", b""),
            "application/json"
        );
    }
}
