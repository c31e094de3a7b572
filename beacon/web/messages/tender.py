"""The labels of the bid-opening page (/tenders/{id}) and the bid outcomes with their reasons."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

# One row per key: (simplified Chinese, English). Parameters are str.format fields.
LABELS: Final[Mapping[str, tuple[str, str]]] = {
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
}
