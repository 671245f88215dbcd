"""Sphinx configuration of the fastrbm documentation site (``sphinx-build -W docs docs/_build``)."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))  # the examples share their drawing helpers (_show.py)

import fastrbm  # noqa: E402

project = "fastrbm"
author = "fastrbm developers"
release = version = fastrbm.__version__
copyright = "2026, fastrbm developers"  # noqa: A001 - Sphinx's name

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "benchmark_runs", "dbn_runs", "likelihood_runs", "drbm_runs", "gallery/*.ipynb",
                    "gallery/*.py", "gallery/*.zip", "gallery/*.md5", "gallery/*.json"]
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]
suppress_warnings = ["myst.xref_missing"]  # links from the Markdown pages into the source tree

autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
autodoc_default_options = {"members": True, "inherited-members": False}

sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "gallery",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py|_show\.py",  # the drawing helpers the examples share
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
}
os.environ.setdefault("MPLBACKEND", "Agg")

html_theme = "pydata_sphinx_theme"
html_title = "fastrbm"
html_theme_options = {"navigation_with_keys": False, "show_toc_level": 2}
html_static_path = []
templates_path = ["_templates"]
