"""Settings: defaults < YAML file < environment < flags, every value validated."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from dealer_warnings.config import DetectSettings, Settings, load_settings

ENV_MIN_DROP = "DEALER_WARNINGS_DETECT__ORDER_DROP__MIN_DROP"


@pytest.fixture(autouse=True)
def clean_environment(tmp_path, monkeypatch):
    """No settings from the caller's environment or a dealer-warnings.yaml where tests run."""
    for name in [n for n in os.environ if n.startswith("DEALER_WARNINGS_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def config_file(tmp_path: Path, content: dict) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(yaml.safe_dump(content), encoding="utf-8")
    return path


def test_defaults_validate_and_are_what_the_docs_say():
    settings = load_settings()

    assert Settings.model_validate(settings.model_dump()) == settings
    assert settings.detect.order_drop.min_drop == 0.3
    assert settings.detect.sales_drop.min_baseline == 500
    assert settings.detect.quality_spike.min_count == 4
    assert settings.detect.baseline.min_history_months == 6
    assert settings.ingest.run_date is None
    assert settings.top_n == 10


def test_every_threshold_has_a_description():
    undocumented = [
        f"{section}.{name}"
        for section, model in DetectSettings.model_fields.items()
        for name, field in model.annotation.model_fields.items()
        if not field.description
    ]
    assert undocumented == []


def test_a_yaml_file_overrides_the_defaults(tmp_path):
    path = config_file(
        tmp_path,
        {
            "detect": {"order_drop": {"min_drop": 0.3}, "complaint_spike": {"min_count": 3}},
            "ingest": {"run_date": "2026-10-31", "aliases": {"Kundennummer": "dealer_id"}},
            "top_n": 25,
        },
    )
    settings = load_settings(path)

    assert settings.detect.order_drop.min_drop == 0.3
    assert settings.detect.order_drop.critical_drop == 0.7  # untouched
    assert settings.detect.complaint_spike.min_count == 3
    assert settings.ingest.run_date == date(2026, 10, 31)
    assert settings.ingest.aliases == {"Kundennummer": "dealer_id"}
    assert settings.top_n == 25


def test_dealer_warnings_yaml_in_the_working_folder_is_read_by_default(tmp_path):
    (tmp_path / "dealer-warnings.yaml").write_text("top_n: 3\n", encoding="utf-8")
    assert load_settings().top_n == 3


def test_the_environment_overrides_the_file(tmp_path, monkeypatch):
    path = config_file(
        tmp_path, {"detect": {"order_drop": {"min_drop": 0.3, "critical_drop": 0.8}}}
    )
    monkeypatch.setenv(ENV_MIN_DROP, "0.55")

    settings = load_settings(path)

    assert settings.detect.order_drop.min_drop == 0.55
    assert settings.detect.order_drop.critical_drop == 0.8  # the file's other value stays


def test_flags_override_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_MIN_DROP, "0.55")
    settings = load_settings(overrides={"detect": {"order_drop": {"min_drop": 0.25}}})
    assert settings.detect.order_drop.min_drop == 0.25


def test_overriding_one_threshold_keeps_the_indicators_other_defaults(tmp_path):
    # sales_drop and quality_spike ship their own defaults (min_baseline 500, min_count 4);
    # tuning one of their thresholds must not swap the others for the generic ones.
    path = config_file(
        tmp_path,
        {"detect": {"sales_drop": {"min_drop": 0.3}, "quality_spike": {"p_warning": 0.01}}},
    )
    settings = load_settings(path)

    assert settings.detect.sales_drop.min_drop == 0.3
    assert settings.detect.sales_drop.min_baseline == 500
    assert settings.detect.quality_spike.p_warning == 0.01
    assert settings.detect.quality_spike.min_count == 4


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ({"detect": {"order_drop": {"min_drop": 1.5}}}, "detect.order_drop.min_drop"),
        ({"detect": {"baseline": {"min_history_months": 1}}}, "detect.baseline.min_history_months"),
        (
            {"detect": {"complaint_spike": {"min_count": "many"}}},
            "detect.complaint_spike.min_count",
        ),
        ({"ingest": {"run_date": "last tuesday"}}, "ingest.run_date"),
        ({"top_n": 0}, "top_n"),
        ({"tpo_n": 5}, "tpo_n"),
    ],
)
def test_an_invalid_value_fails_naming_the_field(tmp_path, content, field):
    with pytest.raises(ValidationError) as error:
        load_settings(config_file(tmp_path, content))

    assert field in str(error.value)


def test_an_invalid_environment_value_fails_naming_the_field(monkeypatch):
    monkeypatch.setenv(ENV_MIN_DROP, "-2")
    with pytest.raises(ValidationError, match=r"detect\.order_drop\.min_drop"):
        load_settings()


def test_a_misspelled_threshold_is_an_error_not_silently_ignored(tmp_path):
    path = config_file(tmp_path, {"detect": {"order_drop": {"min_dorp": 0.5}}})
    with pytest.raises(ValidationError, match="min_dorp"):
        load_settings(path)


def test_a_config_file_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing\.yaml"):
        load_settings(tmp_path / "missing.yaml")


def test_a_config_file_that_is_not_a_mapping_is_an_error(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- top_n\n- 5\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected a mapping"):
        load_settings(path)
