"""The suite's regressions report, written by ``asv publish`` beside asv's own site.

It reads the blame store through ``cascade_bench.blame_store`` (the schema lives in
``cascade_bench.model``); ``views`` prepares what the pages show, ``chart`` draws
the pictures, ``render`` writes the pages, ``publisher`` plugs it all into
``asv publish``.
"""
