# Two entry points for a fresh Debian machine (root, Python 3.11, no display):
#   make demo   grade the bundled sample radiographs and write overlays and a table
#   make test   run the whole test suite (GUI tests under Xvfb)
# Both do their own set-up, idempotently: Debian packages, .venv, the project with its extras.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.ho-annotate-installed
EXTRAS := napari,dask,parquet,test
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# python3-venv for the virtual environment; the rest lets Qt and napari run under Xvfb.
APT_PACKAGES := python3-venv xvfb xauth libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 \
	libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-xinerama0 \
	libxcb-xfixes0 libxcb-shape0 libegl1 libgl1-mesa-dri libdbus-1-3

.PHONY: demo test setup system-packages clean

demo: setup
	$(BIN)/ho-annotate demo

test: setup
	QT_API=pyside6 xvfb-run -a -s "-screen 0 1600x1200x24" $(BIN)/python -m pytest

setup: system-packages $(STAMP)

system-packages:
	@export DEBIAN_FRONTEND=noninteractive; \
	$(SUDO) apt-get install -y -q $(APT_PACKAGES) >/dev/null 2>&1 \
	|| { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $(APT_PACKAGES); }

$(STAMP): pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
