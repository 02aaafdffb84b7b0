//! The command-line interface: one module per subcommand.

pub mod bench;
pub mod eval;
pub mod heatmap;
pub mod score;

use anyhow::{Context, Result};
use glia_engine::{ComputeDevice, DeviceChoice, device};

/// Picks the device and says on stderr which one and why.
pub fn pick_device(choice: DeviceChoice, quiet: bool) -> Result<ComputeDevice> {
    let d = device::select(choice).context("cannot start the requested device")?;
    if !quiet {
        eprintln!("glia: running on {} — {}", d.name, d.reason);
    }
    Ok(d)
}
