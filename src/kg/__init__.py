"""kg: a knowledge-graph store for Chinese government task-decomposition notices (重点工作任务分解).

Pipeline: parse → graph → validate → store → query → serve (see docs/design.md).
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("kg")
except _metadata.PackageNotFoundError:  # running from a checkout without installation
    __version__ = "0.1.0"

__all__ = ["__version__"]
