"""Every diagram a process designer opens is readable: a static check of the DI of every plane (docs/diagrams.md).

A plane is what Camunda Modeler (and Cockpit, and docs/diagrams/*.png) shows at once: a process, or the
drill-down of a collapsed subprocess. Per plane:

- at most ``MAX_SHAPES`` shapes (a screen; deeper levels are collapsed subprocesses with their own plane);
- no label overlaps another label or a shape, and no label sits on a sequence flow other than its own;
- no sequence flow passes through a shape that is not its source or target;
- no two shapes overlap (a boundary event sits on its host's border, nothing else).

Labels: every external label (a named event, gateway or sequence flow) must have explicit ``BPMNLabel``
bounds, as Camunda Modeler writes them; bpmn-js draws the label in those bounds, so the check needs no
guess of bpmn-js's default placement. bpmn-js wraps the text at the bounds' width and lets it run below
them, so bounds too low for their wrapped text would hide an overlap: they must be as high as the text
(``text_size``).
"""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from appeals.settings import PROJECT_ROOT

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"
BPMN_FILES = sorted((PROJECT_ROOT / "bpmn").glob("*.bpmn"))
MAX_SHAPES = 30
EXTERNAL_LABELS = {"startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent",
                   "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "sequenceFlow"}
LABEL_WRAP = 90  # px: the widest external label bpmn-js lays out when a designer adds one


def _glyph(ch: str) -> float:
    return 4.0 if ch == " " else 12.0 if ord(ch) > 0x2E80 else 7.0


def text_size(text: str, width: float = LABEL_WRAP) -> tuple[float, float]:
    """Width and height (px) of an external label's text as bpmn-js lays it out in a box `width` wide
    (it wraps at the label bounds' width): ~12 px per CJK glyph and ~7 px per Latin one in its 11 px font, a
    run of Latin letters or digits is one word, 13 px per line."""
    lines, current, widest = 1, 0.0, 0.0
    for word in re.findall(r"[A-Za-z0-9]+|\s|.", text):
        size = sum(_glyph(ch) for ch in word)
        if current + size > width and current:
            lines, current = lines + 1, 0.0
            if word.isspace():
                continue
        current += size
        widest = max(widest, current)
    return widest, 13.0 * lines


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box) -> bool:
        return self.x < other.x + other.w and other.x < self.x + self.w and self.y < other.y + other.h \
            and other.y < self.y + self.h

    def crossed_by(self, a: tuple[float, float], b: tuple[float, float], inset: float = 1.0) -> bool:
        """The segment a–b enters the box's interior (shrunk by `inset`); segments are orthogonal or short."""
        x0, y0, x1, y1 = self.x + inset, self.y + inset, self.x + self.w - inset, self.y + self.h - inset
        t0, t1 = 0.0, 1.0
        dx, dy = b[0] - a[0], b[1] - a[1]
        for p, q in ((-dx, a[0] - x0), (dx, x1 - a[0]), (-dy, a[1] - y0), (dy, y1 - a[1])):
            if p == 0:
                if q <= 0:
                    return False
                continue
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 >= t1:
                return False
        return True


def _box(el: ET.Element | None) -> Box | None:
    bounds = el.find(f"{DC}Bounds") if el is not None else None
    if bounds is None:
        return None
    return Box(*(float(bounds.get(k)) for k in ("x", "y", "width", "height")))


@dataclass
class Plane:
    file: str
    element: str
    shapes: dict[str, Box]
    kinds: dict[str, str]
    names: dict[str, str]
    labels: dict[str, Box]
    edges: dict[str, list[tuple[float, float]]]
    flows: dict[str, tuple[str, str]]
    hosts: dict[str, str]
    expanded: dict[str, bool]

    def __str__(self) -> str:
        return f"{self.file}:{self.element}"


def planes() -> list[Plane]:
    found = []
    for path in BPMN_FILES:
        root = ET.parse(path).getroot()
        elements = {el.get("id"): el for el in root.iter() if el.get("id")}
        for plane in root.iter(f"{BPMNDI}BPMNPlane"):
            container = elements[plane.get("bpmnElement")]
            p = Plane(path.name, container.get("id"), {}, {}, {}, {}, {}, {}, {}, {})
            for el in container:
                if el.get("id"):
                    p.kinds[el.get("id")] = el.tag.removeprefix(BPMN)
                    p.names[el.get("id")] = el.get("name") or ""
                    if el.get("attachedToRef"):
                        p.hosts[el.get("id")] = el.get("attachedToRef")
                    if el.tag == f"{BPMN}sequenceFlow":
                        p.flows[el.get("id")] = (el.get("sourceRef"), el.get("targetRef"))
            for shape in plane.findall(f"{BPMNDI}BPMNShape"):
                ref = shape.get("bpmnElement")
                p.shapes[ref] = _box(shape)
                p.expanded[ref] = shape.get("isExpanded") == "true"
                if (label := _box(shape.find(f"{BPMNDI}BPMNLabel"))) is not None:
                    p.labels[ref] = label
            for edge in plane.findall(f"{BPMNDI}BPMNEdge"):
                ref = edge.get("bpmnElement")
                p.edges[ref] = [(float(w.get("x")), float(w.get("y"))) for w in edge.findall(f"{DI}waypoint")]
                if (label := _box(edge.find(f"{BPMNDI}BPMNLabel"))) is not None:
                    p.labels[ref] = label
            found.append(p)
    return found


PLANES = planes()


def test_every_diagram_has_its_planes() -> None:
    """Each process and each collapsed subprocess has a plane of its own (what Camunda Modeler 5 writes for a
    drill-down); a plane shows exactly the elements directly inside its process or subprocess."""
    assert {p.file for p in PLANES} == {p.name for p in BPMN_FILES}
    for path in BPMN_FILES:
        root = ET.parse(path).getroot()
        containers = [root.findall(f"{BPMN}process")] + [list(root.iter(f"{BPMN}subProcess"))]
        with_plane = {p.element for p in PLANES if p.file == path.name}
        for container in (c for group in containers for c in group):
            assert container.get("id") in with_plane, f"{path.name}: {container.get('id')} has no plane of its own"
    for plane in PLANES:
        diagram_elements = set(plane.shapes) | set(plane.edges)
        assert diagram_elements == set(plane.kinds), f"{plane}: shown but not inside, or inside but not shown: " \
            f"{diagram_elements ^ set(plane.kinds)}"
        for eid, kind in plane.kinds.items():
            if kind == "subProcess":
                assert not plane.expanded[eid], f"{plane}: {eid} is drawn expanded but has a plane of its own"


@pytest.mark.parametrize("plane", PLANES, ids=str)
def test_a_plane_fits_a_screen(plane: Plane) -> None:
    assert len(plane.shapes) <= MAX_SHAPES, f"{plane} has {len(plane.shapes)} shapes: collapse a part of it"


@pytest.mark.parametrize("plane", PLANES, ids=str)
def test_every_external_label_has_bounds_big_enough_for_its_text(plane: Plane) -> None:
    for eid, name in plane.names.items():
        if not name or plane.kinds[eid] not in EXTERNAL_LABELS:
            continue
        assert eid in plane.labels, f"{plane}: the label of {eid} ({name}) has no BPMNLabel bounds"
        label = plane.labels[eid]
        _, height = text_size(name, label.w)
        assert label.h >= height - 1, f"{plane}: {eid}'s label bounds {label} are too small for “{name}”"


@pytest.mark.parametrize("plane", PLANES, ids=str)
def test_no_label_overlaps_a_label_a_shape_or_another_flow(plane: Plane) -> None:
    problems = []
    labels = sorted(plane.labels.items())
    for index, (eid, label) in enumerate(labels):
        for other, box in labels[index + 1:]:
            if label.overlaps(box):
                problems.append(f"label of {eid} overlaps label of {other}")
        for shape_id, box in plane.shapes.items():
            if label.overlaps(box):
                problems.append(f"label of {eid} overlaps shape {shape_id}")
        for flow, points in plane.edges.items():
            if flow != eid and any(label.crossed_by(a, b, inset=0) for a, b in itertools.pairwise(points)):
                problems.append(f"label of {eid} lies on flow {flow}")
    assert not problems, f"{plane}: " + "; ".join(problems)


@pytest.mark.parametrize("plane", PLANES, ids=str)
def test_no_flow_passes_through_a_shape(plane: Plane) -> None:
    problems = []
    for flow, points in plane.edges.items():
        ends = set(plane.flows[flow])
        for shape_id, box in plane.shapes.items():
            if shape_id in ends:
                continue
            if any(box.crossed_by(a, b) for a, b in itertools.pairwise(points)):
                problems.append(f"{flow} passes through {shape_id}")
    assert not problems, f"{plane}: " + "; ".join(problems)


@pytest.mark.parametrize("plane", PLANES, ids=str)
def test_no_shapes_overlap(plane: Plane) -> None:
    problems = []
    shapes = sorted(plane.shapes.items())
    for index, (eid, box) in enumerate(shapes):
        for other, other_box in shapes[index + 1:]:
            if plane.hosts.get(eid) == other or plane.hosts.get(other) == eid:
                continue
            if box.overlaps(other_box):
                problems.append(f"{eid} overlaps {other}")
    assert not problems, f"{plane}: " + "; ".join(problems)


def test_the_checks_see_an_overlap_and_a_flow_through_a_shape() -> None:
    task = Box(100, 100, 100, 80)
    assert Box(150, 170, 60, 14).overlaps(task) and not Box(150, 181, 60, 14).overlaps(task)
    assert task.crossed_by((50, 140), (250, 140)) and not task.crossed_by((50, 190), (250, 190))
    assert not task.crossed_by((200, 140), (300, 140)), "a flow leaving the shape's border does not cross it"
    assert text_size("副县长能否协调解决？") == (84.0, 26.0) and text_size("是")[1] == 13.0
    assert math.isclose(text_size("A类")[0], 19.0) and text_size("B类或C类", 48)[1] == 26.0
    assert text_size("企业在线评价或 12345回访") == (88.0, 26.0), "a space or a number is where a line breaks"


def test_every_plane_has_its_picture_in_the_docs() -> None:
    """docs/diagrams.md shows every plane (`make diagrams` draws them): a new drill-down needs its picture."""
    pictures = {p.name for p in (PROJECT_ROOT / "docs" / "diagrams").glob("*.png")}
    expected = {f"{Path(p.file).stem}.png" if p.element == Path(p.file).stem else f"{Path(p.file).stem}-{p.element}.png"
                for p in PLANES}
    assert expected == pictures, f"run make diagrams: missing {expected - pictures}, stale {pictures - expected}"
    text = (PROJECT_ROOT / "docs" / "diagrams.md").read_text(encoding="utf-8")
    assert all(f"diagrams/{name}" in text for name in expected)


def shape_counts() -> dict[str, int]:
    """Shapes per plane, for docs/diagrams.md."""
    return {str(p): len(p.shapes) for p in PLANES}


if __name__ == "__main__":  # python tests/static/test_diagram_layout.py: the counts for docs/diagrams.md
    for name, count in shape_counts().items():
        print(f"{count:3d}  {name}")
