//! glia's persistent store: the SQLite catalog, XMP sidecars, and exporting picks.
