"""Routing rules on hand-made dealers, and the routing file's validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealer_warnings.notify.routing import Routing, language_for, load_routing, recipients_for

ROUTING = Routing.model_validate(
    {
        "default_language": "es",
        "languages": {"Li.Xin@Example.com": "zh"},
        "rules": [
            {"region": "East", "to": ["east@example.com"]},
            {"region": "East", "tier": "A", "to": ["key-accounts@example.com", "east@example.com"]},
            {"tier": "C", "to": ["small@example.com"]},
        ],
        "fallback": ["ops@example.com"],
    }
)


def dealer(manager_email: str | None, region: str = "West", tier: str = "B") -> dict:
    return {"manager_email": manager_email, "region": region, "tier": tier}


def test_a_dealer_goes_to_its_manager():
    assert recipients_for(dealer("li.xin@example.com"), ROUTING) == ["li.xin@example.com"]


def test_matching_rules_add_recipients_each_once():
    assert recipients_for(dealer("Li.Xin@example.com ", "East", "A"), ROUTING) == [
        "li.xin@example.com",
        "east@example.com",
        "key-accounts@example.com",
    ]
    assert recipients_for(dealer("li.xin@example.com", "East", "B"), ROUTING) == [
        "li.xin@example.com",
        "east@example.com",
    ]


@pytest.mark.parametrize("unusable", [None, "", "  ", "not an address", "a@b.com, c@d.com"])
def test_a_dealer_without_a_usable_manager_address_goes_to_the_fallback(unusable):
    assert recipients_for(dealer(unusable, tier="C"), ROUTING) == [
        "ops@example.com",
        "small@example.com",
    ]


def test_without_a_routing_file_only_managers_are_told_in_english():
    assert load_routing(None) == Routing()
    assert recipients_for(dealer(None), Routing()) == []
    assert language_for("anyone@example.com", Routing()) == "en"


def test_language_per_recipient_else_the_default():
    assert language_for("li.xin@example.com", ROUTING) == "zh"
    assert language_for("ops@example.com", ROUTING) == "es"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("rules: [{region: East}]", "to"),
        ("rules: [{to: [a@example.com]}]", "a rule needs a region or a tier"),
        ("fallback: [ops]", "not an e-mail address: 'ops'"),
        ("languages: {a@example.com: fr}", "fr"),
        ("director: {to: [d@example.com], top: 3}", "top"),
        ("rules: [", "while parsing"),
    ],
)
def test_a_bad_routing_file_is_refused_naming_the_file_and_the_problem(
    tmp_path: Path, content: str, problem: str
):
    path = tmp_path / "routing.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match="routing file") as error:
        load_routing(path)
    assert str(path) in str(error.value) and problem in str(error.value)


def test_a_missing_routing_file_is_refused(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="routing file"):
        load_routing(tmp_path / "nope.yaml")
