"""External-task handlers, one module per capability, all registered on one router."""

from ..runtime import Router

router = Router()

from . import channels, dispatch, followup, handling, intake  # noqa: E402,F401  (registers their topics)
