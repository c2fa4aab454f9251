"""The vocabulary: English keys, Chinese aliases in both scripts, clear refusals."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcli.core import vocabulary as vocab
from crmcli.errors import CrmError


@pytest.mark.parametrize(
    ("words", "typed", "key"),
    [
        (vocab.TIERS, "金质", "gold"), (vocab.TIERS, "金質", "gold"), (vocab.TIERS, "VIP", "gold"),
        (vocab.TIERS, "银", "silver"), (vocab.TIERS, "銀質", "silver"), (vocab.TIERS, "鐵", "iron"),
        (vocab.TIERS, "铅质", "lead"), (vocab.TIERS, "關鍵客戶", "gold"),
        (vocab.STAGES, "潜在客户", "suspect"), (vocab.STAGES, "潛在客戶", "suspect"),
        (vocab.STAGES, "目标客户", "prospect"), (vocab.STAGES, "新客户", "first-time"),
        (vocab.STAGES, "重複購買", "repeat"), (vocab.STAGES, "忠誠客戶", "client"),
        (vocab.STAGES, "擁護者", "advocate"), (vocab.STAGES, "流失客户", "lost"),
        (vocab.STAGES, "First-Time", "first-time"),
        (vocab.ROLES, "决策者", "decision-maker"), (vocab.ROLES, "決策者", "decision-maker"),
        (vocab.ROLES, "影響者", "influencer"), (vocab.ROLES, "採購", "executor"),
        (vocab.ROLES, "監督者", "supervisor"),
        (vocab.LEVELS, "认识", "acquainted"), (vocab.LEVELS, "約會", "engaged"),
        (vocab.LEVELS, "夥伴", "partner"), (vocab.LEVELS, "同盟", "ally"),
        (vocab.CHANNELS, "電話", "call"), (vocab.CHANNELS, "上門", "visit"), (vocab.CHANNELS, "微信", "im"),
        (vocab.CHANNELS, "餐飲", "meal"), (vocab.CHANNELS, "禮品", "gift"), (vocab.CHANNELS, "郵寄", "mail"),
        (vocab.PURPOSES, "客戶關懷", "care"), (vocab.PURPOSES, "情報收集", "intel"),
        (vocab.PURPOSES, "投訴", "complaint"), (vocab.PURPOSES, "已解決", "resolved"),
        (vocab.PURPOSES, "回訪調查", "survey"),
    ],
)
def test_aliases_in_both_scripts_map_to_the_english_key(words, typed, key):
    assert words.parse(typed) == key


@pytest.mark.parametrize("words", [vocab.TIERS, vocab.STAGES, vocab.ROLES, vocab.LEVELS, vocab.CHANNELS, vocab.PURPOSES])
def test_every_key_parses_to_itself_in_any_case(words):
    for key in words.keys:
        assert words.parse(key.upper()) == key
        assert words.parse(f"  {key} ") == key


def test_unknown_value_lists_the_accepted_ones():
    with pytest.raises(CrmError) as e:
        vocab.TIERS.parse("platinum")
    assert "platinum" in e.value.message
    for key in ("gold", "silver", "iron", "lead"):
        assert key in e.value.message


@given(st.text(max_size=12))
def test_parse_either_returns_a_key_or_refuses(text):
    try:
        assert vocab.ROLES.parse(text) in vocab.ROLES.keys
    except CrmError as e:
        assert "decision-maker" in e.message
