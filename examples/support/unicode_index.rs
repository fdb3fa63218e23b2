//! The whole Unicode name index both charfinders share (seed
//! `004_221af7cd32b1e56f.txt`'s `UnicodeNameIndex`): every named code point,
//! algorithmically named ones too (`CJK UNIFIED IDEOGRAPH-4E00`, Hangul
//! syllables), from the `unicode_names2` crate's compressed name table.
//! A query finds the characters whose names hold every one of its words.

use std::collections::HashMap;

/// Words of names to the characters whose names hold them, in code point
/// order: a query intersects the lists of its words, shortest first.
pub struct UnicodeIndex {
    words: HashMap<Box<str>, Vec<char>>,
}

/// The seed's `RE_WORD = re.compile(r'\w+')`, upper-cased: `HEART-SHAPED`
/// is two words.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|word| !word.is_empty())
        .map(str::to_uppercase)
}

impl UnicodeIndex {
    /// Reads every code point's name, from U+0020 (the seed starts at 32)
    /// to U+10FFFF: about 150,000 of them, a fraction of a second optimized.
    pub fn new() -> Self {
        let mut index: HashMap<Box<str>, Vec<char>> = HashMap::new();
        for c in (' '..=char::MAX).filter(|c| !c.is_control()) {
            let Some(name) = unicode_names2::name(c) else {
                continue;
            };
            for word in words(&name.to_string()) {
                let chars = index.entry(word.into_boxed_str()).or_default();
                if chars.last() != Some(&c) {
                    chars.push(c);
                }
            }
        }
        UnicodeIndex { words: index }
    }

    /// The characters whose names hold every word of `query` (any case, any
    /// order), in code point order; none for an empty query.
    pub fn find(&self, query: &str) -> Vec<char> {
        let mut lists: Vec<&[char]> = Vec::new();
        for word in words(query) {
            match self.words.get(word.as_str()) {
                Some(chars) => lists.push(chars),
                None => return Vec::new(),
            }
        }
        lists.sort_by_key(|chars| chars.len());
        let Some((shortest, others)) = lists.split_first() else {
            return Vec::new();
        };
        shortest
            .iter()
            .copied()
            .filter(|c| others.iter().all(|list| list.binary_search(c).is_ok()))
            .collect()
    }

    /// The seed's `describe`: `U+1F63A`, the character, its name.
    pub fn describe(c: char) -> (String, String) {
        let name = unicode_names2::name(c)
            .map(|n| n.to_string())
            .unwrap_or_default();
        (format!("U+{:04X}", u32::from(c)), name)
    }

    /// The count in the seed's `index.status`: `No match`, `1 match`,
    /// `10 matches` (each charfinder adds ` for ` and the query).
    pub fn matches(count: usize) -> String {
        match count {
            0 => "No match".to_string(),
            1 => "1 match".to_string(),
            n => format!("{n} matches"),
        }
    }
}
