//! Risk loss estimates the simulation can use: each three-point estimate
//! in order (min ≤ most likely ≤ max) and frequencies within what can be
//! simulated. The schema already refuses negative values.

use super::Ctx;
use crate::diag::Code;
use crate::model::Estimate;
use crate::risk::simulate::{MAX_FREQUENCY, Pert, PertError};

pub fn check(ctx: &mut Ctx) {
    let repo = ctx.repo;
    for r in &repo.risks {
        let Some(loss) = &r.value.loss else {
            continue;
        };
        for (name, est) in [
            ("frequency", &loss.frequency),
            ("magnitude", &loss.magnitude),
        ] {
            let Some(est) = est else {
                continue;
            };
            estimate(ctx, r.file, r.value.id.as_str(), name, est);
        }
        if let Some(f) = &loss.frequency
            && f.max > MAX_FREQUENCY
        {
            ctx.emit(
                Code::InvalidValue,
                r.file,
                "/loss/frequency/max",
                format!(
                    "risk `{}`: a loss event frequency of {} a year is more than the simulation handles ({MAX_FREQUENCY})",
                    r.value.id, f.max
                ),
                "model fewer events with a larger loss each (magnitude)".into(),
            );
        }
    }
}

fn estimate(ctx: &mut Ctx, file: usize, id: &str, name: &str, e: &Estimate) {
    let (field, why) = match Pert::new(e.min, e.most_likely, e.max) {
        Ok(_) => return,
        Err(err @ PertError::MinAboveMode) => ("min", err),
        Err(err @ PertError::ModeAboveMax) => ("max", err),
        // The schema reports these.
        Err(PertError::Negative | PertError::NotFinite) => return,
    };
    ctx.emit(
        Code::InvalidValue,
        file,
        &format!("/loss/{name}/{field}"),
        format!(
            "risk `{id}`: loss {name} {why} ({} / {} / {})",
            e.min, e.most_likely, e.max
        ),
        "a three-point estimate needs min ≤ most_likely ≤ max".into(),
    );
}
