"""Re-export the public names of every topic module of a package (used by checks and widgets).

A chapter adds ``nnkit/checks/<topic>.py`` or ``nnkit/widgets/<topic>.py`` and nothing else:
the package's ``__init__`` calls :func:`export_topic_modules`, which imports each public
submodule and copies the names of its ``__all__`` (those that ``keep`` accepts) into the
package namespace. Two modules exporting the same name is an ``ImportError``, never a silent
override.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable


def export_topic_modules(namespace: dict, keep: Callable[[str], bool] = lambda name: True) -> None:
    """Import ``namespace``'s package's public submodules and re-export their kept ``__all__`` names.

    Parameters
    ----------
    namespace : dict
        The package's ``globals()``; must hold ``__name__``, ``__path__`` and a list ``__all__``
        (extended in place).
    keep : callable, optional
        Which exported names to re-export (default: all).
    """
    package, exported = namespace["__name__"], namespace["__all__"]
    owners = {name: package for name in exported}
    for info in sorted(pkgutil.iter_modules(namespace["__path__"]), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for name in filter(keep, getattr(module, "__all__", ())):
            if owners.get(name, module.__name__) != module.__name__:
                raise ImportError(f"{package}: {name!r} is exported by both {owners[name]} and {module.__name__}")
            owners[name] = module.__name__
            namespace[name] = getattr(module, name)
            exported.append(name)
