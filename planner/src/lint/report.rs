//! Rendering findings: JSON (an array), SARIF 2.1.0 for code scanning, and
//! the explanation of a rule.

use serde_json::json;

use super::{Finding, RULES};

pub fn json(findings: &[Finding]) -> String {
    let mut s = serde_json::to_string_pretty(findings).expect("findings serialise");
    s.push('\n');
    s
}

pub fn sarif(findings: &[Finding], version: &str) -> String {
    let rules: Vec<_> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.title,
                "shortDescription": { "text": r.title },
                "fullDescription": { "text": r.explanation },
                "defaultConfiguration": { "level": level(r.severity.as_str()) },
                "helpUri": format!("https://nixplan.invalid/explain/{}", r.code),
            })
        })
        .collect();
    let results: Vec<_> = findings
        .iter()
        .map(|f| {
            json!({
                "ruleId": f.code,
                "ruleIndex": RULES.iter().position(|r| r.code == f.code),
                "level": level(f.severity.as_str()),
                "message": { "text": f.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": f.file },
                        "region": { "startLine": f.line, "startColumn": f.column }
                    }
                }]
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "nixplan", "version": version, "informationUri": "https://nixplan.invalid", "rules": rules } },
            "results": results
        }]
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("sarif serialises");
    s.push('\n');
    s
}

fn level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    }
}

pub fn explain(code: &str) -> Option<String> {
    let r = super::rule(code)?;
    Some(format!(
        "{} ({}): {}\n\n{}\n",
        r.code,
        r.severity.as_str(),
        r.title,
        r.explanation
    ))
}
