"""tuning_core: prompt tuning (Lester et al., 2021) on a shared frozen T5, without any web framework.

Import the submodules you need (`tuning_core.train`, `tuning_core.evaluate`, ...); this package
file stays small so that `import tuning_core` is cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
