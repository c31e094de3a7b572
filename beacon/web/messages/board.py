"""The labels every page shares: the site, the list of draws, phases, deadlines, roles,
statement kinds, errors and the browser verifier's page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

# One row per key: (simplified Chinese, English). Parameters are str.format fields.
LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "lang.name": ("中文", "English"),
    "site.name": ("tender-beacon 公开抽取看板", "tender-beacon public draw board"),
    "site.tagline": (
        "本看板只显示已签名并记入透明日志的记录；页面上的任何操作都不能影响抽取。",
        "This board only shows the signed, logged record; nothing on the page can influence a draw.",
    ),
    "site.times": (
        "时间以{zone}（UTC{offset}）显示；鼠标悬停在时间上可查看签名记录中的 UTC 时间。",
        "Times are shown in {zone} (UTC{offset}); hover over a time to see the UTC time as"
        " written in the signed record.",
    ),
    "time.utc": ("签名记录中的 UTC 时间：{utc}", "UTC as signed in the record: {utc}"),
    "site.verify": (
        "任何人都可以下载证明文件，用独立验证程序 beacon-verify 复核每一次抽取。",
        "Anyone can download the proof and recheck every draw with the independent verifier, beacon-verify.",
    ),
    "nav.label": ("主导航", "Main navigation"),
    "nav.skip": ("跳到正文", "Skip to the content"),
    "nav.draws": ("抽取", "Draws"),
    "nav.pulses": ("信标脉冲", "Pulses"),
    "nav.api": ("接口说明 (OpenAPI)", "API (OpenAPI)"),
    "nav.verify": ("在线复核", "Verify"),
    "nav.language": ("切换语言", "Switch language"),
    # -- the list of draws ----------------------------------------------------------------
    "index.title": ("抽取列表", "Draws"),
    "index.intro": (
        "评标办法系数等随机抽取：定义、截止时间和结果均由各方签名并记入透明日志。",
        "Random draws of evaluation coefficients and the like: definitions, deadlines and results"
        " are signed by the parties and logged.",
    ),
    "index.empty": ("尚无已发布的抽取。", "No draw has been published yet."),
    "col.draw": ("抽取编号", "Draw"),
    "col.tender": ("招标项目", "Tender"),
    "col.section": ("标段", "Section"),
    "col.title": ("名称", "Title"),
    "col.phase": ("状态", "Phase"),
    "col.next_deadline": ("下一截止时间", "Next deadline"),
    "col.values": ("抽取结果", "Drawn values"),
    "values.none": ("尚未抽取", "not drawn yet"),
    "deadline.none": ("无", "none"),
    "countdown.label": ("剩余", "Time left"),
    "blocked.label": ("无法继续，等待监督作废：", "Cannot proceed; awaiting a supervisor's void:"),
    "blocked.snapshot": (
        "有效标快照未在截止时间前签署",
        "the snapshot of valid bids was not signed before its deadline",
    ),
    "blocked.no_seed": (
        "没有可纳入的种子（无人揭示，也没有可开启的种子信封）",
        "no seed can be included (no reveal and no openable seed envelope)",
    ),
    "blocked.no_result": (
        "信标未在结果截止时间前公布结果（信标的责任）",
        "the beacon did not publish the result before the result deadline (the beacon's fault)",
    ),
    "blocked.missing_centre": (
        "交易中心的开启公钥或承诺未在承诺截止前登记（责任在交易中心）",
        "the centre's opening key or commitment was not logged before the commit deadline",
    ),
    "blocked.missing_agent": (
        "招标人/代理的开启公钥或承诺未在承诺截止前登记（责任在招标人/代理）",
        "the agent's opening key or commitment was not logged before the commit deadline",
    ),
    "blocked.missing_both": (
        "交易中心和招标人/代理的开启公钥或承诺均未在承诺截止前登记（责任在双方）",
        "the centre's and the agent's opening keys or commitments were not logged before "
        "the commit deadline",
    ),
    # -- phases (PROTOCOL.md §6.4) ----------------------------------------------------------------
    "phase.draft": ("待会签", "awaiting countersignature"),
    "phase.published": ("已发布", "published"),
    "phase.committing": ("承诺中", "committing"),
    "phase.frozen": ("已冻结", "frozen"),
    "phase.revealing": ("揭示中", "revealing"),
    "phase.opening": ("开启种子信封中", "opening seed envelopes"),
    "phase.computing": ("计算中 (VDF)", "computing (VDF)"),
    "phase.failed": ("失败（信标未按时出结果）", "failed (no result in time)"),
    "phase.drawn": ("已抽取", "drawn"),
    "phase.disputed": ("有异议", "disputed"),
    "phase.confirmed": ("已确认", "confirmed"),
    "phase.resolved": ("异议已处理", "resolved"),
    "phase.voided": ("已作废", "voided"),
    # -- deadlines (PROTOCOL.md §5.4) -------------------------------------------------------------
    "deadline.commit": ("承诺截止", "commit deadline"),
    "deadline.snapshot": ("有效标快照截止", "snapshot deadline"),
    "deadline.reveal": ("揭示截止", "reveal deadline"),
    "deadline.seed_open": ("种子信封开启截止", "seed-open deadline"),
    "deadline.result": ("结果截止", "result deadline"),
    "deadline.dispute_end": ("异议期结束", "end of the dispute window"),
    "deadline.dispute_window": ("异议期（结果公布后）", "Dispute window (after the result)"),
    "duration.seconds": ("{n} 秒", "{n} s"),
    "duration.minutes": ("{n} 分钟", "{n} min"),
    # -- roles (PROTOCOL.md §3.1) -----------------------------------------------------------------
    "role.centre": ("交易中心", "centre"),
    "role.agent": ("招标人/代理", "agent"),
    "role.bidder": ("投标人", "bidder"),
    "role.supervisor": ("监督", "supervisor"),
    "role.beacon": ("信标服务", "beacon service"),
    "role.public": ("公众", "public"),
    # -- statement kinds (PROTOCOL.md §6.3) ---------------------------------------------------------
    "stmt.tender.register": ("登记角色", "role registered"),
    "stmt.draw.publish": ("发布抽取定义", "definition published"),
    "stmt.draw.countersign": ("会签抽取定义", "definition countersigned"),
    "stmt.draw.opening_key": ("公布开启公钥", "opening key announced"),
    "stmt.draw.commit": ("提交种子承诺", "seed commitment"),
    "stmt.envelope.submit": ("提交密封信封", "sealed envelope submitted"),
    "stmt.envelope.replace": ("修改投标文件（替换信封）", "bid envelope replaced"),
    "stmt.envelope.withdraw": ("撤回投标文件", "bid envelope withdrawn"),
    "stmt.draw.freeze": ("冻结承诺集合", "commitments frozen"),
    "stmt.draw.snapshot": ("签署有效标快照", "snapshot of valid bids"),
    "stmt.draw.reveal": ("揭示种子", "seed revealed"),
    "stmt.draw.key_release": ("释放开启私钥", "opening key released"),
    "stmt.draw.result": ("抽取结果", "result"),
    "stmt.draw.objection": ("提出异议", "objection"),
    "stmt.draw.confirm": ("监督确认", "confirmed by the supervisor"),
    "stmt.draw.void": ("作废", "voided"),
    "stmt.tender.publish": ("发布招标项目", "tender published"),
    "stmt.tender.opening_key": ("公布开标公钥", "bid-opening key announced"),
    "stmt.tender.key_release": ("释放开标私钥", "bid-opening keys released"),
    "stmt.tender.opening": ("开标记录", "bid-opening record"),
    # -- errors --------------------------------------------------------------------------------------
    "error.not_found": ("未找到", "Not found"),
    "error.no_draw": ("没有编号为 {id} 的抽取。", "There is no draw {id}."),
    "error.no_tender": ("没有编号为 {id} 的招标项目。", "There is no tender {id}."),
    "error.no_page": ("没有这个页面。", "There is no such page."),
    "error.back": ("返回抽取列表", "Back to the draws"),
    # -- the browser verifier (/verify; its own labels are in verifier-web/page/texts.js) ------------
    "webverify.title": ("在浏览器中复核抽取", "Verify a draw in your browser"),
    "webverify.link": (
        "或者不安装任何程序，直接在浏览器中复核：",
        "Or recheck it in your browser, with nothing to install:",
    ),
    "webverify.open": ("在浏览器中复核本次抽取", "Verify this draw in your browser"),
    "webverify.noscript": (
        "浏览器验证程序需要启用 JavaScript；也可以使用命令行验证程序 beacon-verify。",
        "The browser verifier needs JavaScript; the command-line verifier beacon-verify does not.",
    ),
    "webverify.missing": (
        "本服务器尚未构建浏览器验证程序。",
        "The browser verifier is not built on this server.",
    ),
    "webverify.build": (
        "运维人员请在代码目录中运行 make web（即 cd verifier-web && npm ci && node build.mjs），然后刷新本页。",
        "Operators: run make web in the source tree (that is, cd verifier-web && npm ci && node "
        "build.mjs), then reload this page.",
    ),
}
