//! Plans for people: text by phase (destructive actions marked), and the
//! summary line.

use std::fmt::Write;

use crate::plan::Plan;

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
    let s = &plan.summary;
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

pub fn text(plan: &Plan, style: &Style) -> String {
    let mut out = String::new();
    let host = plan
        .target
        .host
        .clone()
        .unwrap_or_else(|| "the machine nixplan runs on".into());
    let _ = writeln!(
        out,
        "{} {} on {host}",
        paint(style, "1", "Plan for"),
        plan.target.name
    );
    let _ = writeln!(out, "Bootstrap: {}", plan.summary.bootstrap);
    for phase in &plan.phases {
        let _ = writeln!(out, "\n{}", paint(style, "1;4", phase));
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
                let _ = writeln!(out, "      $ {}", argv.join(" "));
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
