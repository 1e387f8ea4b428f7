#!/bin/sh
# The image's build step (README's first command builds the same): the release binary with the
# dashboard built in. The server's build script compiles the dashboard to wasm with
# the wasm32 target (added here when missing) — no other tool is downloaded.
set -eu
cd "$(dirname "$0")/.."
rustup target add wasm32-unknown-unknown
cargo build --release --locked -p overdue
ls -l "${CARGO_TARGET_DIR:-target}/release/overdue"
