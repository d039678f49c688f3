//! Report templates: minijinja, with the built-in templates compiled into
//! the binary and a repository's own `templates/` taking precedence file by
//! file. HTML templates autoescape; every value from the repository that
//! reaches Markdown goes through a filter that makes it inert.

use crate::output::escape;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior, Value};
use std::path::{Path, PathBuf};

/// The built-in templates, by the name a repository overrides them with
/// (`templates/<name>`).
const BUILTIN: &[(&str, &str)] = &[
    (
        "markdown/macros.md.j2",
        include_str!("../../templates/markdown/macros.md.j2"),
    ),
    (
        "markdown/gaps.md.j2",
        include_str!("../../templates/markdown/gaps.md.j2"),
    ),
    (
        "markdown/poam.md.j2",
        include_str!("../../templates/markdown/poam.md.j2"),
    ),
    (
        "markdown/ssp.md.j2",
        include_str!("../../templates/markdown/ssp.md.j2"),
    ),
    (
        "markdown/sap.md.j2",
        include_str!("../../templates/markdown/sap.md.j2"),
    ),
    (
        "markdown/sar.md.j2",
        include_str!("../../templates/markdown/sar.md.j2"),
    ),
    (
        "markdown/evidence.md.j2",
        include_str!("../../templates/markdown/evidence.md.j2"),
    ),
    (
        "markdown/policies.md.j2",
        include_str!("../../templates/markdown/policies.md.j2"),
    ),
    (
        "markdown/risks.md.j2",
        include_str!("../../templates/markdown/risks.md.j2"),
    ),
    (
        "markdown/dashboard.md.j2",
        include_str!("../../templates/markdown/dashboard.md.j2"),
    ),
    (
        "markdown/crosswalk.md.j2",
        include_str!("../../templates/markdown/crosswalk.md.j2"),
    ),
    (
        "markdown/control.md.j2",
        include_str!("../../templates/markdown/control.md.j2"),
    ),
    (
        "html/page.html.j2",
        include_str!("../../templates/html/page.html.j2"),
    ),
    (
        "html/site.css",
        include_str!("../../templates/html/site.css"),
    ),
    ("html/site.js", include_str!("../../templates/html/site.js")),
];

/// Repository templates larger than this are refused.
const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

/// Work one render may do before it is stopped (a template loop over a
/// loop over the whole repository is a mistake, not a report). Generous:
/// a 10,000-control SSP uses a small fraction of it.
const FUEL: u64 = 500_000_000;

/// A template that could not be rendered: which one, where, and why.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct TemplateError {
    pub template: String,
    pub line: Option<usize>,
    pub message: String,
    /// Where the template came from: the repository or built in.
    pub origin: String,
}

impl TemplateError {
    fn render(&self) -> String {
        let s = format!(
            "template {} ({}){}: {}",
            self.template,
            self.origin,
            self.line.map(|l| format!(", line {l}")).unwrap_or_default(),
            self.message
        );
        s
    }
}

/// The environment for one repository.
pub struct Templates {
    root: PathBuf,
    /// Built on first use and kept: a site renders thousands of pages, and
    /// each template is compiled once.
    env: std::sync::OnceLock<Environment<'static>>,
}

impl Templates {
    pub fn new(root: &Path) -> Templates {
        Templates {
            root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
            env: std::sync::OnceLock::new(),
        }
    }

    /// Where `name` comes from: the repository's `templates/`, or built in.
    pub fn origin(&self, name: &str) -> String {
        match repo_template(&self.root, name) {
            Ok(Some(_)) => format!("templates/{name} in the repository"),
            _ => "built in".to_string(),
        }
    }

    /// Renders template `name` with `ctx`.
    pub fn render<S: serde::Serialize>(
        &self,
        name: &str,
        ctx: &S,
    ) -> Result<String, TemplateError> {
        let env = self.env.get_or_init(|| self.environment());
        let fail = |e: Error| self.error(name, &e);
        let t = env.get_template(name).map_err(fail)?;
        t.render(Value::from(minijinja::value::Serde(ctx)))
            .map_err(fail)
    }

    /// Renders template `name` with `ctx` and a `body` of HTML that is
    /// already safe (sanitised or drawn by this program), as `body`.
    pub fn render_with_body<S: serde::Serialize>(
        &self,
        name: &str,
        ctx: &S,
        body: &str,
    ) -> Result<String, TemplateError> {
        let env = self.env.get_or_init(|| self.environment());
        let fail = |e: Error| self.error(name, &e);
        let t = env.get_template(name).map_err(fail)?;
        let ctx = minijinja::context! {
            body => Value::from_safe_string(body.to_string()),
            ..Value::from(minijinja::value::Serde(ctx))
        };
        t.render(ctx).map_err(fail)
    }

    fn environment(&self) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
        {
            env.set_syntax(syntax);
        }
        let root = self.root.clone();
        env.set_loader(move |name| match repo_template(&root, name) {
            Ok(Some(text)) => Ok(Some(text)),
            Ok(None) => Ok(BUILTIN
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| (*t).to_string())),
            Err(why) => Err(Error::new(ErrorKind::InvalidOperation, why)),
        });
        env.add_filter("md", |s: &str| escape::markdown_cell(s));
        env.add_filter("mdblock", md_block);
        env.add_filter("pct", |v: f64| format!("{v:.1}"));
        env
    }

    fn error(&self, name: &str, e: &Error) -> TemplateError {
        let template = e.name().unwrap_or(name).to_string();
        let mut message = e.kind().to_string();
        if let Some(d) = e.detail() {
            message.push_str(": ");
            message.push_str(d);
        }
        TemplateError {
            origin: self.origin(&template),
            template,
            line: e.line(),
            message,
        }
    }
}

/// A repository template by name: `Ok(None)` when the repository has none.
/// Names are plain relative paths; a link, a file outside the repository
/// or one too large is refused rather than read.
fn repo_template(root: &Path, name: &str) -> Result<Option<String>, String> {
    let plain = !name.is_empty()
        && name.split('/').all(|seg| {
            !seg.is_empty()
                && !seg.starts_with('.')
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        });
    if !plain {
        return Err(format!(
            "template name `{}` is not a plain relative path",
            escape::text(name)
        ));
    }
    let dir = root.join("templates");
    let path = dir.join(name);
    let Ok(meta) = path.symlink_metadata() else {
        return Ok(None);
    };
    if meta.file_type().is_symlink() {
        return Err(format!(
            "templates/{name} is a symbolic link; copy the template instead"
        ));
    }
    match path.canonicalize() {
        Ok(real) if real.starts_with(root) && meta.is_file() => {}
        _ => {
            return Err(format!(
                "templates/{name} is not a file inside the repository"
            ));
        }
    }
    match crate::workspace::read_bounded(&path, MAX_TEMPLATE_BYTES) {
        Ok(Some(bytes)) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| format!("templates/{name} is not UTF-8")),
        Ok(None) => Err(format!(
            "templates/{name} is larger than {MAX_TEMPLATE_BYTES} bytes"
        )),
        Err(e) => Err(format!("cannot read templates/{name}: {e}")),
    }
}

/// Markdown written in the repository (a statement, a justification),
/// placed as a block in a Markdown report: its formatting stays, but raw
/// HTML is shown rather than run, and control characters are made visible.
fn md_block(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in escape::lines(s.trim_end()).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names_must_be_plain() {
        let dir = tempfile::tempdir().expect("tempdir");
        for bad in ["../x", "/etc/passwd", "a/../b", ".hidden", "a//b", "a\\b"] {
            assert!(repo_template(dir.path(), bad).is_err(), "{bad}");
        }
        assert_eq!(repo_template(dir.path(), "markdown/gaps.md.j2"), Ok(None));
    }

    #[test]
    fn markdown_from_the_repository_is_inert() {
        assert_eq!(
            md_block("**bold** <script>x</script>\n\x1b[2J"),
            "**bold** &lt;script>x&lt;/script>\n\\x1b[2J"
        );
    }
}
