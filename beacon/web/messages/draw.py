"""The labels of one draw's page (/draws/{id}): definition, seeds, VDF, result, dispute."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

# One row per key: (simplified Chinese, English). Parameters are str.format fields.
LABELS: Final[Mapping[str, tuple[str, str]]] = {
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
}
