//! Writing one scalar — plain, single- or double-quoted — with ruamel's folding at the width.

use super::escape::{escape, is_break, needs_escape};
use super::{Emitter, Style, WIDTH};

impl Emitter {
    pub(super) fn write_scalar(
        &mut self,
        text: &str,
        style: Style,
        indent: Option<usize>,
        split: bool,
    ) {
        match style {
            Style::Plain => self.write_plain(text, indent, split),
            Style::Single => self.write_single_quoted(text, indent.unwrap_or(0), split),
            Style::Double => self.write_double_quoted(text, indent.unwrap_or(0), split),
        }
    }

    /// A plain scalar. With `split`, a single space is replaced by a line break once the line
    /// has reached the width. Independently of `split` (so even in keys), a word that would
    /// cross the width starts a new line if the current one already has text past the
    /// indent — after the space before it was written, which leaves a trailing space.
    fn write_plain(&mut self, text: &str, indent: Option<usize>, split: bool) {
        if text.is_empty() {
            return;
        }
        if !self.whitespace {
            self.push(" ");
        }
        self.whitespace = false;
        self.indention = false;
        let chars: Vec<char> = text.chars().collect();
        for run in runs(&chars) {
            match run {
                Run::Spaces(spaces) => {
                    if spaces.len() == 1 && self.column >= WIDTH && split {
                        self.write_indent(indent.unwrap_or(0));
                        self.whitespace = false;
                        self.indention = false;
                    } else {
                        self.push_chars(spaces);
                    }
                }
                Run::Word(word) => {
                    if let Some(indent) = indent
                        && self.column + word.len() > WIDTH
                        && self.column > indent
                    {
                        self.write_indent(indent);
                    }
                    self.push_chars(word);
                }
                // Plain style is never chosen for text with line breaks.
                Run::Breaks(breaks) => self.push_chars(breaks),
            }
        }
    }

    /// A single-quoted scalar: `'` doubled; with `split`, a single inner space is replaced by
    /// a line break when the line is already past the width.
    fn write_single_quoted(&mut self, text: &str, indent: usize, split: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let mut at = 0;
        for run in runs(&chars) {
            let len = run.chars().len();
            match run {
                Run::Spaces(spaces) => {
                    let inner = at != 0 && at + len != chars.len();
                    if len == 1 && self.column > WIDTH && split && inner {
                        self.write_indent(indent);
                    } else {
                        self.push_chars(spaces);
                    }
                }
                Run::Breaks(breaks) => {
                    // Only `\u{85}`, `\u{2028}`, `\u{2029}` get here: text with `\n` is
                    // always double-quoted.
                    if breaks.first() == Some(&'\n') {
                        self.line_break(None);
                    }
                    for &b in breaks {
                        self.line_break(if b == '\n' { None } else { Some(b) });
                    }
                    self.write_indent(indent);
                }
                Run::Word(word) => {
                    for piece in word.split_inclusive(|&c| c == '\'') {
                        match piece.split_last() {
                            Some((&'\'', head)) => {
                                self.push_chars(head);
                                self.push("''");
                            }
                            _ => self.push_chars(piece),
                        }
                    }
                }
            }
            at += len;
        }
        self.write_indicator("'", false, false, false);
    }

    /// A double-quoted scalar with ruamel's escapes. With `split`, the line is broken at a
    /// space (or right after an escape) once it runs past the width. The break folds the
    /// space away when the next word reads back unchanged; otherwise the line ends in `\`
    /// (an escaped line break) and a following space is kept as `\ `.
    fn write_double_quoted(&mut self, text: &str, indent: usize, split: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        // `start..end` is text read but not yet written; `start` passes `end` by one right
        // after an escape.
        let mut start = 0;
        let mut end = 0;
        while end <= chars.len() {
            let ch = chars.get(end).copied();
            if ch.is_none_or(needs_escape) {
                if start < end {
                    self.push_chars(&chars[start..end]);
                    start = end;
                }
                if let Some(c) = ch {
                    self.push(&escape(c));
                    start = end + 1;
                }
            }
            // `start` may be `end + 1` here, which makes ruamel count the line one short.
            let line_end = self.column as isize + end as isize - start as isize;
            let past_width = line_end > WIDTH as isize;
            if split
                && past_width
                && 0 < end
                && end + 1 < chars.len()
                && (ch == Some(' ') || start >= end)
            {
                let backslash = needs_backslash(&chars, start, end);
                if start < end {
                    self.push_chars(&chars[start..end]);
                    start = end;
                }
                if backslash {
                    self.push("\\");
                }
                self.write_indent(indent);
                self.whitespace = false;
                self.indention = false;
                if chars[start] == ' ' {
                    if backslash {
                        self.push("\\");
                    } else {
                        // The line break reads back as this space.
                        start += 1;
                    }
                }
            }
            end += 1;
        }
        self.write_indicator("\"", false, false, false);
    }
}

/// Whether a double-quoted line broken before `chars[end]` must end in `\`: a plain fold
/// reads back as one space, which is only right when the break replaces a single space
/// that is followed by an ordinary next word.
fn needs_backslash(chars: &[char], start: usize, end: usize) -> bool {
    let Some(space) = chars[end..].iter().position(|&c| c == ' ').map(|p| p + end) else {
        return true;
    };
    // ruamel inspects the text from the break up to the next space (or an earlier `\n`);
    // when breaking at a space that stretch is empty.
    let stop = chars[end..space]
        .iter()
        .position(|&c| c == '\n')
        .map_or(space, |p| p + end);
    let Some(&after) = chars.get(stop + 1) else {
        return true;
    };
    if chars[stop] == '\n' && after != ' ' {
        return true;
    }
    let word = &chars[end..stop];
    let quoted = word.contains(&'"') || word.contains(&'\'');
    let double_space = chars[end - 1] == ' ' && chars[end] == ' ';
    quoted || after == ' ' || after == '\n' || double_space || start == end
}

/// Runs of spaces, of line breaks, and of everything else, as ruamel's writers split text.
#[derive(Debug)]
enum Run<'a> {
    Spaces(&'a [char]),
    Breaks(&'a [char]),
    Word(&'a [char]),
}

impl<'a> Run<'a> {
    fn chars(&self) -> &'a [char] {
        match self {
            Run::Spaces(c) | Run::Breaks(c) | Run::Word(c) => c,
        }
    }
}

fn runs(chars: &[char]) -> Vec<Run<'_>> {
    let kind = |c: char| match c {
        ' ' => 0,
        c if is_break(c) => 1,
        _ => 2,
    };
    let mut out = Vec::new();
    let mut rest = chars;
    while let Some(&first) = rest.first() {
        let len = rest.iter().take_while(|&&c| kind(c) == kind(first)).count();
        let (run, tail) = rest.split_at(len);
        out.push(match kind(first) {
            0 => Run::Spaces(run),
            1 => Run::Breaks(run),
            _ => Run::Word(run),
        });
        rest = tail;
    }
    out
}
