"""Engine upkeep: the parts around Camunda 7.24 CE are the pinned current releases (engine/pom.xml and the
jar), and the client reads a form reference under Camunda's name and under Operaton's (docs/operaton.md).
The real engine's form references: tests/engine/test_engine_upkeep.py."""

from __future__ import annotations

import re
import zipfile

from appeals import stack
from appeals.camunda import FormRef, form_ref


def test_engine_jar_carries_the_pinned_versions() -> None:
    pom = (stack.ENGINE_DIR / "pom.xml").read_text(encoding="utf-8")
    pinned = dict(re.findall(r"<(tomcat|postgresql|h2)\.version>([^<]+)<", pom))
    assert set(pinned) == {"tomcat", "postgresql", "h2"}
    boot = re.search(r"spring-boot-starter-parent</artifactId>\s*<version>([^<]+)<", pom).group(1)
    libs = {name.rsplit("/", 1)[-1] for name in zipfile.ZipFile(stack.build_engine()).namelist()}
    for jar in (f"tomcat-embed-core-{pinned['tomcat']}.jar", f"postgresql-{pinned['postgresql']}.jar",
                f"h2-{pinned['h2']}.jar", f"spring-boot-{boot}.jar"):
        assert jar in libs, jar


def test_form_reference_under_either_engines_name() -> None:
    camunda = {"key": None, "camundaFormRef": {"key": "VerifyAppealForm", "binding": "deployment", "version": None}}
    operaton = {"key": None, "operatonFormRef": {"key": "VerifyAppealForm", "binding": "version", "version": "3"}}
    assert form_ref(camunda) == FormRef(ref="VerifyAppealForm", binding="deployment")
    assert form_ref(operaton) == FormRef(ref="VerifyAppealForm", binding="version", version=3)
    assert form_ref({"key": "embedded:app:forms/x.html"}) == FormRef(key="embedded:app:forms/x.html")
    assert form_ref(None) == FormRef()
