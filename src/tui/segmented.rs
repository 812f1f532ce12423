//! A queue kept in fixed segments: growing it never moves what it holds. A `VecDeque` doubles
//! and copies everything as it grows, and the store does that under the lock the screen waits
//! for (62 ms when a million events' rows passed 524,288, on the bench's machine); here a push
//! allocates at most one segment.

use std::collections::VecDeque;

/// Elements per segment: 16,384 rows are 768 KiB, small beside a big file's million rows and
/// large enough that segment bookkeeping costs nothing.
const SEGMENT: usize = 1 << 14;

#[derive(Debug)]
pub struct Segmented<T> {
    segments: VecDeque<Vec<T>>,
    /// Elements already popped from the first segment (still there, dropped with it).
    head: usize,
    len: usize,
}

impl<T> Default for Segmented<T> {
    fn default() -> Self {
        Self {
            segments: VecDeque::new(),
            head: 0,
            len: 0,
        }
    }
}

impl<T> Segmented<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn clear(&mut self) {
        *self = Self::default();
    }

    pub fn push_back(&mut self, value: T) {
        match self.segments.back_mut() {
            Some(last) if last.len() < SEGMENT => last.push(value),
            _ => {
                let mut segment = Vec::with_capacity(SEGMENT);
                segment.push(value);
                self.segments.push_back(segment);
            }
        }
        self.len += 1;
    }

    /// Forgets the first element; its segment goes once all of it has.
    pub fn pop_front(&mut self) {
        if self.len == 0 {
            return;
        }
        self.len -= 1;
        self.head += 1;
        let first_done = self.segments.front().is_some_and(|s| self.head == s.len());
        if first_done || self.len == 0 {
            self.segments.pop_front();
            self.head = 0;
        }
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        let at = self.head + i;
        self.segments.get(at / SEGMENT)?.get(at % SEGMENT)
    }

    pub fn front(&self) -> Option<&T> {
        self.get(0)
    }

    /// The elements from `from` on, in order.
    pub fn iter_from(&self, from: usize) -> impl Iterator<Item = &T> {
        let at = self.head + from.min(self.len);
        let (segment, offset) = (at / SEGMENT, at % SEGMENT);
        self.segments
            .iter()
            .skip(segment)
            .enumerate()
            .flat_map(move |(k, s)| &s[if k == 0 { offset.min(s.len()) } else { 0 }..])
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.iter_from(0)
    }

    /// The index of the first element for which `pred` is false, the elements being
    /// partitioned by it (all true first), as `slice::partition_point`.
    pub fn partition_point(&self, pred: impl Fn(&T) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid).is_some_and(&pred) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

impl<T> Extend<T> for Segmented<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for v in iter {
            self.push_back(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{SEGMENT, Segmented};
    use proptest::prelude::*;
    use std::collections::VecDeque;

    #[derive(Debug, Clone)]
    enum Op {
        Push(u32),
        Pop,
    }

    proptest! {
        /// Whatever the pushes and pops, it holds what a VecDeque holds, across segments.
        #[test]
        fn holds_what_a_vecdeque_holds(
            ops in proptest::collection::vec(
                prop_oneof![3 => any::<u32>().prop_map(Op::Push), 1 => Just(Op::Pop)],
                0..200,
            ),
            runs in 1usize..4,
            probe in 0usize..(3 * SEGMENT),
        ) {
            let (mut s, mut v) = (Segmented::default(), VecDeque::new());
            for op in ops.iter().cycle().take(ops.len() * runs * 300) {
                match op {
                    Op::Push(x) => {
                        s.push_back(*x);
                        v.push_back(*x);
                    }
                    Op::Pop => {
                        s.pop_front();
                        v.pop_front();
                    }
                }
            }
            prop_assert_eq!(s.len(), v.len());
            prop_assert_eq!(s.get(probe), v.get(probe));
            prop_assert_eq!(s.front(), v.front());
            prop_assert!(s.iter().eq(v.iter()));
            prop_assert!(s.iter_from(probe).eq(v.range(probe.min(v.len())..)));
        }
    }

    #[test]
    fn finds_the_partition_point_across_segments() {
        let mut s = Segmented::default();
        s.extend(0..3 * SEGMENT + 5);
        for _ in 0..SEGMENT + 3 {
            s.pop_front();
        }
        for cut in [0, 1, SEGMENT - 3, SEGMENT - 2, 2 * SEGMENT, s.len()] {
            let first = SEGMENT + 3;
            assert_eq!(s.partition_point(|x| *x < first + cut), cut);
        }
        s.clear();
        assert!(s.is_empty() && s.get(0).is_none() && s.iter().next().is_none());
    }
}
