//! Choosing where the model runs: a GPU through wgpu (Vulkan/Metal/DX12) when one exists,
//! else burn's `flex` CPU backend. The choice and its reason are reported to the user.

use std::panic::{AssertUnwindSafe, catch_unwind};

use burn::tensor::wgpu::wgpu;
use burn::tensor::{Device, DeviceKind};

use crate::error::DeviceError;

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// A real GPU if there is one, else the CPU.
    #[default]
    Auto,
    /// Any wgpu adapter, software renderers (lavapipe, llvmpipe) included; an error if none.
    Gpu,
    /// The CPU backend.
    Cpu,
}

impl std::str::FromStr for DeviceChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "gpu" => Ok(Self::Gpu),
            "cpu" => Ok(Self::Cpu),
            other => Err(format!("unknown device `{other}`: use auto, gpu or cpu")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKindUsed {
    Gpu,
    Cpu,
}

/// The device the engine runs on, with words for the user.
#[derive(Debug, Clone)]
pub struct ComputeDevice {
    pub device: Device,
    pub kind: DeviceKindUsed,
    /// e.g. "GPU: NVIDIA H100 (Vulkan)" or "CPU (burn flex, 2 threads)".
    pub name: String,
    /// Why this device was chosen.
    pub reason: String,
}

impl ComputeDevice {
    pub fn cpu(reason: impl Into<String>) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            device: Device::flex(),
            kind: DeviceKindUsed::Cpu,
            name: format!(
                "CPU (burn flex backend, {threads} {})",
                if threads == 1 { "core" } else { "cores" }
            ),
            reason: reason.into(),
        }
    }

    pub fn is_gpu(&self) -> bool {
        self.kind == DeviceKindUsed::Gpu
    }
}

/// Starts the wgpu runtime on the best adapter. wgpu can panic inside drivers; that is
/// caught and reported as "no GPU".
fn init_gpu() -> Result<(Device, wgpu::AdapterInfo), String> {
    let attempt = catch_unwind(AssertUnwindSafe(|| {
        Device::wgpu_options()
            .device_kind(DeviceKind::DefaultDevice)
            .init_with_setup()
    }));
    match attempt {
        Ok(Ok((device, setup))) => Ok((device, setup.adapter.get_info())),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("the graphics driver panicked while starting".into()),
    }
}

fn describe(info: &wgpu::AdapterInfo) -> String {
    format!(
        "GPU: {} ({:?}, {:?})",
        info.name, info.backend, info.device_type
    )
}

/// Picks the device for `choice`. `Auto` never fails: it falls back to the CPU and says why.
pub fn select(choice: DeviceChoice) -> Result<ComputeDevice, DeviceError> {
    match choice {
        DeviceChoice::Cpu => Ok(ComputeDevice::cpu("--device cpu was requested")),
        DeviceChoice::Gpu => {
            let (device, info) = init_gpu().map_err(DeviceError::NoGpu)?;
            Ok(ComputeDevice {
                device,
                kind: DeviceKindUsed::Gpu,
                name: describe(&info),
                reason: "--device gpu was requested".into(),
            })
        }
        DeviceChoice::Auto => match init_gpu() {
            Ok((device, info)) if info.device_type != wgpu::DeviceType::Cpu => Ok(ComputeDevice {
                device,
                kind: DeviceKindUsed::Gpu,
                name: describe(&info),
                reason: "a hardware GPU was found".into(),
            }),
            Ok((_, info)) => Ok(ComputeDevice::cpu(format!(
                "the only GPU adapter is the software renderer `{}`, slower than the CPU backend",
                info.name
            ))),
            Err(e) => Ok(ComputeDevice::cpu(format!("no GPU adapter: {e}"))),
        },
    }
}
