//! Photo files without the model: embedded RAW previews, EXIF thumbnails and dates, thumbnails.
