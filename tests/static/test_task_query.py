"""The project's task query (engine TaskQueryPlugin, issue 15) is the engine's own MyBatis mapping with only
the authorization check changed; tests/engine/test_task_query.py compares what both return."""

from __future__ import annotations


def test_the_mapping_is_the_engines_own_with_only_the_authorization_check_changed() -> None:
    """engine/…/TaskQuery.xml is what tools/task_query_mapping.py makes of the engine jar's Task.xml."""
    import subprocess
    import sys

    from appeals.settings import PROJECT_ROOT

    result = subprocess.run([sys.executable, str(PROJECT_ROOT / "tools" / "task_query_mapping.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
