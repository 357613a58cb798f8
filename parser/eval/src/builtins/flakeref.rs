//! `builtins.parseFlakeRef` and `builtins.flakeRefToString`: flake
//! references as strings (`github:NixOS/nixpkgs/23.05?dir=lib`) and as the
//! attribute sets nix gives for them (`{ type = "github"; owner = ...; }`).
//! The schemes are nix's: `github:`, `gitlab:`, `sourcehut:`, `git+...`,
//! `hg+...`, `path:`, `tarball+...` and `file+...` (and plain URLs, a
//! tarball when the name says it is an archive), `flake:` and bare ids
//! (indirect). Query parameters are attributes; numbers and Booleans
//! among them are typed as nix types them.

use super::*;

const FORGES: [&str; 3] = ["github", "gitlab", "sourcehut"];
const ARCHIVES: [&str; 8] = [
    ".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst", ".tbz",
];
/// Parameters nix types as numbers and as Booleans.
const NUMBERS: [&str; 2] = ["revCount", "lastModified"];
const BOOLEANS: [&str; 5] = ["submodules", "shallow", "allRefs", "exportIgnore", "lfs"];

fn bad(message: String, s: Span) -> Box<EvalError> {
    EvalError::new(ErrorKind::Other, message, Some(s))
}

/// `%XX` escapes decoded (query values and path parts).
fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// What a query value keeps as it is in a URL; the rest is `%XX`.
const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/')
    .remove(b':');

fn percent_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, QUERY).to_string()
}

fn is_commit(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A flake reference's attributes, in order of insertion (sorted when they
/// become a set).
type Fields = Vec<(String, Value)>;

fn typed(name: &str, value: &str, s: Span) -> EvalResult<Value> {
    if NUMBERS.contains(&name) {
        return value.parse::<i64>().map(Value::Int).map_err(|_| {
            bad(
                format!("flake reference parameter '{name}' is not a number: '{value}'"),
                s,
            )
        });
    }
    if BOOLEANS.contains(&name) {
        return match value {
            "1" | "true" => Ok(Value::Bool(true)),
            "0" | "false" => Ok(Value::Bool(false)),
            _ => Err(bad(
                format!("flake reference parameter '{name}' is not a Boolean: '{value}'"),
                s,
            )),
        };
    }
    Ok(Value::str(value))
}

fn parse_query(query: &str, fields: &mut Fields, s: Span) -> EvalResult<()> {
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        let value = typed(&k, &v, s)?;
        fields.retain(|(n, _)| *n != k);
        fields.push((k, value));
    }
    Ok(())
}

/// The attributes of the flake reference `text`.
fn parse(text: &str, s: Span) -> EvalResult<Fields> {
    let (body, query) = match text.split_once('?') {
        Some((b, q)) => (b, q),
        None => (text, ""),
    };
    if body.contains('#') {
        return Err(bad(
            format!("unexpected fragment in flake reference '{text}'"),
            s,
        ));
    }
    let mut fields: Fields = Vec::new();
    let scheme = body.split_once(':').map(|(sch, _)| sch);
    match scheme {
        Some(forge) if FORGES.contains(&forge) => {
            let rest = &body[forge.len() + 1..];
            let parts: Vec<&str> = rest.split('/').collect();
            if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
                return Err(bad(
                    format!("'{text}' is not a valid {forge} flake reference: it is {forge}:OWNER/REPO[/REF-OR-REV]"),
                    s,
                ));
            }
            fields.push(("type".into(), Value::str(forge)));
            fields.push(("owner".into(), Value::str(percent_decode(parts[0]))));
            fields.push(("repo".into(), Value::str(percent_decode(parts[1]))));
            if let Some(third) = parts.get(2) {
                let key = if is_commit(third) { "rev" } else { "ref" };
                fields.push((key.into(), Value::str(percent_decode(third))));
            }
        }
        Some("path") => {
            fields.push(("type".into(), Value::str("path")));
            fields.push(("path".into(), Value::str(percent_decode(&body[5..]))));
        }
        Some("flake") => indirect(&body[6..], text, &mut fields, s)?,
        Some(sch) if sch.starts_with("git+") || sch.starts_with("hg+") => {
            let (kind, url) = body.split_once('+').expect("checked");
            let kind = if kind == "hg" { "hg" } else { "git" };
            fields.push(("type".into(), Value::str(kind)));
            fields.push(("url".into(), Value::str(url)));
        }
        Some(sch) if sch.starts_with("tarball+") || sch.starts_with("file+") => {
            let (kind, url) = body.split_once('+').expect("checked");
            fields.push(("type".into(), Value::str(kind)));
            fields.push(("url".into(), Value::str(url)));
        }
        Some("http" | "https" | "file") => {
            let archive = ARCHIVES.iter().any(|a| body.ends_with(a));
            fields.push((
                "type".into(),
                Value::str(if archive { "tarball" } else { "file" }),
            ));
            fields.push(("url".into(), Value::str(body)));
        }
        Some(other) if !body.starts_with('/') && !body.starts_with('.') => {
            return Err(bad(
                format!(
                    "'{text}' is not a flake reference nixplan knows: unsupported scheme '{other}'"
                ),
                s,
            ))
        }
        _ if body.starts_with('/') => {
            fields.push(("type".into(), Value::str("path")));
            fields.push(("path".into(), Value::str(body)));
        }
        _ if body.starts_with('.') => {
            return Err(bad(
                format!(
                    "cannot parse the relative flake reference '{text}' without a base directory"
                ),
                s,
            ))
        }
        _ => indirect(body, text, &mut fields, s)?,
    }
    parse_query(query, &mut fields, s)?;
    Ok(fields)
}

/// `nixpkgs`, `nixpkgs/REF`, `nixpkgs/REF/REV`: an indirect reference.
fn indirect(rest: &str, text: &str, fields: &mut Fields, s: Span) -> EvalResult<()> {
    let parts: Vec<&str> = rest.split('/').collect();
    let id_ok = |id: &str| {
        !id.is_empty()
            && id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    if parts.len() > 3 || !id_ok(parts[0]) || parts.iter().any(|p| p.is_empty()) {
        return Err(bad(format!("'{text}' is not a valid flake reference"), s));
    }
    fields.push(("type".into(), Value::str("indirect")));
    fields.push(("id".into(), Value::str(parts[0])));
    for part in &parts[1..] {
        let key = if is_commit(part) { "rev" } else { "ref" };
        fields.push((key.into(), Value::str(*part)));
    }
    Ok(())
}

pub(super) fn p_parse_flake_ref(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let text = ev.force_string(&a[0], s)?;
    let mut out = AttrMap::new();
    for (k, v) in parse(&text.s, s)? {
        out.insert_value(k, v);
    }
    Ok(Value::attrs(out))
}

pub(super) fn p_flake_ref_to_string(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let attrs = ev.force_attrs(&a[0], s)?;
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for (k, attr) in attrs.map.iter() {
        let text = match ev.force(&attr.value)? {
            Value::String(x) => x.s.to_string(),
            Value::Int(i) if i < 0 => {
                return Err(bad(
                    format!("negative value given for flake ref attr {k}: {i}"),
                    s,
                ))
            }
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => if b { "1" } else { "0" }.to_string(),
            other => {
                return Err(type_err(
                    format!(
                        "flake reference attribute '{k}' is {}, while a string, an integer or a Boolean was expected",
                        other.type_phrase()
                    ),
                    s,
                ))
            }
        };
        fields.insert(k.to_string(), text);
    }
    let Some(kind) = fields.remove("type") else {
        return Err(bad("a flake reference needs a 'type' attribute".into(), s));
    };
    let mut take = |name: &str| -> EvalResult<String> {
        fields
            .remove(name)
            .ok_or_else(|| bad(format!("a '{kind}' flake reference needs '{name}'"), s))
    };
    let base = match kind.as_str() {
        forge if FORGES.contains(&forge) => {
            let (owner, repo) = (take("owner")?, take("repo")?);
            let mut base = format!("{forge}:{owner}/{repo}");
            // A rev and a ref together: the rev in the path, the ref as a
            // parameter would be ambiguous; nix writes the ref in the path.
            match (fields.remove("rev"), fields.remove("ref")) {
                (Some(rev), None) => base.push_str(&format!("/{rev}")),
                (None, Some(r)) => base.push_str(&format!("/{r}")),
                (Some(rev), Some(r)) => {
                    base.push_str(&format!("/{r}"));
                    fields.insert("rev".into(), rev);
                }
                (None, None) => {}
            }
            base
        }
        "indirect" => {
            let mut base = format!("flake:{}", take("id")?);
            for key in ["ref", "rev"] {
                if let Some(v) = fields.remove(key) {
                    base.push_str(&format!("/{v}"));
                }
            }
            base
        }
        "path" => format!("path:{}", take("path")?),
        "git" | "hg" => format!("{kind}+{}", take("url")?),
        "tarball" | "file" => {
            let url = take("url")?;
            let plain = url.starts_with("http://") || url.starts_with("https://");
            let archive = ARCHIVES.iter().any(|a| url.ends_with(a));
            if plain && (archive == (kind == "tarball")) {
                url
            } else {
                format!("{kind}+{url}")
            }
        }
        other => {
            return Err(bad(
                format!("unsupported flake reference type '{other}'"),
                s,
            ))
        }
    };
    if fields.is_empty() {
        return Ok(Value::str(base));
    }
    let query: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect();
    Ok(Value::str(format!("{base}?{}", query.join("&"))))
}
