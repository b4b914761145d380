"""Sphinx configuration of the manual: MyST Markdown pages and an API reference from docstrings.

`make docs` builds it into site/; `make test` builds it with warnings as errors (-W), so a
broken cross-reference, a missing anchor or a page outside the navigation fails the tests.
"""

project = "cropseries"
author = "the cropseries developers"
extensions = ["myst_parser", "autoapi.extension"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["requirements.txt"]
html_theme = "furo"
html_title = "cropseries"

# Links to headings of other pages ([text](page.md#a-heading)) resolve, and are checked.
myst_heading_anchors = 3

# The API reference, read statically from the source (no import, so no TensorFlow or Spark).
autoapi_dirs = ["../src/cropseries"]
autoapi_root = "reference"
autoapi_ignore = ["*/__main__.py"]
autoapi_options = ["members", "undoc-members", "show-module-summary", "special-members"]
autoapi_member_order = "bysource"
autoapi_keep_files = False
