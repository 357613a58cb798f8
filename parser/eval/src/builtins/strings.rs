//! Strings: regular expressions, replacement, substrings, string context, hashing of strings, and versions.

use super::*;

pub(super) fn p_concat_strings_sep(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let sep = ev.force_string(&a[0], s)?;
    let list = ev.force_list(&a[1], s)?;
    let mut out = String::new();
    let mut ctx = BTreeSet::new();
    merge_ctx(&mut ctx, &sep.ctx);
    for (i, t) in list.iter().enumerate() {
        let x = ev.coerce(t, s, false, true)?;
        let sep_len = if i > 0 { sep.s.len() } else { 0 };
        ev.check_text(
            out.len().saturating_add(sep_len).saturating_add(x.s.len()),
            s,
        )?;
        if i > 0 {
            out.push_str(&sep.s);
        }
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
    // Where no pattern is empty, only a byte that starts one can start a
    // match: the bytes between are copied in runs, found by `memchr` (a
    // pattern or a few) or by a table of first bytes. An empty pattern
    // matches everywhere, so then every byte is tried.
    let firsts = Firsts::of(pats.iter().map(|p| p.s.as_bytes()));
    let mut p = 0;
    while p <= bytes.len() {
        if let Some(firsts) = &firsts {
            let next = firsts.next_in(bytes, p);
            if next > p {
                ev.check_text(out.len() + (next - p), s)?;
                out.extend_from_slice(&bytes[p..next]);
                p = next;
            }
        }
        let mut found = false;
        for (i, pat) in pats.iter().enumerate() {
            let pb = pat.s.as_bytes();
            if bytes[p..].starts_with(pb) {
                found = true;
                if tos[i].is_none() {
                    tos[i] = Some(ev.force_string(&to[i], s)?);
                }
                let rep = tos[i].as_ref().expect("forced");
                ev.check_text(out.len().saturating_add(rep.s.len()).saturating_add(1), s)?;
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
                if out.len() >= crate::MAX_TEXT {
                    ev.check_text(out.len() + 1, s)?;
                }
                out.push(bytes[p]);
            }
            p += 1;
        }
    }
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(Value::String(NixString::with_ctx(text, ctx)))
}

/// The first bytes of `replaceStrings`' patterns, where none is empty:
/// where the next match may start.
enum Firsts {
    One(u8),
    Two(u8, u8),
    Three(u8, u8, u8),
    Table(Box<[bool; 256]>),
}

impl Firsts {
    fn of<'a>(pats: impl Iterator<Item = &'a [u8]>) -> Option<Firsts> {
        let mut table = Box::new([false; 256]);
        let mut distinct = Vec::new();
        for p in pats {
            let &b = p.first()?;
            if !table[b as usize] {
                table[b as usize] = true;
                distinct.push(b);
            }
        }
        Some(match distinct[..] {
            [a] => Firsts::One(a),
            [a, b] => Firsts::Two(a, b),
            [a, b, c] => Firsts::Three(a, b, c),
            _ => Firsts::Table(table),
        })
    }

    /// The first position at or after `from` where a pattern may start;
    /// `bytes.len()` where none can (the end, where no pattern matches).
    fn next_in(&self, bytes: &[u8], from: usize) -> usize {
        let rest = &bytes[from..];
        let found = match self {
            Firsts::One(a) => memchr::memchr(*a, rest),
            Firsts::Two(a, b) => memchr::memchr2(*a, *b, rest),
            Firsts::Three(a, b, c) => memchr::memchr3(*a, *b, *c, rest),
            Firsts::Table(t) => rest.iter().position(|&b| t[b as usize]),
        };
        found.map_or(bytes.len(), |i| from + i)
    }
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
    let mut out = AttrMap::new();
    for (p, (path, all, outs)) in info {
        let mut x = AttrMap::new();
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
    let mut out = AttrMap::new();
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

fn other_err(message: impl Into<String>, s: Span) -> Box<EvalError> {
    EvalError::new(ErrorKind::Other, message, Some(s))
}

/// `builtins.appendContext STRING CONTEXT`: CONTEXT as `getContext` gives
/// it (`{ PATH = { path = true; allOutputs = true; outputs = [...]; }; }`)
/// added to the string's own.
pub(super) fn p_append_context(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.force_string(&a[0], s)?;
    let add = ev.force_attrs(&a[1], s)?;
    let mut ctx: BTreeSet<String> = st.ctx.as_deref().cloned().unwrap_or_default();
    let store = format!("{}/", ev.settings.store_dir.trim_end_matches('/'));
    for (path, info) in add.map.iter() {
        if !path.starts_with(&store) {
            return Err(other_err(
                format!("context key '{path}' is not a store path"),
                s,
            ));
        }
        let info = ev.force_attrs(&info.value, s)?;
        let flag = |ev: &mut Eval, name: &str| -> EvalResult<bool> {
            match info.get(name).cloned() {
                Some(t) => match ev.force(&t)? {
                    Value::Bool(b) => Ok(b),
                    other => Err(type_err(
                        format!(
                            "expected a Boolean but found {} (the '{name}' of context '{path}')",
                            other.type_phrase()
                        ),
                        s,
                    )),
                },
                None => Ok(false),
            }
        };
        if flag(ev, "path")? {
            ctx.insert(path.to_string());
        }
        if flag(ev, "allOutputs")? {
            if !path.ends_with(".drv") {
                return Err(other_err(
                    format!("tried to add all-outputs context of {path}, which is not a derivation, to a string"),
                    s,
                ));
            }
            ctx.insert(format!("={path}"));
        }
        if let Some(outs) = info.get("outputs").cloned() {
            let outs = ev.force_list(&outs, s)?;
            if !outs.is_empty() && !path.ends_with(".drv") {
                return Err(other_err(
                    format!("tried to add derivation output context of {path}, which is not a derivation, to a string"),
                    s,
                ));
            }
            for o in outs.iter() {
                let o = ev.force_string(o, s)?;
                ctx.insert(format!("!{}!{path}", o.s));
            }
        }
    }
    Ok(Value::String(NixString::with_ctx(st.s, ctx)))
}

/// `builtins.addDrvOutputDependencies`: a string whose one context
/// element is a `.drv` file then depends on all the derivation's outputs.
pub(super) fn p_add_drv_output_dependencies(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.force_string(&a[0], s)?;
    let elements: Vec<String> = st
        .ctx
        .as_deref()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .collect();
    let [only] = elements.as_slice() else {
        return Err(other_err(
            format!(
                "context of string '{}' must have exactly one element, but has {}",
                st.s,
                elements.len()
            ),
            s,
        ));
    };
    let element = if only.starts_with('=') {
        only.clone()
    } else if only.starts_with('!') {
        return Err(other_err(
            format!("`addDrvOutputDependencies` can only act on derivations, not on a derivation output such as '{only}'"),
            s,
        ));
    } else if only.ends_with(".drv") {
        format!("={only}")
    } else {
        return Err(other_err(format!("path '{only}' is not a derivation"), s));
    };
    Ok(Value::String(NixString::with_ctx(
        st.s,
        BTreeSet::from([element]),
    )))
}

/// `builtins.break`: the debugger's breakpoint; without a debugger, its
/// argument.
pub(super) fn p_break(ev: &mut Eval, a: &[Thunk], _s: Span) -> R {
    ev.force(&a[0])
}

/// `builtins.convertHash { hash; hashAlgo ? ; toHashFormat; }`: a hash in
/// hex, nix32, base64 or SRI (or `ALGO:` before the first three) written
/// in another of these.
pub(super) fn p_convert_hash(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let args = ev.force_attrs(&a[0], s)?;
    let get = |ev: &mut Eval, name: &str| -> EvalResult<Option<String>> {
        match args.get(name).cloned() {
            Some(t) => Ok(Some(ev.force_string(&t, s)?.s.to_string())),
            None => Ok(None),
        }
    };
    let Some(hash) = get(ev, "hash")? else {
        return Err(ev.missing_attr("hash", &args, s));
    };
    let Some(format) = get(ev, "toHashFormat")? else {
        return Err(ev.missing_attr("toHashFormat", &args, s));
    };
    let given_algo = get(ev, "hashAlgo")?;
    const ALGOS: [&str; 4] = ["md5", "sha1", "sha256", "sha512"];
    let (algo, body) = if let Some((p, rest)) =
        hash.split_once(':').filter(|(p, _)| ALGOS.contains(p))
    {
        (p.to_string(), rest.to_string())
    } else if let Some((p, _)) = hash.split_once('-').filter(|(p, _)| ALGOS.contains(p)) {
        (p.to_string(), hash.clone())
    } else if let Some(algo) = given_algo.clone() {
        (algo, hash.clone())
    } else {
        return Err(other_err(
            format!("hash '{hash}' does not include a type, nor is the type otherwise known from context"),
            s,
        ));
    };
    if !ALGOS.contains(&algo.as_str()) {
        return Err(other_err(format!("unknown hash algorithm '{algo}'"), s));
    }
    let Some(bytes) = super::paths::decode_hash(&algo, &body) else {
        return Err(other_err(format!("invalid {algo} hash '{hash}'"), s));
    };
    use base64::Engine;
    let b64 = || base64::engine::general_purpose::STANDARD.encode(&bytes);
    let out = match format.as_str() {
        "base16" => store::hex(&bytes),
        "nix32" | "base32" => nix_base32::to_nix_base32(&bytes),
        "base64" => b64(),
        "sri" => format!("{algo}-{}", b64()),
        other => {
            return Err(other_err(
                format!("unknown hash format '{other}', expect 'base16', 'base32', 'nix32', 'base64', or 'sri'"),
                s,
            ))
        }
    };
    Ok(Value::str(out))
}

#[cfg(test)]
mod tests {
    /// `replaceStrings` as Nix defines it, one position at a time: the
    /// first pattern that matches there is replaced (an empty one before
    /// the byte, which is kept), else the byte is kept.
    fn one_at_a_time(from: &[String], to: &[String], input: &str) -> String {
        let (bytes, mut out, mut p) = (input.as_bytes(), Vec::new(), 0);
        while p <= bytes.len() {
            match from
                .iter()
                .position(|f| bytes[p..].starts_with(f.as_bytes()))
            {
                Some(i) => {
                    out.extend_from_slice(to[i].as_bytes());
                    let n = from[i].len();
                    if n == 0 && p < bytes.len() {
                        out.push(bytes[p]);
                    }
                    p += n.max(1);
                }
                None => {
                    out.extend(bytes.get(p));
                    p += 1;
                }
            }
        }
        // (An empty pattern cuts a character's bytes apart, as Nix's does.)
        String::from_utf8_lossy(&out).into_owned()
    }

    proptest::proptest! {
        /// The runs copied between possible matches (`Firsts`) give what
        /// trying every position gives: one to five patterns (an empty
        /// one among them at times), sharing first bytes, over text made
        /// of the same few characters.
        #[test]
        fn replacing_by_runs_is_replacing_at_every_position(
            from in proptest::collection::vec("[ab\\n€]{0,3}", 1..6),
            input in "[abc\\n€]{0,40}",
        ) {
            let to: Vec<String> = (0..from.len()).map(|i| format!("<{i}>")).collect();
            let list = |l: &[String]| {
                l.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(" ")
            };
            let src = format!(
                "builtins.replaceStrings [ {} ] [ {} ] {input:?}",
                list(&from),
                list(&to)
            );
            let want = one_at_a_time(&from, &to, &input);
            proptest::prop_assert_eq!(crate::string_of(&src), want, "{}", src);
        }
    }
}
