//! Reading a PBF extract: frames (checked by [`super::pbf`]) decoded in parallel into
//! [`Part`]s, in bounded batches, merged in file order over up to three passes ([`read_pbf`]).

use std::fmt;
use std::path::Path;

use osmpbf::{BlobDecode, BlobReader, Element, RelMemberType};
use rayon::prelude::*;

use super::passes::{Part, Pass, pass_step};
use super::{Coords, Filter, Kind, Member, Osm, TagView, pbf};
use crate::error::{Error, Location, Result};
use crate::progress::{CountingReader, Progress};

fn bad_pbf(path: &Path, e: impl fmt::Display) -> Error {
    Error::input(Location::file(path), format!("not a readable OpenStreetMap PBF file (broken or truncated?): {e}"))
}

/// Which kinds of element a PBF blob holds: nodes, ways, relations.
type Holds = [bool; 3];

/// A decoded blob: whether it is the header, what it holds, what the pass kept (or why it could
/// not be decoded).
type Decoded = std::result::Result<(bool, Holds, Part), String>;

fn decode_blob(blob: &osmpbf::Blob, pass: Pass<'_>) -> std::result::Result<(bool, Part), String> {
    let mut part = Part::default();
    let block = match blob.decode().map_err(|e| e.to_string())? {
        BlobDecode::OsmHeader(_) => return Ok((true, part)),
        BlobDecode::Unknown(_) => return Ok((false, part)),
        BlobDecode::OsmData(block) => block,
    };
    let mut buf: Vec<(&str, &str)> = Vec::new();
    for element in block.elements() {
        buf.clear();
        match element {
            Element::Node(n) => {
                buf.extend(n.tags());
                part.node(pass, n.id(), n.nano_lon(), n.nano_lat(), &TagView::new(&buf))?;
            }
            Element::DenseNode(n) => {
                buf.extend(n.tags());
                part.node(pass, n.id(), n.nano_lon(), n.nano_lat(), &TagView::new(&buf))?;
            }
            Element::Way(w) => {
                buf.extend(w.tags());
                part.way(pass, w.id(), || w.refs(), &TagView::new(&buf));
            }
            Element::Relation(r) => {
                buf.extend(r.tags());
                let members = || {
                    r.members()
                        .map(|m| {
                            let role = m
                                .role()
                                .map_err(|e| format!("relation {}: unreadable member role: {e}", r.id()))?
                                .to_owned();
                            let kind = match m.member_type {
                                RelMemberType::Node => Kind::Node,
                                RelMemberType::Way => Kind::Way,
                                RelMemberType::Relation => Kind::Relation,
                            };
                            Ok(Member { kind, id: m.member_id, role })
                        })
                        .collect()
                };
                part.relation(pass, r.id(), members, &TagView::new(&buf))?;
            }
        }
    }
    Ok((false, part))
}

/// Decodes one frame under its share of `budget` (see [`pbf`]): the block is inflated and
/// checked under a share of [`pbf::MAX_BLOB`], then decoded under a share of what it was
/// counted for; a blob that must wait for its share waits holding nothing.
fn decode_frame(frame: &pbf::Frame, pass: Pass<'_>, budget: &pbf::Budget) -> Decoded {
    let msg = match frame.kind.as_str() {
        "OSMHeader" => pbf::Msg::Header,
        "OSMData" => pbf::Msg::Block,
        _ => return Ok((false, [false; 3], Part::default())),
    };
    let first = budget.take(pbf::MAX_BLOB);
    let (mut block, need) = pbf::checked_block(frame, msg)?;
    drop(first);
    let _share = match budget.try_take(need) {
        Some(share) => share,
        None => {
            drop(block);
            let share = budget.take(need);
            block = pbf::checked_block(frame, msg)?.0;
            share
        }
    };
    let raw = pbf::raw_frame(&frame.kind, &block);
    drop(block);
    let name = || format!("blob {} (byte {})", frame.index, frame.offset);
    let blob = BlobReader::new(std::io::Cursor::new(raw))
        .next()
        .ok_or_else(|| format!("{}: empty", name()))?
        .map_err(|e| format!("{}: {e}", name()))?;
    decode_blob(&blob, pass)
        .map(|(header, part)| {
            let holds = [part.counts[0] > 0, part.counts[1] > 0, part.counts[2] > 0];
            (header, holds, part)
        })
        .map_err(|e| format!("{}: {e}", name()))
}

/// One pass over a PBF file: frames read in order in batches ([`pbf::BATCH_BLOBS`] blobs or
/// [`pbf::BATCH_BYTES`] bytes), each batch decoded in parallel (only the blobs `skip` does not
/// rule out) under one memory [`pbf::Budget`], returned in file order with what each holds.
/// The bytes read are reported to `progress` as a step ([`pass_step`]).
fn pbf_pass(
    path: &Path,
    pass: Pass<'_>,
    skip: &(dyn Fn(usize) -> bool + Sync),
    progress: &dyn Progress,
) -> Result<Vec<(Holds, Part)>> {
    let file = std::fs::File::open(path).map_err(|cause| Error::Read { path: path.into(), cause })?;
    let len = file.metadata().map_err(|cause| Error::Read { path: path.into(), cause })?.len();
    let step = pass_step(path, &file, pass, progress);
    let mut frames = pbf::FrameReader::new(std::io::BufReader::new(CountingReader { inner: file, step: &step }), len);
    let budget = pbf::Budget::new(pbf::DECODE_BUDGET);
    let mut out = Vec::new();
    loop {
        let (mut batch, mut bytes, mut failed) = (Vec::new(), 0u64, None);
        while batch.len() < pbf::BATCH_BLOBS && bytes < pbf::BATCH_BYTES {
            match frames.next() {
                Some(Ok(frame)) => {
                    bytes += frame.data.len() as u64;
                    batch.push(frame);
                }
                Some(Err(e)) => {
                    failed = Some(e);
                    break;
                }
                None => break,
            }
        }
        if batch.is_empty() && failed.is_none() {
            break;
        }
        let decoded: Vec<Decoded> = batch
            .par_iter()
            .map(|frame| {
                if skip(frame.index) {
                    return Ok((false, [false; 3], Part::default()));
                }
                decode_frame(frame, pass, &budget)
            })
            .collect();
        for (frame, part) in batch.iter().zip(decoded) {
            let (header, holds, part) = part.map_err(|e| bad_pbf(path, e))?;
            if frame.index == 0 && !header && matches!(pass, Pass::Tagged(_)) {
                return Err(bad_pbf(path, "it does not start with an OSMHeader block"));
            }
            out.push((holds, part));
        }
        if let Some(e) = failed {
            return Err(bad_pbf(path, e));
        }
    }
    Ok(out)
}

/// Reads a PBF extract, keeping what `filter` asks for (see the module doc of [`super`] for the
/// passes), reporting each pass (bytes read) to `progress`. A missing file is an
/// [`Error::Read`]; a broken or truncated one an [`Error::Input`] naming the file.
pub fn read_pbf(path: &Path, filter: &dyn Filter, progress: &dyn Progress) -> Result<Osm> {
    let first = pbf_pass(path, Pass::Tagged(filter), &|_| false, progress)?;
    if first.is_empty() {
        return Err(bad_pbf(path, "the file is empty"));
    }
    let holds: Vec<Holds> = first.iter().map(|(h, _)| *h).collect();
    let mut osm = Osm::default();
    let mut coords = osm.merge_tagged(first.into_iter().map(|(_, p)| p).collect());
    let member_ways = osm.missing_member_ways();
    if !member_ways.is_empty() {
        let skip = |i| !holds.get(i).is_some_and(|h: &Holds| h[1]);
        let parts = pbf_pass(path, Pass::Ways(&member_ways, filter), &skip, progress)?;
        osm.merge_ways(parts.into_iter().map(|(_, p)| p).collect());
    }
    let nodes = osm.way_nodes();
    if !nodes.is_empty() {
        let parts = pbf_pass(path, Pass::Nodes(&nodes), &|i| !holds.get(i).is_some_and(|h| h[0]), progress)?;
        // Tagged nodes (pass 1) first, so a way node read again in pass 3 keeps the same value.
        coords.extend(parts.into_iter().flat_map(|(_, p)| p.take_coords()));
    }
    osm.coords = Coords::from_pairs(coords);
    Ok(osm)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osm::read::KeepAll;
    use crate::progress::NoProgress;

    use super::pbf::testing::{block, bytes_field, file, frame, raw_blob, varint_field, zlib_blob};

    fn read_bytes(bytes: &[u8]) -> (std::path::PathBuf, Result<Osm>) {
        let dir = tempfile::tempdir().unwrap().keep();
        let path = dir.join("hostile.osm.pbf");
        std::fs::write(&path, bytes).unwrap();
        let read = read_pbf(&path, &KeepAll, &NoProgress);
        (path, read)
    }

    fn input_error(read: Result<Osm>) -> (Location, String) {
        match read {
            Err(Error::Input { location, message }) => (location, message),
            other => panic!("an input error, not {other:?}"),
        }
    }

    #[test]
    fn a_zlib_block_of_empty_ways_is_refused_naming_the_file_and_blob() {
        // 2M empty ways in 8 MiB, compressed to a few KB: without the check, osmpbf decodes
        // them to about 500 MiB (per thread) before anything is looked at.
        let ways = block(&[0x1a, 0x02, 0x08, 0x01].repeat(2 << 20));
        let bytes = file(|out| frame(out, "OSMData", &zlib_blob(&ways, ways.len() as u64), None));
        assert!(bytes.len() < 100_000);
        let (path, read) = read_bytes(&bytes);
        let (location, message) = input_error(read);
        assert_eq!(location, Location::file(&path));
        assert!(message.contains("blob 1 (byte 21): its") && message.contains("MiB of objects"), "{message}");
    }

    #[test]
    fn a_claimed_size_past_the_end_is_an_error() {
        let bytes = file(|out| frame(out, "OSMData", &raw_blob(&block(&[])), Some(-1)));
        let (_, message) = input_error(read_bytes(&bytes).1);
        assert!(message.contains("blob 1 (byte 21): its header claims a negative size -1"), "{message}");
    }

    fn node_file(id: i64, nano_lat: i64, nano_lon: i64) -> Vec<u8> {
        let zigzag = |v: i64| ((v << 1) ^ (v >> 63)) as u64;
        let mut node = Vec::new();
        varint_field(&mut node, 1, zigzag(id));
        // Granularity 100 nanodegrees.
        varint_field(&mut node, 8, zigzag(nano_lat / 100));
        varint_field(&mut node, 9, zigzag(nano_lon / 100));
        let mut group = Vec::new();
        bytes_field(&mut group, 1, &node);
        file(|out| frame(out, "OSMData", &raw_blob(&block(&group)), None))
    }

    #[test]
    fn coordinates_off_the_globe_are_an_error_naming_the_node() {
        let (_, read) = read_bytes(&node_file(123, 60_000_000_000, 24_000_000_000));
        assert_eq!(read.unwrap().counts, [1, 0, 0]);
        let (_, message) = input_error(read_bytes(&node_file(123, 95_000_000_000, 0)).1);
        assert!(message.contains("node n123: latitude 95 is outside -90..90"), "{message}");
        let (_, message) = input_error(read_bytes(&node_file(-7, 0, -200_000_000_000)).1);
        assert!(message.contains("node n-7: longitude -200 is outside -180..180"), "{message}");
    }
}
