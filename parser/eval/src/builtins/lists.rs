//! Lists: access, folds, maps, filters, `sort` (stable, as Nix's), `genList`, `genericClosure`.

use super::*;
use crate::Str;

pub(super) fn p_all(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force_fn(&a[0], s)?;
    for t in ev.force_list(&a[1], s)?.iter() {
        let r = ev.apply1(&f, t.clone(), s)?;
        match r {
            Value::Bool(false) => return bool_v(false),
            Value::Bool(true) => {}
            v => {
                return Err(type_err(
                    format!("value is {} while a Boolean was expected", v.type_phrase()),
                    s,
                ))
            }
        }
    }
    bool_v(true)
}

pub(super) fn p_any(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force_fn(&a[0], s)?;
    for t in ev.force_list(&a[1], s)?.iter() {
        let r = ev.apply1(&f, t.clone(), s)?;
        match r {
            Value::Bool(true) => return bool_v(true),
            Value::Bool(false) => {}
            v => {
                return Err(type_err(
                    format!("value is {} while a Boolean was expected", v.type_phrase()),
                    s,
                ))
            }
        }
    }
    bool_v(false)
}

pub(super) fn p_concat_lists(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let lists = ev.force_list(&a[0], s)?;
    let mut out = Vec::new();
    for l in lists.iter() {
        out.extend(ev.force_list(l, s)?.iter().cloned());
    }
    Ok(Value::list(out))
}

pub(super) fn p_concat_map(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force_fn(&a[0], s)?;
    let list = ev.force_list(&a[1], s)?;
    let mut out = Vec::new();
    for t in list.iter() {
        match ev.apply1(&f, t.clone(), s)? {
            Value::List(l) => out.extend(l.iter().cloned()),
            v => {
                return Err(type_err(
                    format!("value is {} while a list was expected", v.type_phrase()),
                    s,
                ))
            }
        }
    }
    Ok(Value::list(out))
}

/// As nix: the list first, and the value only when there is an element
/// to compare it with (`elem (throw "x") []` is false); the same thunk is
/// equal to itself, even a function (nix compares values by address
/// first: `elem f [ f ]` is true).
pub(super) fn p_elem(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let list = ev.force_list(&a[1], s)?;
    // The value looked for is forced once, and only if the list has an
    // element to compare it with (as nix).
    let mut x: Option<Value> = None;
    for t in list.iter() {
        let xv = match &x {
            Some(v) => v,
            None => x.insert(ev.force(&a[0])?),
        };
        let y = ev.force(t)?;
        if a[0].ptr_eq(t) || ev.equal(xv, &y)? {
            return bool_v(true);
        }
    }
    bool_v(false)
}

pub(super) fn p_elem_at(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    // The index first, as nix 2.8 does (`elemAt (throw "l") (throw "i")`
    // says "i").
    let n = ev.force_int(&a[1], s)?;
    let list = ev.force_list(&a[0], s)?;
    if n < 0 || n as usize >= list.len() {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("list index {n} is out of bounds"),
            Some(s),
        ));
    }
    let t = list[n as usize].clone();
    ev.force(&t)
}

pub(super) fn p_head(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let list = ev.force_list(&a[0], s)?;
    match list.first() {
        Some(t) => {
            let t = t.clone();
            ev.force(&t)
        }
        None => Err(EvalError::new(
            ErrorKind::Other,
            "list index 0 is out of bounds",
            Some(s),
        )),
    }
}

pub(super) fn p_tail(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let list = ev.force_list(&a[0], s)?;
    if list.is_empty() {
        return Err(EvalError::new(
            ErrorKind::Other,
            "'tail' called on an empty list",
            Some(s),
        ));
    }
    Ok(Value::list_of(list[1..].iter().cloned()))
}

pub(super) fn p_length(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    Ok(Value::Int(ev.force_list(&a[0], s)?.len() as i64))
}

pub(super) fn p_filter(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force_fn(&a[0], s)?;
    let list = ev.force_list(&a[1], s)?;
    let mut out = Vec::new();
    for t in list.iter() {
        match ev.apply1(&f, t.clone(), s)? {
            Value::Bool(true) => out.push(t.clone()),
            Value::Bool(false) => {}
            v => {
                return Err(type_err(
                    format!("value is {} while a Boolean was expected", v.type_phrase()),
                    s,
                ))
            }
        }
    }
    if out.len() == list.len() {
        return Ok(Value::List(list));
    }
    Ok(Value::list(out))
}

pub(super) fn p_foldl(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force_fn(&a[0], s)?;
    let list = ev.force_list(&a[2], s)?;
    let mut acc = a[1].clone();
    if list.is_empty() {
        return ev.force(&acc);
    }
    let mut last = Value::Null;
    for t in list.iter() {
        last = ev.apply2(&f, acc, t.clone(), s)?;
        acc = Thunk::ready(last.clone());
    }
    Ok(last)
}

pub(super) fn p_gen_list(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    // The function is forced by the first element forced (nix).
    let n = ev.force_int(&a[1], s)?;
    if n < 0 {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("cannot create list of size {n}"),
            Some(s),
        ));
    }
    // Each element is a pending call and its number, two thunks of 48
    // bytes, and the list's pointer to it.
    ev.check_size("a list", usize::try_from(n).unwrap_or(usize::MAX), 104, s)?;
    if n == 0 {
        return Ok(Value::empty_list());
    }
    let callee = Eval::callee(&a[0], s);
    Ok(Value::list_of((0..n).map(|i| {
        Thunk::apply(&callee, Thunk::ready(Value::Int(i)))
    })))
}

pub(super) fn p_map(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    // The function is forced by the first element forced (nix).
    let list = ev.force_list(&a[1], s)?;
    if list.is_empty() {
        return Ok(Value::empty_list());
    }
    let callee = Eval::callee(&a[0], s);
    Ok(Value::list_of(
        list.iter().map(|t| Thunk::apply(&callee, t.clone())),
    ))
}

pub(super) fn p_group_by(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force_fn(&a[0], s)?;
    let list = ev.force_list(&a[1], s)?;
    let mut acc: BTreeMap<Str, Vec<Thunk>> = BTreeMap::new();
    for t in list.iter() {
        let k = ev.apply1(&f, t.clone(), s)?;
        let k = match k {
            Value::String(k) => k.s,
            v => {
                return Err(type_err(
                    format!("value is {} while a string was expected", v.type_phrase()),
                    s,
                ))
            }
        };
        acc.entry(k).or_default().push(t.clone());
    }
    let mut out = AttrMap::new();
    for (k, v) in acc {
        out.insert_value(k, Value::list(v));
    }
    Ok(Value::attrs(out))
}

pub(super) fn p_partition(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force_fn(&a[0], s)?;
    let list = ev.force_list(&a[1], s)?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for t in list.iter() {
        // nix forces each element before the predicate sees it.
        ev.force(t)?;
        match ev.apply1(&f, t.clone(), s)? {
            Value::Bool(true) => right.push(t.clone()),
            Value::Bool(false) => wrong.push(t.clone()),
            v => {
                return Err(type_err(
                    format!("value is {} while a Boolean was expected", v.type_phrase()),
                    s,
                ))
            }
        }
    }
    let mut out = AttrMap::new();
    out.insert_value("right", Value::list(right));
    out.insert_value("wrong", Value::list(wrong));
    Ok(Value::attrs(out))
}

pub(super) fn p_sort(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force_fn(&a[0], s)?;
    let list = ev.force_list(&a[1], s)?;
    let mut items: Vec<Thunk> = list.to_vec();
    for t in &items {
        ev.force(t)?;
    }
    let mut err: Option<Box<EvalError>> = None;
    let mut less = |ev: &mut Eval, x: &Thunk, y: &Thunk| -> bool {
        if err.is_some() {
            return false;
        }
        match ev.apply2(&f, x.clone(), y.clone(), s) {
            Ok(Value::Bool(b)) => b,
            Ok(v) => {
                err = Some(type_err(
                    format!("value is {} while a Boolean was expected", v.type_phrase()),
                    s,
                ));
                false
            }
            Err(e) => {
                err = Some(e);
                false
            }
        }
    };
    // A stable merge sort that asks only "is b before a?", as std::stable_sort does.
    merge_sort(&mut items, &mut |x, y| less(ev, x, y));
    if let Some(e) = err {
        return Err(e);
    }
    Ok(Value::list(items))
}

pub(super) fn merge_sort(v: &mut Vec<Thunk>, less: &mut dyn FnMut(&Thunk, &Thunk) -> bool) {
    if v.len() <= 1 {
        return;
    }
    // insertion sort for small runs
    if v.len() <= 16 {
        for i in 1..v.len() {
            let mut j = i;
            while j > 0 && less(&v[j], &v[j - 1]) {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    let mut right = v.split_off(v.len() / 2);
    merge_sort(v, less);
    merge_sort(&mut right, less);
    let left = std::mem::take(v);
    let (mut i, mut j) = (0, 0);
    v.reserve(left.len() + right.len());
    while i < left.len() && j < right.len() {
        if less(&right[j], &left[i]) {
            v.push(right[j].clone());
            j += 1;
        } else {
            v.push(left[i].clone());
            i += 1;
        }
    }
    v.extend_from_slice(&left[i..]);
    v.extend_from_slice(&right[j..]);
}

pub(super) fn p_generic_closure(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let args = ev.force_attrs(&a[0], s)?;
    let start = match args.get("startSet") {
        Some(t) => t.clone(),
        None => return Err(ev.missing_attr("startSet", &args, s)),
    };
    let op = match args.get("operator") {
        Some(t) => t.clone(),
        None => return Err(ev.missing_attr("operator", &args, s)),
    };
    let op = ev.force_fn(&op, s)?;
    let mut work: std::collections::VecDeque<Thunk> =
        ev.force_list(&start, s)?.iter().cloned().collect();
    let mut seen_fast: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut seen_slow: Vec<Value> = Vec::new();
    let mut first_key: Option<Value> = None;
    let mut out = Vec::new();
    while let Some(t) = work.pop_front() {
        let e = ev.force_attrs(&t, s)?;
        let key = match e.get("key") {
            Some(k) => {
                let k = k.clone();
                ev.force(&k)?
            }
            None => return Err(ev.missing_attr("key", &e, s)),
        };
        // Keys are ordered with `<` in Nix, so keys of different types are an error.
        if let Some(first) = &first_key {
            ev.less_than(first, &key, s)?;
        } else {
            first_key = Some(key.clone());
        }
        let fast = match &key {
            Value::Int(i) => Some(format!("i{i}")),
            Value::String(st) => Some(format!("s{}", st.s)),
            Value::Path(p) => Some(format!("p{p}")),
            _ => None,
        };
        let new = match fast {
            Some(k) => seen_fast.insert(k),
            None => {
                let mut found = false;
                for o in &seen_slow {
                    if ev.equal(o, &key)? {
                        found = true;
                        break;
                    }
                }
                if !found {
                    seen_slow.push(key);
                }
                !found
            }
        };
        if !new {
            continue;
        }
        out.push(t.clone());
        let next = ev.apply1(&op, t, s)?;
        match next {
            Value::List(l) => work.extend(l.iter().cloned()),
            v => {
                return Err(type_err(
                    format!("value is {} while a list was expected", v.type_phrase()),
                    s,
                ))
            }
        }
    }
    Ok(Value::list(out))
}
