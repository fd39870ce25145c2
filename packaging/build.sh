#!/usr/bin/env bash
# Build the one-folder bundle dist/s3uploader-gui/ with PyInstaller, then smoke-test it:
# --version, the CLI twin, and the main window opening offscreen and closing cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/s3uploader-gui.spec

app=dist/s3uploader-gui/s3uploader-gui
echo "== smoke test: $app"
"$app" --version
"$app" cli --version

home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
shot="$home/bundle-window.png"
env -u DISPLAY -u WAYLAND_DISPLAY HOME="$home" XDG_CONFIG_HOME="$home/config" \
  XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" XDG_STATE_HOME="$home/state" \
  QT_QPA_PLATFORM=offscreen timeout 120 "$app" --quit-after 8000 --screenshot "$shot"
test -s "$shot" || { echo "the window was not rendered" >&2; exit 1; }
test -f "$home/data/s3uploader-gui/local-s3/weed.log" || {
  echo "the bundled local storage server did not start" >&2; exit 1; }
if pgrep -f "weed mini -dir=$home" >/dev/null; then
  echo "the bundle left a weed process behind" >&2; exit 1
fi
du -sh dist/s3uploader-gui
echo "== bundle OK: dist/s3uploader-gui"
