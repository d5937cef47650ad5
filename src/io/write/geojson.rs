//! The one GeoJSON writer: a FeatureCollection streamed to a file, its features formatted in
//! parallel blocks and written in order (the same bytes for any thread count). The analysis
//! layers ([`write_geojson`]), gaps.geojson and the import-osm layers all go through
//! [`write_geojson_collection`]; each gives the members before `features` and a function that
//! appends one feature.

use std::io::{BufWriter, Write};
use std::path::Path;

use geo::{Coord, Geometry};

use super::blocks::write_in_blocks;
use super::table::{Cell, Table};
use super::text::{coord_decimals, out_coord, push_fixed, push_json_string, push_number};
use super::{file_step, werr};
use crate::crs::Crs;
use crate::error::Result;
use crate::io::output::create_new;
use crate::progress::Progress;

/// The members of a FeatureCollection written before its `features`, and its layout.
#[derive(Debug, Clone, Copy, Default)]
pub struct CollectionHead<'a> {
    /// A `name` member (import-osm layers).
    pub name: Option<&'a str>,
    /// An `attribution` member (import-osm layers).
    pub attribution: Option<&'a str>,
    /// A `crs` member naming this CRS, when it is not WGS84 (analysis layers).
    pub crs: Option<&'a Crs>,
    /// Whether a collection without features keeps an empty line between `[` and `]` (the
    /// analysis layers have always been written so; import-osm layers are not).
    pub blank_line_when_empty: bool,
}

impl CollectionHead<'_> {
    /// The text from `{` up to and including the `[` of `features` and its newline.
    fn opening(&self) -> String {
        let json = |t: &str| serde_json::to_string(t).unwrap_or_default();
        let mut head = String::from(r#"{"type":"FeatureCollection","#);
        if let Some(name) = self.name {
            head.push_str(r#""name":"#);
            head.push_str(&json(name));
            head.push(',');
        }
        if let Some(attribution) = self.attribution {
            head.push_str(r#""attribution":"#);
            head.push_str(&json(attribution));
            head.push(',');
        }
        if let Some(urn) = self.crs.and_then(Crs::ogc_urn) {
            head.push_str(r#""crs":{"type":"name","properties":{"name":"#);
            head.push_str(&json(&urn));
            head.push_str("}},");
        }
        head.push_str("\"features\":[\n");
        head
    }
}

/// Writes a FeatureCollection of `features` features to `path` (created new: callers wanting
/// atomic output pass an [`crate::io::output::OutputDir`] staging path), one feature per line,
/// as a step `"writing <file name>"` (features) on `progress`. Features are formatted in parallel
/// blocks: `formatter()` makes the formatter of one block (it may keep scratch buffers), which
/// appends feature `i` to the text it is given.
pub fn write_geojson_collection<F, G>(
    path: &Path,
    head: &CollectionHead,
    features: usize,
    progress: &dyn Progress,
    formatter: F,
) -> Result<()>
where
    F: Fn() -> G + Sync,
    G: FnMut(usize, &mut String) -> Result<()>,
{
    let step = file_step(progress, path, features);
    let file = create_new(path)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(head.opening().as_bytes()).map_err(werr(path))?;
    write_in_blocks(&mut w, path, features, &step, |rows, s| {
        let mut feature = formatter();
        for i in rows {
            if i > 0 {
                s.push_str(",\n");
            }
            feature(i, s)?;
        }
        Ok(())
    })?;
    let tail: &[u8] = if features > 0 || head.blank_line_when_empty { b"\n]}\n" } else { b"]}\n" };
    w.write_all(tail).map_err(werr(path))?;
    w.flush().map_err(werr(path))?;
    Ok(())
}

/// Appends geometries as GeoJSON in the output CRS with a fixed number of decimals.
pub(super) struct CoordWriter<'c> {
    pub(super) crs: &'c Crs,
    pub(super) decimals: usize,
}

impl CoordWriter<'_> {
    fn pos(&self, s: &mut String, c: Coord<f64>) -> Result<()> {
        let c = out_coord(self.crs, c)?;
        s.push('[');
        push_fixed(s, c.x, self.decimals);
        s.push(',');
        push_fixed(s, c.y, self.decimals);
        s.push(']');
        Ok(())
    }
    fn line(&self, s: &mut String, coords: &[Coord<f64>]) -> Result<()> {
        s.push('[');
        for (i, c) in coords.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            self.pos(s, *c)?;
        }
        s.push(']');
        Ok(())
    }
    fn polygon(&self, s: &mut String, p: &geo::Polygon<f64>) -> Result<()> {
        s.push('[');
        self.line(s, &p.exterior().0)?;
        for r in p.interiors() {
            s.push(',');
            self.line(s, &r.0)?;
        }
        s.push(']');
        Ok(())
    }
    pub(super) fn geometry(&self, s: &mut String, g: &Geometry<f64>) -> Result<()> {
        match g {
            Geometry::Point(p) => {
                s.push_str(r#"{"type":"Point","coordinates":"#);
                self.pos(s, p.0)?;
            }
            Geometry::MultiPoint(mp) => {
                s.push_str(r#"{"type":"MultiPoint","coordinates":"#);
                let cs: Vec<Coord<f64>> = mp.0.iter().map(|p| p.0).collect();
                self.line(s, &cs)?;
            }
            Geometry::LineString(l) => {
                s.push_str(r#"{"type":"LineString","coordinates":"#);
                self.line(s, &l.0)?;
            }
            Geometry::MultiLineString(ml) => {
                s.push_str(r#"{"type":"MultiLineString","coordinates":["#);
                for (i, l) in ml.0.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    self.line(s, &l.0)?;
                }
                s.push(']');
            }
            Geometry::Polygon(p) => {
                s.push_str(r#"{"type":"Polygon","coordinates":"#);
                self.polygon(s, p)?;
            }
            Geometry::MultiPolygon(mp) => {
                s.push_str(r#"{"type":"MultiPolygon","coordinates":["#);
                for (i, p) in mp.0.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    self.polygon(s, p)?;
                }
                s.push(']');
            }
            _ => {
                s.push_str("null");
                return Ok(());
            }
        }
        s.push('}');
        Ok(())
    }
}

impl<'c> CoordWriter<'c> {
    /// Writes in `crs` with its usual decimals (7 in degrees, 3 in metres).
    pub(super) fn new(crs: &'c Crs) -> Self {
        CoordWriter { crs, decimals: coord_decimals(crs) }
    }
}

/// Writes a table as a GeoJSON FeatureCollection in `crs` (with a `crs` member when it is not
/// WGS84), as a step `"writing <file name>"` (rows) on `progress`.
pub fn write_geojson(table: &Table, path: &Path, crs: &Crs, progress: &dyn Progress) -> Result<()> {
    let names: Vec<String> = table.columns.iter().map(|c| serde_json::to_string(&c.name).unwrap_or_default()).collect();
    let cw = CoordWriter::new(crs);
    let head = CollectionHead { crs: Some(crs), blank_line_when_empty: true, ..CollectionHead::default() };
    write_geojson_collection(path, &head, table.rows, progress, || {
        let (names, cw) = (&names, &cw);
        let mut values = Vec::with_capacity(table.columns.len());
        move |i, s: &mut String| {
            s.push_str(r#"{"type":"Feature","geometry":"#);
            cw.geometry(s, (table.geometry)(i).0)?;
            s.push_str(r#","properties":{"#);
            table.values(i, &mut values);
            for (k, v) in values.iter().enumerate() {
                if k > 0 {
                    s.push(',');
                }
                s.push_str(&names[k]);
                s.push(':');
                match v {
                    Cell::Null => s.push_str("null"),
                    Cell::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
                    Cell::Number(x) => push_number(s, *x),
                    Cell::Str(t) => push_json_string(s, t),
                    Cell::Owned(t) => push_json_string(s, t),
                }
            }
            s.push_str("}}");
            Ok(())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    fn written(head: &CollectionHead, features: usize) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layer.geojson");
        write_geojson_collection(&path, head, features, &NoProgress, || {
            |i: usize, s: &mut String| {
                s.push_str(&format!("{{\"i\":{i}}}"));
                Ok(())
            }
        })
        .unwrap();
        std::fs::read_to_string(&path).unwrap()
    }

    #[test]
    fn the_layouts_of_the_analysis_and_import_layers_are_kept() {
        let analysis = CollectionHead { crs: Some(&Crs::Wgs84), blank_line_when_empty: true, ..Default::default() };
        assert_eq!(written(&analysis, 0), "{\"type\":\"FeatureCollection\",\"features\":[\n\n]}\n");
        assert_eq!(
            written(&analysis, 2),
            "{\"type\":\"FeatureCollection\",\"features\":[\n{\"i\":0},\n{\"i\":1}\n]}\n"
        );
        let import = CollectionHead { name: Some("zones"), attribution: Some("© OSM"), ..Default::default() };
        let open = "{\"type\":\"FeatureCollection\",\"name\":\"zones\",\"attribution\":\"© OSM\",\"features\":[\n";
        assert_eq!(written(&import, 0), format!("{open}]}}\n"));
        assert_eq!(written(&import, 1), format!("{open}{{\"i\":0}}\n]}}\n"));
    }
}
