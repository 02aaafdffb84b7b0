//! Reading and editing the labels inside an XMP packet.
//!
//! Edits are splices into the original text at spans that quick-xml located, so everything glia
//! does not own (other tools' namespaces, comments, whitespace, the xpacket wrapper) stays
//! byte-for-byte as Lightroom, darktable or digiKam wrote it.

mod scan;

use std::ops::Range;

use crate::{Flag, Labels};
use scan::{Prop, Site, scan};

const XMP_NS: &str = "http://ns.adobe.com/xap/1.0/";
const RDF_NS: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const BOM: char = '\u{feff}';

/// A fresh sidecar: the standard packet wrapper, so every XMP reader accepts it.
pub(crate) fn new_packet(labels: Labels) -> String {
    let label = match label_value(labels.flag) {
        Some(label) => format!(" xmp:Label=\"{label}\""),
        None => String::new(),
    };
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n \
         <rdf:RDF xmlns:rdf=\"{RDF_NS}\">\n  \
         <rdf:Description rdf:about=\"\" xmlns:xmp=\"{XMP_NS}\" xmp:Rating=\"{}\"{label}/>\n \
         </rdf:RDF>\n\
         </x:xmpmeta>\n\
         <?xpacket end=\"w\"?>\n",
        rating_value(labels)
    )
}

/// Labels recorded in a packet; `None` if it has neither xmp:Rating nor a Pick/Reject label.
pub(crate) fn read_labels(text: &str) -> Result<Option<Labels>, String> {
    let (_, body) = split_bom(text);
    let scan = scan(body)?;
    let rating = scan
        .sites
        .iter()
        .filter(|s| s.prop == Prop::Rating)
        .find_map(|s| parse_rating(&s.value));
    let label = scan
        .sites
        .iter()
        .filter(|s| s.prop == Prop::Label)
        .find_map(|s| glia_flag(&s.value));
    if rating.is_none() && label.is_none() {
        return Ok(None);
    }
    let flag = if rating == Some(-1) || label == Some(Flag::Reject) {
        Flag::Reject
    } else {
        label.unwrap_or(Flag::None)
    };
    Ok(Some(Labels {
        rating: rating.map_or(0, |r| u8::try_from(r).unwrap_or(0)),
        flag,
    }))
}

/// `text` with its labels set to `labels`, every other byte unchanged.
pub(crate) fn rewrite(text: &str, labels: Labels) -> Result<String, String> {
    let (bom, body) = split_bom(text);
    let scan = scan(body)?;
    let anchor = scan
        .anchor
        .as_ref()
        .ok_or("it has no rdf:Description to hold the rating")?;
    let prefix = anchor.prefix();
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut added = String::new();

    let rating = rating_value(labels);
    let ratings: Vec<&Site> = scan
        .sites
        .iter()
        .filter(|s| s.prop == Prop::Rating)
        .collect();
    if ratings.is_empty() {
        added.push_str(&format!("{}{prefix}:Rating=\"{rating}\"", anchor.sep));
    }
    edits.extend(ratings.iter().map(|site| site.set(&rating)));

    let labels_found = scan.sites.iter().filter(|s| s.prop == Prop::Label);
    match label_value(labels.flag) {
        Some(label) => {
            let before = edits.len();
            edits.extend(labels_found.map(|site| site.set(label)));
            if edits.len() == before {
                added.push_str(&format!("{}{prefix}:Label=\"{label}\"", anchor.sep));
            }
        }
        // Only glia's own labels go; a colour label the user set in Lightroom stays.
        None => edits.extend(
            labels_found
                .filter(|site| glia_flag(&site.value).is_some())
                .map(|site| (site.whole.clone(), String::new())),
        ),
    }

    if !added.is_empty() {
        if anchor.xmp_prefix.is_none() {
            added.insert_str(0, &format!("{}xmlns:{prefix}=\"{XMP_NS}\"", anchor.sep));
        }
        edits.push((anchor.at..anchor.at, added));
    }
    edits.sort_by_key(|(span, _)| (span.start, span.end));

    let mut out = String::with_capacity(text.len() + 128);
    out.push_str(bom);
    let mut copied = 0;
    for (span, replacement) in edits {
        if span.start < copied {
            return Err("it sets the rating or label twice in one place".into());
        }
        out.push_str(&body[copied..span.start]);
        out.push_str(&replacement);
        copied = span.end;
    }
    out.push_str(&body[copied..]);
    Ok(out)
}

/// What glia writes for these labels: Lightroom, darktable and digiKam all read -1 as a reject.
fn rating_value(labels: Labels) -> String {
    match labels.flag {
        Flag::Reject => "-1".to_owned(),
        _ => labels.rating.to_string(),
    }
}

fn label_value(flag: Flag) -> Option<&'static str> {
    match flag {
        Flag::None => None,
        Flag::Pick => Some("Pick"),
        Flag::Reject => Some("Reject"),
    }
}

fn glia_flag(label: &str) -> Option<Flag> {
    let label = label.trim();
    if label.eq_ignore_ascii_case("Pick") {
        Some(Flag::Pick)
    } else if label.eq_ignore_ascii_case("Reject") {
        Some(Flag::Reject)
    } else {
        None
    }
}

/// XMP ratings are reals; tools write "3" but "3.0" is legal. Anything outside -1..=5 is not a
/// rating glia understands and is ignored rather than guessed at.
fn parse_rating(value: &str) -> Option<i8> {
    let value = value.trim();
    let rating = value.parse::<i64>().ok().or_else(|| {
        value
            .parse::<f64>()
            .ok()
            .filter(|r| r.fract() == 0.0)
            .map(|r| r as i64)
    })?;
    i8::try_from(rating).ok().filter(|r| (-1..=5).contains(r))
}

fn split_bom(text: &str) -> (&str, &str) {
    match text.strip_prefix(BOM) {
        Some(body) => (&text[..BOM.len_utf8()], body),
        None => ("", text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_other_tools_write_are_understood() {
        assert_eq!(parse_rating("3"), Some(3));
        assert_eq!(parse_rating(" 2 "), Some(2));
        assert_eq!(parse_rating("4.0"), Some(4));
        assert_eq!(parse_rating("-1"), Some(-1));
        assert_eq!(parse_rating("2.5"), None);
        assert_eq!(parse_rating("6"), None);
        assert_eq!(parse_rating("-2"), None);
        assert_eq!(parse_rating("three"), None);
    }

    #[test]
    fn labels_written_with_references_are_read() {
        let packet = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:Label>&#80;ick</xmp:Label><xmp:Rating>&#x33;</xmp:Rating></rdf:Description></rdf:RDF></x:xmpmeta>"#;
        let labels = read_labels(packet).unwrap();
        assert_eq!(
            labels,
            Some(Labels {
                rating: 3,
                flag: Flag::Pick
            })
        );
    }

    #[test]
    fn properties_outside_a_top_level_description_are_not_glias() {
        // A rating nested inside another property (e.g. a history entry) is not the photo's.
        let packet = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:h="urn:h"><h:history><rdf:Description xmp:Rating="5"/></h:history></rdf:Description></rdf:RDF></x:xmpmeta>"#;
        assert_eq!(read_labels(packet).unwrap(), None);
        let rewritten = rewrite(
            packet,
            Labels {
                rating: 2,
                flag: Flag::None,
            },
        )
        .unwrap();
        assert!(
            rewritten.contains(r#"<rdf:Description xmp:Rating="5"/>"#),
            "{rewritten}"
        );
        assert_eq!(
            read_labels(&rewritten).unwrap(),
            Some(Labels {
                rating: 2,
                flag: Flag::None
            })
        );
    }
}
