//! OpenStreetMap XML (`.osm`): reading it through the same [`Filter`] and passes as PBF, and
//! writing a kept [`Osm`] back as XML (for cutting small test extracts).
//!
//! Coordinates are parsed from their decimal text to whole nanodegrees and converted as for
//! PBF, so an extract written by [`write_xml`] reads back bit-identical. As for PBF, a node off
//! the globe (latitude outside -90..90, longitude outside -180..180) is an error naming it, and
//! so is a way or relation listing more than `MAX_OBJECT_ITEMS` (2^20) nodes or members; memory
//! otherwise follows the kept objects, each pass streaming the file.

use std::io::BufRead;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

mod write;

pub use write::write_xml;

use super::read::{Filter, Kind, MAX_OBJECT_ITEMS, Member, Osm, Part, Pass, TagView};
use crate::error::{Error, Location, Result};
use crate::progress::{CountingReader, Progress};

/// Whether `path` names an XML extract (`.osm`, `.xml`, any case); anything else is read as PBF.
pub fn is_xml_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("osm") || e.eq_ignore_ascii_case("xml"))
}

/// Parses a decimal degree (`60.1712345`, `-0.5`) into whole nanodegrees; text with more than
/// 9 decimals or an exponent is rounded to the nearest nanodegree.
pub fn parse_nanodegrees(text: &str) -> Option<i64> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = !whole.is_empty()
        && whole.len() <= 4
        && frac.len() <= 9
        && whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit());
    if !plain {
        let v: f64 = t.parse().ok()?;
        return (v.is_finite() && v.abs() <= 1000.0).then(|| (v * 1e9).round() as i64);
    }
    let mut nano: i64 = whole.parse().ok()?;
    for k in 0..9 {
        nano = nano * 10 + frac.as_bytes().get(k).map_or(0, |b| i64::from(b - b'0'));
    }
    Some(if negative { -nano } else { nano })
}

/// The element being read and its tags so far.
enum Open {
    Node { id: i64, lon: i64, lat: i64 },
    Way { id: i64, refs: Vec<i64> },
    Relation { id: i64, members: Vec<Member> },
}

struct XmlReader<'p, R> {
    path: &'p Path,
    reader: Reader<R>,
}

impl<R: BufRead> XmlReader<'_, R> {
    /// An error at the reader's current position (or `at`, a byte offset), with its line.
    fn error(&self, at: Option<u64>, message: impl std::fmt::Display) -> Error {
        let offset = at.unwrap_or_else(|| self.reader.buffer_position());
        let line = line_of(self.path, offset);
        Error::input(
            Location::file(self.path),
            format!("not a readable OpenStreetMap XML file: line {line} (byte {offset}): {message}"),
        )
    }

    fn attr(&self, e: &BytesStart<'_>, name: &str) -> Result<Option<String>> {
        for a in e.attributes() {
            let a = a.map_err(|err| self.error(None, err))?;
            if a.key.as_ref() == name {
                let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|err| self.error(None, err))?;
                return Ok(Some(v.into_owned()));
            }
        }
        Ok(None)
    }

    fn required<T>(&self, e: &BytesStart<'_>, what: &str, name: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
        let value = self.attr(e, name)?;
        match value.as_deref().map(|v| (v, parse(v))) {
            Some((_, Some(v))) => Ok(v),
            Some((raw, None)) => Err(self.error(None, format!("<{what}>: attribute '{name}' = '{raw}' is not valid"))),
            None => Err(self.error(None, format!("<{what}>: attribute '{name}' is missing"))),
        }
    }

    /// One pass over the file.
    fn pass(&mut self, pass: Pass<'_>) -> Result<Part> {
        let mut part = Part::default();
        let mut buf = Vec::new();
        let mut open: Option<Open> = None;
        let mut tags: Vec<(String, String)> = Vec::new();
        let mut seen_root = false;
        let mut root_closed = false;
        loop {
            let event = self.reader.read_event_into(&mut buf).map_err(|e| {
                let at = self.reader.error_position();
                self.error(Some(at), e)
            })?;
            let (start, empty) = match &event {
                Event::Start(e) => (Some(e.clone()), false),
                Event::Empty(e) => (Some(e.clone()), true),
                _ => (None, false),
            };
            if let Some(e) = start {
                let name = e.local_name();
                match name.as_ref() {
                    "osm" => seen_root = true,
                    "node" | "way" | "relation" if !seen_root => {
                        return Err(self.error(None, "element outside an <osm> root"));
                    }
                    "node" => {
                        let id = self.required(&e, "node", "id", |v| v.trim().parse().ok())?;
                        let lon = self.required(&e, "node", "lon", parse_nanodegrees)?;
                        let lat = self.required(&e, "node", "lat", parse_nanodegrees)?;
                        open = Some(Open::Node { id, lon, lat });
                        tags.clear();
                    }
                    "way" => {
                        open = Some(Open::Way {
                            id: self.required(&e, "way", "id", |v| v.trim().parse().ok())?,
                            refs: Vec::new(),
                        });
                        tags.clear();
                    }
                    "relation" => {
                        let id = self.required(&e, "relation", "id", |v| v.trim().parse().ok())?;
                        open = Some(Open::Relation { id, members: Vec::new() });
                        tags.clear();
                    }
                    "tag" if open.is_some() => {
                        let k = self.required(&e, "tag", "k", |v| Some(v.to_owned()))?;
                        let v = self.required(&e, "tag", "v", |v| Some(v.to_owned()))?;
                        tags.push((k, v));
                    }
                    "nd" => {
                        let r = self.required(&e, "nd", "ref", |v| v.trim().parse().ok())?;
                        if let Some(Open::Way { id, refs }) = &mut open {
                            if refs.len() as u64 >= MAX_OBJECT_ITEMS {
                                let message = format!(
                                    "way w{id} lists more than the {MAX_OBJECT_ITEMS} nodes one object may hold"
                                );
                                return Err(self.error(None, message));
                            }
                            refs.push(r);
                        }
                    }
                    "member" => {
                        let kind = self.required(&e, "member", "type", |v| match v {
                            "node" => Some(Kind::Node),
                            "way" => Some(Kind::Way),
                            "relation" => Some(Kind::Relation),
                            _ => None,
                        })?;
                        let id = self.required(&e, "member", "ref", |v| v.trim().parse().ok())?;
                        let role = self.attr(&e, "role")?.unwrap_or_default();
                        if let Some(Open::Relation { id: relation, members }) = &mut open {
                            if members.len() as u64 >= MAX_OBJECT_ITEMS {
                                let message = format!(
                                    "relation r{relation} lists more than the {MAX_OBJECT_ITEMS} members one object may hold"
                                );
                                return Err(self.error(None, message));
                            }
                            members.push(Member { kind, id, role });
                        }
                    }
                    _ => {}
                }
                if empty && matches!(name.as_ref(), "node" | "way" | "relation") {
                    self.finish(&mut part, pass, open.take(), &tags)?;
                }
                if empty && name.as_ref() == "osm" {
                    root_closed = true;
                }
            } else if let Event::End(e) = &event {
                match e.local_name().as_ref() {
                    "node" | "way" | "relation" => self.finish(&mut part, pass, open.take(), &tags)?,
                    "osm" => root_closed = true,
                    _ => {}
                }
            } else if let Event::Eof = event {
                break;
            }
            buf.clear();
        }
        if !seen_root {
            let what = if self.reader.buffer_position() == 0 { "the file is empty" } else { "no <osm> element" };
            return Err(self.error(None, what));
        }
        if !root_closed {
            return Err(self.error(None, "the file ends before </osm> (truncated?)"));
        }
        Ok(part)
    }

    fn finish(&self, part: &mut Part, pass: Pass<'_>, open: Option<Open>, tags: &[(String, String)]) -> Result<()> {
        let pairs: Vec<(&str, &str)> = tags.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let view = TagView::new(&pairs);
        match open {
            Some(Open::Node { id, lon, lat }) => {
                part.node(pass, id, lon, lat, &view).map_err(|e| self.error(None, e))?
            }
            Some(Open::Way { id, refs }) => part.way(pass, id, || refs.into_iter(), &view),
            Some(Open::Relation { id, members }) => {
                part.relation(pass, id, || Ok(members), &view).map_err(|e| self.error(None, e))?
            }
            None => {}
        }
        Ok(())
    }
}

/// The 1-based line holding byte `offset` of the file (0 when the file cannot be read again).
fn line_of(path: &Path, offset: u64) -> usize {
    let Ok(bytes) = std::fs::read(path) else { return 0 };
    let end = usize::try_from(offset).unwrap_or(usize::MAX).min(bytes.len());
    bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

fn xml_pass(path: &Path, pass: Pass<'_>, progress: &dyn Progress) -> Result<Part> {
    let file = std::fs::File::open(path).map_err(|cause| Error::Read { path: path.into(), cause })?;
    let step = super::read::pass_step(path, &file, pass, progress);
    let mut reader = Reader::from_reader(std::io::BufReader::new(CountingReader { inner: file, step: &step }));
    reader.config_mut().trim_text(true);
    XmlReader { path, reader }.pass(pass)
}

/// Reads an OpenStreetMap XML extract keeping what `filter` asks for, in the same passes as
/// [`super::read::read_pbf`] (each pass parses the file again, so memory follows the kept
/// objects). A missing file is an [`Error::Read`]; malformed XML, a missing `<osm>` root, a
/// truncated file or an element without its required attributes an [`Error::Input`] naming the
/// file, line and byte offset. Each pass (bytes read) is reported to `progress`.
pub fn read_xml(path: &Path, filter: &dyn Filter, progress: &dyn Progress) -> Result<Osm> {
    let mut osm = Osm::default();
    let first = xml_pass(path, Pass::Tagged(filter), progress)?;
    let mut coords = osm.merge_tagged(vec![first]);
    let member_ways = osm.missing_member_ways();
    if !member_ways.is_empty() {
        let part = xml_pass(path, Pass::Ways(&member_ways, filter), progress)?;
        osm.merge_ways(vec![part]);
    }
    let nodes = osm.way_nodes();
    if !nodes.is_empty() {
        coords.extend(xml_pass(path, Pass::Nodes(&nodes), progress)?.take_coords());
    }
    osm.coords = super::read::Coords::from_pairs(coords);
    Ok(osm)
}

#[cfg(test)]
mod tests {
    use super::write::format_nanodegrees;
    use super::*;
    use crate::osm::read::degrees;

    #[test]
    fn coordinates_off_the_globe_are_an_error_naming_the_node() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("range.osm");
        let xml = |lat: &str, lon: &str| {
            format!("<osm version=\"0.6\">\n  <node id=\"123\" lat=\"{lat}\" lon=\"{lon}\"/>\n</osm>\n")
        };
        std::fs::write(&path, xml("60.5", "24.9")).unwrap();
        assert_eq!(read_xml(&path, &crate::osm::KeepAll, &crate::progress::NoProgress).unwrap().counts, [1, 0, 0]);
        for (lat, lon, why) in
            [("95", "24.9", "latitude 95 is outside -90..90"), ("0", "200", "longitude 200 is outside")]
        {
            std::fs::write(&path, xml(lat, lon)).unwrap();
            let e = read_xml(&path, &crate::osm::KeepAll, &crate::progress::NoProgress).unwrap_err().to_string();
            assert!(e.contains("node n123: ") && e.contains(why) && e.contains("line 2"), "{e}");
        }
    }

    #[test]
    fn nanodegrees_round_trip_exactly() {
        assert_eq!(parse_nanodegrees("60.1712345"), Some(60_171_234_500));
        assert_eq!(parse_nanodegrees("-0.5"), Some(-500_000_000));
        assert_eq!(parse_nanodegrees("24"), Some(24_000_000_000));
        assert_eq!(parse_nanodegrees("1.0000000001"), Some(1_000_000_000));
        assert_eq!(parse_nanodegrees("2.5e1"), Some(25_000_000_000));
        assert_eq!(parse_nanodegrees("north"), None);
        for nano in [60_171_234_500i64, -123_456_789, 0, 7, 179_999_999_999] {
            assert_eq!(parse_nanodegrees(&format_nanodegrees(nano)), Some(nano), "{nano}");
            let x = degrees(nano);
            assert_eq!((x * 1e9).round() as i64, nano);
        }
    }
}
