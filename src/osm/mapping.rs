//! The table mapping OpenStreetMap tags to profile categories: an ordered list of rules, first
//! match wins. The built-in table is `src/osm/mapping.toml` (documented there); a user's TOML in
//! the same format replaces it.

use std::path::Path;

use serde::Deserialize;

use super::read::Tags;
use crate::error::{Error, Location, Result};

/// The built-in mapping table (TOML), for the gb50180-2018 profile.
pub const BUILT_IN_MAPPING: &str = include_str!("mapping.toml");

/// The keys whose objects are service candidates: an object carrying one of them that no rule
/// maps is counted as "not mapped".
pub const SERVICE_KEYS: [&str; 3] = ["amenity", "shop", "leisure"];

/// A condition on a candidate besides its matching tag.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The tag has one of the values.
    Tag {
        /// Key.
        key: String,
        /// Accepted values.
        values: Vec<String>,
    },
    /// The tag is absent.
    Absent(String),
    /// `isced:level` includes this level.
    Isced(u32),
    /// The object is a polygon of at least this many square metres.
    MinArea(f64),
}

/// One rule of the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The key of the deciding tag.
    pub key: String,
    /// Its accepted values.
    pub values: Vec<String>,
    /// Further conditions, all of which must hold.
    pub when: Vec<Condition>,
    /// The category, or `None` to leave the object unmapped.
    pub category: Option<String>,
}

/// An ordered mapping table.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// The rules in the order they are tried.
    pub rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    rule: Vec<RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    tag: String,
    #[serde(default)]
    when: Vec<String>,
    category: Option<String>,
}

fn key_values(s: &str) -> Option<(String, Vec<String>)> {
    let (k, v) = s.split_once('=')?;
    let values: Vec<String> = v.split('|').map(|v| v.trim().to_owned()).collect();
    (!k.trim().is_empty() && values.iter().all(|v| !v.is_empty())).then(|| (k.trim().to_owned(), values))
}

fn parse_condition(s: &str) -> Option<Condition> {
    let s = s.trim();
    if let Some(key) = s.strip_prefix('!') {
        return (!key.is_empty()).then(|| Condition::Absent(key.to_owned()));
    }
    if let Some(m2) = s.strip_prefix("area>=") {
        return m2.trim().parse::<f64>().ok().filter(|a| a.is_finite() && *a >= 0.0).map(Condition::MinArea);
    }
    if let Some(level) = s.strip_prefix("isced:level~") {
        return level.trim().parse().ok().map(Condition::Isced);
    }
    key_values(s).map(|(key, values)| Condition::Tag { key, values })
}

impl Mapping {
    /// The built-in table.
    pub fn built_in() -> Mapping {
        // The built-in table is tested to parse; an empty table is the harmless fallback.
        Mapping::from_toml_str(BUILT_IN_MAPPING, "built-in mapping").unwrap_or(Mapping { rules: Vec::new() })
    }

    /// Reads a table from a TOML file.
    pub fn from_file(path: &Path) -> Result<Mapping> {
        let text = std::fs::read_to_string(path).map_err(|cause| Error::Read { path: path.into(), cause })?;
        Mapping::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses a table; `name` names it in errors.
    pub fn from_toml_str(text: &str, name: &str) -> Result<Mapping> {
        let bad = |m: String| Error::input(Location::file(name), m);
        let raw: RawTable = toml::from_str(text).map_err(|e| bad(format!("not a mapping table: {e}")))?;
        let mut rules = Vec::new();
        for (i, r) in raw.rule.into_iter().enumerate() {
            let (key, values) =
                key_values(&r.tag).ok_or_else(|| bad(format!("rule {}: tag '{}' is not key=value", i + 1, r.tag)))?;
            let when = r
                .when
                .iter()
                .map(|c| parse_condition(c).ok_or_else(|| bad(format!("rule {}: bad condition '{c}'", i + 1))))
                .collect::<Result<Vec<_>>>()?;
            rules.push(Rule { key, values, when, category: r.category.filter(|c| !c.is_empty()) });
        }
        Ok(Mapping { rules })
    }

    /// The category an object maps to and the tag that matched (`amenity=clinic`), or `None`.
    /// `area_m2` is the polygon's area for ways and relations, `None` for nodes.
    pub fn classify(&self, tags: &Tags, area_m2: Option<f64>) -> Option<(&str, String)> {
        let tag = |k: &str| tags.get(k).map(String::as_str);
        for rule in &self.rules {
            let Some(value) = tag(&rule.key).filter(|v| rule.values.iter().any(|r| r == v)) else {
                continue;
            };
            let holds = rule.when.iter().all(|c| match c {
                Condition::Tag { key, values } => tag(key).is_some_and(|v| values.iter().any(|r| r == v)),
                Condition::Absent(key) => tag(key).is_none(),
                Condition::Isced(level) => isced_levels(tags).is_some_and(|l| l.contains(level)),
                Condition::MinArea(min) => area_m2.is_some_and(|a| a >= *min),
            });
            if holds {
                return rule.category.as_deref().map(|c| (c, format!("{}={value}", rule.key)));
            }
        }
        None
    }

    /// Whether the category of an object may depend on its area (some rule tests `area>=`).
    pub fn uses_area(&self) -> bool {
        self.rules.iter().any(|r| r.when.iter().any(|c| matches!(c, Condition::MinArea(_))))
    }

    /// Every category the table can produce, in first-use order.
    pub fn categories(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in self.rules.iter().filter_map(|r| r.category.as_deref()) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}

/// ISCED levels in `isced:level` ("1", "1;2", "1-3"); `None` when absent.
pub fn isced_levels(tags: &Tags) -> Option<Vec<u32>> {
    let raw = tags.get("isced:level")?;
    let mut levels = Vec::new();
    for part in raw.split([';', ',']).map(str::trim) {
        if let Some((a, b)) = part.split_once('-') {
            if let (Ok(a), Ok(b)) = (a.trim().parse::<u32>(), b.trim().parse::<u32>()) {
                levels.extend(a..=b.min(a.saturating_add(10)));
            }
        } else if let Ok(v) = part.parse::<u32>() {
            levels.push(v);
        }
    }
    Some(levels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standards::StandardProfile;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn cat(pairs: &[(&str, &str)], area: Option<f64>) -> Option<(String, String)> {
        Mapping::built_in().classify(&tags(pairs), area).map(|(c, t)| (c.to_owned(), t))
    }

    fn hit(c: &str, t: &str) -> Option<(String, String)> {
        Some((c.to_owned(), t.to_owned()))
    }

    #[test]
    fn built_in_table_parses_and_uses_only_profile_categories() {
        let m = Mapping::from_toml_str(BUILT_IN_MAPPING, "built-in").unwrap();
        assert!(m.rules.len() > 20);
        let profile = StandardProfile::built_in("gb50180-2018").unwrap();
        for c in m.categories() {
            assert!(profile.index_of(c).is_some(), "{c} is not a gb50180-2018 category");
        }
    }

    #[test]
    fn health_care_and_elderly() {
        assert_eq!(cat(&[("amenity", "clinic")], None), hit("clinic", "amenity=clinic"));
        assert_eq!(cat(&[("amenity", "doctors")], None), hit("clinic", "amenity=doctors"));
        assert_eq!(cat(&[("amenity", "hospital")], Some(50.0)), hit("health_center", "amenity=hospital"));
        assert_eq!(cat(&[("amenity", "nursing_home")], None), hit("elderly_home", "amenity=nursing_home"));
        let home = [("amenity", "social_facility"), ("social_facility", "nursing_home")];
        assert_eq!(cat(&home, None), hit("elderly_home", "social_facility=nursing_home"));
        let seniors = [("amenity", "social_facility"), ("social_facility:for", "senior")];
        assert_eq!(cat(&seniors, None), hit("elderly_daycare", "amenity=social_facility"));
        let kids = [("amenity", "social_facility"), ("social_facility", "day_care"), ("social_facility:for", "child")];
        assert_eq!(cat(&kids, None), hit("nursery", "amenity=social_facility"));
        let shelter = [("amenity", "social_facility"), ("social_facility", "shelter")];
        assert_eq!(cat(&shelter, None), None);
    }

    #[test]
    fn schools_by_isced_level() {
        let school = |l: Option<&str>| {
            let mut t = vec![("amenity", "school")];
            t.extend(l.map(|l| ("isced:level", l)));
            cat(&t, None).map(|(c, _)| c)
        };
        assert_eq!(school(None).as_deref(), Some("primary_school"));
        assert_eq!(school(Some("1")).as_deref(), Some("primary_school"));
        assert_eq!(school(Some("1;2")).as_deref(), Some("primary_school"));
        assert_eq!(school(Some("2")).as_deref(), Some("middle_school"));
        assert_eq!(school(Some("2-3")).as_deref(), Some("middle_school"));
        assert_eq!(school(Some("3")), None);
    }

    #[test]
    fn shops_children_community_and_culture_by_area() {
        assert_eq!(cat(&[("shop", "supermarket")], None), hit("market", "shop=supermarket"));
        assert_eq!(cat(&[("shop", "greengrocer")], None), hit("market", "shop=greengrocer"));
        assert_eq!(cat(&[("amenity", "marketplace")], None), hit("market", "amenity=marketplace"));
        assert_eq!(cat(&[("shop", "convenience")], None), hit("convenience_store", "shop=convenience"));
        assert_eq!(cat(&[("amenity", "kindergarten")], None), hit("kindergarten", "amenity=kindergarten"));
        assert_eq!(cat(&[("amenity", "childcare")], None), hit("nursery", "amenity=childcare"));
        let cc = [("amenity", "community_centre")];
        assert_eq!(cat(&cc, None), hit("community_service", "amenity=community_centre"));
        assert_eq!(cat(&[("amenity", "library")], None), hit("culture_station", "amenity=library"));
        assert_eq!(cat(&[("amenity", "library")], Some(2999.0)), hit("culture_station", "amenity=library"));
        assert_eq!(cat(&[("amenity", "library")], Some(3000.0)), hit("culture_center", "amenity=library"));
        assert_eq!(cat(&[("leisure", "pitch")], None), hit("fitness", "leisure=pitch"));
        assert_eq!(cat(&[("amenity", "bench")], None), None);
        assert_eq!(cat(&[("building", "yes")], None), None);
    }

    #[test]
    fn user_table_overrides_and_bad_tables_are_errors() {
        let m = Mapping::from_toml_str(
            "[[rule]]\ntag = \"amenity=pharmacy\"\ncategory = \"clinic\"\n[[rule]]\ntag = \"amenity=clinic\"\n",
            "mine.toml",
        )
        .unwrap();
        let t = tags(&[("amenity", "pharmacy")]);
        assert_eq!(m.classify(&t, None), Some(("clinic", "amenity=pharmacy".to_owned())));
        assert_eq!(m.classify(&tags(&[("amenity", "clinic")]), None), None);
        let e = Mapping::from_toml_str("[[rule]]\ntag = \"amenity\"\n", "mine.toml").unwrap_err();
        assert!(e.to_string().contains("mine.toml: rule 1: tag 'amenity' is not key=value"), "{e}");
        let e = Mapping::from_toml_str("[[rule]]\ntag = \"a=b\"\nwhen = [\"area>x\"]\n", "m").unwrap_err();
        assert!(e.to_string().contains("bad condition 'area>x'"), "{e}");
    }
}
