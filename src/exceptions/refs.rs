//! Checks the references a new or changed record names (controls, systems,
//! risks) against the repository, with "did you mean" hints, so a command
//! refuses to write what `aegis validate` would then reject.

use crate::model::{ControlRef, Date, Period};
use crate::validate::{Outcome, Resolved, schema::did_you_mean};

/// A loaded repository: its files, and what validation could read of them.
pub struct Loaded {
    pub ws: crate::workspace::Workspace,
    pub outcome: Outcome,
}

impl Loaded {
    /// Loads the repository at `root` and reads its records (without the
    /// rule families: a command checks what it needs itself).
    pub fn load(root: &std::path::Path) -> Result<Loaded, crate::workspace::LoadError> {
        let ws = crate::workspace::load(root)?;
        let outcome = crate::validate::index_only(&ws);
        Ok(Loaded { ws, outcome })
    }

    pub fn config(&self) -> Result<&crate::model::Config, String> {
        self.outcome.repo.config.as_ref().ok_or_else(|| {
            "aegis.yaml could not be read; run `aegis validate` to see why".to_string()
        })
    }

    /// The system `id`, or why not (with the closest system id).
    pub fn check_system(&self, id: &str) -> Result<(), String> {
        let config = self.config()?;
        if config.systems.iter().any(|s| s.id.as_str() == id) {
            return Ok(());
        }
        let names: Vec<String> = config.systems.iter().map(|s| s.id.0.clone()).collect();
        Err(format!(
            "aegis.yaml has no system `{id}`{}",
            hint(did_you_mean(id, &names), &names)
        ))
    }

    /// `given` resolved to `framework:control`, judged as a file about
    /// `system` would be (its frameworks first); or why not.
    pub fn resolve_control(&self, given: &str, system: Option<&str>) -> Result<String, String> {
        let context = system
            .and_then(|s| crate::validate::implementation_context(&self.outcome.repo, s))
            .unwrap_or_default();
        self.resolve_control_in(given, &context)
    }

    /// `given` resolved to `framework:control`, short ids looked up first in
    /// the frameworks `context` names (as validation does for the file
    /// kind); or why not.
    pub fn resolve_control_in(&self, given: &str, context: &[String]) -> Result<String, String> {
        let r = ControlRef(given.trim().to_string());
        let index = &self.outcome.index;
        match index.resolve(&r, context) {
            Resolved::Found { framework, control } => {
                let id = index
                    .control(&framework, control)
                    .map_or_else(|| r.parts().1.0.clone(), |c| c.id.0.clone());
                Ok(format!("{framework}:{id}"))
            }
            Resolved::UnknownFramework {
                framework,
                suggestion,
            } => Err(format!(
                "control `{given}`: no framework `{framework}` in controls/{}",
                suggestion.map_or(String::new(), |s| format!(" (did you mean `{s}`?)"))
            )),
            Resolved::UnknownControl {
                framework,
                suggestion,
            } => Err(format!(
                "control `{given}` is in no framework{}{}",
                framework.map_or(String::new(), |f| format!(" (looked in `{f}`)")),
                suggestion.map_or(String::new(), |s| format!("; did you mean `{s}`?"))
            )),
            Resolved::Ambiguous(frameworks) => Err(format!(
                "control `{given}` is in more than one framework ({}); write it as FRAMEWORK:ID",
                frameworks.join(", ")
            )),
        }
    }

    /// Every control of `given` resolved; all problems at once.
    pub fn resolve_controls(
        &self,
        given: &[String],
        system: Option<&str>,
    ) -> Result<Vec<String>, Vec<String>> {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for g in given {
            match self.resolve_control(g, system) {
                Ok(c) if !out.contains(&c) => out.push(c),
                Ok(_) => {}
                Err(e) => problems.push(e),
            }
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }

    /// The risk `id` in risks/, or why not.
    pub fn check_risk(&self, id: &str) -> Result<(), String> {
        let risks = &self.outcome.repo.risks;
        if risks.iter().any(|r| r.value.id.as_str() == id) {
            return Ok(());
        }
        let names: Vec<String> = risks.iter().map(|r| r.value.id.0.clone()).collect();
        Err(format!(
            "risks/ has no risk `{id}`{}",
            hint(did_you_mean(id, &names), &names)
        ))
    }
}

fn hint(suggestion: Option<String>, names: &[String]) -> String {
    match suggestion {
        Some(s) => format!("; did you mean `{s}`?"),
        None if names.is_empty() => String::new(),
        None if names.len() <= 8 => format!(" (known: {})", names.join(", ")),
        None => String::new(),
    }
}

/// Refuses an expiry that is not after `today` or lies beyond `max` from `from`.
pub fn check_expiry(expires: Date, today: Date, from: Date, max: &Period) -> Result<(), String> {
    if expires <= today {
        return Err(format!(
            "the expiry {expires} is not after today ({today}); an exception must end in the future"
        ));
    }
    let limit = from.plus(max);
    if expires > limit {
        return Err(format!(
            "the expiry {expires} is more than {max} after {from} (the latest allowed is {limit}); \
             grant it for a shorter time and renew it when it runs out, or raise `exceptions.max_duration` in aegis.yaml"
        ));
    }
    Ok(())
}

/// Whether `id` can be a record id (and a file name).
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = id.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && id.len() <= 100;
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{id}` is not an id: use letters, digits, '.', '_' and '-', starting with a letter or digit"
        ))
    }
}
