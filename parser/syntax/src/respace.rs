//! Text rnix 0.15 and rowan 0.17 would parse in quadratic time, made
//! linear by adding trivia, with a map back to the text as written.
//!
//! Two shapes are slow:
//! - a long run of path characters holding many tokens (`1+1+1…`,
//!   `a.a.a…`): at each token rnix's tokenizer looks ahead to the end of the
//!   run to tell a path or URI from an identifier;
//! - a long chain of operators or applications whose nodes have three
//!   children or fewer (`(1)+(1)+…` unspaced, `f x x x …`): rowan's node
//!   cache keeps such nodes and rehashes each one's whole subtree whenever
//!   its table grows.
//!
//! A space between two tokens that touch ends the runs, and gives every
//! operator node a fourth child; an empty comment after each space between
//! two tokens gives every application one too, and a node with more than
//! three children (or such a child) is never cached. Neither changes a
//! token: a token that ends where a space is put decided its extent from
//! the text before it (see `same_tokens` in the tests), and only code is
//! touched, never strings or paths. The tree is the same but for the trivia.
//!
//! [`Tokens`] reproduces rnix's tokenizer (its kinds and extents, checked
//! against it on every file of the corpus) in linear time: what it looks
//! ahead for is measured once per run of characters.

use rnix::SyntaxKind::{self, *};

fn path_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'.' | b'+' | b'-')
}

fn uri_char(c: char) -> bool {
    matches!(
        c,
        '%' | '?' | ':' | '@' | '&' | '=' | '$' | ',' | '!' | '~' | '*' | '\''
    ) || (c.is_ascii() && path_char(c as u8))
}

#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    StrBody {
        multiline: bool,
    },
    StrEnd,
    Interpol {
        braces: u32,
    },
    InterpolStart,
    /// Inside a path; its segments after an interpolation have the
    /// first one's kind.
    Path(SyntaxKind),
}

/// A token: its kind, where it ends, and whether it began in code (not in
/// a string or a path).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Token {
    pub kind: SyntaxKind,
    pub start: usize,
    pub end: usize,
    pub in_code: bool,
}

/// rnix's tokens of a text, in linear time.
pub struct Tokens<'t> {
    text: &'t str,
    b: &'t [u8],
    at: usize,
    ctx: Vec<Ctx>,
    /// rnix's look-ahead, computed once per run rather than once per
    /// token: the last run of path characters other than `/` measured
    /// (from, end), the same with `/` and `<` in the run (a token
    /// starting with `<`), and the last `_` found at or after a position
    /// (from, where; the text's length for none). Tokens are read
    /// forward, so each run is scanned once: linear, with no table as
    /// long as the text (three of those, filled before the first token,
    /// were 8% of a cold plan's samples under perf).
    run: (usize, usize),
    store_run: (usize, usize),
    underscore: (usize, usize),
}

impl<'t> Tokens<'t> {
    pub fn new(text: &'t str) -> Tokens<'t> {
        Tokens {
            text,
            b: text.as_bytes(),
            at: 0,
            ctx: Vec::new(),
            run: (0, 0),
            store_run: (0, 0),
            // Nothing found yet (no position is at or after `usize::MAX`).
            underscore: (usize::MAX, 0),
        }
    }

    /// Where the run of bytes `in_run` starting at `at` ends, from `last`
    /// (a run measured before, from its start) when `at` is inside it.
    fn run_end(
        b: &[u8],
        last: &mut (usize, usize),
        at: usize,
        in_run: impl Fn(u8) -> bool,
    ) -> usize {
        if last.0 <= at && at < last.1 {
            return last.1;
        }
        let end = b[at..]
            .iter()
            .position(|&c| !in_run(c))
            .map_or(b.len(), |n| at + n);
        *last = (at, end);
        end
    }

    /// Where the next `_` at or after `at` is (the text's length for none).
    fn next_underscore(&mut self, at: usize) -> usize {
        let (from, found) = self.underscore;
        if from <= at && at <= found {
            return found;
        }
        let found = self.b[at..]
            .iter()
            .position(|&c| c == b'_')
            .map_or(self.b.len(), |n| at + n);
        self.underscore = (at, found);
        found
    }

    fn rest(&self) -> &'t str {
        &self.text[self.at..]
    }

    /// The character at `at` (ASCII, nearly all of a Nix file, read as a
    /// byte; `at` is always at a character's start).
    #[inline]
    fn peek(&self) -> Option<char> {
        match self.b.get(self.at) {
            Some(&c) if c.is_ascii() => Some(c as char),
            Some(_) => self.rest().chars().next(),
            None => None,
        }
    }

    fn peek2(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    #[inline]
    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, s: &str) -> bool {
        let yes = self.rest().starts_with(s);
        if yes {
            self.at += s.len();
        }
        yes
    }

    fn eat_while(&mut self, f: impl Fn(char) -> bool) -> usize {
        let start = self.at;
        while let Some(c) = self.peek() {
            if !f(c) {
                break;
            }
            self.at += c.len_utf8();
        }
        self.at - start
    }

    fn in_code(&self) -> bool {
        matches!(self.ctx.last(), None | Some(Ctx::Interpol { .. }))
    }

    fn string_body(&mut self, multiline: bool) -> SyntaxKind {
        loop {
            let here = self.at;
            match self.bump() {
                None => {
                    self.ctx.pop();
                    return TOKEN_ERROR;
                }
                Some('"') if !multiline => {
                    self.at = here;
                    self.ctx.pop();
                    self.ctx.push(Ctx::StrEnd);
                    return TOKEN_STRING_CONTENT;
                }
                Some('\\') if !multiline => {
                    if self.bump().is_none() {
                        return TOKEN_ERROR;
                    }
                }
                Some('\'') if multiline => match self.peek() {
                    None => return TOKEN_ERROR,
                    Some('\'') => {
                        self.bump();
                        match self.peek() {
                            Some('\'') | Some('$') => {
                                self.bump();
                            }
                            Some('\\') => {
                                self.bump();
                                if self.bump().is_none() {
                                    return TOKEN_ERROR;
                                }
                            }
                            _ => {
                                self.at = here;
                                self.ctx.pop();
                                self.ctx.push(Ctx::StrEnd);
                                return TOKEN_STRING_CONTENT;
                            }
                        }
                    }
                    Some(_) => {}
                },
                Some('$') => match self.peek() {
                    Some('$') => {
                        self.bump();
                    }
                    Some('{') => {
                        self.at = here;
                        self.ctx.push(Ctx::InterpolStart);
                        return TOKEN_STRING_CONTENT;
                    }
                    _ => {}
                },
                Some(_) => {}
            }
        }
    }

    /// The rest of a path segment from `start`: `kind`, or an error for a
    /// trailing or doubled `/`; a `${` after it continues the path.
    fn path_rest(&mut self, start: usize, kind: SyntaxKind) -> SyntaxKind {
        self.eat_while(|c| c.is_ascii() && path_char(c as u8));
        let s = &self.text[start..self.at];
        if self.rest().starts_with("${") {
            self.ctx.push(Ctx::InterpolStart);
        } else if s.ends_with('/') || s.contains("//") {
            return TOKEN_ERROR;
        } else {
            self.ctx.pop();
        }
        kind
    }

    fn next_kind(&mut self) -> Option<SyntaxKind> {
        let start = self.at;
        loop {
            match self.ctx.last().copied() {
                Some(Ctx::InterpolStart) => {
                    self.ctx.pop();
                    self.ctx.push(Ctx::Interpol { braces: 0 });
                    self.at += 2;
                    return Some(TOKEN_INTERPOL_START);
                }
                Some(Ctx::Path(kind)) => {
                    if self.eat("${") {
                        self.ctx.push(Ctx::Interpol { braces: 0 });
                        return Some(TOKEN_INTERPOL_START);
                    } else if self.b.get(self.at).is_some_and(|&c| path_char(c)) {
                        return Some(self.path_rest(start, kind));
                    }
                    self.ctx.pop();
                }
                Some(Ctx::StrBody { multiline }) => {
                    let kind = self.string_body(multiline);
                    if self.at == start {
                        continue;
                    }
                    return Some(kind);
                }
                Some(Ctx::StrEnd) => {
                    self.ctx.pop();
                    let closed = match self.peek() {
                        Some('"') => {
                            self.bump();
                            true
                        }
                        Some('\'') => {
                            self.bump();
                            self.eat("'")
                        }
                        _ => false,
                    };
                    return Some(if closed {
                        TOKEN_STRING_END
                    } else {
                        TOKEN_ERROR
                    });
                }
                _ => {}
            }
            break;
        }
        if self.eat_while(char::is_whitespace) > 0 {
            return Some(TOKEN_WHITESPACE);
        }
        if self.peek() == Some('#') {
            self.eat_while(|c| c != '\n');
            return Some(TOKEN_COMMENT);
        }
        if self.eat("/*") {
            loop {
                self.eat_while(|c| c != '*');
                self.bump();
                match self.peek() {
                    None => return Some(TOKEN_ERROR),
                    Some('/') => {
                        self.bump();
                        return Some(TOKEN_COMMENT);
                    }
                    _ => {}
                }
            }
        }
        if self.eat("...") {
            return Some(TOKEN_ELLIPSIS);
        }
        #[derive(Clone, Copy, PartialEq)]
        enum Guess {
            Abs,
            Home,
            Rel,
            Search,
            Uri,
        }
        let rest = self.rest();
        let guess = if rest.starts_with('/') {
            if rest.starts_with("//") {
                None
            } else if rest.starts_with("/${") {
                Some(Guess::Abs)
            } else {
                match self.peek2() {
                    Some(c) if c.is_ascii() && path_char(c as u8) && c != '*' => Some(Guess::Abs),
                    _ => None,
                }
            }
        } else if rest.starts_with("~/") {
            Some(Guess::Home)
        } else {
            let store = rest.starts_with('<');
            let end = if store {
                Self::run_end(self.b, &mut self.store_run, self.at, |c| {
                    path_char(c) || c == b'<'
                })
            } else {
                Self::run_end(self.b, &mut self.run, self.at, |c| {
                    path_char(c) && c != b'/'
                })
            };
            let underscore = self.next_underscore(self.at) < end;
            let mut after = self.text[end..].chars();
            match (after.next(), after.next()) {
                (Some('/'), Some('/')) | (Some('/'), Some('*')) => None,
                (Some('/'), Some(c)) if !c.is_whitespace() => Some(Guess::Rel),
                (Some('>'), _) => Some(Guess::Search),
                (Some(':'), Some(c)) if uri_char(c) && !underscore => Some(Guess::Uri),
                _ => None,
            }
        };
        let c = self.bump()?;
        if c == '/' && self.peek() == Some('/') {
            self.bump();
            return Some(TOKEN_UPDATE);
        }
        if c == '~'
            || matches!(guess, Some(Guess::Abs | Guess::Rel))
            || (c == '/'
                && self
                    .peek()
                    .is_some_and(|c| c.is_ascii() && path_char(c as u8)))
        {
            let kind = if c == '~' {
                if self.bump() != Some('/') {
                    return Some(TOKEN_ERROR);
                }
                TOKEN_PATH_HOME
            } else if c == '/' {
                TOKEN_PATH_ABS
            } else {
                TOKEN_PATH_REL
            };
            self.ctx.push(Ctx::Path(kind));
            return Some(self.path_rest(start, kind));
        }
        let peek = self.peek();
        let two = |t: &mut Self, k| {
            t.bump();
            k
        };
        Some(match c {
            '=' if peek == Some('=') => two(self, TOKEN_EQUAL),
            '!' if peek == Some('=') => two(self, TOKEN_NOT_EQUAL),
            '!' => TOKEN_INVERT,
            '{' => {
                if let Some(Ctx::Interpol { braces }) = self.ctx.last_mut() {
                    *braces += 1;
                }
                TOKEN_L_BRACE
            }
            '}' => {
                if let Some(Ctx::Interpol { braces }) = self.ctx.last_mut() {
                    if *braces == 0 {
                        self.ctx.pop();
                        return Some(TOKEN_INTERPOL_END);
                    }
                    *braces -= 1;
                }
                TOKEN_R_BRACE
            }
            '[' => TOKEN_L_BRACK,
            ']' => TOKEN_R_BRACK,
            '@' => TOKEN_AT,
            ':' => TOKEN_COLON,
            ',' => TOKEN_COMMA,
            '.' => {
                if peek.is_some_and(|c| c.is_ascii_digit()) {
                    self.eat_while(|c| c.is_ascii_digit());
                    self.exponent()
                } else {
                    TOKEN_DOT
                }
            }
            '=' => TOKEN_ASSIGN,
            '?' => TOKEN_QUESTION,
            ';' => TOKEN_SEMICOLON,
            '(' => TOKEN_L_PAREN,
            ')' => TOKEN_R_PAREN,
            '+' if peek == Some('+') => two(self, TOKEN_CONCAT),
            '-' if peek == Some('>') => two(self, TOKEN_IMPLICATION),
            '/' if peek == Some('/') => two(self, TOKEN_UPDATE),
            '+' => TOKEN_ADD,
            '-' => TOKEN_SUB,
            '*' => TOKEN_MUL,
            '/' => TOKEN_DIV,
            '<' if peek == Some('|') => two(self, TOKEN_PIPE_LEFT),
            '<' if guess == Some(Guess::Search) => {
                let from = self.at;
                self.eat_while(|c| c.is_ascii() && path_char(c as u8));
                if self.at == from {
                    TOKEN_LESS
                } else if self.bump() != Some('>') {
                    TOKEN_ERROR
                } else {
                    TOKEN_PATH_SEARCH
                }
            }
            '&' if peek == Some('&') => two(self, TOKEN_AND_AND),
            '|' if peek == Some('>') => two(self, TOKEN_PIPE_RIGHT),
            '|' if peek == Some('|') => two(self, TOKEN_OR_OR),
            '<' if peek == Some('=') => two(self, TOKEN_LESS_OR_EQ),
            '<' => TOKEN_LESS,
            '>' if peek == Some('=') => two(self, TOKEN_MORE_OR_EQ),
            '>' => TOKEN_MORE,
            '$' if peek == Some('{') => {
                self.bump();
                self.ctx.push(Ctx::Interpol { braces: 0 });
                TOKEN_INTERPOL_START
            }
            'a'..='z' | 'A'..='Z' | '_' => {
                let uri = guess == Some(Guess::Uri);
                self.eat_while(|c| {
                    c.is_ascii_alphanumeric()
                        || matches!(c, '_' | '-' | '\'')
                        || (uri && uri_char(c))
                });
                if uri {
                    TOKEN_URI
                } else {
                    match &self.text[start..self.at] {
                        "assert" => TOKEN_ASSERT,
                        "else" => TOKEN_ELSE,
                        "if" => TOKEN_IF,
                        "in" => TOKEN_IN,
                        "inherit" => TOKEN_INHERIT,
                        "let" => TOKEN_LET,
                        "or" => TOKEN_OR,
                        "rec" => TOKEN_REC,
                        "then" => TOKEN_THEN,
                        "with" => TOKEN_WITH,
                        _ => TOKEN_IDENT,
                    }
                }
            }
            '"' => {
                self.ctx.push(Ctx::StrBody { multiline: false });
                TOKEN_STRING_START
            }
            '\'' if peek == Some('\'') => {
                self.bump();
                self.ctx.push(Ctx::StrBody { multiline: true });
                TOKEN_STRING_START
            }
            '0'..='9' => {
                self.eat_while(|c| c.is_ascii_digit());
                // A leading 0 not followed by `.` is an integer whatever
                // follows (as nix reads `01`).
                if c == '0' && peek != Some('.') {
                    TOKEN_INTEGER
                } else if self.peek() == Some('.') {
                    self.bump();
                    self.eat_while(|c| c.is_ascii_digit());
                    self.exponent()
                } else {
                    TOKEN_INTEGER
                }
            }
            _ => TOKEN_ERROR,
        })
    }

    fn exponent(&mut self) -> SyntaxKind {
        if matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('-' | '+')) {
                self.bump();
            }
            if self.eat_while(|c| c.is_ascii_digit()) == 0 {
                return TOKEN_ERROR;
            }
        }
        TOKEN_FLOAT
    }
}

impl Iterator for Tokens<'_> {
    type Item = Token;
    fn next(&mut self) -> Option<Token> {
        let start = self.at;
        // A path that does not go on ends before the next token: that
        // token is in code again.
        if matches!(self.ctx.last(), Some(Ctx::Path(_)))
            && !self.rest().starts_with("${")
            && !self.b.get(self.at).is_some_and(|&c| path_char(c))
        {
            self.ctx.pop();
        }
        let in_code = self.in_code();
        let kind = self.next_kind()?;
        Some(Token {
            kind,
            start,
            end: self.at,
            in_code,
        })
    }
}

/// Where a rewritten text has bytes of its own: at `at` (in the rewritten
/// text) `len` bytes the source does not have.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Added {
    /// (offset in the rewritten text, bytes added there, bytes added
    /// before it), in order.
    spots: Vec<(u32, u32, u32)>,
}

impl Added {
    /// The offset in the source of an offset in the rewritten text (an
    /// offset inside added bytes is where they were added).
    pub fn to_source(&self, at: u32) -> u32 {
        // The last addition that starts before `at` (binary search: a
        // file has one per token or so).
        let n = self.spots.partition_point(|&(spot, _, _)| spot < at);
        match n.checked_sub(1).map(|i| self.spots[i]) {
            Some((spot, len, before)) => at - before - len.min(at - spot),
            None => at,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.spots.is_empty()
    }

    /// The span in the source of a range of the rewritten text.
    pub fn span(&self, file: crate::FileId, range: rnix::TextRange) -> crate::Span {
        crate::Span {
            file,
            start: self.to_source(range.start().into()),
            end: self.to_source(range.end().into()),
        }
    }
}

/// `text` with a space between every two code tokens that touch, and an
/// empty comment after every space in code that comes before a token,
/// and where the additions are; `None` when that would change a token
/// (only malformed text: a `<` that starts no search path looked ahead
/// past where a space would go), checked by tokenizing the result.
pub fn respace(text: &str) -> Option<(String, Added)> {
    let (spaced, added) = respaced(text);
    let kept = |t: &Token, s: &str| {
        !(matches!(t.kind, TOKEN_WHITESPACE | TOKEN_COMMENT)
            && (s[t.start..t.end].trim().is_empty() || &s[t.start..t.end] == "/**/"))
    };
    let mut before = Tokens::new(text).filter(|t| kept(t, text));
    let mut after = Tokens::new(&spaced).filter(|t| kept(t, &spaced));
    loop {
        match (before.next(), after.next()) {
            (None, None) => return Some((spaced, added)),
            (Some(a), Some(b))
                if a.kind == b.kind && text[a.start..a.end] == spaced[b.start..b.end] => {}
            _ => return None,
        }
    }
}

fn respaced(text: &str) -> (String, Added) {
    let mut out = String::with_capacity(text.len() * 2);
    let mut added = Added::default();
    let mut last: Option<Token> = None;
    let mut copied = 0;
    for t in Tokens::new(text) {
        let trivia = |k| matches!(k, TOKEN_WHITESPACE | TOKEN_COMMENT);
        if let Some(prev) = last {
            let insert = if !t.in_code || trivia(t.kind) || t.kind == TOKEN_ERROR {
                None
            } else if prev.kind == TOKEN_WHITESPACE {
                Some("/**/")
            } else if !trivia(prev.kind) && prev.kind != TOKEN_ERROR {
                Some(" ")
            } else {
                None
            };
            if let Some(s) = insert {
                out.push_str(&text[copied..t.start]);
                copied = t.start;
                let before = added.spots.last().map_or(0, |&(_, l, b)| b + l);
                added.spots.push((out.len() as u32, s.len() as u32, before));
                out.push_str(s);
            }
        }
        last = Some(t);
    }
    out.push_str(&text[copied..]);
    (out, added)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rnix_tokens(text: &str) -> Vec<(SyntaxKind, String)> {
        rnix::tokenize(text)
            .map(|(k, s)| (k, s.to_string()))
            .collect()
    }

    fn ours(text: &str) -> Vec<(SyntaxKind, String)> {
        Tokens::new(text)
            .map(|t| (t.kind, text[t.start..t.end].to_string()))
            .collect()
    }

    const CASES: &[&str] = &[
        "1+1+1",
        "a.b.c or d",
        "x: y",
        "x:y",
        "a_b:c",
        "./a/${b}/c + /abs/x ~/h <nixpkgs> <n/a> a//b a /b a/*c*/",
        "\"a${b}c\" ''x''${y}''$z'' \"\\\"\"",
        "{ a = 1; inherit (x) y; } // rec { b = [ 1 2.5 .5 1e3 0.5e-2 00 01 ]; }",
        "f.5 -1 - 1 !a != b == c <= d >= e < f > g && h || i -> j |> k <| l",
        "let x = 1; in with y; assert z; if a then b else c",
        "${x}.${y}",
        "a.\"b\".${c} ? d",
        "https://example.com/x?y=1 mailto:x@y",
        "./a${b}c ./x.nix+y",
        "''\n  a ''' b '''\n''",
        "# comment\n/* block */ x /* unterminated",
        "\"unterminated ${ x",
        "'' unterminated",
        "a-b a'b _x a- -a",
        "€ é x\u{2003}y",
    ];

    #[test]
    fn the_tokens_are_rnix_tokens() {
        for c in CASES {
            assert_eq!(ours(c), rnix_tokens(c), "{c:?}");
        }
    }

    /// Adding the trivia changes no token: the rewritten text's tokens,
    /// without the added trivia, are the source's.
    #[test]
    fn respacing_keeps_every_token() {
        for c in CASES {
            let Some((spaced, added)) = respace(c) else {
                continue;
            };
            let mut kept = rnix_tokens(&spaced);
            kept.retain(|(k, s)| !(matches!(k, TOKEN_WHITESPACE) && s == " " || s == "/**/"));
            let mut want = rnix_tokens(c);
            want.retain(|(k, s)| !(matches!(k, TOKEN_WHITESPACE) && s == " " || s == "/**/"));
            assert_eq!(kept.len(), want.len(), "{c:?} -> {spaced:?}");
            for (a, b) in kept.iter().zip(&want) {
                if a.0 == TOKEN_WHITESPACE {
                    continue;
                }
                assert_eq!(a, b, "{c:?} -> {spaced:?}");
            }
            assert_eq!(added.to_source(spaced.len() as u32) as usize, c.len());
        }
    }

    #[test]
    fn a_rewrite_that_would_change_a_token_is_not_made() {
        // The first `<` looks ahead to the `>` for a search path.
        assert_eq!(respace("<or<n>"), None);
    }

    #[test]
    fn offsets_map_back() {
        let (spaced, added) = respace("1+2").unwrap();
        assert_eq!(spaced, "1 + 2");
        assert_eq!(added.to_source(0), 0);
        assert_eq!(added.to_source(2), 1); // `+`
        assert_eq!(added.to_source(4), 2); // `2`
        assert_eq!(added.to_source(5), 3);
        let (spaced, added) = respace("f x").unwrap();
        assert_eq!(spaced, "f /**/x");
        assert_eq!(added.to_source(6), 2);
    }
}
