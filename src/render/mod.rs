//! Drawing for people: [`png`] rasterises a map SVG with the embedded CJK font. (The terminal
//! tables of the command line live with it, in the binary.)

pub mod png;
