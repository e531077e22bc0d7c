//! Builds one column from text tokens, inferring the dtype the way pandas' CSV reader does.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::number::parse_plain;
use super::{Column, ColumnData, Dtype, NULL_CODE};

/// Tokens pandas reads as missing by default.
pub fn is_null_token(token: &str) -> bool {
    matches!(
        token,
        "" | "#N/A"
            | "#N/A N/A"
            | "#NA"
            | "-1.#IND"
            | "-1.#QNAN"
            | "-NaN"
            | "-nan"
            | "1.#IND"
            | "1.#QNAN"
            | "<NA>"
            | "N/A"
            | "NA"
            | "NULL"
            | "NaN"
            | "None"
            | "n/a"
            | "nan"
            | "null"
    )
}

fn parse_bool(token: &str) -> Option<bool> {
    match token {
        "True" | "TRUE" | "true" => Some(true),
        "False" | "FALSE" | "false" => Some(false),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Undecided,
    Numeric,
    Bool,
    Text,
}

/// The Firefox/rustc hash: much cheaper than SipHash on short category labels (local files
/// need no protection against hash flooding).
#[derive(Debug, Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, b: u8) {
        self.add(u64::from(b));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// The first 7 bytes of a label and its length (capped at 8): equal prefixes of labels
/// shorter than 8 bytes mean equal labels.
fn prefix(value: &str) -> u64 {
    let bytes = value.as_bytes();
    let mut word = [0u8; 8];
    // A byte loop: a variable-length copy would be a call to memcpy.
    for (w, b) in word.iter_mut().zip(bytes.iter().take(7)) {
        *w = *b;
    }
    word[7] = bytes.len().min(8) as u8;
    u64::from_le_bytes(word)
}

/// The column cannot stay numeric (or boolean): read it again as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeedsText;

#[derive(Debug)]
pub struct ColumnBuilder {
    name: String,
    state: State,
    datetime: bool,
    leading_nulls: usize,
    has_null: bool,
    all_int: bool,
    numbers: Vec<f64>,
    lookup: HashMap<String, u32, BuildHasherDefault<FxHasher>>,
    dictionary: Vec<String>,
    /// [`prefix`] of each dictionary entry, for the scan of small dictionaries.
    prefixes: Vec<u64>,
    codes: Vec<u32>,
}

impl ColumnBuilder {
    /// A builder; `text` forces the column to be read as text.
    pub fn new(name: String, text: bool) -> Self {
        ColumnBuilder {
            name,
            state: if text { State::Text } else { State::Undecided },
            datetime: false,
            leading_nulls: 0,
            has_null: false,
            all_int: true,
            numbers: Vec::new(),
            lookup: HashMap::default(),
            dictionary: Vec::new(),
            prefixes: Vec::new(),
            codes: Vec::new(),
        }
    }

    /// A builder for dates with times, pushed with [`Self::push_number`] as seconds since the epoch.
    pub fn datetime(name: String) -> Self {
        ColumnBuilder {
            datetime: true,
            ..ColumnBuilder::new(name, false)
        }
    }

    /// Room for `rows` more values, so large columns do not grow by copying.
    pub fn reserve(&mut self, rows: usize) {
        match self.state {
            State::Numeric | State::Undecided => self.numbers.reserve(rows),
            State::Bool | State::Text => self.codes.reserve(rows),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds one raw token; `Err(NeedsText)` when the column turns out to be text.
    pub fn push(&mut self, raw: &str) -> Result<(), NeedsText> {
        if self.state == State::Numeric {
            // Plain decimals are never missing-value tokens and need no trimming.
            if let Some((value, integer)) = parse_plain(raw.as_bytes()) {
                self.all_int &= integer;
                self.numbers.push(value);
                return Ok(());
            }
        }
        let token = raw.trim();
        if is_null_token(token) {
            self.push_null();
            return Ok(());
        }
        if self.state == State::Undecided {
            self.state = if parse_bool(token).is_some() {
                State::Bool
            } else if token.parse::<f64>().is_ok() {
                State::Numeric
            } else {
                State::Text
            };
            let nulls = std::mem::take(&mut self.leading_nulls);
            match self.state {
                State::Numeric => self.numbers.resize(nulls, f64::NAN),
                _ => self.codes.resize(nulls, NULL_CODE),
            }
        }
        match self.state {
            State::Numeric => {
                let value = token.parse::<f64>().map_err(|_| NeedsText)?;
                if self.all_int && token.parse::<i64>().is_err() {
                    self.all_int = false;
                }
                self.numbers.push(value);
            }
            State::Bool => {
                let value = parse_bool(token).ok_or(NeedsText)?;
                let code = self.code_of(if value { "True" } else { "False" });
                self.codes.push(code);
            }
            State::Text | State::Undecided => {
                let code = self.code_of(raw);
                self.codes.push(code);
            }
        }
        Ok(())
    }

    /// Adds one text value as it is (typed sources: no missing-value tokens, no number parsing).
    pub fn push_text(&mut self, value: &str) {
        if self.state == State::Undecided {
            self.state = State::Text;
            self.codes
                .resize(std::mem::take(&mut self.leading_nulls), NULL_CODE);
        }
        let code = self.code_of(value);
        self.codes.push(code);
    }

    /// Adds one boolean (typed sources): the same column as the CSV tokens `True`/`False` give.
    pub fn push_bool(&mut self, value: bool) -> Result<(), NeedsText> {
        self.push(if value { "True" } else { "False" })
    }

    /// Adds one missing value.
    pub fn push_null(&mut self) {
        self.has_null = true;
        match self.state {
            State::Undecided => self.leading_nulls += 1,
            State::Numeric => self.numbers.push(f64::NAN),
            State::Bool | State::Text => self.codes.push(NULL_CODE),
        }
    }

    /// Adds one number (typed sources such as Parquet).
    pub fn push_number(&mut self, value: f64, integer: bool) -> Result<(), NeedsText> {
        if self.state == State::Undecided {
            self.state = State::Numeric;
            self.numbers
                .resize(std::mem::take(&mut self.leading_nulls), f64::NAN);
        }
        if self.state != State::Numeric {
            return Err(NeedsText);
        }
        self.all_int &= integer;
        self.numbers.push(value);
        Ok(())
    }

    fn code_of(&mut self, value: &str) -> u32 {
        // A few categories are found faster by comparing prefixes than by hashing.
        let head = prefix(value);
        if self.dictionary.len() <= 16 {
            for (i, (p, d)) in self.prefixes.iter().zip(&self.dictionary).enumerate() {
                if *p == head && (value.len() < 8 || d == value) {
                    return i as u32;
                }
            }
        } else if let Some(code) = self.lookup.get(value) {
            return *code;
        }
        let code = u32::try_from(self.dictionary.len()).unwrap_or(NULL_CODE - 1);
        self.prefixes.push(head);
        self.dictionary.push(value.to_owned());
        self.lookup.insert(value.to_owned(), code);
        code
    }

    pub fn finish(self) -> Column {
        let (dtype, data) = match self.state {
            State::Undecided | State::Numeric if self.datetime => {
                let mut numbers = self.numbers;
                numbers.resize(numbers.len() + self.leading_nulls, f64::NAN);
                (Dtype::Datetime, ColumnData::Numbers(numbers))
            }
            State::Undecided => (
                Dtype::Float,
                ColumnData::Numbers(vec![f64::NAN; self.leading_nulls]),
            ),
            State::Numeric => {
                let dtype = if self.all_int && !self.has_null {
                    Dtype::Int
                } else {
                    Dtype::Float
                };
                (dtype, ColumnData::Numbers(self.numbers))
            }
            State::Bool | State::Text => {
                let dtype = if self.state == State::Bool && !self.has_null {
                    Dtype::Bool
                } else {
                    Dtype::Text
                };
                (
                    dtype,
                    ColumnData::Text {
                        dictionary: self.dictionary,
                        codes: self.codes,
                    },
                )
            }
        };
        Column {
            name: self.name,
            dtype,
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(tokens: &[&str]) -> Result<Column, NeedsText> {
        let mut b = ColumnBuilder::new("c".into(), false);
        for t in tokens {
            b.push(t)?;
        }
        Ok(b.finish())
    }

    #[test]
    fn integers_without_nulls_are_int() {
        let c = build(&["1", "2", "-3"]).expect("numeric");
        assert_eq!(c.dtype, Dtype::Int);
    }

    #[test]
    fn integers_with_nulls_are_float() {
        let c = build(&["", "2", "NA"]).expect("numeric");
        assert_eq!(c.dtype, Dtype::Float);
        assert_eq!(c.data.non_null(), 1);
        assert_eq!(c.data.len(), 3);
    }

    #[test]
    fn text_after_numbers_needs_a_text_pass() {
        assert_eq!(build(&["1", "x"]), Err(NeedsText));
    }

    #[test]
    fn labels_sharing_a_prefix_stay_apart() {
        let mut b = ColumnBuilder::new("c".into(), true);
        let labels = ["abcdefgh1", "abcdefgh2", "a\0", "a", "abcdefg", "abcdefgh"];
        for l in labels.iter().chain(&labels) {
            b.push_text(l);
        }
        let c = b.finish();
        let ColumnData::Text { dictionary, codes } = c.data else {
            panic!("text")
        };
        assert_eq!(dictionary, labels);
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn bools_and_text() {
        assert_eq!(build(&["True", "false"]).expect("bool").dtype, Dtype::Bool);
        assert_eq!(build(&["True", ""]).expect("bool").dtype, Dtype::Text);
        let c = build(&["", "a", "b", "a"]).expect("text");
        assert_eq!(c.dtype, Dtype::Text);
        assert_eq!(c.data.n_unique(), 2);
    }
}
