//! TEMPORARY STUB — replaced by the real CRS module.
#![allow(missing_docs, dead_code, unused_variables)]
pub mod gcj02 {
    pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
        (lon, lat)
    }
    pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
        (lon, lat)
    }
}
#[derive(Debug, thiserror::Error)]
pub enum CrsError {
    #[error("unknown coordinate reference system '{0}'")]
    Unknown(String),
}
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectedCrs {
    epsg: u32,
}
impl ProjectedCrs {
    pub fn epsg(&self) -> u32 {
        self.epsg
    }
    pub fn name(&self) -> &str {
        ""
    }
}
#[derive(Debug, Clone, PartialEq)]
pub enum Crs {
    Wgs84,
    Cgcs2000,
    Gcj02,
    Bd09,
    Projected(ProjectedCrs),
}
impl Crs {
    pub fn parse(text: &str) -> Result<Crs, CrsError> {
        match text.to_ascii_lowercase().as_str() {
            "wgs84" | "epsg:4326" => Ok(Crs::Wgs84),
            "gcj02" => Ok(Crs::Gcj02),
            "cgcs2000" | "epsg:4490" => Ok(Crs::Cgcs2000),
            "epsg:4547" => Ok(Crs::Projected(ProjectedCrs { epsg: 4547 })),
            _ => Err(CrsError::Unknown(text.into())),
        }
    }
    pub fn from_prj(wkt: &str) -> Result<Crs, CrsError> {
        if wkt.contains("WGS") { Ok(Crs::Wgs84) } else { Err(CrsError::Unknown(wkt.into())) }
    }
    pub fn from_ogc_name(name: &str) -> Result<Crs, CrsError> {
        if name.contains("4326") || name.contains("CRS84") {
            Ok(Crs::Wgs84)
        } else {
            Err(CrsError::Unknown(name.into()))
        }
    }
    pub fn is_geographic(&self) -> bool {
        !matches!(self, Crs::Projected(_))
    }
    pub fn label(&self) -> String {
        format!("{self:?}")
    }
    pub fn to_wgs84(&self, x: f64, y: f64) -> Result<(f64, f64), CrsError> {
        Ok((x, y))
    }
    pub fn from_wgs84(&self, lon: f64, lat: f64) -> Result<(f64, f64), CrsError> {
        Ok((lon, lat))
    }
    pub fn ogc_urn(&self) -> Option<String> {
        None
    }
    pub fn esri_wkt(&self) -> String {
        String::new()
    }
}
#[derive(Debug, Clone)]
pub struct LocalProjection {
    lon0: f64,
    lat0: f64,
    kx: f64,
}
impl LocalProjection {
    pub fn new(lon0: f64, lat0: f64) -> LocalProjection {
        LocalProjection { lon0, lat0, kx: lat0.to_radians().cos() }
    }
    pub fn centred_on(points: impl IntoIterator<Item = (f64, f64)>) -> Option<LocalProjection> {
        let (mut a, mut b, mut c, mut d) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
        for (x, y) in points {
            a = a.min(x);
            b = b.min(y);
            c = c.max(x);
            d = d.max(y);
        }
        if a.is_finite() { Some(Self::new((a + c) / 2.0, (b + d) / 2.0)) } else { None }
    }
    pub fn centre(&self) -> (f64, f64) {
        (self.lon0, self.lat0)
    }
    pub fn forward(&self, lon: f64, lat: f64) -> [f64; 2] {
        [(lon - self.lon0).to_radians() * 6371000.0 * self.kx, (lat - self.lat0).to_radians() * 6371000.0]
    }
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        (self.lon0 + (x / 6371000.0 / self.kx).to_degrees(), self.lat0 + (y / 6371000.0).to_degrees())
    }
    pub fn describe(&self) -> String {
        String::new()
    }
}
