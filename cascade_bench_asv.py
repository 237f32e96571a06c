"""asv loads a plugin by name only from its own ``asv.plugins`` package, or from the
config's directory when the name starts with a dot (``".cascade_bench_asv"`` in
asv.conf.json). This shim is that file; the plugin itself lives in the package."""

from cascade_bench import asv_plugin  # noqa: F401  (importing it installs the hooks)
