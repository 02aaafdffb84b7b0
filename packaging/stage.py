#!/usr/bin/env python3
"""Lays out the files one platform's package is made from, and its cargo-packager config.

    python3 packaging/stage.py {linux|windows|macos} BINARY STAGE_DIR

STAGE_DIR is emptied, then holds:
    glia[.exe]            the release binary (copied from BINARY; stripped on Linux)
    models/               the default model, its backbone, the model card, the LIVEC notice
    licenses/             LICENSE-MIT, LICENSE-APACHE, NOTICE.txt
    icons/                from assets/icon.png: png/NxN.png (16..512), glia.ico, glia.icns
    <platform files>      linux: glia.desktop, copyright; windows: installer.nsi;
                          macos: Info.plist
    packager.json         packaging/common.toml merged with the platform's TOML, with the
                          version and description of the root Cargo.toml
    out/                  empty: cargo-packager writes the packages here

Run `cargo packager -c STAGE_DIR/packager.json` (or cargo-packager -c ...) afterwards: every
path in the config is relative to STAGE_DIR. The build-*.sh scripts do both steps.
"""

import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
MODEL_FILES = [
    "glianet-vit-tiny.safetensors",
    "vit_tiny_patch16_224.safetensors",
    "README.md",
    "LIVEC-NOTICE.txt",
]
PLATFORM_FILES = {
    "linux": ["linux/glia.desktop", "linux/copyright"],
    "windows": ["windows/installer.nsi"],
    "macos": ["macos/Info.plist"],
}


def merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def main() -> int:
    if len(sys.argv) != 4 or sys.argv[1] not in PLATFORM_FILES:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    platform, binary, stage = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]).resolve()
    if not binary.is_file():
        print(f"stage: no binary at {binary}", file=sys.stderr)
        return 1

    package = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))["package"]
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "out").mkdir(parents=True)

    exe = "glia.exe" if platform == "windows" else "glia"
    shutil.copy2(binary, stage / exe)
    (stage / exe).chmod(0o755)
    if platform == "linux" and shutil.which("strip"):
        # Symbols only (the release profile has no debug info): 98 MB -> 72 MB, as Debian wants.
        subprocess.run(["strip", str(stage / exe)], check=True)

    (stage / "models").mkdir()
    for name in MODEL_FILES:
        src = ROOT / "models" / name
        if not src.is_file():
            print(f"stage: missing {src}", file=sys.stderr)
            return 1
        shutil.copyfile(src, stage / "models" / name)  # contents only: no read-only modes
    (stage / "licenses").mkdir()
    for src in [ROOT / "LICENSE-MIT", ROOT / "LICENSE-APACHE", PACKAGING / "NOTICE.txt"]:
        shutil.copyfile(src, stage / "licenses" / src.name)
    for rel in PLATFORM_FILES[platform]:
        shutil.copyfile(PACKAGING / rel, stage / Path(rel).name)

    subprocess.run(
        [sys.executable, str(PACKAGING / "icons.py"), str(stage / "icons"), str(ROOT / "assets/icon.png")],
        check=True,
    )

    config = tomllib.loads((PACKAGING / "common.toml").read_text(encoding="utf-8"))
    config = merge(config, tomllib.loads((PACKAGING / platform / f"{platform}.toml").read_text(encoding="utf-8")))
    config["name"] = package["name"]
    config["version"] = package["version"]
    config["description"] = package["description"]
    config["outDir"] = str(stage / "out")
    config["binariesDir"] = str(stage)
    (stage / "packager.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    print(f"stage: {platform} glia {package['version']} staged in {stage}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
