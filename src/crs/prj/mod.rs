//! Reading shapefile `.prj` files: a small WKT1 parser (ESRI and OGC
//! dialects, with enough WKT2 to read an `ID["EPSG",n]`) and the rules that
//! map what it finds to a supported [`Crs`].

mod wkt;

use wkt::{Node, parse};

use crate::crs::projected::{self, Datum, Method, ProjectedCrs, Tmerc};
use crate::crs::{Crs, CrsError};

/// Lower-case, ASCII letters and digits only ("Gauss-Krüger" → "gausskruger").
fn squash(s: &str) -> String {
    s.chars()
        .map(|c| if c == 'ü' || c == 'Ü' { 'u' } else { c })
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Lower-case words separated by single underscores ("CGCS2000 / 3-degree" → "cgcs2000_3_degree").
fn words(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = if c == 'ü' || c == 'Ü' { 'u' } else { c };
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// What the geographic part of a WKT says about the datum.
enum DatumFound {
    Known(Datum),
    /// Not WGS 84 / CGCS2000; a description of what was found.
    Other(String),
}

/// WGS 84 / CGCS2000 GRS-80 ellipsoids: a = 6 378 137 m, 1/f ≈ 298.25722.
fn spheroid_ok(geog: &Node) -> bool {
    match geog.child(&["DATUM", "GEODETICDATUM", "TRF"]).and_then(|d| d.child(&["SPHEROID", "ELLIPSOID"])) {
        Some(s) => match (s.number(1), s.number(2)) {
            (Some(a), Some(rf)) => (a - 6_378_137.0).abs() < 0.5 && (rf - 298.257_22).abs() < 1e-4,
            _ => false,
        },
        None => true,
    }
}

/// Classifies the datum of a GEOGCS node by its names (and sanity-checks its ellipsoid).
fn classify_datum(geog: &Node) -> DatumFound {
    let datum_node = geog.child(&["DATUM", "GEODETICDATUM", "TRF", "ENSEMBLE"]);
    let datum_name = datum_node.and_then(Node::name).unwrap_or_default();
    let geog_name = geog.name().unwrap_or_default();
    let classify = |name: &str| {
        let s = squash(name);
        let s = s.strip_prefix("gcs").or_else(|| s.strip_prefix("d")).unwrap_or(&s);
        match s {
            "wgs1984" | "wgs84" | "worldgeodeticsystem1984" | "worldgeodeticsystem1984ensemble" => Some(Datum::Wgs84),
            "china2000" | "chinageodeticcoordinatesystem2000" | "cgcs2000" | "cgcs" => Some(Datum::Cgcs2000),
            _ => None,
        }
    };
    match classify(datum_name).or_else(|| classify(geog_name)) {
        Some(d) if spheroid_ok(geog) => DatumFound::Known(d),
        Some(_) => {
            DatumFound::Other(format!("geographic system '{geog_name}' whose ellipsoid is neither WGS 84 nor CGCS2000"))
        }
        None => DatumFound::Other(if datum_name.is_empty() {
            format!("geographic system '{geog_name}'")
        } else {
            format!("geographic system '{geog_name}' on datum '{datum_name}'")
        }),
    }
}

/// Recognises the CRS described by the text of a `.prj` file.
pub(crate) fn recognise(wkt: &str) -> Result<Crs, CrsError> {
    let text = wkt.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(CrsError::UnrecognisedPrj("the file is empty".to_string()));
    }
    let root = parse(text).map_err(|e| {
        let head: String = text.chars().take(60).collect();
        CrsError::UnrecognisedPrj(format!("it is not valid WKT ({e}); it starts with '{head}'"))
    })?;
    match root.keyword.as_str() {
        "GEOGCS" | "GEOGCRS" | "GEODCRS" | "GEOGRAPHICCRS" | "GEODETICCRS" => geographic(&root),
        "PROJCS" | "PROJCRS" | "PROJECTEDCRS" => projected(&root),
        other => Err(CrsError::UnrecognisedPrj(format!(
            "found a {other}[...] definition named '{}'; only geographic (GEOGCS) and projected \
             (PROJCS) systems are supported",
            root.name().unwrap_or_default()
        ))),
    }
}

/// A geographic CRS: WGS 84 or CGCS2000 in degrees from Greenwich.
fn geographic(root: &Node) -> Result<Crs, CrsError> {
    if let Some(code @ (4326 | 4490)) = root.epsg() {
        return Crs::from_epsg(code);
    }
    let name = root.name().unwrap_or_default();
    let datum = match classify_datum(root) {
        DatumFound::Known(d) => d,
        DatumFound::Other(what) => {
            return Err(CrsError::UnrecognisedPrj(format!(
                "found {what}; only WGS 84 and CGCS2000 longitude/latitude are supported"
            )));
        }
    };
    if let Some(pm) = root.child(&["PRIMEM", "PRIMEMERIDIAN"])
        && pm.number(1).is_some_and(|v| v != 0.0)
    {
        return Err(CrsError::UnrecognisedPrj(format!(
            "geographic system '{name}' uses prime meridian '{}' rather than Greenwich",
            pm.name().unwrap_or_default()
        )));
    }
    if let Some(unit) = root.child(&["UNIT", "ANGLEUNIT"])
        && unit.number(1).is_some_and(|f| (f - std::f64::consts::PI / 180.0).abs() > 1e-12)
    {
        return Err(CrsError::UnrecognisedPrj(format!(
            "geographic system '{name}' uses angular unit '{}' rather than degrees",
            unit.name().unwrap_or_default()
        )));
    }
    Ok(match datum {
        Datum::Wgs84 => Crs::Wgs84,
        Datum::Cgcs2000 => Crs::Cgcs2000,
    })
}

/// The EPSG code a projected CRS name stands for, when it follows one of the
/// ESRI or EPSG naming patterns of the supported families.
fn code_from_name(name: &str) -> Option<u32> {
    let w = words(name).replace("gauss_kruger", "gk").replace("gauss_krueger", "gk");
    let number = |s: &str| s.parse::<u32>().ok();
    if let Some(rest) = w.strip_prefix("cgcs2000_") {
        let (three, rest) = if let Some(r) = rest.strip_prefix("3_degree_gk_") {
            (true, r)
        } else if let Some(r) = rest.strip_prefix("6_degree_gk_").or_else(|| rest.strip_prefix("gk_")) {
            (false, r)
        } else {
            return None;
        };
        if let Some(z) = rest.strip_prefix("zone_") {
            let z = number(z)?;
            return if three { projected::gk3_zone_code(z) } else { projected::gk6_zone_code(z) };
        }
        let cm = number(rest.strip_prefix("cm_")?.strip_suffix('e')?)?;
        return if three { projected::gk3_cm_code(cm) } else { projected::gk6_cm_code(cm) };
    }
    for prefix in ["wgs_1984_utm_zone_", "wgs_84_utm_zone_", "wgs84_utm_zone_"] {
        if let Some(rest) = w.strip_prefix(prefix) {
            let (zone, south) =
                if let Some(z) = rest.strip_suffix('n') { (z, false) } else { (rest.strip_suffix('s')?, true) };
            return projected::utm_code(number(zone)?, south);
        }
    }
    match w.as_str() {
        "wgs_1984_web_mercator_auxiliary_sphere"
        | "wgs_1984_web_mercator"
        | "wgs_84_pseudo_mercator"
        | "wgs84_pseudo_mercator"
        | "popular_visualisation_crs_mercator" => Some(3857),
        _ => None,
    }
}

/// The projection method written in the WKT, as far as we distinguish them.
enum Projection {
    /// `Transverse_Mercator` / `Gauss_Kruger` with its parameters (or why they could not be read).
    Tmerc(Result<TmercFound, String>),
    /// Some flavour of (pseudo) Mercator.
    Mercator,
    /// Anything else, by name.
    Other(String),
    /// No projection information at all (only a name / authority).
    Missing,
}

/// Transverse Mercator parameters read from the WKT (datum not yet attached).
struct TmercFound {
    lon_0: f64,
    lat_0: f64,
    k: f64,
    x_0: f64,
    y_0: f64,
}

/// Reads the projection method and parameters of a PROJCS (WKT1 `PROJECTION` +
/// `PARAMETER`s, or WKT2 `CONVERSION[METHOD, PARAMETER...]`).
fn read_projection(root: &Node) -> Projection {
    let (method_name, param_holder) = if let Some(p) = root.child(&["PROJECTION"]) {
        (p.name().unwrap_or_default(), root)
    } else if let Some(conv) = root.child(&["CONVERSION"]) {
        let method = conv.child(&["METHOD", "PROJECTION"]);
        (method.and_then(Node::name).unwrap_or_default(), conv)
    } else {
        return Projection::Missing;
    };
    let method = squash(method_name);
    if method.contains("transversemercator") || method.contains("gausskruger") || method == "tmerc" {
        if method.contains("south") {
            return Projection::Other(method_name.to_string());
        }
        Projection::Tmerc(read_tmerc(root, param_holder))
    } else if method.contains("mercator") {
        Projection::Mercator
    } else {
        Projection::Other(method_name.to_string())
    }
}

/// Reads the transverse Mercator parameters and checks the linear unit is the metre.
fn read_tmerc(root: &Node, holder: &Node) -> Result<TmercFound, String> {
    let param = |names: &[&str], default: Option<f64>| -> Result<f64, String> {
        let found = holder
            .children()
            .filter(|n| n.keyword == "PARAMETER")
            .find(|n| n.name().is_some_and(|s| names.contains(&squash(s).as_str())));
        match (found, default) {
            (Some(n), _) => {
                n.number(1).ok_or_else(|| format!("parameter '{}' has no numeric value", n.name().unwrap_or_default()))
            }
            (None, Some(d)) => Ok(d),
            (None, None) => Err(format!("the '{}' parameter is missing", names[0])),
        }
    };
    if let Some(unit) = root.child(&["UNIT", "LENGTHUNIT"])
        && unit.number(1).is_some_and(|f| (f - 1.0).abs() > 1e-12)
    {
        return Err(format!("the linear unit is '{}' rather than metres", unit.name().unwrap_or_default()));
    }
    Ok(TmercFound {
        lon_0: param(&["centralmeridian", "longitudeofnaturalorigin", "longitudeofcenter", "longitudeoforigin"], None)?,
        lat_0: param(&["latitudeoforigin", "latitudeofnaturalorigin", "latitudeofcenter"], Some(0.0))?,
        k: param(&["scalefactor", "scalefactoratnaturalorigin"], Some(1.0))?,
        x_0: param(&["falseeasting"], Some(0.0))?,
        y_0: param(&["falsenorthing"], Some(0.0))?,
    })
}

/// The EPSG code whose definition equals these transverse Mercator parameters.
/// Where two codes share identical parameters (a 6-degree CM variant and the
/// 3-degree CM variant of the same meridian), `hint` (the code from the name)
/// picks one, else the 3-degree one.
fn code_from_params(t: &Tmerc, hint: Option<u32>) -> Option<u32> {
    let lon = t.lon_0.round();
    if (t.lon_0 - lon).abs() > 1e-7 || t.lat_0.abs() > 1e-7 {
        return None;
    }
    let candidates: Vec<u32> = match t.datum {
        Datum::Cgcs2000 if (t.k - 1.0).abs() < 1e-10 && t.y_0.abs() < 1e-3 => {
            if !(75.0..=135.0).contains(&lon) {
                return None;
            }
            let cm = lon as u32;
            if (t.x_0 - 500_000.0).abs() < 1e-3 {
                [projected::gk3_cm_code(cm), projected::gk6_cm_code(cm)].into_iter().flatten().collect()
            } else {
                let zone = ((t.x_0 - 500_000.0) / 1e6).round();
                if (t.x_0 - (zone * 1e6 + 500_000.0)).abs() > 1e-3 || !(1.0..=60.0).contains(&zone) {
                    return None;
                }
                let zone = zone as u32;
                [
                    projected::gk3_zone_code(zone).filter(|_| zone * 3 == cm),
                    projected::gk6_zone_code(zone).filter(|_| zone * 6 - 3 == cm),
                ]
                .into_iter()
                .flatten()
                .collect()
            }
        }
        Datum::Wgs84 if (t.k - 0.9996).abs() < 1e-10 && (t.x_0 - 500_000.0).abs() < 1e-3 => {
            let south = if t.y_0.abs() < 1e-3 {
                false
            } else if (t.y_0 - 10_000_000.0).abs() < 1e-3 {
                true
            } else {
                return None;
            };
            let zone = (t.lon_0 + 183.0) / 6.0;
            if (zone - zone.round()).abs() > 1e-8 || !(1.0..=60.0).contains(&zone.round()) {
                return None;
            }
            projected::utm_code(zone.round() as u32, south).into_iter().collect()
        }
        _ => Vec::new(),
    };
    match hint {
        Some(h) if candidates.contains(&h) => Some(h),
        _ => candidates.first().copied(),
    }
}

/// A projected CRS: by authority or name when the parameters agree, else by parameters.
fn projected(root: &Node) -> Result<Crs, CrsError> {
    let name = root.name().unwrap_or_default();
    let geog = root.child(&["GEOGCS", "BASEGEOGCRS", "BASEGEODCRS"]);
    let datum = geog.map(classify_datum);
    let projection = read_projection(root);

    // An EPSG authority or a recognised name, trusted when the file's parameters agree.
    let by_authority = root.epsg().filter(|c| projected::supported_codes().any(|s| s == *c));
    let by_name = code_from_name(name);
    for code in [by_authority, by_name].into_iter().flatten() {
        let Some(candidate) = ProjectedCrs::from_epsg(code)? else {
            continue;
        };
        let agrees = match (&projection, candidate.method(), &datum) {
            (_, _, Some(DatumFound::Other(_))) => false,
            (Projection::Missing, _, _) => true,
            (Projection::Mercator, Method::WebMercator, _) => true,
            (Projection::Tmerc(Ok(found)), Method::Tmerc(expected), _) => {
                let as_read = Tmerc {
                    datum: expected.datum,
                    lon_0: found.lon_0,
                    lat_0: found.lat_0,
                    k: found.k,
                    x_0: found.x_0,
                    y_0: found.y_0,
                };
                as_read.same_as(expected)
            }
            _ => false,
        };
        if agrees {
            return Ok(Crs::Projected(candidate));
        }
    }

    // Fall back to the projection parameters.
    let datum = match datum {
        Some(DatumFound::Known(d)) => d,
        Some(DatumFound::Other(what)) => {
            return Err(CrsError::UnrecognisedPrj(format!(
                "found projected system '{name}' based on {what}; only WGS 84 and CGCS2000 based \
                 systems are supported (reproject the data, e.g. in QGIS, or state the CRS)"
            )));
        }
        None => {
            return Err(CrsError::UnrecognisedPrj(format!(
                "found projected system '{name}' without a recognisable EPSG code, name or \
                 geographic base system"
            )));
        }
    };
    match projection {
        Projection::Tmerc(Ok(found)) => {
            let t = Tmerc { datum, lon_0: found.lon_0, lat_0: found.lat_0, k: found.k, x_0: found.x_0, y_0: found.y_0 };
            let valid = [t.lon_0, t.lat_0, t.k, t.x_0, t.y_0].iter().all(|v| v.is_finite())
                && t.k > 0.0
                && t.lat_0.abs() < 90.0
                && t.lon_0.abs() <= 360.0;
            if !valid {
                return Err(CrsError::UnrecognisedPrj(format!(
                    "projected system '{name}' has out-of-range transverse Mercator parameters"
                )));
            }
            match code_from_params(&t, by_name) {
                Some(code) => Crs::from_epsg(code),
                None => {
                    let label = if name.is_empty() { "Custom transverse Mercator" } else { name };
                    ProjectedCrs::custom_tmerc(label, t).map(Crs::Projected)
                }
            }
        }
        Projection::Tmerc(Err(why)) => {
            Err(CrsError::UnrecognisedPrj(format!("found transverse Mercator system '{name}' but {why}")))
        }
        Projection::Mercator => Err(CrsError::UnrecognisedPrj(format!(
            "found Mercator system '{name}', which is not Web Mercator (EPSG:3857)"
        ))),
        Projection::Other(method) => Err(CrsError::UnrecognisedPrj(format!(
            "found projected system '{name}' using the '{method}' projection; only transverse \
             Mercator (Gauss-Krüger, UTM) and Web Mercator are supported"
        ))),
        Projection::Missing => {
            Err(CrsError::UnrecognisedPrj(format!("found projected system '{name}' without a projection method")))
        }
    }
}

#[cfg(test)]
mod tests;
