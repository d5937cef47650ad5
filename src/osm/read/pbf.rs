//! PBF framing with every claimed size checked before anything is allocated, and a bound on the
//! memory that decoding may take.
//!
//! A PBF file is a sequence of frames: a 4-byte big-endian length, a `BlobHeader` message of that
//! length (type and `datasize`), then a `Blob` message of `datasize` bytes holding the block raw
//! or zlib-compressed. The `osmpbf` crate trusts these claims (a negative `datasize` reads to the
//! end of the file) and, once a block is inflated, its protobuf decoder turns every 2-byte empty
//! message or 1-byte packed number into a 100-byte struct or an 8-byte integer: a 122 KB file
//! of zlib-compressed empty ways decodes to gigabytes, one such block per thread.
//!
//! So frames are read here, not by `osmpbf`:
//! - a header longer than [`MAX_HEADER`] (64 KiB, the format's own limit), a `datasize` that is
//!   negative, above [`MAX_BLOB`] (32 MiB) or past the end of the file, is an error naming the
//!   blob (its index and byte offset);
//! - a blob's data is inflated here, at most to its declared `raw_size` and never past
//!   [`MAX_BLOB`]; inflating further is an error (a zlib bomb);
//! - the inflated block is walked once ([`estimate`]) without building anything, to bound what
//!   its decoded objects take; a block above [`MAX_BLOCK_MEMORY`] is an error, as is one object
//!   (way or relation) listing more than [`MAX_OBJECT_ITEMS`] nodes or members;
//! - every blob being decoded holds its share of one fixed [`Budget`] ([`DECODE_BUDGET`]) while
//!   it is decoded, and blobs are read in batches of at most [`BATCH_BLOBS`] blobs or
//!   [`BATCH_BYTES`] bytes: memory depends on neither the thread count nor the sizes the file
//!   claims.
//!
//! The checked block is then handed to `osmpbf` as a raw blob to decode the elements.

use std::io::Read;
use std::sync::{Condvar, Mutex};

use flate2::read::ZlibDecoder;

/// Longest `BlobHeader` the format allows (64 KiB).
pub(crate) const MAX_HEADER: u64 = 64 * 1024;
/// Largest blob, compressed or not, the format allows (32 MiB).
pub(crate) const MAX_BLOB: u64 = 32 * 1024 * 1024;
/// Most memory the decoded objects of one block may take, as [`estimate`] counts it (256 MiB:
/// a real block of 8,000 elements takes a few MiB).
pub(crate) const MAX_BLOCK_MEMORY: u64 = 256 * 1024 * 1024;
/// Most node references of one way or members of one relation (the OSM API allows 2,000 and
/// 32,000).
pub(crate) const MAX_OBJECT_ITEMS: u64 = 1 << 20;
/// Memory all blobs being decoded at once may hold together (inflated data and decoded
/// objects), whatever the thread count; a single blob larger than this is decoded alone.
pub(crate) const DECODE_BUDGET: u64 = 512 * 1024 * 1024;
/// Most blobs read ahead (then decoded in parallel).
pub(crate) const BATCH_BLOBS: usize = 64;
/// Most compressed bytes read ahead.
pub(crate) const BATCH_BYTES: u64 = 64 * 1024 * 1024;

/// One frame of the file: its blob type and the bytes of its `Blob` message.
#[derive(Debug)]
pub(crate) struct Frame {
    /// Zero-based index of the blob in the file.
    pub(crate) index: usize,
    /// Byte offset of the frame in the file.
    pub(crate) offset: u64,
    /// The `BlobHeader` type (`OSMHeader`, `OSMData`, or anything else, which is skipped).
    pub(crate) kind: String,
    /// The `Blob` message.
    pub(crate) data: Vec<u8>,
}

impl Frame {
    /// Names the blob in an error.
    fn name(&self) -> String {
        format!("blob {} (byte {})", self.index, self.offset)
    }
}

/// Reads frames one by one from a file of known length, checking each claimed size against the
/// format's limits and the bytes left.
pub(crate) struct FrameReader<R> {
    inner: R,
    len: u64,
    pos: u64,
    index: usize,
    failed: bool,
}

impl<R: Read> FrameReader<R> {
    /// A reader of `inner`, a file of `len` bytes, from its start.
    pub(crate) fn new(inner: R, len: u64) -> Self {
        FrameReader { inner, len, pos: 0, index: 0, failed: false }
    }

    fn read_exact(&mut self, buf: &mut [u8], what: &str, at: u64) -> Result<(), String> {
        self.inner.read_exact(buf).map_err(|e| format!("blob {} (byte {at}): cannot read its {what}: {e}", self.index))
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, String> {
        let offset = self.pos;
        let index = self.index;
        let name = format!("blob {index} (byte {offset})");
        let left = self.len.saturating_sub(self.pos);
        if left == 0 {
            return Ok(None);
        }
        if left < 4 {
            return Err(format!("{name}: the file ends inside a blob's length (truncated?)"));
        }
        let mut size = [0u8; 4];
        self.read_exact(&mut size, "header length", offset)?;
        let header_len = u64::from(u32::from_be_bytes(size));
        let left = left - 4;
        if header_len >= MAX_HEADER {
            return Err(format!(
                "{name}: its header claims {header_len} bytes, more than the 64 KiB the format allows"
            ));
        }
        if header_len > left {
            return Err(format!("{name}: its header claims {header_len} bytes but only {left} are left (truncated?)"));
        }
        let mut header = vec![0u8; header_len as usize];
        self.read_exact(&mut header, "header", offset)?;
        let (kind, datasize) = blob_header(&header).map_err(|e| format!("{name}: unreadable blob header: {e}"))?;
        let left = left - header_len;
        let datasize =
            u64::try_from(datasize).map_err(|_| format!("{name}: its header claims a negative size {datasize}"))?;
        if datasize > MAX_BLOB {
            return Err(format!("{name}: its header claims {datasize} bytes, more than the 32 MiB the format allows"));
        }
        if datasize > left {
            return Err(format!("{name}: its header claims {datasize} bytes but only {left} are left (truncated?)"));
        }
        let mut data = vec![0u8; datasize as usize];
        self.read_exact(&mut data, "data", offset)?;
        self.pos += 4 + header_len + datasize;
        self.index += 1;
        Ok(Some(Frame { index, offset, kind, data }))
    }
}

impl<R: Read> Iterator for FrameReader<R> {
    type Item = Result<Frame, String>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let next = self.next_frame().transpose();
        self.failed = matches!(next, Some(Err(_)));
        next
    }
}

/// A protobuf wire-format reader over a byte slice; every length is checked against the bytes
/// left.
struct Wire<'a> {
    buf: &'a [u8],
    pos: usize,
}

/// Wire types.
const VARINT: u8 = 0;
const FIXED64: u8 = 1;
const LEN: u8 = 2;
const FIXED32: u8 = 5;

impl<'a> Wire<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Wire { buf, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = *self.buf.get(self.pos).ok_or("a number runs past the end of its message")?;
            self.pos += 1;
            if shift < 64 {
                value |= u64::from(byte & 0x7f) << shift;
            }
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a number is longer than 10 bytes".into())
    }

    /// The next field number and wire type, `None` at the end.
    fn key(&mut self) -> Result<Option<(u64, u8)>, String> {
        if self.pos >= self.buf.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        Ok(Some((key >> 3, (key & 7) as u8)))
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let len = self.varint()?;
        let left = (self.buf.len() - self.pos) as u64;
        if len > left {
            return Err(format!("a field claims {len} bytes but its message has only {left} left"));
        }
        let out = &self.buf[self.pos..self.pos + len as usize];
        self.pos += len as usize;
        Ok(out)
    }

    /// Skips a value of wire type `wire`; returns the bytes of a length-delimited one.
    fn skip(&mut self, wire: u8) -> Result<&'a [u8], String> {
        let fixed = |w: &mut Self, n: usize| -> Result<&'a [u8], String> {
            if w.buf.len() - w.pos < n {
                return Err("a fixed-size value runs past the end of its message".into());
            }
            w.pos += n;
            Ok(&[])
        };
        match wire {
            VARINT => self.varint().map(|_| &[][..]),
            FIXED64 => fixed(self, 8),
            LEN => self.bytes(),
            FIXED32 => fixed(self, 4),
            other => Err(format!("unsupported wire type {other}")),
        }
    }
}

/// The type and `datasize` of a `BlobHeader`.
fn blob_header(buf: &[u8]) -> Result<(String, i64), String> {
    let mut w = Wire::new(buf);
    let (mut kind, mut datasize) = (None, None);
    while let Some((field, wire)) = w.key()? {
        match (field, wire) {
            (1, LEN) => kind = Some(String::from_utf8_lossy(w.bytes()?).into_owned()),
            // int32 on the wire: a negative value is sign-extended to 64 bits.
            (3, VARINT) => datasize = Some(w.varint()? as i64),
            _ => {
                w.skip(wire)?;
            }
        }
    }
    match (kind, datasize) {
        (Some(kind), Some(datasize)) => Ok((kind, datasize)),
        (None, _) => Err("no type".into()),
        (_, None) => Err("no datasize".into()),
    }
}

/// The block a frame holds, inflated if it is compressed: never more than the `raw_size` it
/// declares, nor [`MAX_BLOB`].
pub(crate) fn unpack(frame: &Frame) -> Result<Vec<u8>, String> {
    let name = frame.name();
    let mut w = Wire::new(&frame.data);
    let (mut raw, mut raw_size, mut zlib, mut other) = (None, None, None, None);
    let bad = |e: String| format!("{name}: unreadable blob: {e}");
    while let Some((field, wire)) = w.key().map_err(bad)? {
        match (field, wire) {
            (1, LEN) => raw = Some(w.skip(wire).map_err(bad)?),
            (2, VARINT) => raw_size = Some(w.varint().map_err(bad)? as i64),
            (3, LEN) => zlib = Some(w.skip(wire).map_err(bad)?),
            (4..=7, LEN) => {
                other = Some(match field {
                    4 => "lzma",
                    5 => "bzip2",
                    6 => "lz4",
                    _ => "zstd",
                });
                w.skip(wire).map_err(bad)?;
            }
            _ => {
                w.skip(wire).map_err(bad)?;
            }
        }
    }
    let limit = match raw_size {
        Some(n) if n < 0 => return Err(format!("{name}: it claims a negative raw_size {n}")),
        Some(n) if n as u64 >= MAX_BLOB => {
            return Err(format!("{name}: it claims a raw_size of {n} bytes, more than the 32 MiB the format allows"));
        }
        Some(n) => n as u64,
        None => MAX_BLOB - 1,
    };
    if let Some(raw) = raw {
        if raw.len() as u64 >= MAX_BLOB {
            return Err(format!("{name}: it holds {} bytes, more than the 32 MiB the format allows", raw.len()));
        }
        return Ok(raw.to_vec());
    }
    let Some(zlib) = zlib else {
        return Err(match other {
            Some(kind) => format!("{name}: {kind} compression is not supported (only zlib and none)"),
            None => format!("{name}: it holds no data"),
        });
    };
    // The claim decides the first allocation only when it is believable: deflate inflates at
    // most about 1032 times.
    let mut out = Vec::with_capacity(limit.min(zlib.len() as u64 * 1032) as usize);
    ZlibDecoder::new(zlib)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("{name}: its zlib data cannot be inflated: {e}"))?;
    if out.len() as u64 > limit {
        return Err(match raw_size {
            Some(n) => format!("{name}: its zlib data inflates past the raw_size of {n} bytes it declares"),
            None => format!("{name}: its zlib data inflates past the 32 MiB the format allows"),
        });
    }
    Ok(out)
}

/// The messages of the OSM PBF format that [`estimate`] walks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Msg {
    /// `HeaderBlock`.
    Header,
    /// `PrimitiveBlock`.
    Block,
    /// A message whose fields are all scalars or strings (`HeaderBBox`, `StringTable`, `Info`,
    /// `ChangeSet`).
    Flat,
    /// `PrimitiveGroup`.
    Group,
    /// `Node`.
    Node,
    /// `DenseNodes`.
    Dense,
    /// `DenseInfo`.
    DenseInfo,
    /// `Way`.
    Way,
    /// `Relation`.
    Relation,
}

/// What a field of a message holds.
enum FieldKind {
    /// A sub-message.
    Message(Msg),
    /// A packed list of numbers (each decoded to at most 8 bytes).
    Packed,
    /// Anything else: a number, a string, an unknown field.
    Other,
}

fn field_kind(msg: Msg, field: u64) -> FieldKind {
    use FieldKind::{Message, Other, Packed};
    match (msg, field) {
        (Msg::Header, 1) => Message(Msg::Flat),
        (Msg::Block, 1) => Message(Msg::Flat),
        (Msg::Block, 2) => Message(Msg::Group),
        (Msg::Group, 1) => Message(Msg::Node),
        (Msg::Group, 2) => Message(Msg::Dense),
        (Msg::Group, 3) => Message(Msg::Way),
        (Msg::Group, 4) => Message(Msg::Relation),
        (Msg::Group, 5) => Message(Msg::Flat),
        (Msg::Node | Msg::Way | Msg::Relation, 4) => Message(Msg::Flat),
        (Msg::Node | Msg::Way | Msg::Relation, 2 | 3) => Packed,
        (Msg::Way | Msg::Relation, 8..=10) => Packed,
        (Msg::Dense, 5) => Message(Msg::DenseInfo),
        (Msg::Dense, 1 | 8 | 9 | 10) => Packed,
        (Msg::DenseInfo, 1..=6) => Packed,
        _ => Other,
    }
}

/// What one decoded message is counted for (its struct, with room for the vector holding it).
const MESSAGE_COST: u64 = 256;
/// What one other field is counted for beyond its bytes (a string's or unknown field's header).
const FIELD_COST: u64 = 48;

/// The memory the decoded objects of a `msg` message take, at most (counted generously): each
/// message [`MESSAGE_COST`], each packed number 8 bytes for every byte of its list (the decoder
/// reserves that much), each other field its bytes plus [`FIELD_COST`]. An error when a way or
/// relation lists more than [`MAX_OBJECT_ITEMS`] entries, or the walk finds broken framing
/// (the decoder would refuse it too).
pub(crate) fn estimate(buf: &[u8], msg: Msg) -> Result<u64, String> {
    let mut w = Wire::new(buf);
    let mut total = MESSAGE_COST;
    let mut id = None;
    while let Some((field, wire)) = w.key()? {
        if field == 1 && wire == VARINT && matches!(msg, Msg::Way | Msg::Relation) {
            id = Some(w.varint()? as i64);
            continue;
        }
        let value = w.skip(wire)?;
        total += match (field_kind(msg, field), wire) {
            (FieldKind::Message(sub), LEN) => estimate(value, sub)?,
            (FieldKind::Packed, LEN) => {
                let list = (msg == Msg::Way && field == 8) || (msg == Msg::Relation && field == 9);
                if list {
                    let items = value.iter().filter(|&&b| b & 0x80 == 0).count() as u64;
                    if items > MAX_OBJECT_ITEMS {
                        let (what, prefix) = if msg == Msg::Way { ("nodes", 'w') } else { ("members", 'r') };
                        let id = id.map_or_else(|| "?".to_owned(), |id| id.to_string());
                        return Err(format!(
                            "{prefix}{id} lists {items} {what}, more than the {MAX_OBJECT_ITEMS} one object may hold"
                        ));
                    }
                }
                8 * value.len() as u64 + FIELD_COST
            }
            _ => value.len() as u64 + FIELD_COST,
        };
    }
    Ok(total)
}

/// The inflated block of `frame`, checked by [`estimate`] against [`MAX_BLOCK_MEMORY`], with the
/// memory its decoding is counted for.
pub(crate) fn checked_block(frame: &Frame, msg: Msg) -> Result<(Vec<u8>, u64), String> {
    let block = unpack(frame)?;
    let name = frame.name();
    let objects = estimate(&block, msg).map_err(|e| format!("{name}: {e}"))?;
    if objects > MAX_BLOCK_MEMORY {
        return Err(format!(
            "{name}: its {} bytes would decode to about {} MiB of objects, more than the {} MiB one block \
             may take (a hostile or broken file?)",
            block.len(),
            objects >> 20,
            MAX_BLOCK_MEMORY >> 20
        ));
    }
    // The inflated block, its copy as a raw blob, the decoder's copy, and the decoded objects.
    let memory = 3 * block.len() as u64 + objects;
    Ok((block, memory))
}

/// `block` (an `OSMHeader` or `OSMData` block) framed as one uncompressed blob, for `osmpbf`.
pub(crate) fn raw_frame(kind: &str, block: &[u8]) -> Vec<u8> {
    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    let mut blob = Vec::with_capacity(block.len() + 16);
    blob.push(1 << 3 | LEN);
    varint(&mut blob, block.len() as u64);
    blob.extend_from_slice(block);
    blob.push(2 << 3 | VARINT);
    varint(&mut blob, block.len() as u64);
    let mut header = Vec::new();
    header.push(1 << 3 | LEN);
    varint(&mut header, kind.len() as u64);
    header.extend_from_slice(kind.as_bytes());
    header.push(3 << 3 | VARINT);
    varint(&mut header, blob.len() as u64);
    let mut out = Vec::with_capacity(4 + header.len() + blob.len());
    out.extend_from_slice(&(header.len() as u32).to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&blob);
    out
}

/// A fixed amount of memory shared by the blobs being decoded: each holds its share while it is
/// decoded, and waits while the others hold too much.
pub(crate) struct Budget {
    limit: u64,
    used: Mutex<u64>,
    freed: Condvar,
}

/// A share of a [`Budget`], given back when dropped.
pub(crate) struct Share<'b> {
    budget: &'b Budget,
    amount: u64,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub(crate) fn new(limit: u64) -> Self {
        Budget { limit, used: Mutex::new(0), freed: Condvar::new() }
    }

    /// Waits until `amount` fits beside the shares held (a share larger than the whole budget
    /// waits until no other is held), then holds it.
    pub(crate) fn take(&self, amount: u64) -> Share<'_> {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used > 0 && *used + amount > self.limit {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += amount;
        Share { budget: self, amount }
    }

    /// Holds `amount` if it fits now (or nothing else is held), without waiting.
    pub(crate) fn try_take(&self, amount: u64) -> Option<Share<'_>> {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        if *used > 0 && *used + amount > self.limit {
            return None;
        }
        *used += amount;
        Some(Share { budget: self, amount })
    }

    /// Bytes held now.
    #[cfg(test)]
    pub(crate) fn used(&self) -> u64 {
        *self.used.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= self.amount;
        self.budget.freed.notify_all();
    }
}

/// Writing PBF files by hand, for tests here and in [`super`].
#[cfg(test)]
pub(crate) mod testing {
    use std::io::Write;

    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// A length-delimited field.
    pub(crate) fn bytes_field(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
        varint(out, field << 3 | 2);
        varint(out, bytes.len() as u64);
        out.extend_from_slice(bytes);
    }

    /// A varint field.
    pub(crate) fn varint_field(out: &mut Vec<u8>, field: u64, v: u64) {
        varint(out, field << 3);
        varint(out, v);
    }

    /// A frame of type `kind` holding `blob`, its header claiming `datasize` (default: the
    /// blob's length).
    pub(crate) fn frame(out: &mut Vec<u8>, kind: &str, blob: &[u8], datasize: Option<i64>) {
        let mut header = Vec::new();
        bytes_field(&mut header, 1, kind.as_bytes());
        varint_field(&mut header, 3, datasize.unwrap_or(blob.len() as i64) as u64);
        out.extend_from_slice(&(header.len() as u32).to_be_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(blob);
    }

    /// A raw blob.
    pub(crate) fn raw_blob(block: &[u8]) -> Vec<u8> {
        let mut blob = Vec::new();
        bytes_field(&mut blob, 1, block);
        varint_field(&mut blob, 2, block.len() as u64);
        blob
    }

    /// A zlib blob declaring `raw_size`.
    pub(crate) fn zlib_blob(block: &[u8], raw_size: u64) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(block).unwrap();
        let mut blob = Vec::new();
        varint_field(&mut blob, 2, raw_size);
        bytes_field(&mut blob, 3, &e.finish().unwrap());
        blob
    }

    /// A PrimitiveBlock of one group (its bytes), with an empty string table.
    pub(crate) fn block(group: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        bytes_field(&mut b, 1, &[]);
        bytes_field(&mut b, 2, group);
        b
    }

    /// A file: an empty OSMHeader, then `frames`.
    pub(crate) fn file(frames: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut out = Vec::new();
        frame(&mut out, "OSMHeader", &raw_blob(&[]), None);
        frames(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    fn frames(bytes: &[u8]) -> Vec<Result<Frame, String>> {
        FrameReader::new(bytes, bytes.len() as u64).collect()
    }

    fn last_error(bytes: &[u8]) -> String {
        match frames(bytes).pop() {
            Some(Err(e)) => e,
            other => panic!("an error, not {other:?}"),
        }
    }

    #[test]
    fn claimed_blob_sizes_are_checked_against_the_format_and_the_file() {
        let ok = file(|out| frame(out, "OSMData", &raw_blob(&block(&[])), None));
        let read = frames(&ok);
        assert_eq!(read.len(), 2);
        assert!(read.iter().all(Result::is_ok));

        let past_end = file(|out| frame(out, "OSMData", &raw_blob(&block(&[])), Some(1000)));
        let e = last_error(&past_end);
        assert!(e.starts_with("blob 1 (byte 21)") && e.contains("claims 1000 bytes but only"), "{e}");

        let negative = file(|out| frame(out, "OSMData", &raw_blob(&block(&[])), Some(-1)));
        assert!(last_error(&negative).contains("negative size -1"));

        let huge = file(|out| frame(out, "OSMData", &raw_blob(&block(&[])), Some(2_000_000_000)));
        assert!(last_error(&huge).contains("more than the 32 MiB"), "{}", last_error(&huge));

        let mut long_header = ok.clone();
        long_header.extend_from_slice(&(64u32 * 1024).to_be_bytes());
        assert!(last_error(&long_header).contains("more than the 64 KiB"));

        let mut cut = ok.clone();
        cut.extend_from_slice(&[0, 0]);
        assert!(last_error(&cut).contains("ends inside a blob's length"));
    }

    fn frame_of(blob: Vec<u8>) -> Frame {
        Frame { index: 3, offset: 99, kind: "OSMData".into(), data: blob }
    }

    #[test]
    fn inflating_stops_at_the_declared_raw_size() {
        let data = block(&[0x1a, 0x02, 0x08, 0x01].repeat(10_000));
        assert_eq!(unpack(&frame_of(zlib_blob(&data, data.len() as u64))).unwrap(), data);
        let e = unpack(&frame_of(zlib_blob(&data, 1024))).unwrap_err();
        assert_eq!(e, "blob 3 (byte 99): its zlib data inflates past the raw_size of 1024 bytes it declares");
        let e = unpack(&frame_of(zlib_blob(&data, 40 << 20))).unwrap_err();
        assert!(e.contains("raw_size of 41943040 bytes, more than the 32 MiB"), "{e}");
        let mut lzma = Vec::new();
        bytes_field(&mut lzma, 4, b"xx");
        assert!(unpack(&frame_of(lzma)).unwrap_err().contains("lzma compression is not supported"));
    }

    #[test]
    fn a_block_of_tiny_objects_is_refused_before_decoding() {
        // 8 MiB of empty ways (4 bytes each): about 2M structs of ~100 bytes once decoded.
        let ways = block(&[0x1a, 0x02, 0x08, 0x01].repeat(2 << 20));
        let memory = estimate(&ways, Msg::Block).unwrap();
        assert!(memory > MAX_BLOCK_MEMORY, "{memory}");
        let e = checked_block(&frame_of(zlib_blob(&ways, ways.len() as u64)), Msg::Block).unwrap_err();
        assert!(e.starts_with("blob 3 (byte 99): its ") && e.contains("bytes would decode to about"), "{e}");
        // The same bytes as one dense-node id list are counted 8 bytes a byte, and pass.
        let mut dense = Vec::new();
        bytes_field(&mut dense, 1, &vec![0u8; 8 << 20]);
        let mut group = Vec::new();
        bytes_field(&mut group, 2, &dense);
        let memory = estimate(&block(&group), Msg::Block).unwrap();
        assert!(((64 << 20)..MAX_BLOCK_MEMORY).contains(&memory), "{memory}");
    }

    #[test]
    fn one_object_may_not_list_more_than_the_cap() {
        let mut way = Vec::new();
        varint_field(&mut way, 1, 77);
        bytes_field(&mut way, 8, &vec![0u8; MAX_OBJECT_ITEMS as usize + 1]);
        let mut group = Vec::new();
        bytes_field(&mut group, 3, &way);
        let e = estimate(&block(&group), Msg::Block).unwrap_err();
        assert_eq!(
            e,
            format!("w77 lists {} nodes, more than the {MAX_OBJECT_ITEMS} one object may hold", MAX_OBJECT_ITEMS + 1)
        );
    }

    #[test]
    fn the_budget_holds_shares_until_dropped() {
        let budget = Budget::new(100);
        let a = budget.take(60);
        assert!(budget.try_take(50).is_none());
        let b = budget.try_take(40).unwrap();
        assert_eq!(budget.used(), 100);
        drop(a);
        drop(b);
        assert_eq!(budget.used(), 0);
        // A share larger than the budget is granted when nothing else is held.
        let big = budget.take(500);
        assert!(budget.try_take(1).is_none());
        drop(big);
        assert_eq!(budget.used(), 0);
    }

    #[test]
    fn a_checked_block_reframed_as_raw_decodes_in_osmpbf() {
        let mut node = Vec::new();
        varint_field(&mut node, 1, 2 * 5);
        varint_field(&mut node, 8, 2 * 600_000_000);
        varint_field(&mut node, 9, 2 * 240_000_000);
        let mut group = Vec::new();
        bytes_field(&mut group, 1, &node);
        let data = block(&group);
        let (checked, _) = checked_block(&frame_of(zlib_blob(&data, data.len() as u64)), Msg::Block).unwrap();
        let raw = raw_frame("OSMData", &checked);
        let blob = osmpbf::BlobReader::new(std::io::Cursor::new(raw)).next().unwrap().unwrap();
        let osmpbf::BlobDecode::OsmData(block) = blob.decode().unwrap() else { panic!("a data block") };
        let nodes: Vec<(i64, i64, i64)> = block
            .elements()
            .filter_map(|e| match e {
                osmpbf::Element::Node(n) => Some((n.id(), n.nano_lat(), n.nano_lon())),
                _ => None,
            })
            .collect();
        assert_eq!(nodes, vec![(5, 60_000_000_000, 24_000_000_000)]);
    }
}
