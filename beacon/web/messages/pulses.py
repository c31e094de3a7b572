"""The labels of the pulse pages (/pulses, /pulses/{chain}/{index}) and the pulse lookup."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

# One row per key: (simplified Chinese, English). Parameters are str.format fields.
LABELS: Final[Mapping[str, tuple[str, str]]] = {
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
}
