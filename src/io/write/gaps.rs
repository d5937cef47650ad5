//! gaps.geojson: the gap areas of every category (largest first), then every cell holding a
//! residence with its uncovered households and residents per category. Polygons are written
//! in the output CRS like the other layers; GeoJSON only.
//!
//! Area properties: `kind` = "area", `category`, `name_zh`, `name_en`, `rank`, `households`,
//! `population` (those not covered), `cells`, `area_m2`. Cell properties: `kind` = "cell",
//! `cell` (`r<row>c<column>` or `q<q>r<r>`), `residences`, `households`, `population`, and
//! per category with a radius `gap_hh_<category>` and `gap_pop_<category>`.

use std::path::Path;

use geo::{Coord, Geometry, MapCoords, Polygon};

use super::geojson::{CollectionHead, CoordWriter, write_geojson_collection};
use super::layers::round1;
use super::text::{push_json_string, push_number};
use crate::analysis::{Analysis, Gaps};
use crate::crs::Crs;
use crate::error::Result;
use crate::progress::Progress;

/// Writes gaps.geojson for `gaps` (from `a`) to `path` in `crs`, as a step
/// `"writing <file name>"` (features: areas and cells) on `progress`.
pub fn write_gaps(a: &Analysis, gaps: &Gaps, path: &Path, crs: &Crs, progress: &dyn Progress) -> Result<()> {
    let cw = CoordWriter::new(crs);
    let lonlat = |c: Coord<f64>| {
        let (x, y) = a.projection.inverse(c.x, c.y);
        Coord { x, y }
    };
    let key = |name: String| serde_json::to_string(&name).unwrap_or_default();
    let gap_keys: Vec<(String, String)> = gaps
        .categories
        .iter()
        .map(|&c| {
            let id = &a.profile.categories[c].id;
            (key(format!("gap_hh_{id}")), key(format!("gap_pop_{id}")))
        })
        .collect();
    let areas = gaps.areas.len();
    let number = |s: &mut String, name: &str, x: f64| {
        s.push_str(",\"");
        s.push_str(name);
        s.push_str("\":");
        push_number(s, x);
    };
    let head = CollectionHead { crs: Some(crs), blank_line_when_empty: true, ..CollectionHead::default() };
    let feature = |i: usize, s: &mut String| -> Result<()> {
        s.push_str(r#"{"type":"Feature","geometry":"#);
        if let Some(g) = gaps.areas.get(i) {
            let mp = g.polygon.map_coords(lonlat);
            let geometry = match <[Polygon<f64>; 1]>::try_from(mp.0) {
                Ok([p]) => Geometry::Polygon(p),
                Err(many) => Geometry::MultiPolygon(geo::MultiPolygon(many)),
            };
            cw.geometry(s, &geometry)?;
            let cat = &a.profile.categories[g.category];
            s.push_str(r#","properties":{"kind":"area","category":"#);
            push_json_string(s, &cat.id);
            s.push_str(r#","name_zh":"#);
            push_json_string(s, &cat.name_zh);
            s.push_str(r#","name_en":"#);
            push_json_string(s, &cat.name_en);
            number(s, "rank", g.rank as f64);
            number(s, "households", round1(g.households));
            number(s, "population", round1(g.population));
            number(s, "cells", g.cells.len() as f64);
            number(s, "area_m2", g.area_m2.round());
        } else {
            let cell = &gaps.cells[i - areas];
            cw.geometry(s, &Geometry::Polygon(gaps.cell_polygon(cell.key).map_coords(lonlat)))?;
            s.push_str(r#","properties":{"kind":"cell","cell":"#);
            push_json_string(s, &gaps.cell_id(cell.key));
            number(s, "residences", cell.residences as f64);
            number(s, "households", round1(cell.households));
            number(s, "population", round1(cell.population));
            for (j, (hh, pop)) in gap_keys.iter().enumerate() {
                for (k, x) in [(hh, cell.gap_households[j]), (pop, cell.gap_population[j])] {
                    s.push(',');
                    s.push_str(k);
                    s.push(':');
                    push_number(s, round1(x));
                }
            }
        }
        s.push_str("}}");
        Ok(())
    };
    write_geojson_collection(path, &head, areas + gaps.cells.len(), progress, || &feature)
}
