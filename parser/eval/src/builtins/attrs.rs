//! Attribute sets: names, values, lookups, positions, and the set-building builtins.

use super::*;
use crate::Str;

pub(super) fn p_attr_names(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let attrs = ev.force_attrs(&a[0], s)?;
    Ok(Value::list_of(attrs.names().map(|n| ready_str(n.clone()))))
}

pub(super) fn p_attr_values(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let attrs = ev.force_attrs(&a[0], s)?;
    Ok(Value::list_of(attrs.map.values().map(|x| x.value.clone())))
}

pub(super) fn p_cat_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    let mut out = Vec::new();
    for t in ev.force_list(&a[1], s)?.iter() {
        let attrs = ev.force_attrs(t, s)?;
        if let Some(v) = attrs.get(&name.s) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

pub(super) fn p_get_attr(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    let attrs = ev.force_attrs(&a[1], s)?;
    match attrs.get(&name.s) {
        Some(t) => {
            let t = t.clone();
            ev.force(&t)
        }
        None => Err(ev.missing_attr(&name.s, &attrs, s)),
    }
}

pub(super) fn p_has_attr(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    let attrs = ev.force_attrs(&a[1], s)?;
    bool_v(attrs.get(&name.s).is_some())
}

pub(super) fn p_get_attr_pos(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    let attrs = ev.force_attrs(&a[1], s)?;
    match ev.place_of(&attrs, &name.s) {
        Some(pos) => Ok(ev.pos_value(pos)),
        None => Ok(Value::Null),
    }
}

impl Eval {
    /// Where the attribute `name` of `attrs` is, as `unsafeGetAttrPos`
    /// says: the place a lazy placement gives it (`__nixplanPlaceLazily`),
    /// else its own. `None` when the set has no such name, or the lazy
    /// placement says `false` (no place: a default's value). A place whose
    /// computation fails, or is not `{ file; line; column; }`, is left out
    /// (the name's own is said): a place is never an error.
    pub fn place_of(&mut self, attrs: &Attrs, name: &str) -> Option<Span> {
        let own = attrs.map.get(name)?.pos.map(|p| self.span_of(p));
        if self.lazy_places.is_empty() {
            return own;
        }
        let Some((_, places)) = self.lazy_places.get(&attrs.identity()) else {
            return own;
        };
        let places = places.clone();
        let placed = match self.force(&places) {
            Ok(Value::Attrs(ps)) => ps.get(name).cloned(),
            _ => None,
        };
        let Some(p) = placed else { return own };
        match self.force(&p) {
            // `false`: no place (a value that only a default gives).
            Ok(Value::Bool(false)) => None,
            Ok(_) => self.place_value(&p).or(own),
            Err(_) => own,
        }
    }

    /// The span of a place `{ file; line; column; }` as nixplan's Nix code
    /// makes them (`unsafeGetAttrPos`'s); `None` for anything else, a
    /// place in no file read, or one that fails to evaluate.
    pub fn place_value(&mut self, pos: &Thunk) -> Option<Span> {
        let Ok(Value::Attrs(pos)) = self.force(pos) else {
            return None;
        };
        let field = |ev: &mut Eval, name: &str| ev.force(pos.get(name)?).ok();
        let (Some(Value::String(file)), Some(Value::Int(line)), Some(Value::Int(column))) = (
            field(self, "file"),
            field(self, "line"),
            field(self, "column"),
        ) else {
            return None;
        };
        self.sources.span_at(
            &file.s,
            usize::try_from(line).ok()?,
            usize::try_from(column).ok()?,
        )
    }

    /// `set`, its names placed by `places` when asked (`place_of`). The
    /// set is held by the table, so its address names it as long as the
    /// evaluation lasts (and so are the places' thunks: what they would
    /// force is kept, as the eager placement kept it reachable); a set
    /// placed already is copied first (each placement its own set: the
    /// copy has only the new placement's places and its names' own).
    /// The empty set has no names to place, and is one shared set: it is
    /// left as it is.
    pub fn place_lazily(&mut self, set: Attrs, places: Thunk) -> Attrs {
        if set.is_empty() {
            return set;
        }
        let set = if self.lazy_places.contains_key(&set.identity()) {
            Attrs::with_opaque(set.map.to_map(), set.opaque.clone())
        } else {
            set
        };
        self.lazy_places
            .insert(set.identity(), (set.clone(), places));
        set
    }

    /// `{ file; line; column; }` of a span.
    pub fn pos_value(&self, pos: Span) -> Value {
        let f = self.sources.file(pos.file);
        let (line, col) = f.line_col(pos.start);
        let mut p = AttrMap::new();
        let file = f
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| f.name.clone());
        p.insert_value("file", Value::str(file));
        p.insert_value("line", Value::Int(line as i64));
        p.insert_value("column", Value::Int(col as i64));
        Value::attrs(p)
    }
}

pub(super) fn p_intersect_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let x = ev.force_attrs(&a[0], s)?;
    let y = ev.force_attrs(&a[1], s)?;
    let mut out = AttrMap::new();
    for (k, v) in y.map.iter() {
        if x.map.contains_key(k) {
            out.insert_attr(k.clone(), v.clone());
        }
    }
    // A stand-in package set has every package (`callPackageWith pkgs`
    // intersects a function's arguments with it).
    if y.opaque.as_ref().is_some_and(|o| o.has_every_package()) {
        for k in x.map.keys() {
            if !out.contains_key(k) {
                if let Some(t) = ev.lookup_attr(&y, k, s, crate::Probe::Use)? {
                    out.insert(k.clone(), t);
                }
            }
        }
    }
    Ok(Value::attrs(out))
}

pub(super) fn p_remove_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let attrs = ev.force_attrs(&a[0], s)?;
    let names = ev.force_list(&a[1], s)?;
    let mut gone = Vec::with_capacity(names.len());
    for n in names.iter() {
        gone.push(ev.force_string(n, s)?.s);
    }
    gone.sort_by(|x, y| name_cmp(x, y));
    let mut out = attrs.map.to_map();
    out.retain(|k, _| gone.binary_search_by(|g| name_cmp(g, k)).is_err());
    // A stand-in stays one.
    Ok(Value::Attrs(Attrs::with_opaque(out, attrs.opaque.clone())))
}

pub(super) fn p_list_to_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let list = ev.force_list(&a[0], s)?;
    // The first definition of a name wins: collected in order, then sorted
    // (stably) with the later ones dropped.
    let mut named: Vec<(Str, Attrs)> = Vec::with_capacity(list.len());
    for t in list.iter() {
        let e = ev.force_attrs(t, s)?;
        let name = match e.get("name") {
            Some(n) => {
                let n = n.clone();
                ev.force_string(&n, s)?
            }
            None => return Err(ev.missing_attr("name", &e, s)),
        };
        named.push((name.s, e));
    }
    named.sort_by(|x, y| name_cmp(&x.0, &y.0));
    named.dedup_by(|later, first| name_eq(&later.0, &first.0));
    // As nix: only a kept element's `value` is read.
    let mut map = crate::value::AttrMap::with_capacity(named.len());
    for (name, e) in named {
        match e.map.get("value") {
            Some(v) => map.insert_attr(name, v.clone()),
            None => return Err(ev.missing_attr("value", &e, s)),
        };
    }
    Ok(Value::attrs(map))
}

pub(super) fn p_map_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    // New attributes: as in nix, they have no position of their own
    // (`unsafeGetAttrPos` gives null; nixpkgs' module system relies on it).
    map_attrs(ev, a, s, false)
}

/// `builtins.__nixplanMapAttrs`: `mapAttrs` keeping each attribute's
/// position, for nixplan's own Nix code, which reports the user's lines.
pub(super) fn p_nixplan_map_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    map_attrs(ev, a, s, true)
}

fn map_attrs(ev: &mut Eval, a: &[Thunk], s: Span, keep_positions: bool) -> R {
    // The function is forced by the first attribute forced (nix).
    let attrs = ev.force_attrs(&a[1], s)?;
    if attrs.is_empty() {
        return Ok(Value::Attrs(Attrs::new()));
    }
    let shared = Rc::new(crate::value::MapAttrs {
        callee: Eval::callee_of(&a[0], s),
        source: attrs.clone(),
    });
    // Built from the sorted source in one pass, into its one allocation.
    let map = Attrs::of_sorted(attrs.map.iter().enumerate().map(|(i, (k, v))| {
        let t = Thunk::map_attr(&shared, i as u32);
        let pos = if keep_positions { v.pos } else { None };
        (k.clone(), Attr { value: t, pos })
    }));
    Ok(Value::Attrs(map))
}

/// Each name of `sets` with its values in the sets' order, in name order:
/// `zipAttrsWith`'s attributes. A few sets (disko's) are merged as the
/// sorted runs they are; many (the module system zips thousands of sets
/// that share a few names) are grouped by hashing, their values placed
/// by counting, and only the distinct names sorted.
fn zipped(sets: &[Attrs]) -> Vec<(Str, Rc<[Thunk]>)> {
    /// Up to how many sets are merged (a name's next value is looked for
    /// in each).
    const MERGED: usize = 8;
    if sets.len() <= MERGED {
        return merged(sets);
    }
    let total: usize = sets.iter().map(|a| a.len()).sum();
    // Each entry's group, and each group's name and size. There are at
    // least as many groups as the biggest set has names.
    let most = sets.iter().map(|a| a.len()).max().unwrap_or(0);
    let mut index: rustc_hash::FxHashMap<&str, u32> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(most, Default::default());
    let mut group_of = Vec::with_capacity(total);
    let mut groups: Vec<(&Str, u32)> = Vec::new();
    // (The group of the entry before, tried first: sets that each write
    // the same name or two are the common case.)
    let mut last = u32::MAX;
    for (k, _) in sets.iter().flat_map(|a| a.map.iter()) {
        let g = match groups.get(last as usize) {
            Some(&(name, _)) if name_eq(name, k) => last,
            _ => *index.entry(k).or_insert_with(|| {
                groups.push((k, 0));
                (groups.len() - 1) as u32
            }),
        };
        last = g;
        groups[g as usize].1 += 1;
        group_of.push(g);
    }
    // Each group's values side by side, in the sets' order.
    let mut start: Vec<u32> = Vec::with_capacity(groups.len());
    let mut at = 0;
    for &(_, n) in &groups {
        start.push(at);
        at += n;
    }
    let mut next = start.clone();
    let mut placed: Vec<Option<&Thunk>> = vec![None; total];
    for ((_, v), &g) in sets.iter().flat_map(|a| a.map.iter()).zip(&group_of) {
        placed[next[g as usize] as usize] = Some(&v.value);
        next[g as usize] += 1;
    }
    let mut order: Vec<u32> = (0..groups.len() as u32).collect();
    order.sort_unstable_by(|&x, &y| name_cmp(groups[x as usize].0, groups[y as usize].0));
    order
        .into_iter()
        .map(|g| {
            let (name, n) = groups[g as usize];
            let from = start[g as usize] as usize;
            let values: Rc<[Thunk]> = placed[from..from + n as usize]
                .iter()
                .map(|v| v.expect("every place is filled").clone())
                .collect();
            (name.clone(), values)
        })
        .collect()
}

/// `zipped` for a few sets: each one's entries are in name order, so the
/// smallest name at their heads is the next, with the values of the
/// sets whose head it is.
fn merged(sets: &[Attrs]) -> Vec<(Str, Rc<[Thunk]>)> {
    if let [set] = sets {
        return set
            .map
            .iter()
            .map(|(k, v)| (k.clone(), Rc::from([v.value.clone()])))
            .collect();
    }
    let mut heads: Vec<_> = sets.iter().map(|a| a.map.iter().peekable()).collect();
    let mut out = Vec::with_capacity(sets.iter().map(|a| a.len()).max().unwrap_or(0));
    let mut values = Vec::with_capacity(sets.len());
    loop {
        let mut least: Option<&Str> = None;
        for h in heads.iter_mut() {
            if let Some(&(k, _)) = h.peek() {
                if least.is_none_or(|m| name_cmp(k, m).is_lt()) {
                    least = Some(k);
                }
            }
        }
        let Some(name) = least else {
            return out;
        };
        for h in heads.iter_mut() {
            if let Some((_, v)) = h.next_if(|(k, _)| name_eq(k, name)) {
                values.push(v.value.clone());
            }
        }
        out.push((name.clone(), values.drain(..).collect()));
    }
}

pub(super) fn p_zip_attrs_with(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    // nix forces the function first here, and checks that it is one
    // (`zipAttrsWith 1 [ ]` fails), unlike `mapAttrs`.
    ev.force_fn(&a[0], s)?;
    let list = ev.force_list(&a[1], s)?;
    let mut sets = Vec::with_capacity(list.len());
    for t in list.iter() {
        sets.push(ev.force_attrs(t, s)?);
    }
    let entries = zipped(&sets);
    // One allocation shared by every attribute (its function, and each
    // name with its values), and one thunk for each.
    let zip = Rc::new(crate::value::ZipAttrs {
        callee: Eval::callee_of(&a[0], s),
        entries,
    });
    // In name order already (`zipped` sorts as a set does).
    Ok(Value::Attrs(Attrs::of_sorted(
        zip.entries.iter().enumerate().map(|(i, (k, _))| {
            let value = Thunk::zip_attr(&zip, i as u32);
            (k.clone(), Attr { value, pos: None })
        }),
    )))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    proptest::proptest! {
        /// `zipAttrsWith`'s grouping (`zipped`: up to 8 sets merged, more
        /// hashed, placed by counting and the names sorted) gives each name its values in the
        /// list's order, as a sorted map of lists does: from no set to
        /// many, sharing names or not, one set alone among them.
        #[test]
        fn zipped_names_have_their_values_in_the_lists_order(
            sets in proptest::collection::vec(
                proptest::collection::btree_set("[a-d]{1,2}|x\\.y|é", 0..6),
                0..12,
            ),
        ) {
            let mut want: BTreeMap<String, Vec<usize>> = BTreeMap::new();
            let mut src = String::from("builtins.toJSON (builtins.zipAttrsWith (n: vs: vs) [");
            let mut v = 0;
            for set in &sets {
                src.push_str(" {");
                for name in set {
                    src.push_str(&format!(" {name:?} = {v};"));
                    want.entry(name.clone()).or_default().push(v);
                    v += 1;
                }
                src.push_str(" }");
            }
            src.push_str(" ])");
            let want = serde_json::to_string(&want).expect("JSON");
            proptest::prop_assert_eq!(crate::string_of(&src), want, "{}", src);
        }

        /// `removeAttrs` leaves what a sorted map leaves: names removed
        /// twice, names the set does not have, all of them, none.
        #[test]
        fn removed_names_are_gone_and_the_rest_stay(
            set in proptest::collection::btree_set("[a-d]{1,2}|é", 0..10),
            gone in proptest::collection::vec("[a-d]{1,2}|é", 0..8),
        ) {
            let mut want: BTreeMap<String, usize> =
                set.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
            for g in &gone {
                want.remove(g);
            }
            let defs: String = set.iter().enumerate().map(|(i, n)| format!(" {n:?} = {i};")).collect();
            let names: String = gone.iter().map(|g| format!(" {g:?}")).collect();
            let src = format!("builtins.toJSON (builtins.removeAttrs {{{defs} }} [{names} ])");
            let want = serde_json::to_string(&want).expect("JSON");
            proptest::prop_assert_eq!(crate::string_of(&src), want, "{}", src);
        }
    }
}
