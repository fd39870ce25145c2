#!/usr/bin/env bash
# Install the Debian packages a group needs, only those missing. Groups:
#   python  – venv support for $PYTHON (default python3)
#   run     – shared libraries Qt needs for a window (xcb platform plugin) and fonts
#   test    – run + Xvfb, xdotool, xclip, ImageMagick, a real Secret Service
# Usage: scripts/system-deps.sh GROUP...
set -euo pipefail

python_pkgs=(python3-venv)
run_pkgs=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0 fonts-dejavu-core
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0
  libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1)
test_pkgs=("${run_pkgs[@]}" xvfb xauth xdotool xclip imagemagick x11-apps gnome-keyring dbus
  libsecret-tools)

wanted=()
for group in "$@"; do
  case "$group" in
    python) "${PYTHON:-python3}" -c 'import ensurepip, venv' 2>/dev/null || wanted+=("${python_pkgs[@]}") ;;
    run) wanted+=("${run_pkgs[@]}") ;;
    test) wanted+=("${test_pkgs[@]}") ;;
    *) echo "unknown group: $group" >&2; exit 2 ;;
  esac
done
[ ${#wanted[@]} -gt 0 ] || exit 0
command -v dpkg-query >/dev/null || { echo "not a Debian system: install ${wanted[*]} yourself" >&2; exit 0; }

missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -gt 0 ] || exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
