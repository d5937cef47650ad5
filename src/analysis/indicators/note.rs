//! Why an indicator could not be judged in a zone: a [`Note`] is a code with its parameters.
//! The zones layer writes its code (`<indicator>_note_code`), its parameters
//! (`<indicator>_note_args`, a JSON object) and its English sentence (`<indicator>_note`); the
//! report renders it in the reader's language from the code and the parameters.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::standards::AppliesTo;

/// A facility attribute an indicator sums or checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacilityField {
    /// `land_area_m2`, or the facility's polygon.
    LandArea,
    /// `floor_area_m2`.
    FloorArea,
    /// `activity_area_m2`.
    ActivityArea,
    /// `office_area_m2`.
    OfficeArea,
    /// `volunteer_station` (or a volunteer station nearby).
    VolunteerStation,
    /// A health facility nearby.
    HealthFacility,
    /// `open_hours` (on the facility or its zone).
    OpenHours,
}

impl FacilityField {
    /// The field as the English note names it.
    pub fn english(self) -> &'static str {
        match self {
            FacilityField::LandArea => "land area (land_area_m2 or a polygon)",
            FacilityField::FloorArea => "floor area (floor_area_m2)",
            FacilityField::ActivityArea => "activity area (activity_area_m2)",
            FacilityField::OfficeArea => "office area (office_area_m2)",
            FacilityField::VolunteerStation => "volunteer station information",
            FacilityField::HealthFacility => "health facility information",
            FacilityField::OpenHours => "open_hours",
        }
    }
}

/// What a ratio is taken per, when the zone has none of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Denominator {
    /// Residents of the zone.
    Residents,
    /// Households of the zone.
    Households,
    /// The summed floor area of the zone's subject facilities.
    FacilityFloorArea,
}

impl Denominator {
    /// The denominator as the English note names it.
    pub fn english(self) -> &'static str {
        match self {
            Denominator::Residents => "residents",
            Denominator::Households => "households",
            Denominator::FacilityFloorArea => "facility floor area",
        }
    }
}

/// Why an indicator is `not_assessed` in a zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Note {
    /// The rule applies to urban or rural zones only, and the zone is the other kind.
    NotApplicable {
        /// The zones the rule applies to (`urban` or `rural`).
        applies_to: AppliesTo,
        /// The zone is rural (else urban or unspecified).
        rural: bool,
    },
    /// The zone lacks an attribute the indicator reads.
    MissingZoneAttribute {
        /// The attribute (`community_workers`, `social_orgs`...).
        attribute: String,
    },
    /// The zone has none of what the ratio is taken per.
    NoDenominator {
        /// Residents, households or facility floor area.
        per: Denominator,
    },
    /// Some of the zone's subject facilities lack an attribute the value needs.
    FacilitiesLackField {
        /// Facilities without it.
        missing: usize,
        /// Subject facilities in the zone.
        count: usize,
        /// The subject categories (ids, comma-separated as in the profile).
        categories: String,
        /// The attribute.
        field: FacilityField,
    },
    /// The zone has no facility of the subject categories.
    NoFacility {
        /// The subject categories.
        categories: String,
    },
    /// The rule applies from a number of households and the zone has fewer.
    BelowHouseholdThreshold {
        /// Households from which the rule applies.
        min: f64,
        /// Households of the zone.
        households: f64,
    },
    /// The subject categories have no radius in the profile, so no coverage can be measured.
    NoRadius {
        /// The subject categories.
        categories: String,
    },
}

impl Note {
    /// The code written to `<indicator>_note_code`: stable, for scripts to filter on.
    pub fn code(&self) -> &'static str {
        match self {
            Note::NotApplicable { .. } => "not_applicable",
            Note::MissingZoneAttribute { .. } => "missing_zone_attribute",
            Note::NoDenominator { .. } => "no_denominator",
            Note::FacilitiesLackField { .. } => "facilities_lack_field",
            Note::NoFacility { .. } => "no_facility",
            Note::BelowHouseholdThreshold { .. } => "below_household_threshold",
            Note::NoRadius { .. } => "no_radius",
        }
    }

    /// The parameters as a JSON object (without the code), written to `<indicator>_note_args`.
    pub fn args_json(&self) -> String {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("code");
        }
        v.to_string()
    }

    /// Reads a note back from its code and its parameters (as written to the zones layer).
    pub fn from_parts(code: &str, args: &str) -> Option<Note> {
        let mut v: serde_json::Value = serde_json::from_str(args).ok()?;
        v.as_object_mut()?.insert("code".into(), code.into());
        serde_json::from_value(v).ok()
    }
}

/// The English sentence, as written to `<indicator>_note`.
impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::NotApplicable { applies_to, rural } => {
                let kind = if *rural { "rural" } else { "urban (or unspecified)" };
                write!(f, "applies to {} zones; this zone is {kind}", applies_to.as_str())
            }
            Note::MissingZoneAttribute { attribute } => write!(f, "the zone has no {attribute} attribute"),
            Note::NoDenominator { per } => write!(f, "the zone has no {}", per.english()),
            Note::FacilitiesLackField { missing, count, categories, field } => {
                write!(f, "{missing} of {count} {categories} facilities have no {}", field.english())
            }
            Note::NoFacility { categories } => write!(f, "the zone has no {categories} facility"),
            Note::BelowHouseholdThreshold { min, households } => {
                write!(f, "the rule applies from {min} households; the zone has {households}")
            }
            Note::NoRadius { categories } => write!(f, "{categories} has no radius in this profile"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_kind() -> Vec<Note> {
        let categories = "community_service, elderly_care".to_owned();
        vec![
            Note::NotApplicable { applies_to: AppliesTo::Rural, rural: false },
            Note::MissingZoneAttribute { attribute: "social_orgs".into() },
            Note::NoDenominator { per: Denominator::FacilityFloorArea },
            Note::FacilitiesLackField {
                missing: 2,
                count: 3,
                categories: categories.clone(),
                field: FacilityField::LandArea,
            },
            Note::NoFacility { categories: categories.clone() },
            Note::BelowHouseholdThreshold { min: 1000.0, households: 812.5 },
            Note::NoRadius { categories },
        ]
    }

    #[test]
    fn english_sentences_are_those_written_before_the_codes() {
        let texts: Vec<String> = every_kind().iter().map(Note::to_string).collect();
        assert_eq!(
            texts,
            [
                "applies to rural zones; this zone is urban (or unspecified)",
                "the zone has no social_orgs attribute",
                "the zone has no facility floor area",
                "2 of 3 community_service, elderly_care facilities have no land area (land_area_m2 or a polygon)",
                "the zone has no community_service, elderly_care facility",
                "the rule applies from 1000 households; the zone has 812.5",
                "community_service, elderly_care has no radius in this profile",
            ]
        );
    }

    #[test]
    fn code_and_arguments_read_back_to_the_same_note() {
        let mut codes = std::collections::HashSet::new();
        for note in every_kind() {
            assert!(codes.insert(note.code()), "{} twice", note.code());
            let args = note.args_json();
            assert!(!args.contains("\"code\""), "{args}");
            assert_eq!(Note::from_parts(note.code(), &args), Some(note.clone()), "{args}");
        }
        assert_eq!(Note::from_parts("no_such_code", "{}"), None);
        assert_eq!(Note::from_parts("no_facility", "not json"), None);
    }
}
