//! Point shapefiles of a table: the representative points with .prj and .cpg, field names cut
//! to DBF's 10 characters by each column's `dbf` name.

use std::path::Path;

use geo::Coord;

use super::file_step;
use super::table::{Cell, Table};
use super::text::out_coord;
use crate::crs::Crs;
use crate::error::Result;
use crate::io::layer::Value;
use crate::io::shapefile::{ShpField, write_point_shapefile};
use crate::progress::Progress;

/// Writes a table as a point shapefile (representative points) with .prj and .cpg, as a step
/// `"writing <file name>"` (rows) on `progress`.
pub fn write_shp(table: &Table, path: &Path, crs: &Crs, progress: &dyn Progress) -> Result<()> {
    let step = file_step(progress, path, table.rows);
    let fields: Vec<ShpField> = table.columns.iter().map(|c| ShpField { name: c.dbf.clone(), kind: c.kind }).collect();
    let mut failure = None;
    let rows = (0..table.rows).map_while(|i| {
        step.advance(1);
        let mut cells = Vec::with_capacity(table.columns.len());
        table.values(i, &mut cells);
        let values: Vec<Value> = cells.iter().map(Cell::to_value).collect();
        let p = (table.geometry)(i).1;
        match out_coord(crs, Coord { x: p[0], y: p[1] }) {
            Ok(c) => Some(([c.x, c.y], values)),
            Err(e) => {
                failure = Some(e);
                None
            }
        }
    });
    write_point_shapefile(path, &fields, rows, &crs.esri_wkt())?;
    match failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
