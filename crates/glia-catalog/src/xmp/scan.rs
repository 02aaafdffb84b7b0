//! Locating xmp:Rating and xmp:Label in a packet, with the byte spans that editing needs.

use std::borrow::Cow;
use std::ops::Range;

use quick_xml::XmlVersion;
use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::{Namespace, PrefixDeclaration, QName, ResolveResult};
use quick_xml::reader::NsReader;

use super::{RDF_NS, XMP_NS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Prop {
    Rating,
    Label,
}

fn prop_named(local: &str) -> Option<Prop> {
    match local {
        "Rating" => Some(Prop::Rating),
        "Label" => Some(Prop::Label),
        _ => None,
    }
}

/// One occurrence of xmp:Rating or xmp:Label on a top-level rdf:Description.
pub(super) struct Site {
    pub(super) prop: Prop,
    pub(super) value: String,
    place: Place,
    /// Everything to delete to remove the property, including the whitespace before it.
    pub(super) whole: Range<usize>,
}

enum Place {
    /// The raw text between an attribute's quotes, or between an element's tags.
    Value(Range<usize>),
    /// `<xmp:Rating/>` has no content to overwrite, so the tag itself is replaced.
    EmptyElement { tag: Range<usize>, qname: String },
}

impl Site {
    pub(super) fn set(&self, value: &str) -> (Range<usize>, String) {
        match &self.place {
            Place::Value(span) => (span.clone(), escape(value).into_owned()),
            Place::EmptyElement { tag, qname } => {
                (tag.clone(), format!("<{qname}>{}</{qname}>", escape(value)))
            }
        }
    }
}

/// Where glia adds properties that are missing: the first top-level rdf:Description.
pub(super) struct Anchor {
    /// Just after its last attribute.
    pub(super) at: usize,
    /// The whitespace before its last attribute, so added ones line up with the tool's layout.
    pub(super) sep: String,
    /// A prefix already bound to the XMP namespace there, if any.
    pub(super) xmp_prefix: Option<String>,
    /// Whether "xmp" is bound to some other namespace there, so a new binding needs another name.
    pub(super) xmp_taken: bool,
}

impl Anchor {
    pub(super) fn prefix(&self) -> &str {
        match &self.xmp_prefix {
            Some(prefix) => prefix,
            None if self.xmp_taken => "gliaxmp",
            None => "xmp",
        }
    }
}

pub(super) struct Scan {
    pub(super) sites: Vec<Site>,
    pub(super) anchor: Option<Anchor>,
}

/// What an open element is, as far as labels go.
enum Open {
    Rdf,
    Description,
    Prop {
        prop: Prop,
        whole_start: usize,
        content_start: usize,
        /// `None` once the property turns out to hold markup rather than plain text.
        text: Option<String>,
    },
    Other,
}

/// Finds the labels in `body` and checks it is well-formed; any doubt is an error, because the
/// caller then leaves the user's file alone.
pub(super) fn scan(body: &str) -> Result<Scan, String> {
    let mut reader = NsReader::from_str(body);
    let mut stack: Vec<Open> = Vec::new();
    let mut seen_root = false;
    let mut scan = Scan {
        sites: Vec::new(),
        anchor: None,
    };
    loop {
        let start = position(reader.buffer_position())?;
        let event = reader
            .read_event()
            .map_err(|e| format!("{e} at byte {}", reader.error_position()))?;
        let end = position(reader.buffer_position())?;
        let outside_root = stack.is_empty();
        match event {
            Event::Start(ref tag) | Event::Empty(ref tag) => {
                if outside_root {
                    if seen_root {
                        return Err("it has more than one root element".into());
                    }
                    seen_root = true;
                }
                let is_empty = matches!(event, Event::Empty(_));
                if let Some(Open::Prop { text, .. }) = stack.last_mut() {
                    *text = None;
                }
                let (ns, local) = reader.resolver().resolve_element(tag.name());
                let in_rdf = bound_to(&ns, RDF_NS);
                let in_xmp = bound_to(&ns, XMP_NS);
                let prop = prop_named(local.as_ref());
                let open = match stack.last() {
                    _ if in_rdf && local.as_ref() == "RDF" => Open::Rdf,
                    Some(Open::Rdf) if in_rdf && local.as_ref() == "Description" => {
                        let anchor = description(body, tag, &reader, &mut scan.sites)?;
                        scan.anchor.get_or_insert(anchor);
                        Open::Description
                    }
                    Some(Open::Description) if in_xmp && prop.is_some() => match prop {
                        Some(prop) if is_empty => {
                            scan.sites.push(Site {
                                prop,
                                value: String::new(),
                                place: Place::EmptyElement {
                                    tag: start..end,
                                    qname: tag.name().as_ref().to_owned(),
                                },
                                whole: trim_ws_before(body, start)..end,
                            });
                            Open::Other
                        }
                        Some(prop) => Open::Prop {
                            prop,
                            whole_start: trim_ws_before(body, start),
                            content_start: end,
                            text: Some(String::new()),
                        },
                        None => Open::Other,
                    },
                    _ => Open::Other,
                };
                // Checked on every element, so a broken attribute anywhere rejects the file.
                for attr in tag.attributes() {
                    attr.map_err(|e| format!("bad attribute: {e}"))?;
                }
                if !is_empty {
                    stack.push(open);
                }
            }
            Event::End(_) => match stack.pop() {
                Some(Open::Prop {
                    prop,
                    whole_start,
                    content_start,
                    text,
                }) => scan.sites.push(Site {
                    prop,
                    value: text.unwrap_or_default(),
                    place: Place::Value(content_start..start),
                    whole: whole_start..end,
                }),
                Some(_) => {}
                None => return Err("it has a closing tag without an opening one".into()),
            },
            Event::Text(ref text) if outside_root => {
                if !text.trim().is_empty() {
                    return Err("it has text outside the root element".into());
                }
            }
            Event::CData(_) | Event::GeneralRef(_) if outside_root => {
                return Err("it has text outside the root element".into());
            }
            Event::Text(text) => push_text(&mut stack, &text.xml10_content()),
            Event::CData(cdata) => push_text(&mut stack, &cdata.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(ch)) => ch.to_string(),
                    Ok(None) => resolve_predefined_entity(&reference)
                        .ok_or_else(|| format!("it uses the undefined entity &{};", &*reference))?
                        .to_owned(),
                    Err(e) => return Err(format!("bad character reference: {e}")),
                };
                push_text(&mut stack, &resolved);
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err("it ends before all its elements are closed".into());
    }
    if !seen_root {
        return Err("it contains no XML element".into());
    }
    Ok(scan)
}

/// Records the labels held as attributes of a top-level rdf:Description, and where to add more.
fn description(
    body: &str,
    tag: &BytesStart<'_>,
    reader: &NsReader<&[u8]>,
    sites: &mut Vec<Site>,
) -> Result<Anchor, String> {
    let name = tag.name();
    let mut at = offset_in(body, name.as_ref())? + name.as_ref().len();
    let mut sep = None;
    for attr in tag.attributes() {
        let attr = attr.map_err(|e| format!("bad attribute: {e}"))?;
        let key_start = offset_in(body, attr.key.as_ref())?;
        let raw = match &attr.value {
            Cow::Borrowed(raw) => *raw,
            Cow::Owned(_) => return Err("quick-xml copied an attribute value".into()),
        };
        let value_start = offset_in(body, raw)?;
        let value_end = value_start + raw.len();
        let ws_start = trim_ws_before(body, key_start);
        // The closing quote is one byte past the value.
        at = value_end + 1;
        sep = Some(body[ws_start..key_start].to_owned());
        let (ns, local) = reader.resolver().resolve_attribute(attr.key);
        if let Some(prop) = prop_named(local.as_ref()).filter(|_| bound_to(&ns, XMP_NS)) {
            let value = attr
                .normalized_value(XmlVersion::default())
                .map_err(|e| format!("bad attribute value: {e}"))?;
            sites.push(Site {
                prop,
                value: value.into_owned(),
                place: Place::Value(value_start..value_end),
                whole: ws_start..at,
            });
        }
    }
    let resolves_to_xmp = |prefix: &str| {
        let qname = format!("{prefix}:x");
        let ns = reader
            .resolver()
            .resolve_prefix(QName(&qname).prefix(), false);
        bound_to(&ns, XMP_NS)
    };
    let xmp_prefix = if resolves_to_xmp("xmp") {
        Some("xmp".to_owned())
    } else {
        reader
            .resolver()
            .bindings()
            .filter_map(|(decl, ns)| match decl {
                PrefixDeclaration::Named(prefix) if ns.0 == XMP_NS => Some(prefix),
                _ => None,
            })
            .find(|prefix| resolves_to_xmp(prefix))
            .map(str::to_owned)
    };
    let xmp_taken = {
        let ns = reader
            .resolver()
            .resolve_prefix(QName("xmp:x").prefix(), false);
        matches!(ns, ResolveResult::Bound(_))
    };
    Ok(Anchor {
        at,
        sep: sep.unwrap_or_else(|| " ".to_owned()),
        xmp_prefix,
        xmp_taken,
    })
}

fn push_text(stack: &mut [Open], more: &str) {
    if let Some(Open::Prop {
        text: Some(text), ..
    }) = stack.last_mut()
    {
        text.push_str(more);
    }
}

fn bound_to(ns: &ResolveResult<'_>, uri: &str) -> bool {
    matches!(ns, ResolveResult::Bound(Namespace(bound)) if *bound == uri)
}

/// Start of the XML whitespace that runs up to `at`.
fn trim_ws_before(body: &str, at: usize) -> usize {
    body[..at].trim_end_matches([' ', '\t', '\r', '\n']).len()
}

/// Where `inner`, a slice quick-xml borrowed from `outer`, starts in it.
fn offset_in(outer: &str, inner: &str) -> Result<usize, String> {
    (inner.as_ptr() as usize)
        .checked_sub(outer.as_ptr() as usize)
        .filter(|start| start + inner.len() <= outer.len())
        .ok_or_else(|| "quick-xml returned text that is not part of the file".to_owned())
}

fn position(pos: u64) -> Result<usize, String> {
    usize::try_from(pos).map_err(|_| "the file is too large".to_owned())
}
