# make run  – set up .venv and start the app (local storage when no profile is configured)
# make test – set up .venv and the system packages the tests need, then run the whole suite
SHELL := /bin/bash
# The distribution's Python when it is 3.11 or newer: Debian builds it with PGO and LTO, which
# pyenv and other source builds leave out unless asked (the app's Python code runs slower
# there), and it is the interpreter a Debian user installs the app with. Else python3.
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do \
  $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
XVFB := xvfb-run -a -s "-screen 0 1280x800x24"
export LANG ?= C.UTF-8
export LC_ALL ?= C.UTF-8

.PHONY: run test test-offscreen test-xvfb test-keyring lint format bench package clean venv

$(STAMP): pyproject.toml
	@PYTHON="$(PYTHON)" scripts/system-deps.sh python
	@# --clear: a venv made by another interpreter (an older checkout's pyenv one) keeps its
	@# python links while pyvenv.cfg names the new one, and no module imports.
	$(PYTHON) -m venv --clear $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@scripts/system-deps.sh run
	$(PY) -m s3uploader_gui $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks
	$(PY) -m ruff format --check src tests benchmarks
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(PY) -m ruff format src tests benchmarks
	$(PY) -m ruff check --fix src tests benchmarks

test: $(STAMP)
	@scripts/system-deps.sh test
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-offscreen
	$(MAKE) --no-print-directory test-xvfb
	$(MAKE) --no-print-directory test-keyring

test-offscreen: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -m "not xvfb and not realkeyring" -q

test-xvfb: $(STAMP)
	env -u WAYLAND_DISPLAY QT_QPA_PLATFORM=xcb SCREENSHOT_DIR="$(CURDIR)/shots" \
	  $(XVFB) $(PY) -m pytest -m xvfb -q

# A real Secret Service: gnome-keyring in a private D-Bus session, a throwaway HOME,
# pre-unlocked, no DISPLAY (an unlock prompt would hang on Xvfb).
test-keyring: $(STAMP)
	@keyhome="$$(mktemp -d)"; trap 'rm -rf "$$keyhome"' EXIT; \
	env -u DISPLAY -u WAYLAND_DISPLAY -u PYTHON_KEYRING_BACKEND HOME="$$keyhome" \
	  dbus-run-session -- sh -c 'echo -n ci-password | gnome-keyring-daemon --unlock \
	    --components=secrets >/dev/null && REAL_KEYRING=1 QT_QPA_PLATFORM=offscreen \
	    $(PY) -m pytest -m realkeyring -q -p no:cacheprovider'

# make bench [BENCH="entrypoints images listing gui startup"]: the app against its anchors,
# printed as ratios (entrypoints: the CLI three ways and the GUI, over HTTP and HTTPS, vs
# s5cmd and aws)
bench: $(STAMP)
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) -m benchmarks $(BENCH)

# make screenshots: regenerate the README's images from the real app under Xvfb
screenshots: $(STAMP)
	@scripts/system-deps.sh test
	env -u WAYLAND_DISPLAY QT_QPA_PLATFORM=xcb SCREENSHOT_DIR="$(CURDIR)/docs" \
	  $(XVFB) $(PY) -m pytest -q -m xvfb tests/ui/test_screenshots_states.py tests/ui/test_screenshot_xvfb.py
	mv docs/main-window.png docs/screenshot.png

# make package: a one-folder PyInstaller bundle in dist/, smoke-tested
package: $(STAMP)
	@scripts/system-deps.sh run
	$(PY) -m pip install -q -e '.[package]'
	PY=$(PY) packaging/build.sh
	@if command -v appstreamcli >/dev/null; then \
	  appstreamcli validate --no-net resources/io.github.s3uploader_gui.metainfo.xml; fi
	@if command -v desktop-file-validate >/dev/null; then \
	  desktop-file-validate resources/s3uploader-gui.desktop; fi

clean:
	rm -rf $(VENV) build dist shots .pytest_cache .mypy_cache .ruff_cache
