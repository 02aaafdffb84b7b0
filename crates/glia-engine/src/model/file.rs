//! A glia model file: adapter + head weights as safetensors (PyTorch key names, see
//! [`super::glia`]) with `__metadata__` describing how to run them. The frozen backbone is
//! a separate timm safetensors file, named by `backbone` and found next to the model or in
//! the model directories.
//!
//! | metadata key   | meaning                                             | default        |
//! |----------------|-----------------------------------------------------|----------------|
//! | `backbone`     | backbone name; the file is `{backbone}.safetensors` | required       |
//! | `latent`       | latent size d of the GLIA blocks                    | from shapes    |
//! | `heads`        | heads of the GLIA cross-attention                   | 4              |
//! | `lgf`, `glr`   | interactions switched on (`true`/`false`)           | `true`         |
//! | `score_scale`, `score_offset` | 0–100 score = offset + scale × raw   | 1, 0           |
//! | `norm_mean`, `norm_std` | input normalisation, JSON arrays of 3      | the backbone file's own `norm_mean`/`norm_std`, else 0.5, 0.5 |
//! | `detail_short_side` | working short side (px) the detail view is cut at | native pixels |
//!
//! Any other key (training data, metrics, dates) is kept and written back unchanged.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use burn::tensor::Device;

use super::adapter_weights::{Stored, Walk};
use super::glianet::{AdapterConfig, GliaNet};
use super::tensor_file::TensorFile;
use super::vit::{Vit, VitConfig};
use crate::error::WeightsError;
use crate::preprocess::{DetailScale, Normalization};

/// What a model file says about itself.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub backbone: String,
    /// Latent size, heads and interactions of the adapters.
    pub adapters: AdapterConfig,
    pub score_scale: f32,
    pub score_offset: f32,
    pub normalization: Normalization,
    /// The scale the detail view is cut at.
    pub detail_scale: DetailScale,
    /// Every other metadata entry, kept verbatim.
    pub extra: BTreeMap<String, String>,
}

impl ModelInfo {
    /// Maps a raw head output to glia's 0–100 score.
    pub fn to_percent(&self, raw: f32) -> f32 {
        (self.score_offset + self.score_scale * raw).clamp(0.0, 100.0)
    }

    fn from_metadata(file: &TensorFile) -> Result<Self, WeightsError> {
        let mut meta = file.metadata();
        let invalid = |reason: String| WeightsError::Invalid {
            path: file.path().to_owned(),
            reason,
        };
        if let Some(format) = meta.remove("format")
            && format != "glia-model/1"
        {
            return Err(invalid(format!(
                "model format `{format}` is not one this glia reads (glia-model/1); update glia"
            )));
        }
        let backbone = meta.remove("backbone").ok_or_else(|| {
            invalid(
                "model metadata names no `backbone`; pass the backbone weights explicitly".into(),
            )
        })?;
        let latent = match meta.remove("latent") {
            Some(v) => parse(&v, "latent").map_err(invalid)?,
            None => file.require_shape("semantic_proj.fc1.weight", "semantic projection")?[0],
        };
        let heads = opt(&mut meta, "heads", 4).map_err(invalid)?;
        let lgf = opt(&mut meta, "lgf", true).map_err(invalid)?;
        let glr = opt(&mut meta, "glr", true).map_err(invalid)?;
        let score_scale = opt(&mut meta, "score_scale", 1.0).map_err(invalid)?;
        let score_offset = opt(&mut meta, "score_offset", 0.0).map_err(invalid)?;
        let normalization = read_normalization(&mut meta)
            .map_err(invalid)?
            .unwrap_or_default();
        let detail_scale = match meta.remove("detail_short_side") {
            None => DetailScale::Native,
            Some(v) => match parse::<u32>(&v, "detail_short_side").map_err(invalid)? {
                0 => DetailScale::Native,
                s => DetailScale::ShortSide(s),
            },
        };
        if latent == 0 || heads == 0 || latent % heads != 0 {
            return Err(invalid(format!(
                "latent size {latent} is not divisible into {heads} heads"
            )));
        }
        Ok(Self {
            backbone,
            adapters: AdapterConfig::new()
                .with_latent(latent)
                .with_heads(heads)
                .with_lgf(lgf)
                .with_glr(glr),
            score_scale,
            score_offset,
            normalization,
            detail_scale,
            extra: meta.into_iter().collect(),
        })
    }

    fn to_metadata(&self) -> HashMap<String, String> {
        let mut m: HashMap<String, String> = self.extra.clone().into_iter().collect();
        m.insert("format".into(), "glia-model/1".into());
        m.insert("backbone".into(), self.backbone.clone());
        let a = &self.adapters;
        m.insert("latent".into(), a.latent.to_string());
        m.insert("heads".into(), a.heads.to_string());
        m.insert("lgf".into(), a.lgf.to_string());
        m.insert("glr".into(), a.glr.to_string());
        m.insert("score_scale".into(), self.score_scale.to_string());
        m.insert("score_offset".into(), self.score_offset.to_string());
        m.insert("norm_mean".into(), json_array(&self.normalization.mean));
        m.insert("norm_std".into(), json_array(&self.normalization.std));
        if let DetailScale::ShortSide(side) = self.detail_scale {
            m.insert("detail_short_side".into(), side.to_string());
        }
        m
    }
}

/// `norm_mean` / `norm_std` from a metadata map, when present.
fn read_normalization(meta: &mut HashMap<String, String>) -> Result<Option<Normalization>, String> {
    let mut read = |key: &str| -> Result<Option<[f32; 3]>, String> {
        meta.remove(key)
            .map(|v| serde_json::from_str(&v).map_err(|e| format!("metadata `{key}` = {v:?}: {e}")))
            .transpose()
    };
    match (read("norm_mean")?, read("norm_std")?) {
        (None, None) => Ok(None),
        (mean, std) => {
            let d = Normalization::default();
            Ok(Some(Normalization {
                mean: mean.unwrap_or(d.mean),
                std: std.unwrap_or(d.std),
            }))
        }
    }
}

/// The backbone's own normalisation when its file states one, else timm augreg's 0.5 / 0.5.
fn backbone_normalization(file: &TensorFile) -> Result<Normalization, WeightsError> {
    read_normalization(&mut file.metadata())
        .map(Option::unwrap_or_default)
        .map_err(|reason| WeightsError::Invalid {
            path: file.path().to_owned(),
            reason,
        })
}

fn json_array(v: &[f32; 3]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[0.5,0.5,0.5]".into())
}

fn parse<T: std::str::FromStr>(v: &str, key: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("metadata `{key}` = {v:?} is not a valid value"))
}

fn opt<T: std::str::FromStr>(
    meta: &mut HashMap<String, String>,
    key: &str,
    default: T,
) -> Result<T, String> {
    meta.remove(key).map_or(Ok(default), |v| parse(&v, key))
}

/// A loaded model, ready to run.
#[derive(Debug, Clone)]
pub struct Model {
    pub net: GliaNet,
    pub info: ModelInfo,
    pub vit: VitConfig,
    pub path: PathBuf,
    pub backbone_path: PathBuf,
}

impl Model {
    /// Loads a model file. The backbone is `backbone` when given, else
    /// `{info.backbone}.safetensors` next to the model, else in one of `search`.
    pub fn load(
        path: &Path,
        backbone: Option<&Path>,
        search: &[PathBuf],
        device: &Device,
    ) -> Result<Self, WeightsError> {
        let adapters = TensorFile::open(path)?;
        let mut info = ModelInfo::from_metadata(&adapters)?;
        let backbone_path = match backbone {
            Some(p) => p.to_owned(),
            None => find_backbone(path, &info.backbone, search)?,
        };
        let backbone_file = TensorFile::open(&backbone_path)?;
        if !adapters.metadata().contains_key("norm_mean")
            && !adapters.metadata().contains_key("norm_std")
        {
            info.normalization = backbone_normalization(&backbone_file)?;
        }
        let (vit_model, vit) = Vit::load(&backbone_file, device)?;
        let net = info.adapters.load(vit_model, &adapters, device)?;
        Ok(Self {
            net,
            info,
            vit,
            path: path.to_owned(),
            backbone_path,
        })
    }

    /// The backbone in `backbone_path` with freshly initialised adapters (d = 64, 4 heads),
    /// the same for the same `seed`: the starting point of training, and a stand-in of the
    /// right cost for benchmarks.
    pub fn with_new_adapters(
        backbone_path: &Path,
        seed: u64,
        device: &Device,
    ) -> Result<Self, WeightsError> {
        let backbone_file = TensorFile::open(backbone_path)?;
        let (vit_model, vit) = Vit::load(&backbone_file, device)?;
        let backbone = backbone_path
            .file_stem()
            .map_or_else(|| vit.name(), |s| s.to_string_lossy().into_owned());
        let info = ModelInfo {
            backbone,
            adapters: AdapterConfig::new(),
            score_scale: 1.0,
            score_offset: 0.0,
            normalization: backbone_normalization(&backbone_file)?,
            detail_scale: DetailScale::ShortSide(crate::preprocess::WORKING_SHORT_SIDE),
            extra: BTreeMap::new(),
        };
        let net = info.adapters.init_seeded(vit_model, seed, device);
        Ok(Self {
            net,
            info,
            vit,
            path: PathBuf::new(),
            backbone_path: backbone_path.to_owned(),
        })
    }

    /// Saves adapters + head + metadata; the backbone is referenced by name, not copied.
    pub fn save(&self, path: &Path) -> Result<(), WeightsError> {
        save_adapters(&self.net, &self.info, path)
    }
}

fn find_backbone(model: &Path, name: &str, search: &[PathBuf]) -> Result<PathBuf, WeightsError> {
    let file = format!("{name}.safetensors");
    let beside = model.parent().map(|d| d.join(&file));
    let candidates: Vec<PathBuf> = beside
        .into_iter()
        .chain(search.iter().map(|d| d.join(&file)))
        .collect();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| WeightsError::Invalid {
            path: model.to_owned(),
            reason: format!(
                "backbone `{file}` not found (looked in {}); pass --backbone PATH",
                candidates
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

impl safetensors::View for &Stored {
    fn dtype(&self) -> safetensors::Dtype {
        safetensors::Dtype::F32
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.bytes)
    }
    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Writes the trainable part of `net` with `info` as metadata, atomically (temp file +
/// rename), so an interrupted save never leaves a broken model behind.
pub fn save_adapters(net: &GliaNet, info: &ModelInfo, path: &Path) -> Result<(), WeightsError> {
    // The network's own config is what the weights are shaped by.
    let info = ModelInfo {
        adapters: net.config.clone(),
        ..info.clone()
    };
    let mut t = BTreeMap::new();
    net.clone().walk_adapters(&mut Walk::save(&mut t))?;
    let io = |source| WeightsError::Io {
        path: path.to_owned(),
        source,
    };
    let bytes = safetensors::serialize(
        t.iter().map(|(k, v)| (k.as_str(), v)),
        Some(info.to_metadata()),
    )
    .map_err(|e| WeightsError::Format {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // A model file is the user's, readable like any file they create (0666 less the umask), not
    // owner-only as tempfile makes its files by default.
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(io)?;
    std::io::Write::write_all(&mut tmp, &bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}
