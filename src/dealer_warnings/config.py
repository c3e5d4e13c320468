"""One validated settings object: defaults < YAML file < environment < command-line flags.

Every threshold has a name, a default, a unit and a reason (the Field description), so a user
tuning sensitivity reads one file. Environment variables use the prefix `DEALER_WARNINGS_` and
`__` between levels, e.g. `DEALER_WARNINGS_DETECT__ORDER_DROP__MIN_DROP=0.5`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_CONFIG_FILE = Path("dealer-warnings.yaml")


class WarehouseSettings(BaseModel):
    memory_limit: str = Field("4GB", description="DuckDB memory_limit; spills to temp_dir above it")
    threads: int | None = Field(None, description="DuckDB threads; None = one per core")
    temp_dir: Path | None = Field(None, description="DuckDB spill directory; None = next to the db")


class IngestSettings(BaseModel):
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="extra header aliases (export header -> contract column), added to the shipped ones",
    )
    run_date: date | None = Field(
        None, description="the date rows may not be after; None = today (set it to replay history)"
    )


class BaselineSettings(BaseModel):
    """How a dealer's own history and its peers give the expected value for a month."""

    baseline_months: int = Field(
        6, ge=2, description="months of own history in the baseline median"
    )
    min_history_months: int = Field(
        6,
        ge=2,
        description="months of history a dealer needs before it can alert; fewer = no verdict",
    )
    noise_months: int = Field(
        12, ge=3, description="months used to measure how noisy the dealer's series normally is"
    )
    min_peer_group: int = Field(
        5,
        ge=2,
        description="dealers a region+tier group needs; smaller groups fall back to the region",
    )


class DropSettings(BaseModel):
    """A fall of a monthly amount against the dealer's peer-adjusted baseline."""

    min_drop: float = Field(
        0.4, gt=0, lt=1, description="fraction below the expected value to alert"
    )
    critical_drop: float = Field(
        0.7, gt=0, lt=1, description="fraction below expected for critical"
    )
    z_warning: float = Field(
        4.0, gt=0, description="robust z-score (vs the dealer's own noise) needed to alert"
    )
    min_baseline: float = Field(
        20, ge=0, description="smallest monthly baseline (units or money) worth alerting on"
    )
    max_count_p: float = Field(
        0.001,
        gt=0,
        le=1,
        description="Poisson chance of so few orders (sell-in) or units (sell-out) that may "
        "still alert; keeps small dealers' empty months quiet",
    )
    windows: tuple[int, ...] = Field(
        (1, 3),
        min_length=1,
        description="months summed before testing: 1 catches a sudden fall, 3 a lasting one "
        "of a noisy dealer",
    )


class PriceDropSettings(BaseModel):
    """Like-for-like price index: each SKU against its own recent price for that dealer."""

    min_drop: float = Field(0.08, gt=0, lt=1, description="index fall (fraction) to alert")
    critical_drop: float = Field(0.2, gt=0, lt=1, description="index fall (fraction) for critical")
    price_months: int = Field(6, ge=1, description="months of the SKU's own price history")
    min_coverage: float = Field(
        0.5, gt=0, le=1, description="share of the month's units on SKUs with a price history"
    )
    min_units: int = Field(10, ge=1, description="units in the month on comparable SKUs")
    z_warning: float = Field(
        3.0, gt=0, description="robust z-score of the index fall vs the dealer's own wobble"
    )


class SpikeSettings(BaseModel):
    """A count jumping above its expected rate (Poisson test: small counts are judged fairly)."""

    p_warning: float = Field(1e-3, gt=0, lt=1, description="Poisson tail probability to alert")
    p_critical: float = Field(1e-6, gt=0, lt=1, description="Poisson tail probability for critical")
    min_count: int = Field(5, ge=1, description="fewest events in the month that can alert")
    min_ratio: float = Field(2.0, gt=1, description="count must be at least this x expected")
    baseline_months: int = Field(12, ge=3, description="months of history for the expected rate")


class DetectSettings(BaseModel):
    baseline: BaselineSettings = BaselineSettings()
    order_drop: DropSettings = DropSettings()
    sales_drop: DropSettings = DropSettings(min_baseline=500)
    price_drop: PriceDropSettings = PriceDropSettings()
    complaint_spike: SpikeSettings = SpikeSettings()
    quality_spike: SpikeSettings = SpikeSettings(min_count=4)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DEALER_WARNINGS_", env_nested_delimiter="__", extra="forbid"
    )

    warehouse: WarehouseSettings = WarehouseSettings()
    ingest: IngestSettings = IngestSettings()
    detect: DetectSettings = DetectSettings()
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
        # init = the YAML file plus flags (merged in load_settings), then env, then defaults.
        return env_settings, init_settings


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(
    config_path: Path | None = None, overrides: dict[str, Any] | None = None
) -> Settings:
    """Settings from the YAML file (default `dealer-warnings.yaml` if present), env and flags.

    Flags (`overrides`) win over the environment, which wins over the file.
    """
    path = config_path or (DEFAULT_CONFIG_FILE if DEFAULT_CONFIG_FILE.exists() else None)
    from_file: dict[str, Any] = {}
    if path is not None:
        if not path.exists():
            raise FileNotFoundError(f"config file {path} does not exist")
        from_file = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(from_file, dict):
            raise ValueError(f"config file {path}: expected a mapping of sections at the top")
    from_env_and_file = Settings(**from_file)
    if not overrides:
        return from_env_and_file
    return Settings.model_validate(_deep_merge(from_env_and_file.model_dump(), overrides))
