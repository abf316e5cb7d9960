//! git's index file read as bytes: its entries and its cache-tree, for the one comparison
//! the hook makes (the staged tree against HEAD's), without loading the index into libgit2.
//!
//! git keeps, in the index's `TREE` extension, the tree id of every directory whose entries
//! have not changed since the tree was last written. A directory whose id there is the one
//! HEAD has is unchanged, and none of its entries needs looking at: this is how
//! `git diff --cached` skips most of a large index, and libgit2 does not. Anything this
//! reader does not know exactly (another version, a split or sparse index, a conflict, an
//! intent-to-add entry, a mandatory extension, a malformed byte) makes it give up, and the
//! caller reads the index another way: nothing is guessed.

use std::collections::HashMap;

/// Length of a SHA-1 object id, the only kind this reader takes.
const ID: usize = 20;
/// Fixed part of an entry before its flags: ctime, mtime, dev, ino, mode, uid, gid, size, id.
const FIXED: usize = 40 + ID;
/// How deep the cache-tree may nest before the index is not read here.
const MAX_DEPTH: usize = 512;

/// A directory the cache-tree still vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cached {
    /// How many index entries lie under it.
    pub entries: usize,
    /// The id of its tree.
    pub id: [u8; ID],
}

/// The index as this reader understands it: its entries, all at stage 0, read where they lie
/// in the file's bytes (nothing is copied but version 4's paths, which are compressed).
#[derive(Debug)]
pub struct Index<'a> {
    bytes: &'a [u8],
    /// Version 4's paths, written out one after the other.
    paths: Option<Vec<u8>>,
    entries: Vec<Slot>,
    /// The valid directories of the cache-tree, by path without a trailing `/` (`""` is the
    /// top).
    pub cached: HashMap<Vec<u8>, Cached>,
}

/// Where an entry lies: its fixed part in the file, its path in the file or in `paths`.
#[derive(Debug, Clone, Copy)]
struct Slot {
    fixed: u32,
    path: u32,
    len: u32,
}

impl Index<'_> {
    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entry `i`'s path, `/`-separated, as git stores it (not necessarily UTF-8). git writes
    /// the entries in order, bytewise by path; that order is not checked here, but by whoever
    /// relies on it where it does (a file's order is only looked at where it is read).
    pub fn path(&self, i: usize) -> &[u8] {
        let slot = self.entries[i];
        let range = slot.path as usize..(slot.path + slot.len) as usize;
        match &self.paths {
            Some(paths) => &paths[range],
            None => &self.bytes[range],
        }
    }

    /// Entry `i`'s mode: 0o100644, 0o100755, 0o120000 (link) or 0o160000 (submodule).
    pub fn mode(&self, i: usize) -> u32 {
        let at = self.entries[i].fixed as usize + 24;
        u32::from_be_bytes(self.bytes[at..at + 4].try_into().expect("4 bytes"))
    }

    /// Entry `i`'s object id.
    pub fn id(&self, i: usize) -> &[u8; ID] {
        let at = self.entries[i].fixed as usize + 40;
        self.bytes[at..at + ID].try_into().expect("an id's length")
    }
}

/// Reads `bytes`, the whole index file; `None` where this reader does not know the index
/// exactly.
pub fn parse(bytes: &[u8]) -> Option<Index<'_>> {
    // Every offset is kept in 32 bits.
    u32::try_from(bytes.len()).ok()?;
    let mut r = Reader { bytes, at: 0 };
    if r.take(4)? != b"DIRC" {
        return None;
    }
    let version = r.u32()?;
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = r.u32()? as usize;
    // An entry takes at least its fixed part: a count the file cannot hold is not believed.
    if count > bytes.len() / FIXED {
        return None;
    }
    let mut entries: Vec<Slot> = Vec::with_capacity(count);
    let mut paths = (version == 4).then(Vec::new);
    for _ in 0..count {
        let start = r.at;
        r.take(FIXED)?;
        let flags = r.u16()?;
        let stage = (flags >> 12) & 0b11;
        if stage != 0 {
            return None; // a conflict: no commit is made from it
        }
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            let extended = r.u16()?;
            // Intent-to-add (0x2000) is an entry git commits as absent; anything else but
            // skip-worktree (0x4000) is unknown here.
            if extended & !0x4000 != 0 {
                return None;
            }
        }
        let slot = match &mut paths {
            Some(paths) => {
                let strip = r.varint()?;
                let suffix = r.until_nul()?;
                let previous = entries
                    .last()
                    .map_or(0..0, |p| p.path as usize..(p.path + p.len) as usize);
                let keep = previous.len().checked_sub(strip)?;
                let at = paths.len();
                paths.extend_from_within(previous.start..previous.start + keep);
                paths.extend_from_slice(suffix);
                Slot {
                    fixed: start as u32,
                    path: u32::try_from(at).ok()?,
                    len: u32::try_from(paths.len() - at).ok()?,
                }
            }
            None => {
                let name = r.at;
                // The flags hold the name's length, up to 0xfff ("longer").
                let len = match usize::from(flags & 0xfff) {
                    0xfff => r.until_nul()?.len(),
                    len => {
                        r.take(len)?;
                        (r.take(1)? == [0]).then_some(())?;
                        len
                    }
                };
                // The name's NUL and the padding up to a multiple of eight bytes, one to
                // eight NULs in all.
                let read = r.at - start;
                let padded = (read - 1 + 8) & !7;
                r.take(padded - read)?;
                Slot {
                    fixed: start as u32,
                    path: name as u32,
                    len: len as u32,
                }
            }
        };
        entries.push(slot);
    }
    // The extensions, up to the trailing checksum.
    let end = bytes.len().checked_sub(ID)?;
    let mut cached = HashMap::new();
    while r.at < end {
        let signature = r.take(4)?;
        let size = r.u32()? as usize;
        if r.at.checked_add(size)? > end {
            return None;
        }
        let data = r.take(size)?;
        match signature {
            b"TREE" => {
                let mut tree = Reader { bytes: data, at: 0 };
                cache_tree(&mut tree, b"", 0, &mut cached)?;
                (tree.at == data.len()).then_some(())?;
            }
            // An extension whose name begins with a capital may be ignored; any other (a split
            // index's `link`, a sparse index's `sdir`) changes what the entries mean.
            [b'A'..=b'Z', ..] => {}
            _ => return None,
        }
    }
    (r.at == end).then_some(Index {
        bytes,
        paths,
        entries,
        cached,
    })
}

/// One node of the `TREE` extension and its subtrees, under `parent`.
fn cache_tree(
    r: &mut Reader<'_>,
    parent: &[u8],
    depth: usize,
    out: &mut HashMap<Vec<u8>, Cached>,
) -> Option<()> {
    if depth > MAX_DEPTH {
        return None;
    }
    let name = r.until_nul()?;
    // Only the top has no name.
    if name.is_empty() != (depth == 0) {
        return None;
    }
    let path = match parent {
        [] => name.to_vec(),
        _ => [parent, b"/", name].concat(),
    };
    let entries = r.number_until(b' ')?;
    let subtrees = r.number_until(b'\n')?;
    if entries >= 0 {
        let id = r.take(ID)?.try_into().ok()?;
        out.insert(
            path.clone(),
            Cached {
                entries: usize::try_from(entries).ok()?,
                id,
            },
        );
    } else if entries != -1 {
        return None;
    }
    for _ in 0..subtrees {
        cache_tree(r, &path, depth + 1, out)?;
    }
    Some(())
}

/// Bounds-checked reading of big-endian fields.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.take(2)?.try_into().ok()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    /// The bytes up to the next NUL, which is consumed.
    fn until_nul(&mut self) -> Option<&'a [u8]> {
        let rest = self.bytes.get(self.at..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        self.at += len + 1;
        Some(&rest[..len])
    }

    /// A decimal number (`-1` allowed) up to `end`, which is consumed.
    fn number_until(&mut self, end: u8) -> Option<i64> {
        let rest = self.bytes.get(self.at..)?;
        let len = rest.iter().take(21).position(|&b| b == end)?;
        self.at += len + 1;
        std::str::from_utf8(&rest[..len]).ok()?.parse().ok()
    }

    /// git's offset varint (index version 4): seven bits a byte, each continuation adding one.
    fn varint(&mut self) -> Option<usize> {
        let mut byte = *self.take(1)?.first()?;
        let mut value = usize::from(byte & 0x7f);
        while byte & 0x80 != 0 {
            byte = *self.take(1)?.first()?;
            value = value.checked_add(1)?.checked_mul(128)? | usize::from(byte & 0x7f);
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, name_pad_version: u32) -> Vec<u8> {
        let mut e = vec![0u8; 24];
        e.extend_from_slice(&0o100644u32.to_be_bytes());
        e.extend_from_slice(&[0u8; 12]);
        e.extend_from_slice(&[7u8; ID]);
        let flags = path.len().min(0xfff) as u16;
        e.extend_from_slice(&flags.to_be_bytes());
        e.extend_from_slice(path.as_bytes());
        if name_pad_version != 4 {
            let padded = (e.len() + 8) & !7;
            e.resize(padded, 0);
        }
        e
    }

    fn index(version: u32, entries: &[&str], extensions: &[u8]) -> Vec<u8> {
        let mut out = b"DIRC".to_vec();
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        for path in entries {
            out.extend_from_slice(&entry(path, version));
        }
        out.extend_from_slice(extensions);
        out.extend_from_slice(&[0u8; ID]);
        out
    }

    fn extension(name: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = name.to_vec();
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn entries_and_padding_of_every_name_length() {
        let paths = ["a", "ab", "abc/defg", "abcdefgh", "b/c/d/e/f/g/h/i"];
        let bytes = index(2, &paths, &[]);
        let parsed = parse(&bytes).expect("a version 2 index");
        let got: Vec<&[u8]> = (0..parsed.len()).map(|i| parsed.path(i)).collect();
        let want: Vec<&[u8]> = paths.iter().map(|p| p.as_bytes()).collect();
        assert_eq!(got, want);
        assert!((0..parsed.len()).all(|i| parsed.mode(i) == 0o100644));
        assert!((0..parsed.len()).all(|i| parsed.id(i) == &[7u8; ID]));
    }

    #[test]
    fn the_cache_tree_gives_the_valid_directories_by_path() {
        let mut tree = b"\x003 1\n".to_vec();
        tree.extend_from_slice(&[1u8; ID]);
        tree.extend_from_slice(b"src\x002 1\n");
        tree.extend_from_slice(&[2u8; ID]);
        tree.extend_from_slice(b"m0\x00-1 0\n");
        let bytes = index(2, &["a", "src/m0/x", "src/y"], &extension(b"TREE", &tree));
        let parsed = parse(&bytes).expect("an index with a cache-tree");
        assert_eq!(parsed.cached[b"".as_slice()].entries, 3);
        assert_eq!(parsed.cached[b"src".as_slice()].id, [2u8; ID]);
        assert!(!parsed.cached.contains_key(b"src/m0".as_slice()));
    }

    #[test]
    fn what_this_reader_does_not_know_is_refused() {
        // A split index's `link`, a sparse index's `sdir`: mandatory extensions.
        assert!(parse(&index(2, &["a"], &extension(b"link", &[0u8; ID]))).is_none());
        assert!(parse(&index(2, &["a"], &extension(b"sdir", b""))).is_none());
        // An optional one is passed over.
        assert!(parse(&index(2, &["a"], &extension(b"UNTR", b"x"))).is_some());
        // Another version, a truncated file.
        assert!(parse(&index(5, &["a"], &[])).is_none());
        let bytes = index(2, &["a", "b"], &[]);
        assert!(parse(&bytes[..bytes.len() - 30]).is_none());
        // A conflict (stage 2).
        let mut conflict = index(2, &["a"], &[]);
        conflict[12 + FIXED] |= 0x20;
        assert!(parse(&conflict).is_none());
        // A count the file cannot hold.
        let mut count = index(2, &["a"], &[]);
        count[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse(&count).is_none());
    }

    #[test]
    fn a_cache_tree_nested_without_end_is_refused() {
        let mut tree = b"\x00-1 1\n".to_vec();
        for _ in 0..(MAX_DEPTH + 2) {
            tree.extend_from_slice(b"d\x00-1 1\n");
        }
        tree.extend_from_slice(b"d\x00-1 0\n");
        assert!(parse(&index(2, &["a"], &extension(b"TREE", &tree))).is_none());
    }

    #[test]
    fn version_4_paths_are_built_from_the_previous_one() {
        let mut out = b"DIRC".to_vec();
        out.extend_from_slice(&4u32.to_be_bytes());
        out.extend_from_slice(&2u32.to_be_bytes());
        for (strip, suffix) in [(0u8, "src/a.rs"), (4u8, "b.rs")] {
            let mut e = vec![0u8; 24];
            e.extend_from_slice(&0o100644u32.to_be_bytes());
            e.extend_from_slice(&[0u8; 12 + ID]);
            e.extend_from_slice(&(suffix.len() as u16).to_be_bytes());
            e.push(strip);
            e.extend_from_slice(suffix.as_bytes());
            e.push(0);
            out.extend_from_slice(&e);
        }
        out.extend_from_slice(&[0u8; ID]);
        let parsed = parse(&out).expect("a version 4 index");
        assert_eq!(parsed.path(0), b"src/a.rs");
        assert_eq!(parsed.path(1), b"src/b.rs");
    }
}
