//! Shapes of input that rnix 0.15 and rowan 0.17 parse in quadratic time,
//! found in linear time so that `parse` reads them respaced (`respace.rs`)
//! instead:
//!
//! - a long run of path characters (`a.a.a…`, `1+1+1…` without spaces):
//!   rnix's tokenizer looks ahead over the whole run at every token;
//! - a long chain of binary operators or function applications at one
//!   level (`(1)+(1)+…`, `f x x x …`): the parse tree is as deep as the
//!   chain, and rowan's node cache hashes each new node's whole subtree.
//!
//! And nesting deeper than [`crate::MAX_NESTING`], which is refused: the
//! evaluator's stack is bounded. Real configurations meet none of these;
//! files below the limits are parsed as they are.

use rnix::SyntaxKind::{self, *};

/// The longest run of path characters outside strings and comments
/// parsed as it is.
pub const MAX_RUN: usize = 4096;
/// The longest chain of operators or applications at one level parsed as
/// it is.
pub const MAX_CHAIN: usize = 4000;

/// rnix's path characters (its tokenizer's lookahead runs over these).
fn path_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'.' | b'+' | b'-')
}

/// Where a run of path characters longer than [`MAX_RUN`] starts, outside
/// strings and comments (interpolations inside strings are code again).
pub fn long_run(text: &str) -> Option<(u32, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Ctx {
        /// Code; the number counts the braces opened inside an
        /// interpolation, to find its end.
        Code(usize),
        Str,
        IndStr,
    }
    let b = text.as_bytes();
    let mut stack = vec![Ctx::Code(0)];
    let (mut i, mut run_start, mut run) = (0usize, 0usize, 0usize);
    while i < b.len() {
        let ctx = *stack.last().expect("the stack keeps its bottom");
        let rest = &b[i..];
        match ctx {
            Ctx::Code(depth) => {
                if path_char(b[i]) && !rest.starts_with(b"/*") {
                    if run == 0 {
                        run_start = i;
                    }
                    run += 1;
                    if run > MAX_RUN {
                        return Some((run_start as u32, run));
                    }
                    i += 1;
                    continue;
                }
                run = 0;
                if rest.starts_with(b"#") {
                    i += rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
                    continue;
                }
                if rest.starts_with(b"/*") {
                    i += 2 + rest[2..]
                        .windows(2)
                        .position(|w| w == b"*/")
                        .map_or(rest.len(), |p| p + 2);
                    continue;
                }
                match b[i] {
                    b'"' => stack.push(Ctx::Str),
                    b'\'' if rest.starts_with(b"''") => {
                        stack.push(Ctx::IndStr);
                        i += 1;
                    }
                    b'{' => *stack.last_mut().expect("code") = Ctx::Code(depth + 1),
                    b'}' if depth > 0 => *stack.last_mut().expect("code") = Ctx::Code(depth - 1),
                    b'}' if stack.len() > 1 => {
                        stack.pop();
                    }
                    _ => {}
                }
                i += 1;
            }
            Ctx::Str => {
                if rest.starts_with(b"\\") {
                    i += 2;
                } else if rest.starts_with(b"${") {
                    stack.push(Ctx::Code(0));
                    i += 2;
                } else {
                    if b[i] == b'"' {
                        stack.pop();
                    }
                    i += 1;
                }
            }
            Ctx::IndStr => {
                if rest.starts_with(b"'''") || rest.starts_with(b"''$") {
                    i += 3;
                } else if rest.starts_with(b"''\\") {
                    i += 4;
                } else if rest.starts_with(b"''") {
                    stack.pop();
                    i += 2;
                } else if rest.starts_with(b"${") {
                    stack.push(Ctx::Code(0));
                    i += 2;
                } else {
                    i += 1;
                }
            }
        }
    }
    None
}

fn binary_operator(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        TOKEN_ADD
            | TOKEN_SUB
            | TOKEN_MUL
            | TOKEN_DIV
            | TOKEN_CONCAT
            | TOKEN_UPDATE
            | TOKEN_EQUAL
            | TOKEN_NOT_EQUAL
            | TOKEN_LESS
            | TOKEN_LESS_OR_EQ
            | TOKEN_MORE
            | TOKEN_MORE_OR_EQ
            | TOKEN_AND_AND
            | TOKEN_OR_OR
            | TOKEN_IMPLICATION
            | TOKEN_QUESTION
            | TOKEN_OR
            | TOKEN_PIPE_LEFT
            | TOKEN_PIPE_RIGHT
    )
}

/// Tokens an operand can end with.
fn ends_operand(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        TOKEN_IDENT
            | TOKEN_INTEGER
            | TOKEN_FLOAT
            | TOKEN_URI
            | TOKEN_STRING_END
            | TOKEN_PATH_ABS
            | TOKEN_PATH_REL
            | TOKEN_PATH_HOME
            | TOKEN_PATH_SEARCH
            | TOKEN_CUR_POS
            | TOKEN_R_PAREN
            | TOKEN_R_BRACK
            | TOKEN_R_BRACE
    )
}

/// Tokens an operand can start with.
fn starts_operand(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        TOKEN_IDENT
            | TOKEN_INTEGER
            | TOKEN_FLOAT
            | TOKEN_URI
            | TOKEN_STRING_START
            | TOKEN_PATH_ABS
            | TOKEN_PATH_REL
            | TOKEN_PATH_HOME
            | TOKEN_PATH_SEARCH
            | TOKEN_CUR_POS
            | TOKEN_L_PAREN
            | TOKEN_L_BRACK
            | TOKEN_L_BRACE
            | TOKEN_REC
            | TOKEN_LET
    )
}

/// Where a chain of more than [`MAX_CHAIN`] binary operators or
/// applications at one bracket level ends. Only the links whose node has
/// at most three children count (rowan caches, and so hashes, only those):
/// an operator with no space on either side, and every application.
#[cfg(test)]
pub fn long_chain(text: &str) -> Option<(u32, usize)> {
    scan(text).1
}

/// Where a guard found its problem, and how deep or long it was.
pub type Found = Option<(u32, usize)>;

/// One pass of (a linear copy of) rnix's tokenizer over `text` for both guards that need
/// tokens: where nesting first goes deeper than `max_nesting` (brackets,
/// and runs of prefix `!`/`-`), and where the first chain longer than
/// [`MAX_CHAIN`] ends ([`long_chain`]). Each as (offset, how deep/long).
pub fn scan_with(text: &str, max_nesting: usize) -> (Found, Found) {
    let mut too_deep = None;
    let mut depth = 0usize;
    let mut prefix_run = 0usize;
    let mut chain_found = None;
    // Per open bracket: whether it is a list (juxtaposition there separates
    // elements), and the chain length at that level.
    let mut levels: Vec<(bool, usize)> = vec![(false, 0)];
    let mut last: Option<SyntaxKind> = None;
    let mut after_trivia = false;
    // An operator written with no space before it: it counts when no
    // space follows either.
    let mut tight_operator = false;
    // rnix's tokens, in linear time.
    for t in crate::respace::Tokens::new(text) {
        let (kind, at) = (t.kind, t.start as u32);
        match kind {
            TOKEN_L_PAREN | TOKEN_L_BRACK | TOKEN_L_BRACE | TOKEN_INTERPOL_START => depth += 1,
            TOKEN_R_PAREN | TOKEN_R_BRACK | TOKEN_R_BRACE | TOKEN_INTERPOL_END => {
                depth = depth.saturating_sub(1)
            }
            _ => {}
        }
        match kind {
            TOKEN_INVERT | TOKEN_SUB => prefix_run += 1,
            TOKEN_WHITESPACE | TOKEN_COMMENT => {}
            _ => prefix_run = 0,
        }
        if depth > max_nesting || prefix_run > max_nesting {
            too_deep = Some((at, depth.max(prefix_run)));
            break;
        }
        if chain_found.is_some() {
            continue;
        }
        if matches!(kind, TOKEN_WHITESPACE | TOKEN_COMMENT) {
            after_trivia = true;
            tight_operator = false;
            continue;
        }
        let (in_list, chain) = levels.last_mut().expect("the stack keeps its bottom");
        let applies = !*in_list && last.is_some_and(ends_operand) && starts_operand(kind);
        if std::mem::take(&mut tight_operator) || applies {
            *chain += 1;
            if *chain > MAX_CHAIN {
                // Nesting found later still comes first: keep scanning.
                chain_found = Some((at, *chain));
                continue;
            }
        }
        if binary_operator(kind) {
            tight_operator = !after_trivia;
        } else if !ends_operand(kind) && !starts_operand(kind) && kind != TOKEN_DOT {
            // `;`, `,`, `=`, `:`, `in`, `then`, `else`, `assert`, `with`…
            // end the chain at this level.
            *chain = 0;
        }
        after_trivia = false;
        match kind {
            TOKEN_L_PAREN | TOKEN_L_BRACE | TOKEN_INTERPOL_START | TOKEN_STRING_START => {
                levels.push((false, 0))
            }
            TOKEN_L_BRACK => levels.push((true, 0)),
            TOKEN_R_PAREN | TOKEN_R_BRACK | TOKEN_R_BRACE | TOKEN_INTERPOL_END
            | TOKEN_STRING_END
                if levels.len() > 1 =>
            {
                levels.pop();
            }
            _ => {}
        }
        last = Some(kind);
    }
    (too_deep, chain_found)
}

/// [`scan_with`] at nixplan's nesting limit ([`crate::MAX_NESTING`]).
pub fn scan(text: &str) -> (Found, Found) {
    scan_with(text, crate::MAX_NESTING)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(op: &str, term: &str, n: usize) -> String {
        vec![term; n].join(op)
    }

    #[test]
    fn long_runs_are_found_outside_strings_and_comments_only() {
        let run = chain("+", "1", MAX_RUN);
        assert_eq!(long_run(&run).map(|r| r.0), Some(0));
        assert!(long_run(&format!("\"{run}\"")).is_none());
        assert!(long_run(&format!("''{run}''")).is_none());
        assert!(long_run(&format!("# {run}\n1")).is_none());
        assert!(long_run(&format!("/* {run} */ 1")).is_none());
        assert_eq!(long_run(&format!("\"${{{run}}}\"")).map(|r| r.0), Some(3));
        assert_eq!(
            long_run(&format!("''a ''${{x}} ${{ {{ }} }} ''\n{run}")).map(|r| r.0),
            Some(23)
        );
        assert!(long_run(&chain(" + ", "1", MAX_RUN)).is_none());
    }

    #[test]
    fn long_chains_of_operators_and_applications_are_found_not_long_lists() {
        // n terms, n - 1 operators.
        let ops = chain("+", "(1)", MAX_CHAIN + 2);
        assert!(long_chain(&ops).is_some());
        assert!(long_chain(&chain("+", "(1)", MAX_CHAIN + 1)).is_none());
        let apply = format!("f {}", chain(" ", "x", MAX_CHAIN + 1));
        assert!(long_chain(&apply).is_some());
        // Spaced operators make nodes rowan does not cache: linear.
        assert!(long_chain(&chain(" + ", "(1)", 3 * MAX_CHAIN)).is_none());
        assert!(long_chain(&chain("+ ", "(1)", 3 * MAX_CHAIN)).is_none());
        let list = format!("[ {} ]", chain(" ", "x", 3 * MAX_CHAIN));
        assert!(long_chain(&list).is_none());
        let attrs: String = (0..3 * MAX_CHAIN)
            .map(|i| format!("a{i} = f x + 1; "))
            .collect();
        assert!(long_chain(&format!("{{ {attrs} }}")).is_none());
        let lets = chain(" ", "let a = 1 + 2; in", MAX_CHAIN + 10) + " 1";
        assert!(long_chain(&lets).is_none());
    }
}
