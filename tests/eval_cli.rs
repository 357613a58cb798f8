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
