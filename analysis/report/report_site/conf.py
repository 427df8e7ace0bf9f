"""Sphinx configuration of the report (analysis/report/site.py copies it into the staged source and runs Sphinx).

myst-nb renders the committed, executed notebooks as they are (never executes them). Nothing is fetched when a
page opens: no math renderer from a CDN (no math syntax), no launch or repository buttons, no analytics.
Raw HTML in Markdown is shown as text (html_block/html_inline disabled); the raw and include directives are
disabled by docutils.conf; notebook outputs were sanitised before the build (analysis.report.site.sanitise_notebook).
"""
project = "Casualties of Peru's protests, 2022–23"
author = "peru-protests-analysis"
copyright = "the authors"
language = "en"
extensions = ["myst_nb"]

nb_execution_mode = "off"
nb_render_markdown_format = "commonmark"
nb_merge_streams = True
myst_heading_anchors = 3
myst_disable_syntax = ["html_block", "html_inline"]
myst_enable_extensions = []

html_theme = "sphinx_book_theme"
html_title = "Casualties of Peru's protests, December 2022 – March 2023"
html_copy_source = False
html_show_sourcelink = False
html_static_path = ["_static"]
html_css_files = ["report.css"]
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "use_source_button": False,
    "use_edit_page_button": False,
    "use_issues_button": False,
    "launch_buttons": {},
}
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
# Notebook headings may skip a level (a "###" under "#"); that is a style choice, not an error.
suppress_warnings = ["myst.header"]
