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
from pydantic import BaseModel, ConfigDict, Field
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


class IngestSettings(Section):
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="extra header aliases (export header -> contract column), added to the shipped ones",
    )
    run_date: date | None = Field(
        None, description="the date rows may not be after; None = today (set it to replay history)"
    )


class BaselineSettings(Section):
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


class DropSettings(Section):
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
    min_count_z: float = Field(
        3.0,
        gt=0,
        description="fall in units, in standard deviations of a compound Poisson count of "
        "lumpy orders, needed to alert; keeps a small dealer's empty month quiet",
    )
    windows: tuple[int, ...] = Field(
        (1, 3),
        min_length=1,
        description="months summed before testing: 1 catches a sudden fall, 3 a lasting one "
        "of a noisy dealer",
    )


class PriceDropSettings(Section):
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


class SpikeSettings(Section):
    """A count jumping above its expected rate (Poisson test: small counts are judged fairly)."""

    p_warning: float = Field(1e-3, gt=0, lt=1, description="Poisson tail probability to alert")
    p_critical: float = Field(1e-6, gt=0, lt=1, description="Poisson tail probability for critical")
    min_count: int = Field(5, ge=1, description="fewest events in the month that can alert")
    min_ratio: float = Field(2.0, gt=1, description="count must be at least this x expected")
    baseline_months: int = Field(12, ge=3, description="months of history for the expected rate")


class SalesDropSettings(DropSettings):
    min_baseline: float = Field(
        500, ge=0, description="smallest monthly sell-out (money) worth alerting on"
    )


class QualitySpikeSettings(SpikeSettings):
    min_count: int = Field(4, ge=1, description="fewest incidents in the month that can alert")


class DetectSettings(Section):
    baseline: BaselineSettings = BaselineSettings()
    order_drop: DropSettings = DropSettings()
    sales_drop: SalesDropSettings = SalesDropSettings()
    price_drop: PriceDropSettings = PriceDropSettings()
    complaint_spike: SpikeSettings = SpikeSettings()
    quality_spike: QualitySpikeSettings = QualitySpikeSettings()


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
