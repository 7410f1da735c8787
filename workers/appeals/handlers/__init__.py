"""External-task handlers, one module per capability, all registered on one router.

Every module of this package is imported here, so a new capability registers its topics by
existing; the static tests check that every topic has a BPMN task and every BPMN topic a handler.
"""

import importlib
import pkgutil

from ..runtime import Router

router = Router()

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
