//! The builtins: every builtin a NixOS, disko or impermanence config, or
//! nixpkgs' `lib`, reaches in pure evaluation. Fetchers and builds are
//! deliberately absent: they fail with an error saying so.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::rc::Rc;

use super::store::{self, Derivation, DrvOutput};
use super::value::merge_ctx;
use super::{
    type_err, Attr, Attrs, ErrorKind, Eval, EvalError, EvalResult, NixString, PrimOp, PrimOpApp,
    Thunk, Value,
};
use nixplan_syntax::lower::{BinOp, Param};
use nixplan_syntax::Span;

type R = EvalResult<Value>;

macro_rules! primops {
    ($( $name:literal / $arity:literal => $f:ident ),* $(,)?) => {
        static PRIMOPS: &[PrimOp] = &[ $( PrimOp { name: $name, arity: $arity, run: $f } ),* ];
    };
}

primops! {
    "abort"/1 => p_abort, "add"/2 => p_add, "addErrorContext"/2 => p_add_error_context,
    "all"/2 => p_all, "any"/2 => p_any, "attrNames"/1 => p_attr_names, "attrValues"/1 => p_attr_values,
    "baseNameOf"/1 => p_base_name_of, "bitAnd"/2 => p_bit_and, "bitOr"/2 => p_bit_or, "bitXor"/2 => p_bit_xor,
    "catAttrs"/2 => p_cat_attrs, "ceil"/1 => p_ceil, "compareVersions"/2 => p_compare_versions,
    "concatLists"/1 => p_concat_lists, "concatMap"/2 => p_concat_map, "concatStringsSep"/2 => p_concat_strings_sep,
    "deepSeq"/2 => p_deep_seq, "derivationStrict"/1 => p_derivation_strict, "dirOf"/1 => p_dir_of,
    "div"/2 => p_div, "elem"/2 => p_elem, "elemAt"/2 => p_elem_at, "filter"/2 => p_filter, "floor"/1 => p_floor,
    "foldl'"/3 => p_foldl, "fromJSON"/1 => p_from_json, "fromTOML"/1 => p_from_toml, "functionArgs"/1 => p_function_args,
    "genList"/2 => p_gen_list, "genericClosure"/1 => p_generic_closure, "getAttr"/2 => p_get_attr, "getEnv"/1 => p_get_env,
    "groupBy"/2 => p_group_by, "hasAttr"/2 => p_has_attr, "hashString"/2 => p_hash_string, "head"/1 => p_head,
    "import"/1 => p_import, "intersectAttrs"/2 => p_intersect_attrs, "isAttrs"/1 => p_is_attrs, "isBool"/1 => p_is_bool,
    "isFloat"/1 => p_is_float, "isFunction"/1 => p_is_function, "isInt"/1 => p_is_int, "isList"/1 => p_is_list,
    "isNull"/1 => p_is_null, "isPath"/1 => p_is_path, "isString"/1 => p_is_string, "length"/1 => p_length,
    "lessThan"/2 => p_less_than, "listToAttrs"/1 => p_list_to_attrs, "map"/2 => p_map, "mapAttrs"/2 => p_map_attrs,
    "match"/2 => p_match, "mul"/2 => p_mul, "parseDrvName"/1 => p_parse_drv_name, "partition"/2 => p_partition,
    "pathExists"/1 => p_path_exists, "placeholder"/1 => p_placeholder, "readDir"/1 => p_read_dir,
    "readFile"/1 => p_read_file, "readFileType"/1 => p_read_file_type, "removeAttrs"/2 => p_remove_attrs,
    "replaceStrings"/3 => p_replace_strings, "seq"/2 => p_seq, "sort"/2 => p_sort, "split"/2 => p_split,
    "splitVersion"/1 => p_split_version, "stringLength"/1 => p_string_length, "sub"/2 => p_sub,
    "substring"/3 => p_substring, "tail"/1 => p_tail, "throw"/1 => p_throw, "toFile"/2 => p_to_file,
    "toJSON"/1 => p_to_json, "toPath"/1 => p_to_path, "toString"/1 => p_to_string, "trace"/2 => p_trace,
    "traceVerbose"/2 => p_trace_verbose, "tryEval"/1 => p_try_eval, "typeOf"/1 => p_type_of,
    "unsafeDiscardStringContext"/1 => p_discard_context, "unsafeDiscardOutputDependency"/1 => p_discard_output_dep,
    "unsafeGetAttrPos"/2 => p_get_attr_pos, "warn"/2 => p_warn, "zipAttrsWith"/2 => p_zip_attrs_with,
    "hasContext"/1 => p_has_context, "getContext"/1 => p_get_context, "path"/1 => p_path,
    "hashFile"/2 => p_hash_file, "findFile"/2 => p_find_file, "storePath"/1 => p_store_path,
    "fetchTarball"/1 => p_no_fetch, "fetchurl"/1 => p_no_fetch, "fetchGit"/1 => p_no_fetch,
    "fetchTree"/1 => p_no_fetch, "fetchMercurial"/1 => p_no_fetch, "getFlake"/1 => p_no_fetch,
    "filterSource"/2 => p_filter_source, "scopedImport"/2 => p_scoped_import,
    "__nixplanOpaque"/1 => p_nixplan_opaque, "__nixplanLockedPath"/1 => p_nixplan_locked_path,
    "__nixplanPackageCall"/2 => p_nixplan_package_call, "__nixplanThrowAt"/2 => p_nixplan_throw_at, "__nixplanSetPositions"/2 => p_nixplan_set_positions,
}

/// Names that are in scope without `builtins.`.
const TOP_LEVEL: &[&str] = &[
    "abort",
    "baseNameOf",
    "derivationStrict",
    "dirOf",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "placeholder",
    "removeAttrs",
    "throw",
    "toString",
];

/// `derivation`, written in Nix on top of `derivationStrict`: one attribute
/// set per output, each with `outPath`, `drvPath`, `type` and `outputName`.
const DERIVATION_NIX: &str = r#"
attrs:
let
  strict = builtins.derivationStrict attrs;
  outNames = attrs.outputs or [ "out" ];
  withOutput = name: base // {
    outPath = strict.${name};
    drvPath = strict.drvPath;
    type = "derivation";
    outputName = name;
  };
  perOutput = builtins.listToAttrs (map (name: { inherit name; value = withOutput name; }) outNames);
  base = attrs // perOutput // {
    all = map (name: perOutput.${name}) outNames;
    drvAttrs = attrs;
  };
in perOutput.${builtins.head outNames}
"#;

pub(crate) fn install(ev: &mut Eval) {
    let mut b = Attrs::new();
    for op in PRIMOPS {
        let v = Value::PrimOp(Rc::new(PrimOpApp {
            op,
            args: Vec::new(),
        }));
        b.insert_value(op.name, v.clone());
        let global = if op.name.starts_with("__") {
            op.name.to_string()
        } else {
            format!("__{}", op.name)
        };
        ev.set_global(&global, Thunk::ready(v));
    }
    b.insert_value("true", Value::Bool(true));
    b.insert_value("false", Value::Bool(false));
    b.insert_value("null", Value::Null);
    b.insert_value(
        "currentSystem",
        Value::str(ev.settings.current_system.clone()),
    );
    b.insert_value("storeDir", Value::str(ev.settings.store_dir.clone()));
    b.insert_value("nixVersion", Value::str("2.18.0-nixplan"));
    b.insert_value("langVersion", Value::Int(6));
    let nix_path: Vec<Thunk> = ev
        .settings
        .nix_path
        .iter()
        .map(|(prefix, path)| {
            let mut a = Attrs::new();
            a.insert_value("prefix", Value::str(prefix.clone()));
            a.insert_value("path", Value::str(path.clone()));
            Thunk::ready(Value::attrs(a))
        })
        .collect();
    b.insert_value("nixPath", Value::list(nix_path));
    let builtins_thunk = Thunk::ready(Value::Null);
    b.insert("builtins", builtins_thunk.clone());
    for (name, attr) in b.map.iter() {
        if !name.starts_with("__") && !ev.globals.contains_key(&format!("__{name}")[..]) {
            ev.set_global(&format!("__{name}"), attr.value.clone());
        }
    }
    for name in TOP_LEVEL {
        let t = b.get(name).expect("top-level builtin exists").clone();
        ev.set_global(name, t);
    }
    ev.set_global("true", Thunk::ready(Value::Bool(true)));
    ev.set_global("false", Thunk::ready(Value::Bool(false)));
    ev.set_global("null", Thunk::ready(Value::Null));
    let bv = Value::attrs(b);
    *builtins_thunk.0.borrow_mut() = super::ThunkState::Done(bv.clone());
    ev.set_global("builtins", Thunk::ready(bv.clone()));
    // `derivation` is Nix code over derivationStrict.
    let (_, root) = match ev.load_source("<nixplan/derivation.nix>", None, DERIVATION_NIX, "/") {
        Ok(x) => x,
        Err(_) => unreachable!("the built-in derivation source parses"),
    };
    let env = super::Env::new(None, super::Slots::new());
    let t = Thunk::pending(root, env);
    ev.set_global("derivation", t.clone());
    if let Value::Attrs(a) = bv {
        // builtins.derivation too (the set is shared, so patch in place).
        let mut m = (*a).clone();
        m.insert("derivation", t);
        *builtins_thunk.0.borrow_mut() = super::ThunkState::Done(Value::attrs(m.clone()));
        ev.set_global("builtins", builtins_thunk);
    }
}

// ----- helpers ------------------------------------------------------------

impl Eval {
    pub fn force_int(&mut self, t: &Thunk, span: Span) -> EvalResult<i64> {
        match self.force(t)? {
            Value::Int(i) => Ok(i),
            v => Err(type_err(
                format!("value is {} while an integer was expected", v.type_phrase()),
                span,
            )),
        }
    }
    pub fn force_bool(&mut self, t: &Thunk, span: Span) -> EvalResult<bool> {
        match self.force(t)? {
            Value::Bool(b) => Ok(b),
            v => Err(type_err(
                format!("value is {} while a Boolean was expected", v.type_phrase()),
                span,
            )),
        }
    }
    pub fn force_list(&mut self, t: &Thunk, span: Span) -> EvalResult<Rc<Vec<Thunk>>> {
        match self.force(t)? {
            Value::List(l) => Ok(l),
            v => Err(type_err(
                format!("value is {} while a list was expected", v.type_phrase()),
                span,
            )),
        }
    }
    pub fn force_attrs(&mut self, t: &Thunk, span: Span) -> EvalResult<Rc<Attrs>> {
        match self.force(t)? {
            Value::Attrs(a) => Ok(a),
            v => Err(type_err(
                format!("value is {} while a set was expected", v.type_phrase()),
                span,
            )),
        }
    }
    pub fn force_fn(&mut self, t: &Thunk, span: Span) -> EvalResult<Value> {
        let v = self.force(t)?;
        match &v {
            Value::Lambda(_) | Value::PrimOp(_) => Ok(v),
            Value::Attrs(a) if a.get("__functor").is_some() => Ok(v),
            _ => Err(type_err(
                format!("value is {} while a function was expected", v.type_phrase()),
                span,
            )),
        }
    }
    /// A string value (no coercion), with its context.
    pub fn force_string(&mut self, t: &Thunk, span: Span) -> EvalResult<NixString> {
        match self.force(t)? {
            Value::String(s) => Ok(s),
            v => Err(type_err(
                format!("value is {} while a string was expected", v.type_phrase()),
                span,
            )),
        }
    }
    pub fn coerce(
        &mut self,
        t: &Thunk,
        span: Span,
        more: bool,
        copy: bool,
    ) -> EvalResult<NixString> {
        let v = self.force(t)?;
        self.coerce_to_string(&v, span, more, copy)
    }
    /// A path argument: a path value, or a string holding an absolute path.
    pub fn force_path(&mut self, t: &Thunk, span: Span) -> EvalResult<String> {
        let v = self.force(t)?;
        let s = self.coerce_to_string(&v, span, false, false)?;
        if !s.s.starts_with('/') {
            return Err(type_err(
                format!("string '{}' doesn't represent an absolute path", s.s),
                span,
            ));
        }
        Ok(s.s.to_string())
    }

    fn apply1(&mut self, f: &Value, a: Thunk, span: Span) -> R {
        self.call(f, a, span)
    }
    fn apply2(&mut self, f: &Value, a: Thunk, b: Thunk, span: Span) -> R {
        let g = self.call(f, a, span)?;
        self.call(&g, b, span)
    }
    fn lazy_call(f: &Value, args: Vec<Thunk>, span: Span) -> Thunk {
        let f = f.clone();
        Thunk::native(move |ev| ev.call_values(&f, &args, span))
    }
}

fn bool_v(b: bool) -> R {
    Ok(Value::Bool(b))
}

fn ready_str(s: impl Into<Rc<str>>) -> Thunk {
    Thunk::ready(Value::str(s))
}

// ----- primops ------------------------------------------------------------

fn p_abort(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let msg = ev.coerce(&a[0], s, false, false)?;
    Err(EvalError::new(
        ErrorKind::Abort,
        format!(
            "evaluation aborted with the following error message: '{}'",
            msg.s
        ),
        Some(s),
    ))
}
fn p_throw(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let msg = ev.coerce(&a[0], s, false, false)?;
    Err(EvalError::new(ErrorKind::Throw, msg.s.to_string(), Some(s)))
}
fn p_no_fetch(_: &mut Eval, _: &[Thunk], s: Span) -> R {
    Err(EvalError::new(
        ErrorKind::Unsupported,
        "nixplan evaluates offline and does not fetch: pin this source as a flake input, or use --eval nix",
        Some(s),
    ))
}
fn arith(ev: &mut Eval, a: &[Thunk], s: Span, op: BinOp) -> R {
    let x = ev.force(&a[0])?;
    let y = ev.force(&a[1])?;
    ev.arith(op, x, y, s)
}
fn p_add(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    arith(ev, a, s, BinOp::Add)
}
fn p_sub(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    arith(ev, a, s, BinOp::Sub)
}
fn p_mul(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    arith(ev, a, s, BinOp::Mul)
}
fn p_div(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    arith(ev, a, s, BinOp::Div)
}
fn bit(ev: &mut Eval, a: &[Thunk], s: Span, f: fn(i64, i64) -> i64) -> R {
    let x = ev.force_int(&a[0], s)?;
    let y = ev.force_int(&a[1], s)?;
    Ok(Value::Int(f(x, y)))
}
fn p_bit_and(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    bit(ev, a, s, |x, y| x & y)
}
fn p_bit_or(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    bit(ev, a, s, |x, y| x | y)
}
fn p_bit_xor(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    bit(ev, a, s, |x, y| x ^ y)
}
fn round(ev: &mut Eval, a: &[Thunk], s: Span, f: fn(f64) -> f64) -> R {
    match ev.force(&a[0])? {
        Value::Int(i) => Ok(Value::Int(i)),
        Value::Float(x) => {
            let r = f(x);
            if !r.is_finite() || r < i64::MIN as f64 || r >= i64::MAX as f64 {
                return Err(EvalError::new(
                    ErrorKind::Overflow,
                    format!("float {x} does not fit in an integer"),
                    Some(s),
                ));
            }
            Ok(Value::Int(r as i64))
        }
        v => Err(type_err(
            format!("value is {} while a float was expected", v.type_phrase()),
            s,
        )),
    }
}
fn p_ceil(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    round(ev, a, s, f64::ceil)
}
fn p_floor(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    round(ev, a, s, f64::floor)
}
fn p_less_than(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let x = ev.force(&a[0])?;
    let y = ev.force(&a[1])?;
    Ok(Value::Bool(ev.less_than(&x, &y, s)?))
}

fn p_add_error_context(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    match ev.force(&a[1]) {
        Ok(v) => Ok(v),
        Err(mut e) => {
            if let Ok(msg) = ev.coerce(&a[0], s, false, false) {
                e.add_trace(s, msg.s.to_string());
            }
            Err(e)
        }
    }
}

fn p_all(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_any(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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

fn p_attr_names(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let attrs = ev.force_attrs(&a[0], s)?;
    Ok(Value::list(
        attrs.names().map(|n| ready_str(n.clone())).collect(),
    ))
}
fn p_attr_values(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let attrs = ev.force_attrs(&a[0], s)?;
    Ok(Value::list(
        attrs.map.values().map(|x| x.value.clone()).collect(),
    ))
}
fn p_cat_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_get_attr(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_has_attr(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    let attrs = ev.force_attrs(&a[1], s)?;
    bool_v(attrs.get(&name.s).is_some())
}
fn p_get_attr_pos(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    let attrs = ev.force_attrs(&a[1], s)?;
    match attrs.map.get(&name.s).and_then(|x| x.pos) {
        Some(pos) => Ok(ev.pos_value(pos)),
        None => Ok(Value::Null),
    }
}
impl Eval {
    /// `{ file; line; column; }` of a span.
    pub fn pos_value(&self, pos: Span) -> Value {
        let f = self.sources.file(pos.file);
        let (line, col) = f.line_col(pos.start);
        let mut p = Attrs::new();
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
fn p_intersect_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let x = ev.force_attrs(&a[0], s)?;
    let y = ev.force_attrs(&a[1], s)?;
    let mut out = Attrs::new();
    for (k, v) in y.map.iter() {
        if x.map.contains_key(k) {
            out.map.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::attrs(out))
}
fn p_remove_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let attrs = ev.force_attrs(&a[0], s)?;
    let names = ev.force_list(&a[1], s)?;
    let mut out = (*attrs).clone();
    for n in names.iter() {
        let n = ev.force_string(n, s)?;
        out.map.remove(&n.s);
    }
    Ok(Value::attrs(out))
}
fn p_list_to_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let list = ev.force_list(&a[0], s)?;
    let mut out = Attrs::new();
    for t in list.iter() {
        let e = ev.force_attrs(t, s)?;
        let name = match e.get("name") {
            Some(n) => {
                let n = n.clone();
                ev.force_string(&n, s)?
            }
            None => return Err(ev.missing_attr("name", &e, s)),
        };
        if out.map.contains_key(&name.s) {
            continue;
        }
        let pos = e.map.get("value").and_then(|x| x.pos);
        match e.get("value") {
            Some(v) => {
                out.map.insert(
                    name.s.clone(),
                    Attr {
                        value: v.clone(),
                        pos,
                    },
                );
            }
            None => return Err(ev.missing_attr("value", &e, s)),
        }
    }
    Ok(Value::attrs(out))
}
fn p_map_attrs(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force(&a[0])?;
    let attrs = ev.force_attrs(&a[1], s)?;
    let mut out = Attrs::new();
    for (k, v) in attrs.map.iter() {
        let t = Eval::lazy_call(&f, vec![ready_str(k.clone()), v.value.clone()], s);
        out.map.insert(
            k.clone(),
            Attr {
                value: t,
                pos: v.pos,
            },
        );
    }
    Ok(Value::attrs(out))
}
fn p_zip_attrs_with(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force(&a[0])?;
    let list = ev.force_list(&a[1], s)?;
    let mut acc: BTreeMap<Rc<str>, Vec<Thunk>> = BTreeMap::new();
    for t in list.iter() {
        let attrs = ev.force_attrs(t, s)?;
        for (k, v) in attrs.map.iter() {
            acc.entry(k.clone()).or_default().push(v.value.clone());
        }
    }
    let mut out = Attrs::new();
    for (k, vs) in acc {
        let t = Eval::lazy_call(
            &f,
            vec![ready_str(k.clone()), Thunk::ready(Value::list(vs))],
            s,
        );
        out.insert(k, t);
    }
    Ok(Value::attrs(out))
}

fn p_base_name_of(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.coerce(&a[0], s, false, false)?;
    let t = v.s.strip_suffix('/').unwrap_or(&v.s);
    let base = match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    };
    Ok(Value::String(NixString {
        s: base.into(),
        ctx: v.ctx,
    }))
}
fn p_dir_of(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.force(&a[0])?;
    let is_path = matches!(v, Value::Path(_));
    let st = ev.coerce_to_string(&v, s, false, false)?;
    let dir = match st.s.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => st.s[..i].to_string(),
        None => ".".to_string(),
    };
    if is_path {
        Ok(Value::Path(dir.into()))
    } else {
        Ok(Value::String(NixString {
            s: dir.into(),
            ctx: st.ctx,
        }))
    }
}

fn p_concat_lists(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let lists = ev.force_list(&a[0], s)?;
    let mut out = Vec::new();
    for l in lists.iter() {
        out.extend(ev.force_list(l, s)?.iter().cloned());
    }
    Ok(Value::list(out))
}
fn p_concat_map(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_concat_strings_sep(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_elem(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let x = ev.force(&a[0])?;
    for t in ev.force_list(&a[1], s)?.iter() {
        let y = ev.force(t)?;
        if ev.equal(&x, &y)? {
            return bool_v(true);
        }
    }
    bool_v(false)
}
fn p_elem_at(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let list = ev.force_list(&a[0], s)?;
    let n = ev.force_int(&a[1], s)?;
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
fn p_head(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_tail(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let list = ev.force_list(&a[0], s)?;
    if list.is_empty() {
        return Err(EvalError::new(
            ErrorKind::Other,
            "'tail' called on an empty list",
            Some(s),
        ));
    }
    Ok(Value::list(list[1..].to_vec()))
}
fn p_length(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    Ok(Value::Int(ev.force_list(&a[0], s)?.len() as i64))
}
fn p_filter(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_foldl(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_gen_list(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force(&a[0])?;
    let n = ev.force_int(&a[1], s)?;
    if n < 0 {
        return Err(EvalError::new(
            ErrorKind::Other,
            format!("cannot create list of size {n}"),
            Some(s),
        ));
    }
    let out = (0..n)
        .map(|i| Eval::lazy_call(&f, vec![Thunk::ready(Value::Int(i))], s))
        .collect();
    Ok(Value::list(out))
}
fn p_map(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force(&a[0])?;
    let list = ev.force_list(&a[1], s)?;
    Ok(Value::list(
        list.iter()
            .map(|t| Eval::lazy_call(&f, vec![t.clone()], s))
            .collect(),
    ))
}
fn p_group_by(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force_fn(&a[0], s)?;
    let list = ev.force_list(&a[1], s)?;
    let mut acc: BTreeMap<Rc<str>, Vec<Thunk>> = BTreeMap::new();
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
    let mut out = Attrs::new();
    for (k, v) in acc {
        out.insert_value(k, Value::list(v));
    }
    Ok(Value::attrs(out))
}
fn p_partition(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let f = ev.force_fn(&a[0], s)?;
    let list = ev.force_list(&a[1], s)?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for t in list.iter() {
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
    let mut out = Attrs::new();
    out.insert_value("right", Value::list(right));
    out.insert_value("wrong", Value::list(wrong));
    Ok(Value::attrs(out))
}
fn p_sort(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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

fn merge_sort(v: &mut Vec<Thunk>, less: &mut dyn FnMut(&Thunk, &Thunk) -> bool) {
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

fn p_deep_seq(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.force(&a[0])?;
    ev.deep_force(&v, s)?;
    ev.force(&a[1])
}
fn p_seq(ev: &mut Eval, a: &[Thunk], _s: Span) -> R {
    ev.force(&a[0])?;
    ev.force(&a[1])
}

fn p_function_args(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    match ev.force(&a[0])? {
        Value::Lambda(c) => {
            let mut out = Attrs::new();
            if let Param::Formals { formals, .. } = &c.def.param {
                for f in formals {
                    out.map.insert(
                        f.name.clone(),
                        Attr {
                            value: Thunk::ready(Value::Bool(f.default.is_some())),
                            pos: Some(f.span),
                        },
                    );
                }
            }
            Ok(Value::attrs(out))
        }
        Value::PrimOp(_) => Ok(Value::attrs(Attrs::new())),
        v => Err(type_err(
            format!("value is {} while a function was expected", v.type_phrase()),
            s,
        )),
    }
}

fn p_generic_closure(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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

fn p_get_env(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    Ok(Value::str(
        ev.settings.env.get(&*name.s).cloned().unwrap_or_default(),
    ))
}

fn p_hash_string(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let algo = ev.force_string(&a[0], s)?;
    let data = ev.coerce(&a[1], s, false, false)?;
    Ok(Value::str(hash_hex(&algo.s, data.s.as_bytes(), s)?))
}
fn hash_hex(algo: &str, data: &[u8], s: Span) -> EvalResult<String> {
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
fn p_hash_file(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let algo = ev.force_string(&a[0], s)?;
    let p = ev.force_path(&a[1], s)?;
    let data = ev.read_file_bytes(&p, s)?;
    Ok(Value::str(hash_hex(&algo.s, &data, s)?))
}

fn p_scoped_import(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let scope = ev.force_attrs(&a[0], s)?;
    let p = ev.force_path(&a[1], s)?;
    ev.import_scoped(&p, &scope, s)
}
fn p_import(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    ev.import_path(&p, s)
}

fn is(ev: &mut Eval, a: &[Thunk], f: fn(&Value) -> bool) -> R {
    let v = ev.force(&a[0])?;
    bool_v(f(&v))
}
fn p_is_attrs(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Attrs(_)))
}
fn p_is_bool(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Bool(_)))
}
fn p_is_float(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Float(_)))
}
fn p_is_function(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| v.is_function())
}
fn p_is_int(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Int(_)))
}
fn p_is_list(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::List(_)))
}
fn p_is_null(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Null))
}
fn p_is_path(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::Path(_)))
}
fn p_is_string(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    is(ev, a, |v| matches!(v, Value::String(_)))
}
fn p_type_of(ev: &mut Eval, a: &[Thunk], _: Span) -> R {
    let v = ev.force(&a[0])?;
    Ok(Value::str(v.type_name()))
}

// ----- strings --------------------------------------------------------------

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

fn captures_list(c: &regex::Captures) -> Vec<Thunk> {
    c.iter()
        .skip(1)
        .map(|m| Thunk::ready(m.map(|m| Value::str(m.as_str())).unwrap_or(Value::Null)))
        .collect()
}

fn p_match(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let re = ev.force_string(&a[0], s)?;
    let st = ev.force_string(&a[1], s)?;
    let r = ev.regex(&re.s, true, s)?;
    match r.captures(&st.s) {
        Some(c) => Ok(Value::list(captures_list(&c))),
        None => Ok(Value::Null),
    }
}
fn p_split(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_replace_strings(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_string_length(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.coerce(&a[0], s, false, true)?;
    Ok(Value::Int(st.s.len() as i64))
}
fn p_substring(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_to_string(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    Ok(Value::String(ev.coerce(&a[0], s, true, false)?))
}
fn p_to_path(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    Ok(Value::str(nixplan_syntax::lower::canonicalize_path(&p)))
}
fn p_discard_context(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.coerce(&a[0], s, false, false)?;
    Ok(Value::str(st.s))
}
fn p_discard_output_dep(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.coerce(&a[0], s, false, false)?;
    let mut ctx = BTreeSet::new();
    if let Some(c) = &st.ctx {
        for e in c.iter() {
            ctx.insert(e.strip_prefix('=').unwrap_or(e).to_string());
        }
    }
    Ok(Value::String(NixString::with_ctx(st.s, ctx)))
}
fn p_has_context(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.force_string(&a[0], s)?;
    bool_v(st.ctx.is_some())
}
fn p_get_context(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_trace(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.force(&a[0])?;
    let msg = match &v {
        Value::String(st) => st.s.to_string(),
        other => {
            ev.deep_force(other, s)?;
            ev.print_nix(other, s)?
        }
    };
    ev.messages.push(format!("trace: {msg}"));
    ev.force(&a[1])
}
fn p_trace_verbose(ev: &mut Eval, a: &[Thunk], _s: Span) -> R {
    ev.force(&a[1])
}
fn p_warn(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let msg = ev.force_string(&a[0], s)?;
    ev.messages.push(format!("evaluation warning: {}", msg.s));
    ev.force(&a[1])
}
fn p_try_eval(ev: &mut Eval, a: &[Thunk], _s: Span) -> R {
    let mut out = Attrs::new();
    match ev.force(&a[0]) {
        Ok(v) => {
            out.insert_value("success", Value::Bool(true));
            out.insert_value("value", v);
        }
        Err(e) if e.catchable() => {
            out.insert_value("success", Value::Bool(false));
            out.insert_value("value", Value::Bool(false));
        }
        Err(e) => return Err(e),
    }
    Ok(Value::attrs(out))
}

// ----- versions -------------------------------------------------------------

fn next_component(s: &[u8], mut p: usize) -> (usize, String) {
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

fn component_lt(c1: &str, c2: &str) -> bool {
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

fn p_compare_versions(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let x = ev.force_string(&a[0], s)?;
    let y = ev.force_string(&a[1], s)?;
    Ok(Value::Int(compare_versions(&x.s, &y.s)))
}
fn p_split_version(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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
fn p_parse_drv_name(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
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

fn p_to_json(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let v = ev.force(&a[0])?;
    let mut ctx = BTreeSet::new();
    let text = ev.print_json(&v, s, &mut ctx)?;
    Ok(Value::String(NixString::with_ctx(text, ctx)))
}

pub(crate) fn json_to_value(j: serde_json::Value) -> Value {
    match j {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => Value::Int(i),
            // Nix reads integers above i64::MAX as unsigned and wraps them.
            (None, Some(u), _) => Value::Int(u as i64),
            // serde_json reads `-0` as the float -0.0; Nix reads it as the integer 0.
            (None, None, Some(f)) if f == 0.0 && f.is_sign_negative() => Value::Int(0),
            (None, None, f) => Value::Float(f.unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(items) => Value::list(
            items
                .into_iter()
                .map(|x| Thunk::ready(json_to_value(x)))
                .collect(),
        ),
        serde_json::Value::Object(m) => {
            let mut a = Attrs::new();
            for (k, v) in m {
                a.insert_value(k, json_to_value(v));
            }
            Value::attrs(a)
        }
    }
}

fn p_from_json(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.force_string(&a[0], s)?;
    let j: serde_json::Value = serde_json::from_str(&st.s)
        .map_err(|e| EvalError::new(ErrorKind::Other, format!("invalid JSON: {e}"), Some(s)))?;
    Ok(json_to_value(j))
}

fn toml_to_value(t: toml::Value, s: Span) -> R {
    Ok(match t {
        toml::Value::String(x) => Value::str(x),
        toml::Value::Integer(i) => Value::Int(i),
        toml::Value::Float(f) => Value::Float(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => {
            return Err(EvalError::new(
                ErrorKind::Unsupported,
                format!("TOML date-time values are not supported ('{d}')"),
                Some(s),
            ))
        }
        toml::Value::Array(items) => {
            let mut out = Vec::new();
            for i in items {
                out.push(Thunk::ready(toml_to_value(i, s)?));
            }
            Value::list(out)
        }
        toml::Value::Table(m) => {
            let mut a = Attrs::new();
            for (k, v) in m {
                a.insert_value(k, toml_to_value(v, s)?);
            }
            Value::attrs(a)
        }
    })
}

fn p_from_toml(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let st = ev.force_string(&a[0], s)?;
    let t: toml::Table = st.s.parse().map_err(|e: toml::de::Error| {
        EvalError::new(
            ErrorKind::Other,
            format!("while parsing TOML: {}", e.message()),
            Some(s),
        )
    })?;
    toml_to_value(toml::Value::Table(t), s)
}

// ----- files ----------------------------------------------------------------

impl Eval {
    pub fn read_file_bytes(&mut self, p: &str, s: Span) -> EvalResult<Vec<u8>> {
        let data = self.fs().read(Path::new(p)).map_err(|e| {
            EvalError::new(ErrorKind::Io, format!("cannot read '{p}': {e}"), Some(s))
        })?;
        self.files_read.push(p.into());
        Ok(data)
    }
}

fn p_read_file(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    let data = ev.read_file_bytes(&p, s)?;
    let text = String::from_utf8(data)
        .map_err(|_| EvalError::new(ErrorKind::Io, format!("'{p}' is not valid UTF-8"), Some(s)))?;
    Ok(Value::str(text))
}
fn p_read_dir(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    let entries = ev.fs().read_dir(Path::new(&p)).map_err(|e| {
        EvalError::new(
            ErrorKind::Io,
            format!("cannot read directory '{p}': {e}"),
            Some(s),
        )
    })?;
    let mut out = Attrs::new();
    for (name, ty) in entries {
        out.insert_value(name, Value::str(ty.nix_name()));
    }
    Ok(Value::attrs(out))
}
fn p_read_file_type(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    let ty = ev
        .fs()
        .file_type(Path::new(&p))
        .map_err(|e| EvalError::new(ErrorKind::Io, format!("cannot stat '{p}': {e}"), Some(s)))?;
    Ok(Value::str(ty.nix_name()))
}
fn p_path_exists(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    bool_v(ev.fs().file_type(Path::new(&p)).is_ok())
}
fn p_find_file(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let _ = ev.force_list(&a[0], s)?;
    let name = ev.force_string(&a[1], s)?;
    ev.find_search_path(&name.s, s)
}
fn p_store_path(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let p = ev.force_path(&a[0], s)?;
    let mut ctx = BTreeSet::new();
    ctx.insert(p.clone());
    Ok(Value::String(NixString::with_ctx(p, ctx)))
}
fn p_path(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let args = ev.force_attrs(&a[0], s)?;
    let path = match args.get("path") {
        Some(t) => {
            let t = t.clone();
            ev.force_path(&t, s)?
        }
        None => return Err(ev.missing_attr("path", &args, s)),
    };
    if args.get("filter").is_some() {
        return Err(EvalError::new(
            ErrorKind::Unsupported,
            "builtins.path with a filter is not supported by the embedded evaluator",
            Some(s),
        ));
    }
    let name = match args.get("name") {
        Some(t) => {
            let t = t.clone();
            ev.force_string(&t, s)?.s.to_string()
        }
        None => path.rsplit('/').next().unwrap_or("").to_string(),
    };
    let hash = store::nar_sha256(ev.fs(), Path::new(&path)).map_err(|e| {
        EvalError::new(ErrorKind::Io, format!("cannot read '{path}': {e}"), Some(s))
    })?;
    let sp = store::make_store_path(&ev.settings.store_dir, "source", &hash, &name);
    let mut ctx = BTreeSet::new();
    ctx.insert(sp.clone());
    Ok(Value::String(NixString::with_ctx(sp, ctx)))
}
fn p_filter_source(_: &mut Eval, _: &[Thunk], s: Span) -> R {
    Err(EvalError::new(
        ErrorKind::Unsupported,
        "builtins.filterSource is not supported by the embedded evaluator",
        Some(s),
    ))
}

// ----- store ------------------------------------------------------------------

/// `{ kind = "pkgs" | "modules" | "input"; name; }` → an opaque stand-in.
fn p_nixplan_opaque(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let args = ev.force_attrs(&a[0], s)?;
    let get = |ev: &mut Eval, n: &str| -> EvalResult<String> {
        match args.get(n).cloned() {
            Some(t) => Ok(ev.force_string(&t, s)?.s.to_string()),
            None => Err(ev.missing_attr(n, &args, s)),
        }
    };
    let kind = get(ev, "kind")?;
    let name = get(ev, "name")?;
    let kind = match kind.as_str() {
        "pkgs" => super::OpaqueKind::Packages,
        "modules" => super::OpaqueKind::Modules,
        "input" => super::OpaqueKind::Input,
        other => {
            return Err(EvalError::new(
                ErrorKind::Other,
                format!("unknown opaque kind '{other}'"),
                Some(s),
            ))
        }
    };
    let path = if kind == super::OpaqueKind::Packages {
        "pkgs".to_string()
    } else {
        name
    };
    let mut out = Attrs::new();
    if kind == super::OpaqueKind::Packages {
        out.insert_value("system", Value::str(path.clone()));
    }
    out.opaque = Some(Rc::new(super::Opaque { kind, path }));
    Ok(Value::attrs(out))
}

/// `set` with each attribute's position taken from `positions` (an
/// attribute set of `{ file; line; column; }` or null): how the module system
/// records where a definition was written.
fn p_nixplan_set_positions(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let set = ev.force_attrs(&a[0], s)?;
    let positions = ev.force_attrs(&a[1], s)?;
    let mut out = (*set).clone();
    for (name, attr) in out.map.iter_mut() {
        let Some(p) = positions.get(name).cloned() else {
            continue;
        };
        let Value::Attrs(pos) = ev.force(&p)? else {
            continue;
        };
        let (Some(f), Some(l), Some(c)) = (
            pos.get("file").cloned(),
            pos.get("line").cloned(),
            pos.get("column").cloned(),
        ) else {
            continue;
        };
        let file = ev.force_string(&f, s)?;
        let line = ev.force_int(&l, s)?;
        let column = ev.force_int(&c, s)?;
        if let Some(span) = ev.sources.span_at(&file.s, line as usize, column as usize) {
            attr.pos = Some(span);
        }
    }
    Ok(Value::attrs(out))
}

/// `throw msg`, reported at `pos` (`{ file; line; column; }`): the module
/// system points type errors and conflicts at the user's definition.
fn p_nixplan_throw_at(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let msg = ev.coerce(&a[1], s, false, false)?;
    let mut span = s;
    if let Value::Attrs(pos) = ev.force(&a[0])? {
        if let (Some(f), Some(l), Some(c)) = (
            pos.get("file").cloned(),
            pos.get("line").cloned(),
            pos.get("column").cloned(),
        ) {
            let file = ev.force_string(&f, s)?;
            let line = ev.force_int(&l, s)?;
            let column = ev.force_int(&c, s)?;
            if let Some(sp) = ev.sources.span_at(&file.s, line as usize, column as usize) {
                span = sp;
            }
        }
    }
    Err(EvalError::new(
        ErrorKind::Throw,
        msg.s.to_string(),
        Some(span),
    ))
}

/// The store path of a locked flake source (`narHash` from flake.lock).
fn p_nixplan_locked_path(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let nar_hash = ev.force_string(&a[0], s)?;
    let raw = decode_hash("sha256", &nar_hash.s).ok_or_else(|| {
        EvalError::new(
            ErrorKind::Other,
            format!("invalid narHash '{}'", nar_hash.s),
            Some(s),
        )
    })?;
    let mut h = [0u8; 32];
    h.copy_from_slice(&raw);
    Ok(Value::str(store::make_store_path(
        &ev.settings.store_dir,
        "source",
        &h,
        "source",
    )))
}

/// Calling a stand-in package gives a package named after the argument.
fn p_nixplan_package_call(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let this = ev.force_attrs(&a[0], s)?;
    let base = this
        .opaque
        .as_ref()
        .map(|o| o.path.clone())
        .unwrap_or_else(|| "pkgs".into());
    let arg = ev.force(&a[1])?;
    let name = match &arg {
        Value::String(st) => st.s.to_string(),
        Value::Attrs(x) => match x.get("name").or(x.get("pname")).cloned() {
            Some(t) => ev.coerce(&t, s, true, false)?.s.to_string(),
            None => base.rsplit('.').next().unwrap_or("package").to_string(),
        },
        _ => base.rsplit('.').next().unwrap_or("package").to_string(),
    };
    let name = if store::check_name(&name).is_ok() {
        name
    } else {
        "package".to_string()
    };
    Ok(ev.opaque_package(&format!("{base}({name})"), &name))
}

fn p_placeholder(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    let h = store::sha256(format!("nix-output:{}", name.s).as_bytes());
    Ok(Value::str(format!("/{}", nix_base32::to_nix_base32(&h))))
}

fn p_to_file(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let name = ev.force_string(&a[0], s)?;
    let contents = ev.coerce(&a[1], s, false, true)?;
    store::check_name(&name.s).map_err(|m| EvalError::new(ErrorKind::Other, m, Some(s)))?;
    let mut refs = BTreeSet::new();
    if let Some(c) = &contents.ctx {
        for e in c.iter() {
            if e.starts_with('=') || e.starts_with('!') {
                return Err(EvalError::new(
                    ErrorKind::Other,
                    format!(
                        "in 'toFile': the file '{}' cannot refer to derivation outputs",
                        name.s
                    ),
                    Some(s),
                ));
            }
            refs.insert(e.clone());
        }
    }
    let p = store::make_text_path(
        &ev.settings.store_dir,
        &name.s,
        contents.s.as_bytes(),
        &refs,
    );
    let mut ctx = BTreeSet::new();
    ctx.insert(p.clone());
    Ok(Value::String(NixString::with_ctx(p, ctx)))
}

fn p_derivation_strict(ev: &mut Eval, a: &[Thunk], s: Span) -> R {
    let attrs = ev.force_attrs(&a[0], s)?;
    let name = match attrs.get("name") {
        Some(t) => {
            let t = t.clone();
            ev.force_string(&t, s)?.s.to_string()
        }
        None => {
            return Err(EvalError::new(
                ErrorKind::MissingAttr,
                "required attribute 'name' missing",
                Some(s),
            ))
        }
    };
    store::check_name(&name).map_err(|m| {
        EvalError::new(
            ErrorKind::Other,
            format!("invalid derivation name: {m}"),
            Some(s),
        )
    })?;
    let ignore_nulls = match attrs.get("__ignoreNulls") {
        Some(t) => {
            let t = t.clone();
            ev.force_bool(&t, s)?
        }
        None => false,
    };
    if attrs.get("__structuredAttrs").is_some() {
        return Err(EvalError::new(
            ErrorKind::Unsupported,
            "__structuredAttrs derivations are not supported by the embedded evaluator",
            Some(s),
        ));
    }
    let mut drv = Derivation::default();
    let mut ctx = BTreeSet::new();
    let mut outputs: Vec<String> = vec!["out".into()];
    let (mut hash, mut hash_algo, mut hash_mode) = (None, None, None);
    for (k, attr) in attrs.map.iter() {
        if &**k == "__ignoreNulls" {
            continue;
        }
        let v = ev.force(&attr.value)?;
        if ignore_nulls && matches!(v, Value::Null) {
            continue;
        }
        match &**k {
            "args" => {
                let list = match &v {
                    Value::List(l) => l.clone(),
                    other => {
                        return Err(type_err(
                            format!("value is {} while a list was expected", other.type_phrase()),
                            s,
                        ))
                    }
                };
                for t in list.iter() {
                    let x = ev.coerce(t, s, true, true)?;
                    merge_ctx(&mut ctx, &x.ctx);
                    drv.args.push(x.s.to_string());
                }
                continue;
            }
            "outputs" => {
                let list = match &v {
                    Value::List(l) => l.clone(),
                    other => {
                        return Err(type_err(
                            format!("value is {} while a list was expected", other.type_phrase()),
                            s,
                        ))
                    }
                };
                let mut outs = Vec::new();
                for t in list.iter() {
                    let o = ev.force_string(t, s)?.s.to_string();
                    if o == "drv" || outs.contains(&o) {
                        return Err(EvalError::new(
                            ErrorKind::Other,
                            format!("invalid or duplicate derivation output '{o}'"),
                            Some(s),
                        ));
                    }
                    outs.push(o);
                }
                if outs.is_empty() {
                    return Err(EvalError::new(
                        ErrorKind::Other,
                        "derivation cannot have an empty set of outputs",
                        Some(s),
                    ));
                }
                outputs = outs;
            }
            _ => {}
        }
        let x = ev.coerce_to_string(&v, s, true, true)?;
        merge_ctx(&mut ctx, &x.ctx);
        match &**k {
            "builder" => drv.builder = x.s.to_string(),
            "system" => drv.platform = x.s.to_string(),
            "outputHash" => hash = Some(x.s.to_string()),
            "outputHashAlgo" => hash_algo = Some(x.s.to_string()),
            "outputHashMode" => hash_mode = Some(x.s.to_string()),
            _ => {}
        }
        drv.env.insert(k.to_string(), x.s.to_string());
    }
    if drv.builder.is_empty() && !drv.env.contains_key("builder") {
        return Err(EvalError::new(
            ErrorKind::MissingAttr,
            "required attribute 'builder' missing",
            Some(s),
        ));
    }
    if !drv.env.contains_key("system") {
        return Err(EvalError::new(
            ErrorKind::MissingAttr,
            "required attribute 'system' missing",
            Some(s),
        ));
    }
    for e in ctx.iter() {
        if let Some(d) = e.strip_prefix('=') {
            let outs: Vec<String> = ev
                .drvs
                .drvs
                .get(d)
                .map(|x| x.outputs.keys().cloned().collect())
                .unwrap_or_else(|| vec!["out".into()]);
            drv.input_drvs
                .entry(d.to_string())
                .or_default()
                .extend(outs);
        } else if let Some(rest) = e.strip_prefix('!') {
            if let Some((o, d)) = rest.split_once('!') {
                drv.input_drvs
                    .entry(d.to_string())
                    .or_default()
                    .insert(o.to_string());
            }
        } else {
            drv.input_srcs.insert(e.clone());
        }
    }
    if let Some(h) = hash {
        if outputs != ["out"] {
            return Err(EvalError::new(
                ErrorKind::Other,
                "multiple outputs are not supported in fixed-output derivations",
                Some(s),
            ));
        }
        let algo = hash_algo.unwrap_or_else(|| "sha256".into());
        let recursive = match hash_mode.as_deref() {
            None | Some("flat") => false,
            Some("recursive") => true,
            Some(m) => {
                return Err(EvalError::new(
                    ErrorKind::Other,
                    format!("invalid value '{m}' for 'outputHashMode'"),
                    Some(s),
                ))
            }
        };
        let raw = decode_hash(&algo, &h).ok_or_else(|| {
            EvalError::new(ErrorKind::Other, format!("invalid hash '{h}'"), Some(s))
        })?;
        let hex_hash = store::hex(&raw);
        let path = store::make_fixed_output_path(
            &ev.settings.store_dir,
            recursive,
            &algo,
            &hex_hash,
            &raw,
            &name,
        );
        drv.env.insert("out".into(), path.clone());
        drv.outputs.insert(
            "out".into(),
            DrvOutput {
                path,
                hash_algo: format!("{}{algo}", if recursive { "r:" } else { "" }),
                hash: hex_hash,
            },
        );
    } else {
        for o in &outputs {
            drv.outputs.insert(
                o.clone(),
                DrvOutput {
                    path: String::new(),
                    hash_algo: String::new(),
                    hash: String::new(),
                },
            );
        }
    }
    let drv_path = ev.drvs.add(&ev.settings.store_dir, &name, drv);
    let outs = ev.drvs.drvs[&drv_path].outputs.clone();
    let mut out = Attrs::new();
    let mut c = BTreeSet::new();
    c.insert(format!("={drv_path}"));
    out.insert_value(
        "drvPath",
        Value::String(NixString::with_ctx(drv_path.clone(), c)),
    );
    for (o, info) in outs {
        let mut c = BTreeSet::new();
        c.insert(format!("!{o}!{drv_path}"));
        out.insert_value(o, Value::String(NixString::with_ctx(info.path, c)));
    }
    Ok(Value::attrs(out))
}

/// A hash given as hex, nix-base32, base64 or SRI.
fn decode_hash(algo: &str, h: &str) -> Option<Vec<u8>> {
    let (algo, body) = match h.split_once('-') {
        Some((a, b)) if ["sha1", "sha256", "sha512", "md5"].contains(&a) => (a, b),
        _ => (algo, h),
    };
    let size = match algo {
        "md5" => 16,
        "sha1" => 20,
        "sha256" => 32,
        "sha512" => 64,
        _ => return None,
    };
    if body.len() == size * 2 {
        return (0..size)
            .map(|i| u8::from_str_radix(&body[2 * i..2 * i + 2], 16).ok())
            .collect();
    }
    if let Some(b) = nix_base32::from_nix_base32(body) {
        if b.len() == size {
            return Some(b);
        }
    }
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()
        .filter(|b| b.len() == size)
}
