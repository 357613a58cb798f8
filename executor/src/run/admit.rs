//! Admission: a plan runs only if it verifies (hash and graph) and is not stale (its source files unchanged); then the phases the run keeps.

use super::*;

/// The actions this run looks at, if the plan may run at all.
pub(super) fn admit<'p>(
    plan: &'p Plan,
    opts: &ApplyOptions,
    obs: &mut dyn Observer,
) -> Result<Vec<&'p Action>, Refusal> {
    let problems = nixplan_plan::verify::verify(plan);
    if !problems.is_empty() {
        return refuse(format!(
            "the plan does not verify:\n  {}",
            problems.join("\n  ")
        ));
    }
    // A plan that lacks part of the configuration (an activation snippet
    // nixplan could not evaluate) would leave the machine without it.
    if let Some(why) = incomplete(plan) {
        if !opts.dry_run {
            return refuse(why);
        }
        obs.event(Event::Note(format!(
            "this plan is incomplete, apply refuses it:\n  {}",
            plan.lacking().join("\n  ")
        )));
    }
    if let Some(root) = &opts.source_root {
        match stale_sources(plan, root) {
            Ok(changed) if !changed.is_empty() => {
                return refuse(format!(
                    "the plan is stale: {}; plan again",
                    changed.join(", ")
                ))
            }
            Ok(_) => {}
            Err(Some(note)) => obs.event(Event::Note(note)),
            Err(None) => {}
        }
    }
    Ok(select(plan, opts))
}

/// Why a plan may not run because it lacks part of its configuration (an
/// activation snippet nixplan could not evaluate where it was made): it
/// would leave the machine without it. Said before anything runs (the
/// command line checks it before asking for any secret).
pub fn incomplete(plan: &Plan) -> Option<String> {
    let lacking = plan.lacking();
    (!lacking.is_empty()).then(|| {
        format!(
            "the plan is incomplete (it lacks what could not be evaluated where it was made):\n  {}\nmake it evaluable (check out what it reads) and plan again",
            lacking.join("\n  ")
        )
    })
}

/// The plan's source files that changed since it was made.
pub(super) fn stale_sources(
    plan: &Plan,
    root: &std::path::Path,
) -> Result<Vec<String>, Option<String>> {
    let mut changed = Vec::new();
    let mut present = 0;
    for f in &plan.source.files {
        let path = root.join(&f.path);
        match std::fs::read(&path) {
            Ok(data) => {
                present += 1;
                if sha256_hex(&data) != f.sha256 {
                    changed.push(format!("{} changed", f.path));
                }
            }
            Err(_) => changed.push(format!("{} is missing", f.path)),
        }
    }
    if present == 0 && !plan.source.files.is_empty() {
        return Err(Some(format!(
            "the plan's source files are not under {}: not checked for changes",
            root.display()
        )));
    }
    Ok(changed)
}
