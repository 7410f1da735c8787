"""Layout bootstrap of bpmn/MonthlyBulletin.bpmn and forms/ReviewBulletinForm.form (spec §14, L 第十九条).

Run `python tools/models/monthly_bulletin.py` to regenerate both; afterwards they are ordinary Camunda
Modeler files. The timer fires at 09:00 on days 1–10 of every month (the first working day of a month
can be as late as the 9th after the National Day holiday); `prepareMonthlyBulletin` decides whether
today is the first working day of the month on the working-day calendar, and only then renders the
previous month's bulletin and ledger for the office to review. Variables: docs/figures.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bpmn_builder import Process  # noqa: E402
from forms import FORMS_DIR, absent, form, radio, text, textarea  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CRON = "0 0 9 1-10 * ?"  # sec min hour day-of-month month day-of-week

p = Process("MonthlyBulletin", "企业诉求办理情况月度通报", ttl="P1825D", version_tag="1.0")
p.start("StartEvent_MonthlyTimer", "每月1至10日9时", 0, 0, timer_cycle=CRON)
p.external("Task_PrepareMonthlyBulletin", "生成上月通报和问题台账", 1, 0, "prepareMonthlyBulletin")
p.gateway("Gateway_FirstWorkday", "今天是本月第一个工作日吗？", 2, 0, default="SequenceFlow_NotFirstWorkday")
p.end("EndEvent_NotFirstWorkday", "今日不出通报", 2, 1)
p.user_task("Task_ReviewBulletin", "审核并印发月度通报", 3, 0, "office", "ReviewBulletinForm",
            due="${bulletinReviewDue}")
p.gateway("Gateway_Publish", "是否印发？", 4, 0, default="SequenceFlow_Withheld")
p.end("EndEvent_BulletinPublished", "通报已印发", 5, 0)
p.end("EndEvent_BulletinWithheld", "通报暂缓印发", 4, 1)

p.flow("SequenceFlow_ToPrepare", "StartEvent_MonthlyTimer", "Task_PrepareMonthlyBulletin")
p.flow("SequenceFlow_ToFirstWorkday", "Task_PrepareMonthlyBulletin", "Gateway_FirstWorkday")
p.flow("SequenceFlow_IsFirstWorkday", "Gateway_FirstWorkday", "Task_ReviewBulletin", name="是",
       condition="${bulletinToday}")
p.flow("SequenceFlow_NotFirstWorkday", "Gateway_FirstWorkday", "EndEvent_NotFirstWorkday", name="否")
p.flow("SequenceFlow_ToPublish", "Task_ReviewBulletin", "Gateway_Publish")
p.flow("SequenceFlow_Published", "Gateway_Publish", "EndEvent_BulletinPublished", name="同意印发",
       condition="${publishDecision == 'publish'}")
p.flow("SequenceFlow_Withheld", "Gateway_Publish", "EndEvent_BulletinWithheld", name="暂缓")

REVIEW_FORM = form("ReviewBulletinForm", "审核并印发月度通报", [
    text("**通报期间：** {{bulletinPeriodLabel}}\n\n{{bulletinSummary}}", "BulletinSummary"),
    text("通报（Word）和问题台账（Excel）已生成：流程变量 bulletinDocument、ledgerWorkbook（Cockpit 中可下载），"
         "服务器目录 {{bulletinFolder}}。", "BulletinFiles", hide=absent("bulletinFolder")),
    radio("publishDecision", "审核意见", [("同意印发", "publish"), ("暂缓印发（需核实修改）", "hold")]),
    textarea("reviewComment", "审核说明", False, max_length=2000),
])

if __name__ == "__main__":
    p.write()
    path = FORMS_DIR / f"{REVIEW_FORM['id']}.form"
    path.write_text(json.dumps(REVIEW_FORM, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}")
