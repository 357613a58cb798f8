//! What changed between two plans, destructive changes first: the view a
//! reviewer needs.

use std::collections::BTreeMap;
use std::fmt::Write;

use nixplan_plan::{Action, Plan};

#[derive(Debug, Clone, PartialEq)]
pub enum Change<'a> {
    Added(&'a Action),
    Removed(&'a Action),
    Changed {
        old: &'a Action,
        new: &'a Action,
        fields: Vec<&'static str>,
    },
}

impl Change<'_> {
    fn destructive(&self) -> bool {
        match self {
            Change::Added(a) | Change::Removed(a) => a.destructive,
            Change::Changed { old, new, .. } => old.destructive || new.destructive,
        }
    }
    fn id(&self) -> &str {
        match self {
            Change::Added(a) | Change::Removed(a) => &a.id,
            Change::Changed { new, .. } => &new.id,
        }
    }
}

fn changed_fields(a: &Action, b: &Action) -> Vec<&'static str> {
    let mut f = Vec::new();
    if a.argv != b.argv {
        f.push("argv");
    }
    if a.script != b.script {
        f.push("script");
    }
    if a.env != b.env {
        f.push("env");
    }
    if a.destructive != b.destructive {
        f.push("destructive");
    }
    if a.check != b.check {
        f.push("check");
    }
    if a.condition != b.condition {
        f.push("condition");
    }
    if a.deps != b.deps {
        f.push("deps");
    }
    if a.phase != b.phase || a.kind != b.kind {
        f.push("kind");
    }
    f
}

pub fn diff<'a>(old: &'a Plan, new: &'a Plan) -> Vec<Change<'a>> {
    let olds: BTreeMap<&str, &Action> = old.actions.iter().map(|a| (a.id.as_str(), a)).collect();
    let news: BTreeMap<&str, &Action> = new.actions.iter().map(|a| (a.id.as_str(), a)).collect();
    let mut out = Vec::new();
    for a in &new.actions {
        match olds.get(a.id.as_str()) {
            None => out.push(Change::Added(a)),
            Some(o) => {
                let fields = changed_fields(o, a);
                if !fields.is_empty() {
                    out.push(Change::Changed {
                        old: o,
                        new: a,
                        fields,
                    });
                }
            }
        }
    }
    for a in &old.actions {
        if !news.contains_key(a.id.as_str()) {
            out.push(Change::Removed(a));
        }
    }
    out.sort_by(|x, y| {
        y.destructive()
            .cmp(&x.destructive())
            .then_with(|| x.id().cmp(y.id()))
    });
    out
}

pub fn render(old: &Plan, new: &Plan) -> String {
    let mut out = String::new();
    if !old.hosts.is_empty() || !new.hosts.is_empty() {
        // Host by host (a one-host plan is a hive of one here).
        let (olds, news) = (old.runnable(), new.runnable());
        for n in &news {
            let _ = writeln!(out, "== {}", n.target.name);
            match olds.iter().find(|o| o.target.name == n.target.name) {
                Some(o) => out.push_str(&render(o, n)),
                None => out.push_str("a host the old plan did not deploy to\n"),
            }
        }
        for o in olds
            .iter()
            .filter(|o| !news.iter().any(|n| n.target.name == o.target.name))
        {
            let _ = writeln!(out, "== {}\nno longer deployed to", o.target.name);
        }
        return out;
    }
    // What either plan could not evaluate: an action missing from the new
    // plan because its part became unevaluable is not a removal the user
    // asked for.
    for i in &new.incomplete {
        if !old.incomplete.iter().any(|o| o.what == i.what) {
            let _ = writeln!(
                out,
                "! the new plan lacks {}: it cannot be evaluated here ({})",
                i.what, i.error
            );
        }
    }
    for o in &old.incomplete {
        if !new.incomplete.iter().any(|i| i.what == o.what) {
            let _ = writeln!(
                out,
                "  the new plan has {}, which the old one lacked",
                o.what
            );
        }
    }
    if !new.incomplete.is_empty() {
        let _ = writeln!(
            out,
            "The new plan is incomplete ({} lacking): apply refuses it.",
            new.incomplete.len()
        );
    }
    let changes = diff(old, new);
    if changes.is_empty() {
        out.push_str("No changes: the plans run the same actions.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "{} changes ({} destructive):",
        changes.len(),
        changes.iter().filter(|c| c.destructive()).count()
    );
    for c in &changes {
        let mark = if c.destructive() { "!" } else { " " };
        match c {
            Change::Added(a) => {
                let _ = writeln!(out, "{mark} + {}: {}", a.id, a.reason);
            }
            Change::Removed(a) => {
                let _ = writeln!(out, "{mark} - {}: {}", a.id, a.reason);
            }
            Change::Changed { old, new, fields } => {
                let _ = writeln!(out, "{mark} ~ {} ({})", new.id, fields.join(", "));
                if fields.contains(&"argv") {
                    let _ = writeln!(
                        out,
                        "      was: {}",
                        old.argv
                            .as_ref()
                            .map(|v| crate::render::shell_words(v))
                            .unwrap_or_default()
                    );
                    let _ = writeln!(
                        out,
                        "      now: {}",
                        new.argv
                            .as_ref()
                            .map(|v| crate::render::shell_words(v))
                            .unwrap_or_default()
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use nixplan_plan::{Kind, Phase, Plan, PlanTarget, RunsOn, SourceDigest, Summary};

    fn action(id: &str, argv: &[&str], destructive: bool) -> Action {
        Action {
            id: id.into(),
            phase: Phase::Disko,
            kind: Kind::Mkfs,
            deps: vec![],
            argv: Some(argv.iter().map(|s| s.to_string()).collect()),
            script: None,
            env: Default::default(),
            stdin: None,
            runs_on: RunsOn::Target,
            destructive,
            check: None,
            condition: None,
            needs: vec![],
            produces: vec![],
            source: None,
            reason: id.into(),
        }
    }

    fn plan(actions: Vec<Action>) -> Plan {
        Plan {
            format_version: 1,
            nixplan_version: "t".into(),
            target: PlanTarget {
                name: "t".into(),
                host: None,
                facts: None,
                goal: None,
                port: None,
                ssh_options: Vec::new(),
                escalation: None,
            },
            source: SourceDigest::default(),
            inputs: Vec::new(),
            assumed: Vec::new(),
            incomplete: Vec::new(),
            phases: vec![Phase::Disko],
            actions,
            summary: Summary::default(),
            hash: String::new(),
            signature: None,
            hosts: Vec::new(),
        }
    }

    #[test]
    fn destructive_changes_come_first() {
        let old = plan(vec![
            action("a/mount", &["mount", "x"], false),
            action("b/format", &["mkfs.ext4", "/dev/x"], true),
        ]);
        let new = plan(vec![
            action("a/mount", &["mount", "y"], false),
            action("b/format", &["mkfs.xfs", "/dev/x"], true),
            action("c/new", &["true"], false),
        ]);
        let changes = diff(&old, &new);
        let ids: Vec<&str> = changes.iter().map(|c| c.id()).collect();
        assert_eq!(ids, ["b/format", "a/mount", "c/new"]);
        let text = render(&old, &new);
        assert!(
            text.contains("! ~ b/format (argv)") && text.contains("now: mkfs.xfs /dev/x"),
            "{text}"
        );
    }

    #[test]
    fn a_part_that_became_unevaluable_is_said_before_the_changes() {
        let old = plan(vec![action("activation/secrets", &["true"], false)]);
        let mut new = plan(vec![]);
        new.incomplete.push(nixplan_plan::Incomplete {
            what: "activation snippet secrets".into(),
            error: "cannot read 'x'".into(),
        });
        let text = render(&old, &new);
        let lacks = text.find("! the new plan lacks activation snippet secrets: it cannot be evaluated here (cannot read 'x')");
        let refused = text.find("The new plan is incomplete (1 lacking): apply refuses it.");
        let removed = text.find("- activation/secrets");
        assert!(
            lacks.is_some() && lacks < refused && refused < removed,
            "{text}"
        );
        let back = render(&new, &old);
        assert!(
            back.contains("the new plan has activation snippet secrets, which the old one lacked")
                && !back.contains("incomplete"),
            "{back}"
        );
    }
}
