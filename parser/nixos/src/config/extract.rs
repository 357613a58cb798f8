//! Extraction: the evaluated configuration (through `nixplan.nix` and the
//! module system) read into the typed [`Config`], each value with where the
//! user wrote it; and the same model from the JSON a real nix printed
//! (`--eval nix`). One walk over the configuration, in the order of the
//! model's fields, which is why it is one file of about 800 lines.

use std::collections::BTreeMap;
use std::rc::Rc;

use nixplan_eval::{AttrMap, Attrs, ErrorKind, Eval, EvalError, EvalResult, Thunk, Value};
use nixplan_syntax::Span;

use super::*;

/// One attribute of a set of sets: its name, value and where it was written.
type Entry = (String, Attrs, Option<Pos>);

/// Extraction helpers over evaluated attribute sets.
struct Extract<'a> {
    ev: &'a mut Eval,
    span: Span,
    /// disko's create/mount hooks met so far, by [`hook_key`].
    hooks: BTreeMap<String, Hooks>,
}

impl Extract<'_> {
    /// The hooks of a disko device or content `a` (any of them may be
    /// undeclared: nixplan's stand-in declares them where disko does),
    /// with the shell variables disko defines for them.
    fn hooks(&mut self, a: &Attrs, key: String) -> EvalResult<()> {
        let mut hooks = Hooks::default();
        for (name, slot) in [
            ("preCreateHook", &mut hooks.pre_create),
            ("postCreateHook", &mut hooks.post_create),
            ("preMountHook", &mut hooks.pre_mount),
            ("postMountHook", &mut hooks.post_mount),
        ] {
            if a.get(name).is_some() {
                let v = self.str(a, name)?;
                if !v.value.trim().is_empty() {
                    let at = if name.ends_with("MountHook") {
                        &mut hooks.mount_at
                    } else {
                        &mut hooks.at
                    };
                    if at.is_none() {
                        *at = v.at.clone();
                    }
                    *slot = v.value;
                }
            }
        }
        if hooks.is_empty() {
            return Ok(());
        }
        for var in HOOK_VARIABLES {
            if a.get(var).is_none() {
                continue;
            }
            match self.value(a, var)? {
                Value::String(s) => {
                    hooks.variables.insert(var.to_string(), s.s.to_string());
                }
                Value::Int(i) => {
                    hooks.variables.insert(var.to_string(), i.to_string());
                }
                Value::Bool(b) => {
                    hooks
                        .variables
                        .insert(var.to_string(), if b { "1" } else { "" }.to_string());
                }
                _ => {}
            }
        }
        self.hooks.insert(key, hooks);
        Ok(())
    }

    /// Where the user wrote this attribute; `None` for values that come from
    /// defaults (positions inside nixplan's own modules are not the user's).
    fn at(&mut self, a: &Attrs, key: &str) -> Option<Pos> {
        self.ev.place_of(a, key).and_then(|p| self.describe(p))
    }
    /// A finder of the strings of the list defined at `list_at`.
    fn elements_of(&self, list_at: Option<Pos>) -> Elements {
        let found = list_at.as_ref().and_then(|at| {
            let (file, src) = self.ev.sources.files().find(|(_, f)| *f.name == *at.file)?;
            let (start, end) = at.range_in(&src.text)?;
            Some((file, src.text.clone(), start, end))
        });
        Elements {
            list_at,
            cursor: found.as_ref().map_or(0, |f| f.2),
            found,
        }
    }
    fn describe(&self, p: Span) -> Option<Pos> {
        let f = self.ev.sources.file(p.file);
        let internal = f
            .path
            .as_ref()
            .is_some_and(|p| p.starts_with(nixplan_eval::fs::EMBEDDED_ROOT))
            || f.name.starts_with('<');
        if internal {
            None
        } else {
            let (line, column) = f.line_col(p.start);
            let (end_line, end_column) = f.line_col(p.end);
            Some(Pos {
                file: f.name.as_str().into(),
                line,
                column,
                end_line,
                end_column,
            })
        }
    }
    /// Where the user wrote the option at `loc` of the configuration `c`
    /// (a place only: what is forced on the way is the sets the module
    /// system has already made and the places asked for, which may force
    /// the option's definitions; an error on the way gives none).
    fn place_of(&mut self, c: &Attrs, loc: &[String]) -> Option<Span> {
        let mut set = c.clone();
        let mut found = None;
        for (i, key) in loc.iter().enumerate() {
            let Some(attr) = set.map.get(key.as_str()).cloned() else {
                break;
            };
            found = self.ev.place_of(&set, key).or(found);
            if i + 1 < loc.len() {
                match self.ev.force(&attr.value) {
                    Ok(Value::Attrs(next)) => set = next,
                    _ => break,
                }
            }
        }
        found
    }
    fn value(&mut self, a: &Attrs, key: &str) -> EvalResult<Value> {
        match a.get(key).cloned() {
            Some(t) => self.ev.force(&t),
            None => {
                // Not shaped as nixplan's declarations say (a module of
                // another version than nixplan reads): the report is put
                // at the set, where the user wrote one of its attributes.
                let mut e = self.ev.missing_attr(key, a, self.span);
                let names: Vec<nixplan_eval::Str> = a.names().cloned().collect();
                e.defined_at = names.iter().find_map(|n| {
                    self.ev
                        .place_of(a, n)
                        .filter(|p| self.describe(*p).is_some())
                });
                e.note(format!(
                    "while nixplan read '{key}' of this set, which its declarations give every such set"
                ));
                Err(e)
            }
        }
    }
    fn attrs(&mut self, a: &Attrs, key: &str) -> EvalResult<Attrs> {
        match self.value(a, key)? {
            Value::Attrs(x) => Ok(x),
            v => Err(self.type_error(key, "a set", &v)),
        }
    }
    fn opt_attrs(&mut self, a: &Attrs, key: &str) -> EvalResult<Option<Attrs>> {
        match a.get(key) {
            None => Ok(None),
            Some(_) => match self.value(a, key)? {
                Value::Null => Ok(None),
                Value::Attrs(x) => Ok(Some(x)),
                v => Err(self.type_error(key, "a set", &v)),
            },
        }
    }
    fn type_error(&self, key: &str, want: &str, v: &Value) -> Box<EvalError> {
        EvalError::new(
            ErrorKind::Type,
            format!("'{key}' is {} while {want} was expected", v.type_phrase()),
            Some(self.span),
        )
    }
    fn string_of(&mut self, v: &Value, key: &str) -> EvalResult<String> {
        match v {
            Value::String(s) => Ok(s.s.to_string()),
            Value::Path(p) => Ok(p.to_string()),
            Value::Attrs(_) => Ok(self
                .ev
                .coerce_to_string(v, self.span, false, false)?
                .s
                .to_string()),
            v => Err(self.type_error(key, "a string", v)),
        }
    }
    fn str(&mut self, a: &Attrs, key: &str) -> EvalResult<L<String>> {
        let v = self.value(a, key)?;
        Ok(L::new(self.string_of(&v, key)?, self.at(a, key)))
    }
    fn plain_str(&mut self, a: &Attrs, key: &str) -> EvalResult<String> {
        Ok(self.str(a, key)?.value)
    }
    fn opt_str(&mut self, a: &Attrs, key: &str) -> EvalResult<L<Option<String>>> {
        if a.get(key).is_none() {
            return Ok(L::new(None, None));
        }
        let v = self.value(a, key)?;
        let s = match v {
            Value::Null => None,
            v => Some(self.string_of(&v, key)?),
        };
        Ok(L::new(s, self.at(a, key)))
    }
    /// A file of this machine the plan reads when applying (a key's
    /// `keyFile`): one under the flake's store path is read where it is.
    fn local_file(&mut self, a: &Attrs, key: &str) -> EvalResult<L<Option<String>>> {
        let mut f = self.opt_str(a, key)?;
        if let Some(real) = f.value.as_deref().and_then(|p| self.ev.real_path(p)) {
            f.value = Some(real);
        }
        Ok(f)
    }
    fn bool(&mut self, a: &Attrs, key: &str) -> EvalResult<L<bool>> {
        match self.value(a, key)? {
            Value::Bool(b) => Ok(L::new(b, self.at(a, key))),
            v => Err(self.type_error(key, "a Boolean", &v)),
        }
    }
    fn int(&mut self, a: &Attrs, key: &str) -> EvalResult<L<i64>> {
        match self.value(a, key)? {
            Value::Int(i) => Ok(L::new(i, self.at(a, key))),
            v => Err(self.type_error(key, "an integer", &v)),
        }
    }
    fn opt_int(&mut self, a: &Attrs, key: &str) -> EvalResult<L<Option<i64>>> {
        if a.get(key).is_none() {
            return Ok(L::new(None, None));
        }
        match self.value(a, key)? {
            Value::Int(i) => Ok(L::new(Some(i), self.at(a, key))),
            Value::Null => Ok(L::new(None, self.at(a, key))),
            v => Err(self.type_error(key, "an integer", &v)),
        }
    }
    fn list(&mut self, a: &Attrs, key: &str) -> EvalResult<Rc<[Thunk]>> {
        match self.value(a, key)? {
            Value::List(l) => Ok(l),
            v => Err(self.type_error(key, "a list", &v)),
        }
    }
    /// A list of strings, each with where it is written.
    fn strs(&mut self, a: &Attrs, key: &str) -> EvalResult<Strings> {
        if a.get(key).is_none() {
            return Ok(Strings::default());
        }
        let l = self.list(a, key)?;
        let at = self.at(a, key);
        let mut elements = self.elements_of(at.clone());
        let mut value = Vec::new();
        let mut items = Vec::new();
        for t in l.iter() {
            let v = self.ev.force(t)?;
            let s = self.string_of(&v, key)?;
            items.push(elements.at(&self.ev.sources, &s));
            value.push(s);
        }
        if at.is_none() {
            items.clear();
        }
        Ok(Strings { value, at, items })
    }
    fn ints(&mut self, a: &Attrs, key: &str) -> EvalResult<L<Vec<i64>>> {
        if a.get(key).is_none() {
            return Ok(L::new(Vec::new(), None));
        }
        let l = self.list(a, key)?;
        let mut out = Vec::new();
        for t in l.iter() {
            match self.ev.force(t)? {
                Value::Int(i) => out.push(i),
                v => return Err(self.type_error(key, "a list of integers", &v)),
            }
        }
        Ok(L::new(out, self.at(a, key)))
    }
    fn str_map(&mut self, a: &Attrs, key: &str) -> EvalResult<L<BTreeMap<String, String>>> {
        let m = self.attrs(a, key)?;
        let mut out = BTreeMap::new();
        for (k, attr) in m.map.iter() {
            let v = self.ev.force(&attr.value)?;
            out.insert(k.to_string(), self.string_of(&v, k)?);
        }
        Ok(L::new(out, self.at(a, key)))
    }
    fn json(&mut self, a: &Attrs, key: &str) -> EvalResult<L<serde_json::Value>> {
        let v = self.value(a, key)?;
        self.ev.deep_force(&v, self.span)?;
        let mut ctx = Default::default();
        let text = self.ev.print_json(&v, self.span, &mut ctx)?;
        let j = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        Ok(L::new(j, self.at(a, key)))
    }
    fn entries(&mut self, a: &Attrs, key: &str) -> EvalResult<Vec<Entry>> {
        // A configuration that never imported the module declaring `key`
        // (disko, impermanence) has none.
        let Some(m) = self.opt_attrs(a, key)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (k, attr) in m.map.iter() {
            let at = self.ev.place_of(&m, k).and_then(|p| self.describe(p));
            match self.ev.force(&attr.value)? {
                Value::Attrs(x) => out.push((k.to_string(), x, at)),
                v => return Err(self.type_error(k, "a set", &v)),
            }
        }
        Ok(out)
    }
    fn items(&mut self, a: &Attrs, key: &str) -> EvalResult<Vec<Attrs>> {
        let l = self.list(a, key)?;
        let mut out = Vec::new();
        for t in l.iter() {
            match self.ev.force(t)? {
                Value::Attrs(x) => out.push(x),
                v => return Err(self.type_error(key, "a set", &v)),
            }
        }
        Ok(out)
    }

    fn content(&mut self, a: &Attrs, key: &str) -> EvalResult<Option<Content>> {
        let Some(c) = self.opt_attrs(a, key)? else {
            return Ok(None);
        };
        let at = self.at(a, key);
        let ty = self.plain_str(&c, "type")?;
        let device = self.plain_str(&c, "device")?;
        self.hooks(&c, hook_key(&ty, &device))?;
        let content = match ty.as_str() {
            "gpt" => {
                let mut parts = Vec::new();
                for (name, p, pat) in self.entries(&c, "partitions")? {
                    parts.push(Partition {
                        name,
                        label: self.str(&p, "label")?,
                        device: self.str(&p, "device")?,
                        type_code: self.str(&p, "type")?,
                        size: self.str(&p, "size")?,
                        start: self.str(&p, "start")?,
                        end: self.str(&p, "end")?,
                        priority: self.int(&p, "priority")?,
                        alignment: self.int(&p, "alignment")?,
                        uuid: self.opt_str(&p, "uuid")?,
                        attributes: self.ints(&p, "attributes")?,
                        hybrid: match self.opt_attrs(&p, "hybrid")? {
                            Some(h) => Some(Hybrid {
                                mbr_partition_type: self.opt_str(&h, "mbrPartitionType")?,
                                mbr_bootable_flag: self.bool(&h, "mbrBootableFlag")?,
                                at: self.at(&p, "hybrid"),
                            }),
                            None => None,
                        },
                        content: self.content(&p, "content")?,
                        at: pat,
                    });
                }
                // disko's order: priority, then name.
                parts.sort_by(|x, y| (x.priority.value, &x.name).cmp(&(y.priority.value, &y.name)));
                Content::Gpt(Gpt {
                    efi_gpt_partition_first: self.bool(&c, "efiGptPartitionFirst")?,
                    device,
                    partitions: parts,
                    at,
                })
            }
            "table" => {
                let mut parts = Vec::new();
                for (i, p) in self.items(&c, "partitions")?.into_iter().enumerate() {
                    // Legacy tables name partitions by number (sda1, nvme0n1p1).
                    let mut content = self.content(&p, "content")?;
                    if let Some(inner) = content.as_mut() {
                        inner.set_device(numbered_partition(&device, i + 1));
                    }
                    parts.push(TablePartition {
                        name: self.opt_str(&p, "name")?,
                        part_type: self.str(&p, "part-type")?,
                        fs_type: self.opt_str(&p, "fs-type")?,
                        start: self.str(&p, "start")?,
                        end: self.str(&p, "end")?,
                        bootable: self.bool(&p, "bootable")?,
                        flags: self.strs(&p, "flags")?,
                        content,
                    });
                }
                Content::Table(Table {
                    device,
                    format: self.str(&c, "format")?,
                    partitions: parts,
                    at,
                })
            }
            "filesystem" => Content::Filesystem(Filesystem {
                device,
                format: self.str(&c, "format")?,
                mountpoint: self.opt_str(&c, "mountpoint")?,
                mount_options: self.strs(&c, "mountOptions")?,
                extra_args: self.strs(&c, "extraArgs")?,
                at,
            }),
            "swap" => Content::Swap(Swap {
                device,
                random_encryption: self.bool(&c, "randomEncryption")?,
                resume_device: self.bool(&c, "resumeDevice")?,
                priority: self.opt_int(&c, "priority")?,
                extra_args: self.strs(&c, "extraArgs")?,
                at,
            }),
            "luks" => {
                let settings = self.attrs(&c, "settings")?;
                let mut key_file = self.opt_str(&c, "keyFile")?;
                if key_file.value.is_none() {
                    key_file = self.opt_str(&settings, "keyFile")?;
                }
                Content::Luks(Luks {
                    device,
                    name: self.str(&c, "name")?,
                    password_file: self.opt_str(&c, "passwordFile")?,
                    key_file,
                    additional_key_files: self.strs(&c, "additionalKeyFiles")?,
                    extra_format_args: self.strs(&c, "extraFormatArgs")?,
                    extra_open_args: self.strs(&c, "extraOpenArgs")?,
                    allow_discards: if settings.get("allowDiscards").is_some() {
                        self.bool(&settings, "allowDiscards")?
                    } else {
                        L::new(false, None)
                    },
                    key_file_size: self.opt_int(&settings, "keyFileSize")?,
                    key_file_offset: self.opt_int(&settings, "keyFileOffset")?,
                    initrd_unlock: self.bool(&c, "initrdUnlock")?,
                    ask_password: self.bool(&c, "askPassword")?,
                    content: self.content(&c, "content")?.map(Box::new),
                    at,
                })
            }
            "lvm_pv" => Content::LvmPv(LvmPv {
                device,
                vg: self.str(&c, "vg")?,
                at,
            }),
            "mdraid" => Content::Mdraid(Mdraid {
                device,
                name: self.str(&c, "name")?,
                at,
            }),
            "zfs" => Content::Zfs(Zfs {
                device,
                pool: self.str(&c, "pool")?,
                at,
            }),
            "btrfs" => {
                let mut subvolumes = Vec::new();
                for (_, sv, sv_at) in self.entries(&c, "subvolumes")? {
                    subvolumes.push(Subvolume {
                        at: sv_at,
                        name: self.str(&sv, "name")?,
                        mountpoint: self.opt_str(&sv, "mountpoint")?,
                        mount_options: self.strs(&sv, "mountOptions")?,
                        extra_args: self.strs(&sv, "extraArgs")?,
                        swap: self.swapfiles(&sv)?,
                    });
                }
                Content::Btrfs(Btrfs {
                    device,
                    extra_args: self.strs(&c, "extraArgs")?,
                    mountpoint: self.opt_str(&c, "mountpoint")?,
                    mount_options: self.strs(&c, "mountOptions")?,
                    subvolumes,
                    swap: self.swapfiles(&c)?,
                    at,
                })
            }
            "bcachefs" => Content::Bcachefs(Bcachefs {
                device,
                filesystem: self.opt_str(&c, "filesystem")?,
                label: self.str(&c, "label")?,
                mountpoint: self.opt_str(&c, "mountpoint")?,
                mount_options: self.strs(&c, "mountOptions")?,
                extra_format_args: self.strs(&c, "extraFormatArgs")?,
                at,
            }),
            other => {
                return Err(EvalError::new(
                    ErrorKind::Type,
                    format!("unknown disko content type '{other}'"),
                    Some(self.span),
                ))
            }
        };
        Ok(Some(content))
    }

    fn swapfiles(&mut self, a: &Attrs) -> EvalResult<Vec<Swapfile>> {
        let mut out = Vec::new();
        for (name, s, _) in self.entries(a, "swap")? {
            out.push(Swapfile {
                name,
                size: self.str(&s, "size")?,
                path: self.str(&s, "path")?,
            });
        }
        Ok(out)
    }

    /// An entry's group; Home Manager's impermanence leaves it null (its
    /// NixOS module fills in the user's), given here as `group`.
    fn group_or(&mut self, a: &Attrs, key: &str, group: Option<&str>) -> EvalResult<String> {
        match (self.opt_str(a, key)?.value, group) {
            (Some(g), _) => Ok(g),
            (None, Some(g)) => Ok(g.to_string()),
            (None, None) => self.plain_str(a, key),
        }
    }

    fn persisted_dirs(&mut self, a: &Attrs) -> EvalResult<Vec<PersistedDirectory>> {
        self.persisted_dirs_with(a, None)
    }

    fn persisted_dirs_with(
        &mut self,
        a: &Attrs,
        group: Option<&str>,
    ) -> EvalResult<Vec<PersistedDirectory>> {
        let list_at = self.at(a, "directories");
        let mut elements = self.elements_of(list_at);
        let l = self.list(a, "directories")?;
        let mut out = Vec::new();
        for t in l.iter() {
            let Value::Attrs(d) = self.ev.force(t)? else {
                continue;
            };
            // A plain string entry has no position of its own: the place
            // in the list where it is written, else the list's.
            let written = self.plain_str(&d, "directory")?;
            let at = self
                .at(&d, "directory")
                .or_else(|| elements.at(&self.ev.sources, &written));
            out.push(PersistedDirectory {
                directory: as_impermanence_joins(&written),
                user: self.plain_str(&d, "user")?,
                group: self.group_or(&d, "group", group)?,
                mode: self.plain_str(&d, "mode")?,
                at,
            });
        }
        Ok(out)
    }

    fn persisted_files(&mut self, a: &Attrs) -> EvalResult<Vec<PersistedFile>> {
        self.persisted_files_with(a, None)
    }

    fn persisted_files_with(
        &mut self,
        a: &Attrs,
        group: Option<&str>,
    ) -> EvalResult<Vec<PersistedFile>> {
        let list_at = self.at(a, "files");
        let mut elements = self.elements_of(list_at);
        let l = self.list(a, "files")?;
        let mut out = Vec::new();
        for t in l.iter() {
            let Value::Attrs(f) = self.ev.force(t)? else {
                continue;
            };
            let parent = self.attrs(&f, "parentDirectory")?;
            let written = self.plain_str(&f, "file")?;
            let at = self
                .at(&f, "file")
                .or_else(|| elements.at(&self.ev.sources, &written));
            out.push(PersistedFile {
                file: as_impermanence_joins(&written),
                parent_user: self.plain_str(&parent, "user")?,
                parent_group: self.group_or(&parent, "group", group)?,
                parent_mode: self.plain_str(&parent, "mode")?,
                at,
            });
        }
        Ok(out)
    }
}

/// Evaluate a target and extract its typed configuration.
pub fn load(ev: &mut Eval, target: &Target) -> EvalResult<Config> {
    if let Target::Flake { dir, .. } = target {
        crate::lockfile::check(ev, dir)?;
    }
    let expr = match target {
        Target::Flake { dir, name, .. } => format!(
            "(import /nixplan/nixplan.nix).flakeTarget {} {}",
            nixplan_eval::print::escape_string(dir),
            nixplan_eval::print::escape_string(name)
        ),
        Target::Module { file } => {
            format!(
                "(import /nixplan/nixplan.nix).fileTarget {}",
                nixplan_eval::print::escape_string(file)
            )
        }
    };
    let root = match ev.load_source("<nixplan target>", None, &expr, "/") {
        Ok((_, r)) => r,
        Err(nixplan_eval::LoadError::Eval(e)) => return Err(e),
        Err(nixplan_eval::LoadError::Syntax(_)) => {
            unreachable!("the target expression is generated")
        }
    };
    let span = ev.arena.span(root);
    let t = match ev.eval_root(root)? {
        Value::Attrs(a) => a,
        _ => unreachable!("flakeTarget returns a set"),
    };
    extract(ev, &t, target, span)
}

/// The names a flake deploys to (`--on`): its colmena hive's nodes, else
/// its nixosConfigurations.
/// With them, whether the hive lets a deploy take every node
/// (`meta.allowApplyAll`).
pub fn flake_nodes(ev: &mut Eval, dir: &str) -> EvalResult<(Vec<String>, bool)> {
    crate::lockfile::check(ev, dir)?;
    let expr = format!(
        "(import /nixplan/nixplan.nix).flakeNodes {}",
        nixplan_eval::print::escape_string(dir)
    );
    let root = match ev.load_source("<nixplan nodes>", None, &expr, "/") {
        Ok((_, r)) => r,
        Err(nixplan_eval::LoadError::Eval(e)) => return Err(e),
        Err(nixplan_eval::LoadError::Syntax(_)) => {
            unreachable!("the nodes expression is generated")
        }
    };
    let span = ev.arena.span(root);
    let mut out = Vec::new();
    let Value::Attrs(nodes) = ev.eval_root(root)? else {
        unreachable!("flakeNodes returns a set")
    };
    let mut x = Extract {
        ev,
        span,
        hooks: BTreeMap::new(),
    };
    let all = x.bool(&nodes, "allowApplyAll")?.value;
    let ev = x.ev;
    if let Value::List(l) = ev.force(nodes.get("names").expect("flakeNodes gives names"))? {
        for t in l.iter() {
            match ev.force(t)? {
                Value::String(s) => out.push(s.s.to_string()),
                v => {
                    return Err(EvalError::new(
                        ErrorKind::Type,
                        format!("a node name is {}", v.type_phrase()),
                        Some(span),
                    ))
                }
            }
        }
    }
    Ok((out, all))
}

/// The `--eval nix` path: the values a real nix printed (JSON of
/// `select.nix` applied to the configuration) become the same typed
/// configuration, without positions.
pub fn from_nix_json(
    ev: &mut Eval,
    target: &Target,
    kind: &str,
    json: serde_json::Value,
) -> EvalResult<Config> {
    let root = match ev.load_source("<nix eval>", None, "null", "/") {
        Ok((_, r)) => r,
        Err(_) => unreachable!("a literal parses"),
    };
    let span = ev.arena.span(root);
    let mut evaluated = AttrMap::new();
    evaluated.insert_value("config", nixplan_eval::value_from_json(json));
    let mut t = AttrMap::new();
    t.insert_value("kind", Value::str(kind));
    if kind == "nixosConfiguration" {
        let attr = format!(
            "nixosConfigurations.{}.config.system.build.toplevel",
            target.name()
        );
        t.insert_value("toplevel", Value::str(attr.as_str()));
    }
    t.insert_value("eval", Value::attrs(evaluated));
    extract(ev, &Attrs::of(t), target, span)
}

/// The nix expression `--eval nix` applies to a configuration.
pub const NIX_SELECT: &str = include_str!("../../nix/select.nix");

fn extract(ev: &mut Eval, t: &Attrs, target: &Target, span: Span) -> EvalResult<Config> {
    let mut x = Extract {
        ev,
        span,
        hooks: BTreeMap::new(),
    };
    let kind = x.plain_str(t, "kind")?;
    let toplevel = x.opt_str(t, "toplevel")?.value;
    let evaluated = x.attrs(t, "eval")?;
    let c = x.attrs(&evaluated, "config")?;

    // Activation snippets whose text cannot be evaluated here (a secret
    // from a repository that is not checked out): said, and left out of
    // the plan, which is then incomplete (apply refuses it) — the rest of
    // the configuration does not depend on them.
    let mut unevaluable: BTreeMap<String, String> = BTreeMap::new();
    // Check every definition of the options planning reads, as NixOS checks
    // a whole configuration: a mistyped value is an error even where the
    // plan would not look at it.
    // disko's own options beside `devices` (image builder, tests) and its
    // internals (`_create`, `_scripts`: packages and scripts) are not;
    // nor are `environment.persistence` (impermanence declares removed
    // options there, which throw when read) and `users` (with Home Manager
    // they carry every package a user has) whole: what planning reads of
    // them is read below.
    for path in [
        &["disko", "devices"][..],
        &["fileSystems"],
        &["swapDevices"],
        &["boot", "loader"],
        &["boot", "initrd", "luks"],
        &["system", "activationScripts"],
        &["networking", "hostName"],
    ] {
        let checking = |what: &str| {
            format!("while checking {what}, which the plan reads (NixOS checks it too, building the system)")
        };
        let mut v = Value::Attrs(c.clone());
        for key in path {
            v = match &v {
                Value::Attrs(a) => match a.get(key).cloned() {
                    Some(t) => x.ev.force(&t).map_err(|mut e| {
                        e.note(checking(&path.join(".")));
                        e
                    })?,
                    None => Value::Null,
                },
                _ => Value::Null,
            };
        }
        // Each definition on its own, so that an error says which one
        // was being checked, and why nixplan looked (its definition's
        // place, the outermost frame, kept however deep the error).
        let Value::Attrs(entries) = &v else {
            x.ev.deep_force_public(&v)?;
            continue;
        };
        // Internal attributes (`_meta`, `_create`) are not checked, as
        // a public deep force leaves them.
        for (name, attr) in entries.map.iter().filter(|(n, _)| !n.starts_with('_')) {
            let forced =
                x.ev.force(&attr.value)
                    .and_then(|e| x.ev.deep_force_public(&e));
            if let Err(mut e) = forced {
                // As the module system shows an option's name.
                let plain = name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_'-".contains(c));
                let shown = if plain {
                    name.to_string()
                } else {
                    format!("{name:?}")
                };
                // Only what may depend on something not here (a file, an
                // input, a value defined where nixplan cannot see: a
                // secret's file); a type error or an assertion fails
                // anywhere and stays an error.
                let not_here = matches!(e.kind, ErrorKind::Io | ErrorKind::Unsupported)
                    || (e.kind == ErrorKind::Throw
                        && (e.message.contains("' is used but not defined")
                            || e.message
                                .contains("' was accessed but has no value defined")));
                if path == ["system", "activationScripts"] && not_here {
                    // The innermost place in the user's own files (named
                    // relative to the target), else the innermost shown.
                    let places: Vec<Pos> = e
                        .span
                        .iter()
                        .chain(e.trace.iter().map(|f| &f.span))
                        .filter_map(|s| x.describe(*s))
                        .collect();
                    let at = places
                        .iter()
                        .find(|p| !p.file.starts_with('/'))
                        .or(places.first());
                    // Its first line: what follows may show values.
                    let first = e.message.trim().lines().next().unwrap_or_default();
                    let text = match at {
                        Some(p) => format!("{first} (at {}:{}:{})", p.file, p.line, p.column),
                        None => first.to_string(),
                    };
                    unevaluable.insert(name.to_string(), text);
                    continue;
                }
                // The definition the error is about, where the user
                // wrote it: the option the module system names, else
                // this entry.
                let defined = option_named(&e.message)
                    .and_then(|loc| x.place_of(&c, &loc))
                    .or_else(|| x.ev.place_of(entries, name));
                // Only where the error shows no place in that file (the
                // module system's type errors are raised in its own).
                let shown_there = |d: Span| {
                    e.span
                        .iter()
                        .chain(e.trace.iter().map(|f| &f.span))
                        .any(|s| s.file == d.file)
                };
                let defined = defined.filter(|d| !shown_there(*d));
                let place = defined.and_then(|p| x.describe(p));
                e.defined_at = defined.filter(|_| place.is_some());
                let what = format!("{}.{shown}", path.join("."));
                e.note(match place {
                    Some(p) => checking(&format!(
                        "{what} (defined at {}:{}:{})",
                        p.file, p.line, p.column
                    )),
                    None => checking(&what),
                });
                return Err(e);
            }
        }
    }
    let networking = x.attrs(&c, "networking")?;
    let nixpkgs = x.attrs(&c, "nixpkgs")?;
    let host_platform = x.attrs(&nixpkgs, "hostPlatform")?;
    let mut system = x.str(&host_platform, "system")?;
    // A string hostPlatform becomes `{ system; }` inside nixplan's module:
    // the user wrote it at `nixpkgs.hostPlatform`.
    if system.at.is_none() {
        system.at = x.at(&nixpkgs, "hostPlatform");
    }
    let sys = x.attrs(&c, "system")?;

    // disko
    // A configuration that did not import disko's module has no devices.
    let none = Attrs::new();
    let d = x.opt_attrs(&c, "disko")?.unwrap_or_else(|| none.clone());
    let devices = x.opt_attrs(&d, "devices")?.unwrap_or_else(|| none.clone());
    let mut disko = Disko {
        root_mount_point: match d.get("rootMountPoint") {
            Some(_) => x.plain_str(&d, "rootMountPoint")?,
            None => "/mnt".to_string(),
        },
        ..Disko::default()
    };
    for (name, disk, at) in x.entries(&devices, "disk")? {
        x.hooks(&disk, hook_key("disk", &name))?;
        let content = x.content(&disk, "content")?;
        disko.disks.insert(
            name.clone(),
            Disk {
                name: x.plain_str(&disk, "name")?,
                device: x.str(&disk, "device")?,
                image_size: x.str(&disk, "imageSize")?,
                content,
                at,
            },
        );
    }
    for (name, vg, at) in x.entries(&devices, "lvm_vg")? {
        x.hooks(&vg, hook_key("lvm_vg", &name))?;
        let mut lvs = BTreeMap::new();
        for (lv_name, lv, lv_at) in x.entries(&vg, "lvs")? {
            lvs.insert(
                lv_name,
                LogicalVolume {
                    name: x.plain_str(&lv, "name")?,
                    size: x.str(&lv, "size")?,
                    lvm_type: x.opt_str(&lv, "lvm_type")?,
                    pool: x.opt_str(&lv, "pool")?,
                    extra_args: x.strs(&lv, "extraArgs")?,
                    priority: x.int(&lv, "priority")?,
                    content: x.content(&lv, "content")?,
                    at: lv_at,
                },
            );
        }
        disko.lvm_vgs.insert(
            name,
            VolumeGroup {
                name: x.plain_str(&vg, "name")?,
                lvs,
                at,
            },
        );
    }
    for (name, md, at) in x.entries(&devices, "mdadm")? {
        x.hooks(&md, hook_key("mdadm", &name))?;
        disko.mdadm.insert(
            name,
            MdArray {
                name: x.plain_str(&md, "name")?,
                level: x.int(&md, "level")?,
                metadata: x.str(&md, "metadata")?,
                extra_args: if md.get("extraArgs").is_some() {
                    x.strs(&md, "extraArgs")?
                } else {
                    Strings::default()
                },
                content: x.content(&md, "content")?,
                at,
            },
        );
    }
    for (name, zp, at) in x.entries(&devices, "zpool")? {
        x.hooks(&zp, hook_key("zpool", &name))?;
        let mut datasets = BTreeMap::new();
        for (ds_name, ds, ds_at) in x.entries(&zp, "datasets")? {
            let ds_named = x.plain_str(&ds, "name")?;
            x.hooks(&ds, hook_key("dataset", &format!("{name}/{ds_named}")))?;
            datasets.insert(
                ds_name,
                Dataset {
                    name: x.plain_str(&ds, "name")?,
                    kind: x.str(&ds, "type")?,
                    options: x.str_map(&ds, "options")?,
                    mountpoint: x.opt_str(&ds, "mountpoint")?,
                    mount_options: x.strs(&ds, "mountOptions")?,
                    size: x.opt_str(&ds, "size")?,
                    extra_args: if ds.get("extraArgs").is_some() {
                        x.strs(&ds, "extraArgs")?
                    } else {
                        Strings::default()
                    },
                    content: x.content(&ds, "content")?,
                    at: ds_at,
                },
            );
        }
        disko.zpools.insert(
            name,
            Zpool {
                name: x.plain_str(&zp, "name")?,
                mode: x.json(&zp, "mode")?,
                options: x.str_map(&zp, "options")?,
                root_fs_options: x.str_map(&zp, "rootFsOptions")?,
                mountpoint: x.opt_str(&zp, "mountpoint")?,
                mount_options: x.strs(&zp, "mountOptions")?,
                datasets,
                at,
            },
        );
    }
    for (name, n, at) in x.entries(&devices, "nodev")? {
        x.hooks(&n, hook_key("nodev", &name))?;
        disko.nodev.insert(
            name,
            Nodev {
                fs_type: x.str(&n, "fsType")?,
                device: x.str(&n, "device")?,
                mountpoint: x.opt_str(&n, "mountpoint")?,
                mount_options: x.strs(&n, "mountOptions")?,
                at,
            },
        );
    }

    for (name, f, at) in x.entries(&devices, "bcachefs_filesystems")? {
        x.hooks(&f, hook_key("bcachefs_filesystem", &name))?;
        disko.bcachefs_filesystems.insert(
            name,
            BcachefsFilesystem {
                name: x.plain_str(&f, "name")?,
                uuid: x.str(&f, "uuid")?,
                mountpoint: x.opt_str(&f, "mountpoint")?,
                mount_options: x.strs(&f, "mountOptions")?,
                extra_format_args: x.strs(&f, "extraFormatArgs")?,
                password_file: if f.get("passwordFile").is_some() {
                    x.opt_str(&f, "passwordFile")?
                } else {
                    Located::new(None, None)
                },
                subvolumes: {
                    let mut subvolumes = Vec::new();
                    for (_, sv, sv_at) in x.entries(&f, "subvolumes")? {
                        subvolumes.push(BcachefsSubvolume {
                            name: x.plain_str(&sv, "name")?,
                            mountpoint: x.opt_str(&sv, "mountpoint")?,
                            mount_options: x.strs(&sv, "mountOptions")?,
                            at: sv_at,
                        });
                    }
                    subvolumes
                },
                at,
            },
        );
    }
    disko.hooks = std::mem::take(&mut x.hooks);
    // By mount point, as NixOS mounts them (the attribute name is only
    // its default: `fileSystems.persist = { mountPoint = "/persist"; }`);
    // of two at one mount point, the first by name.
    let mut file_systems = BTreeMap::new();
    for (_, fs, at) in x.entries(&c, "fileSystems")? {
        let mount_point = x.str(&fs, "mountPoint")?;
        if file_systems.contains_key(&mount_point.value) {
            continue;
        }
        file_systems.insert(
            mount_point.value.clone(),
            FileSystem {
                mount_point,
                device: x.opt_str(&fs, "device")?,
                fs_type: x.str(&fs, "fsType")?,
                options: x.strs(&fs, "options")?,
                needed_for_boot: x.bool(&fs, "neededForBoot")?,
                depends: x.strs(&fs, "depends")?,
                at,
            },
        );
    }
    let mut swap_devices = Vec::new();
    for s in x.items(&c, "swapDevices")? {
        let re = x.attrs(&s, "randomEncryption")?;
        swap_devices.push(SwapDevice {
            device: x.opt_str(&s, "device")?,
            random_encryption: x.bool(&re, "enable")?.value,
            priority: x.opt_int(&s, "priority")?,
        });
    }
    let boot = x.attrs(&c, "boot")?;
    let initrd = x.attrs(&boot, "initrd")?;
    let luks = x.attrs(&initrd, "luks")?;
    let mut luks_devices = BTreeMap::new();
    for (name, l, at) in x.entries(&luks, "devices")? {
        luks_devices.insert(
            name,
            LuksDevice {
                device: x.str(&l, "device")?,
                key_file: x.opt_str(&l, "keyFile")?,
                at,
            },
        );
    }
    let loader = x.attrs(&boot, "loader")?;
    let sdboot = x.attrs(&loader, "systemd-boot")?;
    let grub = x.attrs(&loader, "grub")?;
    let efi = x.attrs(&loader, "efi")?;
    let boot_loader = BootLoader {
        systemd_boot: x.bool(&sdboot, "enable")?,
        grub: x.bool(&grub, "enable")?,
        grub_devices: x.strs(&grub, "devices")?,
        grub_device: x.str(&grub, "device")?,
        grub_efi_support: x.bool(&grub, "efiSupport")?,
        grub_efi_install_as_removable: x.bool(&grub, "efiInstallAsRemovable")?,
        efi_sys_mount_point: x.str(&efi, "efiSysMountPoint")?,
        can_touch_efi_variables: x.bool(&efi, "canTouchEfiVariables")?,
    };

    let environment = x
        .opt_attrs(&c, "environment")?
        .unwrap_or_else(|| none.clone());
    let mut persistence = BTreeMap::new();
    for (root, p, at) in x.entries(&environment, "persistence")? {
        let mut users = BTreeMap::new();
        for (user, u, uat) in x.entries(&p, "users")? {
            // Current impermanence removed `home` (reading it throws) and
            // takes the user's home from `users.users`; older versions and
            // nixplan's stand-in have it.
            let home = match x.str(&u, "home") {
                Ok(h) => h,
                Err(e) => {
                    let accounts = x.opt_attrs(&c, "users")?.unwrap_or_else(|| none.clone());
                    let all = x
                        .opt_attrs(&accounts, "users")?
                        .unwrap_or_else(|| none.clone());
                    match x.opt_attrs(&all, &user)? {
                        Some(account) => x.str(&account, "home")?,
                        None => return Err(e),
                    }
                }
            };
            users.insert(
                user,
                PersistedUser {
                    home,
                    directories: x.persisted_dirs(&u)?,
                    files: x.persisted_files(&u)?,
                    at: uat,
                },
            );
        }
        persistence.insert(
            root,
            Persistence {
                root: x.str(&p, "persistentStoragePath")?,
                enable: x.bool(&p, "enable")?,
                hide_mounts: x.bool(&p, "hideMounts")?,
                directories: x.persisted_dirs(&p)?,
                files: x.persisted_files(&p)?,
                users,
                at,
            },
        );
    }

    // Home Manager users' `home.persistence` (impermanence's Home Manager
    // module, which its NixOS module reads for them): each root's entries
    // are the user's, under their home, as `environment.persistence`'s
    // `users`. What cannot be evaluated is said, not planned.
    let mut hm_warnings = Vec::new();
    if let Some(hm) = x.opt_attrs(&c, "home-manager")? {
        // All or nothing: on an error the roots stay as they were.
        let mut with_hm = persistence.clone();
        match home_manager_persistence(&mut x, &c, &hm, &mut with_hm) {
            Ok(()) => persistence = with_hm,
            Err(e) => {
                let at = e
                    .span
                    .and_then(|s| x.describe(s))
                    .map(|p| format!(" (at {p})"))
                    .unwrap_or_default();
                hm_warnings.push(format!(
                "nixplan could not evaluate the Home Manager users' home.persistence, so their persisted directories are not in this plan: {}{at}",
                e.message.lines().next().unwrap_or("")
            ));
            }
        }
    }

    let users_cfg = x.attrs(&c, "users")?;
    let mut users = BTreeMap::new();
    for (name, u, at) in x.entries(&users_cfg, "users")? {
        users.insert(
            name,
            User {
                uid: x.opt_int(&u, "uid")?,
                group: x.str(&u, "group")?,
                home: x.str(&u, "home")?,
                is_normal_user: x.bool(&u, "isNormalUser")?,
                is_system_user: x.bool(&u, "isSystemUser")?,
                create_home: x.bool(&u, "createHome")?,
                at,
            },
        );
    }
    let mut groups = BTreeMap::new();
    for (name, g, at) in x.entries(&users_cfg, "groups")? {
        groups.insert(
            name,
            Group {
                gid: x.opt_int(&g, "gid")?,
                at,
            },
        );
    }
    let mut activation_scripts = BTreeMap::new();
    for (name, s, at) in x.entries(&sys, "activationScripts")? {
        if let Some(error) = unevaluable.remove(&name) {
            // What of it can be read still is (its dependencies order the
            // others).
            let deps = x.strs(&s, "deps").unwrap_or_default();
            let supports_dry_activation = x
                .bool(&s, "supportsDryActivation")
                .unwrap_or_else(|_| L::new(false, None));
            activation_scripts.insert(
                name,
                Snippet {
                    provided_by_nixos: false,
                    text: String::new(),
                    deps,
                    supports_dry_activation,
                    at,
                    error: Some(error),
                },
            );
            continue;
        }
        activation_scripts.insert(
            name,
            Snippet {
                provided_by_nixos: x.plain_str(&s, "text")?.starts_with(NIXOS_PROVIDED),
                text: x.plain_str(&s, "text")?,
                deps: x.strs(&s, "deps")?,
                supports_dry_activation: x.bool(&s, "supportsDryActivation")?,
                at,
                error: None,
            },
        );
    }
    let deployment = match c.get("deployment") {
        Some(_) if kind == "colmenaNode" => {
            let dep = x.attrs(&c, "deployment")?;
            let mut keys = BTreeMap::new();
            for (name, k, key_at) in x.entries(&dep, "keys")? {
                let has_text = !matches!(x.value(&k, "text")?, Value::Null);
                let text = if has_text {
                    Some(x.plain_str(&k, "text")?)
                } else {
                    None
                };
                // Run on this machine: a word naming a file under the
                // flake's store path names it where it is.
                let key_command = match x.value(&k, "keyCommand")? {
                    Value::Null => None,
                    _ => {
                        let mut words = x.strs(&k, "keyCommand")?;
                        for w in words.value.iter_mut() {
                            if let Some(real) = x.ev.real_path(w) {
                                *w = real;
                            }
                        }
                        Some(words)
                    }
                };
                keys.insert(
                    name,
                    DeploymentKey {
                        name: x.str(&k, "name")?,
                        key_file: x.local_file(&k, "keyFile")?,
                        key_command,
                        has_text,
                        text,
                        at: key_at.or_else(|| x.at(&dep, "keys")),
                        dest_dir: x.str(&k, "destDir")?,
                        user: x.str(&k, "user")?,
                        group: x.str(&k, "group")?,
                        permissions: x.str(&k, "permissions")?,
                        upload_at: x.str(&k, "uploadAt")?,
                    },
                );
            }
            Some(Deployment {
                target_host: x.opt_str(&dep, "targetHost")?,
                target_port: x.opt_int(&dep, "targetPort")?,
                target_user: x.opt_str(&dep, "targetUser")?,
                tags: x.strs(&dep, "tags")?,
                build_on_target: x.bool(&dep, "buildOnTarget")?,
                allow_local_deployment: x.bool(&dep, "allowLocalDeployment")?,
                replace_unknown_profiles: x.bool(&dep, "replaceUnknownProfiles")?,
                privilege_escalation_command: x.strs(&dep, "privilegeEscalationCommand")?,
                ssh_options: x.strs(&dep, "sshOptions")?,
                keys,
            })
        }
        _ => None,
    };
    // What the modules assert and warn is shown, but the plan does not
    // depend on it: where nixplan cannot evaluate it (an assertion reading
    // a stand-in package, an unavailable input's value), that is said as a
    // warning, and planning goes on.
    let mut failed_assertions = Vec::new();
    let mut unevaluated = Vec::new();
    match x.items(&c, "assertions") {
        Ok(items) => {
            for a in items {
                let checked = x.value(&a, "assertion").and_then(|v| match v {
                    Value::Bool(false) => x.plain_str(&a, "message").map(Some),
                    _ => Ok(None),
                });
                match checked {
                    Ok(Some(message)) => failed_assertions.push(message),
                    Ok(None) => {}
                    Err(e) => unevaluated.push(("an assertion", e)),
                }
            }
        }
        Err(e) => unevaluated.push(("the assertions", e)),
    }
    let mut warnings = match x.strs(&c, "warnings") {
        Ok(w) => w.value,
        Err(e) => {
            unevaluated.push(("the warnings", e));
            Vec::new()
        }
    };
    warnings.extend(hm_warnings);
    for (what, e) in unevaluated {
        let at = e
            .span
            .and_then(|s| x.describe(s))
            .map(|p| format!(" (at {p})"))
            .unwrap_or_default();
        warnings.push(format!(
            "nixplan could not evaluate {what} of this configuration, so {} not checked in this plan: {}{at}",
            if what == "an assertion" { "it is" } else { "they are" },
            e.message.lines().next().unwrap_or("")
        ));
    }

    Ok(Config {
        target: TargetInfo {
            name: target.name(),
            kind,
            toplevel,
        },
        host_name: x.str(&networking, "hostName")?,
        system,
        state_version: x.str(&sys, "stateVersion")?,
        disko,
        file_systems,
        swap_devices,
        luks_devices,
        boot_loader,
        persistence,
        users,
        groups,
        mutable_users: x.bool(&users_cfg, "mutableUsers")?,
        activation_scripts,
        deployment,
        failed_assertions,
        warnings,
        inputs: Vec::new(),
    })
}

/// A persisted path as impermanence uses it (its `concatPaths`): empty
/// components dropped, so a trailing or doubled slash means nothing; a
/// leading one is kept (a relative path stays relative, for NP104).
fn as_impermanence_joins(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let prefix = if path.starts_with('/') { "/" } else { "" };
    format!("{prefix}{}", parts.join("/"))
}

/// `home-manager.users.NAME.home.persistence.ROOT` (current impermanence:
/// entries relative to the user's home, group null) merged into
/// `persistence` as that root's entries for user NAME.
fn home_manager_persistence(
    x: &mut Extract<'_>,
    c: &Attrs,
    hm: &Attrs,
    persistence: &mut BTreeMap<String, Persistence>,
) -> EvalResult<()> {
    let none = Attrs::new();
    let accounts = x.opt_attrs(c, "users")?.unwrap_or_else(|| none.clone());
    let accounts = x
        .opt_attrs(&accounts, "users")?
        .unwrap_or_else(|| none.clone());
    for (user, u, uat) in x.entries(hm, "users")? {
        let Some(home) = x.opt_attrs(&u, "home")? else {
            continue;
        };
        if home.get("persistence").is_none() {
            continue;
        }
        let group = match x.opt_attrs(&accounts, &user)? {
            Some(account) => x.opt_str(&account, "group")?.value,
            None => None,
        }
        .unwrap_or_else(|| "users".to_string());
        let home_dir = x.str(&home, "homeDirectory")?;
        for (root, p, at) in x.entries(&home, "persistence")? {
            if !x.bool(&p, "enable")?.value {
                continue;
            }
            let storage = x.str(&p, "persistentStoragePath")?;
            let entry = PersistedUser {
                home: home_dir.clone(),
                directories: x.persisted_dirs_with(&p, Some(&group))?,
                files: x.persisted_files_with(&p, Some(&group))?,
                at: at.clone().or(uat.clone()),
            };
            // The same storage is the same root, whatever each names it
            // (impermanence groups by persistentStoragePath).
            let same = |p: &Persistence| {
                p.root.value.trim_end_matches('/') == storage.value.trim_end_matches('/')
            };
            let key = match persistence.iter().find(|(_, p)| same(p)) {
                Some((k, _)) => k.clone(),
                None if !persistence.contains_key(&root) => root,
                // The name is another root's: a name of its own.
                None => (0..)
                    .map(|n| match n {
                        0 => storage.value.clone(),
                        n => format!("{}#{n}", storage.value),
                    })
                    .find(|k| !persistence.contains_key(k))
                    .expect("an unused name"),
            };
            let target = persistence.entry(key).or_insert_with(|| Persistence {
                root: storage,
                enable: L::new(true, None),
                hide_mounts: L::new(false, None),
                directories: Vec::new(),
                files: Vec::new(),
                users: BTreeMap::new(),
                at,
            });
            match target.users.get_mut(&user) {
                Some(existing) => {
                    existing.directories.extend(entry.directories);
                    existing.files.extend(entry.files);
                }
                None => {
                    target.users.insert(user.clone(), entry);
                }
            }
        }
    }
    Ok(())
}

/// Where the strings of one list are written inside its definition, found
/// in order (each search starts after the last one found, so a list of
/// thousands is read once, and a repeated string is located at its own
/// place); the list's position for what is not written there.
struct Elements {
    list_at: Option<Pos>,
    /// The list's file, its text and the definition's byte range.
    found: Option<(nixplan_syntax::FileId, nixplan_syntax::Text, usize, usize)>,
    cursor: usize,
}

impl Elements {
    fn at(&mut self, sources: &nixplan_syntax::SourceMap, value: &str) -> Option<Pos> {
        let Some((file, text, start, end)) = &self.found else {
            return self.list_at.clone();
        };
        let quoted = serde_json::to_string(value).unwrap_or_default();
        let find = |from: usize| text[from..*end].find(&quoted).map(|i| from + i);
        let Some(at) = find(self.cursor).or_else(|| find(*start)) else {
            return self.list_at.clone();
        };
        self.cursor = at + quoted.len();
        let src = sources.file(*file);
        let (line, column) = src.line_col(at as u32);
        let (end_line, end_column) = src.line_col(self.cursor as u32);
        Some(Pos {
            file: src.name.as_str().into(),
            line,
            column,
            end_line,
            end_column,
        })
    }
}

/// The option an error of the module system names (`` option `a."b.c".d' ``,
/// as nixpkgs' `showOption` writes it), as its path.
fn option_named(message: &str) -> Option<Vec<String>> {
    let start = message.find("option `")? + "option `".len();
    let rest = &message[start..];
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = rest.chars().peekable();
    let in_name = |c: &char| c.is_ascii_alphanumeric() || "_'-".contains(*c);
    loop {
        match chars.next()? {
            // The closing quote, unless the name goes on (`foo'bar`).
            '\'' if !chars.peek().is_some_and(in_name) => {
                out.push(cur);
                return Some(out);
            }
            '"' if cur.is_empty() => loop {
                match chars.next()? {
                    '\\' => cur.push(match chars.next()? {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        c => c,
                    }),
                    '"' => break,
                    ch => cur.push(ch),
                }
            },
            '.' => out.push(std::mem::take(&mut cur)),
            ch => cur.push(ch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::option_named;

    #[test]
    fn the_option_an_error_names_is_read_as_the_module_system_shows_it() {
        let m = "A definition for option `fileSystems.\"/nix\".device' is not of type `string'.";
        assert_eq!(option_named(m).unwrap(), ["fileSystems", "/nix", "device"]);
        let m = "The option `a.\"b.c\\\"d\".e' is used but not defined.";
        assert_eq!(option_named(m).unwrap(), ["a", "b.c\"d", "e"]);
        let m = "The option `programs.foo'bar.enable' does not exist.";
        assert_eq!(option_named(m).unwrap(), ["programs", "foo'bar", "enable"]);
        let m = "A definition for option `a.\"x\\ny\"' is not of type `string'.";
        assert_eq!(option_named(m).unwrap(), ["a", "x\ny"]);
        assert_eq!(option_named("no option here"), None);
        assert_eq!(option_named("option `unterminated"), None);
    }
}
