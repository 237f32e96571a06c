"""The suite's regressions report, written by ``asv publish`` beside asv's own site.

``model`` knows the blame store's schema, ``chart`` draws the pictures, ``render``
writes the pages, ``publisher`` plugs it all into ``asv publish``.
"""
