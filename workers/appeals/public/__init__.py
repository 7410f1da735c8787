"""Public web pages of the online channel (spec §3, §12): questionnaire, progress lookup, survey.

    create_app(settings) -> Flask               the WSGI application (`appeals public serve`)
    survey_link(process_instance_id, round, base_url, secret=…) -> str   the link in the follow-up notice
"""

from .app import create_app
from .links import follow_up_round, survey_link

__all__ = ["create_app", "follow_up_round", "survey_link"]
