//! Text on the map: estimated widths, fitting and wrapping labels into a width, XML escaping.

use super::r1;

/// Estimated width of `text` in pixels at font size `font` (CJK glyphs are square, Latin about
/// half as wide): enough to lay out the legend and wrap the attribution.
pub(super) fn text_width(text: &str, font: f64) -> f64 {
    text.chars().map(|c| if (c as u32) >= 0x2E80 { font } else { font * 0.56 }).sum()
}

/// Font size and text that fit `text` into `max_w` pixels: the size shrinks down to 72 % of
/// `font`, then the text is cut with an ellipsis.
pub(super) fn fit(text: &str, font: f64, max_w: f64) -> (f64, String) {
    let w = text_width(text, font);
    if w <= max_w {
        return (font, text.to_owned());
    }
    let size = (font * max_w / w).max(font * 0.72);
    let mut cut = String::new();
    for c in text.chars() {
        if text_width(&cut, size) + text_width(&format!("{c}…"), size) > max_w {
            cut.push('…');
            return (r1(size), cut);
        }
        cut.push(c);
    }
    (r1(size), cut)
}

/// Escapes text for XML.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Splits `text` into lines no wider than `max_w`, at spaces (or anywhere in CJK text).
pub(super) fn wrap(text: &str, font: f64, max_w: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_inclusive(' ') {
        if !line.is_empty() && text_width(&line, font) + text_width(word, font) > max_w {
            lines.push(line.trim_end().to_owned());
            line.clear();
        }
        for c in word.chars() {
            if !line.is_empty() && (c as u32) >= 0x2E80 && text_width(&line, font) + font > max_w {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}
