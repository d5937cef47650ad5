//! GeoJSON geometries as they stream in: the `geometry` object and its nested coordinate arrays
//! deserialized without building a JSON tree, then decoded into `geo` types with a message
//! naming what is wrong (a position too short, a ring too small, an unknown type).

use std::fmt;

use geo::{Coord, Geometry, LineString, MultiPolygon, Point, Polygon};
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{KindSeed, Member, MemberSeed};

pub(super) struct GeometryIn {
    kind: String,
    coordinates: Option<Coords>,
}

impl<'de> serde::Deserialize<'de> for GeometryIn {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = GeometryIn;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a GeoJSON geometry object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<GeometryIn, A::Error> {
                let (mut kind, mut coordinates) = (None, None);
                while let Some(member) = map.next_key_seed(MemberSeed)? {
                    match member {
                        // "Point" is by far the most common: no allocation for it.
                        Member::Type if kind.is_some() => return Err(de::Error::duplicate_field("type")),
                        Member::Type => {
                            kind = Some(map.next_value_seed(KindSeed("Point"))?.unwrap_or_else(|| "Point".to_owned()))
                        }
                        Member::Coordinates if coordinates.is_some() => {
                            return Err(de::Error::duplicate_field("coordinates"));
                        }
                        Member::Coordinates => coordinates = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let kind = kind.ok_or_else(|| de::Error::missing_field("type"))?;
                Ok(GeometryIn { kind, coordinates })
            }
        }
        d.deserialize_map(V)
    }
}

/// Nested coordinate arrays of any depth; a position is kept without a heap allocation.
pub(super) enum Coords {
    Number(f64),
    Position(f64, f64),
    List(Vec<Coords>),
}

impl<'de> serde::Deserialize<'de> for Coords {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Coords;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or an array of coordinates")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Coords, E> {
                Ok(Coords::Number(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Coords, E> {
                Ok(Coords::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Coords, E> {
                Ok(Coords::Number(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Coords, A::Error> {
                let Some(first) = seq.next_element::<Coords>()? else {
                    return Ok(Coords::List(Vec::new()));
                };
                if let Coords::Number(x) = first {
                    // A position: [x, y, (z, m ignored)]
                    let second = seq.next_element::<Coords>()?;
                    while seq.next_element::<IgnoredAny>()?.is_some() {}
                    return Ok(match second {
                        Some(Coords::Number(y)) => Coords::Position(x, y),
                        Some(other) => Coords::List(vec![Coords::Number(x), other]),
                        None => Coords::List(vec![Coords::Number(x)]),
                    });
                }
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(4).max(1));
                out.push(first);
                while let Some(c) = seq.next_element()? {
                    out.push(c);
                }
                Ok(Coords::List(out))
            }
        }
        d.deserialize_any(V)
    }
}

fn position(c: &Coords) -> Result<Coord<f64>, String> {
    match c {
        Coords::Position(x, y) => Ok(Coord { x: *x, y: *y }),
        Coords::List(v) if v.len() >= 2 => match (&v[0], &v[1]) {
            (Coords::Number(x), Coords::Number(y)) => Ok(Coord { x: *x, y: *y }),
            _ => Err("a position must be an array of numbers [x, y]".into()),
        },
        _ => Err("a position must be an array of at least two numbers [x, y]".into()),
    }
}

fn list<'c>(c: &'c Coords, what: &str) -> Result<&'c [Coords], String> {
    match c {
        Coords::List(v) => Ok(v),
        Coords::Number(_) => Err(format!("{what} must be an array")),
        Coords::Position(..) => Err(format!("{what} must be an array of positions, not a single position")),
    }
}

fn ring(c: &Coords) -> Result<LineString<f64>, String> {
    let pts = list(c, "a polygon ring")?.iter().map(position).collect::<Result<Vec<_>, _>>()?;
    if pts.len() < 4 {
        return Err(format!("a polygon ring needs at least 4 positions, this one has {}", pts.len()));
    }
    Ok(LineString::from(pts))
}

fn polygon(c: &Coords) -> Result<Polygon<f64>, String> {
    let rings = list(c, "polygon coordinates")?;
    let mut it = rings.iter();
    let exterior = ring(it.next().ok_or("a polygon needs at least one ring")?)?;
    let interiors = it.map(ring).collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

/// How many rings of a Polygon or MultiPolygon do not end where they begin (RFC 7946 asks that
/// they do; `geo` closes them).
pub(super) fn unclosed_rings(g: &GeometryIn) -> usize {
    let open = |ring: &Coords| match ring {
        Coords::List(pts) => match (pts.first(), pts.last()) {
            (Some(a), Some(b)) => position(a).ok() != position(b).ok(),
            _ => false,
        },
        _ => false,
    };
    let rings_of = |poly: &Coords| match poly {
        Coords::List(rings) => rings.iter().filter(|r| open(r)).count(),
        _ => 0,
    };
    match (g.kind.as_str(), &g.coordinates) {
        ("Polygon", Some(c)) => rings_of(c),
        ("MultiPolygon", Some(Coords::List(polys))) => polys.iter().map(rings_of).sum(),
        _ => 0,
    }
}

pub(super) fn decode_geometry(g: GeometryIn) -> Result<Geometry<f64>, String> {
    let Some(c) = &g.coordinates else {
        return Err(format!("{} geometry has no coordinates", g.kind));
    };
    Ok(match g.kind.as_str() {
        "Point" => Geometry::Point(Point(position(c)?)),
        "MultiPoint" => Geometry::MultiPoint(
            list(c, "MultiPoint coordinates")?
                .iter()
                .map(|p| position(p).map(Point))
                .collect::<Result<Vec<_>, _>>()?
                .into(),
        ),
        "LineString" => Geometry::LineString(LineString::from(
            list(c, "LineString coordinates")?.iter().map(position).collect::<Result<Vec<_>, _>>()?,
        )),
        "MultiLineString" => Geometry::MultiLineString(geo::MultiLineString(
            list(c, "MultiLineString coordinates")?
                .iter()
                .map(|l| {
                    Ok(LineString::from(list(l, "a line")?.iter().map(position).collect::<Result<Vec<_>, String>>()?))
                })
                .collect::<Result<Vec<_>, String>>()?,
        )),
        "Polygon" => Geometry::Polygon(polygon(c)?),
        "MultiPolygon" => Geometry::MultiPolygon(MultiPolygon(
            list(c, "MultiPolygon coordinates")?.iter().map(polygon).collect::<Result<Vec<_>, _>>()?,
        )),
        other => return Err(format!("unsupported geometry type '{other}'")),
    })
}
