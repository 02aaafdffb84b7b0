//! An XML reading path independent of the crate's own parser: a plain, namespace-unaware
//! quick-xml Reader that lists every element, attribute, text, comment and PI it sees.

#![allow(dead_code)]

use quick_xml::Reader;
use quick_xml::events::Event;

/// One line per fact in document order, e.g. `x:xmpmeta/rdf:RDF/rdf:Description@xmp:Rating=3`.
/// Panics if the document is not well-formed, which is what the tests want to catch.
pub fn facts(xml: &str) -> Vec<String> {
    let xml = xml.strip_prefix('\u{feff}').unwrap_or(xml);
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut roots = 0;
    loop {
        let event = reader.read_event().expect("well-formed XML");
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                if path.is_empty() {
                    roots += 1;
                }
                path.push(e.name().as_ref().to_owned());
                let here = path.join("/");
                out.push(format!("{here}<"));
                for attr in e.attributes() {
                    let attr = attr.expect("well-formed attribute");
                    out.push(format!("{here}@{}={}", attr.key.as_ref(), attr.value));
                }
                if matches!(event, Event::Empty(_)) {
                    path.pop();
                }
            }
            Event::End(_) => {
                path.pop().expect("balanced tags");
            }
            Event::Text(t) if !t.trim().is_empty() => {
                out.push(format!("{}#{}", path.join("/"), t.trim()))
            }
            Event::GeneralRef(r) => out.push(format!("{}#&{};", path.join("/"), &*r)),
            Event::Comment(c) => out.push(format!("comment {}", &*c)),
            Event::PI(pi) => out.push(format!("pi {}", &*pi)),
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(path.is_empty(), "unclosed elements: {path:?}");
    assert_eq!(roots, 1, "exactly one root element");
    out
}

/// The facts about xmp:Rating and xmp:Label (attribute or element form, any prefix in `prefixes`).
pub fn label_facts(facts: &[String], prefixes: &[&str]) -> Vec<String> {
    facts
        .iter()
        .filter(|f| is_label_fact(f, prefixes))
        .cloned()
        .collect()
}

/// Everything else.
pub fn other_facts(facts: &[String], prefixes: &[&str]) -> Vec<String> {
    facts
        .iter()
        .filter(|f| !is_label_fact(f, prefixes))
        .cloned()
        .collect()
}

fn is_label_fact(fact: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| {
        ["Rating", "Label"].iter().any(|prop| {
            fact.contains(&format!("@{p}:{prop}="))
                || fact.contains(&format!("/{p}:{prop}#"))
                || fact.contains(&format!("/{p}:{prop}<"))
        })
    })
}
