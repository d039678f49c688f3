//! HTML reports: the Markdown report rendered with pulldown-cmark, then
//! cleaned with ammonia (pulldown-cmark passes raw HTML and `javascript:`
//! links through), placed in one self-contained page: inline style, no
//! external font, script or image, so it works from `file://` and GitHub
//! Pages alike.

use super::template::{TemplateError, Templates};
use pulldown_cmark::{Options, Parser, html};
use serde::Serialize;

/// Markdown made into HTML that can run nothing.
pub fn from_markdown(md: &str) -> String {
    let mut raw = String::with_capacity(md.len() * 3 / 2);
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    html::push_html(&mut raw, Parser::new_ext(md, opts));
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string()
}

/// Plain text made safe in HTML (and SVG): markup escaped, and control
/// characters, which neither allows, left out.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if c.is_control() && c != '\n' && c != '\t' => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A link in the page's navigation.
#[derive(Serialize)]
pub struct Link {
    pub href: String,
    pub label: String,
    pub current: bool,
}

#[derive(Serialize)]
struct Page<'a, M: Serialize> {
    title: &'a str,
    meta: &'a M,
    nav: &'a [Link],
    /// Relative path from this page back to the site's root ("" or "../").
    root: &'a str,
    /// Link the site's shared style and script instead of carrying them.
    assets: bool,
}

/// Where a page's style and script are: inside it (a single page), or in
/// the site's shared `assets/` (see [`assets`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assets {
    Inline,
    Linked,
}

/// One HTML page: `body` is already safe (sanitised Markdown, or SVG this
/// program drew); everything else is escaped by the template.
pub fn page<M: Serialize>(
    templates: &Templates,
    title: &str,
    meta: &M,
    nav: &[Link],
    root: &str,
    body: &str,
    assets: Assets,
) -> Result<String, TemplateError> {
    templates.render_with_body(
        "html/page.html.j2",
        &Page {
            title,
            meta,
            nav,
            root,
            assets: assets == Assets::Linked,
        },
        body,
    )
}

/// The site's shared files, by path: its style and its table script, from
/// the same templates single pages carry inline.
pub fn assets(templates: &Templates) -> Result<Vec<(&'static str, String)>, TemplateError> {
    Ok(vec![
        ("assets/site.css", templates.render("html/site.css", &())?),
        ("assets/site.js", templates.render("html/site.js", &())?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_links_come_out_inert() {
        let out = from_markdown(
            "# T\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n[x](javascript:alert(3)) [y](https://example.com)\n\n| a |\n| - |\n| <b onclick=z>b</b> |\n",
        );
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("onerror"), "{out}");
        assert!(!out.contains("onclick"), "{out}");
        assert!(!out.contains("javascript:"), "{out}");
        assert!(
            out.contains(r#"<a href="https://example.com" rel="noopener noreferrer">y</a>"#),
            "{out}"
        );
        assert!(out.contains("<table>"), "{out}");
    }
}
