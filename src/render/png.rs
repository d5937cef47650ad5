//! PNG maps: rasterises a map SVG with [resvg], drawing its Chinese labels with an embedded subset
//! of Noto Sans CJK SC Regular (SIL OFL 1.1; `assets/fonts/`, with its licence and the script that
//! makes it).
//!
//! The subset holds printable ASCII, common punctuation and signs, full-width CJK punctuation,
//! the 3,500 characters of level 1 of the 通用规范汉字表 and every character of the repository's
//! sources, so the built-in profiles' names always draw (a test checks it). Other characters (a
//! rare place name in a user's data) draw from the system's fonts when [`FontSet::with_system_fonts`]
//! is used; what no loaded font has is drawn as a box and listed in [`Png::missing_glyphs`], so the
//! CLI can say which characters and what to install ([`Png::missing_glyphs_message`]).
//!
//! The same SVG, the same size and the same fonts give the same bytes: resvg draws on one thread
//! and the PNG is encoded without a timestamp. (With system fonts, "the same fonts" means the same
//! installed fonts: another machine may draw a rare character from another font.)
//!
//! Text in a map SVG should name its font with [`MAP_FONT_FAMILY`], which works in three places:
//! here (resvg finds the embedded font as `Noto Sans CJK SC`), in the HTML report (which defines
//! `@font-face { font-family: "lc-cjk"; src: url(data:font/otf;base64,…) }` from
//! [`embedded_font`], see [`HTML_FONT_FACE`]) and in a browser opening `map.svg` by itself (which
//! skips `lc-cjk` and uses the first installed CJK font of the list).

use std::sync::Arc;

use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg::{self, fontdb};

use crate::error::{Error, Result};

/// The embedded font: a subset of Noto Sans CJK SC Regular 2.004 (OTF/CFF), see `assets/fonts/README.md`.
static EMBEDDED_FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSansCJKsc-Regular-subset.otf");

/// The family name of the embedded font, as resvg (and the font's `name` table) knows it.
pub const EMBEDDED_FONT_FAMILY: &str = "Noto Sans CJK SC";

/// The family name under which the HTML report defines the embedded font with `@font-face`
/// (`src: url(data:font/otf;base64,…) format("opentype")`, the data being [`embedded_font`]).
/// It heads [`MAP_FONT_FAMILY`], so an SVG inlined in the report uses it.
pub const HTML_FONT_FACE: &str = "lc-cjk";

/// The MIME type of [`embedded_font`], for a `data:` URL.
pub const EMBEDDED_FONT_MIME: &str = "font/otf";

/// The `font-family` for every text of a map SVG, for both the PNG and the HTML report:
/// [`HTML_FONT_FACE`] first (the report's inlined subset), then the embedded font's family (which
/// resvg finds, and a browser finds when Noto Sans CJK is installed), then other common CJK fonts
/// for a browser showing `map.svg` alone, then `sans-serif`. Single quotes only, so it goes into an
/// SVG attribute written with double quotes as it is.
pub const MAP_FONT_FAMILY: &str = "lc-cjk, 'Noto Sans CJK SC', 'Noto Sans SC', 'Source Han Sans SC', \
     'WenQuanYi Zen Hei', 'Microsoft YaHei', 'PingFang SC', sans-serif";

/// What to tell a user whose map shows boxes: the Debian packages of fonts that cover CJK.
pub const FONT_INSTALL_HINT: &str = "install fonts-noto-cjk or fonts-wqy-zenhei";

/// The largest width or height [`svg_to_png`] draws, pixels (a 16,384² RGBA image is 1 GiB).
pub const MAX_PNG_SIDE: u32 = 16_384;

/// The embedded font file (an OpenType/CFF subset of Noto Sans CJK SC Regular), for the HTML
/// report to inline as a `data:` URL under [`HTML_FONT_FACE`]. Its licence (SIL OFL 1.1) must go
/// with any copy distributed on its own; a document made with it is not bound by the licence.
pub fn embedded_font() -> &'static [u8] {
    EMBEDDED_FONT
}

/// The fonts [`svg_to_png`] draws text with: always the embedded font, and optionally the system's.
///
/// Every generic family (`sans-serif`, `serif`, `monospace`...) and text without a `font-family`
/// resolve to the embedded font, so what a map draws does not depend on which Latin fonts a
/// machine has. Cloning is cheap (the font database is shared).
#[derive(Clone)]
pub struct FontSet {
    db: Arc<fontdb::Database>,
    system: bool,
}

impl FontSet {
    /// Only the embedded font: the same image on every machine; characters outside the subset
    /// are drawn as boxes (and reported).
    #[cfg(test)]
    pub fn embedded_only() -> FontSet {
        FontSet { db: Arc::new(Self::database(false)), system: false }
    }

    /// The embedded font first, then every font the system has (fontconfig's directories on
    /// Linux), for characters outside the subset. Loads nothing but the font list: faces are
    /// memory-mapped and read when a character needs them.
    ///
    /// A text run with a character the embedded font lacks is drawn with the first system face
    /// that has it, so the system's faces are ordered for Chinese maps: Simplified Chinese faces
    /// first (a `zh-CN` or `zh-SG` name, or an `SC`/`CN`/`Hans` family), then other CJK faces
    /// (whose glyph forms differ: 骨, 门...), then the rest; sans-serif before serif and
    /// monospace, regular weight first; then by name, so the choice does not hang on the order in
    /// which the system lists its font files.
    pub fn with_system_fonts() -> FontSet {
        FontSet { db: Arc::new(Self::database(true)), system: true }
    }

    fn database(system: bool) -> fontdb::Database {
        let mut db = fontdb::Database::new();
        db.load_font_data(EMBEDDED_FONT.to_vec());
        if system {
            let mut found = fontdb::Database::new();
            found.load_system_fonts();
            let mut faces: Vec<fontdb::FaceInfo> = found.faces().cloned().collect();
            faces.sort_by_cached_key(fallback_rank);
            for face in faces {
                db.push_face_info(fontdb::FaceInfo { id: fontdb::ID::dummy(), ..face });
            }
        }
        db.set_sans_serif_family(EMBEDDED_FONT_FAMILY);
        db.set_serif_family(EMBEDDED_FONT_FAMILY);
        db.set_monospace_family(EMBEDDED_FONT_FAMILY);
        db.set_cursive_family(EMBEDDED_FONT_FAMILY);
        db.set_fantasy_family(EMBEDDED_FONT_FAMILY);
        db
    }

    /// Whether the system's fonts were loaded.
    #[cfg(test)]
    pub fn has_system_fonts(&self) -> bool {
        self.system
    }

    /// The number of font faces loaded (1 with the embedded font alone).
    #[cfg(test)]
    pub fn face_count(&self) -> usize {
        self.db.len()
    }
}

/// The order in which [`FontSet::with_system_fonts`] offers system faces for fallback (smallest first).
fn fallback_rank(face: &fontdb::FaceInfo) -> (u8, u16, bool, String, String, u32) {
    use fontdb::Language as L;
    let names = || face.families.iter().map(|(name, _)| name.as_str());
    let langs = || face.families.iter().map(|(_, lang)| *lang);
    let simplified = langs().any(|l| matches!(l, L::Chinese_PeoplesRepublicOfChina | L::Chinese_Singapore))
        || names().any(|n| n.ends_with(" SC") || n.ends_with(" CN") || n.contains("Hans") || n.contains("WenQuanYi"));
    let cjk = langs().any(|l| {
        matches!(
            l,
            L::Chinese_Taiwan | L::Chinese_HongKongSAR | L::Chinese_MacaoSAR | L::Japanese_Japan | L::Korean_Korea
        )
    }) || names().any(|n| n.contains("CJK"));
    let plain = !face.monospaced && !names().any(|n| n.contains("Serif") || n.contains("Mono"));
    let script = if simplified {
        0
    } else if cjk {
        2
    } else {
        4
    };
    let family = names().next().unwrap_or_default().to_owned();
    (
        script + u8::from(!plain),
        face.weight.0.abs_diff(fontdb::Weight::NORMAL.0),
        face.style != fontdb::Style::Normal,
        family,
        face.post_script_name.clone(),
        face.index,
    )
}

impl std::fmt::Debug for FontSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontSet").field("system", &self.system).field("faces", &self.db.len()).finish()
    }
}

/// A drawn map: the PNG file's bytes and the characters it could not draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Png {
    /// The PNG file (8-bit RGBA, white background).
    pub bytes: Vec<u8>,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// The characters of the SVG's text that no loaded font has a glyph for, drawn as boxes:
    /// distinct, in code-point order, without white space and control characters.
    pub missing_glyphs: Vec<char>,
}

impl Png {
    /// The warning to print when [`Png::missing_glyphs`] is not empty, naming the file, e.g.
    /// `map.png: no font covers 龘, 鬱 (install fonts-noto-cjk or fonts-wqy-zenhei); they are drawn as boxes`;
    /// `None` when every character was drawn.
    pub fn missing_glyphs_message(&self, file: &str) -> Option<String> {
        if self.missing_glyphs.is_empty() {
            return None;
        }
        let chars: Vec<String> = self.missing_glyphs.iter().map(char::to_string).collect();
        let (pronoun, verb) = if chars.len() == 1 { ("it", "is") } else { ("they", "are") };
        Some(format!(
            "{file}: no font covers {} ({FONT_INSTALL_HINT}); {pronoun} {verb} drawn as boxes",
            chars.join(", ")
        ))
    }
}

/// Rasterises `svg` into a `width` × `height` PNG on a white background with `fonts`.
///
/// The SVG's own size (its `width`/`height`, or its `viewBox`) is scaled to fit the image while
/// keeping its proportions, and centred: an SVG of the image's aspect ratio fills it exactly; any
/// other leaves white bands. Errors: an SVG that cannot be read, or a side of 0 or more than
/// [`MAX_PNG_SIDE`] pixels.
pub fn svg_to_png(svg: &str, width: u32, height: u32, fonts: &FontSet) -> Result<Png> {
    if width == 0 || height == 0 || width > MAX_PNG_SIDE || height > MAX_PNG_SIDE {
        return Err(Error::Render(format!(
            "a {width} × {height} image cannot be drawn (each side must be 1 to {MAX_PNG_SIDE} pixels)"
        )));
    }
    let options = usvg::Options {
        font_family: EMBEDDED_FONT_FAMILY.to_owned(),
        fontdb: fonts.db.clone(),
        ..usvg::Options::default()
    };
    let tree =
        usvg::Tree::from_str(svg, &options).map_err(|e| Error::Render(format!("the SVG cannot be read: {e}")))?;

    let size = tree.size();
    let scale = (width as f32 / size.width()).min(height as f32 / size.height());
    let dx = (width as f32 - size.width() * scale) / 2.0;
    let dy = (height as f32 - size.height() * scale) / 2.0;
    let mut pixmap = Pixmap::new(width, height)
        .ok_or_else(|| Error::Render(format!("a {width} × {height} image cannot be allocated")))?;
    pixmap.fill(Color::WHITE);
    resvg::render(&tree, Transform::from_row(scale, 0.0, 0.0, scale, dx, dy), &mut pixmap.as_mut());
    let bytes = pixmap.encode_png().map_err(|e| Error::Render(format!("the PNG cannot be encoded: {e}")))?;

    let mut missing = Vec::new();
    missing_in_group(tree.root(), &mut missing);
    missing.sort_unstable();
    missing.dedup();
    Ok(Png { bytes, width, height, missing_glyphs: missing })
}

/// Collects the characters of every glyph that resvg drew as `.notdef` (glyph 0: no loaded font
/// had it) in `group` and its descendants, including clip paths, masks and patterns.
fn missing_in_group(group: &usvg::Group, out: &mut Vec<char>) {
    for node in group.children() {
        if let usvg::Node::Text(text) = node {
            for span in text.layouted() {
                for glyph in span.positioned_glyphs.iter().filter(|g| g.id.0 == 0) {
                    out.extend(glyph.text.chars().filter(|c| !c.is_whitespace() && !c.is_control()));
                }
            }
        }
        if let usvg::Node::Group(g) = node {
            missing_in_group(g, out);
        }
        node.subroots(|g| missing_in_group(g, out));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::standards::{BUILT_IN, StandardProfile};

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    }

    /// A 400 × 200 SVG: a filled rectangle on the left half, `text` at 40 px in the right half.
    fn sample_svg(text: &str) -> String {
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200" viewBox="0 0 400 200">
<rect x="10" y="10" width="100" height="180" fill="#1f77b4"/>
<text x="130" y="120" font-family="{MAP_FONT_FAMILY}" font-size="40" fill="#000">{}</text>
</svg>"##,
            escape(text)
        )
    }

    /// Pixels darker than mid-grey in the rectangle `x0..x1` × `y0..y1`.
    fn dark_pixels(pixmap: &Pixmap, x0: u32, x1: u32, y0: u32, y1: u32) -> usize {
        let mut n = 0;
        for y in y0..y1 {
            for x in x0..x1 {
                let p = pixmap.pixel(x, y).expect("inside the image");
                if (p.red() as u32 + p.green() as u32 + p.blue() as u32) < 3 * 100 {
                    n += 1;
                }
            }
        }
        n
    }

    #[test]
    fn draws_chinese_text_with_the_embedded_font() {
        let png = svg_to_png(&sample_svg("图例 社区卫生服务站"), 800, 400, &FontSet::embedded_only()).unwrap();
        assert_eq!(png.missing_glyphs, Vec::<char>::new());
        assert_eq!((png.width, png.height), (800, 400));
        let pixmap = Pixmap::decode_png(&png.bytes).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (800, 400));
        // The SVG is scaled ×2: the rectangle covers x 20..220, the text's line y ≈ 160..250.
        let p = pixmap.pixel(100, 200).unwrap();
        assert_eq!((p.red(), p.green(), p.blue(), p.alpha()), (0x1f, 0x77, 0xb4, 255));
        let corner = pixmap.pixel(799, 0).unwrap();
        assert_eq!((corner.red(), corner.green(), corner.blue(), corner.alpha()), (255, 255, 255, 255));
        let text_ink = dark_pixels(&pixmap, 250, 800, 150, 260);
        assert!(text_ink > 2_000, "the text was not drawn: {text_ink} dark pixels");
        // Nothing dark above the text line.
        assert_eq!(dark_pixels(&pixmap, 250, 800, 0, 140), 0);
    }

    #[test]
    fn same_input_same_bytes() {
        let fonts = FontSet::embedded_only();
        let svg = sample_svg("15分钟社区生活圈 覆盖率 ≥ 90% · 缺口");
        let a = svg_to_png(&svg, 300, 150, &fonts).unwrap();
        let b = svg_to_png(&svg, 300, 150, &FontSet::embedded_only()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn a_character_outside_the_subset_is_reported() {
        // tools/subset_font.py never adds 龘 and 鬱 (NOT_IN_SUBSET), though the sources mention them.
        let png = svg_to_png(&sample_svg("龘街 鬱社区 龘"), 400, 200, &FontSet::embedded_only()).unwrap();
        assert_eq!(png.missing_glyphs, vec!['鬱', '龘']);
        assert_eq!(
            png.missing_glyphs_message("map.png").unwrap(),
            "map.png: no font covers 鬱, 龘 (install fonts-noto-cjk or fonts-wqy-zenhei); they are drawn as boxes"
        );
        let drawn = svg_to_png(&sample_svg("社区"), 400, 200, &FontSet::embedded_only()).unwrap();
        assert_eq!(drawn.missing_glyphs_message("map.png"), None);
    }

    #[test]
    fn the_svg_keeps_its_proportions_and_is_centred() {
        // A square SVG filled black, drawn 200 × 100: a black 100 × 100 square in the middle.
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>"#;
        let png = svg_to_png(svg, 200, 100, &FontSet::embedded_only()).unwrap();
        let pixmap = Pixmap::decode_png(&png.bytes).unwrap();
        assert_eq!(dark_pixels(&pixmap, 0, 200, 0, 100), 100 * 100);
        assert_eq!(dark_pixels(&pixmap, 50, 150, 0, 100), 100 * 100);
    }

    #[test]
    fn bad_sizes_and_bad_svg_are_errors() {
        let fonts = FontSet::embedded_only();
        let svg = sample_svg("x");
        for (w, h) in [(0, 10), (10, 0), (MAX_PNG_SIDE + 1, 10)] {
            let e = svg_to_png(&svg, w, h, &fonts).unwrap_err();
            assert!(matches!(e, Error::Render(_)), "{e}");
        }
        let e = svg_to_png("<svg", 10, 10, &fonts).unwrap_err();
        assert!(e.to_string().starts_with("cannot draw the map: the SVG cannot be read"), "{e}");
    }

    #[test]
    fn generic_families_and_no_family_use_the_embedded_font() {
        let fonts = FontSet::embedded_only();
        assert_eq!(fonts.face_count(), 1);
        for family in ["sans-serif", "serif", "monospace", "'Some Font Nobody Has'"] {
            let svg = format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50"><text x="5" y="40" font-family="{family}" font-size="30">生活圈</text><text x="100" y="40" font-size="30">社区</text></svg>"#
            );
            let png = svg_to_png(&svg, 200, 50, &fonts).unwrap();
            assert!(png.missing_glyphs.is_empty(), "{family}: {:?}", png.missing_glyphs);
        }
    }

    #[test]
    fn system_fonts_come_after_the_embedded_font() {
        let fonts = FontSet::with_system_fonts();
        assert!(fonts.has_system_fonts() && fonts.face_count() >= 1);
        let png = svg_to_png(&sample_svg("图例 15分钟"), 200, 100, &fonts).unwrap();
        assert!(png.missing_glyphs.is_empty(), "{:?}", png.missing_glyphs);
    }

    #[test]
    fn system_faces_are_offered_simplified_chinese_first() {
        use fontdb::Language as L;
        let face = |family: &str, lang: L, weight: u16| fontdb::FaceInfo {
            id: fontdb::ID::dummy(),
            source: fontdb::Source::Binary(Arc::new(Vec::<u8>::new())),
            index: 0,
            families: vec![(family.to_owned(), L::English_UnitedStates), (family.to_owned(), lang)],
            post_script_name: family.replace(' ', ""),
            style: fontdb::Style::Normal,
            weight: fontdb::Weight(weight),
            stretch: fontdb::Stretch::Normal,
            monospaced: false,
        };
        let mut faces = [
            face("DejaVu Sans", L::English_UnitedStates, 400),
            face("Noto Sans CJK JP", L::Japanese_Japan, 400),
            face("Noto Serif CJK SC", L::Chinese_PeoplesRepublicOfChina, 400),
            face("Noto Sans CJK TC", L::Chinese_Taiwan, 400),
            face("Noto Sans CJK SC", L::Chinese_PeoplesRepublicOfChina, 700),
            face("WenQuanYi Zen Hei", L::English_UnitedStates, 500),
            face("Noto Sans CJK SC", L::Chinese_PeoplesRepublicOfChina, 400),
        ];
        faces.sort_by_cached_key(fallback_rank);
        let order: Vec<String> = faces.iter().map(|f| format!("{} {}", f.families[0].0, f.weight.0)).collect();
        assert_eq!(
            order,
            [
                "Noto Sans CJK SC 400",
                "WenQuanYi Zen Hei 500",
                "Noto Sans CJK SC 700",
                "Noto Serif CJK SC 400",
                "Noto Sans CJK JP 400",
                "Noto Sans CJK TC 400",
                "DejaVu Sans 400",
            ]
        );
    }

    #[test]
    fn map_font_family_goes_into_an_svg_attribute_and_css() {
        assert!(!MAP_FONT_FAMILY.contains('"') && !MAP_FONT_FAMILY.contains("  "), "{MAP_FONT_FAMILY}");
        let families: Vec<&str> = MAP_FONT_FAMILY.split(", ").collect();
        assert_eq!(families[0], HTML_FONT_FACE);
        assert_eq!(families[1], format!("'{EMBEDDED_FONT_FAMILY}'"));
        assert_eq!(families.last(), Some(&"sans-serif"));
    }

    #[test]
    fn embedded_font_is_an_opentype_file() {
        assert_eq!(&embedded_font()[..4], b"OTTO");
    }

    /// Every Chinese name of the built-in profiles draws with the embedded font alone. When this
    /// fails after a profile gained a name, regenerate the subset: `python3 tools/subset_font.py`.
    #[test]
    fn embedded_font_covers_every_built_in_profile() {
        let mut names = Vec::new();
        for id in BUILT_IN {
            let p = StandardProfile::built_in(id).unwrap();
            names.push(p.name_zh.clone());
            names.extend(p.tiers.iter().map(|t| t.name_zh.clone()));
            names.extend(p.categories.iter().map(|c| c.name_zh.clone()));
            names.extend(p.indicators.iter().map(|i| i.name_zh.clone()));
        }
        let texts: String = names
            .iter()
            .enumerate()
            .map(|(i, n)| format!(r#"<text x="0" y="{}" font-size="10">{}</text>"#, 10 * (i + 1), escape(n)))
            .collect();
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="400" height="{}">{texts}</svg>"#,
            10 * (names.len() + 1)
        );
        let png = svg_to_png(&svg, 40, 40, &FontSet::embedded_only()).unwrap();
        assert!(
            png.missing_glyphs.is_empty(),
            "the embedded font has no glyph for {:?} (from a built-in profile's name): run \
             `python3 tools/subset_font.py` to regenerate assets/fonts/ and commit the new subset",
            png.missing_glyphs.iter().collect::<String>()
        );
        assert!(names.iter().map(|n| n.chars().count()).sum::<usize>() > 100, "profiles' names were found");
    }
}
