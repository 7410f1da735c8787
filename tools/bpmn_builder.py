"""A small builder that writes executable Camunda 7 BPMN with a grid layout (BPMN DI).

It bootstraps diagrams that are then ordinary .bpmn files: open and edit them in Camunda Modeler.
Elements sit on a grid (col, row); sequence flows are routed orthogonally, or along explicit
waypoints. Only the BPMN subset our processes use is supported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

COL_W, ROW_H, X0, Y0 = 170, 120, 160, 100
BPMN_DIR = Path(__file__).resolve().parents[1] / "bpmn"


def x(col: float) -> float:
    """The centre x of a grid column (for explicit waypoints)."""
    return X0 + col * COL_W + 50


def y(row: float) -> float:
    """The centre y of a grid row."""
    return Y0 + row * ROW_H + 40
SIZES = {
    "task": (100, 80), "event": (36, 36), "gateway": (50, 50),
}




@dataclass
class Node:
    id: str
    tag: str
    name: str
    col: float
    row: float
    kind: str  # task | event | gateway | subprocess
    attrs: dict[str, object] = field(default_factory=dict)
    inner: str = ""
    incoming: list[str] = field(default_factory=list)
    outgoing: list[str] = field(default_factory=list)
    parent: str | None = None
    attached_to: str | None = None
    bounds: tuple[float, float, float, float] | None = None  # x, y, w, h

    def box(self) -> tuple[float, float, float, float]:
        if self.bounds:
            return self.bounds
        w, h = SIZES[self.kind]
        cx = X0 + self.col * COL_W + 50
        cy = Y0 + self.row * ROW_H + 40
        return (cx - w / 2, cy - h / 2, w, h)

    def center(self) -> tuple[float, float]:
        x, y, w, h = self.box()
        return (x + w / 2, y + h / 2)


@dataclass
class Flow:
    id: str
    source: str
    target: str
    name: str | None
    condition: str | None
    waypoints: list[tuple[float, float]] | None
    via: str | None  # "above" / "below" with a lane row, for backward flows
    lane: float | None
    parent: str | None


class Process:
    def __init__(self, id: str, name: str, ttl: str = "P1825D", version_tag: str | None = None) -> None:
        self.id, self.name, self.ttl, self.version_tag = id, name, ttl, version_tag
        self.nodes: dict[str, Node] = {}
        self.flows: list[Flow] = []
        self.messages: dict[str, str] = {}
        self.errors: dict[str, tuple[str, str]] = {}
        self._parent: str | None = None

    # --- elements ---------------------------------------------------------------------------
    def _add(self, node: Node) -> Node:
        if node.id in self.nodes:
            raise ValueError(f"duplicate id {node.id}")
        node.parent = node.parent or self._parent
        self.nodes[node.id] = node
        return node

    def start(self, id, name, col, row, form=None, initiator=None, message=None, timer_date=None,
              interrupting=True, timer_cycle=None, **extra):
        inner = ""
        if message:
            inner = f'<bpmn:messageEventDefinition id="{id}_Def" messageRef="{message}" />'
        if timer_date:
            inner = (f'<bpmn:timerEventDefinition id="{id}_Def"><bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
                     f"{escape(timer_date)}</bpmn:timeDate></bpmn:timerEventDefinition>")
        if timer_cycle:
            inner = (f'<bpmn:timerEventDefinition id="{id}_Def"><bpmn:timeCycle xsi:type="bpmn:tFormalExpression">'
                     f"{escape(timer_cycle)}</bpmn:timeCycle></bpmn:timerEventDefinition>")
        if not interrupting:
            extra["isInterrupting"] = "false"
        attrs = {"camunda:formRef": form, "camunda:formRefBinding": "deployment" if form else None,
                 "camunda:initiator": initiator, **extra}
        return self._add(Node(id, "startEvent", name, col, row, "event", attrs, inner))

    def end(self, id, name, col, row, error=None, **extra):
        inner = f'<bpmn:errorEventDefinition id="{id}_Def" errorRef="{error}" />' if error else ""
        return self._add(Node(id, "endEvent", name, col, row, "event", extra, inner))

    def user_task(self, id, name, col, row, group, form, due="${%sDue}", assignee=None, extra_xml="", **extra):
        attrs = {"camunda:formRef": form, "camunda:formRefBinding": "deployment",
                 "camunda:candidateGroups": group, "camunda:assignee": assignee,
                 "camunda:dueDate": due, **extra}
        return self._add(Node(id, "userTask", name, col, row, "task", attrs, extra_xml))

    def external(self, id, name, col, row, topic, inputs: dict[str, str] | None = None, **extra):
        inner = ""
        if inputs:
            params = "".join(f'<camunda:inputParameter name="{k}">{escape(v)}</camunda:inputParameter>'
                             for k, v in inputs.items())
            inner = f"<bpmn:extensionElements><camunda:inputOutput>{params}</camunda:inputOutput></bpmn:extensionElements>"
        attrs = {"camunda:type": "external", "camunda:topic": topic, **extra}
        return self._add(Node(id, "serviceTask", name, col, row, "task", attrs, inner))

    def rule_task(self, id, name, col, row, decision, outputs: dict[str, str], binding="latest"):
        params = "".join(f'<camunda:outputParameter name="{k}">{escape(v)}</camunda:outputParameter>'
                         for k, v in outputs.items())
        inner = f"<bpmn:extensionElements><camunda:inputOutput>{params}</camunda:inputOutput></bpmn:extensionElements>"
        attrs = {"camunda:decisionRef": decision, "camunda:decisionRefBinding": binding}
        return self._add(Node(id, "businessRuleTask", name, col, row, "task", attrs, inner))

    def gateway(self, id, name, col, row, parallel=False, default=None):
        tag = "parallelGateway" if parallel else "exclusiveGateway"
        return self._add(Node(id, tag, name, col, row, "gateway", {"default": default}))

    def timer_catch(self, id, name, col, row, time_date):
        inner = (f'<bpmn:timerEventDefinition id="{id}_Def"><bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
                 f"{escape(time_date)}</bpmn:timeDate></bpmn:timerEventDefinition>")
        return self._add(Node(id, "intermediateCatchEvent", name, col, row, "event", {}, inner))

    def notify(self, id, name, col, row, event, topic="sendNotification"):
        """A message throw event sent by the notification worker (external implementation)."""
        inner = ('<bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="notificationEvent">'
                 f"{escape(event)}</camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements>"
                 f'<bpmn:messageEventDefinition id="{id}_Def" camunda:type="external" camunda:topic="{topic}" />')
        return self._add(Node(id, "intermediateThrowEvent", name, col, row, "event", {}, inner))

    def throw_event(self, id, name, col, row, listener_expression=None):
        inner = ""
        if listener_expression:
            inner = ('<bpmn:extensionElements><camunda:executionListener event="start" '
                     f"expression={quoteattr(listener_expression)} /></bpmn:extensionElements>")
        return self._add(Node(id, "intermediateThrowEvent", name, col, row, "event", {}, inner))

    def boundary(self, id, name, attached_to, dx, edge="bottom", error=None, timer_date=None, cancel=True,
                 message=None):
        host = self.nodes[attached_to]
        hx, hy, hw, hh = host.box()
        cx = hx + dx
        cy = hy + hh if edge == "bottom" else hy
        inner = ""
        if error:
            inner = f'<bpmn:errorEventDefinition id="{id}_Def" errorRef="{error}" />'
        if timer_date:
            inner = (f'<bpmn:timerEventDefinition id="{id}_Def"><bpmn:timeDate xsi:type="bpmn:tFormalExpression">'
                     f"{escape(timer_date)}</bpmn:timeDate></bpmn:timerEventDefinition>")
        if message:
            inner = f'<bpmn:messageEventDefinition id="{id}_Def" messageRef="{message}" />'
        node = Node(id, "boundaryEvent", name, 0, 0, "event",
                    {"attachedToRef": attached_to, "cancelActivity": None if cancel else "false"}, inner,
                    parent=host.parent, bounds=(cx - 18, cy - 18, 36, 36))
        node.attached_to = attached_to
        return self._add(node)

    def subprocess(self, id, name, bounds_cells: tuple[float, float, float, float], event_triggered=False):
        """bounds_cells = (col0, row0, col1, row1): the grid cells it covers."""
        c0, r0, c1, r1 = bounds_cells
        x = X0 + c0 * COL_W - 30
        y = Y0 + r0 * ROW_H - 30
        w = (c1 - c0) * COL_W + 160
        h = (r1 - r0) * ROW_H + 140
        attrs = {"triggeredByEvent": "true"} if event_triggered else {}
        return self._add(Node(id, "subProcess", name, c0, r0, "subprocess", attrs, "", bounds=(x, y, w, h)))

    def inside(self, subprocess_id: str | None) -> None:
        self._parent = subprocess_id

    def message(self, id, name):
        self.messages[id] = name

    def error(self, id, name, code):
        self.errors[id] = (name, code)

    def multi_instance(self, node_id, collection, element_variable):
        node = self.nodes[node_id]
        node.inner += (f'<bpmn:multiInstanceLoopCharacteristics camunda:collection={quoteattr(collection)} '
                       f'camunda:elementVariable="{element_variable}" />')

    def flow(self, id, source, target, name=None, condition=None, waypoints=None, via=None, lane=None):
        parent = self.nodes[source].parent if self.nodes[source].tag != "boundaryEvent" else self.nodes[source].parent
        self.flows.append(Flow(id, source, target, name, condition, waypoints, via, lane, parent))
        self.nodes[source].outgoing.append(id)
        self.nodes[target].incoming.append(id)

    # --- routing ----------------------------------------------------------------------------
    def _route(self, flow: Flow) -> list[tuple[float, float]]:
        if flow.waypoints:
            return flow.waypoints
        src, tgt = self.nodes[flow.source], self.nodes[flow.target]
        sx, sy, sw, sh = src.box()
        tx, ty, tw, th = tgt.box()
        scx, scy = src.center()
        tcx, tcy = tgt.center()
        if src.tag == "boundaryEvent":
            start = (scx, sy + sh) if flow.via != "above" else (scx, sy)
            if abs(tcx - scx) < 1:
                return [start, (tcx, ty if tcy > scy else ty + th)]
            if flow.via in ("below", "above"):
                lane_y = Y0 + flow.lane * ROW_H + 40
                end = (tcx, ty + th) if lane_y > tcy else (tcx, ty)
                return [start, (scx, lane_y), (tcx, lane_y), end]
            return [start, (scx, tcy), (tx, tcy)]
        if flow.via in ("below", "above"):
            lane_y = Y0 + flow.lane * ROW_H + 40
            start = (scx, sy + sh) if lane_y > scy else (scx, sy)
            end = (tcx, ty + th) if lane_y > tcy else (tcx, ty)
            return [start, (scx, lane_y), (tcx, lane_y), end]
        if abs(scy - tcy) < 1:
            if tcx > scx:
                return [(sx + sw, scy), (tx, tcy)]
            return [(sx, scy), (tx + tw, tcy)]
        if src.kind == "gateway" or (src.kind == "event" and abs(scx - tcx) > 1):
            # leave the gateway vertically, enter the target from the side
            start = (scx, sy + sh) if tcy > scy else (scx, sy)
            if abs(scx - tcx) < 1:
                return [start, (tcx, ty if tcy > scy else ty + th)]
            end = (tx, tcy) if tcx > scx else (tx + tw, tcy)
            return [start, (scx, tcy), end]
        if abs(scx - tcx) < 1:
            return [(scx, sy + sh), (tcx, ty)] if tcy > scy else [(scx, sy), (tcx, ty + th)]
        # task to something on another row: leave right, enter vertically
        start = (sx + sw, scy) if tcx > scx else (sx, scy)
        end = (tcx, ty) if tcy > scy else (tcx, ty + th)
        return [start, (tcx, scy), end]

    # --- XML --------------------------------------------------------------------------------
    def _node_xml(self, node: Node, children: str = "") -> str:
        attrs = dict(node.attrs)
        extension = ""
        body = node.inner
        if node.tag == "subProcess":
            body = children
        inc = "".join(f"<bpmn:incoming>{f}</bpmn:incoming>" for f in node.incoming)
        out = "".join(f"<bpmn:outgoing>{f}</bpmn:outgoing>" for f in node.outgoing)
        # extensionElements must come first, loop characteristics after incoming/outgoing
        ext_part, rest = "", body
        if body.startswith("<bpmn:extensionElements>"):
            cut = body.index("</bpmn:extensionElements>") + len("</bpmn:extensionElements>")
            ext_part, rest = body[:cut], body[cut:]
        name = f" name={quoteattr(node.name)}" if node.name else ""
        return (f'<bpmn:{node.tag} id="{node.id}"{name}'
                f"{''.join(f' {k}={quoteattr(str(v))}' for k, v in attrs.items() if v is not None)}>"
                f"{extension}{ext_part}{inc}{out}{rest}</bpmn:{node.tag}>")

    def _flow_xml(self, flow: Flow) -> str:
        name = f" name={quoteattr(flow.name)}" if flow.name else ""
        if flow.condition:
            return (f'<bpmn:sequenceFlow id="{flow.id}"{name} sourceRef="{flow.source}" targetRef="{flow.target}">'
                    f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(flow.condition)}'
                    f"</bpmn:conditionExpression></bpmn:sequenceFlow>")
        return f'<bpmn:sequenceFlow id="{flow.id}"{name} sourceRef="{flow.source}" targetRef="{flow.target}" />'

    def _scope_xml(self, parent: str | None) -> str:
        parts = []
        for node in self.nodes.values():
            if node.parent != parent:
                continue
            children = self._scope_xml(node.id) if node.tag == "subProcess" else ""
            parts.append(self._node_xml(node, children))
        parts += [self._flow_xml(f) for f in self.flows if f.parent == parent]
        return "\n    ".join(parts)

    def _label(self, x: float, y: float, w: float = 80, h: float = 27) -> str:
        return f'<bpmndi:BPMNLabel><dc:Bounds x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" /></bpmndi:BPMNLabel>'

    def write(self) -> Path:
        """Write bpmn/<process id>.bpmn (file name = process id)."""
        target = BPMN_DIR / f"{self.id}.bpmn"
        target.write_text(self.to_xml(), encoding="utf-8")
        print(f"wrote {target}")
        return target

    def to_xml(self) -> str:
        messages = "".join(f'\n  <bpmn:message id="{k}" name="{v}" />' for k, v in self.messages.items())
        errors = "".join(f'\n  <bpmn:error id="{k}" name={quoteattr(n)} errorCode="{c}" />'
                         for k, (n, c) in self.errors.items())
        shapes = []
        for node in self.nodes.values():
            x, y, w, h = node.box()
            extra = ' isExpanded="true"' if node.tag == "subProcess" else ""
            extra += ' isMarkerVisible="true"' if node.tag == "exclusiveGateway" else ""
            label = ""
            if node.kind in ("event", "gateway") and node.name:
                label = self._label(x + w / 2 - 40, y + h + 4)
            shapes.append(f'<bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}"{extra}>'
                          f'<dc:Bounds x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" />{label}</bpmndi:BPMNShape>')
        edges = []
        for flow in self.flows:
            points = self._route(flow)
            wps = "".join(f'<di:waypoint x="{px:.0f}" y="{py:.0f}" />' for px, py in points)
            label = ""
            if flow.name:
                (ax, ay), (bx, by) = points[0], points[1]
                label = self._label((ax + bx) / 2 + 4, (ay + by) / 2 - 20, 60, 14)
            edges.append(f'<bpmndi:BPMNEdge id="{flow.id}_di" bpmnElement="{flow.id}">{wps}{label}</bpmndi:BPMNEdge>')
        version_tag = f' camunda:versionTag="{self.version_tag}"' if self.version_tag else ""
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:modeler="http://camunda.org/schema/modeler/1.0" id="Definitions_{self.id}" targetNamespace="http://appeals.example.gov.cn/bpmn" exporter="Camunda Modeler" exporterVersion="5.31.0" modeler:executionPlatform="Camunda Platform" modeler:executionPlatformVersion="7.24.0">
  <bpmn:process id="{self.id}" name={quoteattr(self.name)} isExecutable="true" camunda:historyTimeToLive="{self.ttl}"{version_tag}>
    {self._scope_xml(None)}
  </bpmn:process>{messages}{errors}
  <bpmndi:BPMNDiagram id="BPMNDiagram_{self.id}">
    <bpmndi:BPMNPlane id="BPMNPlane_{self.id}" bpmnElement="{self.id}">
      {chr(10).join('      ' + s for s in shapes).strip()}
      {chr(10).join('      ' + e for e in edges).strip()}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""
