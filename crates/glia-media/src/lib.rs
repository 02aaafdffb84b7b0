//! Photo files without the model: decoding, embedded RAW previews, EXIF thumbnails and dates,
//! thumbnails.

pub mod dates;
mod decode;
mod error;
mod exif;
mod jpeg;
mod raw;
mod thumbs;
mod tiff;

pub use decode::{
    ImageError, MAX_MEGAPIXELS, Resolution, apply_orientation, decode, decode_raw, decode_rgb,
    load, load_rgb,
};
pub use error::MediaError;
pub use exif::{date_taken, date_taken_in_file, exif_thumbnail, orientation, raw_orientation};
pub use raw::{RAW_EXTENSIONS, is_raw, raw_preview};
pub use thumbs::{ThumbCache, downscale};

#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod test_files;
