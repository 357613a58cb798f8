//! Where a flake input is declared, for findings about it (NP501, NP502).

use nixplan_nixos::config::Pos;

/// The declaration of the input at `path` (`a/b`: its first component) in
/// the flake's `flake.nix` (`file`): `NAME.url`, `NAME = `, or `inputs.NAME`
/// after the first `inputs`; `None` when the file is not a flake.nix or
/// does not say it so.
pub(super) fn declared_at(file: &str, path: &str) -> Option<Pos> {
    if !file.ends_with("flake.nix") {
        return None;
    }
    // A source logged by its directory (no input: `/DIR`, `./DIR`) is
    // declared nowhere in the flake.
    if path.starts_with(['/', '.']) {
        return None;
    }
    let name = path.split('/').next()?;
    let text = std::fs::read_to_string(file).ok()?;
    let from = text.find("inputs")?;
    let at = [
        format!("{name}.url"),
        format!("{name} ="),
        format!("{name}."),
    ]
    .iter()
    .filter_map(|needle| {
        text[from..]
            .match_indices(needle.as_str())
            .map(|(i, _)| from + i)
            .find(|&i| {
                // A whole name: not the tail of a longer one, nor an
                // attribute of another input (`x.inputs.NAME.follows`),
                // unless written `inputs.NAME` at the top.
                let before = &text[..i];
                match before.chars().next_back() {
                    Some('.') => before.ends_with("inputs.") && !before.ends_with(".inputs."),
                    Some(c) => !(c.is_alphanumeric() || c == '-' || c == '_' || c == '\''),
                    None => true,
                }
            })
    })
    .min()?;
    let line = text[..at].matches('\n').count() + 1;
    let column = text[text[..at].rfind('\n').map_or(0, |n| n + 1)..at]
        .chars()
        .count()
        + 1;
    Some(Pos {
        file: file.into(),
        line,
        column,
        end_line: line,
        end_column: column + name.len(),
    })
}
