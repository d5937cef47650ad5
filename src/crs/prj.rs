//! Reading shapefile `.prj` files: a small WKT1 parser (ESRI and OGC
//! dialects, with enough WKT2 to read an `ID["EPSG",n]`) and the rules that
//! map what it finds to a supported [`Crs`].

use std::fmt;

use crate::crs::projected::{self, Datum, Method, ProjectedCrs, Tmerc};
use crate::crs::{Crs, CrsError};

/// One WKT value: a quoted string, a number, a bare word (e.g. `EAST`) or a nested node.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Number(f64),
    Word(String),
    Node(Node),
}

/// A WKT node `KEYWORD[arg, arg, ...]`; the keyword is stored upper-case.
#[derive(Debug, Clone, PartialEq)]
struct Node {
    keyword: String,
    args: Vec<Value>,
}

impl Node {
    /// The node's name: its first argument when that is a string.
    fn name(&self) -> Option<&str> {
        match self.args.first() {
            Some(Value::Text(s)) => Some(s),
            _ => None,
        }
    }

    /// Direct child nodes.
    fn children(&self) -> impl Iterator<Item = &Node> {
        self.args.iter().filter_map(|v| match v {
            Value::Node(n) => Some(n),
            _ => None,
        })
    }

    /// First direct child whose keyword is one of `keywords`.
    fn child(&self, keywords: &[&str]) -> Option<&Node> {
        self.children().find(|n| keywords.contains(&n.keyword.as_str()))
    }

    /// The `i`-th argument as a number (numbers written as strings are accepted).
    fn number(&self, i: usize) -> Option<f64> {
        match self.args.get(i) {
            Some(Value::Number(x)) => Some(*x),
            Some(Value::Text(s)) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The EPSG code of a direct `AUTHORITY["EPSG","n"]` or `ID["EPSG",n]` child.
    fn epsg(&self) -> Option<u32> {
        let auth = self.child(&["AUTHORITY", "ID"])?;
        if !auth.name()?.eq_ignore_ascii_case("EPSG") {
            return None;
        }
        let code = auth.number(1)?;
        (code >= 0.0 && code <= f64::from(u32::MAX) && code.fract() == 0.0).then_some(code as u32)
    }
}

/// A syntax error in the WKT text, with the byte offset where it was found.
#[derive(Debug)]
struct SyntaxError {
    at: usize,
    what: &'static str,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

/// Recursive-descent WKT parser over the input bytes.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

/// Deepest nesting accepted (real CRS WKT nests 4–6 levels).
const MAX_DEPTH: usize = 64;

impl<'a> Parser<'a> {
    /// A syntax error at the current position.
    fn error(&self, what: &'static str) -> SyntaxError {
        SyntaxError { at: self.pos, what }
    }

    /// The current byte, if any.
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skips white space (including line breaks).
    fn skip_space(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    /// A keyword or bare word: letters, digits and underscores.
    fn word(&mut self) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_') {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    /// `KEYWORD[...]` or `KEYWORD(...)`.
    fn node(&mut self) -> Result<Node, SyntaxError> {
        self.skip_space();
        let keyword = self.word();
        if keyword.is_empty() || !keyword.as_bytes()[0].is_ascii_alphabetic() {
            return Err(self.error("expected a WKT keyword"));
        }
        self.skip_space();
        let close = match self.peek() {
            Some(b'[') => b']',
            Some(b'(') => b')',
            _ => return Err(self.error("expected '[' after a keyword")),
        };
        self.pos += 1;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let mut args = Vec::new();
        self.skip_space();
        if self.peek() == Some(close) {
            self.pos += 1;
        } else {
            loop {
                args.push(self.value()?);
                self.skip_space();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b) if b == close => {
                        self.pos += 1;
                        break;
                    }
                    Some(_) => return Err(self.error("expected ',' or a closing bracket")),
                    None => return Err(self.error("unexpected end of text (unbalanced brackets)")),
                }
            }
        }
        self.depth -= 1;
        Ok(Node { keyword: keyword.to_ascii_uppercase(), args })
    }

    /// One argument of a node.
    fn value(&mut self) -> Result<Value, SyntaxError> {
        self.skip_space();
        match self.peek() {
            Some(b'"') => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    let rest = &self.text[self.pos..];
                    let Some(q) = rest.find('"') else {
                        return Err(self.error("unterminated string"));
                    };
                    s.push_str(&rest[..q]);
                    self.pos += q + 1;
                    // WKT2 escapes a quote by doubling it.
                    if self.peek() == Some(b'"') {
                        s.push('"');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                Ok(Value::Text(s))
            }
            Some(b) if b == b'-' || b == b'+' || b == b'.' || b.is_ascii_digit() => {
                let start = self.pos;
                while self.peek().is_some_and(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')) {
                    self.pos += 1;
                }
                self.text[start..self.pos]
                    .parse()
                    .map(Value::Number)
                    .map_err(|_| SyntaxError { at: start, what: "malformed number" })
            }
            Some(b) if b.is_ascii_alphabetic() => {
                let start = self.pos;
                let word = self.word();
                self.skip_space();
                if matches!(self.peek(), Some(b'[' | b'(')) {
                    self.pos = start;
                    self.node().map(Value::Node)
                } else {
                    Ok(Value::Word(word.to_string()))
                }
            }
            Some(_) => Err(self.error("unexpected character")),
            None => Err(self.error("unexpected end of text")),
        }
    }
}

/// Parses one WKT node (the whole text, apart from surrounding white space).
fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut p = Parser { text, pos: 0, depth: 0 };
    let node = p.node()?;
    p.skip_space();
    if p.pos != text.len() {
        return Err(p.error("unexpected text after the closing bracket"));
    }
    Ok(node)
}

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
mod tests {
    use super::*;

    fn epsg_of(wkt: &str) -> Option<u32> {
        match Crs::from_prj(wkt).unwrap() {
            Crs::Wgs84 => Some(4326),
            Crs::Cgcs2000 => Some(4490),
            Crs::Projected(p) => p.epsg(),
            other => panic!("unexpected {other:?}"),
        }
    }

    const ESRI_WGS84: &str = r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    const OGC_WGS84: &str = r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]"#;
    const ESRI_CGCS2000: &str = r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
    const OGC_CGCS2000: &str = r#"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]]"#;
    /// GDAL/PROJ WKT1 of EPSG:4547 (pyproj `to_wkt(WktVersion.WKT1_GDAL)`).
    const OGC_4547: &str = r#"PROJCS["CGCS2000 / 3-degree Gauss-Kruger CM 114E",GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4490"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",114],PARAMETER["scale_factor",1],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AUTHORITY["EPSG","4547"]]"#;
    const OGC_32650: &str = r#"PROJCS["WGS 84 / UTM zone 50N",GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],PROJECTION["Transverse_Mercator"],PARAMETER["latitude_of_origin",0],PARAMETER["central_meridian",117],PARAMETER["scale_factor",0.9996],PARAMETER["false_easting",500000],PARAMETER["false_northing",0],UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH],AUTHORITY["EPSG","32650"]]"#;

    /// ESRI-style PROJCS with the given name, datum and tmerc parameters.
    fn esri_tmerc(name: &str, cgcs: bool, projection: &str, cm: f64, fe: f64, fnorth: f64, k: f64) -> String {
        let geog = if cgcs { ESRI_CGCS2000 } else { ESRI_WGS84 };
        format!(
            "PROJCS[\"{name}\",{geog},PROJECTION[\"{projection}\"],PARAMETER[\"False_Easting\",{fe:?}],\
             PARAMETER[\"False_Northing\",{fnorth:?}],PARAMETER[\"Central_Meridian\",{cm:?}],\
             PARAMETER[\"Scale_Factor\",{k:?}],PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]"
        )
    }

    #[test]
    fn geographic_systems() {
        assert_eq!(epsg_of(ESRI_WGS84), Some(4326));
        assert_eq!(epsg_of(OGC_WGS84), Some(4326));
        assert_eq!(epsg_of(ESRI_CGCS2000), Some(4490));
        assert_eq!(epsg_of(OGC_CGCS2000), Some(4490));
        // A byte-order mark, CRLF and line breaks are fine.
        let messy = format!("\u{feff}{}\r\n", OGC_CGCS2000.replace(',', ",\n  "));
        assert_eq!(epsg_of(&messy), Some(4490));
        // Without authority, by name only.
        let plain = r#"GEOGCS["CGCS2000",DATUM["China 2000",SPHEROID["CGCS2000",6378137,298.257222101]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]"#;
        assert_eq!(epsg_of(plain), Some(4490));
    }

    #[test]
    fn gauss_kruger_names() {
        for (name, code) in [
            ("CGCS2000_3_Degree_GK_CM_117E", 4548),
            ("CGCS2000_3_Degree_GK_Zone_39", 4527),
            ("CGCS2000_6_Degree_GK_Zone_20", 4498),
            ("CGCS2000_GK_Zone_20", 4498),
            ("CGCS2000_6_Degree_GK_CM_117E", 4509),
            ("CGCS2000_GK_CM_117E", 4509),
            ("CGCS2000 / 3-degree Gauss-Kruger CM 117E", 4548),
            ("CGCS2000 / 3-degree Gauss-Kruger zone 39", 4527),
            ("CGCS2000 / Gauss-Kruger zone 20", 4498),
            ("CGCS2000 / Gauss-Krüger CM 117E", 4509),
        ] {
            assert_eq!(code_from_name(name), Some(code), "{name}");
            // A bare PROJCS with just the name.
            let bare = format!("PROJCS[\"{name}\",{ESRI_CGCS2000},UNIT[\"Meter\",1.0]]");
            assert_eq!(epsg_of(&bare), Some(code), "{name}");
        }
        // With matching parameters, as ArcGIS writes them.
        let wkt = esri_tmerc("CGCS2000_3_Degree_GK_CM_117E", true, "Gauss_Kruger", 117.0, 500_000.0, 0.0, 1.0);
        assert_eq!(epsg_of(&wkt), Some(4548));
        let wkt =
            esri_tmerc("CGCS2000_3_Degree_GK_Zone_39", true, "Transverse_Mercator", 117.0, 39_500_000.0, 0.0, 1.0);
        assert_eq!(epsg_of(&wkt), Some(4527));
        let wkt = esri_tmerc("CGCS2000_6_Degree_GK_CM_117E", true, "Gauss_Kruger", 117.0, 500_000.0, 0.0, 1.0);
        assert_eq!(epsg_of(&wkt), Some(4509));
        assert_eq!(code_from_name("CGCS2000_3_Degree_GK_CM_118E"), None);
        assert_eq!(code_from_name("CGCS2000_3_Degree_GK_Zone_46"), None);
        assert_eq!(code_from_name("Xian_1980_3_Degree_GK_CM_117E"), None);
    }

    #[test]
    fn utm_and_web_mercator_names() {
        for (name, code) in [
            ("WGS_1984_UTM_Zone_50N", 32650),
            ("WGS 84 / UTM zone 50N", 32650),
            ("WGS 84 / UTM zone 50S", 32750),
            ("WGS_1984_UTM_Zone_1S", 32701),
            ("WGS_1984_Web_Mercator_Auxiliary_Sphere", 3857),
            ("WGS 84 / Pseudo-Mercator", 3857),
        ] {
            assert_eq!(code_from_name(name), Some(code), "{name}");
        }
        assert_eq!(code_from_name("WGS_1984_UTM_Zone_61N"), None);
        let wkt = esri_tmerc("WGS_1984_UTM_Zone_50N", false, "Transverse_Mercator", 117.0, 500_000.0, 0.0, 0.9996);
        assert_eq!(epsg_of(&wkt), Some(32650));
    }

    #[test]
    fn outermost_authority() {
        assert_eq!(epsg_of(OGC_4547), Some(4547));
        assert_eq!(epsg_of(OGC_32650), Some(32650));
        // WKT2 with an ID.
        let wkt2 = r#"PROJCRS["CGCS2000 / 3-degree Gauss-Kruger CM 117E",BASEGEOGCRS["China Geodetic Coordinate System 2000",DATUM["China 2000",ELLIPSOID["CGCS2000",6378137,298.257222101,LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]]],CONVERSION["3-degree Gauss-Kruger CM 117E",METHOD["Transverse Mercator",ID["EPSG",9807]],PARAMETER["Latitude of natural origin",0,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Longitude of natural origin",117,ANGLEUNIT["degree",0.0174532925199433]],PARAMETER["Scale factor at natural origin",1,SCALEUNIT["unity",1]],PARAMETER["False easting",500000,LENGTHUNIT["metre",1]],PARAMETER["False northing",0,LENGTHUNIT["metre",1]]],CS[Cartesian,2],AXIS["northing (X)",north,ORDER[1],LENGTHUNIT["metre",1]],AXIS["easting (Y)",east,ORDER[2],LENGTHUNIT["metre",1]],ID["EPSG",4548]]"#;
        assert_eq!(epsg_of(wkt2), Some(4548));
        // An inner AUTHORITY (of the GEOGCS) does not count as the CRS's code.
        let inner_only = OGC_4547.replace(",AUTHORITY[\"EPSG\",\"4547\"]]", "]");
        assert_eq!(epsg_of(&inner_only), Some(4547));
    }

    #[test]
    fn authority_contradicted_by_parameters_is_not_trusted() {
        // Says 4547 (CM 114E) but the parameters are CM 117E.
        let wkt = OGC_4547.replace("PARAMETER[\"central_meridian\",114]", "PARAMETER[\"central_meridian\",117]");
        assert_eq!(epsg_of(&wkt), Some(4548));
    }

    #[test]
    fn parameter_fallback_maps_to_epsg() {
        let cases = [
            ("My_GK_117", true, 117.0, 500_000.0, 0.0, 1.0, 4548),
            ("My_GK_zone_39", true, 117.0, 39_500_000.0, 0.0, 1.0, 4527),
            ("My_GK_zone_20", true, 117.0, 20_500_000.0, 0.0, 1.0, 4498),
            ("Beijing local 3 deg", true, 75.0, 500_000.0, 0.0, 1.0, 4534),
            ("utm", false, 117.0, 500_000.0, 0.0, 0.9996, 32650),
            ("utm south", false, -69.0, 500_000.0, 10_000_000.0, 0.9996, 32719),
        ];
        for (name, cgcs, cm, fe, fnorth, k, code) in cases {
            let wkt = esri_tmerc(name, cgcs, "Transverse_Mercator", cm, fe, fnorth, k);
            assert_eq!(epsg_of(&wkt), Some(code), "{name}");
        }
        // The hint picks the 6-degree variant when parameters fit both.
        let wkt = esri_tmerc("CGCS2000_GK_CM_75E", true, "Gauss_Kruger", 75.0, 500_000.0, 0.0, 1.0);
        assert_eq!(epsg_of(&wkt), Some(4502));
    }

    #[test]
    fn parameter_fallback_keeps_custom_tmerc() {
        // A city grid: CM 116.35E with a local false easting — matches no EPSG code.
        let wkt = esri_tmerc("Beijing City Grid", true, "Transverse_Mercator", 116.35, 300_000.0, -4_000_000.0, 1.0);
        let crs = Crs::from_prj(&wkt).unwrap();
        let Crs::Projected(p) = &crs else { panic!("{crs:?}") };
        assert_eq!(p.epsg(), None);
        assert_eq!(p.name(), "Beijing City Grid");
        assert_eq!(
            p.proj4(),
            "+proj=tmerc +lat_0=0 +lon_0=116.35 +k=1 +x_0=300000 +y_0=-4000000 +ellps=GRS80 +units=m +no_defs"
        );
        // It transforms like PROJ: the central meridian at the equator is the false origin.
        let (x, y) = crs.from_wgs84(116.35, 0.0).unwrap();
        assert!((x - 300_000.0).abs() < 1e-6 && (y + 4_000_000.0).abs() < 1e-6);
        let (lon, lat) = crs.to_wgs84(310_000.0, 420_000.0).unwrap();
        let (x, y) = crs.from_wgs84(lon, lat).unwrap();
        assert!((x - 310_000.0).abs() < 1e-6 && (y - 420_000.0).abs() < 1e-6);
        // Its ESRI WKT reads back to the same CRS.
        assert_eq!(Crs::from_prj(&crs.esri_wkt()).unwrap(), crs);
        assert!(crs.label().contains("+lon_0=116.35"), "{}", crs.label());
    }

    fn unrecognised(wkt: &str) -> String {
        match Crs::from_prj(wkt) {
            Err(e @ CrsError::UnrecognisedPrj(_)) => e.to_string(),
            other => panic!("expected UnrecognisedPrj, got {other:?}"),
        }
    }

    #[test]
    fn unsupported_files_say_what_they_found() {
        let xian = r#"PROJCS["Xian_1980_3_Degree_GK_CM_117E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",117.0],PARAMETER["Scale_Factor",1.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        let msg = unrecognised(xian);
        assert!(msg.contains("Xian_1980_3_Degree_GK_CM_117E") && msg.contains("D_Xian_1980"), "{msg}");
        assert!(msg.contains("--residences-crs/--services-crs EPSG:n"), "{msg}");

        let beijing54 = r#"GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#;
        assert!(unrecognised(beijing54).contains("D_Beijing_1954"));

        let lambert = r#"PROJCS["Asia_Lambert_Conformal_Conic",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",0.0],PARAMETER["False_Northing",0.0],PARAMETER["Central_Meridian",105.0],PARAMETER["Standard_Parallel_1",30.0],PARAMETER["Standard_Parallel_2",62.0],PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]"#;
        let msg = unrecognised(lambert);
        assert!(msg.contains("Lambert_Conformal_Conic") && msg.contains("Asia_Lambert"), "{msg}");

        let feet = esri_tmerc("Feet_Grid", true, "Transverse_Mercator", 117.0, 500_000.0, 0.0, 1.0)
            .replace("UNIT[\"Meter\",1.0]]", "UNIT[\"Foot_US\",0.3048006096012192]]");
        assert!(unrecognised(&feet).contains("Foot_US"));

        let grads = ESRI_WGS84.replace("UNIT[\"Degree\",0.0174532925199433]", "UNIT[\"Grad\",0.01570796326794897]");
        assert!(unrecognised(&grads).contains("Grad"));

        assert!(unrecognised("").contains("empty"));
        assert!(unrecognised("   \n").contains("empty"));
        assert!(unrecognised("GEOGCS[\"WGS 84\"").contains("not valid WKT"));
        assert!(unrecognised("hello world").contains("not valid WKT"));
        assert!(unrecognised("GEOGCS[\"x\"] trailing").contains("not valid WKT"));
        assert!(unrecognised(r#"GEOCCS["WGS 84 geocentric"]"#).contains("GEOCCS"));
        let deep = format!("{}{}", "A[".repeat(200), "]".repeat(200));
        assert!(unrecognised(&deep).contains("nested too deeply"));
    }

    #[test]
    fn parser_handles_wkt_details() {
        let n = parse(r#"X ( "a ""b""", -1.5e3 , EAST, Y[] )"#).unwrap();
        assert_eq!(n.keyword, "X");
        assert_eq!(n.args[0], Value::Text("a \"b\"".to_string()));
        assert_eq!(n.args[1], Value::Number(-1500.0));
        assert_eq!(n.args[2], Value::Word("EAST".to_string()));
        assert_eq!(n.args[3], Value::Node(Node { keyword: "Y".to_string(), args: vec![] }));
        assert!(parse("X[1,]").is_err());
        assert!(parse("X[1.2.3]").is_err());
        assert!(parse("X[\"unterminated]").is_err());
    }

    #[test]
    fn squash_and_words() {
        assert_eq!(squash("Gauss-Krüger"), "gausskruger");
        assert_eq!(words("  CGCS2000 / 3-degree Gauss-Krüger CM 117E "), "cgcs2000_3_degree_gauss_kruger_cm_117e");
    }
}
