"""Demo data for `appeals up --demo`: a few appeals so every role has something to look at."""

from __future__ import annotations

from .camunda import Camunda
from .org import OrgChart
from .settings import Settings

DEMO_APPEALS = [
    {
        "enterpriseName": "某县恒达机械制造有限公司",
        "creditCode": "91140525MA0K2U7X4L",
        "enterpriseAddress": "某县经济开发区创业路8号",
        "contactName": "王经理",
        "contactPosition": "总经理",
        "contactPhone": "13912345678",
        "contactEmail": "hengda@example.com",
        "channel": "visit",
        "appealKind": "help",
        "category": "power",
        "problemDescription": "新建厂房需增容用电，报装已两个月仍未接电，影响设备调试和投产。",
        "requestedHelp": "协调供电公司尽快完成增容报装和接电。",
    },
    {
        "enterpriseName": "某县绿源农产品加工有限公司",
        "creditCode": "91140525MA0H8C3E25",
        "enterpriseAddress": "某县城关镇富民街16号",
        "contactName": "李会计",
        "contactPosition": "财务负责人",
        "contactPhone": "0356-6012345",
        "contactEmail": "",
        "channel": "hotline",
        "appealKind": "consultation",
        "category": "financing",
        "problemDescription": "企业想申请小微企业贴息贷款，不清楚申报条件和流程。",
        "requestedHelp": "告知贴息贷款政策和办理渠道。",
    },
    {
        "enterpriseName": "某县宏远建材有限责任公司",
        "creditCode": "91140525MA0GXXBM87",
        "enterpriseAddress": "某县南村镇工业园区",
        "contactName": "赵厂长",
        "contactPosition": "厂长",
        "contactPhone": "13700001111",
        "contactEmail": "hongyuan@example.com",
        "channel": "online",
        "appealKind": "help",
        "category": "land",
        "problemDescription": "扩建项目用地手续办理进度缓慢，土地证迟迟未能办下。",
        "requestedHelp": "请自然资源局协调加快用地审批。",
    },
]


SECOND_COUNTY_DEMO_APPEALS = [
    {
        "enterpriseName": "乙县丰泽矿业有限公司",
        "creditCode": "91530900MA6K4P2Q1M",
        "enterpriseAddress": "乙县工业园区矿山路2号",
        "contactName": "周总",
        "contactPosition": "总经理",
        "contactPhone": "13987650001",
        "contactEmail": "fengze@example.com",
        "channel": "visit",
        "appealKind": "help",
        "category": "land",
        "problemDescription": "尾矿库扩容项目需新增建设用地，县里用地指标不足，项目停滞三个月。",
        "requestedHelp": "协调解决新增用地指标。",
    },
    {
        "enterpriseName": "乙县云茶农业开发有限公司",
        "creditCode": "91530900MA6K7R3W28",
        "enterpriseAddress": "乙县茶城大道18号",
        "contactName": "杨经理",
        "contactPosition": "财务负责人",
        "contactPhone": "13987650002",
        "contactEmail": "",
        "channel": "hotline",
        "appealKind": "help",
        "category": "financing",
        "problemDescription": "春茶收购资金缺口较大，申请的流动资金贷款迟迟未获审批。",
        "requestedHelp": "协调金融机构加快贷款审批。",
    },
]
"""Demo appeals of the city's second county (`counties` of the demo chart, 乙县)."""


def seed(camunda: Camunda, settings: Settings, chart: OrgChart | None = None) -> str:
    """Start the demo appeals once (skipped when demo appeals already exist): the chart's own county's,
    and with `counties` two of the next county's, each in its county's tenant (`countyCode`)."""
    existing = camunda.get("/process-instance/count", businessKeyLike="DEMO-%")["count"]
    if existing:
        return f"demo data: {existing} demo appeals already present"
    county = {"countyCode": chart.tenant} if chart is not None and chart.tenant else {}
    for index, variables in enumerate(DEMO_APPEALS, start=1):
        camunda.start_process("EnterpriseAppeal", {**variables, **county}, business_key=f"DEMO-{index:03d}")
    started = len(DEMO_APPEALS)
    if chart is not None and chart.counties:
        second = chart.counties[0]
        for index, variables in enumerate(SECOND_COUNTY_DEMO_APPEALS, start=1):
            camunda.start_process("EnterpriseAppeal", {**variables, "countyCode": second.tenant},
                                  business_key=f"DEMO-{second.tenant.upper()}-{index:03d}")
        started += len(SECOND_COUNTY_DEMO_APPEALS)
    return f"demo data: started {started} demo appeals"
