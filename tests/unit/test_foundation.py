"""The org chart check refuses a broken chart before anything reaches the engine. The foundation against the
real engine (security, deployment, org chart, one appeal end to end): tests/engine/test_foundation.py."""

from __future__ import annotations

from click.testing import CliRunner

from appeals.cli import main
from appeals.org import DEMO_ORG


def test_org_check_rejects_a_broken_chart(tmp_path) -> None:
    bad = tmp_path / "org.yaml"
    bad.write_text(DEMO_ORG.read_text(encoding="utf-8").replace("groups: [dept-industry]", "groups: [dept-nowhere]"),
                   encoding="utf-8")
    result = CliRunner().invoke(main, ["org", "check", str(bad)])
    assert result.exit_code != 0
    assert "group 'dept-nowhere' is not defined" in result.output
