"""beacon-verify's words in English and Chinese (``--lang``), and the times it shows (``--utc``).

The English text is the key: :func:`say` formats it as it is, or its entry of :data:`ZH`.
Failure reasons are made where the checks are, in English; :func:`reason` turns the common
ones into Chinese by matching them against the :data:`REASONS` templates, and leaves any
other as it is (a Chinese reader then still gets the English, never nothing). The JSON
report is never translated, and keeps canonical UTC times.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

LANGUAGES = ("en", "zh")

# -- the verdict, the headings, the values, the guidance ------------------------------------------

VALID = "VALID"
INVALID = "INVALID"
UNANCHORED = (
    "VALID against {what} only, which anyone can write: not a verdict "
    "(pass --anchors CA.pem with the CA certificate you trust)"
)
INCOMPLETE_DRAW = " (incomplete: no result yet, the draw is {state})"
INCOMPLETE_TENDER = " (incomplete: no opening record yet, the tender is {state})"
NOTE_GIVEN = "trust anchors: those given with --anchors"
NOTE_OWN = "trust anchors: the bundle's own (pass --anchors CA.pem to use anchors you trust)"
CHECK = "{mark} {name}: {detail}"
DRAW = "draw {draw_id}: final state {state}, R = {output}"
PICKED = "  {code} {label}: {values}{unit} (index {indexes})"
DERIVED = "  {code} = {formula}: {value}{unit}"
SEED = "  seed of {role} {fingerprint}…: {status}"
TENDER = "tender {tender_id}: {state}"
BID = "  {envelope_id} of {bidder}…: {status}{reason}; {checked}"
BID_REASON = " ({reason})"
# §13: what came after the result, each with the reason its maker gave.
OBJECTION = "  objection by {role} {actor}… at {at} (leaf {leaf}): {reason}"
CONFIRM = "  confirmed by {role} {actor}… at {at} (leaf {leaf})"
VOID = "  voided by {role} {actor}… at {at} (leaf {leaf}): {reason}"
# Item 8 of issue 12: the verdict above is not VALID, and where the CA certificate is.
OWN_ANCHORS = "not VALID: the certificates were checked only against {what}, which anyone can write"
GET_CA = (
    "get the platform's CA certificate from the board at {url}, confirm its fingerprint with "
    "the centre, and run again with --anchors ca.pem"
)
BOARD_CA = "its /ca.pem"
UNUSABLE = "beacon-verify: unusable input: {error}"
UTC_HELP = "show times in canonical UTC, as the documents carry them (default: Beijing time, UTC+8)"
LANG_HELP = (
    "the language of the output: en or zh (default: zh when LC_ALL, LC_MESSAGES or LANG "
    "names a zh_* locale, else en); --json is never translated"
)
VERSION_HELP = "print the version and exit"

ZH: dict[str, str] = {
    VALID: "有效（VALID）",
    INVALID: "无效（INVALID）",
    UNANCHORED: "仅相对于{what}有效，而它们任何人都能写：这不是结论"
    "（请用 --anchors CA.pem 指定您信任的 CA 证书）",
    INCOMPLETE_DRAW: "（尚不完整：还没有抽取结果，抽取处于{state}）",
    INCOMPLETE_TENDER: "（尚不完整：还没有开标记录，招标项目处于{state}）",
    NOTE_GIVEN: "信任锚：--anchors 指定的证书",
    NOTE_OWN: "信任锚：证据包自带的（请用 --anchors CA.pem 指定您信任的信任锚）",
    CHECK: "{mark} {name}：{detail}",
    DRAW: "抽取 {draw_id}：最终状态 {state}，R = {output}",
    PICKED: "  {code} {label}：{values}{unit}（序号 {indexes}）",
    DERIVED: "  {code} = {formula}：{value}{unit}",
    SEED: "  {role} {fingerprint}… 的种子：{status}",
    TENDER: "招标项目 {tender_id}：{state}",
    BID: "  {bidder}… 的投标 {envelope_id}：{status}{reason}；{checked}",
    BID_REASON: "（{reason}）",
    OBJECTION: "  {role} {actor}… 于 {at} 提出异议（叶 {leaf}）：{reason}",
    CONFIRM: "  {role} {actor}… 于 {at} 确认（叶 {leaf}）",
    VOID: "  {role} {actor}… 于 {at} 宣布作废（叶 {leaf}）：{reason}",
    OWN_ANCHORS: "不是 VALID：证书仅对照{what}检查，而它们任何人都能写",
    GET_CA: "请从公示板下载平台的 CA 证书（{url}），向交易中心核实其指纹后，"
    "加上 --anchors ca.pem 重新运行",
    BOARD_CA: "公示板地址下的 /ca.pem",
    UNUSABLE: "beacon-verify：输入无法使用：{error}",
    UTC_HELP: "以文档中的规范 UTC 时间显示（默认：北京时间，UTC+8）",
    LANG_HELP: "输出语言：en 或 zh（默认：LC_ALL、LC_MESSAGES 或 LANG 为 zh_* 时用 zh，否则 en）；"
    "--json 从不翻译",
    VERSION_HELP: "显示版本号并退出",
}

# -- the exit statuses (beacon-verify --help) ------------------------------------------------------

HELP = """\
beacon-verify：不依赖服务本身，复核抽取、脉冲、链与回执。

每个命令都读取文件、离线工作；--from URL 从运行中的信标获取同样的文档（PROTOCOL.md §16）。

信任来自您，而不是文档：证书要对照您用 --anchors 给出的 CA 证书检查（draw、tender、receipt、
chain），或是您用 --cert 固定的证书（pulse、chain）。不给出它们时，所有检查也可能通过，但对照的是
文档自带的证书，而这些任何人都能写；这种结果报告为"仅相对于……有效"，并有单独的退出状态，
绝不报告为 VALID（PROTOCOL.md §14）。CA 证书可从公示板的 /ca.pem 下载。

退出状态：
  0  VALID：对照您给出的信任锚或证书，所有检查都通过
  1  INVALID：有检查未通过
  2  输入无法使用：文件无法读取、不是 JSON、不是该命令要求的文档、信标无法连接
  3  仅相对于文档自带的信任锚或证书有效：这不是结论；请加上 --anchors CA.pem 重新运行

时间默认以北京时间（UTC+8）显示，--utc 显示规范 UTC；--lang en|zh 选择语言。
"""

# -- the check (step) names and the words inside values -------------------------------------------

STEPS: dict[str, str] = {
    "format": "格式",
    "beacon-certificate": "信标证书",
    "log": "日志",
    "completeness": "完整性",
    "time-of-record": "记录时间",
    "time-points": "时间点",
    "signatures": "签名",
    "certificates": "证书",
    "roles": "角色",
    "publication": "发布",
    "commitments": "承诺",
    "snapshot": "快照",
    "reveals": "揭示",
    "seed-envelopes": "种子信封",
    "result": "结果",
    "vdf": "VDF",
    "picks": "抽取值",
    "after-result": "结果之后",
    "summary": "摘要",
    "receipts": "回执",
    "opening-keys": "开标密钥",
    "bids": "投标",
    "releases": "密钥释放",
    "opening": "开标",
    "pulse": "脉冲",
    "neighbours": "相邻脉冲",
    "parse": "解析",
    "statement": "声明",
    "inclusion": "包含证明",
    "consistency": "一致性",
}

TERMS: dict[str, str] = {
    # a scope (§7.6) and who (§3.3)
    "draw": "抽取",
    "tender": "招标项目",
    "agent": "代理机构",
    "centre": "交易中心",
    "bidder": "投标人",
    "supervisor": "监督人",
    "beacon": "信标",
    # a draw's and a tender's states (§6.4, §9)
    "published": "已发布",
    "committing": "承诺阶段",
    "frozen": "已冻结",
    "revealing": "揭示阶段",
    "opening": "开启阶段",
    "computing": "计算阶段",
    "failed": "失败",
    "drawn": "已抽取",
    "disputed": "有异议",
    "resolved": "异议已处理",
    "confirmed": "已确认",
    "voided": "已作废",
    "accepting": "投标阶段",
    "releasing": "密钥释放阶段",
    "opened": "已开标",
    # a seed's status (§10.2) and a bid's outcome (§9.9)
    "included": "已计入",
    "not-revealed": "未揭示",
    "envelope-invalid": "信封无效",
    "key-not-released": "密钥未释放",
    "bidder-fault": "投标人过错",
    "agent-key-missing": "缺代理机构密钥",
    "centre-key-missing": "缺交易中心密钥",
    "both-keys-missing": "缺双方密钥",
    "share-missing": "缺少份额",
    "header-mac-mismatch": "信封头 MAC 不符",
    "rechecked": "已复核",
    "shares and MAC rechecked; payload not": "份额与 MAC 已复核；载荷未复核",
    # what the certificates were checked against when no --anchors or --cert was given
    "the bundle's own trust anchors": "证据包自带的信任锚",
    "the receipt's own certificates": "回执自带的证书",
    "certificates that came with the pulses": "随脉冲而来的证书",
    "the beacon's own pulse certificate": "信标自己的脉冲证书",
}

# -- the common failure reasons -------------------------------------------------------------------

# English template → Chinese. A {reason} (or {reasons}, "; "-separated) is itself translated;
# {role}, {state}, {status}, {scope} are TERMS. Any other {name} matches any text and is kept.
REASONS: dict[str, str] = {
    "not checked: it depends on {key}, which failed": "未检查：它依赖的 {key} 未通过",
    "leaf {leaf} is not in the tree of size {size}: the root differs": (
        "叶 {leaf} 不在大小为 {size} 的树中：根哈希不同"
    ),
    "leaf {leaf} ({kind}): {reason}": "叶 {leaf}（{kind}）：{reason}",
    "leaf {leaf} ({kind} by {role}): {reason}": "叶 {leaf}（{role}的 {kind}）：{reason}",
    "leaf {leaf}: {reason}": "叶 {leaf}：{reason}",
    "pulse {pulse}: {reason}": "脉冲 {pulse}：{reason}",
    "the signature does not verify": "签名验证不通过",
    "the {algorithm} signature does not verify": "{algorithm} 签名验证不通过",
    "actor {actor} is not the certificate's fingerprint": "actor {actor} 不是证书的指纹",
    "algorithm {algorithm} does not fit the certificate's key": (
        "算法 {algorithm} 与证书的密钥不符"
    ),
    "{actor}… is not registered as {role}": "{actor}… 未注册为{role}",
    "names leaf {named} as the {scope}'s previous statement, but the bundle's is leaf {held}": (
        "声称本{scope}的上一条声明是叶 {named}，而证据包中是叶 {held}"
    ),
    "seq {seq} follows seq {previous}: {count} statement(s) of the {scope} are missing": (
        "序号 {seq} 紧接在序号 {previous} 之后：缺少本{scope}的 {count} 条声明"
    ),
    "the bundle holds no statement of the {scope}": "证据包中没有该{scope}的任何声明",
    "leaf indexes are not distinct and increasing": "叶序号不是互不相同且递增的",
    "tree size {old} → {new}: the consistency proof does not verify": (
        "树大小 {old} → {new}：一致性证明验证不通过"
    ),
    "pulse {pulse} does not commit tree head {size}": "脉冲 {pulse} 没有承诺树头 {size}",
    "no trust anchors": "没有信任锚",
    "the registered certificate is not the one its fingerprint names": (
        "注册的证书不是其指纹所指的证书"
    ),
    "certificate {subject} does not chain to the anchors at {at}: {detail}": (
        "证书 {subject} 在 {at} 无法链接到信任锚：{detail}"
    ),
    "the published definition is not the bundle's": "已发布的定义不是证据包中的定义",
    "the result names another definition": "结果声明引用了另一份定义",
    "the draw.freeze is missing": "缺少 draw.freeze（冻结声明）",
    "the freeze lists leaves {listed}, the bundle has {held}": (
        "冻结声明列出的叶为 {listed}，证据包中为 {held}"
    ),
    "envelope {envelope} does not match its envelope_hash and size": (
        "信封 {envelope} 与其 envelope_hash 和大小不符"
    ),
    "seed_envelopes are not the frozen ones": "seed_envelopes 不是冻结时的那些信封",
    "the summary is not what the statements give: {reasons}": "摘要与声明推导出的结果不符：{reasons}",
    "{field}: expected {expected}, the bundle has {held}": "{field}：应为 {expected}，证据包中为 {held}",
    "objection outside the window": "异议不在异议期内",
    "confirmed before the dispute window ended": "异议期结束前即已确认",
    "objections or a confirmation without a result": "没有结果却有异议或确认",
    "more than one confirmation or void": "确认或作废声明多于一条",
    "statements after the end": "结束之后仍有声明",
    "the confirmation names another result": "确认声明引用了另一个结果",
    "receipt {number} does not verify: {reason}": "回执 {number} 验证不通过：{reason}",
    "{what}: the bundle leaves this statement out": "{what}：证据包漏掉了这条声明",
    "a receipt did not parse": "有回执无法解析",
}

_NAME = re.compile(r"\{(\w+)\}")
_TIME = re.compile(r"\b(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{3})Z")
BEIJING = dt.timezone(dt.timedelta(hours=8))
TIME_LABEL = {"en": "Beijing time", "zh": "北京时间"}


# Placeholders that may hold a ": " (a nested reason, a JSON value); any other stops before
# one, so that "{actor}… is not registered" cannot swallow the "leaf 3 (...): " before it.
_SPANNING = {"reason", "reasons", "detail", "expected", "held"}


def _pattern(template: str) -> re.Pattern[str]:
    parts = _NAME.split(template)  # literal, name, literal, name, ..., literal
    return re.compile(
        "".join(
            re.escape(p)
            if i % 2 == 0
            else f"(?P<{p}>.+?)"
            if p in _SPANNING
            else f"(?P<{p}>(?:(?!: ).)+?)"
            for i, p in enumerate(parts)
        )
    )


# The most literal text first, so that "leaf {leaf} ({kind} by {role}): {reason}" wins over
# "leaf {leaf}: {reason}", and the summary's sentence over the "{field}: expected" inside it.
_REASONS = sorted(
    ((_pattern(en), zh) for en, zh in REASONS.items()),
    key=lambda x: -len(_NAME.sub("", next(en for en in REASONS if REASONS[en] == x[1]))),
)


def language(environ: Mapping[str, str], system_locale: str | None = None) -> str:
    """``zh`` when the locale is Chinese, else ``en``.

    POSIX order: the first set of LC_ALL, LC_MESSAGES, LANG decides (``zh_CN.UTF-8``,
    ``zh_TW``, ``zh`` are Chinese; ``C``, ``en_US.UTF-8`` are not). ``system_locale`` is
    where none is set, as on Windows (``locale.getlocale()``: ``Chinese (Simplified)_China``).
    """
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if environ.get(name):
            return "zh" if environ[name].lower().startswith("zh") else "en"
    lowered = (system_locale or "").lower()
    return "zh" if lowered.startswith(("zh", "chinese")) else "en"


def say(lang: str, template: str, **values: object) -> str:
    """``template`` (an English key of :data:`ZH`) in ``lang``, formatted with ``values``."""
    return (ZH[template] if lang == "zh" else template).format(**values)


def term(lang: str, word: str) -> str:
    """A state, role, status or trust source in ``lang``."""
    return TERMS.get(word, word) if lang == "zh" else word


def step(lang: str, name: str) -> str:
    """A check's name: in Chinese with the English one after it, so that either can be searched."""
    if lang != "zh":
        return name
    prefix = "newer " if name.startswith("newer ") else ""
    base, _, number = name.removeprefix(prefix).partition(" ")
    if base == "chain" and number:
        return f"链 {number}（{name}）"
    zh = STEPS.get(base)
    return f"{'较新' if prefix else ''}{zh}（{name}）" if zh else name


def reason(lang: str, text: str) -> str:
    """A failure reason in ``lang``: a :data:`REASONS` template's Chinese, else ``text`` as it is."""
    if lang != "zh":
        return text
    for pattern, zh in _REASONS:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        values = {}
        for name, value in m.groupdict().items():
            if name == "reasons":
                value = "；".join(reason(lang, part) for part in value.split("; "))
            elif name == "reason":
                value = reason(lang, value)
            elif name in ("role", "state", "status", "scope"):
                value = term(lang, value)
            values[name] = value
        return zh.format(**values)
    return text


def times(text: str, lang: str) -> str:
    """Every canonical UTC time in ``text`` (``2026-11-18T11:16:40.000Z``) in Beijing time."""

    def beijing(m: re.Match[str]) -> str:
        try:
            utc = dt.datetime.fromisoformat(m[1]).replace(tzinfo=dt.UTC)
        except ValueError:  # an impossible time quoted from a bad input: shown as it was
            return m[0]
        local = utc.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        return f"{local}.{m[2]} {TIME_LABEL[lang]}"

    return _TIME.sub(beijing, text)
