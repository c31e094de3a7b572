"""Every label the board shows, in simplified Chinese (the default) and English.

Templates never hold literal text: each visible label is ``t("key")`` from this
table, so the two languages have the same keys (a test checks it) and a page in
one language carries no label of the other. Data (titles, candidate values,
certificate subjects, reasons) is shown as recorded, in whatever language it was
signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

LANGUAGES: Final = ("zh-CN", "en")
DEFAULT: Final = "zh-CN"
COOKIE: Final = "lang"
# Spellings a visitor may type in ``?lang=``, mapped to a language of the table.
ALIASES: Final = {"zh-cn": "zh-CN", "zh": "zh-CN", "zh-hans": "zh-CN", "en": "en", "en-us": "en"}

# One row per key: (simplified Chinese, English). Parameters are str.format fields.
_TABLE: Final[Mapping[str, tuple[str, str]]] = {
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
    # -- one draw ---------------------------------------------------------------------------------
    "draw.heading_id": ("抽取 {id}", "Draw {id}"),
    "draw.next": ("下一截止时间：", "Next deadline:"),
    "section.result": ("抽取结果", "Result"),
    "section.vdf": ("延迟函数 (VDF) 计算进度", "Delay function (VDF) progress"),
    "section.verify": ("自行复核", "Verify it yourself"),
    "section.definition": ("抽取定义", "Definition"),
    "section.seeds": ("承诺、揭示与种子", "Commitments, reveals and seeds"),
    "section.parties": ("参与方", "Parties"),
    "section.timeline": ("签名记录时间线", "Statement timeline"),
    "section.void": ("本抽取已作废", "This draw was voided"),
    "section.objections": ("异议", "Objections"),
    "result.none": (
        "尚无结果：VDF 计算完成后，结果由信标服务签名并记入日志。",
        "No result yet: once the VDF is computed, the beacon signs and logs it.",
    ),
    "result.voided": (
        "本抽取已作废，不会产生结果。",
        "The draw was voided: it will have no result.",
    ),
    "result.at": ("结果记录时间", "Result logged at"),
    "result.output": ("随机输出 R", "Output R"),
    "result.selection": ("抽取项", "Selection"),
    "result.values": ("抽取值", "Drawn value"),
    "result.derived": ("派生值", "Derived value"),
    "result.seeds": ("种子纳入情况", "Seeds in the combination"),
    "vdf.caption": ("VDF 平方次数：已完成 / T", "VDF squarings: done / T"),
    "vdf.worker": ("计算节点", "Worker"),
    "vdf.waiting": ("等待计算节点领取", "waiting for a worker"),
    "vdf.explain": (
        "延迟函数保证最后一个揭示种子的一方在揭示截止前无法算出结果。",
        "The delay keeps the last party to reveal from computing the outcome before it must reveal.",
    ),
    "verify.explain": (
        "下载证明文件，在自己的电脑上用独立验证程序 beacon-verify 离线复核本次抽取。",
        "Download the proof and recheck this draw offline on your own computer with the independent verifier, beacon-verify.",
    ),
    "verify.explain_tender": (
        "下载开标证明文件（不含投标文件内容），用 beacon-verify tender 离线复核：由释放的开标私钥重新计算每个份额和信封头 MAC，"
        "每份投标文件的开标结果都必须与之相符。投标人可将记录的明文 SHA-256 与自己的文件核对。",
        "Download the tender's proof (it holds no bid contents) and recheck the opening offline with beacon-verify"
        " tender: every share and header MAC is recomputed from the released opening keys, and each bid's outcome must"
        " agree with them. A bidder compares the recorded plaintext SHA-256 with its own file.",
    ),
    "verify.anchors": ("平台 CA 证书（信任锚）", "The platform CA certificate (trust anchor)"),
    "verify.anchors_explain": (
        "beacon-verify 只在您信任的信任锚下判定 VALID。使用本站提供的 ca.pem 之前，请核对其 SHA-256 指纹"
        "与交易中心或 CA 机构通过其他渠道（官方网站、招标公告）公布的指纹一致；也可以改用直接从 CA 机构获得的证书。",
        "beacon-verify says VALID only against trust anchors you trust. Before using the ca.pem offered here, check that its"
        " SHA-256 fingerprint matches the one the centre or the CA publishes through another channel (its website, the"
        " tender notice); or use the certificate you got from the CA itself.",
    ),
    "verify.anchors_download": ("下载 ca.pem", "Download ca.pem"),
    "verify.fingerprint_hint": ("自行计算指纹：", "Compute the fingerprint yourself:"),
    "col.not_after": ("有效期至", "Valid until"),
    "col.sha256": ("SHA-256 指纹", "SHA-256 fingerprint"),
    "verify.download": ("下载证明文件", "Download the proof"),
    "verify.copy": ("复制命令", "Copy the commands"),
    "verify.copied": ("已复制", "Copied"),
    "verify.command": ("复核命令", "Verification commands"),
    "def.draw_id": ("抽取编号", "Draw id"),
    "def.tender": ("招标项目", "Tender"),
    "def.section": ("标段", "Section"),
    "def.title": ("名称", "Title"),
    "def.regime": ("抽取时机", "Regime"),
    "def.published_at": ("定义发布时间", "Published at"),
    "def.hash": ("定义哈希 (SHA-256)", "Definition hash (SHA-256)"),
    "def.vdf_t": ("延迟参数 T（平方次数）", "Delay T (squarings)"),
    "def.vdf_rate": ("公布的计算速度 s（次/秒）", "Published speed s (squarings/s)"),
    "def.vdf_advantage": ("对手速度倍数上限 A_max", "Adversary advantage A_max"),
    "def.redraw_of": ("重抽自（已作废的抽取）", "Re-draw of (a voided draw)"),
    "regime.before_opening": ("开标前抽取（评标系数）", "before bid opening (coefficients)"),
    "regime.after_opening": ("开标后抽取（在有效标中）", "after bid opening (among valid bids)"),
    "def.selections": ("抽取项与全部候选值", "Selections and every candidate"),
    "sel.code": ("代码", "Code"),
    "sel.label": ("名称", "Label"),
    "sel.kind": ("方式", "Kind"),
    "sel.candidates": ("候选值（按定义顺序）", "Candidates (in definition order)"),
    "sel.count": ("共 {n} 个", "{n} in all"),
    "sel.from_snapshot": (
        "候选为签名的有效标快照",
        "candidates: the signed snapshot of valid bids",
    ),
    "sel.snapshot_pending": ("快照尚未签署", "snapshot not signed yet"),
    "kind.pick_one": ("等概率抽取 1 个", "one, with equal probability"),
    "kind.pick_k": ("无放回抽取 {k} 个", "{k} without replacement"),
    "kind.permutation": ("全部随机排序", "all, in random order"),
    "def.derived": (
        "派生值（不抽取，按公式精确计算）",
        "Derived values (computed exactly, not drawn)",
    ),
    "derived.formula": ("公式", "Formula"),
    "def.deadlines": ("截止时间", "Deadlines"),
    "col.deadline": ("截止项", "Deadline"),
    "col.time": ("时间", "Time"),
    "col.role": ("角色", "Role"),
    "col.subject": ("证书主体", "Certificate subject"),
    "col.fingerprint": ("证书指纹 (SHA-256)", "Certificate fingerprint (SHA-256)"),
    "col.party": ("参与方", "Party"),
    "col.opening_key": ("开启公钥已公布", "Opening key announced"),
    "col.committed": ("已承诺", "Committed"),
    "col.revealed": ("已揭示", "Revealed"),
    "col.released": ("开启私钥已释放", "Opening key released"),
    "col.status": ("状态", "Status"),
    "col.reason": ("说明", "Reason"),
    "col.leaf": ("日志序号", "Log leaf"),
    "col.kind": ("类型", "Kind"),
    "col.issued": ("签署时间", "Signed at"),
    "col.received": ("记录时间", "Logged at"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "subject.unknown": ("（未知）", "(unknown)"),
    "seeds.caption": (
        "交易中心与招标人的承诺和揭示",
        "Commitments and reveals of the centre and the agent",
    ),
    "seeds.envelopes": ("投标人密封种子", "Sealed bidder seeds"),
    "seeds.submitted": ("已提交 {n} 个", "{n} submitted"),
    "seeds.frozen": ("其中 {n} 个在冻结集合中", "{n} of them in the frozen set"),
    "freeze.label": ("冻结脉冲", "Freeze pulse"),
    "freeze.tree": ("冻结时日志大小 {n}", "log size {n} at the freeze"),
    "freeze.none": (
        "尚未冻结（承诺截止后的第一个脉冲冻结承诺集合）",
        "not frozen yet (the first pulse at the commit deadline freezes the commitments)",
    ),
    "void.reason": ("作废理由", "Reason"),
    "void.at": ("作废时间", "Voided at"),
    # -- roles (PROTOCOL.md §3.1) -----------------------------------------------------------------
    "role.centre": ("交易中心", "centre"),
    "role.agent": ("招标人/代理", "agent"),
    "role.bidder": ("投标人", "bidder"),
    "role.supervisor": ("监督", "supervisor"),
    "role.beacon": ("信标服务", "beacon service"),
    "role.public": ("公众", "public"),
    # -- seed statuses (PROTOCOL.md §10.2) ----------------------------------------------------------
    "seed.included": ("已纳入", "included"),
    "seed.not-revealed": ("未揭示", "not revealed"),
    "seed.envelope-invalid": ("信封无效", "envelope invalid"),
    "seed.key-not-released": ("开启密钥未释放", "key not released"),
    "reason.included": ("种子已纳入组合", "the seed is part of the combination"),
    "reason.not-revealed": (
        "已承诺但未在揭示截止前揭示（责任在该方）",
        "committed but did not reveal before the reveal deadline (the party's fault)",
    ),
    "reason.envelope-invalid": (
        "种子信封无法打开或内容不是 32 字节（责任在投标人）",
        "the seed envelope did not open or did not hold 32 bytes (the bidder's fault)",
    ),
    "reason.key-not-released": (
        "招标人或交易中心未在截止前释放开启私钥，所有投标人种子均被排除（责任在未释放方）",
        "the agent or the centre did not release its opening key in time, so every bidder seed"
        " is excluded (the withholding party's fault)",
    ),
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
    # -- tenders: the bid opening (PROTOCOL.md §9.9) --------------------------------------------
    "index.tenders": ("开标", "Bid openings"),
    "index.tenders_intro": (
        "两方密封开标：投标截止时间、开标公钥、投标文件和开标结果均由各方签名并记入透明日志；"
        "招标人/代理与交易中心各释放一次开标私钥，一次性开启全部投标文件，投标人无需在开标时操作。",
        "Two-party sealed bid openings: deadlines, opening keys, bids and outcomes are signed by the parties and logged;"
        " the agent and the centre each release their opening keys once and every bid opens in one batch,"
        " with nothing for bidders to do at the opening.",
    ),
    "index.tenders_empty": ("尚无招标项目。", "No tender yet."),
    "col.bids": ("投标文件", "Bids"),
    "bids.count": ("{n} 份", "{n} submitted"),
    "bids.opened": ("开启 {opened} 份，共 {n} 份", "{opened} of {n} opened"),
    "tphase.unpublished": ("未发布开标安排", "no bid opening published"),
    "tphase.accepting": ("接收投标中", "accepting bids"),
    "tphase.releasing": ("等待释放开标私钥", "awaiting the key releases"),
    "tphase.opening": ("开标中", "opening the bids"),
    "tphase.opened": ("已开标", "opened"),
    "deadline.bid": ("投标截止", "bid deadline"),
    "deadline.release": ("开标私钥释放截止", "key-release deadline"),
    "tender.heading_id": ("招标项目 {id}", "Tender {id}"),
    "tender.untitled": ("（尚未发布开标安排）", "(no bid opening published yet)"),
    "tender.schedule": ("开标时间安排", "Bid-opening schedule"),
    "tender.published_at": ("开标安排发布时间", "Schedule published at"),
    "tender.opened_at": ("开标记录时间", "Opening record logged at"),
    "section.bids": ("投标人与开标结果", "Bidders and outcomes"),
    "bids.explain": (
        "投标人以其登记证书的主体显示。投标截止后第一个信标脉冲确定开标集合；开标后列出每份投标文件的结果及原因。",
        "Bidders are named by the subject of their registered certificate. The first pulse at the bid deadline fixes the"
        " set to open; after the opening each bid shows its outcome and the reason.",
    ),
    "bids.none": ("尚无投标文件。", "No bid has been submitted."),
    "col.bidder": ("投标人（证书主体）", "Bidder (certificate subject)"),
    "col.envelope": ("投标文件编号", "Envelope id"),
    "bids.size": ("{n} 字节", "{n} bytes"),
    "col.outcome": ("开标结果及原因", "Outcome and reason"),
    "bid.submitted": ("已提交", "submitted"),
    "bid.frozen": ("已封存待开标", "sealed for the opening"),
    "bid.replaced": ("已被替换（不开启）", "replaced (not opened)"),
    "bid.withdrawn": ("已撤回（不开启）", "withdrawn (not opened)"),
    "outcome.pending": ("尚未开标", "not opened yet"),
    "outcome.plaintext": ("明文 {size} 字节，SHA-256", "plaintext {size} bytes, SHA-256"),
    "section.keyholders": ("开标公钥与私钥释放", "Opening keys and their release"),
    "keyholders.explain": (
        "招标人/代理和交易中心各自在投标截止前公布开标公钥；投标截止后各自释放开标私钥。任何一方都无法单独开启投标文件。",
        "The agent and the centre each announce an opening key before the bid deadline and release their opening keys"
        " after it. Neither can open a bid alone.",
    ),
    "col.keys_announced": ("开标公钥公布", "Opening keys announced"),
    "col.key_release": ("开标私钥释放", "Opening keys released"),
    "keys.none": ("未公布", "none announced"),
    "release.done": ("已释放", "released"),
    "release.missed": (
        "未在释放截止前释放（责任在该方）",
        "not released by the release deadline (the party's fault)",
    ),
    "release.waiting": ("尚未释放", "not released yet"),
    "release.later": ("投标截止后释放", "released after the bid deadline"),
    "section.tender_draws": ("本项目的随机抽取", "Draws of this tender"),
    "tender.draws_none": ("本项目没有随机抽取。", "This tender has no draw."),
    # -- bid outcomes (PROTOCOL.md §9.9 step 6) and their reasons (§9.7) ----------------------------
    "outcome.opened": ("已开启", "opened"),
    "outcome.bidder-fault": ("未能开启：投标人责任", "not opened: the bidder's fault"),
    "outcome.agent-key-missing": (
        "未能开启：招标人/代理的份额缺失",
        "not opened: the agent's share is missing",
    ),
    "outcome.centre-key-missing": (
        "未能开启：交易中心的份额缺失",
        "not opened: the centre's share is missing",
    ),
    "outcome.both-keys-missing": (
        "未能开启：双方的份额均缺失",
        "not opened: both parties' shares are missing",
    ),
    "why.opened": (
        "双方份额重组成功，信封头 MAC 和全部密文分块均校验通过；明文的 SHA-256 已记录，投标人可与自己的文件核对。",
        "Both shares recombined, and the header MAC and every payload chunk checked; the plaintext's SHA-256 is on record"
        " for the bidder to compare with its own file.",
    ),
    "why.agent-key-missing": (
        "招标人/代理未在释放截止前释放开标私钥，招标人份额缺失，投标文件无法开启；责任在招标人/代理，不在投标人。",
        "The agent did not release its opening keys by the release deadline, so the agent's share is missing and the bid"
        " cannot be opened: the agent's fault, not the bidder's.",
    ),
    "why.centre-key-missing": (
        "交易中心未在释放截止前释放开标私钥，交易中心份额缺失，投标文件无法开启；责任在交易中心，不在投标人。",
        "The centre did not release its opening keys by the release deadline, so the centre's share is missing and the bid"
        " cannot be opened: the centre's fault, not the bidder's.",
    ),
    "why.both-keys-missing": (
        "招标人/代理和交易中心均未在释放截止前释放开标私钥，双方份额均缺失；责任在双方，不在投标人。",
        "Neither the agent nor the centre released its opening keys by the release deadline, so both shares are missing:"
        " their fault, not the bidder's.",
    ),
    "why.header-malformed": (
        "投标文件的信封头不符合格式规定；责任在投标人。",
        "The envelope header does not follow the format: the bidder's fault.",
    ),
    "why.not-a-recipient": (
        "信封中没有发给某一方已公布开标公钥的份额（未按公布的公钥密封）；责任在投标人。",
        "The envelope holds no share for an announced opening key of one party (it was not sealed to the announced"
        " keys): the bidder's fault.",
    ),
    "why.wrong-role-key": (
        "开启时使用了另一方角色的私钥：开启方的操作错误，不是投标人的责任。",
        "The opener used a key of the other role: the opener's mistake, not the bidder's.",
    ),
    "why.share-unwrap-failed": (
        "发给已公布开标公钥的份额无法解密；责任在投标人。",
        "A share sealed to an announced opening key does not decrypt: the bidder's fault.",
    ),
    "why.backup-share-mismatch": (
        "同一方的开标公钥与备用公钥解出的份额不一致；责任在投标人。",
        "One party's key and backup key unwrap different shares: the bidder's fault.",
    ),
    "why.share-missing": (
        "一方的份额缺失：该方未按时释放开标私钥；责任在该方，不在投标人。",
        "A party's share is missing because it did not release its opening keys in time: that party's fault, not the"
        " bidder's.",
    ),
    "why.header-mac-mismatch": (
        "双方份额重组后，信封头的 MAC 校验不通过；责任在投标人。",
        "With both shares recombined, the header MAC does not match: the bidder's fault.",
    ),
    "why.nonce-truncated": (
        "密文过短，连随机数都不完整；责任在投标人。",
        "The payload is too short to hold its nonce: the bidder's fault.",
    ),
    "why.payload-truncated": (
        "密文被截断，缺少最后一个分块；责任在投标人。",
        "The payload is cut short, without its final chunk: the bidder's fault.",
    ),
    "why.payload-auth-failed": (
        "密文分块认证失败（内容被改动或已损坏）；责任在投标人。",
        "A payload chunk fails authentication (altered or corrupted): the bidder's fault.",
    ),
    "why.payload-empty-final-chunk": (
        "密文的最后一个分块为空，不符合格式；责任在投标人。",
        "The payload's final chunk is empty, which the format forbids: the bidder's fault.",
    ),
    "why.payload-trailing-data": (
        "密文最后一个分块之后还有多余数据；责任在投标人。",
        "There are bytes after the payload's final chunk: the bidder's fault.",
    ),
    "why.seed-size-mismatch": (
        "种子信封的明文不是 32 字节；责任在投标人。",
        "The seed envelope's plaintext is not exactly 32 bytes: the bidder's fault.",
    ),
    # -- pulses (PROTOCOL.md §8) -------------------------------------------------------------------
    "pulses.title": ("信标脉冲", "Beacon pulses"),
    "pulses.intro": (
        "信标每个周期发布一个 NIST 随机信标 2.0 格式的签名脉冲；"
        "其 external.value 承诺当时透明日志的树头，因此每个脉冲都为日志盖上时间戳。",
        "The beacon signs one pulse per period in the NIST Randomness Beacon 2.0 format;"
        " its external.value commits to the log's tree head, so every pulse timestamps the log.",
    ),
    "pulses.latest": ("最新脉冲", "Latest pulses"),
    "pulses.none": ("尚未发布任何脉冲。", "No pulse has been emitted yet."),
    "pulses.links": ("NIST 2.0 JSON 路径", "NIST 2.0 JSON paths"),
    "pulses.link_last": ("最新脉冲", "the newest pulse"),
    "pulses.link_chain": (
        "链 {chain} 的脉冲与树头（导出）",
        "pulses and tree heads of chain {chain} (export)",
    ),
    "pulses.link_certificate": ("签名证书", "signing certificate"),
    "pulses.link_openapi": ("全部接口", "every path"),
    "col.pulse": ("链/序号", "Chain/index"),
    "col.flags": ("状态标志", "Status flags"),
    "col.output": ("输出值", "Output value"),
    "col.tree_head": ("承诺的日志树头", "Committed tree head"),
    "col.field": ("字段", "Field"),
    "col.value": ("值", "Value"),
    "flag.regular": ("常规", "regular"),
    "flag.1": ("链起点", "chain start"),
    "flag.2": ("时间间隔", "time gap"),
    "flag.4": ("证书变更", "certificate change"),
    "flag.unknown": ("未知标志 {bit}", "unknown flag {bit}"),
    "tree.size": ("大小 {n}", "size {n}"),
    "tree.unknown": ("未记录", "not recorded"),
    "lookup.heading": ("查询脉冲", "Look up a pulse"),
    "lookup.by_index": ("按链和序号", "By chain and index"),
    "lookup.by_time": ("按时间", "By time"),
    "lookup.chain": ("链", "Chain"),
    "lookup.index": ("序号", "Pulse index"),
    "lookup.time": ("时间", "Time"),
    "lookup.time_hint": (
        "带时区偏移，如 2026-11-26T17:00:00+08:00（北京时间）或 2026-11-26T09:00:00Z，"
        "或毫秒数；显示该时刻或之后的第一个脉冲。",
        "with its offset, e.g. 2026-11-26T17:00:00+08:00 (Beijing time) or 2026-11-26T09:00:00Z,"
        " or milliseconds; shows the pulse at or after that time.",
    ),
    "lookup.submit": ("查询", "Look up"),
    "lookup.result": ("脉冲 {chain}/{index}", "Pulse {chain}/{index}"),
    "lookup.json": ("此脉冲的 JSON", "this pulse as JSON"),
    "lookup.bad_integer": (
        "{field}：应为非负整数，收到 “{value}”",
        "{field}: expected a non-negative integer, got “{value}”",
    ),
    "lookup.bad_time": (
        "{field}：应为带时区偏移的 RFC 3339 时间（如 2026-11-26T17:00:00+08:00 或"
        " 2026-11-26T09:00:00.000Z）或毫秒数，收到 “{value}”",
        "{field}: expected an RFC 3339 time with its offset (e.g. 2026-11-26T17:00:00+08:00 or"
        " 2026-11-26T09:00:00.000Z) or milliseconds, got “{value}”",
    ),
    "lookup.need_both": (
        "按序号查询需要同时填写链和序号",
        "a lookup by index needs both the chain and the pulse index",
    ),
    "lookup.future": (
        "{time} 尚未到来，还没有该时刻的脉冲",
        "{time} is in the future: no pulse exists for it yet",
    ),
    "lookup.missing_index": (
        "链 {chain} 中没有序号为 {index} 的脉冲",
        "chain {chain} has no pulse {index}",
    ),
    "lookup.missing_time": ("{time} 或之后还没有脉冲", "no pulse at or after {time} yet"),
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

MESSAGES: Final[Mapping[str, Mapping[str, str]]] = {
    lang: {key: row[i] for key, row in _TABLE.items()} for i, lang in enumerate(LANGUAGES)
}


def choose(query: str | None, cookie: str | None) -> str:
    """The page language: ``?lang=`` first, then the cookie, else zh-CN."""
    for asked in (query, cookie):
        if asked is not None and asked.lower() in ALIASES:
            return ALIASES[asked.lower()]
    return DEFAULT


def other(lang: str) -> str:
    """The language the switch link offers."""
    return LANGUAGES[1 - LANGUAGES.index(lang)]


class Translator:
    """``t("key", name=value)``: the label in one language, with its parameters filled in."""

    def __init__(self, lang: str) -> None:
        if lang not in MESSAGES:
            raise ValueError(f"language: expected one of {', '.join(LANGUAGES)}, got {lang!r}")
        self.lang = lang
        self._messages = MESSAGES[lang]

    def __call__(self, key: str, **params: object) -> str:
        try:
            text = self._messages[key]
        except KeyError:
            # A missing label is a bug in a template, never a reason to show a raw key.
            raise KeyError(f"no {self.lang} label {key!r} in beacon.web.messages") from None
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self._messages
