//! The `nixplan eval` command line: -A, -E, --nix, --json, -I, and exit codes.

mod common;

use common::nixplan_text;

#[test]
fn attribute_paths_select_into_the_result() {
    let (code, out, _) = nixplan_text(&[
        "eval",
        "examples/hello.nix",
        "-A",
        "disks.vdb.partitions.1.label",
    ]);
    assert_eq!((code, out.as_str()), (0, "\"disk-vdb-part2\"\n"));
    let (code, _, err) = nixplan_text(&["eval", "examples/hello.nix", "-A", "disks.vdc"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("attribute 'vdc' in selection path 'disks.vdc' not found")
            && err.contains("did you mean 'vda'"),
        "{err}"
    );
}

#[test]
fn expressions_print_as_nix_or_json() {
    let (code, out, _) = nixplan_text(&["eval", "-E", "{ b = [ 1 2.5 ]; a = \"x\"; }", "--nix"]);
    assert_eq!((code, out.as_str()), (0, "{ a = \"x\"; b = [ 1 2.5 ]; }\n"));
    let (code, out, _) = nixplan_text(&["eval", "-E", "{ b = [ 1 2.5 ]; a = \"x\"; }", "--json"]);
    assert_eq!((code, out.as_str()), (0, "{\"a\":\"x\",\"b\":[1,2.5]}\n"));
}

#[test]
fn search_paths_come_from_dash_i() {
    let (code, out, _) = nixplan_text(&[
        "eval",
        "-I",
        "corpus=tests/corpus/data",
        "-E",
        "builtins.readFile <corpus/hello.txt>",
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with('"'), "{out}");
    let (code, _, err) = nixplan_text(&["eval", "-E", "<nonexistent-search-path>"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("was not found in the Nix search path"),
        "{err}"
    );
}

#[test]
fn traces_reach_stderr_and_errors_exit_1() {
    let (code, out, err) = nixplan_text(&["eval", "-E", "builtins.trace \"hello\" 1"]);
    assert_eq!((code, out.as_str()), (0, "1\n"));
    assert!(err.contains("trace: hello"), "{err}");
    let (code, _, err) = nixplan_text(&["eval", "-E", "1 +"]);
    assert_eq!(code, 1);
    assert!(err.contains("syntax error"), "{err}");
}

/// Hashes and flake references with characters of several bytes where
/// ASCII is expected end in an evaluation error, never a panic.
#[test]
fn non_ascii_hashes_and_flake_references_are_errors_not_crashes() {
    let hash = format!("a€{}", "a".repeat(60));
    let cases = [
        format!("builtins.convertHash {{ hash = \"{hash}\"; hashAlgo = \"sha256\"; toHashFormat = \"nix32\"; }}"),
        format!("builtins.path {{ path = ./examples; sha256 = \"{hash}\"; }}"),
        "builtins.parseFlakeRef \"github:a/b?ref=%aé\"".to_string(),
    ];
    for expr in &cases {
        let (code, _, err) = nixplan_text(&["eval", "-E", expr]);
        assert!(!err.contains("panicked"), "{expr}: {err}");
        if expr.contains("parseFlakeRef") {
            // `%a` followed by a non-hex character stays as written.
            assert_eq!(code, 0, "{expr}: {err}");
        } else {
            assert_eq!(code, 1, "{expr}: {err}");
        }
    }
    let (code, out, err) = nixplan_text(&[
        "eval",
        "-E",
        "(builtins.parseFlakeRef \"github:a/b?ref=%aé%41%+1\").ref",
    ]);
    assert_eq!((code, out.trim()), (0, "\"%aéA%+1\""), "{err}");
}

/// A file with CR LF line ends and a long unspaced run: its carriage
/// returns are read with nixplan's linear tokenizer (before, rnix's took
/// minutes on such a run), and the run is parsed (issue 12).
#[test]
fn a_crlf_file_with_a_long_run_is_read_and_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("crlf.nix");
    let run = vec!["1"; 100_000].join("+");
    std::fs::write(&file, format!("let\r\n  x = {run};\r\nin\r\n  x\r\n")).unwrap();
    let (code, out, err) = nixplan_text(&["eval", file.to_str().unwrap()]);
    assert_eq!((code, out.trim()), (0, "100000"), "{err}");
}

/// Shapes rnix and rowan parse in quadratic time (long unspaced runs,
/// long chains of operators and applications) are parsed in linear time
/// with trivia added (issue 12): at a size nix 2.8 reads quickly, they
/// mean what nix-instantiate says; at 100,000 terms (nix 2.8 itself
/// takes minutes on the unspaced ones) nixplan gives the value, and an
/// error in such a file is still said at its own line and column.
#[test]
fn long_chains_and_runs_parse_in_linear_time_and_mean_what_nix_says() {
    let shapes = |n: usize| -> Vec<(&'static str, String)> {
        let ones = |sep: &str| vec!["1"; n].join(sep);
        vec![
            ("tight sum", ones("+")),
            ("parenthesised sum", vec!["(1)"; n].join("+")),
            (
                "applications",
                format!("let f = x: f; in builtins.isFunction (f {})", ones(" ")),
            ),
            (
                "selections",
                format!("let a = {{ a = a; b = 7; }}; in a{}.b", ".a".repeat(n)),
            ),
            (
                "concatenations",
                format!("builtins.length ({})", vec!["[1]"; n].join("++")),
            ),
            (
                "strings",
                format!("builtins.stringLength ({})", vec!["\"x\""; n].join("+")),
            ),
            ("updates", format!("({}).a", vec!["{a=1;}"; n].join("//"))),
        ]
    };
    let dir = tempfile::tempdir().unwrap();
    if let Some(why) = common::nix_missing() {
        common::skip::skip_unless(
            "long_chains_and_runs_parse_in_linear_time_and_mean_what_nix_says",
            Some(why),
            "NIXPLAN_REQUIRE_NIX",
        );
    } else {
        for (name, src) in shapes(2000) {
            let file = dir.path().join("small.nix");
            std::fs::write(&file, &src).unwrap();
            let (code, ours, err) = nixplan_text(&["eval", file.to_str().unwrap()]);
            assert_eq!(code, 0, "{name}: {err}");
            let nix = std::process::Command::new("nix-instantiate")
                .args(["--eval", "--strict"])
                .arg(&file)
                .output()
                .unwrap();
            assert_eq!(ours, String::from_utf8_lossy(&nix.stdout), "{name}");
        }
    }
    let expected = ["100000", "100000", "true", "7", "100000", "100000", "1"];
    for ((name, src), want) in shapes(100_000).into_iter().zip(expected) {
        let file = dir.path().join("big.nix");
        std::fs::write(&file, &src).unwrap();
        let (code, out, err) = nixplan_text(&["eval", file.to_str().unwrap()]);
        assert_eq!((code, out.trim()), (0, want), "{name}: {err}");
    }
    // A mistake at the end of a long tight chain is said where it is.
    let file = dir.path().join("bad.nix");
    std::fs::write(&file, format!("{}+\n  true", vec!["1"; 100_000].join("+"))).unwrap();
    let (code, _, err) = nixplan_text(&["eval", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("bad.nix:1:1"), "{err}");
    std::fs::write(&file, format!("{}+\n  ", vec!["1"; 100_000].join("+"))).unwrap();
    let (code, _, err) = nixplan_text(&["eval", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("unexpected end of file"), "{err}");
    // At the last `+` as written (column 200000), not where the respaced
    // text ends.
    assert!(err.contains("bad.nix:1:200000"), "{err}");
    // Malformed text that cannot be respaced is refused, not parsed in
    // quadratic time.
    std::fs::write(&file, format!("<a<b> {}", vec!["1"; 10_000].join("+"))).unwrap();
    let (code, _, err) = nixplan_text(&["eval", file.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("malformed token"), "{err}");
}

/// `with` a stand-in package set (`with pkgs; [ hello ]`, where pkgs are
/// nixplan's stand-ins) finds every package in it, after every scope's own
/// attributes: a real set's attribute wins, wherever it is.
#[test]
fn with_a_stand_in_package_set_finds_every_package() {
    let pkgs = "builtins.__nixplanOpaque { kind = \"pkgs\"; name = \"x86_64-linux\"; }";
    let (code, out, err) = nixplan_text(&[
        "eval",
        "--strict",
        "-E",
        &format!("let pkgs = {pkgs}; in with {{ git = 1; }}; with pkgs; [ hello.pname git (with {{ vim = 2; }}; vim) ]"),
    ]);
    assert_eq!((code, out.trim()), (0, "[ \"hello\" 1 2 ]"), "{err}");
    // Without a stand-in scope, still an undefined variable.
    let (code, _, err) = nixplan_text(&["eval", "-E", "with { a = 1; }; b"]);
    assert_eq!(code, 1);
    assert!(err.contains("undefined variable 'b'"), "{err}");
}

/// A stand-in stays one through what copies a set (`removeAttrs`, `//`,
/// nixplan's placing of names): nixpkgs' module system removes
/// `_file`/`key` from every module, stand-ins included, and reads what
/// it did not remove.
#[test]
fn a_stand_in_stays_one_when_its_set_is_copied() {
    let pkgs = "builtins.__nixplanOpaque { kind = \"pkgs\"; name = \"x86_64-linux\"; attrs = { a = 1; b = 2; }; }";
    let (code, out, err) = nixplan_text(&[
        "eval",
        "--strict",
        "-E",
        &format!(
            "let p = {pkgs}; r = builtins.removeAttrs p [ \"a\" ]; u = p // {{ c = 3; }}; in \
             [ r.a.pname r.b r.hello.pname u.c u.hello.pname (builtins.mapAttrs (n: v: v) p ? hello) ]"
        ),
    ]);
    assert_eq!(
        (code, out.trim()),
        (0, "[ \"a\" 2 \"hello\" 3 \"hello\" false ]"),
        "{err}"
    );
}

/// nixplan's stand-in for vic/import-tree (as its documentation says it
/// behaves): every `.nix` file below the root, recursively, except where a
/// component below the root begins with `_`; a file given stands for
/// itself; lists are flattened; `.filter`, `.map`, `.leafs` build on it.
#[test]
fn the_import_tree_stand_in_imports_what_its_documentation_says() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("_checkout").join("tree");
    for f in [
        "a.nix",
        "a.txt",
        "b/m.nix",
        "b/_c/d/e.nix",
        "b/_n.nix",
        "b/d/e.nix",
        "x/y.nix",
    ] {
        let p = t.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "{ }").unwrap();
    }
    let root = t.display().to_string();
    let it = "(import /nixplan/nixplan.nix).standIns.import-tree";
    let rel = format!(
        "map (p: builtins.substring {} 100 (toString p))",
        root.len() + 1
    );
    let run = |expr: String| {
        let (code, out, err) = nixplan_text(&["eval", "--strict", "-E", &expr]);
        assert_eq!(code, 0, "{expr}: {err}");
        out.trim().to_string()
    };
    assert_eq!(
        run(format!("{rel} ({it} {root}).imports")),
        "[ \"a.nix\" \"b/d/e.nix\" \"b/m.nix\" \"x/y.nix\" ]"
    );
    assert_eq!(
        run(format!(
            "{rel} ({it} [ {root}/b [ {root}/x/y.nix ] ]).imports"
        )),
        "[ \"b/d/e.nix\" \"b/m.nix\" \"x/y.nix\" ]"
    );
    assert_eq!(
        run(format!(
            "{rel} (({it}.filter (p: builtins.match \".*/b/.*\" p == null)).leafs {root})"
        )),
        "[ \"a.nix\" \"x/y.nix\" ]"
    );
    assert_eq!(
        run(format!(
            "(({it}.map builtins.baseNameOf).match \".*/x/.*\" {root}).imports"
        )),
        "[ \"y.nix\" ]"
    );
}

/// The sops-nix and agenix stand-ins give each secret the path the real
/// modules default to (read from their sources in ../shared/upstream:
/// sops `path`, `templates.<name>.path`, agenix `secretsDir`), evaluated by
/// nixplan's own lib's module system.
#[test]
fn secret_stand_ins_put_secrets_where_the_real_modules_do() {
    let expr = r#"
      let
        s = import /nixplan/inputs/secrets.nix;
        lib = (import /nixplan/nixplan.nix).lib;
        eval = modules: (lib.evalModules { modules = modules ++ [ { _module.check = false; } ]; }).config;
        nixos = eval [ s.sops.nixos s.age.nixos {
          sops.secrets.a = { };
          sops.secrets.b.neededForUsers = true;
          sops.templates.t.content = "x";
          sops.age.keyFile = "/var/lib/sops/key";
          age.secrets.y.file = "/y.age";
        } ];
        hm = eval [ s.sops.home-manager s.age.home-manager {
          home.homeDirectory = "/home/alice";
          sops.secrets.a = { };
          age.secrets.y.file = "/y.age";
        } ];
      in [
        nixos.sops.secrets.a.path nixos.sops.secrets.b.path nixos.sops.templates.t.path
        nixos.sops.age.keyFile nixos.age.secrets.y.path nixos.age.secrets.y.owner
        (builtins.substring 0 6 nixos.sops.placeholder.a)
        hm.sops.secrets.a.path hm.age.secrets.y.path
      ]
    "#;
    let (code, out, err) = nixplan_text(&["eval", "--strict", "-E", expr]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        "[ \"/run/secrets/a\" \"/run/secrets-for-users/b\" \"/run/secrets/rendered/t\" \"/var/lib/sops/key\" \"/run/agenix/y\" \"0\" \"<SOPS:\" \"/home/alice/.config/sops-nix/secrets/a\" \"\\${XDG_RUNTIME_DIR}/agenix/y\" ]"
    );
}

/// The Home Manager stand-in's `lib.hm.dag` makes the entries Home
/// Manager's own `dag.nix` makes (run by nix over the real nixpkgs lib).
#[test]
fn the_home_manager_stand_in_dag_entries_are_home_managers() {
    let Some(up) = common::upstream_or_skip("the_home_manager_stand_in_dag") else {
        return;
    };
    if common::skip_without_nix("the_home_manager_stand_in_dag") {
        return;
    }
    let uses = "[ (d.entryAfter [ \"a\" ] \"x\") (d.isEntry (d.entryAnywhere 1)) (d.isDag { a = d.entryBetween [ \"c\" ] [ \"b\" ] 2; }) (d.map (n: x: x + 1) { a = d.entryBefore [ \"b\" ] 1; }) d.empty ]";
    let ours = format!(
        "let d = (import /nixplan/nixplan.nix).standIns.home-manager.lib.hm.dag; in {uses}"
    );
    let (code, out, err) = nixplan_text(&["eval", "--strict", "-E", &ours]);
    assert_eq!(code, 0, "{err}");
    let real = format!(
        "let real = import {}/nixpkgs-lib/lib; lib = real // {{ hm.dag = d; }}; d = import {}/home-manager/modules/lib/dag.nix {{ inherit lib; }}; in {uses}",
        up.display(),
        up.display()
    );
    let nix = std::process::Command::new("nix-instantiate")
        .args(["--eval", "--strict", "-E", &real])
        .output()
        .unwrap();
    assert!(
        nix.status.success(),
        "{}",
        String::from_utf8_lossy(&nix.stderr)
    );
    assert_eq!(out.trim(), String::from_utf8_lossy(&nix.stdout).trim());
}

/// `--max-memory` stops an evaluation that grows past it with an error
/// (the allocator's committed memory, read every 4096 steps), and the same
/// evaluation under a generous limit gives its value.
#[test]
fn an_evaluation_past_the_memory_limit_stops_with_an_error() {
    let expr = "let l = builtins.genList (i: { x = toString i; y = [ i ]; }) 100000; \
                in builtins.length (builtins.filter (s: s.x != \"\") l)";
    let (code, _, err) = nixplan_text(&["eval", "--max-memory", "16", "-E", expr]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("evaluation uses more than the memory limit (16 MiB; --max-memory)"),
        "{err}"
    );
    let (code, out, err) = nixplan_text(&["eval", "--max-memory", "4096", "-E", expr]);
    assert_eq!((code, out.as_str()), (0, "100000\n"), "{err}");
}

/// Every builtin that makes a string of a length the program chooses asks
/// before it grows past the memory ceiling (and nixplan's 4 GiB limit on
/// one string: `Eval::check_text`), and refuses with an error at its
/// call: not a panic, not memory taken past `--max-memory`. Each case
/// makes about 100 MB from a 1 MiB string in a few steps (the ceiling
/// checked every 4096 steps would not see it); under a generous ceiling
/// the same expression gives its length.
#[test]
fn a_builtin_refuses_a_string_past_the_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.txt");
    std::fs::write(&big, "x".repeat(100 << 20)).unwrap();
    let big_nix = dir.path().join("big.nix");
    std::fs::write(&big_nix, format!("\"{}\"", "x".repeat(100 << 20))).unwrap();
    // 1 MiB of "x", by doubling (20 steps).
    let mib = "let d = s: s + s; in d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d (d \"x\")))))))))))))))))))";
    let hundred = "builtins.genList (_: x) 100";
    let cases = [
        (
            "replaceStrings",
            format!(
                "builtins.replaceStrings [ \"x\" ] [ \"{}\" ] x",
                "y".repeat(100)
            ),
        ),
        (
            "concatStringsSep",
            format!("builtins.concatStringsSep \"\" ({hundred})"),
        ),
        ("toString of a list", format!("toString ({hundred})")),
        ("toJSON", format!("builtins.toJSON ({hundred})")),
        ("toXML", format!("builtins.toXML ({hundred})")),
        ("readFile", format!("builtins.readFile {}", big.display())),
        ("import", format!("import {}", big_nix.display())),
    ];
    for (what, body) in cases {
        let expr = format!("let x = {mib}; in builtins.stringLength ({body})");
        let (code, _, err) = nixplan_text(&["eval", "--max-memory", "64", "-E", &expr]);
        assert_eq!(code, 1, "{what}: {err}");
        assert!(
            err.contains("would take more than the memory limit (64 MiB; --max-memory)")
                && err.contains("a string of"),
            "{what}: {err}"
        );
        assert!(!err.contains("panicked"), "{what}: {err}");
        let (code, out, err) = nixplan_text(&["eval", "--max-memory", "4096", "-E", &expr]);
        assert_eq!(code, 0, "{what}: {err}");
        let len: u64 = out
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{what}: {out}"));
        assert!(len >= 100 << 20, "{what}: {len}");
    }
}

/// `NIXPLAN_EVAL_PROFILE=FILE` writes a profile by function: each lambda
/// named by where it is written, each builtin by name, with how often it
/// was called (a recursion's calls all counted, its time once); the
/// evaluation's result is the same as without it.
#[test]
fn a_profile_counts_calls_by_function_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fib.nix");
    std::fs::write(
        &file,
        "let\n  fib = n: if n < 2 then n else fib (n - 1) + fib (n - 2);\n  \
         twice = x: [ x x ];\nin builtins.length (map twice [ 1 2 ]) + fib 10\n",
    )
    .unwrap();
    let report = dir.path().join("profile.txt");
    let (code, out, err) = common::nixplan_env(
        &["eval", file.to_str().unwrap()],
        &[("NIXPLAN_EVAL_PROFILE", report.to_str().unwrap())],
        &[],
    );
    assert_eq!((code, out.as_str()), (0, "57\n"), "{err}");
    let text = std::fs::read_to_string(&report).unwrap();
    let calls = |what: &str| -> u64 {
        let line = text
            .lines()
            .find(|l| l.ends_with(what))
            .unwrap_or_else(|| panic!("no line for {what} in:\n{text}"));
        line.split_whitespace().nth(2).unwrap().parse().unwrap()
    };
    // fib 10 calls fib 177 times; `twice` is called for no element, since
    // only the list's length is asked for.
    assert_eq!(calls("fib.nix:2:9"), 177, "{text}");
    assert_eq!(calls("builtins.map"), 1, "{text}");
    assert!(!text.contains("fib.nix:3:11"), "{text}");
    // Each function's own steps: fib calls no function (its steps are all
    // its own, counted once however deep the recursion); `builtins.length`
    // forces the `map` it is given, whose steps are map's own, not length's.
    let columns = |what: &str| -> Vec<u64> {
        let line = text.lines().find(|l| l.ends_with(what)).unwrap();
        line.split_whitespace()
            .skip(2)
            .take(3)
            .map(|c| c.parse().unwrap())
            .collect()
    };
    let fib = columns("fib.nix:2:9");
    assert!(fib[2] > 0 && fib[2] == fib[1], "{text}");
    let length = columns("builtins.length");
    let map = columns("builtins.map");
    assert!(map[1] > 0, "{text}");
    assert_eq!(length[2], length[1] - map[1], "{text}");
    // Then the same functions, by their own steps, the most first.
    let (_, by_own) = text
        .split_once("# the same, by the steps of their own")
        .unwrap_or_else(|| panic!("no table by own steps in:\n{text}"));
    let owns: Vec<u64> = by_own
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split_whitespace().nth(4).unwrap().parse().unwrap())
        .collect();
    assert!(
        owns.len() >= 3 && owns.windows(2).all(|w| w[0] >= w[1]),
        "{text}"
    );
    assert_eq!(owns[0], fib[2], "{text}");
    // A command that evaluates several times (a hive's node list, then
    // each node) appends a profile per evaluation; the next command
    // replaces the file.
    let system = "/nix/store/qcpbj3406g87nifdqh66bikpv1q4z93h-nixos-system-web1";
    let nodes: Vec<String> = ["web1", "web2", "db1"]
        .iter()
        .map(|n| format!("{n}={system}"))
        .collect();
    let mut args = vec![
        "plan",
        "tests/fixtures/colmena-hive",
        "--offline",
        "--goal",
        "push",
    ];
    for n in &nodes {
        args.extend_from_slice(&["--node-system", n.as_str()]);
    }
    let (code, _, err) = common::nixplan_env(
        &args,
        &[("NIXPLAN_EVAL_PROFILE", report.to_str().unwrap())],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let profiles = |t: &str| t.matches("# nixplan evaluation profile").count();
    let hive = std::fs::read_to_string(&report).unwrap();
    assert!(profiles(&hive) >= 4, "{hive}");
    let (code, _, _) = common::nixplan_env(
        &["eval", file.to_str().unwrap()],
        &[("NIXPLAN_EVAL_PROFILE", report.to_str().unwrap())],
        &[],
    );
    assert_eq!(code, 0);
    assert_eq!(profiles(&std::fs::read_to_string(&report).unwrap()), 1);
    // Without the variable, no file is written.
    std::fs::remove_file(&report).unwrap();
    let (code, _, _) = nixplan_text(&["eval", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(!report.exists());
}

/// What a file of an unavailable input's source (`/nixplan/unavailable/…`,
/// nixplan's outPath for one) evaluates to: an empty, unchecked module that
/// has every attribute and can be called; as a string it is an error that
/// says why.
#[test]
fn a_file_of_an_unavailable_source_is_an_empty_module() {
    let u = "(import /nixplan/unavailable/private/default.nix)";
    let expr = format!(
        "let m = ({u} {{ }}).modules.virtualisation; in [ (builtins.isAttrs m) (m ? anything) (builtins.isFunction m) m._module.check.content ]"
    );
    let (code, out, err) = nixplan_text(&["eval", "--json", "-E", &expr]);
    assert_eq!(
        (code, out.as_str()),
        (0, "[true,false,false,false]\n"),
        "{err}"
    );
    // Reading a file below it is an error that says so, not "no such file".
    let (code, _, err) = nixplan_text(&[
        "eval",
        "-E",
        "builtins.pathExists /nixplan/unavailable/private/flake.nix",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot read 'private/flake.nix': it is in a source that is unavailable"),
        "{err}"
    );
    let (code, _, err) = nixplan_text(&["eval", "-E", &format!("\"${{{u}.lib}}\"")]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "'private/default.nix: lib' is from the source of a flake input that is unavailable"
        ),
        "{err}"
    );
}

/// `x ? _type` of an unavailable input (the module system and flake-parts
/// ask it of every value they merge) is answered by what it was given;
/// `x.lib or d` (snowfall-lib asks it of every input) is an unread value,
/// an error where it is used as a string; any other use of it is still the
/// error that names it.
#[test]
fn an_unavailable_input_answers_only_its_type() {
    let x = r#"(builtins.__nixplanOpaque { kind = "input"; name = "gone"; reason = "offline"; })"#;
    let (code, out, err) = nixplan_text(&["eval", "--json", "-E", &format!("{x} ? _type")]);
    assert_eq!((code, out.as_str()), (0, "false\n"), "{err}");
    let (code, out, err) = nixplan_text(&[
        "eval",
        "--json",
        "-E",
        &format!("builtins.isAttrs ({x}.lib or null)"),
    ]);
    assert_eq!((code, out.as_str()), (0, "true\n"), "{err}");
    let (code, _, err) = nixplan_text(&["eval", "-E", &format!("\"${{{x}.lib or null}}\"")]);
    assert_eq!(code, 1);
    assert!(
        err.contains("'gone: lib'") && err.contains("offline"),
        "{err}"
    );
    let (code, _, err) = nixplan_text(&["eval", "-E", &format!("{x}.lib")]);
    assert_eq!(code, 1);
    assert!(err.contains("so 'lib' of it cannot be used"), "{err}");
    let (code, _, err) = nixplan_text(&["eval", "-E", &format!("{x} ? lib")]);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "the flake input 'gone' is unavailable (offline), so 'lib' of it cannot be used"
        ),
        "{err}"
    );
}

/// A deep error keeps the innermost frames (where it went wrong) and the
/// outermost (what was being evaluated for), and says how many it left
/// out between them.
#[test]
fn a_deep_trace_keeps_both_ends() {
    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("a_deep_trace_keeps_both_ends");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("deep.nix");
    std::fs::write(
        &file,
        "let\n  f = n: if n == 0 then throw \"deep\" else g (n - 1);\n  g = n: f n;\nin\n{ x = f 100; }.x\n",
    )
    .unwrap();
    let (code, _, err) = nixplan_text(&["eval", file.to_str().unwrap()]);
    assert_eq!(code, 1);
    let frames: Vec<&str> = err.lines().filter(|l| l.contains('…')).collect();
    // 200 calls: 24 innermost, the count, 8 outermost.
    assert_eq!(frames.len(), 33, "{err}");
    assert!(frames[24].contains("170 frames omitted"), "{err}");
    assert!(frames[0].contains("deep.nix:3:10"), "{err}");
    assert!(
        frames[32].contains("evaluating the attribute 'x'") && frames[32].contains("deep.nix:5:1"),
        "{err}"
    );
}

/// A set placed lazily (`__nixplanPlaceLazily`, how nixplan places the
/// configurations nixpkgs' module system evaluates) gives a name the place
/// computed for it only when that name's place is asked for; a place that
/// cannot be computed leaves the name's own.
#[test]
fn lazy_places_are_computed_only_for_the_names_asked() {
    let expr = r#"let
  x = builtins.__nixplanPlaceLazily { a = 1; b = 2; c = 3; d = 4; } {
    a = builtins.unsafeGetAttrPos "y" z; b = builtins.trace "b's place computed" null; d = throw "no place";
  };
  z = { y = 1; };
in map (n: (builtins.unsafeGetAttrPos n x).line) [ "a" "c" "d" ]"#;
    let (code, out, err) = nixplan_text(&["eval", "-E", expr, "--json"]);
    assert_eq!((code, out.as_str()), (0, "[5,2,2]\n"), "{err}");
    assert!(!err.contains("b's place computed"), "{err}");
    let (code, _, err) = nixplan_text(&[
        "eval",
        "-E",
        &expr.replace("\"c\" \"d\"", "\"b\""),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("b's place computed"), "{err}");
    // An error forcing the set deeply is said at the place given.
    let deep = r#"let
  x = builtins.__nixplanPlaceLazily { a = throw "boom"; } {
    a = builtins.unsafeGetAttrPos "y" z;
  };
  z = { y = 1; };
in builtins.deepSeq x null"#;
    let (code, _, err) = nixplan_text(&["eval", "-E", deep]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("while evaluating the attribute 'a' at «string»:5:9"),
        "{err}"
    );
}
