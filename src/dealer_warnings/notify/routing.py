"""Who hears about which dealer, in which language: the routing file and the pure rules over it.

Each dealer's alerts go to its `manager_email` from the dealer master. The routing file (YAML,
`notify.routing_file`) adds to that; every key is optional:

    default_language: en            # en, zh or es
    languages:                      # per recipient
      li.xin@example.com: zh
    rules:                          # extra recipients for dealers of a region and/or tier
      - {region: East, tier: A, to: [key-accounts@example.com]}
    fallback: [channel-ops@example.com]   # dealers without a (usable) manager_email
    director: {to: [director@example.com], top_n: 10}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

Language = Literal["en", "zh", "es"]
# One address, no display name: what a dealer master's e-mail column should hold. Anything
# else (two addresses, a name, a line break) is treated as no address at all.
_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+$")


def normalize_address(text: str | None) -> str | None:
    """'  Li.Xin@Example.com ' -> 'li.xin@example.com'; None when it is not one plain address."""
    address = (text or "").strip().lower()
    return address if _ADDRESS.match(address) else None


def _addresses(values: list[str]) -> list[str]:
    normalized = [normalize_address(value) for value in values]
    bad = [value for value, address in zip(values, normalized, strict=True) if address is None]
    if bad:
        raise ValueError(f"not an e-mail address: {', '.join(map(repr, bad))}")
    return list(dict.fromkeys(normalized))


Addresses = Annotated[list[str], AfterValidator(_addresses)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rule(_Strict):
    """Dealers of this region and/or tier also go to `to` (both given: both must match)."""

    region: str | None = None
    tier: str | None = None
    to: Addresses = Field(min_length=1)

    @model_validator(mode="after")
    def _matches_something(self) -> Rule:
        if self.region is None and self.tier is None:
            raise ValueError("a rule needs a region or a tier")
        return self

    def matches(self, dealer: Mapping) -> bool:
        return (self.region is None or self.region == dealer["region"]) and (
            self.tier is None or self.tier == dealer["tier"]
        )


class Director(_Strict):
    """A daily summary of the month's top dealers across all managers."""

    to: Addresses = Field(min_length=1)
    top_n: int = Field(10, ge=1)


class Routing(_Strict):
    default_language: Language = "en"
    languages: dict[str, Language] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    fallback: Addresses = Field(default_factory=list)
    director: Director | None = None

    @field_validator("languages")
    @classmethod
    def _language_keys(cls, languages: dict[str, Language]) -> dict[str, Language]:
        return dict(zip(_addresses(list(languages)), languages.values(), strict=True))


def load_routing(path: Path | None) -> Routing:
    """The routing file's rules; no file: every dealer's manager only, in English."""
    if path is None:
        return Routing()
    if not path.is_file():
        raise FileNotFoundError(f"routing file {path} does not exist")
    try:
        return Routing.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except (ValidationError, yaml.YAMLError) as error:
        raise ValueError(f"routing file {path}: {error}") from error


def recipients_for(dealer: Mapping, routing: Routing) -> list[str]:
    """The dealer's manager, or the fallback when it has none usable; then every matching
    rule's addresses. Each address once, in that order."""
    manager = normalize_address(dealer["manager_email"])
    owners = [manager] if manager else routing.fallback
    extra = [address for rule in routing.rules if rule.matches(dealer) for address in rule.to]
    return list(dict.fromkeys([*owners, *extra]))


def language_for(address: str, routing: Routing) -> Language:
    return routing.languages.get(address, routing.default_language)
