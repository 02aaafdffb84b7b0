mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{facts, label_facts, other_facts};
use glia_catalog::{
    CatalogError, Flag, Labels, SidecarStyle, read_sidecar, sidecar_path, write_sidecar,
};

const DARKTABLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:darktable="http://darktable.sf.net/"
    exif:DateTimeOriginal="2023:06:01 10:12:44"
    xmp:Rating="1"
    xmpMM:DerivedFrom="DSC_0042.NEF"
    darktable:import_timestamp="63822345123000000"
    darktable:change_timestamp="63822345987000000"
    darktable:xmp_version="5"
    darktable:raw_params="0"
    darktable:auto_presets_applied="1"
    darktable:history_end="2"
    darktable:iop_order_version="4">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>holiday</rdf:li>
     <rdf:li>beach &amp; sea</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <darktable:masks_history>
    <rdf:Seq/>
   </darktable:masks_history>
   <darktable:history>
    <rdf:Seq>
     <rdf:li
      darktable:num="0"
      darktable:operation="rawprepare"
      darktable:enabled="1"
      darktable:modversion="2"
      darktable:params="000000000000000000000000ff3f0000"
      darktable:multi_name=""
      darktable:multi_priority="0"
      darktable:blendop_version="13"
      darktable:blendop_params="gz11eJxjYIAABxQaFTQ"/>
     <rdf:li
      darktable:num="1"
      darktable:operation="exposure"
      darktable:enabled="1"
      darktable:modversion="6"
      darktable:params="00000000000080b9d9cc4c3f"
      darktable:multi_name=""
      darktable:multi_priority="0"
      darktable:blendop_version="13"
      darktable:blendop_params="gz11eJxjYIAABxQaFTQ"/>
    </rdf:Seq>
   </darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"#;

const LIGHTROOM: &str = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000 1.000000, 0000/00/00-00:00:00        ">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:crs="http://ns.adobe.com/camera-raw-settings/1.0/"
   xmp:ModifyDate="2023-06-01T10:12:44.00"
   xmp:Label="Red"
   tiff:Make="NIKON CORPORATION"
   crs:Version="15.3"
   crs:WhiteBalance="As Shot"
   crs:Exposure2012="+0.35"
   crs:Contrast2012="+12"
   crs:HasSettings="True">
   <xmp:Rating>2</xmp:Rating>
   <crs:ToneCurvePV2012>
    <rdf:Seq>
     <rdf:li>0, 0</rdf:li>
     <rdf:li>255, 255</rdf:li>
    </rdf:Seq>
   </crs:ToneCurvePV2012>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"#;

/// digiKam (through Exiv2) with no rating yet, and no xmp prefix bound anywhere.
const DIGIKAM: &str = "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\" x:xmptk=\"XMP Core 4.4.0-Exiv2\">
 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">
  <rdf:Description rdf:about=\"\"
    xmlns:digiKam=\"http://www.digikam.org/ns/1.0/\"
    xmlns:MicrosoftPhoto=\"http://ns.microsoft.com/photo/1.0/\"
    xmlns:lr=\"http://ns.adobe.com/lightroom/1.0/\"
    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"
    digiKam:ColorLabel=\"0\"
    digiKam:PickLabel=\"0\">
   <!-- tags kept by digiKam -->
   <digiKam:TagsList>
    <rdf:Seq>
     <rdf:li>Places/Lisbon</rdf:li>
    </rdf:Seq>
   </digiKam:TagsList>
   <lr:hierarchicalSubject>
    <rdf:Bag>
     <rdf:li>Places|Lisbon</rdf:li>
    </rdf:Bag>
   </lr:hierarchicalSubject>
   <dc:subject>
    <rdf:Bag>
     <rdf:li>Lisbon</rdf:li>
    </rdf:Bag>
   </dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
                                                                                                    
<?xpacket end=\"w\"?>";

const ALL_FLAGS: [Flag; 3] = [Flag::None, Flag::Pick, Flag::Reject];
const STYLES: [SidecarStyle; 2] = [SidecarStyle::AppendXmp, SidecarStyle::ReplaceExtension];

fn photo_in(dir: &Path, name: &str) -> PathBuf {
    let photo = dir.join(name);
    fs::write(&photo, b"\xff\xd8\xff\xe0 not really a jpeg \x00\x01\x02").unwrap();
    photo
}

/// The packet glia must write for these labels, as facts of the independent reader.
fn expected_attrs(labels: Labels) -> (String, Option<&'static str>) {
    let rating = match labels.flag {
        Flag::Reject => "-1".to_owned(),
        _ => labels.rating.to_string(),
    };
    let label = match labels.flag {
        Flag::None => None,
        Flag::Pick => Some("Pick"),
        Flag::Reject => Some("Reject"),
    };
    (rating, label)
}

fn all_labels() -> Vec<Labels> {
    ALL_FLAGS
        .iter()
        .flat_map(|&flag| (0..=5).map(move |rating| Labels { rating, flag }))
        .collect()
}

#[test]
fn sidecar_names_follow_each_tools_convention() {
    let photo = Path::new("/photos/DSC_0042.NEF");
    assert_eq!(
        sidecar_path(photo, SidecarStyle::AppendXmp),
        Path::new("/photos/DSC_0042.NEF.xmp")
    );
    assert_eq!(
        sidecar_path(photo, SidecarStyle::ReplaceExtension),
        Path::new("/photos/DSC_0042.xmp")
    );
}

#[test]
fn new_sidecar_is_a_standard_packet_for_every_label_combination() {
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "a.jpg");
    for style in STYLES {
        for labels in all_labels() {
            let path = sidecar_path(&photo, style);
            let _ = fs::remove_file(&path);
            assert_eq!(write_sidecar(&photo, style, labels).unwrap(), path);

            let raw = fs::read_to_string(&path).unwrap();
            assert!(
                raw.starts_with("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>")
            );
            assert!(raw.trim_end().ends_with("<?xpacket end=\"w\"?>"));
            let (rating, label) = expected_attrs(labels);
            let desc = "x:xmpmeta/rdf:RDF/rdf:Description";
            let mut want = vec![format!("{desc}@xmp:Rating={rating}")];
            want.extend(label.map(|l| format!("{desc}@xmp:Label={l}")));
            let facts = facts(&raw);
            assert_eq!(label_facts(&facts, &["xmp"]), want, "{labels:?}");
            assert!(facts.contains(&format!("{desc}@xmlns:xmp=http://ns.adobe.com/xap/1.0/")));

            let back = read_sidecar(&photo, style).unwrap().unwrap();
            let expected = match labels.flag {
                // -1 is how every tool marks a reject: the stars are not kept in the sidecar.
                Flag::Reject => Labels {
                    rating: 0,
                    flag: Flag::Reject,
                },
                _ => labels,
            };
            assert_eq!(back, expected);
        }
    }
}

#[test]
fn darktable_sidecar_keeps_everything_but_the_rating() {
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "DSC_0042.NEF");
    let path = sidecar_path(&photo, SidecarStyle::AppendXmp);
    fs::write(&path, DARKTABLE).unwrap();
    assert_eq!(
        read_sidecar(&photo, SidecarStyle::AppendXmp).unwrap(),
        Some(Labels {
            rating: 1,
            flag: Flag::None
        })
    );

    let labels = Labels {
        rating: 4,
        flag: Flag::None,
    };
    write_sidecar(&photo, SidecarStyle::AppendXmp, labels).unwrap();
    let raw = fs::read_to_string(&path).unwrap();
    // Byte for byte: only the rating's digits differ.
    assert_eq!(
        raw,
        DARKTABLE.replace(r#"xmp:Rating="1""#, r#"xmp:Rating="4""#)
    );
    let (old, new) = (facts(DARKTABLE), facts(&raw));
    assert_eq!(other_facts(&new, &["xmp"]), other_facts(&old, &["xmp"]));
    assert!(
        new.iter()
            .any(|f| f.ends_with("darktable:operation=exposure"))
    );

    // A pick adds a label next to the other attributes, in darktable's one-per-line layout.
    write_sidecar(
        &photo,
        SidecarStyle::AppendXmp,
        Labels {
            rating: 5,
            flag: Flag::Pick,
        },
    )
    .unwrap();
    let raw = fs::read_to_string(&path).unwrap();
    let want = DARKTABLE
        .replace(r#"xmp:Rating="1""#, r#"xmp:Rating="5""#)
        .replace(
            "darktable:iop_order_version=\"4\">",
            "darktable:iop_order_version=\"4\"\n    xmp:Label=\"Pick\">",
        );
    assert_eq!(raw, want);
    assert_eq!(
        other_facts(&facts(&raw), &["xmp"]),
        other_facts(&old, &["xmp"])
    );

    // And un-picking removes exactly that label again.
    write_sidecar(&photo, SidecarStyle::AppendXmp, labels).unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        DARKTABLE.replace(r#"xmp:Rating="1""#, r#"xmp:Rating="4""#)
    );
}

#[test]
fn lightroom_sidecar_updates_the_rating_element_and_keeps_a_colour_label() {
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "IMG_1234.CR3");
    let path = sidecar_path(&photo, SidecarStyle::ReplaceExtension);
    assert_eq!(path, dir.path().join("IMG_1234.xmp"));
    fs::write(&path, LIGHTROOM).unwrap();
    // "Red" is a colour label, not a cull flag.
    assert_eq!(
        read_sidecar(&photo, SidecarStyle::ReplaceExtension).unwrap(),
        Some(Labels {
            rating: 2,
            flag: Flag::None
        })
    );

    write_sidecar(
        &photo,
        SidecarStyle::ReplaceExtension,
        Labels {
            rating: 3,
            flag: Flag::None,
        },
    )
    .unwrap();
    let raw = fs::read_to_string(&path).unwrap();
    assert_eq!(
        raw,
        LIGHTROOM.replace("<xmp:Rating>2</xmp:Rating>", "<xmp:Rating>3</xmp:Rating>")
    );
    let desc = "x:xmpmeta/rdf:RDF/rdf:Description";
    let new = facts(&raw);
    assert_eq!(
        label_facts(&new, &["xmp"]),
        vec![
            format!("{desc}@xmp:Label=Red"),
            format!("{desc}/xmp:Rating<"),
            format!("{desc}/xmp:Rating#3")
        ]
    );
    assert_eq!(
        other_facts(&new, &["xmp"]),
        other_facts(&facts(LIGHTROOM), &["xmp"])
    );
    assert!(new.contains(&format!("{desc}@crs:Exposure2012=+0.35")));

    // A reject has to take xmp:Label: that is where the other tools look for it.
    write_sidecar(
        &photo,
        SidecarStyle::ReplaceExtension,
        Labels {
            rating: 3,
            flag: Flag::Reject,
        },
    )
    .unwrap();
    let raw = fs::read_to_string(&path).unwrap();
    assert_eq!(
        raw,
        LIGHTROOM
            .replace("<xmp:Rating>2</xmp:Rating>", "<xmp:Rating>-1</xmp:Rating>")
            .replace(r#"xmp:Label="Red""#, r#"xmp:Label="Reject""#)
    );
    assert_eq!(
        other_facts(&facts(&raw), &["xmp"]),
        other_facts(&facts(LIGHTROOM), &["xmp"])
    );
}

#[test]
fn digikam_sidecar_without_xmp_namespace_gets_it_declared() {
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "lisbon.jpg");
    let path = sidecar_path(&photo, SidecarStyle::AppendXmp);
    fs::write(&path, DIGIKAM).unwrap();
    assert_eq!(read_sidecar(&photo, SidecarStyle::AppendXmp).unwrap(), None);

    write_sidecar(
        &photo,
        SidecarStyle::AppendXmp,
        Labels {
            rating: 2,
            flag: Flag::Pick,
        },
    )
    .unwrap();
    let raw = fs::read_to_string(&path).unwrap();
    let insert = "\n    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n    xmp:Rating=\"2\"\n    xmp:Label=\"Pick\"";
    assert_eq!(
        raw,
        DIGIKAM.replace(
            "digiKam:PickLabel=\"0\">",
            &format!("digiKam:PickLabel=\"0\"{insert}>")
        )
    );
    let desc = "x:xmpmeta/rdf:RDF/rdf:Description";
    let new = facts(&raw);
    assert_eq!(
        label_facts(&new, &["xmp"]),
        vec![
            format!("{desc}@xmp:Rating=2"),
            format!("{desc}@xmp:Label=Pick")
        ]
    );
    let mut want_others = other_facts(&facts(DIGIKAM), &["xmp"]);
    let at = want_others
        .iter()
        .position(|f| f.ends_with("digiKam:PickLabel=0"))
        .unwrap();
    want_others.insert(
        at + 1,
        format!("{desc}@xmlns:xmp=http://ns.adobe.com/xap/1.0/"),
    );
    assert_eq!(other_facts(&new, &["xmp"]), want_others);
    assert!(new.contains(&"comment  tags kept by digiKam ".to_owned()));
}

#[test]
fn xmp_bound_under_another_prefix_is_used_as_is() {
    // Old Adobe software wrote the XMP namespace under the "xap" prefix, declared on rdf:RDF.
    let old = r#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:xap="http://ns.adobe.com/xap/1.0/"><rdf:Description rdf:about="" xap:Rating="4"/><rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" dc:format="image/jpeg"/></rdf:RDF></x:xmpmeta>"#;
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "old.jpg");
    let path = sidecar_path(&photo, SidecarStyle::AppendXmp);
    fs::write(&path, old).unwrap();
    assert_eq!(
        read_sidecar(&photo, SidecarStyle::AppendXmp).unwrap(),
        Some(Labels {
            rating: 4,
            flag: Flag::None
        })
    );
    write_sidecar(
        &photo,
        SidecarStyle::AppendXmp,
        Labels {
            rating: 1,
            flag: Flag::Pick,
        },
    )
    .unwrap();
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        old.replace(
            r#"xap:Rating="4"/>"#,
            r#"xap:Rating="1" xap:Label="Pick"/>"#
        )
    );
}

#[test]
fn empty_rating_element_and_bom_are_handled() {
    let old = "\u{feff}<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\r\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\r\n<rdf:Description xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\r\n<xmp:Rating/>\r\n<xmp:Label>Pick</xmp:Label>\r\n</rdf:Description>\r\n</rdf:RDF>\r\n</x:xmpmeta>\r\n";
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "b.jpg");
    let path = sidecar_path(&photo, SidecarStyle::AppendXmp);
    fs::write(&path, old).unwrap();
    assert_eq!(
        read_sidecar(&photo, SidecarStyle::AppendXmp).unwrap(),
        Some(Labels {
            rating: 0,
            flag: Flag::Pick
        })
    );
    write_sidecar(
        &photo,
        SidecarStyle::AppendXmp,
        Labels {
            rating: 5,
            flag: Flag::None,
        },
    )
    .unwrap();
    let raw = fs::read_to_string(&path).unwrap();
    assert_eq!(
        raw,
        old.replace("<xmp:Rating/>", "<xmp:Rating>5</xmp:Rating>")
            .replace("\r\n<xmp:Label>Pick</xmp:Label>", "")
    );
}

#[test]
fn writing_a_sidecar_never_touches_the_photo() {
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "c.jpg");
    let before = fs::read(&photo).unwrap();
    let mtime = fs::metadata(&photo).unwrap().modified().unwrap();
    for style in STYLES {
        for labels in all_labels() {
            write_sidecar(&photo, style, labels).unwrap();
        }
    }
    assert_eq!(fs::read(&photo).unwrap(), before);
    assert_eq!(fs::metadata(&photo).unwrap().modified().unwrap(), mtime);
    let mut names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // No temporary files left behind either.
    assert_eq!(names, ["c.jpg", "c.jpg.xmp", "c.xmp"]);
}

#[test]
fn a_sidecar_glia_cannot_parse_is_left_byte_identical() {
    let broken: &[&[u8]] = &[
        // Truncated mid-file, as after a crash of another tool.
        &DARKTABLE.as_bytes()[..DARKTABLE.len() / 2],
        // Mismatched tags.
        b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description/></rdf:Bag></x:xmpmeta>",
        // Well-formed but nowhere to put a rating.
        b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/></x:xmpmeta>",
        // Duplicate attribute.
        b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description a=\"1\" a=\"2\"/></rdf:RDF></x:xmpmeta>",
        // Not text at all.
        b"\x00\xff\xfe binary junk",
        b"just some words",
    ];
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "d.jpg");
    let path = sidecar_path(&photo, SidecarStyle::AppendXmp);
    for bytes in broken {
        fs::write(&path, bytes).unwrap();
        let err = write_sidecar(
            &photo,
            SidecarStyle::AppendXmp,
            Labels {
                rating: 3,
                flag: Flag::Pick,
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, CatalogError::InvalidSidecar { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("left it unchanged"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), *bytes);
    }
}

#[test]
fn missing_or_unwritable_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("gone").join("e.jpg");
    let err = write_sidecar(&photo, SidecarStyle::AppendXmp, Labels::default()).unwrap_err();
    assert!(matches!(err, CatalogError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("gone"), "{err}");
    assert_eq!(read_sidecar(&photo, SidecarStyle::AppendXmp).unwrap(), None);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let locked = dir.path().join("locked");
        fs::create_dir(&locked).unwrap();
        let photo = photo_in(&locked, "f.jpg");
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
        // root ignores folder permissions; only check where they apply.
        let probe = fs::write(locked.join("probe"), b"x");
        if probe.is_err() {
            let err =
                write_sidecar(&photo, SidecarStyle::AppendXmp, Labels::default()).unwrap_err();
            assert!(err.to_string().contains("locked"), "{err}");
            assert!(!sidecar_path(&photo, SidecarStyle::AppendXmp).exists());
        }
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_rating_above_five_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "g.jpg");
    let err = write_sidecar(
        &photo,
        SidecarStyle::AppendXmp,
        Labels {
            rating: 6,
            flag: Flag::None,
        },
    )
    .unwrap_err();
    assert!(matches!(err, CatalogError::InvalidRating(6)));
    assert!(!sidecar_path(&photo, SidecarStyle::AppendXmp).exists());
}

#[test]
fn photo_named_xmp_cannot_replace_its_own_extension() {
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "odd.xmp");
    let before = fs::read(&photo).unwrap();
    let err = write_sidecar(&photo, SidecarStyle::ReplaceExtension, Labels::default()).unwrap_err();
    assert!(matches!(err, CatalogError::SidecarIsPhoto(_)));
    assert_eq!(fs::read(&photo).unwrap(), before);
}

#[test]
fn round_trip_over_each_tools_sidecar() {
    let dir = tempfile::tempdir().unwrap();
    let photo = photo_in(dir.path(), "h.jpg");
    let path = sidecar_path(&photo, SidecarStyle::AppendXmp);
    for original in [DARKTABLE, LIGHTROOM, DIGIKAM] {
        fs::write(&path, original).unwrap();
        for labels in all_labels() {
            write_sidecar(&photo, SidecarStyle::AppendXmp, labels).unwrap();
            let raw = fs::read_to_string(&path).unwrap();
            let new = facts(&raw);
            let (rating, label) = expected_attrs(labels);
            let props = label_facts(&new, &["xmp"]);
            assert!(
                props
                    .iter()
                    .any(|f| f.ends_with(&format!("xmp:Rating={rating}"))
                        || f.ends_with(&format!("xmp:Rating#{rating}"))),
                "{labels:?}: {props:?}"
            );
            let label_says = |v: &str| {
                props.iter().any(|f| {
                    f.ends_with(&format!("xmp:Label={v}")) || f.ends_with(&format!("xmp:Label#{v}"))
                })
            };
            match label {
                Some(l) => assert!(label_says(l), "{labels:?}: {props:?}"),
                None => assert!(
                    !label_says("Pick") && !label_says("Reject"),
                    "{labels:?}: {props:?}"
                ),
            }
            // Lightroom's colour label survives every flag-free write.
            if original == LIGHTROOM && labels.flag == Flag::None {
                fs::write(&path, original).unwrap();
                write_sidecar(&photo, SidecarStyle::AppendXmp, labels).unwrap();
                let props = label_facts(&facts(&fs::read_to_string(&path).unwrap()), &["xmp"]);
                assert!(
                    props.iter().any(|f| f.ends_with("xmp:Label=Red")),
                    "{props:?}"
                );
            }
            let mut others_new = other_facts(&new, &["xmp"]);
            others_new.retain(|f| !f.contains("@xmlns:xmp="));
            let mut others_old = other_facts(&facts(original), &["xmp"]);
            others_old.retain(|f| !f.contains("@xmlns:xmp="));
            assert_eq!(others_new, others_old);

            let expected = match labels.flag {
                Flag::Reject => Labels {
                    rating: 0,
                    flag: Flag::Reject,
                },
                _ => labels,
            };
            assert_eq!(
                read_sidecar(&photo, SidecarStyle::AppendXmp).unwrap(),
                Some(expected)
            );
        }
    }
}
