//! Builds the dashboard (`frontend/`, Leptos) to wasm, generates its JavaScript glue with
//! wasm-bindgen, and writes `assets.rs` into `OUT_DIR`: every file of the dashboard as
//! bytes, so `overdue serve` is one self-contained binary.
//!
//! The nested cargo uses its own target directory (no lock shared with the outer
//! build) and the `wasm-release` profile. Set `OVERDUE_SKIP_FRONTEND=1` to embed a
//! placeholder page instead (faster builds of the server alone).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let root = manifest
        .parent()
        .and_then(Path::parent)
        .expect("crates/server sits two levels below the workspace root")
        .to_path_buf();
    let frontend = root.join("frontend");
    let out = PathBuf::from(env("OUT_DIR"));
    let dist = out.join("dist");
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(&dist).expect("cannot create OUT_DIR/dist");
    println!("cargo:rerun-if-env-changed=OVERDUE_SKIP_FRONTEND");
    for p in ["src", "Cargo.toml", "index.html", "style.css", "boot.js"] {
        println!("cargo:rerun-if-changed={}", frontend.join(p).display());
    }
    // The wasm-release profile and the frontend's dependencies live at the root.
    for p in ["crates/types/src", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(p).display());
    }

    if std::env::var("OVERDUE_SKIP_FRONTEND").is_ok_and(|v| v == "1") {
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>Overdue</title><p>This build has no dashboard \
             (OVERDUE_SKIP_FRONTEND=1).</p>",
        )
        .expect("cannot write the placeholder");
    } else {
        build_frontend(&root, &frontend, &dist);
    }
    write_assets(&dist, &out.join("assets.rs"));
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

/// The wasm target is a rustup component; install it when missing (a few seconds), so
/// the README's first command works on a fresh clone.
fn ensure_wasm_target() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let installed = sysroot.is_some_and(|s| {
        Path::new(&s)
            .join("lib/rustlib/wasm32-unknown-unknown")
            .exists()
    });
    if !installed {
        println!("cargo:warning=installing the wasm32-unknown-unknown target for the dashboard");
        let _ = Command::new("rustup")
            .args(["target", "add", "wasm32-unknown-unknown"])
            .status();
    }
}

fn build_frontend(root: &Path, frontend: &Path, dist: &Path) {
    ensure_wasm_target();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let target_dir = root.join("target").join("frontend-wasm");
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "-p",
            "overdue-frontend",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .args(["--profile", "wasm-release", "--target-dir"])
        .arg(&target_dir)
        // The workspace's lock file already covers the frontend: never change it here.
        .arg("--locked");
    // The outer build's settings are for the host: do not pass them on.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_MAKEFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("cannot run cargo for the dashboard");
    if !status.success() {
        panic!(
            "building the dashboard (frontend/) for wasm32 failed: see the compiler's messages \
             above. Is the target installed? \
             Run `rustup target add wasm32-unknown-unknown`. Or set OVERDUE_SKIP_FRONTEND=1 \
             to build the server without it."
        );
    }
    let wasm = target_dir
        .join("wasm32-unknown-unknown")
        .join("wasm-release")
        .join("overdue-frontend.wasm");
    let pkg = dist.join("pkg");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .and_then(|b| b.omit_default_module_path(false).generate(&pkg))
        .unwrap_or_else(|e| panic!("wasm-bindgen on {}: {e}", wasm.display()));
    for f in ["index.html", "style.css", "boot.js"] {
        std::fs::copy(frontend.join(f), dist.join(f))
            .unwrap_or_else(|e| panic!("cannot copy frontend/{f}: {e}"));
    }
}

/// Writes `ASSETS: &[(path, content type, bytes, gzipped bytes)]` for every file under
/// `dist`. Each file is also compressed here, once, so serving it costs nothing (the
/// wasm shrinks to about a third).
fn write_assets(dist: &Path, file: &Path) {
    use std::io::Write;
    let mut entries = Vec::new();
    collect(dist, dist, &mut entries);
    entries.sort();
    let gz_dir = file.with_file_name("gz");
    let _ = std::fs::remove_dir_all(&gz_dir);
    std::fs::create_dir_all(&gz_dir).expect("cannot create OUT_DIR/gz");
    let mut src =
        String::from("/// The dashboard's files: (path, content type, bytes, gzipped bytes).\n");
    src.push_str("pub static ASSETS: &[(&str, &str, &[u8], &[u8])] = &[\n");
    for (rel, abs) in entries {
        let ct = match Path::new(&rel).extension().and_then(|e| e.to_str()) {
            Some("html") => "text/html; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            Some("wasm") => "application/wasm",
            Some("css") => "text/css; charset=utf-8",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            _ => "application/octet-stream",
        };
        let raw = std::fs::read(&abs).expect("cannot read a dashboard file");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(&raw).expect("gzip");
        let gz = gz_dir.join(format!("{}.gz", rel.replace('/', "_")));
        std::fs::write(&gz, enc.finish().expect("gzip")).expect("cannot write a gzipped file");
        src.push_str(&format!(
            "    ({rel:?}, {ct:?}, include_bytes!({:?}), include_bytes!({:?})),\n",
            abs.display().to_string(),
            gz.display().to_string()
        ));
    }
    src.push_str("];\n");
    std::fs::write(file, src).expect("cannot write assets.rs");
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(base, &p, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            // TypeScript declarations are not served.
            if !rel.ends_with(".d.ts") {
                out.push((rel, p.clone()));
            }
        }
    }
}
