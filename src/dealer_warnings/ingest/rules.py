"""The contract's row rules as data: one list, checked twice by two engines.

`parse.py` turns each rule into a Polars condition (the fast check that writes the reasons);
`validate.py` turns the same rule into a great-expectations expectation (the second, independent
check). Declaring the rules once keeps both checks, and their plain-words reasons, in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from dealer_warnings.contract import ColumnType, Source

EXPECTED = {
    ColumnType.INTEGER: "a whole number",
    ColumnType.DECIMAL: "a number",
    ColumnType.DATE: "a date (YYYY-MM-DD, YYYY/MM/DD or DD/MM/YYYY)",
    ColumnType.MONTH: "a month (YYYY-MM, YYYY/MM, YYYYMM or a date)",
}


class RuleKind(StrEnum):
    REQUIRED = "required"  # the cell is not blank
    PARSES = "parses"  # a non-blank cell parses as the column's type
    AT_LEAST = "at_least"  # value >= limit
    NONZERO = "nonzero"  # value != 0
    ALLOWED = "allowed"  # value in limit (a tuple of allowed values)
    NOT_AFTER = "not_after"  # date value <= limit (the run date)
    KNOWN = "known"  # value in limit (the dealer ids of the master data)


@dataclass(frozen=True)
class Rule:
    """A row fails the rule when `column` breaks it; `problem` says so in plain words."""

    column: str
    kind: RuleKind
    problem: str
    limit: float | date | tuple[str, ...] | None = None

    @property
    def reason(self) -> str:
        return f"{self.column}: {self.problem}"


def contract_rules(
    source: Source, run_date: date, known_dealers: tuple[str, ...] | None = None
) -> list[Rule]:
    """Every row rule of `source`, in the order a row's problems are reported.

    `known_dealers` None means no dealer master is loaded yet: dealer ids are then not checked.
    """
    rules = []
    for column in source.columns:
        name = column.name
        if column.required:
            rules.append(Rule(name, RuleKind.REQUIRED, "required value missing"))
        if column.type is not ColumnType.TEXT:  # any text is text
            rules.append(Rule(name, RuleKind.PARSES, f"expected {EXPECTED[column.type]}"))
        if column.min_value is not None:
            rules.append(
                Rule(name, RuleKind.AT_LEAST, f"must be >= {column.min_value:g}", column.min_value)
            )
        if column.nonzero:
            rules.append(Rule(name, RuleKind.NONZERO, "must not be 0"))
        if column.allowed is not None:
            rules.append(
                Rule(
                    name,
                    RuleKind.ALLOWED,
                    f"expected one of {', '.join(column.allowed)}",
                    column.allowed,
                )
            )
    if source.event_date is not None:
        rules.append(
            Rule(
                source.event_date,
                RuleKind.NOT_AFTER,
                f"date after the run date {run_date}",
                run_date,
            )
        )
    if source.needs_known_dealer and known_dealers is not None:
        rules.append(
            Rule(
                "dealer_id",
                RuleKind.KNOWN,
                "unknown dealer_id (not in the dealer master data)",
                known_dealers,
            )
        )
    return rules
