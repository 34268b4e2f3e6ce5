//! Inputs for the tests that compare two readers of one format (a stream
//! reader against the whole-input reader): every file of a kind below some
//! folders, whole and cut short, and a reader that hands its bytes out a
//! few at a time.

use std::path::PathBuf;

/// The contents of every file whose extension is `extension` below the
/// folders `roots` (walked depth first; a folder that cannot be read is
/// passed over).
///
/// # Panics
///
/// When a listed file cannot be read.
#[must_use]
pub fn files_below(roots: &[PathBuf], extension: &str) -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    for root in roots {
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == extension) {
                    files.push(
                        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
                    );
                }
            }
        }
    }
    files
}

/// Each document whole, and those shorter than `short` also cut every
/// `step` bytes (a reader must refuse a cut document as its twin does).
#[must_use]
pub fn with_cuts(documents: Vec<Vec<u8>>, short: usize, step: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for data in documents {
        if data.len() < short {
            for cut in (0..data.len()).step_by(step.max(1)) {
                out.push(data[..cut].to_vec());
            }
        }
        out.push(data);
    }
    out
}

/// A reader that hands out at most `step` bytes at a time, so that a
/// buffered reader refills in the middle of everything.
#[derive(Debug)]
pub struct Trickle<'b> {
    bytes: &'b [u8],
    step: usize,
}

impl<'b> Trickle<'b> {
    /// Hands `bytes` out `step` at a time (at least one).
    #[must_use]
    pub fn new(bytes: &'b [u8], step: usize) -> Self {
        Self {
            bytes,
            step: step.max(1),
        }
    }
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(out.len()).min(self.bytes.len());
        out[..n].copy_from_slice(&self.bytes[..n]);
        self.bytes = &self.bytes[n..];
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    #[test]
    fn a_trickle_hands_out_every_byte_a_few_at_a_time() {
        let mut t = Trickle::new(b"abcdefg", 3);
        let mut buf = [0u8; 8];
        assert_eq!(t.read(&mut buf).unwrap(), 3);
        assert_eq!(&buf[..3], b"abc");
        let mut rest = Vec::new();
        t.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, b"defg");
    }

    #[test]
    fn short_documents_are_also_cut() {
        let docs = with_cuts(vec![b"0123456789".to_vec(), vec![7; 40]], 20, 4);
        // 0, 4, 8 of the short one, then it whole, then the long one whole.
        assert_eq!(docs.len(), 5);
        assert_eq!(docs[1], b"0123");
        assert_eq!(docs[3], b"0123456789");
        assert_eq!(docs[4].len(), 40);
    }
}
