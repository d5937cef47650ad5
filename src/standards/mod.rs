//! Standard profiles: the life-circle tiers and facility categories a plan sets, each with its
//! radius, cohort, "also serves" relations and the document and clause it comes from.
//!
//! Profiles are TOML. The built-in ones ([`BUILT_IN`]) are compiled in; a user profile is loaded with
//! [`StandardProfile::from_toml_file`]. The schema is that of `src/standards/profiles/*.toml`:
//!
//! - top level: `id`, `name_zh`, `name_en`, `source`;
//! - `[[tiers]]`: `id` (`block`, `5min`, `10min`, `15min`), `name_zh`, `name_en`, `rank`
//!   (a tier is complete when every required category of rank ≤ its rank is covered),
//!   `walk_m` (optional), `minutes` (optional walking time of the tier, used by
//!   `--judge minutes`), `source`;
//! - `[[categories]]`: `id`, `name_zh`, `name_en`, `aliases` (list), `tier` (optional),
//!   `radius_m` (walking distance in metres; optional: a category without one gets distances
//!   but is never judged), `required` (bool), `cohort` (`all`, `elderly`, `children`),
//!   `also_serves` (list of category ids whose need this category also meets), `dbf_code`
//!   (≤ 8 characters, used for shapefile field names), `source`, `note` (optional);
//! - `[[indicators]]` (optional): zone indicators, see [`indicators::IndicatorRule`]: `id`,
//!   `name_zh`, `name_en`, `unit`, `target`, `target_rural`, `comparison` (`at_least`/`at_most`),
//!   `applies_to` (`all`/`urban`/`rural`), `categories`, `near`, `distance_m`, `min_households`,
//!   `min_households_rural`, `min_hours`, `source`, `note`.

pub mod indicators;

#[cfg(test)]
mod builtin_tests;

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};

pub use indicators::{AppliesTo, Comparison, IndicatorId, IndicatorRule};

/// Ids and TOML texts of the built-in profiles, in listing order.
const BUILT_IN_TEXTS: [(&str, &str); 7] = [
    ("gb50180-2018", include_str!("profiles/gb50180-2018.toml")),
    ("national-2021", include_str!("profiles/national-2021.toml")),
    ("hunan-2022", include_str!("profiles/hunan-2022.toml")),
    ("tianjin-2022", include_str!("profiles/tianjin-2022.toml")),
    ("shanghai-pudong-2023", include_str!("profiles/shanghai-pudong-2023.toml")),
    ("inner-mongolia-13th", include_str!("profiles/inner-mongolia-13th.toml")),
    ("shandong-rural-2015", include_str!("profiles/shandong-rural-2015.toml")),
];

/// Ids of the built-in profiles: the default `gb50180-2018` (GB 50180-2018 tiers and facilities)
/// and the national and provincial community service plans that extend it (standards.md §5).
pub const BUILT_IN: &[&str] = &[
    "gb50180-2018",
    "national-2021",
    "hunan-2022",
    "tianjin-2022",
    "shanghai-pudong-2023",
    "inner-mongolia-13th",
    "shandong-rural-2015",
];

/// The id of the default profile.
pub const DEFAULT_PROFILE: &str = "gb50180-2018";

/// The population group a category serves; decides walking speed in minute-based judging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cohort {
    /// Everyone.
    All,
    /// The elderly.
    Elderly,
    /// Children.
    Children,
}

impl Cohort {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Cohort::All => "all",
            Cohort::Elderly => "elderly",
            Cohort::Children => "children",
        }
    }
}

/// A life-circle tier (5-, 10-, 15-minute, residential block).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Tier id: `block`, `5min`, `10min` or `15min`.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Order: a tier includes every tier of lower or equal rank.
    pub rank: u8,
    /// Walking distance of the tier, metres.
    #[serde(default)]
    pub walk_m: Option<f64>,
    /// Walking time of the tier, minutes (`--judge minutes` judges its categories by it).
    #[serde(default)]
    pub minutes: Option<f64>,
    /// Document and clause.
    pub source: String,
}

/// A facility category of a profile.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    /// Category id (`clinic`, `market`...).
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Other names accepted in a services layer's `category` field.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The tier it belongs to, if any.
    #[serde(default)]
    pub tier: Option<String>,
    /// Walking distance within which it must be reached, metres; `None` = never judged.
    #[serde(default)]
    pub radius_m: Option<f64>,
    /// Whether a residence without it is missing a required service.
    #[serde(default)]
    pub required: bool,
    /// Who it serves.
    pub cohort: Cohort,
    /// Category ids whose need a facility of this category also meets.
    #[serde(default)]
    pub also_serves: Vec<String>,
    /// Short code (≤ 8 characters) for shapefile field names (`d_<code>`, `n_<code>`, `k_<code>`).
    #[serde(default)]
    pub dbf_code: Option<String>,
    /// Document and clause.
    pub source: String,
    /// A remark shown by `standards show`.
    #[serde(default)]
    pub note: Option<String>,
}

/// A standard profile: tiers and categories with their sources.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardProfile {
    /// Profile id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The document it implements.
    pub source: String,
    /// Tiers, lowest rank first.
    pub tiers: Vec<Tier>,
    /// Categories in reporting order.
    pub categories: Vec<Category>,
    /// Zone indicators the profile asks for, in reporting order.
    #[serde(default)]
    pub indicators: Vec<IndicatorRule>,
    /// The profile this one extends (`extends = "gb50180-2018"` or a TOML path), if any.
    #[serde(default)]
    pub extends: Option<String>,
    #[serde(skip)]
    lookup: HashMap<String, usize>,
    #[serde(skip)]
    origins: Origins,
    #[serde(skip)]
    served_by: Vec<Vec<usize>>,
}

/// Where an entry (tier, category or indicator) of a profile comes from, relative to the profile
/// it `extends`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The profile's own: it extends nothing, or its base has no entry of that id.
    Own,
    /// From the base, with keys that this profile changes.
    Overridden,
    /// From the base, unchanged.
    Inherited,
}

impl Origin {
    /// `own`, `overridden` or `inherited`.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Own => "own",
            Origin::Overridden => "overridden",
            Origin::Inherited => "inherited",
        }
    }
}

/// The origin of the base's and the profile's entries, keyed by `section/id`
/// (`indicators/workers_per_10k`); an entry not listed is the profile's own.
type Origins = HashMap<String, Origin>;

/// How deep `extends` may chain (deeper is taken as a cycle).
const MAX_EXTENDS_DEPTH: usize = 8;

/// The TOML text of a built-in profile.
fn built_in_text(id: &str) -> Option<&'static str> {
    BUILT_IN_TEXTS.iter().find(|(i, _)| *i == id).map(|(_, text)| *text)
}

/// Parses a profile's TOML and, when it `extends` another (a built-in id or a TOML path, relative
/// to `dir`), lays it over that one: top-level values replace the base's; `[[tiers]]`,
/// `[[categories]]` and `[[indicators]]` entries are matched by `id`, a matching entry replacing only the keys it
/// gives (e.g. just `radius_m`), a new id being appended. Also returns where each entry comes
/// from relative to the immediate base.
fn merged_table(text: &str, name: &str, dir: Option<&Path>, depth: usize) -> Result<(toml::Table, Origins)> {
    let bad = |m: String| Error::Profile { profile: name.to_owned(), message: m };
    let table: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
    let Some(extends) = table.get("extends").cloned() else { return Ok((table, Origins::new())) };
    let base_ref = extends.as_str().ok_or_else(|| bad("extends must be a profile id or a TOML path".into()))?;
    if depth >= MAX_EXTENDS_DEPTH {
        return Err(bad(format!("extends '{base_ref}': more than {MAX_EXTENDS_DEPTH} levels (a cycle?)")));
    }
    if !table.contains_key("id") {
        return Err(bad("a profile that extends another needs its own id".into()));
    }
    let (mut base, _) = match built_in_text(base_ref) {
        Some(t) => merged_table(t, base_ref, None, depth + 1)?,
        None => {
            let path = dir.map_or_else(|| Path::new(base_ref).to_path_buf(), |d| d.join(base_ref));
            let t = std::fs::read_to_string(&path).map_err(|cause| {
                bad(format!(
                    "extends '{base_ref}': neither a built-in profile ({}) nor a readable file {}: {cause}",
                    BUILT_IN.join(", "),
                    path.display()
                ))
            })?;
            merged_table(&t, &path.display().to_string(), path.parent(), depth + 1)?
        }
    };
    let mut origins = Origins::new();
    for section in ["tiers", "categories", "indicators"] {
        let entries = base.get(section).and_then(|v| v.as_array()).into_iter().flatten();
        for id in entries.filter_map(|e| e.get("id").and_then(|v| v.as_str())) {
            origins.insert(format!("{section}/{id}"), Origin::Inherited);
        }
    }
    for (key, value) in table {
        match (key.as_str(), value, base.get_mut(&key)) {
            (
                "tiers" | "categories" | "indicators",
                toml::Value::Array(entries),
                Some(toml::Value::Array(base_entries)),
            ) => {
                for entry in entries {
                    let toml::Value::Table(entry) = entry else {
                        return Err(bad(format!("every entry of {key} must be a table")));
                    };
                    let id = entry.get("id").and_then(|v| v.as_str()).map(str::to_owned);
                    let Some(id) = id else { return Err(bad(format!("an entry of {key} has no id"))) };
                    let existing = base_entries
                        .iter_mut()
                        .filter_map(|v| v.as_table_mut())
                        .find(|t| t.get("id").and_then(|v| v.as_str()) == Some(id.as_str()));
                    let origin = if existing.is_some() { Origin::Overridden } else { Origin::Own };
                    origins.insert(format!("{key}/{id}"), origin);
                    match existing {
                        Some(existing) => existing.extend(entry),
                        None => base_entries.push(toml::Value::Table(entry)),
                    }
                }
            }
            (_, value, _) => {
                base.insert(key, value);
            }
        }
    }
    Ok((base, origins))
}

/// Normalises a category name for lookup: trimmed, lower-case, `-`/space as `_`.
fn normalise(s: &str) -> String {
    s.trim().to_lowercase().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c }).collect()
}

impl StandardProfile {
    /// A built-in profile by id.
    pub fn built_in(id: &str) -> Result<StandardProfile> {
        match built_in_text(id) {
            Some(text) => Self::from_toml_str(text, id),
            None => Err(Error::Profile {
                profile: id.to_owned(),
                message: format!("no such built-in profile; built-in profiles are: {}", BUILT_IN.join(", ")),
            }),
        }
    }

    /// Loads a profile: a built-in id, or a path to a TOML file.
    pub fn load(id_or_path: &str) -> Result<StandardProfile> {
        let p = Path::new(id_or_path);
        if id_or_path.ends_with(".toml") || p.is_file() { Self::from_toml_file(p) } else { Self::built_in(id_or_path) }
    }

    /// Loads a user profile from a TOML file (a relative `extends` path is taken from the
    /// file's folder).
    pub fn from_toml_file(path: &Path) -> Result<StandardProfile> {
        let text = std::fs::read_to_string(path).map_err(|cause| Error::Read { path: path.into(), cause })?;
        Self::from_table(
            merged_table(&text, &path.display().to_string(), path.parent(), 0)?,
            &path.display().to_string(),
        )
    }

    /// Parses and validates a profile; `name` is used in messages. A relative `extends` path is
    /// taken from the current folder.
    pub fn from_toml_str(text: &str, name: &str) -> Result<StandardProfile> {
        Self::from_table(merged_table(text, name, None, 0)?, name)
    }

    fn from_table((table, origins): (toml::Table, Origins), name: &str) -> Result<StandardProfile> {
        let mut p: StandardProfile = table
            .try_into()
            .map_err(|e: toml::de::Error| Error::Profile { profile: name.to_owned(), message: e.to_string() })?;
        p.validate(name)?;
        p.origins = origins;
        Ok(p)
    }

    fn origin(&self, section: &str, id: &str) -> Origin {
        self.origins.get(&format!("{section}/{id}")).copied().unwrap_or(Origin::Own)
    }

    /// Where a tier comes from relative to the profile this one `extends`.
    pub fn tier_origin(&self, id: &str) -> Origin {
        self.origin("tiers", id)
    }

    /// Where a category comes from relative to the profile this one `extends`.
    pub fn category_origin(&self, id: &str) -> Origin {
        self.origin("categories", id)
    }

    /// Where an indicator rule comes from relative to the profile this one `extends`.
    pub fn indicator_origin(&self, id: IndicatorId) -> Origin {
        self.origin("indicators", id.as_str())
    }

    fn validate(&mut self, name: &str) -> Result<()> {
        let bad = |m: String| Error::Profile { profile: name.to_owned(), message: m };
        if self.categories.is_empty() {
            return Err(bad("has no categories".into()));
        }
        for t in &self.tiers {
            if let Some(w) = t.walk_m
                && !(w.is_finite() && w > 0.0)
            {
                return Err(bad(format!("tier '{}': walk_m must be a positive number", t.id)));
            }
            if let Some(m) = t.minutes
                && !(m.is_finite() && m > 0.0)
            {
                return Err(bad(format!("tier '{}': minutes must be a positive number", t.id)));
            }
        }
        let ids: HashMap<&str, usize> = self.categories.iter().enumerate().map(|(i, c)| (c.id.as_str(), i)).collect();
        if ids.len() != self.categories.len() {
            return Err(bad("two categories share an id".into()));
        }
        let mut lookup: HashMap<String, usize> = HashMap::new();
        let mut codes = HashMap::new();
        for (i, c) in self.categories.iter().enumerate() {
            if c.id.is_empty() || !c.id.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_') {
                return Err(bad(format!("category id '{}' must be lower-case ASCII letters, digits and _", c.id)));
            }
            if let Some(t) = &c.tier
                && !self.tiers.iter().any(|x| &x.id == t)
            {
                return Err(bad(format!("category '{}': unknown tier '{t}'", c.id)));
            }
            if let Some(r) = c.radius_m
                && !(r.is_finite() && r > 0.0)
            {
                return Err(bad(format!("category '{}': radius_m must be a positive number", c.id)));
            }
            if c.required && c.radius_m.is_none() {
                return Err(bad(format!("category '{}': a required category needs a radius_m", c.id)));
            }
            for s in &c.also_serves {
                if !ids.contains_key(s.as_str()) || s == &c.id {
                    return Err(bad(format!("category '{}': also_serves names unknown category '{s}'", c.id)));
                }
            }
            let code = self.dbf_code_of(c);
            // A DBF field name is at most 10 bytes (`d_` + 8) and compared ignoring case.
            if code.chars().count() > 8 || code.len() > 8 {
                return Err(bad(format!(
                    "category '{}': dbf_code '{code}' is longer than 8 characters (8 bytes in UTF-8)",
                    c.id
                )));
            }
            if let Some((other, other_code)) = codes.insert(code.to_uppercase(), (c.id.clone(), code.clone())) {
                let how = if other_code == code {
                    String::new()
                } else {
                    format!(" ('{other_code}' and '{code}' are the same DBF field name: case is ignored)")
                };
                return Err(bad(format!(
                    "categories '{other}' and '{}' share the shapefile code '{code}'{how}: set dbf_code",
                    c.id
                )));
            }
            let names = std::iter::once(&c.id).chain([&c.name_zh, &c.name_en]).chain(c.aliases.iter());
            for n in names {
                let key = normalise(n);
                match lookup.get(&key) {
                    Some(&j) if j != i => {
                        return Err(bad(format!(
                            "name '{n}' is used by both '{}' and '{}'",
                            self.categories[j].id, c.id
                        )));
                    }
                    _ => {
                        lookup.insert(key, i);
                    }
                }
            }
        }
        self.validate_indicators(&ids).map_err(bad)?;
        let mut served_by: Vec<Vec<usize>> = (0..self.categories.len()).map(|i| vec![i]).collect();
        for (i, c) in self.categories.iter().enumerate() {
            for s in &c.also_serves {
                served_by[ids[s.as_str()]].push(i);
            }
        }
        self.lookup = lookup;
        self.served_by = served_by;
        Ok(())
    }

    fn validate_indicators(&self, ids: &HashMap<&str, usize>) -> std::result::Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for r in &self.indicators {
            let id = r.id.as_str();
            if !seen.insert(r.id) {
                return Err(format!("indicator '{id}' is listed twice"));
            }
            for (what, t) in [("target", Some(r.target)), ("target_rural", r.target_rural)] {
                let Some(t) = t else { continue };
                if !t.is_finite() || t < 0.0 || (r.id.is_share() && t > 1.0) {
                    let range = if r.id.is_share() { "a fraction 0–1" } else { "a number ≥ 0" };
                    return Err(format!("indicator '{id}': {what} {t} must be {range}"));
                }
            }
            for (what, v) in [
                ("distance_m", r.distance_m),
                ("min_households", r.min_households),
                ("min_households_rural", r.min_households_rural),
                ("min_hours", r.min_hours),
            ] {
                if let Some(v) = v
                    && !(v.is_finite() && v >= 0.0)
                {
                    return Err(format!("indicator '{id}': {what} must be a number ≥ 0"));
                }
            }
            for c in r.category_ids().iter().chain(r.near_ids().iter()) {
                if !ids.contains_key(c.as_str()) {
                    return Err(format!("indicator '{id}' measures category '{c}', which the profile does not have"));
                }
            }
        }
        Ok(())
    }

    /// The profile's rule for an indicator, if it asks for it.
    pub fn indicator(&self, id: IndicatorId) -> Option<&IndicatorRule> {
        self.indicators.iter().find(|r| r.id == id)
    }

    fn dbf_code_of(&self, c: &Category) -> String {
        c.dbf_code.clone().unwrap_or_else(|| c.id.chars().take(8).collect())
    }

    /// The category index for a name as found in a services layer (id, Chinese or English
    /// name, or alias; case, spaces and hyphens are ignored).
    pub fn category_index(&self, name: &str) -> Option<usize> {
        self.lookup.get(&normalise(name)).copied()
    }

    /// Index of a category by exact id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.id == id)
    }

    /// The categories whose facilities meet category `i`'s need: itself first, then those that
    /// list it in `also_serves`.
    pub fn served_by(&self, i: usize) -> &[usize] {
        &self.served_by[i]
    }

    /// The rank of a category's tier, `None` when it has no tier.
    pub fn tier_rank(&self, c: &Category) -> Option<u8> {
        c.tier.as_ref().and_then(|t| self.tiers.iter().find(|x| &x.id == t)).map(|t| t.rank)
    }

    /// The walking minutes of a category's tier, `None` when it has no tier or the tier no minutes.
    pub fn tier_minutes(&self, c: &Category) -> Option<f64> {
        c.tier.as_ref().and_then(|t| self.tiers.iter().find(|x| &x.id == t)).and_then(|t| t.minutes)
    }

    /// The rank of a tier by id.
    pub fn rank_of(&self, tier_id: &str) -> Option<u8> {
        self.tiers.iter().find(|t| t.id == tier_id).map(|t| t.rank)
    }

    /// The shapefile code of category `i` (its `dbf_code`, else its id cut to 8 characters).
    pub fn dbf_code(&self, i: usize) -> String {
        self.dbf_code_of(&self.categories[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dbf_codes_that_differ_only_in_case_fail_when_the_profile_loads() {
        let profile = |code_a: &str, code_b: &str| {
            format!(
                r#"id = "mine"
name_zh = "测试"
name_en = "Test"
source = "test"
[[tiers]]
id = "15min"
name_zh = "十五分钟"
name_en = "15 minutes"
rank = 3
walk_m = 1000
source = "test"
[[categories]]
id = "clinic"
name_zh = "诊所"
name_en = "Clinic"
tier = "15min"
radius_m = 1000
cohort = "all"
dbf_code = "{code_a}"
source = "test"
[[categories]]
id = "clinic_b"
name_zh = "诊所乙"
name_en = "Clinic B"
tier = "15min"
radius_m = 1000
cohort = "all"
dbf_code = "{code_b}"
source = "test"
"#
            )
        };
        assert!(StandardProfile::from_toml_str(&profile("clin", "clinb"), "mine.toml").is_ok());
        let e = StandardProfile::from_toml_str(&profile("Clin", "cLIN"), "mine.toml").unwrap_err().to_string();
        assert!(e.starts_with("standard profile mine.toml: ") && e.contains("case is ignored"), "{e}");
        let e = StandardProfile::from_toml_str(&profile("诊所诊所诊", "x"), "mine.toml").unwrap_err().to_string();
        assert!(e.contains("longer than 8"), "{e}");
    }

    #[test]
    fn a_profile_extends_another_and_overrides_numbers_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let child = dir.path().join("city.toml");
        std::fs::write(
            &child,
            r#"
            id = "my-city"
            extends = "gb50180-2018"
            name_en = "My city"
            [[categories]]
            id = "clinic"
            radius_m = 250
            [[categories]]
            id = "pharmacy"
            name_zh = "药店"
            name_en = "Pharmacy"
            tier = "5min"
            radius_m = 300
            required = false
            cohort = "all"
            source = "city plan §2"
            "#,
        )
        .unwrap();
        let p = StandardProfile::from_toml_file(&child).unwrap();
        let base = StandardProfile::built_in("gb50180-2018").unwrap();
        assert_eq!((p.id.as_str(), p.name_en.as_str()), ("my-city", "My city"));
        assert_eq!(p.name_zh, base.name_zh, "inherited");
        assert_eq!(p.extends.as_deref(), Some("gb50180-2018"));
        assert_eq!(p.categories.len(), base.categories.len() + 1);
        let clinic = &p.categories[p.index_of("clinic").unwrap()];
        let base_clinic = &base.categories[base.index_of("clinic").unwrap()];
        assert_eq!(clinic.radius_m, Some(250.0));
        assert_eq!((&clinic.source, &clinic.aliases), (&base_clinic.source, &base_clinic.aliases));
        assert_eq!(p.category_index("药店"), p.index_of("pharmacy"));
        // health_center still also serves clinic after the override
        assert_eq!(p.served_by(p.index_of("clinic").unwrap()).len(), 2);

        // A chain through a relative path, and a cycle.
        let grandchild = dir.path().join("district.toml");
        std::fs::write(
            &grandchild,
            "id = \"district\"\nextends = \"city.toml\"\n[[categories]]\nid = \"market\"\nradius_m = 400\n",
        )
        .unwrap();
        let g = StandardProfile::from_toml_file(&grandchild).unwrap();
        assert_eq!(g.categories[g.index_of("clinic").unwrap()].radius_m, Some(250.0));
        assert_eq!(g.categories[g.index_of("market").unwrap()].radius_m, Some(400.0));
        let (a, b) = (dir.path().join("a.toml"), dir.path().join("b.toml"));
        std::fs::write(&a, "id = \"a\"\nextends = \"b.toml\"\n").unwrap();
        std::fs::write(&b, "id = \"b\"\nextends = \"a.toml\"\n").unwrap();
        let e = StandardProfile::from_toml_file(&a).unwrap_err().to_string();
        assert!(e.contains("cycle"), "{e}");
        let e = StandardProfile::from_toml_str("id = \"x\"\nextends = \"hunan-1999\"", "x").unwrap_err().to_string();
        assert!(e.contains("hunan-1999") && e.contains("built-in"), "{e}");
        let e = StandardProfile::from_toml_str("extends = \"gb50180-2018\"", "x").unwrap_err().to_string();
        assert!(e.contains("own id"), "{e}");
        let e = StandardProfile::from_toml_str(
            "id = \"x\"\nextends = \"gb50180-2018\"\n[[categories]]\nname_en = \"?\"",
            "x",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("no id"), "{e}");
    }

    #[test]
    fn built_in_profile_loads_and_resolves_aliases() {
        let p = StandardProfile::built_in("gb50180-2018").unwrap();
        assert_eq!(p.categories.len(), 17);
        let clinic = p.index_of("clinic").unwrap();
        assert_eq!(p.category_index("社区卫生服务站"), Some(clinic));
        assert_eq!(p.category_index("Community Health Station"), Some(clinic));
        assert_eq!(p.category_index("菜市场"), p.index_of("market"));
        assert_eq!(p.category_index("no such thing"), None);
        let hc = p.index_of("health_center").unwrap();
        assert_eq!(p.served_by(clinic), &[clinic, hc]);
        let vs = &p.categories[p.index_of("volunteer_station").unwrap()];
        assert!(vs.radius_m.is_none() && !vs.required);
        for c in &p.categories {
            assert!(!c.source.is_empty(), "{} has no source", c.id);
        }
    }

    #[test]
    fn indicators_parse_validate_and_are_overridden_by_id() {
        let p = StandardProfile::built_in("gb50180-2018").unwrap();
        let r = p.indicator(IndicatorId::ElderlyLandPerCapita).unwrap();
        assert_eq!((r.target, r.comparison, r.applies_to), (0.1, Comparison::AtLeast, AppliesTo::All));
        assert_eq!(r.category_ids(), ["elderly_home", "elderly_daycare"]);
        let child = StandardProfile::from_toml_str(
            "id = 'c'\nextends = 'gb50180-2018'\n[[indicators]]\nid = 'elderly_land_per_capita'\ntarget = 0.2\n\
             [[indicators]]\nid = 'market_coverage'\nname_zh = '菜市场覆盖'\nname_en = 'Market coverage'\n\
             target = 0.95\nsource = 'Tianjin §x'\n",
            "c",
        )
        .unwrap();
        let r = child.indicator(IndicatorId::ElderlyLandPerCapita).unwrap();
        assert_eq!((r.target, r.name_en.as_str()), (0.2, "Elderly-care land per resident"));
        assert_eq!(child.indicator(IndicatorId::MarketCoverage).unwrap().target, 0.95);
        let with = |extra: &str| {
            StandardProfile::from_toml_str(
                &format!(
                    "id = 'c'\nextends = 'gb50180-2018'\n[[indicators]]\nid = 'market_coverage'\nname_zh = 'x'\n\
                     name_en = 'x'\nsource = 's'\n{extra}\n"
                ),
                "c",
            )
        };
        assert!(with("target = 0.9").is_ok());
        for bad in [
            "target = 95",
            "target = -1",
            "target = 0.9\ncategories = ['bazaar']",
            "target = 0.9\ndistance_m = -5",
            "target = 0.9\ncomparison = 'about'",
            "target = 0.9\nwhatever = 1",
        ] {
            let e = with(bad).unwrap_err().to_string();
            assert!(e.contains('c'), "{bad}: {e}");
        }
        let e = StandardProfile::from_toml_str(
            "id = 'c'\nextends = 'gb50180-2018'\n[[indicators]]\nid = 'happiness'\ntarget = 1\n",
            "c",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("happiness"), "{e}");
    }

    #[test]
    fn invalid_profiles_are_rejected() {
        let base = "id='x'\nname_zh='x'\nname_en='x'\nsource='s'\n[[tiers]]\nid='5min'\nname_zh='a'\nname_en='a'\nrank=1\nsource='s'\n";
        let cat = |extra: &str| {
            format!("{base}[[categories]]\nid='a'\nname_zh='甲'\nname_en='A'\ncohort='all'\nsource='s'\n{extra}")
        };
        assert!(StandardProfile::from_toml_str(&cat("radius_m=300\nrequired=true\ntier='5min'"), "t").is_ok());
        for bad in ["radius_m=-1", "required=true", "tier='20min'\nradius_m=1", "also_serves=['zz']", "colour='red'"] {
            assert!(StandardProfile::from_toml_str(&cat(bad), "t").is_err(), "{bad}");
        }
    }
}
