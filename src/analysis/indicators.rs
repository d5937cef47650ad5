//! Zone indicators: per zone, its households, population and elderly, coverage share per
//! category and complete shares, and each indicator the profile asks for with its value, target
//! and verdict (`pass`, `fail`, `not_assessed`).
//!
//! A value that needs an attribute the input does not give (a facility's land or floor area,
//! a zone's community workers...) is `not_assessed` with a note saying what is missing, never
//! `pass`. Values are rounded to four decimals before they are judged, so the verdict always
//! agrees with the number written. Sums run in input order, so results do not depend on the
//! thread count.

//!
//! This file holds the types (zones, verdicts, the summary block); `measure` computes them.

mod measure;
mod note;

pub use note::{Denominator, FacilityField, Note};

#[cfg(test)]
mod tests;

use crate::analysis::Analysis;
use crate::analysis::zones::NO_ZONE;
use crate::model::Zone;

/// Where zones come from.
#[derive(Debug, Clone)]
pub enum ZoneSource {
    /// The whole study area is one zone (no `--zones`).
    StudyArea,
    /// Zones read from a layer (`--zones`).
    Layer(Vec<Zone>),
    /// A regular square grid of this many metres (`--grid`).
    Grid(f64),
}

/// An indicator's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The value meets the target.
    Pass,
    /// The value misses the target.
    Fail,
    /// The value could not be measured (missing attribute, empty zone, rule does not apply).
    NotAssessed,
}

impl Status {
    /// `pass`, `fail` or `not_assessed`, as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotAssessed => "not_assessed",
        }
    }
}

/// One indicator measured in one zone.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorValue {
    /// The value (rounded to four decimals), `None` when not measurable.
    pub value: Option<f64>,
    /// The target that applies to the zone, `None` when the rule does not apply to it.
    pub target: Option<f64>,
    /// The verdict.
    pub status: Status,
    /// Why it is not assessed, or a remark.
    pub note: Option<Note>,
    /// Facilities that lacked an attribute the value needs.
    pub missing: usize,
}

/// One zone's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneStats {
    /// Residences assigned to it.
    pub residences: usize,
    /// Facilities assigned to it.
    pub facilities: usize,
    /// Households.
    pub households: f64,
    /// Residents.
    pub population: f64,
    /// Elderly residents, `None` unless every residence in the zone gives them.
    pub elderly: Option<f64>,
    /// Share of households covered, per category (`None` for a category without a radius or
    /// a zone without households).
    pub covered_share: Vec<Option<f64>>,
    /// Share of households in a complete 5-, 10- and 15-minute life circle.
    pub complete_share: [Option<f64>; 3],
    /// The profile's indicators, in profile order.
    pub indicators: Vec<IndicatorValue>,
}

/// Zones with their figures.
#[derive(Debug, Clone)]
pub struct ZoneReport {
    /// `study_area`, `layer` or `grid`.
    pub kind: super::ZoneKind,
    /// Grid cell size, metres, for `grid`.
    pub grid_m: Option<f64>,
    /// The zones (WGS84), in file order (grid: by row, then column).
    pub zones: Vec<Zone>,
    /// Figures per zone.
    pub stats: Vec<ZoneStats>,
    /// Zone index of each residence ([`NO_ZONE`] when in none).
    pub residence_zone: Vec<u32>,
    /// Zone index of each facility ([`NO_ZONE`] when in none).
    pub facility_zone: Vec<u32>,
    /// Zone pairs (ids, file order) that points lie strictly inside of both, with the count.
    pub overlaps: Vec<(String, String, usize)>,
}

impl ZoneReport {
    /// Residences in no zone (indices, input order).
    pub fn unassigned_residences(&self) -> Vec<usize> {
        (0..self.residence_zone.len()).filter(|&i| self.residence_zone[i] == NO_ZONE).collect()
    }

    /// Facilities in no zone (indices, input order).
    pub fn unassigned_facilities(&self) -> Vec<usize> {
        (0..self.facility_zone.len()).filter(|&i| self.facility_zone[i] == NO_ZONE).collect()
    }
}

/// How many zones passed, failed or were not assessed on one indicator (summary.json).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IndicatorSummary {
    /// Indicator id.
    pub id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// The target, e.g. `≥ 0.1`.
    pub target: String,
    /// Which zones it applies to.
    pub applies_to: crate::standards::AppliesTo,
    /// Document and clause.
    pub source: String,
    /// Zones that pass.
    pub pass: usize,
    /// Zones that fail.
    pub fail: usize,
    /// Zones not assessed.
    pub not_assessed: usize,
}

/// Two zones that hold points strictly inside both.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Overlap {
    /// The first zone (file order), which got the points.
    pub zone: String,
    /// The second zone.
    pub other: String,
    /// Residences and facilities inside both.
    pub points: usize,
}

/// The zones block of summary.json.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZoneSummary {
    /// `study_area`, `layer` or `grid`.
    pub kind: super::ZoneKind,
    /// Grid cell size, metres (grid only).
    pub grid_m: Option<f64>,
    /// Number of zones.
    pub zones: usize,
    /// Residences in no zone.
    pub residences_unassigned: usize,
    /// Their ids (the first 100).
    pub unassigned_residence_ids: Vec<String>,
    /// Facilities in no zone.
    pub facilities_unassigned: usize,
    /// Their ids (the first 100).
    pub unassigned_facility_ids: Vec<String>,
    /// Overlapping zones.
    pub overlaps: Vec<Overlap>,
    /// Verdict counts per indicator, in profile order.
    pub indicators: Vec<IndicatorSummary>,
}

impl ZoneReport {
    /// The summary.json block for these zones.
    pub fn summary(&self, a: &Analysis) -> ZoneSummary {
        let res = self.unassigned_residences();
        let fac = self.unassigned_facilities();
        let indicators = a
            .profile
            .indicators
            .iter()
            .enumerate()
            .map(|(k, r)| {
                let count = |st: Status| self.stats.iter().filter(|s| s.indicators[k].status == st).count();
                IndicatorSummary {
                    id: r.id.as_str().to_owned(),
                    name_zh: r.name_zh.clone(),
                    name_en: r.name_en.clone(),
                    target: r.target_text(),
                    applies_to: r.applies_to,
                    source: r.source.clone(),
                    pass: count(Status::Pass),
                    fail: count(Status::Fail),
                    not_assessed: count(Status::NotAssessed),
                }
            })
            .collect();
        ZoneSummary {
            kind: self.kind,
            grid_m: self.grid_m,
            zones: self.zones.len(),
            residences_unassigned: res.len(),
            unassigned_residence_ids: res.iter().take(100).map(|&i| a.residences[i].id.clone()).collect(),
            facilities_unassigned: fac.len(),
            unassigned_facility_ids: fac.iter().take(100).map(|&i| a.facilities[i].id.clone()).collect(),
            overlaps: self
                .overlaps
                .iter()
                .map(|(z, o, n)| Overlap { zone: z.clone(), other: o.clone(), points: *n })
                .collect(),
            indicators,
        }
    }
}

/// Rounds to four decimals (values are judged as written).
fn round4(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

/// Sums of a facility attribute over a set, with how many lacked it.
#[derive(Debug, Clone, Copy, Default)]
struct Sum {
    total: f64,
    max: f64,
    missing: usize,
    count: usize,
}

impl Sum {
    fn add(&mut self, v: Option<f64>) {
        self.count += 1;
        match v {
            Some(v) => {
                self.total += v;
                self.max = self.max.max(v);
            }
            None => self.missing += 1,
        }
    }
}
