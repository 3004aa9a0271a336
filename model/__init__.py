"""Colorizer's science and inference, without Qt. Its rooms, highest first:

- ``cli``: the commands (``colorize``, ``colorizer-train``, ``colorizer-eval``): arguments in, exit codes out
- ``training``: the trainer (config, data, loop)
- ``evaluation``: metrics, the evaluation run shared by the trainer and ``colorizer-eval``, sheets, tests of realism
- ``inference``: the one inference API of the app and the batch command (pipeline, session, batch)
- ``nets``: the networks, their weights files and the bundled-model registry
- ``io``: photo files in and out, folders, atomic writes
- ``lab``: the colour maths (Lab, the 313 bins, soft encoding, rebalancing, the annealed mean)
- ``errors``: the error type for a user's mistakes, below every room

The contract (checked by tests/test_architecture.py): a room imports only itself and rooms below it;
nothing here imports Qt or ``colorizer_app``; the app never imports ``cli`` or ``training``.
"""

LAYERS = ("model.cli", "model.training", "model.evaluation", "model.inference", "model.nets", "model.io", "model.lab")
BASE = "model.errors"
APP_MAY_NOT_IMPORT = ("model.cli", "model.training")


def package_version() -> str:
    """The installed version, for --version and the About box."""
    from importlib import metadata

    try:
        return metadata.version("colorizer")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(development)"
