"""Sphinx configuration of the course website (``make site``; see build_site.py).

The pages are the notebooks as committed, with their stored outputs: nothing is executed
at build time, and every extension and the theme come from PyPI, so the build works
offline.
"""

project = "vizcnn"
author = "vizcnn"
copyright = "vizcnn contributors; Fashion-MNIST © 2017 Zalando SE (MIT)"
extensions = ["myst_nb"]
language = "en"  # the Korean pages get lang="ko" after the build (build_site.postprocess)
exclude_patterns = ["_build"]

nb_execution_mode = "off"  # the stored outputs of a real run are the product
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type"]  # widget views are stripped before the build

# MathJax from the site itself (the files of the jupyter-server-mathjax wheel, copied by
# build_site.py), so that math renders without reaching a CDN; MathJax 2 reads only the
# elements Sphinx marks as math.
html_static_path = ["_static"]
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    "tex2jax": {"processClass": "math", "ignoreClass": "document", "processEscapes": True}
}

html_theme = "sphinx_book_theme"
html_title = "vizcnn: see what a CNN does"
html_theme_options = {
    "show_toc_level": 2,
    "home_page_in_toc": True,
}
html_show_sourcelink = False
html_copy_source = False
