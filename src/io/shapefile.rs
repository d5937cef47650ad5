//! TEMPORARY STUB — replaced by the real shapefile module.
#![allow(missing_docs, unused_variables)]
use crate::error::{Error, Location, Result};
use crate::io::layer::{Layer, Value};
use std::path::Path;
pub fn read_shapefile(path: &Path, dbf_encoding: Option<&'static encoding_rs::Encoding>) -> Result<Layer> {
    Err(Error::input(Location::file(path), "shapefile reading not built yet"))
}
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldKind {
    Text,
    Number { decimals: u8 },
    Bool,
}
#[derive(Debug, Clone, PartialEq)]
pub struct ShpField {
    pub name: String,
    pub kind: FieldKind,
}
pub fn write_point_shapefile<I>(path: &Path, fields: &[ShpField], rows: I, prj_wkt: &str) -> Result<()>
where
    I: IntoIterator<Item = ([f64; 2], Vec<Value>)>,
{
    Err(Error::input(Location::file(path), "shapefile writing not built yet"))
}
