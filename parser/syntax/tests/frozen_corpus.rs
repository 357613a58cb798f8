//! The parse cache's bytes (`lower::frozen`) against lowering itself, on
//! every Nix file of the corpus: a file lowered, frozen, thawed into
//! another arena at another place under another file id, frozen there and
//! thawed back where it was is exactly the lowering it started from; and
//! damaged bytes, or a global name that answers differently now, are
//! refused without touching the arena (an expression whose ids leave its
//! file reads as damaged when it is decoded).

mod common;

use nixplan_syntax::Str;
use std::cell::RefCell;
use std::collections::BTreeMap;

use common::corpus;
use nixplan_syntax::lower::{self, Arena, Expr, ExprId, LowerContext, HEADER_LEN};
use nixplan_syntax::{parse, FileId, SourceMap};

/// Names of Nix's global scope (enough for the corpus' free names).
const GLOBALS: &[&str] = &[
    "builtins",
    "true",
    "false",
    "null",
    "import",
    "toString",
    "map",
    "throw",
    "abort",
    "baseNameOf",
    "dirOf",
    "derivation",
    "isNull",
    "removeAttrs",
    "scopedImport",
    "placeholder",
    "fetchTarball",
    "fetchGit",
    "fetchTree",
    "fetchMercurial",
    "__nixPath",
    "__findFile",
    "__currentSystem",
    "__currentTime",
];

/// The key the test's entries are stored under.
const KEY: &str = "test-key";

fn global(n: &str) -> bool {
    GLOBALS.contains(&n) || n.starts_with("__")
}

/// `file` lowered at the end of `arena`: its root, or `None` when it
/// does not parse or lower.
fn lower_into(
    arena: &mut Arena,
    sources: &SourceMap,
    file: FileId,
    is_global: &dyn Fn(&str) -> bool,
) -> Option<ExprId> {
    let parsed = parse(sources, file).ok()?;
    let cx = LowerContext {
        file,
        base_dir: "/corpus",
        home: Some("/home/u"),
        is_global,
        outer: &[],
        added: &parsed.added,
    };
    lower::lower(arena, &cx, &parsed.root).ok()
}

/// An arena holding `pad` lowered.
fn padded(sources: &SourceMap, pad: FileId) -> Arena {
    let mut arena = Arena::default();
    lower_into(&mut arena, sources, pad, &global).expect("the pad lowers");
    arena
}

/// Every expression (decoded, if it was thawed) and span from `first`
/// on, as text.
fn shown(arena: &mut Arena, first: ExprId) -> Vec<String> {
    (first.0..arena.len() as u32)
        .map(|i| {
            let e = format!("{:?}", arena.decoded(ExprId(i)));
            format!("{e} @ {:?}", arena.span(ExprId(i)))
        })
        .collect()
}

#[test]
fn every_file_of_the_corpus_thaws_as_it_was_lowered() {
    let Some(files) = corpus() else { return };
    let mut checked = 0;
    let mut damaged_checked = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let mut sources = SourceMap::new();
        let pad = sources.add(
            "pad.nix".into(),
            None,
            "rec { a = [ 1 \"${x}\" ]; x = \"y\"; }".into(),
        );
        let file = sources.add(
            path.display().to_string(),
            Some(path.clone()),
            text.as_str().into(),
        );
        let mut arena = padded(&sources, pad);
        let first = ExprId(arena.len() as u32);
        let asked: RefCell<BTreeMap<Str, bool>> = RefCell::default();
        let recording = |n: &str| {
            let yes = global(n);
            asked.borrow_mut().insert(n.into(), yes);
            yes
        };
        let Some(root) = lower_into(&mut arena, &sources, file, &recording) else {
            continue;
        };
        let asked: Vec<(Str, bool)> = asked.into_inner().into_iter().collect();
        let len = sources.file(file).text.len();
        let bytes = arena
            .freeze(KEY, first, root, asked.clone())
            .unwrap_or_else(|| panic!("{}: not frozen", path.display()));
        // Elsewhere: an empty arena, another file id; the same as the
        // file lowered there directly.
        let mut other = Arena::default();
        let other_root = other
            .thaw(KEY, bytes.clone(), FileId(41), len, &global)
            .unwrap_or_else(|| panic!("{}: not thawed", path.display()));
        let mut direct = Arena::default();
        let parsed = parse(&sources, file).unwrap();
        let cx = LowerContext {
            file: FileId(41),
            base_dir: "/corpus",
            home: Some("/home/u"),
            is_global: &global,
            outer: &[],
            added: &parsed.added,
        };
        let direct_root = lower::lower(&mut direct, &cx, &parsed.root).unwrap();
        assert_eq!(other_root, direct_root, "{}", path.display());
        assert_eq!(
            shown(&mut other, ExprId(0)),
            shown(&mut direct, ExprId(0)),
            "{}",
            path.display()
        );
        // And back where it was.
        let again = other
            .freeze(KEY, ExprId(0), other_root, asked.clone())
            .unwrap();
        let mut back = padded(&sources, pad);
        assert_eq!(back.len() as u32, first.0);
        let back_root = back.thaw(KEY, again, file, len, &global).unwrap();
        assert_eq!(back_root, root, "{}", path.display());
        assert_eq!(
            shown(&mut back, first),
            shown(&mut arena, first),
            "{}",
            path.display()
        );
        checked += 1;

        // Damage: a byte changed, the end cut off, a global answered
        // otherwise; each refused with the arena as it was.
        if checked % 25 == 1 {
            let refused = |bytes: &[u8], is_global: &dyn Fn(&str) -> bool, what: &str| {
                let mut a = Arena::default();
                assert!(
                    a.thaw(KEY, bytes.to_vec(), FileId(1), len, is_global)
                        .is_none(),
                    "{}: {what} was read",
                    path.display()
                );
                assert_eq!(a.len(), 0);
            };
            // The magic, the checksum, the payload's first, middle and
            // last byte.
            for at in [0, 9, HEADER_LEN, bytes.len() / 2, bytes.len() - 1] {
                let mut b = bytes.clone();
                b[at] ^= 0x20;
                refused(&b, &global, &format!("byte {at} changed"));
            }
            let refused_with_len = |bytes: &[u8], len: usize| {
                let mut a = Arena::default();
                assert!(
                    a.thaw(KEY, bytes.to_vec(), FileId(1), len, &global)
                        .is_none(),
                    "{}: spans past a text of {len} bytes were read",
                    path.display()
                );
                assert_eq!(a.len(), 0);
            };
            refused(&bytes[..bytes.len() - 1], &global, "the entry cut short");
            // Whole and checksummed, but stored under another name, or
            // frozen from one expression too late (its first expressions'
            // ids then leave it).
            let mut a = Arena::default();
            assert!(
                a.thaw("another key", bytes.clone(), FileId(1), len, &global)
                    .is_none(),
                "{}: an entry under another name was read",
                path.display()
            );
            if root.0 > first.0 {
                let late = arena
                    .freeze(KEY, ExprId(first.0 + 1), root, asked.clone())
                    .unwrap();
                // Checksummed and read (expressions are decoded when
                // asked for): those whose ids leave it read as damaged.
                let mut a = Arena::default();
                let late_root = a
                    .thaw(KEY, late, FileId(1), len, &global)
                    .unwrap_or_else(|| panic!("{}: the late entry was refused", path.display()));
                assert_eq!(late_root.0, root.0 - first.0 - 1);
                let damaged = (0..a.len() as u32)
                    .filter(|i| matches!(a.decoded(ExprId(*i)), Expr::Damaged))
                    .count();
                assert!(
                    damaged > 0,
                    "{}: an entry whose ids leave it read whole",
                    path.display()
                );
            }
            refused(&bytes[..HEADER_LEN], &global, "the header alone");
            if let Some((name, _)) = asked.first() {
                refused(
                    &bytes,
                    &|n: &str| if n == &**name { !global(n) } else { global(n) },
                    &format!("another global scope (`{name}`)"),
                );
            }
            // A text shorter than the spans (here: empty): refused too.
            refused_with_len(&bytes, 0);
            damaged_checked += 1;
        }
    }
    eprintln!("{checked} files thawed as lowered, {damaged_checked} damaged and refused");
    assert!(checked > 100, "only {checked} files of the corpus lowered");
}
