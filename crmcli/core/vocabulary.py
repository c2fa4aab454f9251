"""The sales vocabulary: tiers, stages, roles, levels, channels, purposes.

One source of truth (DOMAIN.md). Values are stored as the English keys; input
accepts the keys and every Chinese alias, simplified or traditional, in any
letter case. Commands, importers and help texts all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from crmcli.errors import CrmError

# Traditional -> simplified, for the characters that occur in aliases and in
# the Chinese column headers importers recognise. Input is folded to
# simplified before lookup, so each alias is written once, in simplified form.
_TRADITIONAL = str.maketrans(
    "質銀鐵鉛關鍵戶潛遠標購買複誠擁護決響執採監認識約會夥電話訪門郵時議飲禮動懷傳遞係發務報銷調訴線確談丟單級階稱備職機類聯絡間饋評戶稱額產額與個號碼註種價熱溫",
    "质银铁铅关键户潜远标购买复诚拥护决响执采监认识约会伙电话访门邮时议饮礼动怀传递系发务报销调诉线确谈丢单级阶称备职机类联络间馈评户称额产额与个号码注种价热温",
)


def fold(text: str) -> str:
    """Fold a typed word for lookup: trimmed, case-folded, traditional to simplified."""
    return text.strip().casefold().translate(_TRADITIONAL)


@dataclass(frozen=True)
class Term:
    key: str
    aliases: tuple[str, ...] = ()
    label: str = ""  # how a rep reads it, when it differs from the key


@dataclass(frozen=True)
class Vocabulary:
    """A closed list of values with aliases (one DOMAIN.md table)."""

    name: str  # what a value of this list is called in messages: "tier", "stage"…
    terms: tuple[Term, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(t.key for t in self.terms)

    def _index(self) -> dict[str, str]:
        index = getattr(self, "_cache", None)
        if index is None:
            index = {}
            for term in self.terms:
                index[fold(term.key)] = term.key
                if term.label:
                    index[fold(term.label)] = term.key
                for alias in term.aliases:
                    index[fold(alias)] = term.key
            object.__setattr__(self, "_cache", index)
        return index

    def parse(self, text: str) -> str:
        """The stored key for what a user typed, or a CrmError listing what is accepted."""
        key = self._index().get(fold(text))
        if key is None:
            raise CrmError(
                f"Unknown {self.name} {text.strip()!r}; use one of: {', '.join(self.keys)} "
                f"(or a Chinese alias such as {self._example_alias()})."
            )
        return key

    def _example_alias(self) -> str:
        for term in self.terms:
            if term.aliases:
                return term.aliases[-1] if not term.aliases[-1].isascii() else term.aliases[0]
        return self.keys[0]

    def label(self, key: str | None) -> str:
        if not key:
            return ""
        for term in self.terms:
            if term.key == key:
                return term.label or term.key
        return key

    def help(self) -> str:
        return ", ".join(self.keys)


TIERS = Vocabulary(
    "tier",
    (
        Term("gold", ("金", "金质", "vip", "关键客户", "a")),
        Term("silver", ("银", "银质", "核心客户", "b")),
        Term("iron", ("铁", "铁质", "一般客户", "c")),
        Term("lead", ("铅", "铅质", "d")),
    ),
)

# Default contact cadence per tier, in days (DOMAIN.md); config cadence.TIER overrides.
TIER_CADENCE_DAYS = {"gold": 14, "silver": 30, "iron": 90, "lead": 180}
# Whatever the cadence, nobody goes longer than this without a contact (seed 000).
MAX_CADENCE_DAYS = 365

STAGES = Vocabulary(
    "stage",
    (
        Term("suspect", ("潜在客户", "潜在")),
        Term("prospect", ("远景客户", "目标客户", "远景")),
        Term("first-time", ("初次购买", "新客户", "first time", "firsttime", "new")),
        Term("repeat", ("重复购买", "复购")),
        Term("client", ("客户", "老客户", "忠诚客户", "loyal")),
        Term("advocate", ("拥护者", "拥戴者")),
        Term("lost", ("流失客户", "流失")),
    ),
)
# The loyalty ladder, bottom to top; `lost` is off the ladder.
LADDER = ("suspect", "prospect", "first-time", "repeat", "client", "advocate")

ROLES = Vocabulary(
    "role",
    (
        Term("decision-maker", ("决策者", "decision maker", "decisionmaker", "dm")),
        Term("influencer", ("影响者",)),
        Term("executor", ("执行者", "采购", "buyer", "purchaser")),
        Term("supervisor", ("监督者",)),
    ),
)

LEVELS = Vocabulary(
    "level",
    (
        Term("acquainted", ("认识",)),
        Term("engaged", ("约会",)),
        Term("partner", ("伙伴",)),
        Term("ally", ("同盟",)),
    ),
)
LEVEL_ORDER = LEVELS.keys

CHANNELS = Vocabulary(
    "channel",
    (
        Term("call", ("电话", "phone", "tel"), "phone call"),
        Term("visit", ("拜访", "上门")),
        Term("email", ("邮件", "e-mail", "mail message")),
        Term("sms", ("短信", "text")),
        Term("im", ("微信", "即时通信", "wechat", "whatsapp"), "WeChat/IM"),
        Term("meeting", ("会议",)),
        Term("meal", ("招待", "餐饮", "dinner", "lunch")),
        Term("gift", ("礼品",)),
        Term("event", ("活动",)),
        Term("mail", ("邮寄", "post", "letter")),
    ),
)

PURPOSES = Vocabulary(
    "purpose",
    (
        Term("care", ("客户关怀", "关怀")),
        Term("inform", ("信息传递", "讯息传递")),
        Term("develop", ("关系发展",)),
        Term("serve", ("服务提供", "服务", "service")),
        Term("intel", ("情报收集", "情报")),
        Term("sell", ("销售", "sales")),
        Term("survey", ("回访调查", "回访", "调查")),
        Term("complaint", ("投诉",)),
        Term("resolved", ("已解决", "解决")),
    ),
)

KINDS = Vocabulary(
    "customer kind",
    (
        Term("company", ("公司", "企业", "organisation", "organization", "business")),
        Term("person", ("个人", "individual", "private")),
    ),
)

# Sales opportunities (seeds 003, 004): where a deal stands in the pipeline.
DEAL_STAGES = Vocabulary(
    "deal stage",
    (
        Term("lead", ("线索", "opportunity")),
        Term("qualified", ("确认需求", "需求确认")),
        Term("proposal", ("方案/报价", "方案", "报价", "quote", "quotation")),
        Term("negotiation", ("谈判", "negotiating")),
        Term("won", ("成交", "赢单", "closed won")),
        Term("lost", ("丢单", "输单", "closed lost")),
    ),
)
# A deal in one of these stages is still open: it has an expected close date to watch.
OPEN_DEAL_STAGES = ("lead", "qualified", "proposal", "negotiation")

# Strength of a customer's purchase intent (seed 003); config intent.KEY weighs the forecast.
INTENTS = Vocabulary(
    "intent",
    (
        Term("hot", ("热", "high", "strong")),
        Term("warm", ("温", "medium")),
        Term("cold", ("冷", "low", "weak")),
    ),
)
