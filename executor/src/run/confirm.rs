//! Confirmation: destructive actions run only once the user agreed, with
//! `--yes` or at a prompt that names the disks, their sizes and serials.

use super::*;

/// Asks the observer about the destructive actions still to run (unless
/// `--yes` was given); a no refuses the run with nothing changed.
pub(super) fn confirm(
    selected: &[&Action],
    todo: &BTreeSet<String>,
    facts: &Value,
    target: &dyn Transport,
    opts: &ApplyOptions,
    obs: &mut dyn Observer,
) -> Result<(), Refusal> {
    let this_machine = target.is_this_machine();
    // Destructive actions the user has not agreed to yet.
    let destroying: Vec<&&Action> = selected
        .iter()
        .filter(|a| a.destructive && todo.contains(&a.id))
        .filter(|a| holds(a, facts, this_machine))
        .collect();
    if !destroying.is_empty() && !opts.yes {
        let mut disks: Vec<String> = wiped_disks(selected)
            .into_iter()
            .map(|(_, d)| {
                let disk = facts::disk(facts, &d);
                let size = disk.as_ref().and_then(facts::size);
                let serial = disk.as_ref().and_then(facts::serial);
                format!(
                    "{d} ({}{})",
                    size.map(|s| format!("{:.1} GiB", s as f64 / (1u64 << 30) as f64))
                        .unwrap_or_else(|| "size unknown".into()),
                    serial
                        .filter(|s| !s.is_empty())
                        .map(|s| format!(", serial {s}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        disks.dedup();
        let question = format!(
            "{} destructive actions on {}: erases {}. Go ahead?",
            destroying.len(),
            target.describe(),
            if disks.is_empty() {
                "data (see the plan)".to_string()
            } else {
                disks.join(", ")
            }
        );
        if !obs.confirm(&question) {
            return refuse("not confirmed: nothing was changed");
        }
    }

    Ok(())
}
