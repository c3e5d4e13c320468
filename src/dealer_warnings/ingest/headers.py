"""Map an export's headers onto the contract's column names through the alias table."""

from __future__ import annotations

from dataclasses import dataclass

from dealer_warnings.contract import DEFAULT_ALIASES, Source, normalise_header


@dataclass(frozen=True)
class HeaderMap:
    to_contract: dict[str, str]  # file header -> contract column
    extra: list[str]  # file headers the contract doesn't know (kept in raw)
    missing_required: list[str]
    duplicated: dict[str, list[str]]  # contract column -> the several headers that claim it


class HeaderMatcher:
    """Knows the shipped aliases plus the user's, normalised once."""

    def __init__(self, user_aliases: dict[str, str] | None = None) -> None:
        merged = {**DEFAULT_ALIASES, **(user_aliases or {})}
        self.aliases = {normalise_header(k): v for k, v in merged.items()}

    def canonical(self, header: object, source: Source) -> str | None:
        name = normalise_header(header)
        name = self.aliases.get(name, name)
        return name if name in source.column_names else None

    def header_score(self, source: Source):
        """How many contract columns a row names: used to find the header under title rows."""
        return lambda row: len({c for cell in row if (c := self.canonical(cell, source))})

    def map(self, headers: list[str], source: Source) -> HeaderMap:
        claimed: dict[str, list[str]] = {}
        extra = []
        for header in headers:
            column = self.canonical(header, source)
            if column is None:
                extra.append(header)
            else:
                claimed.setdefault(column, []).append(header)
        return HeaderMap(
            to_contract={hs[0]: c for c, hs in claimed.items()},
            extra=extra,
            missing_required=[c for c in source.required_columns if c not in claimed],
            duplicated={c: hs for c, hs in claimed.items() if len(hs) > 1},
        )
