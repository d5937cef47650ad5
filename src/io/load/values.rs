//! Attribute values as the loaders read them: numbers (finite, non-negative, totals that stay
//! finite), opening hours, yes/no, urban/rural, walking direction and the `foot` rule.

use crate::error::{Error, Location, Result};
use crate::io::layer::Value;
use crate::model::Direction;

/// Adds `value` to a running total of a field, failing when the total is no longer a finite
/// number (1e308 households twice): summary.json could not hold it.
pub(super) fn add_to_total(total: &mut f64, value: f64, at: &dyn Fn() -> Location) -> Result<()> {
    *total += value;
    if total.is_finite() {
        Ok(())
    } else {
        Err(Error::input(
            at(),
            format!(
                "{value} brings the layer's total of this field past the largest number (about 1.8e308): \
                 check the values of this field"
            ),
        ))
    }
}

/// Reads a value as a number: empty is `None`, text must parse, NaN and infinity are errors.
/// `at` names where the value sits; it is only called when there is something to report.
pub fn number(value: &Value, at: &dyn Fn() -> Location) -> Result<Option<f64>> {
    let n = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => *n,
        Value::Bool(_) => return Err(Error::input(at(), "is true/false, expected a number")),
        Value::Text(t) => {
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<f64>().map_err(|_| Error::input(at(), format!("'{t}' is not a number")))?
        }
    };
    if !n.is_finite() {
        let shown = match value {
            Value::Text(t) => format!("'{}'", t.trim()),
            _ => n.to_string(),
        };
        return Err(Error::input(at(), format!("{shown} is not a finite number")));
    }
    Ok(Some(n))
}

/// A derived count, rounded to 1e-6 so that 10 × 2.62 is written as 26.2 (a count too large for
/// that rounding to matter is kept as it is, rather than overflowing while rounding).
pub(super) fn derived(x: f64) -> f64 {
    if x.abs() < 1e15 { (x * 1e6).round() / 1e6 } else { x }
}

pub(super) fn non_negative(value: &Value, at: &dyn Fn() -> Location) -> Result<Option<f64>> {
    match number(value, at)? {
        Some(n) if n < 0.0 => Err(Error::input(at(), format!("{n} is negative"))),
        other => Ok(other),
    }
}

/// Reads daily opening hours: a number of hours (0–24), `24/7`, or one or more time ranges
/// such as `08:00-20:00` or `8:00-12:00,14:00-18:00` (a range past midnight wraps). Empty is
/// `None`; anything else is an error naming the value.
pub fn hours_per_day(value: &Value, at: &dyn Fn() -> Location) -> Result<Option<f64>> {
    let text = match value {
        Value::Text(t) => t.trim().to_owned(),
        other => {
            return match number(other, at)? {
                Some(h) if !(0.0..=24.0).contains(&h) => {
                    Err(Error::input(at(), format!("{h} hours a day is outside 0–24")))
                }
                h => Ok(h),
            };
        }
    };
    if text.is_empty() {
        return Ok(None);
    }
    if let Ok(h) = text.parse::<f64>() {
        return hours_per_day(&Value::Number(h), at);
    }
    if text == "24/7" || text == "24小时" {
        return Ok(Some(24.0));
    }
    let clock = |s: &str| -> Option<f64> {
        let (h, m) = s.trim().split_once([':', '：']).unwrap_or((s.trim(), "0"));
        let (h, m) = (h.trim().parse::<u32>().ok()?, m.trim().parse::<u32>().ok()?);
        (h <= 24 && m < 60 && (h < 24 || m == 0)).then(|| f64::from(h) + f64::from(m) / 60.0)
    };
    let mut total = 0.0;
    for range in text.split([',', ';', '，', '；']) {
        let parsed = range.split_once(['-', '–', '~', '～']).and_then(|(a, b)| Some((clock(a)?, clock(b)?)));
        let Some((from, to)) = parsed else {
            return Err(Error::input(
                at(),
                format!(
                    "opening hours '{text}' are not understood: give hours a day (e.g. 10) or ranges like 08:00-20:00"
                ),
            ));
        };
        total += if to > from { to - from } else { to + 24.0 - from };
    }
    Ok(Some(total.min(24.0)))
}

/// Reads a yes/no value: yes/true/1/是/有 or no/false/0/否/无; empty is `None`.
pub fn yes_no(value: &Value, at: &dyn Fn() -> Location) -> Result<Option<bool>> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::Bool(b) => return Ok(Some(*b)),
        Value::Number(n) if *n == 1.0 => return Ok(Some(true)),
        Value::Number(n) if *n == 0.0 => return Ok(Some(false)),
        Value::Number(n) => crate::io::layer::format_number(*n),
        Value::Text(t) => t.trim().to_lowercase(),
    };
    match text.as_str() {
        "" => Ok(None),
        "yes" | "true" | "1" | "y" | "是" | "有" => Ok(Some(true)),
        "no" | "false" | "0" | "n" | "否" | "无" => Ok(Some(false)),
        other => Err(Error::input(at(), format!("'{other}' is not yes/no (use yes, no, true, false, 1 or 0)"))),
    }
}

/// Reads urban/rural: `Some(true)` for rural (rural/农村/村/乡村/village), `Some(false)` for
/// urban (urban/城市/城镇/社区/city/town); a boolean or 1/0 column named `urban` reads as
/// urban = true. Empty is `None`.
pub(super) fn rural_of(value: &Value, at: &dyn Fn() -> Location) -> Result<Option<bool>> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::Bool(urban) => return Ok(Some(!urban)),
        Value::Number(n) if *n == 1.0 => return Ok(Some(false)),
        Value::Number(n) if *n == 0.0 => return Ok(Some(true)),
        Value::Number(n) => crate::io::layer::format_number(*n),
        Value::Text(t) => t.trim().to_lowercase(),
    };
    match text.as_str() {
        "" => Ok(None),
        "urban" | "city" | "town" | "城市" | "城镇" | "社区" | "城" | "true" | "yes" => Ok(Some(false)),
        "rural" | "village" | "农村" | "乡村" | "村" | "乡" | "false" | "no" => Ok(Some(true)),
        other => {
            Err(Error::input(at(), format!("'{other}' is neither urban (urban/城市/社区) nor rural (rural/农村/村)")))
        }
    }
}

/// Reads a walking direction (`oneway_foot` role): yes/true/1 → forward, -1/reverse →
/// backward, no/false/0/empty → both ways.
pub(super) fn direction(value: &Value, at: &dyn Fn() -> Location) -> Result<Direction> {
    let text = match value {
        Value::Null => return Ok(Direction::Both),
        Value::Bool(b) => return Ok(if *b { Direction::Forward } else { Direction::Both }),
        Value::Number(n) if *n == 1.0 => return Ok(Direction::Forward),
        Value::Number(n) if *n == -1.0 => return Ok(Direction::Backward),
        Value::Number(n) if *n == 0.0 => return Ok(Direction::Both),
        Value::Number(n) => crate::io::layer::format_number(*n),
        Value::Text(t) => t.trim().to_lowercase(),
    };
    match text.as_str() {
        "" | "no" | "false" | "0" | "both" => Ok(Direction::Both),
        "yes" | "true" | "1" | "forward" => Ok(Direction::Forward),
        "-1" | "reverse" | "backward" => Ok(Direction::Backward),
        other => Err(Error::input(
            at(),
            format!(
                "walking direction '{other}' is not understood: use yes (along the line), -1 (against it) or no (both ways)"
            ),
        )),
    }
}

/// Whether a `foot` attribute allows walking: no/private/false/0 do not.
pub(super) fn walkable(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0,
        Value::Text(t) => !matches!(t.trim().to_lowercase().as_str(), "no" | "private" | "false" | "0"),
        Value::Null => true,
    }
}
