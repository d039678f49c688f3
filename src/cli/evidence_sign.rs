//! `aegis evidence keygen` and `aegis evidence sign`.

use crate::evidence::keys;
use crate::evidence::sign::{self, KeySource};
use crate::model::{Date, When};
use crate::output::escape;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the private key (PKCS#8 PEM, mode 0600); an existing file is never overwritten.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// The key's id in aegis.yaml (default: signing-key-YYYY-MM-DD).
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Who holds the key (a person, a team, a CI job).
    #[arg(long, value_name = "WHO")]
    pub owner: Option<String>,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("key").required(true).args(["key_file", "key_env"]))]
pub struct SignArgs {
    /// Ids of the evidence to sign (default: every evidence record).
    pub ids: Vec<String>,
    /// A file holding the private key (PKCS#8 PEM, or the base64 of a 32-byte seed).
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
    /// An environment variable holding the private key (PEM or base64 seed), as CI secrets are passed.
    #[arg(long, value_name = "NAME")]
    pub key_env: Option<String>,
    /// The key's id in signing.trusted_keys of aegis.yaml.
    #[arg(long, value_name = "ID")]
    pub key_id: String,
    /// Who or what signs (a person, a CI job).
    #[arg(long, value_name = "WHO")]
    pub signer: Option<String>,
    /// Record this signing time instead of now (YYYY-MM-DDTHH:MM:SSZ), for reproducible runs.
    #[arg(long, value_name = "WHEN", value_parser = |s: &str| s.parse::<When>())]
    pub signed_at: Option<When>,
    #[command(flatten)]
    pub dry: super::framework::DryRunArg,
    #[command(flatten)]
    pub repo: super::framework::RepoArg,
}

pub fn run_keygen(a: &KeygenArgs) -> anyhow::Result<u8> {
    let key = sign::keygen(&a.out)?;
    let today = Date::today_utc();
    let id =
        a.id.clone()
            .unwrap_or_else(|| format!("signing-key-{today}"));
    let mut text = format!(
        "# The private key is in {}: keep it secret (a CI secret, for example).\n# Add the public key to aegis.yaml:\nsigning:\n  trusted_keys:\n    - id: {}\n      public_key: {}\n",
        escape::text(&a.out.display().to_string()),
        serde_json::to_string(&id)?,
        keys::public_base64(&key.verifying_key())
    );
    if let Some(owner) = &a.owner {
        text.push_str(&format!("      owner: {}\n", serde_json::to_string(owner)?));
    }
    text.push_str(&format!("      not_before: {today}\n"));
    super::deliver(None, &text)?;
    Ok(0)
}

pub fn run_sign(a: &SignArgs) -> anyhow::Result<u8> {
    let source = match (&a.key_file, &a.key_env) {
        (Some(p), _) => KeySource::File(p),
        (None, Some(n)) => KeySource::Env(n),
        (None, None) => anyhow::bail!("pass --key-file PATH or --key-env NAME"),
    };
    let key = sign::read_key(&source)?;
    let signed_at = a
        .signed_at
        .clone()
        .unwrap_or_else(crate::evidence::add::now);
    let run = crate::pipeline::validate(&a.repo.repo, signed_at.date.max(Date::today_utc()))?;
    let signer = sign::Signer {
        key: &key,
        key_id: &a.key_id,
        name: a.signer.clone(),
    };
    let mut planned = Vec::new();
    let signed = sign::sign(
        &run,
        &a.ids,
        &signer,
        signed_at,
        a.dry.dry_run,
        &mut planned,
    )?;
    a.dry.finish(&planned);
    for w in &signed.warnings {
        eprintln!("warning: {}", escape::text(w));
    }
    let n = signed.manifest.evidence.len();
    if signed.written {
        eprintln!(
            "{} {n} evidence record(s) with key `{}`: {}",
            a.dry.verb("signed", "sign"),
            escape::text(&a.key_id),
            escape::text(&signed.path)
        );
    } else {
        eprintln!(
            "unchanged: {} already holds this signed manifest",
            escape::text(&signed.path)
        );
    }
    Ok(0)
}
