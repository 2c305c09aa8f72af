//! One grayscale frame in, the visit id on a slip out: rxing's QR code and Code 128
//! readers find a code, and its text counts only when it is a visit id as a slip prints
//! it. Everything else a camera may see (another barcode, a code holding a web address
//! or random text, no code at all) gives nothing, so a rating is never started for a
//! text the scanner path would have taken only because it is a valid path segment.

use std::collections::HashSet;

use rxing::{BarcodeFormat, DecodeHints};

use super::{GrayFrame, SlipRead, Symbology};
use crate::api::{VisitId, is_guid};

/// The characters a GUID takes in its 8-4-4-4-12 form.
const GUID_CHARS: usize = 36;
/// The longest separator accepted between a clinic GUID and a visit GUID on a slip.
const MAX_SEPARATOR_CHARS: usize = 8;

/// How a slip's text becomes a visit id: the settings the scanner path uses
/// (`clinic_guid`, `visit_id_separator`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlipIds {
    /// The clinic GUID glued before a bare visit GUID, when set.
    pub clinic_guid: Option<String>,
    /// What goes between them.
    pub separator: String,
}

impl SlipIds {
    /// The rule the settings `config` give.
    pub fn from_config(config: &crate::config::Config) -> SlipIds {
        SlipIds {
            clinic_guid: config.clinic_guid.clone(),
            separator: config.visit_id_separator.clone(),
        }
    }
}

/// The visit id a slip's `text` holds, if it holds one: a visit GUID (optionally in
/// braces; glued after the clinic GUID when one is set, as a scanned one is), or a
/// clinic GUID and a visit GUID with at most 8 characters between them (no whitespace).
/// Surrounding whitespace (a code's trailing line break) is ignored.
pub fn visit_id_from_text(text: &str, ids: &SlipIds) -> Option<VisitId> {
    let text = text.trim();
    if is_guid(text) {
        return VisitId::from_input(text, ids.clinic_guid.as_deref(), &ids.separator).ok();
    }
    let clinic = text.get(..GUID_CHARS)?;
    let visit = text.get(text.len().checked_sub(GUID_CHARS)?..)?;
    let between = text.get(GUID_CHARS..text.len() - GUID_CHARS)?;
    let two_guids = is_guid(clinic)
        && is_guid(visit)
        && between.chars().count() <= MAX_SEPARATOR_CHARS
        && !between
            .chars()
            .any(|c| c.is_whitespace() || c.is_ascii_hexdigit());
    if two_guids {
        VisitId::parse(text).ok()
    } else {
        None
    }
}

/// Rows averaged for the second look at a frame (see [`read_visit_id`]).
const SMOOTH_ROWS: usize = 4;

/// Read `frame` for a slip: the visit id and the kind of code, when a QR code or Code 128
/// barcode in it holds one ([`visit_id_from_text`]). Nothing is kept of the frame.
///
/// rxing reads a barcode along single rows, where a camera's noise breaks its bars; when
/// the frame as it is gives nothing, each group of 4 rows is averaged (a level barcode's
/// bars run down the rows, so they stay sharp while the noise drops by half) and
/// looked at again for a Code 128 barcode only.
pub fn read_visit_id(frame: &GrayFrame, ids: &SlipIds) -> Option<SlipRead> {
    let formats = HashSet::from([BarcodeFormat::QR_CODE, BarcodeFormat::CODE_128]);
    if let Some(read) = decode(frame.luma(), frame.width(), frame.height(), formats, ids) {
        return Some(read);
    }
    let (smooth, height) = smooth_rows(frame);
    decode(
        &smooth,
        frame.width(),
        height,
        HashSet::from([BarcodeFormat::CODE_128]),
        ids,
    )
}

/// The frame with each run of [`SMOOTH_ROWS`] rows averaged into one, and its height.
fn smooth_rows(frame: &GrayFrame) -> (Vec<u8>, u32) {
    let width = frame.width() as usize;
    let rows = frame.luma().chunks_exact(width).collect::<Vec<_>>();
    let mut out = Vec::with_capacity(frame.luma().len() / SMOOTH_ROWS);
    for group in rows.chunks_exact(SMOOTH_ROWS) {
        for x in 0..width {
            let sum: usize = group.iter().map(|row| usize::from(row[x])).sum();
            // An average of bytes is a byte.
            out.push(u8::try_from(sum / SMOOTH_ROWS).unwrap_or(u8::MAX));
        }
    }
    let height = u32::try_from(out.len() / width.max(1)).unwrap_or(0);
    (out, height)
}

fn decode(
    luma: &[u8],
    width: u32,
    height: u32,
    formats: HashSet<BarcodeFormat>,
    ids: &SlipIds,
) -> Option<SlipRead> {
    if height == 0 {
        return None;
    }
    let mut hints = DecodeHints {
        PossibleFormats: Some(formats),
        TryHarder: Some(true),
        ..DecodeHints::default()
    };
    let found =
        rxing::helpers::detect_in_luma_slice_with_hints(luma, width, height, None, &mut hints)
            .ok()?;
    let symbology = match found.getBarcodeFormat() {
        BarcodeFormat::QR_CODE => Symbology::Qr,
        BarcodeFormat::CODE_128 => Symbology::Code128,
        _ => return None,
    };
    let text = found.getText().trim();
    let visit_id = visit_id_from_text(text, ids)?;
    Some(SlipRead {
        visit_id,
        text: text.to_owned(),
        symbology,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slip::synth::{self, Distortion, Kind};

    const CLINIC: &str = "0c5a8a4e-1b2c-4d3e-8f90-a1b2c3d4e5f6";
    const VISIT: &str = "7d1e2f3a-4b5c-4d6e-9f80-112233445566";

    fn no_clinic() -> SlipIds {
        SlipIds::default()
    }

    #[test]
    fn a_slips_text_is_a_visit_id_only_in_the_forms_a_slip_prints() {
        let ids = no_clinic();
        let read = |t: &str| visit_id_from_text(t, &ids).map(|id| id.to_string());
        assert_eq!(read(VISIT).as_deref(), Some(VISIT));
        assert_eq!(read(&format!("{VISIT}\r\n")).as_deref(), Some(VISIT));
        assert_eq!(read(&format!("{{{VISIT}}}")).as_deref(), Some(VISIT));
        let full = format!("{CLINIC}{VISIT}");
        assert_eq!(read(&full).as_deref(), Some(full.as_str()));
        let dashed = format!("{CLINIC}--{VISIT}");
        assert_eq!(read(&dashed).as_deref(), Some(dashed.as_str()));
        for other in [
            "",
            "hello",
            "https://example.org/7d1e2f3a-4b5c-4d6e-9f80-112233445566",
            "4600000000004",
            "7d1e2f3a-4b5c-4d6e-9f80-11223344556",
            "7d1e2f3a-4b5c-4d6e-9f80-1122334455667",
            "7d1e2f3a 4b5c-4d6e-9f80-112233445566",
            &format!("{CLINIC} {VISIT}"),
            &format!("{CLINIC}/{VISIT}"),
            &format!("{CLINIC}0{VISIT}"),
            &format!("{CLINIC}.........{VISIT}"),
            &format!("{VISIT}{VISIT}{VISIT}"),
            "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ",
        ] {
            assert_eq!(read(other), None, "{other:?}");
        }
    }

    #[test]
    fn a_bare_visit_guid_is_glued_after_the_configured_clinic_as_a_scanned_one_is() {
        let ids = SlipIds {
            clinic_guid: Some(CLINIC.to_owned()),
            separator: ":".to_owned(),
        };
        let read = visit_id_from_text(VISIT, &ids).map(|id| id.to_string());
        assert_eq!(read, Some(format!("{CLINIC}:{VISIT}")));
        let scanned = VisitId::from_input(VISIT, Some(CLINIC), ":").ok();
        assert_eq!(visit_id_from_text(VISIT, &ids), scanned);
    }

    #[test]
    fn each_kind_of_slip_is_read_as_a_camera_would_see_it() {
        // Five slips of random visit ids per code and distortion: at least four read
        // (bench/slips reads 200 of each for the share), and never a wrong id.
        let mut rng = fastrand::Rng::with_seed(28);
        for kind in Kind::ALL {
            for distortion in Distortion::ALL {
                let mut read_right = 0;
                for _ in 0..5 {
                    let visit = synth::random_guid(&mut rng);
                    let frame = synth::camera_frame(&visit, kind, distortion, &mut rng);
                    if let Some(read) = read_visit_id(&frame, &no_clinic()) {
                        assert_eq!(read.visit_id.as_str(), visit, "{kind:?} {distortion:?}");
                        assert_eq!(read.text, visit);
                        assert_eq!(read.symbology, kind.symbology());
                        read_right += 1;
                    }
                }
                assert!(
                    read_right >= 4,
                    "{kind:?} {distortion:?}: {read_right} of 5 read"
                );
            }
        }
    }

    #[test]
    fn a_frame_without_a_visit_id_gives_nothing() {
        let mut rng = fastrand::Rng::with_seed(29);
        for kind in Kind::ALL {
            for text in [
                "random text on a leaflet".to_owned(),
                "https://gosuslugi.example/visit".to_owned(),
                "4600000000004".to_owned(),
                format!("{VISIT}x"),
            ] {
                let frame = synth::frame_with_text(&text, kind, &mut rng);
                // The code is there and is read (the frame is not simply unreadable)...
                assert!(synth::holds_code(&frame), "{kind:?} {text:?}");
                // ...but holds no visit id.
                assert_eq!(
                    read_visit_id(&frame, &no_clinic()),
                    None,
                    "{kind:?} {text:?}"
                );
            }
        }
        let empty = synth::background_frame(&mut rng);
        assert_eq!(read_visit_id(&empty, &no_clinic()), None);
    }
}
