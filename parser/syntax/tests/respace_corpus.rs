//! The linear tokenizer and the respacing (`respace.rs`) against rnix
//! itself, on every Nix file of the upstream snapshots (nixpkgs' lib,
//! disko, Home Manager, flake-parts, Nix's language tests, ...) and of
//! this repository: the same tokens, and after respacing the same tree but
//! for the added trivia, every token found back at its place.

mod common;

use common::corpus;
use nixplan_syntax::respace::{respace, Tokens};
use rnix::{NodeOrToken, SyntaxKind, SyntaxNode};

fn trivia(k: SyntaxKind) -> bool {
    matches!(k, SyntaxKind::TOKEN_WHITESPACE | SyntaxKind::TOKEN_COMMENT)
}

/// The tree without its trivia, and each other token's start.
fn shape(node: &SyntaxNode, out: &mut String, starts: &mut Vec<u32>) {
    out.push_str(&format!("({:?}", node.kind()));
    for child in node.children_with_tokens() {
        match child {
            NodeOrToken::Node(n) => shape(&n, out, starts),
            NodeOrToken::Token(t) if !trivia(t.kind()) => {
                out.push_str(&format!(" {:?}:{}", t.kind(), t.text()));
                starts.push(t.text_range().start().into());
            }
            NodeOrToken::Token(_) => {}
        }
    }
    out.push(')');
}

#[test]
fn rnix_tokens_and_trees_are_kept_on_every_file_of_the_corpus() {
    let Some(files) = corpus() else { return };
    assert!(files.len() > 500, "only {} files", files.len());
    let mut compared = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let ours: Vec<(SyntaxKind, &str)> = Tokens::new(&text)
            .map(|t| (t.kind, &text[t.start..t.end]))
            .collect();
        let theirs: Vec<(SyntaxKind, &str)> = rnix::tokenize(&text).collect();
        assert_eq!(ours, theirs, "{}", f.display());
        let parsed = rnix::Root::parse(&text);
        let Some((spaced, added)) = respace(&text) else {
            // Only malformed text is not respaced.
            assert!(!parsed.errors().is_empty(), "{} not respaced", f.display());
            continue;
        };
        let reparsed = rnix::Root::parse(&spaced);
        if !parsed.errors().is_empty() {
            assert!(!reparsed.errors().is_empty(), "{}", f.display());
            continue;
        }
        assert!(
            reparsed.errors().is_empty(),
            "{}: {:?}",
            f.display(),
            reparsed.errors()
        );
        let (mut a, mut b) = (String::new(), String::new());
        let (mut sa, mut sb) = (Vec::new(), Vec::new());
        shape(&parsed.syntax(), &mut a, &mut sa);
        shape(&reparsed.syntax(), &mut b, &mut sb);
        assert_eq!(a, b, "{}", f.display());
        let mapped: Vec<u32> = sb.iter().map(|&s| added.to_source(s)).collect();
        assert_eq!(sa, mapped, "{}: positions", f.display());
        compared += 1;
    }
    assert!(compared > 500, "only {compared} trees compared");
}

use proptest::prelude::*;

/// Texts made of Nix's pieces, glued with and without spaces: operators,
/// paths, URIs, numbers, strings with interpolations, comments.
fn soup() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "a",
        "b_c",
        "x-y",
        "1",
        "0",
        "01",
        "2.5",
        ".5",
        "1e3",
        "+",
        "-",
        "*",
        "/",
        "//",
        "++",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        "->",
        "&&",
        "||",
        "!",
        ".",
        "?",
        ":",
        ";",
        ",",
        "=",
        "@",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "${",
        "\"",
        "\"s${x}t\"",
        "''",
        "''a${b}''",
        "./p",
        "./p${q}r",
        "/abs",
        "~/h",
        "<n>",
        "<n/m>",
        "a:b",
        "http://x/y",
        "or",
        "in",
        "let",
        "#c\n",
        "/*c*/",
        "/*",
        " ",
        "\n",
        "_",
        "'",
        "$",
        "é",
        "...",
    ]);
    prop::collection::vec(piece, 1..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000),
        ..ProptestConfig::default()
    })]
    /// On any text: rnix's tokens; and respacing keeps every token (only
    /// whitespace and `/**/` are added) and maps every offset back.
    #[test]
    fn any_text_tokenizes_as_rnix_and_respaces_without_changing_a_token(text in soup()) {
        let ours: Vec<(SyntaxKind, &str)> =
            Tokens::new(&text).map(|t| (t.kind, &text[t.start..t.end])).collect();
        let theirs: Vec<(SyntaxKind, &str)> = rnix::tokenize(&text).collect();
        prop_assert_eq!(&ours, &theirs);
        let Some((spaced, added)) = respace(&text) else {
            // Refused only where a token would change: malformed text.
            prop_assert!(!rnix::Root::parse(&text).errors().is_empty(), "{:?}", text);
            return Ok(());
        };
        let strip = |toks: Vec<(SyntaxKind, &str)>| -> Vec<(SyntaxKind, String)> {
            toks.into_iter()
                .filter(|(k, s)| !(trivia(*k) && (s.trim().is_empty() || *s == "/**/")))
                .map(|(k, s)| (k, s.to_string()))
                .collect()
        };
        let before = strip(rnix::tokenize(&text).collect());
        let after = strip(rnix::tokenize(&spaced).collect());
        prop_assert_eq!(before, after, "{:?} -> {:?}", text, spaced);
        prop_assert_eq!(added.to_source(spaced.len() as u32) as usize, text.len());
    }
}
