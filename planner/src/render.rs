//! Plans for people: text by phase (destructive actions marked), and the
//! summary line.

use std::fmt::Write;

use nixplan_plan::Plan;

pub struct Style {
    pub color: bool,
}

fn paint(style: &Style, code: &str, s: &str) -> String {
    if style.color {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

/// `Plan: 23 actions; wipes /dev/vda; 4 filesystems, 12 directories`
pub fn summary_line(plan: &Plan) -> String {
    if !plan.hosts.is_empty() {
        let lines: Vec<String> = plan.hosts.iter().map(summary_line).collect();
        return format!(
            "Hive deploy of {} hosts: {}",
            plan.hosts.len(),
            lines.join("; ")
        );
    }
    let s = &plan.summary;
    if let Some(goal) = &plan.target.goal {
        let keys = plan
            .actions
            .iter()
            .filter(|a| a.kind == nixplan_plan::Kind::Key)
            .count();
        return format!(
            "Deploy {} ({goal}): {} actions, {keys} keys{}",
            plan.target.name,
            s.actions,
            if plan
                .actions
                .iter()
                .any(|a| a.kind == nixplan_plan::Kind::Watchdog)
            {
                ", rollback unless confirmed"
            } else {
                ""
            }
        );
    }
    let mut line = format!("Plan: {} actions", s.actions);
    if !s.wipes.is_empty() {
        line.push_str(&format!("; wipes {}", s.wipes.join(", ")));
    }
    line.push_str(&format!(
        "; {} filesystems, {} mounts, {} directories",
        s.filesystems, s.mounts, s.directories
    ));
    if s.activation_snippets > 0 {
        line.push_str(&format!(", {} activation snippets", s.activation_snippets));
    }
    line
}

/// What a reviewer must know of the inputs: each one that was not its
/// locked source (a stand-in, empty modules, an override).
pub fn input_lines(plan: &Plan) -> Vec<String> {
    plan.inputs
        .iter()
        .filter(|i| i.source.is_stand_in() || i.source == nixplan_plan::InputSource::Override)
        .map(|i| match i.source {
            nixplan_plan::InputSource::Override => format!(
                "Input {}: overridden with {}",
                i.path,
                i.reference.as_deref().unwrap_or("?")
            ),
            s => {
                let what = match s {
                    nixplan_plan::InputSource::StandIn => "nixplan's stand-in, not the input",
                    nixplan_plan::InputSource::EmptyModules => "unavailable, its modules empty",
                    nixplan_plan::InputSource::LibOnly => {
                        "nixpkgs' real lib, but NixOS is nixplan's declarations"
                    }
                    _ => "unavailable",
                };
                match &i.reason {
                    Some(r) => format!("Input {}: {what} ({r})", i.path),
                    None => format!("Input {}: {what}", i.path),
                }
            }
        })
        .collect()
}

/// What the plan lacks: each part of the configuration that could not be
/// evaluated where it was made (apply refuses such a plan).
pub fn incomplete_lines(plan: &Plan) -> Vec<String> {
    plan.incomplete
        .iter()
        .map(|i| {
            format!(
                "Incomplete: the {} could not be evaluated here ({}); apply refuses this plan",
                i.what, i.error
            )
        })
        .collect()
}

/// What the plan takes as already there, from the phases left out of it.
pub fn assumed_line(plan: &Plan) -> Option<String> {
    if plan.assumed.is_empty() {
        return None;
    }
    Some(format!(
        "Assumed, from phases not in this plan: {}",
        plan.assumed
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// A hive plan's hosts as one plan for the graph formats: every action id
/// (and dependency) prefixed with its host.
fn flattened(plan: &Plan) -> std::borrow::Cow<'_, Plan> {
    if plan.hosts.is_empty() {
        return std::borrow::Cow::Borrowed(plan);
    }
    let mut flat = plan.clone();
    flat.hosts.clear();
    for h in &plan.hosts {
        for a in &h.actions {
            let mut a = a.clone();
            a.id = format!("{}/{}", h.target.name, a.id);
            for d in a.deps.iter_mut() {
                *d = format!("{}/{d}", h.target.name);
            }
            flat.actions.push(a);
        }
        for p in &h.phases {
            if !flat.phases.contains(p) {
                flat.phases.push(*p);
            }
        }
    }
    flat.phases.sort();
    std::borrow::Cow::Owned(flat)
}

pub fn text(plan: &Plan, style: &Style) -> String {
    let mut out = String::new();
    if !plan.hosts.is_empty() {
        let _ = writeln!(
            out,
            "{} {} hosts of {} (goal: {})",
            paint(style, "1", "Deploy"),
            plan.hosts.len(),
            plan.target.name,
            plan.target.goal.as_deref().unwrap_or("?")
        );
        for h in &plan.hosts {
            let _ = write!(out, "\n{}", text(h, style));
        }
        return out;
    }
    let host = plan
        .target
        .host
        .clone()
        .unwrap_or_else(|| "the machine nixplan runs on".into());
    match &plan.target.goal {
        Some(goal) => {
            let _ = writeln!(
                out,
                "{} {} to {host} (goal: {goal})",
                paint(style, "1", "Deploy"),
                plan.target.name
            );
            if let Some(words) = &plan.target.escalation {
                let _ = writeln!(
                    out,
                    "As root through: {} (deployment.privilegeEscalationCommand)",
                    shell_words(words)
                );
            }
        }
        None => {
            let _ = writeln!(
                out,
                "{} {} on {host}",
                paint(style, "1", "Plan for"),
                plan.target.name
            );
            let _ = writeln!(out, "Bootstrap: {}", plan.summary.bootstrap);
        }
    }
    for line in input_lines(plan) {
        let _ = writeln!(out, "{}", paint(style, "1;33", &line));
    }
    for line in incomplete_lines(plan) {
        let _ = writeln!(out, "{}", paint(style, "1;31", &line));
    }
    if let Some(line) = assumed_line(plan) {
        let _ = writeln!(out, "{}", paint(style, "1;33", &line));
    }
    for phase in &plan.phases {
        let _ = writeln!(out, "\n{}", paint(style, "1;4", phase.as_str()));
        for a in plan.actions.iter().filter(|a| &a.phase == phase) {
            let mark = if a.destructive {
                paint(style, "1;31", "!")
            } else {
                " ".into()
            };
            let id = if a.destructive {
                paint(style, "31", &a.id)
            } else {
                a.id.clone()
            };
            let _ = writeln!(out, "{mark} {id}");
            let _ = writeln!(out, "      {}", a.reason);
            if let Some(argv) = &a.argv {
                let _ = writeln!(out, "      $ {}", shell_words(argv));
            }
            if let Some(script) = &a.script {
                for line in script
                    .lines()
                    .filter(|l| !l.trim().is_empty() && *l != "set -eu" && *l != "set -u")
                {
                    let _ = writeln!(out, "      | {line}");
                }
            }
            if let Some(source) = &a.stdin {
                let _ = writeln!(
                    out,
                    "      < {} (streamed at apply time, not in the plan)",
                    source.trim_start_matches("file:")
                );
            }
            if let Some(c) = &a.condition {
                let _ = writeln!(out, "      if {c}");
            }
            if let Some(src) = &a.source {
                let _ = writeln!(out, "      from {}:{}", src.file, src.line);
            }
        }
    }
    let _ = writeln!(out, "\n{}", paint(style, "1", &summary_line(plan)));
    if plan.summary.destructive > 0 {
        let _ = writeln!(
            out,
            "{} actions marked ! destroy data.",
            plan.summary.destructive
        );
    }
    out
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz: one box per action (destructive ones red), an edge per dependency.
pub fn dot(plan: &Plan) -> String {
    let flat = flattened(plan);
    let plan = flat.as_ref();
    let mut out = String::from(
        "digraph plan {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for phase in &plan.phases {
        let _ = writeln!(
            out,
            "  subgraph \"cluster_{phase}\" {{\n    label=\"{phase}\";"
        );
        for a in plan.actions.iter().filter(|a| &a.phase == phase) {
            let color = if a.destructive {
                ", color=red, fontcolor=red"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    \"{}\" [label=\"{}\\n{}\"{color}];",
                dot_escape(&a.id),
                dot_escape(&a.id),
                dot_escape(a.kind.as_str())
            );
        }
        out.push_str("  }\n");
    }
    for a in &plan.actions {
        for d in &a.deps {
            let _ = writeln!(out, "  \"{}\" -> \"{}\";", dot_escape(d), dot_escape(&a.id));
        }
    }
    out.push_str("}\n");
    out
}

/// Mermaid flowchart, for a picture in a pull request.
pub fn mermaid(plan: &Plan) -> String {
    let flat = flattened(plan);
    let plan = flat.as_ref();
    let index: std::collections::BTreeMap<&str, usize> = plan
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let mut out = String::from("flowchart TD\n");
    for phase in &plan.phases {
        let _ = writeln!(out, "  subgraph {phase}");
        for a in plan.actions.iter().filter(|a| &a.phase == phase) {
            let label = a.id.replace('"', "'");
            let _ = writeln!(out, "    a{}[\"{label}\"]", index[a.id.as_str()]);
        }
        out.push_str("  end\n");
    }
    for a in &plan.actions {
        for d in &a.deps {
            if let Some(i) = index.get(d.as_str()) {
                let _ = writeln!(out, "  a{i} --> a{}", index[a.id.as_str()]);
            }
        }
    }
    let destructive: Vec<String> = plan
        .actions
        .iter()
        .filter(|a| a.destructive)
        .map(|a| format!("a{}", index[a.id.as_str()]))
        .collect();
    if !destructive.is_empty() {
        out.push_str("  classDef destructive stroke:#d00,color:#d00\n");
        let _ = writeln!(out, "  class {} destructive", destructive.join(","));
    }
    out
}

/// A summary fit for a pull-request comment.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    if !plan.hosts.is_empty() {
        let _ = writeln!(
            out,
            "## nixplan: deploy {} hosts of `{}` (goal: {})\n",
            plan.hosts.len(),
            plan.target.name,
            plan.target.goal.as_deref().unwrap_or("?")
        );
        for h in &plan.hosts {
            out.push_str(&markdown(h));
            out.push('\n');
        }
        return out;
    }
    let host = plan
        .target
        .host
        .clone()
        .unwrap_or_else(|| "the machine nixplan runs on".into());
    match &plan.target.goal {
        Some(goal) => {
            let _ = writeln!(
                out,
                "### nixplan: deploy `{}` to {host} (goal: {goal})\n",
                plan.target.name
            );
            if let Some(words) = &plan.target.escalation {
                let _ = writeln!(
                    out,
                    "As root through `{}` (deployment.privilegeEscalationCommand)\n",
                    shell_words(words)
                );
            }
        }
        None => {
            let _ = writeln!(out, "### nixplan: `{}` on {host}\n", plan.target.name);
        }
    }
    let _ = writeln!(out, "**{}**\n", summary_line(plan));
    let _ = writeln!(out, "Bootstrap: {}\n", plan.summary.bootstrap);
    let lines = input_lines(plan);
    if !lines.is_empty() {
        out.push_str("#### ⚠️ Not every input is real\n\n");
        for line in lines {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
    }
    let lines = incomplete_lines(plan);
    if !lines.is_empty() {
        out.push_str("#### ⛔ Incomplete\n\n");
        for line in lines {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
    }
    if let Some(line) = assumed_line(plan) {
        let _ = writeln!(out, "{line}\n");
    }
    let destructive: Vec<_> = plan.actions.iter().filter(|a| a.destructive).collect();
    if !destructive.is_empty() {
        out.push_str("#### ⚠️ Destroys data\n\n| action | what | from |\n|---|---|---|\n");
        for a in destructive {
            let from = a
                .source
                .as_ref()
                .map(|s| format!("`{}:{}`", s.file, s.line))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "| `{}` | {} | {from} |",
                a.id,
                a.reason.replace('|', "\\|")
            );
        }
        out.push('\n');
    }
    out.push_str("| phase | actions |\n|---|---|\n");
    for phase in &plan.phases {
        let _ = writeln!(
            out,
            "| {phase} | {} |",
            plan.actions.iter().filter(|a| &a.phase == phase).count()
        );
    }
    out.push_str("\n<details><summary>Every action</summary>\n\n");
    for a in &plan.actions {
        let cmd = a
            .argv
            .as_ref()
            .map(|v| format!(" — `{}`", shell_words(v).replace('`', "'")))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- {}`{}`: {}{cmd}",
            if a.destructive { "⚠️ " } else { "" },
            a.id,
            a.reason
        );
    }
    let _ = writeln!(out, "\n</details>\n\nPlan hash `{}`", plan.hash);
    out
}

/// An argv as a reader would type it (quoted where the shell needs it).
pub fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|w| nixplan_plan::shell::sh_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}
