//! Helpers shared by the integration tests.

pub mod app;

use std::path::PathBuf;

/// `../shared` (or `$GLIA_SHARED`), or `None` with a message saying the test is skipped.
pub fn shared(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("GLIA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    if dir.join("golden").is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED {test}: {} not found (set GLIA_SHARED to the shared/ folder)",
            dir.display()
        );
        None
    }
}

/// Runs `cmd`, which must succeed (else the test fails with its stderr), and parses its stdout
/// as JSON.
#[allow(dead_code)] // not every test binary that shares this module runs a JSON command
pub fn json_stdout(cmd: &mut std::process::Command) -> serde_json::Value {
    let out = cmd.output().expect("glia runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}
