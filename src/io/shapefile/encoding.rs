//! Text encodings of `.dbf` files: Windows code pages, language driver ids, and the decoder that
//! chooses the encoding and reports text that is not valid in it.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use encoding_rs::Encoding;

use super::{encoding_for_label, read_error, sibling};
use crate::error::{Error, Location, Result};

/// The encoding of a Windows code page number, for those encoding_rs supports.
pub(super) fn code_page_encoding(code_page: u16) -> Option<&'static Encoding> {
    use encoding_rs as e;
    Some(match code_page {
        65001 => e::UTF_8,
        936 | 20936 => e::GBK,
        54936 => e::GB18030,
        950 => e::BIG5,
        932 => e::SHIFT_JIS,
        949 | 51949 => e::EUC_KR,
        20932 | 51932 => e::EUC_JP,
        874 => e::WINDOWS_874,
        866 => e::IBM866,
        1250 => e::WINDOWS_1250,
        1251 => e::WINDOWS_1251,
        1252 | 28591 => e::WINDOWS_1252,
        1253 => e::WINDOWS_1253,
        1254 => e::WINDOWS_1254,
        1255 => e::WINDOWS_1255,
        1256 => e::WINDOWS_1256,
        1257 => e::WINDOWS_1257,
        1258 => e::WINDOWS_1258,
        28592 => e::ISO_8859_2,
        28593 => e::ISO_8859_3,
        28594 => e::ISO_8859_4,
        28595 => e::ISO_8859_5,
        28596 => e::ISO_8859_6,
        28597 => e::ISO_8859_7,
        28598 => e::ISO_8859_8,
        28603 => e::ISO_8859_13,
        28605 => e::ISO_8859_15,
        20866 => e::KOI8_R,
        21866 => e::KOI8_U,
        10000 => e::MACINTOSH,
        10007 => e::X_MAC_CYRILLIC,
        _ => return None,
    })
}

/// The encoding named by a `.dbf` language driver id, for the code pages encoding_rs supports.
///
/// `0x57` ("ANSI", the writing machine's code page) and the DOS code pages are unknown.
fn ldid_encoding(ldid: u8) -> Option<&'static Encoding> {
    let code_page = match ldid {
        0x03 | 0x58 | 0x59 | 0x61 | 0x62 => 1252,
        0x04 => 10000,
        0x13 | 0x56 | 0x7B => 932,
        0x26 | 0x65 => 866,
        0x4D | 0x7A => 936,
        0x4E | 0x79 => 949,
        0x4F | 0x78 => 950,
        0x50 | 0x7C => 874,
        0x7D => 1255,
        0x7E => 1256,
        0x96 => 10007,
        0x9B | 0xC8 => 1250,
        0xC9 => 1251,
        0xCA => 1254,
        0xCB => 1253,
        0xCC => 1257,
        _ => return None,
    };
    code_page_encoding(code_page)
}

/// Where the `.dbf` text encoding came from.
#[derive(Debug, Clone)]
enum EncodingSource {
    /// The `--dbf-encoding` flag: invalid bytes are replaced, not reported.
    Flag,
    /// A `.cpg` file with this label.
    Cpg(String),
    /// The `.dbf` header's language driver byte.
    Ldid(u8),
    /// Nothing said: UTF-8.
    Default,
}

/// Decodes `.dbf` text in the chosen encoding.
#[derive(Debug, Clone)]
pub(super) struct TextDecoder {
    encoding: &'static Encoding,
    source: EncodingSource,
}

impl TextDecoder {
    /// Chooses the encoding: flag, then `.cpg`, then language driver id, then UTF-8.
    pub(super) fn choose(flag: Option<&'static Encoding>, shp_path: &Path, ldid: u8) -> Result<Self> {
        if let Some(encoding) = flag {
            return Ok(TextDecoder { encoding, source: EncodingSource::Flag });
        }
        if let Some(cpg_path) = sibling(shp_path, "cpg") {
            let mut raw = Vec::new();
            File::open(&cpg_path)
                .and_then(|file| file.take(1024).read_to_end(&mut raw))
                .map_err(|source| read_error(&cpg_path, source))?;
            let text = String::from_utf8_lossy(&raw);
            let label = text.trim().trim_start_matches('\u{feff}').trim();
            if !label.is_empty() {
                let Some(encoding) = encoding_for_label(label) else {
                    return Err(Error::input(
                        Location::file(&cpg_path),
                        format!(
                            "unknown encoding '{label}': pass --dbf-encoding with the encoding \
                             the .dbf text is in (for example gbk or utf-8)"
                        ),
                    ));
                };
                return Ok(TextDecoder { encoding, source: EncodingSource::Cpg(label.to_owned()) });
            }
        }
        if let Some(encoding) = ldid_encoding(ldid) {
            return Ok(TextDecoder { encoding, source: EncodingSource::Ldid(ldid) });
        }
        Ok(TextDecoder { encoding: encoding_rs::UTF_8, source: EncodingSource::Default })
    }

    /// Decodes `bytes`; `full_width` says they fill their field, so a character cut at the end
    /// may be dropped. Errors carry the message for the user.
    pub(super) fn decode(&self, bytes: &[u8], full_width: bool) -> std::result::Result<String, String> {
        let strict =
            |b: &[u8]| self.encoding.decode_without_bom_handling_and_without_replacement(b).map(Cow::into_owned);
        if let Some(text) = strict(bytes) {
            return Ok(text);
        }
        if full_width {
            for cut in 1..=3.min(bytes.len()) {
                if let Some(text) = strict(&bytes[..bytes.len() - cut]) {
                    return Ok(text);
                }
            }
        }
        let name = self.encoding.name();
        match &self.source {
            EncodingSource::Flag => Ok(self.encoding.decode_without_bom_handling(bytes).0.into_owned()),
            EncodingSource::Cpg(label) => Err(format!(
                "text is not valid {name} although the .cpg file says '{label}': pass \
                 --dbf-encoding with the right encoding (for example gbk or utf-8) to override it"
            )),
            EncodingSource::Ldid(ldid) => Err(format!(
                "text is not valid {name} (the code page named by the .dbf header's language \
                 driver byte 0x{ldid:02X}) and no .cpg file says which encoding it is: pass \
                 --dbf-encoding with the right encoding (for example gbk or utf-8) or add a .cpg \
                 file naming it"
            )),
            EncodingSource::Default => Err("text is not valid UTF-8 and no .cpg file says which \
                 encoding it is: if it is GBK (as Chinese ArcGIS/Excel saves it), pass \
                 --dbf-encoding gbk or add a .cpg file containing GBK"
                .to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use crate::io::layer::Value;
    use crate::io::shapefile::fixtures::{input_message, write_gbk_services, write_raw_dbf};
    use crate::io::shapefile::{read_shapefile, write_point_shapefile};

    #[test]
    fn gbk_without_cpg_is_an_error_naming_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let shp = write_gbk_services(dir.path()).unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        let (location, message) = input_message(&err);
        assert_eq!(location.path, dir.path().join("services.dbf"));
        assert_eq!(location.feature, Some(0));
        assert_eq!(location.field.as_deref(), Some("category"));
        assert!(message.contains("pass --dbf-encoding gbk"), "{message}");
        assert!(message.contains("not valid UTF-8"), "{message}");
    }

    #[test]
    fn gbk_reads_with_the_flag_or_a_cpg() {
        let dir = tempfile::tempdir().unwrap();
        let shp = write_gbk_services(dir.path()).unwrap();
        let expected = [
            Value::Text("S1".into()),
            Value::Text("社区卫生服务站".into()),
            Value::Text("东华门社区卫生服务站".into()),
        ];
        let layer = read_shapefile(&shp, Some(encoding_rs::GBK)).unwrap();
        assert_eq!(layer.features[0].values, expected);
        assert_eq!(layer.features[2].values[1], Value::Text("幼儿园".into()));
        for label in ["GBK", "936", "CP936\n", "gb2312", "\u{feff}GB18030"] {
            fs::write(dir.path().join("services.cpg"), label).unwrap();
            let layer = read_shapefile(&shp, None).unwrap();
            assert_eq!(layer.features[0].values, expected, ".cpg {label:?}");
        }
        // The flag beats a wrong .cpg.
        fs::write(dir.path().join("services.cpg"), "UTF-8").unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        assert!(input_message(&err).1.contains(".cpg file says 'UTF-8'"));
        let layer = read_shapefile(&shp, Some(encoding_rs::GBK)).unwrap();
        assert_eq!(layer.features[0].values, expected);
        fs::write(dir.path().join("services.cpg"), "klingon").unwrap();
        let err = read_shapefile(&shp, None).unwrap_err();
        assert_eq!(input_message(&err).0.path, dir.path().join("services.cpg"));
    }

    #[test]
    fn language_driver_byte_names_gbk() {
        let dir = tempfile::tempdir().unwrap();
        let shp = write_gbk_services(dir.path()).unwrap();
        let mut dbf = fs::read(dir.path().join("services.dbf")).unwrap();
        for ldid in [0x4D, 0x7A] {
            dbf[29] = ldid;
            fs::write(dir.path().join("services.dbf"), &dbf).unwrap();
            let layer = read_shapefile(&shp, None).unwrap();
            assert_eq!(layer.features[1].values[1], Value::Text("菜市场".into()));
        }
        dbf[29] = 0x57; // "ANSI": unknown code page, so UTF-8 and the error
        fs::write(dir.path().join("services.dbf"), &dbf).unwrap();
        assert!(read_shapefile(&shp, None).is_err());
    }

    #[test]
    fn character_cut_inside_a_full_field_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        write_point_shapefile(&dir.path().join("cut.shp"), &[], [([0.0, 0.0], vec![])], "").unwrap();
        let mut cell = "菜市场".as_bytes().to_vec();
        cell.truncate(8); // two characters and a third cut after two bytes
        write_raw_dbf(&dir.path().join("cut.dbf"), 0, &[("t", b'C', 8, 0)], &[vec![cell]]).unwrap();
        let layer = read_shapefile(&dir.path().join("cut.shp"), None).unwrap();
        assert_eq!(layer.features[0].values, [Value::Text("菜市".into())]);
    }
}
