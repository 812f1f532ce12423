//! Strings kept once each and named by a number: the ids of profiles, the names and users of
//! the UI's rows. One text holds them all, and a hash table holds only their numbers, so a
//! string costs its bytes, an offset and a table slot (a map of boxed strings beside a list of
//! boxed strings kept each twice, with an allocation each).

use std::hash::BuildHasher;

use hashbrown::HashTable;

#[derive(Debug, Default)]
pub struct Interner {
    text: String,
    /// Where each string ends in `text`; string `i` starts where `i - 1` ends.
    ends: Vec<usize>,
    table: HashTable<u32>,
    /// Seeded per process, so crafted ids cannot aim at collisions.
    hasher: foldhash::quality::RandomState,
}

impl Interner {
    /// The string numbered `i`.
    pub fn get(&self, i: u32) -> &str {
        get(&self.text, &self.ends, i)
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn lookup(&self, s: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(s);
        self.table
            .find(hash, |&i| get(&self.text, &self.ends, i) == s)
            .copied()
    }

    /// The number of `s`, and whether it is new.
    pub fn intern(&mut self, s: &str) -> (u32, bool) {
        let Self {
            text,
            ends,
            table,
            hasher,
        } = self;
        let hash = hasher.hash_one(s);
        if let Some(&i) = table.find(hash, |&i| get(text, ends, i) == s) {
            return (i, false);
        }
        let i = u32::try_from(ends.len()).expect("fewer than 2^32 strings");
        text.push_str(s);
        ends.push(text.len());
        table.insert_unique(hash, i, |&j| hasher.hash_one(get(text, ends, j)));
        (i, true)
    }
}

fn get<'a>(text: &'a str, ends: &[usize], i: u32) -> &'a str {
    let i = i as usize;
    let start = if i == 0 { 0 } else { ends[i - 1] };
    &text[start..ends[i]]
}

#[cfg(test)]
mod tests {
    use super::Interner;

    #[test]
    fn each_string_once_by_number() {
        let mut n = Interner::default();
        assert_eq!(n.intern("user-1"), (0, true));
        assert_eq!(n.intern(""), (1, true));
        assert_eq!(n.intern("user-2"), (2, true));
        assert_eq!(n.intern("user-1"), (0, false));
        assert_eq!(n.intern(""), (1, false));
        assert_eq!((n.get(0), n.get(1), n.get(2)), ("user-1", "", "user-2"));
        assert_eq!(n.lookup("user-2"), Some(2));
        assert_eq!(n.lookup("user-3"), None);
        for i in 0..10_000 {
            n.intern(&format!("anon-{i}"));
        }
        assert_eq!(n.len(), 10_003);
        assert_eq!(n.lookup("anon-9999").map(|i| n.get(i)), Some("anon-9999"));
    }
}
