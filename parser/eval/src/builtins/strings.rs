//! Strings: regular expressions, replacement, substrings, string context, hashing of strings, and versions.

use super::*;

pub(super) fn p_concat_strings_sep(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let sep = ev.force_string(&a[0], s)?;
    let list = ev.force_list(&a[1], s)?;
    let mut out = String::new();
    let mut ctx = BTreeSet::new();
    merge_ctx(&mut ctx, &sep.ctx);
    for (i, t) in list.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep.s);
        }
        let x = ev.coerce(t, s, false, true)?;
        out.push_str(&x.s);
        merge_ctx(&mut ctx, &x.ctx);
    }
    Ok(Value::String(NixString::with_ctx(out, ctx)))
}

pub(super) fn p_hash_string(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let algo = ev.force_string(&a[0], s)?;
    let data = ev.coerce(&a[1], s, false, false)?;
    Ok(Value::str(hash_hex(&algo.s, data.s.as_bytes(), s)?))
}

pub(super) fn hash_hex(algo: &str, data: &[u8], s: Span) -> EvalResult<String> {
    use sha2::Digest;
    Ok(match algo {
        "md5" => store::hex(&md5::Md5::digest(data)),
        "sha1" => store::hex(&sha1::Sha1::digest(data)),
        "sha256" => store::hex(&sha2::Sha256::digest(data)),
        "sha512" => store::hex(&sha2::Sha512::digest(data)),
        other => {
            return Err(EvalError::new(
                ErrorKind::Other,
                format!("unknown hash algorithm '{other}'"),
                Some(s),
            ))
        }
    })
}

impl Eval {
    fn regex(&mut self, pattern: &str, whole: bool, s: Span) -> EvalResult<Rc<regex::Regex>> {
        let key = format!("{}{pattern}", if whole { "^" } else { "~" });
        if let Some(r) = self.regex_cache.get(&key) {
            return Ok(r.clone());
        }
        // POSIX regular expressions: `.` matches a newline too.
        let src = if whole {
            format!("(?s)^(?:{pattern})$")
        } else {
            format!("(?s){pattern}")
        };
        let r = regex::Regex::new(&src).map_err(|e| {
            EvalError::new(
                ErrorKind::Other,
                format!("invalid regular expression '{pattern}': {e}"),
                Some(s),
            )
        })?;
        let r = Rc::new(r);
        self.regex_cache.insert(key, r.clone());
        Ok(r)
    }
}

pub(super) fn captures_list(c: &regex::Captures) -> Vec<Thunk> {
    c.iter()
        .skip(1)
        .map(|m| Thunk::ready(m.map(|m| Value::str(m.as_str())).unwrap_or(Value::Null)))
        .collect()
}

pub(super) fn p_match(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let re = ev.force_string(&a[0], s)?;
    let st = ev.force_string(&a[1], s)?;
    let r = ev.regex(&re.s, true, s)?;
    match r.captures(&st.s) {
        Some(c) => Ok(Value::list(captures_list(&c))),
        None => Ok(Value::Null),
    }
}

pub(super) fn p_split(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let re = ev.force_string(&a[0], s)?;
    let st = ev.force_string(&a[1], s)?;
    let r = ev.regex(&re.s, false, s)?;
    let mut out = Vec::new();
    let text: &str = &st.s;
    let (mut last, mut pos) = (0, 0);
    // Like std::regex_iterator: an empty match right after a match counts.
    while pos <= text.len() {
        let Some(c) = r.captures_at(text, pos) else {
            break;
        };
        let m = c.get(0).expect("group 0");
        out.push(ready_str(&text[last..m.start()]));
        out.push(Thunk::ready(Value::list(captures_list(&c))));
        last = m.end();
        pos = if m.is_empty() {
            m.end() + text[m.end()..].chars().next().map_or(1, char::len_utf8)
        } else {
            m.end()
        };
    }
    out.push(ready_str(&text[last..]));
    Ok(Value::list(out))
}

pub(super) fn p_replace_strings(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let from = ev.force_list(&a[0], s)?;
    let to = ev.force_list(&a[1], s)?;
    if from.len() != to.len() {
        return Err(EvalError::new(
            ErrorKind::Other,
            "'from' and 'to' arguments passed to builtins.replaceStrings have different lengths",
            Some(s),
        ));
    }
    let input = ev.force_string(&a[2], s)?;
    let mut pats = Vec::new();
    for f in from.iter() {
        pats.push(ev.force_string(f, s)?);
    }
    let mut tos: Vec<Option<NixString>> = vec![None; to.len()];
    let bytes = input.s.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len());
    let mut ctx = BTreeSet::new();
    merge_ctx(&mut ctx, &input.ctx);
    let mut p = 0;
    while p <= bytes.len() {
        let mut found = false;
        for (i, pat) in pats.iter().enumerate() {
            let pb = pat.s.as_bytes();
            if bytes[p..].starts_with(pb) {
                found = true;
                if tos[i].is_none() {
                    tos[i] = Some(ev.force_string(&to[i], s)?);
                }
                let rep = tos[i].as_ref().expect("forced");
                out.extend_from_slice(rep.s.as_bytes());
                merge_ctx(&mut ctx, &rep.ctx);
                if pb.is_empty() {
                    if p < bytes.len() {
                        out.push(bytes[p]);
                    }
                    p += 1;
                } else {
                    p += pb.len();
                }
                break;
            }
        }
        if !found {
            if p < bytes.len() {
                out.push(bytes[p]);
            }
            p += 1;
        }
    }
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(Value::String(NixString::with_ctx(text, ctx)))
}

pub(super) fn p_string_length(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.coerce(&a[0], s, false, true)?;
    Ok(Value::Int(st.s.len() as i64))
}

pub(super) fn p_substring(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let start = ev.force_int(&a[0], s)?;
    let len = ev.force_int(&a[1], s)?;
    let st = ev.coerce(&a[2], s, false, true)?;
    if start < 0 {
        return Err(EvalError::new(
            ErrorKind::Other,
            "negative start position in 'substring'",
            Some(s),
        ));
    }
    let b = st.s.as_bytes();
    let start = (start as usize).min(b.len());
    let end = if len < 0 {
        b.len()
    } else {
        start.saturating_add(len as usize).min(b.len())
    };
    let slice = &b[start..end];
    let text = match std::str::from_utf8(slice) {
        Ok(t) => t.to_string(),
        Err(_) => String::from_utf8_lossy(slice).into_owned(),
    };
    Ok(Value::String(NixString {
        s: text.into(),
        ctx: st.ctx,
    }))
}

pub(super) fn p_to_string(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    Ok(Value::String(ev.coerce(&a[0], s, true, false)?))
}

pub(super) fn p_discard_context(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.coerce(&a[0], s, false, false)?;
    Ok(Value::str(st.s))
}

pub(super) fn p_discard_output_dep(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.coerce(&a[0], s, false, false)?;
    let mut ctx = BTreeSet::new();
    if let Some(c) = &st.ctx {
        for e in c.iter() {
            ctx.insert(e.strip_prefix('=').unwrap_or(e).to_string());
        }
    }
    Ok(Value::String(NixString::with_ctx(st.s, ctx)))
}

pub(super) fn p_has_context(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.force_string(&a[0], s)?;
    bool_v(st.ctx.is_some())
}

pub(super) fn p_get_context(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.force_string(&a[0], s)?;
    let mut info: BTreeMap<String, (bool, bool, Vec<String>)> = BTreeMap::new();
    if let Some(c) = &st.ctx {
        for e in c.iter() {
            if let Some(drv) = e.strip_prefix('=') {
                info.entry(drv.to_string()).or_default().1 = true;
            } else if let Some(rest) = e.strip_prefix('!') {
                if let Some((out, drv)) = rest.split_once('!') {
                    info.entry(drv.to_string())
                        .or_default()
                        .2
                        .push(out.to_string());
                }
            } else {
                info.entry(e.clone()).or_default().0 = true;
            }
        }
    }
    let mut out = Attrs::new();
    for (p, (path, all, outs)) in info {
        let mut x = Attrs::new();
        if path {
            x.insert_value("path", Value::Bool(true));
        }
        if all {
            x.insert_value("allOutputs", Value::Bool(true));
        }
        if !outs.is_empty() {
            x.insert_value(
                "outputs",
                Value::list(outs.into_iter().map(ready_str).collect()),
            );
        }
        out.insert_value(p, Value::attrs(x));
    }
    Ok(Value::attrs(out))
}

pub(super) fn next_component(s: &[u8], mut p: usize) -> (usize, String) {
    while p < s.len() && (s[p] == b'.' || s[p] == b'-') {
        p += 1;
    }
    let start = p;
    if p < s.len() && s[p].is_ascii_digit() {
        while p < s.len() && s[p].is_ascii_digit() {
            p += 1;
        }
    } else {
        while p < s.len() && !(s[p].is_ascii_digit() || s[p] == b'.' || s[p] == b'-') {
            p += 1;
        }
    }
    (p, String::from_utf8_lossy(&s[start..p]).into_owned())
}

pub(super) fn component_lt(c1: &str, c2: &str) -> bool {
    let n1 = c1.parse::<u64>().ok().filter(|_| !c1.is_empty());
    let n2 = c2.parse::<u64>().ok().filter(|_| !c2.is_empty());
    match (n1, n2) {
        (Some(a), Some(b)) => a < b,
        _ if c1.is_empty() && n2.is_some() => true,
        _ if c1 == "pre" && c2 != "pre" => true,
        _ if c2 == "pre" => false,
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

pub fn compare_versions(v1: &str, v2: &str) -> i64 {
    let (b1, b2) = (v1.as_bytes(), v2.as_bytes());
    let (mut p1, mut p2) = (0, 0);
    while p1 < b1.len() || p2 < b2.len() {
        let (n1, c1) = next_component(b1, p1);
        let (n2, c2) = next_component(b2, p2);
        p1 = n1;
        p2 = n2;
        if component_lt(&c1, &c2) {
            return -1;
        }
        if component_lt(&c2, &c1) {
            return 1;
        }
    }
    0
}

pub(super) fn p_compare_versions(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let x = ev.force_string(&a[0], s)?;
    let y = ev.force_string(&a[1], s)?;
    Ok(Value::Int(compare_versions(&x.s, &y.s)))
}

pub(super) fn p_split_version(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let x = ev.force_string(&a[0], s)?;
    let b = x.s.as_bytes();
    let mut p = 0;
    let mut out = Vec::new();
    while p < b.len() {
        let (n, c) = next_component(b, p);
        p = n;
        if c.is_empty() {
            break;
        }
        out.push(ready_str(c));
    }
    Ok(Value::list(out))
}

pub(super) fn p_parse_drv_name(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let x = ev.force_string(&a[0], s)?;
    let b = x.s.as_bytes();
    let mut split = b.len();
    for i in 0..b.len() {
        if b[i] == b'-' && i + 1 < b.len() && !b[i + 1].is_ascii_alphabetic() {
            split = i;
            break;
        }
    }
    let mut out = Attrs::new();
    out.insert_value("name", Value::str(&x.s[..split]));
    out.insert_value(
        "version",
        Value::str(if split < b.len() {
            &x.s[split + 1..]
        } else {
            ""
        }),
    );
    Ok(Value::attrs(out))
}

// ----- JSON and TOML ----------------------------------------------------------
