//! The builtins: every builtin a NixOS, disko or impermanence config, or
//! nixpkgs' `lib`, reaches in pure evaluation. Fetchers and builds are
//! deliberately absent: they fail with an error saying so.

use crate::Str;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::rc::Rc;

use super::store::{self, Derivation, DrvOutput};
use super::value::{merge_ctx, name_cmp, name_eq};
use super::{
    type_err, Attr, AttrMap, Attrs, Callee, ErrorKind, Eval, EvalError, EvalResult, NixString,
    PrimOp, PrimOpApp, PrimOpArgs, Thunk, Value,
};
use nixplan_syntax::lower::{BinOp, Param};
use nixplan_syntax::Span;

mod arith;
mod attrs;
mod control;
mod data;
mod flakeref;
mod lists;
mod nixplan;
mod paths;
mod strings;

use arith::*;
use attrs::*;
use control::*;
use data::*;
use flakeref::*;
use lists::*;
use nixplan::*;
pub(crate) use paths::ask_host;
use paths::*;
use strings::*;

pub(crate) use data::json_to_value;

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
    "appendContext"/2 => p_append_context, "addDrvOutputDependencies"/1 => p_add_drv_output_dependencies,
    "break"/1 => p_break, "parseFlakeRef"/1 => p_parse_flake_ref, "flakeRefToString"/1 => p_flake_ref_to_string, "convertHash"/1 => p_convert_hash, "toJSON"/1 => p_to_json, "toXML"/1 => p_to_xml, "toPath"/1 => p_to_path, "toString"/1 => p_to_string, "trace"/2 => p_trace,
    "traceVerbose"/2 => p_trace_verbose, "tryEval"/1 => p_try_eval, "typeOf"/1 => p_type_of,
    "unsafeDiscardStringContext"/1 => p_discard_context, "unsafeDiscardOutputDependency"/1 => p_discard_output_dep,
    "unsafeGetAttrPos"/2 => p_get_attr_pos, "warn"/2 => p_warn, "zipAttrsWith"/2 => p_zip_attrs_with,
    "hasContext"/1 => p_has_context, "getContext"/1 => p_get_context, "path"/1 => p_path,
    "hashFile"/2 => p_hash_file, "findFile"/2 => p_find_file, "storePath"/1 => p_store_path,
    "fetchTarball"/1 => p_fetch_tarball, "fetchurl"/1 => p_fetchurl, "fetchGit"/1 => p_fetch_git,
    "fetchTree"/1 => p_fetch_tree, "fetchMercurial"/1 => p_no_fetch, "getFlake"/1 => p_get_flake,
    "filterSource"/2 => p_filter_source, "scopedImport"/2 => p_scoped_import,
    "__nixplanOpaque"/1 => p_nixplan_opaque, "__nixplanLockedPath"/1 => p_nixplan_locked_path,
    "__nixplanPackageCall"/2 => p_nixplan_package_call, "__nixplanThrowAt"/2 => p_nixplan_throw_at, "__nixplanSetPositions"/2 => p_nixplan_set_positions, "__nixplanPlaceLazily"/2 => p_nixplan_place_lazily, "__nixplanNarHash"/1 => p_nixplan_nar_hash, "__nixplanMapAttrs"/2 => p_nixplan_map_attrs, "__nixplanHost"/2 => p_nixplan_host, "__nixplanAlias"/2 => p_nixplan_alias, "__nixplanClosest"/2 => p_nixplan_closest,
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
    "scopedImport",
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
    let mut b = AttrMap::new();
    for op in PRIMOPS {
        let v = Value::PrimOp(Rc::new(PrimOpApp {
            op,
            args: PrimOpArgs::new(),
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
            let mut a = AttrMap::new();
            a.insert_value("prefix", Value::str(prefix.clone()));
            a.insert_value("path", Value::str(path.clone()));
            Thunk::ready(Value::attrs(a))
        })
        .collect();
    b.insert_value("nixPath", Value::list(nix_path));
    let builtins_thunk = Thunk::ready(Value::Null);
    b.insert("builtins", builtins_thunk.clone());
    for (name, attr) in b.iter() {
        if !name.starts_with("__") && !ev.globals.contains_key(&format!("__{name}")[..]) {
            ev.set_global(&format!("__{name}"), attr.value.clone());
        }
    }
    for name in TOP_LEVEL {
        let t = b.get(name).expect("top-level builtin exists").value.clone();
        ev.set_global(name, t);
    }
    ev.set_global("true", Thunk::ready(Value::Bool(true)));
    ev.set_global("false", Thunk::ready(Value::Bool(false)));
    ev.set_global("null", Thunk::ready(Value::Null));
    let bv = Value::attrs(b);
    builtins_thunk.0.set(crate::ThunkState::Done(bv.clone()));
    ev.set_global("builtins", Thunk::ready(bv.clone()));
    // `derivation` is Nix code over derivationStrict.
    let (_, root) = match ev.load_source("<nixplan/derivation.nix>", None, DERIVATION_NIX, "/") {
        Ok(x) => x,
        Err(_) => unreachable!("the built-in derivation source parses"),
    };
    let env = crate::Env::root();
    let t = Thunk::pending(root, env);
    ev.set_global("derivation", t.clone());
    if let Value::Attrs(a) = bv {
        // builtins.derivation too (the set is shared, so patch in place).
        let mut m = a.map.to_map();
        m.insert("derivation", t);
        builtins_thunk
            .0
            .set(crate::ThunkState::Done(Value::attrs(m)));
        ev.set_global("builtins", builtins_thunk);
    }
}

// ----- helpers ------------------------------------------------------------

impl Eval {
    pub fn force_int(&mut self, t: &Thunk, span: Span) -> EvalResult<i64> {
        let v = self.force(t)?;
        if let Value::Int(i) = v {
            // Nothing to drop (see `Value::release`).
            std::mem::forget(v);
            return Ok(i);
        }
        Err(type_err(
            format!("value is {} while an integer was expected", v.type_phrase()),
            span,
        ))
    }
    pub fn force_bool(&mut self, t: &Thunk, span: Span) -> EvalResult<bool> {
        match self.force(t)?.into_bool() {
            Ok(b) => Ok(b),
            Err(v) => Err(type_err(
                format!("value is {} while a Boolean was expected", v.type_phrase()),
                span,
            )),
        }
    }
    pub fn force_list(&mut self, t: &Thunk, span: Span) -> EvalResult<Rc<[Thunk]>> {
        match self.force(t)? {
            Value::List(l) => Ok(l),
            v => Err(type_err(
                format!("value is {} while a list was expected", v.type_phrase()),
                span,
            )),
        }
    }
    pub fn force_attrs(&mut self, t: &Thunk, span: Span) -> EvalResult<Attrs> {
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
            // An evaluation error in Nix, not a type error.
            return Err(EvalError::new(
                ErrorKind::Other,
                format!("string '{}' doesn't represent an absolute path", s.s),
                Some(span),
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
    /// `f` and the call site, to be applied lazily to many elements
    /// (`Thunk::apply`: one allocation each).
    fn callee(f: &Thunk, span: Span) -> Rc<Callee> {
        Rc::new(Eval::callee_of(f, span))
    }

    fn callee_of(f: &Thunk, span: Span) -> Callee {
        let f = match f.value() {
            Some(v) => crate::CalleeFn::Value(v),
            None => crate::CalleeFn::Lazy(f.clone()),
        };
        Callee { f, span }
    }
}

pub(super) fn bool_v(b: bool) -> R {
    Ok(Value::Bool(b))
}

pub(super) fn ready_str(s: impl Into<Str>) -> Thunk {
    Thunk::ready(Value::str(s))
}
