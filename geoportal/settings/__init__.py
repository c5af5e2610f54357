"""Settings wiring only: defaults, then the environment, then values derived from both."""
# ruff: noqa: I001  (order matters: each layer reads the one before)

from .defaults import *  # noqa: F403
from .env import *  # noqa: F403
from .computed import *  # noqa: F403
