"""One validated settings object: defaults < YAML file < environment < command-line flags.

Every threshold has a name, a default, a unit and a reason (the Field description), so a user
tuning sensitivity reads one file. Environment variables use the prefix `DEALER_WARNINGS_` and
`__` between levels, e.g. `DEALER_WARNINGS_DETECT__ORDER_DROP__MIN_DROP=0.5`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    SecretStr,
    ValidationError,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

DEFAULT_CONFIG_FILE = Path("dealer-warnings.yaml")


class Section(BaseModel):
    """A settings section: a misspelled key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class WarehouseSettings(Section):
    memory_limit: str = Field("4GB", description="DuckDB memory_limit; spills to temp_dir above it")
    threads: int | None = Field(None, description="DuckDB threads; None = one per core")
    temp_dir: Path | None = Field(None, description="DuckDB spill directory; None = next to the db")
    lock_timeout_seconds: float = Field(
        60,
        ge=0,
        description="seconds a run waits while another process holds the database, then gives "
        "up with a message; runs never share the file, so the second one waits its turn",
    )


class IngestSettings(Section):
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="extra header aliases (export header -> contract column), added to the shipped ones",
    )
    run_date: date | None = Field(
        None, description="the date rows may not be after; None = today (set it to replay history)"
    )
    gx_check_rows: int | None = Field(
        100_000,
        ge=0,
        description="great-expectations checks every row parsing quarantined plus a seeded "
        "random sample of at most this many of the others, per source and run; None = every "
        "row (slower: GX checks rows in pandas). Parsing checks every row either way",
    )


Direction = Literal["down", "up", "both"]


class BaselineSettings(Section):
    """How a dealer's own history and its peers give the expected value for a month."""

    baseline_months: int = Field(
        6, ge=2, description="months of own history in the recent-level median"
    )
    min_history_months: int = Field(
        6,
        ge=2,
        description="months of history a dealer needs before it can alert; fewer = no verdict "
        "(an indicator's own min_history_months overrides it)",
    )
    noise_months: int = Field(
        12, ge=3, description="months used to measure how noisy the dealer's series normally is"
    )
    noise_prior_months: float = Field(
        6.0,
        ge=0,
        description="weight, in months of own history, of the peer group's typical noise in a "
        "dealer's noise estimate: a dealer whose last year happened to be calm is not judged "
        "by that calm alone",
    )
    min_peer_group: int = Field(
        5,
        ge=2,
        description="dealers a region+tier group needs; smaller groups fall back to the region",
    )
    min_region_group: int = Field(
        3,
        ge=2,
        description="dealers a region needs to be a peer group; smaller ones use the whole network",
    )
    max_seasonal_weight: float = Field(
        0.8,
        ge=0,
        le=1,
        description="cap on how much of last year's same-month deviation from peers is carried "
        "into this year's expectation (the weight itself is measured on the data)",
    )


class IndicatorSettings(Section):
    """What every indicator has: on or off, how improbable a month must be, history, direction."""

    enabled: bool = Field(True, description="compute this indicator at all")
    p_warning: float = Field(
        1e-4,
        gt=0,
        lt=1,
        description="sensitivity: the probability of a value at least this extreme under the "
        "dealer's normal behaviour, at or below which it alerts (1e-4 = about one false alarm "
        "per 10,000 dealer-months)",
    )
    p_critical: float = Field(
        1e-7, gt=0, lt=1, description="tail probability at or below which an alert is critical"
    )
    min_history_months: int | None = Field(
        None,
        ge=2,
        description="months of history before a verdict; None = detect.baseline.min_history_months",
    )
    direction: Direction = Field(
        "down", description="which way is bad: down (a fall), up (a rise) or both"
    )

    def history_needed(self, baseline: BaselineSettings) -> int:
        return self.min_history_months or baseline.min_history_months


class DropSettings(IndicatorSettings):
    """A monthly amount moving far from the dealer's seasonal, peer-adjusted expectation."""

    p_warning: float = Field(
        3e-4,
        gt=0,
        lt=1,
        description="sensitivity: tail probability at which it alerts (both the level and the "
        "count test must reach it, for two months in a row: a looser level than one test's)",
    )
    min_drop: float = Field(
        0.3,
        gt=0,
        lt=1,
        description="fraction away from the expected value to alert: a real change, not just "
        "an improbable one",
    )
    critical_drop: float = Field(
        0.7, gt=0, lt=1, description="fraction away from expected for critical"
    )
    min_baseline: float = Field(
        20, ge=0, description="minimum volume: smallest monthly baseline (units) worth alerting on"
    )
    windows: tuple[int, ...] = Field(
        (2, 3, 6),
        min_length=1,
        description="months summed before testing: 2 catches a sudden fall, 3 and 6 a lasting "
        "one of a noisy dealer (the sensitivity is split between them); a single month of a "
        "lumpy buyer tells too little",
    )
    persistence: int = Field(
        2,
        ge=1,
        description="months in a row, each at least min_drop down on its own, before the "
        "window may alert: a late report or a delayed order caught up the month after is not "
        "a fall",
    )
    dormant_months: int = Field(
        3,
        ge=1,
        description="months in a row with nothing (no units, no sell-out) after which a "
        "dealer whose fall was already told is dormant: a longer window that still holds its "
        "last purchases does not alert again until it buys again",
    )


class SalesDropSettings(DropSettings):
    p_warning: float = Field(
        3e-3,
        gt=0,
        lt=1,
        description="sensitivity: tail probability at which it alerts. Looser than order_drop's: "
        "reported sell-out is smooth (no lumps of orders), so a fall this improbable that also "
        "passes min_drop in two months in a row is rarely noise; the same level as "
        "sellthrough_gap's test of the same fall",
    )
    min_baseline: float = Field(
        500, ge=0, description="minimum volume: smallest monthly sell-out (money) worth alerting on"
    )


class PriceDropSettings(IndicatorSettings):
    """Like-for-like price index: each SKU against its own recent price for that dealer."""

    p_warning: float = Field(
        1e-6,
        gt=0,
        lt=1,
        description="sensitivity: tail probability at which it alerts (prices are steady, so a "
        "real cut is very improbable; a strict level costs no recall)",
    )
    p_critical: float = Field(1e-9, gt=0, lt=1, description="tail probability for critical")

    min_drop: float = Field(0.08, gt=0, lt=1, description="index fall (fraction) to alert")
    critical_drop: float = Field(0.2, gt=0, lt=1, description="index fall (fraction) for critical")
    price_months: int = Field(6, ge=1, description="months of the SKU's own price history")
    min_coverage: float = Field(
        0.5, gt=0, le=1, description="share of the month's units on SKUs with a price history"
    )
    min_units: int = Field(
        10, ge=1, description="minimum volume: units in the month on comparable SKUs"
    )


class SpikeSettings(IndicatorSettings):
    """A count jumping above its expected rate (negative binomial test: small counts are
    judged fairly, and the extra spread of real counts is measured on the data)."""

    p_warning: float = Field(
        3e-5,
        gt=0,
        lt=1,
        description="sensitivity: tail probability of at least this count at which it alerts",
    )
    p_critical: float = Field(1e-7, gt=0, lt=1, description="tail probability for critical")
    min_count: int = Field(
        5, ge=1, description="minimum volume: fewest events in the month that can alert"
    )
    min_ratio: float = Field(2.0, gt=1, description="count must be at least this x expected")
    dispersion_spread: float = Field(
        0.1,
        gt=0,
        description="how much the extra spread (1/r of a negative binomial) differs between "
        "dealers: a dealer's own months move its spread away from the network's only when its "
        "counts are large enough to show more than that",
    )
    baseline_months: int = Field(12, ge=3, description="months of history for the expected rate")
    windows: tuple[int, ...] = Field(
        (1,),
        min_length=1,
        description="months summed before testing: 1 catches a burst, 2 a problem that "
        "lasts (the sensitivity is split between them)",
    )
    direction: Direction = Field("up", description="which way is bad: up (a rise), down or both")


class QualitySpikeSettings(SpikeSettings):
    p_warning: float = Field(
        3e-5,
        gt=0,
        lt=1,
        description="sensitivity: tail probability at which it alerts (as complaints: incidents "
        "come in clusters of one faulty batch)",
    )
    min_count: int = Field(4, ge=1, description="fewest incidents in the month that can alert")
    min_cluster: int = Field(
        3,
        ge=2,
        description="fewest incidents of one SKU with one defect type in a month that can alert "
        "as a cluster (one faulty batch), however few incidents the dealer has in all",
    )
    network_mix_weight: float = Field(
        0.1,
        ge=0,
        le=1,
        description="weight of the network's SKU mix in the chance that an incident names a "
        "SKU (the rest: the dealer's own share of units): a SKU the dealer seldom bought can "
        "still have incidents",
    )


class ServiceOverdueSettings(SpikeSettings):
    """Complaints and service cases left open too long at month end."""

    p_warning: float = Field(
        3e-3,
        gt=0,
        lt=1,
        description="sensitivity: tail probability at which it alerts. Looser than a new "
        "count's: a case left open counts again at every month end until it is closed, so "
        "the spread measured over month ends is wider than a month's new cases have, and the "
        "tail probability is conservative (min_count still asks for 4 overdue cases); split "
        "between the count and its share of the recent cases",
    )
    overdue_days: int = Field(
        30, ge=1, description="a case still open this many days after it was opened is overdue"
    )
    recent_days: int = Field(
        120,
        ge=1,
        description="only cases opened within this many days before month end count: an old "
        "forgotten backlog is known already and would hide a new failure to follow up",
    )
    min_count: int = Field(
        4, ge=1, description="minimum volume: fewest overdue open cases that can alert"
    )


class SellthroughSettings(IndicatorSettings):
    """Sell-in running ahead of sell-out: stock piling up at the dealer."""

    p_warning: float = Field(
        3e-3,
        gt=0,
        lt=1,
        description="sensitivity: tail probability of the sell-out's fall (against its own "
        "level, noise and peers) at which it alerts, when the sell-in did not follow it. "
        "Looser than a lone test's: the gap must also pass min_gap, min_sellout_drop and "
        "persistence, which the tail probability does not count",
    )
    p_critical: float = Field(1e-6, gt=0, lt=1, description="tail probability for critical")

    windows: tuple[int, ...] = Field(
        (1, 3),
        min_length=1,
        description="months of sell-in and sell-out compared: the sell-out's fall is judged, "
        "and reported sell-out is smooth enough to show it within a month or two; 3 months "
        "catch a slower fade (the sensitivity is split between them)",
    )
    usual_months: int = Field(
        12,
        ge=3,
        description="months before the window that set the dealer's usual sell-in per unit sold",
    )
    min_gap: float = Field(
        0.4,
        gt=0,
        description="sell-in at least this fraction above what the dealer's usual sell-through "
        "of its sell-out predicts",
    )
    critical_gap: float = Field(1.0, gt=0, description="sell-in this fraction above for critical")
    min_sellout_drop: float = Field(
        0.2,
        gt=0,
        lt=1,
        description="the window's sell-out at least this fraction below its own level before "
        "the window (after the peers' change): stock piles up because sales fall while buying "
        "goes on; a dealer that only buys more (a season, a project) sells more later",
    )
    persistence: int = Field(
        2,
        ge=1,
        description="months in a row the gap must show: a sell-out report that arrives a month "
        "late opens a gap for one month only",
    )
    min_units: float = Field(
        20,
        ge=0,
        description="minimum volume: units a month the dealer usually sells out (its level "
        "before the window x the peers' move; not the fallen sales, or the fall would hide "
        "itself)",
    )
    direction: Direction = Field("up", description="up: sell-in ahead of sell-out (stock piles up)")


class CategorySpikeSettings(SpikeSettings):
    """Complaints of one category (logistics, packaging, design) rising against peers: in
    number, or as a share of all the dealer's complaints."""

    p_warning: float = Field(
        1e-4,
        gt=0,
        lt=1,
        description="sensitivity: tail probability at which it alerts (looser than a lone "
        "count's: a burst is told once, not again by the two-month window that still holds "
        "it; and split between the count and the share test)",
    )

    categories: tuple[str, ...] = Field(
        ("logistics", "packaging", "design"),
        min_length=1,
        description="complaint categories watched one by one",
    )
    combined: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: {"logistics and packaging": ("logistics", "packaging")},
        description="categories also watched together, under a name of their own: one delivery "
        "problem (a carrier, a warehouse) shows up as logistics and as packaging complaints, "
        "and their sum rises clearly where neither alone does",
    )
    min_count: int = Field(
        4, ge=1, description="minimum volume: fewest complaints of the category in the window"
    )
    windows: tuple[int, ...] = Field(
        (1, 2), min_length=1, description="months summed before testing (see complaint_spike)"
    )


class StyleShiftSettings(IndicatorSettings):
    """A dealer's orders of its region's best-selling styles collapsing (it buys them elsewhere)."""

    p_warning: float = Field(
        5e-5, gt=0, lt=1, description="sensitivity: tail probability at which it alerts"
    )
    p_critical: float = Field(1e-8, gt=0, lt=1, description="tail probability for critical")

    top_styles: int = Field(
        2,
        ge=1,
        description="the region's best-selling styles watched (by its dealers' monthly shares "
        "of order lines: each dealer-month counts once)",
    )
    region_months: int = Field(
        12, ge=1, description="months of the region's orders that rank the styles"
    )
    windows: tuple[int, ...] = Field(
        (1, 2, 3),
        min_length=1,
        description="months of the dealer's order lines tested: 1 catches a sharp switch of a "
        "busy dealer, 2 and 3 a quieter one whose lines of a month or two are too few to tell "
        "(the sensitivity is split between them)",
    )
    usual_months: int = Field(
        12, ge=3, description="months before the window that set the dealer's usual share"
    )
    min_share: float = Field(
        0.2,
        gt=0,
        lt=1,
        description="the dealer's usual share of order lines in those styles; below it the "
        "styles are not its business anyway",
    )
    min_drop: float = Field(
        0.5, gt=0, lt=1, description="fall of that share (fraction of the usual share) to alert"
    )
    critical_drop: float = Field(0.8, gt=0, lt=1, description="fall of the share for critical")
    min_lines: int = Field(
        10, ge=1, description="minimum volume: order lines a month in the window worth judging"
    )


class HealthSettings(Section):
    """The monthly health grade per dealer (dealer_health): dormant, declining, at risk,
    growing, stable, or new (less than a year and a quarter of history to compare with)."""

    dormant_months: int = Field(
        3, ge=1, description="months in a row without an order that make a dealer dormant"
    )
    recent_months: int = Field(
        3, ge=1, description="months an alert keeps a dealer declining (a drop) or at risk"
    )
    growing: float = Field(
        0.2,
        gt=0,
        description="rise of units ordered in the last `recent_months` months against the same "
        "months a year before (fraction) that makes a dealer without alerts growing",
    )
    declining: float = Field(
        0.3,
        gt=0,
        lt=1,
        description="fall of those units against a year before (fraction) that makes a dealer "
        "declining even without a drop alert",
    )


class DetectOverride(Section):
    """Thresholds for one region and/or tier: `{region: North, order_drop: {min_drop: 0.5}}`.
    Later overrides win over earlier ones; unnamed settings keep their values."""

    region: str | None = Field(None, description="the region it applies to; None = every region")
    tier: str | None = Field(None, description="the tier it applies to; None = every tier")
    sections: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="indicator sections and the values that change"
    )

    @model_validator(mode="before")
    @classmethod
    def _collect_sections(cls, data: Any) -> Any:
        """Every key besides region and tier is a detect section: `order_drop: {...}`."""
        if not isinstance(data, dict) or "sections" in data:
            return data
        scope = {k: v for k, v in data.items() if k in ("region", "tier")}
        return scope | {"sections": {k: v for k, v in data.items() if k not in scope}}

    def applies_to(self, region: str | None, tier: str | None) -> bool:
        return (self.region is None or self.region == region) and (
            self.tier is None or self.tier == tier
        )


class DetectOverrides(RootModel[list[DetectOverride]]):
    root: list[DetectOverride] = Field(
        default_factory=list,
        description="per region/tier thresholds, e.g. [{region: North, order_drop: {min_drop: 0.5}}]",
    )


class DetectSettings(Section):
    baseline: BaselineSettings = BaselineSettings()
    order_drop: DropSettings = DropSettings()
    sales_drop: SalesDropSettings = SalesDropSettings()
    price_drop: PriceDropSettings = PriceDropSettings()
    # Judged against both the usual monthly rate and the rate per order, the lesser
    # surprise counts (detect/spikes.py::least_surprised): a dealer whose orders ramp up
    # no longer alerts on its own growth, and a dealer with few orders so far borrows the
    # network's rate per order, which pays for a looser level than 3e-5. Chosen on 12
    # independent sets: 1e-3 against 3e-4 (recall 0.806 -> 0.814, false alerts 0.92 -> 1.16
    # per 1000 dealer-months); 7e-4 once the peers' change was no longer biased up (same
    # recall as 1e-3, false alerts 1.41 -> 1.29).
    complaint_spike: SpikeSettings = SpikeSettings(p_warning=7e-4)
    quality_spike: QualitySpikeSettings = QualitySpikeSettings()
    service_overdue: ServiceOverdueSettings = ServiceOverdueSettings()
    sellthrough_gap: SellthroughSettings = SellthroughSettings()
    category_spike: CategorySpikeSettings = CategorySpikeSettings()
    style_shift: StyleShiftSettings = StyleShiftSettings()
    health: HealthSettings = HealthSettings()
    overrides: DetectOverrides = DetectOverrides()

    @model_validator(mode="after")
    def _overrides_are_valid(self) -> DetectSettings:
        """Apply each override once at start-up, so a misspelled threshold fails here."""
        for override in self.overrides.root:
            self._with(override)
        return self

    def _with(self, override: DetectOverride) -> DetectSettings:
        unknown = sorted(
            set(override.sections) - set(type(self).model_fields) - {"overrides", "health"}
        )
        if unknown:
            raise ValueError(f"overrides: unknown detect section(s) {', '.join(unknown)}")
        changed = {}
        for name, values in override.sections.items():
            section = getattr(self, name)
            try:
                changed[name] = type(section).model_validate(section.model_dump() | values)
            except ValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
                )
                raise ValueError(
                    f"overrides for region {override.region} tier {override.tier}: {name}: {problems}"
                ) from None
        return self.model_copy(update=changed)

    def for_group(self, region: str | None, tier: str | None) -> DetectSettings:
        """The settings of dealers in this region and tier: defaults, then matching overrides."""
        settings = self
        for override in self.overrides.root:
            if override.applies_to(region, tier):
                settings = settings._with(override)
        return settings


class SmtpSettings(Section):
    """The mail server; without a host, e-mails are written as .eml files to the outbox folder.

    Set from the environment, e.g. `DEALER_WARNINGS_NOTIFY__SMTP__HOST=mail.example.com`.
    """

    host: str | None = Field(None, description="SMTP server; None = write .eml files instead")
    port: int = Field(587, ge=1, le=65535, description="587 for starttls, 465 for ssl, 25 for none")
    security: Literal["none", "starttls", "ssl"] = Field(
        "starttls", description="how the connection is encrypted"
    )
    username: str | None = Field(None, description="login; None = send without logging in")
    password: SecretStr | None = Field(None, description="never printed: shows as **********")
    timeout_seconds: float = Field(30, gt=0, description="give up on a silent server after this")
    ca_file: Path | None = Field(
        None,
        description="PEM file of the certificate(s) to trust for the server instead of the "
        "system's, e.g. a company CA; None = the system's",
    )
    verify: bool = Field(
        True, description="check the server's certificate; False only for a server you trust"
    )


class NotifySettings(Section):
    smtp: SmtpSettings = SmtpSettings()
    smtp_block: str | None = Field(
        None,
        description="name of a Prefect EmailServerCredentials block (prefect-email) to take the "
        "SMTP server, port, security and login from instead of `smtp`; None = `smtp`",
    )
    report_base_url: str | None = Field(
        None,
        description="URL where report.out_dir is served (e.g. https://intranet/dealer-reports); "
        "digests then link the month's report; None = no link",
    )
    sender: str = Field("dealer-warnings@localhost", description="From address of the e-mails")
    outbox_dir: Path | None = Field(
        None, description="where .eml files go without an SMTP host; None = outbox/ next to the db"
    )
    routing_file: Path | None = Field(
        None,
        description="YAML: languages, region/tier rules, fallback, director; None = managers only",
    )
    delivery_retries: int = Field(
        2, ge=0, description="nightly flow: times the notify task retries undelivered e-mails"
    )
    delivery_retry_delay_seconds: int = Field(
        300, ge=0, description="wait between those retries: a mail server outage often passes"
    )


class ReportSettings(Section):
    nightly: bool = Field(True, description="the nightly flow writes the month's HTML report")
    out_dir: Path | None = Field(
        None,
        description="where the nightly flow writes reports, one folder per month (2026-10/); "
        "None = report/ next to the warehouse",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DEALER_WARNINGS_", env_nested_delimiter="__", extra="forbid"
    )

    warehouse: WarehouseSettings = WarehouseSettings()
    ingest: IngestSettings = IngestSettings()
    detect: DetectSettings = DetectSettings()
    notify: NotifySettings = NotifySettings()
    report: ReportSettings = ReportSettings()
    top_n: int = Field(10, ge=1, description="dealers shown in the run summary")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # First wins: flags (init arguments), then the environment, then the YAML file.
        return init_settings, env_settings, YamlConfigSettingsSource(settings_cls)


def load_settings(
    config_path: Path | None = None, overrides: dict[str, Any] | None = None
) -> Settings:
    """Settings from defaults < the YAML file < the environment < flags (`overrides`).

    The file is `config_path`, else `dealer-warnings.yaml` in the working directory if present.
    """
    path = config_path or (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None)
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(f"config file {path} does not exist")
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        if content is not None and not isinstance(content, dict):
            raise ValueError(f"config file {path}: expected a mapping of sections at the top")

    class FromFile(Settings):
        model_config = SettingsConfigDict(yaml_file=path, title="Settings")

    loaded = FromFile(**(overrides or {}))
    return Settings.model_construct(_fields_set=loaded.model_fields_set, **dict(loaded))
