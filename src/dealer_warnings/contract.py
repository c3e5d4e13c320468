"""The data contract in code: which sources exist, their columns, types, keys and header aliases.

Everything that reads or validates input asks this module, so the contract lives in one place
(see DATA_CONTRACT.md and the README for the users' version).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    MONTH = "month"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False
    min_value: float | None = None
    nonzero: bool = False
    allowed: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Source:
    """One input source: files whose name starts with `name` belong to it."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    event_date: str | None = None  # the column that dates a row (checked against the run date)
    needs_known_dealer: bool = True

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


T = ColumnType
COMPLAINT_CATEGORIES = ("quality", "logistics", "packaging", "service", "design", "other")
SEVERITIES = ("low", "medium", "high")

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "dealers",
            (
                Column("dealer_id", T.TEXT, required=True),
                Column("dealer_name", T.TEXT, required=True),
                Column("region", T.TEXT, required=True),
                Column("tier", T.TEXT),
                Column("manager_name", T.TEXT),
                Column("manager_email", T.TEXT),
                Column("active_since", T.DATE),
            ),
            key=("dealer_id",),
            event_date="active_since",
            needs_known_dealer=False,
        ),
        Source(
            "sales",
            (
                Column("dealer_id", T.TEXT, required=True),
                Column("month", T.MONTH, required=True),
                Column("product_line", T.TEXT),
                Column("revenue", T.DECIMAL, required=True, min_value=0),
                Column("units", T.INTEGER, required=True, min_value=0),
            ),
            key=("dealer_id", "month", "product_line"),
            event_date="month",
        ),
        Source(
            "orders",
            (
                Column("order_id", T.TEXT, required=True),
                Column("line_no", T.INTEGER),
                Column("sku", T.TEXT, required=True),
                Column("dealer_id", T.TEXT, required=True),
                Column("order_date", T.DATE, required=True),
                Column("quantity", T.INTEGER, required=True, nonzero=True),
                Column("unit_price", T.DECIMAL, required=True, min_value=0),
                Column("style", T.TEXT),
            ),
            key=("order_id",),
            event_date="order_date",
        ),
        Source(
            "complaints",
            (
                Column("complaint_id", T.TEXT, required=True),
                Column("dealer_id", T.TEXT, required=True),
                Column("opened_on", T.DATE, required=True),
                Column("category", T.TEXT, required=True, allowed=COMPLAINT_CATEGORIES),
                Column("severity", T.TEXT, allowed=SEVERITIES),
                Column("closed_on", T.DATE),
            ),
            key=("complaint_id",),
            event_date="opened_on",
        ),
        Source(
            "quality",
            (
                Column("incident_id", T.TEXT, required=True),
                Column("dealer_id", T.TEXT, required=True),
                Column("reported_on", T.DATE, required=True),
                Column("sku", T.TEXT),
                Column("defect_type", T.TEXT, required=True),
                Column("units_affected", T.INTEGER, required=True, min_value=0),
            ),
            key=("incident_id",),
            event_date="reported_on",
        ),
    )
}

# Load order matters: dealers first, so the other sources can be matched against them.
SOURCE_ORDER = ("dealers", "sales", "orders", "complaints", "quality")

# Header aliases shipped with the project (Chinese and Spanish exports). Keys are normalised
# with `normalise_header`; users add their own in the config file (`aliases:`).
DEFAULT_ALIASES: dict[str, str] = {
    # dealer_id
    "经销商编码": "dealer_id",
    "经销商代码": "dealer_id",
    "经销商编号": "dealer_id",
    "客户编码": "dealer_id",
    "código_distribuidor": "dealer_id",
    "codigo_distribuidor": "dealer_id",
    "id_distribuidor": "dealer_id",
    "dealer_code": "dealer_id",
    "dealer": "dealer_id",
    # dealers
    "经销商名称": "dealer_name",
    "客户名称": "dealer_name",
    "nombre_distribuidor": "dealer_name",
    "区域": "region",
    "大区": "region",
    "región": "region",
    "等级": "tier",
    "级别": "tier",
    "nivel": "tier",
    "categoría_distribuidor": "tier",
    "负责人": "manager_name",
    "渠道经理": "manager_name",
    "gerente": "manager_name",
    "responsable": "manager_name",
    "负责人邮箱": "manager_email",
    "经理邮箱": "manager_email",
    "correo_gerente": "manager_email",
    "email_gerente": "manager_email",
    "合作开始日期": "active_since",
    "activo_desde": "active_since",
    "fecha_alta": "active_since",
    # sales
    "月份": "month",
    "mes": "month",
    "产品线": "product_line",
    "línea_producto": "product_line",
    "linea_producto": "product_line",
    "销售额": "revenue",
    "销售金额": "revenue",
    "ingresos": "revenue",
    "importe_ventas": "revenue",
    "销售数量": "units",
    "数量_销售": "units",
    "unidades": "units",
    # orders
    "订单号": "order_id",
    "订单编号": "order_id",
    "número_pedido": "order_id",
    "numero_pedido": "order_id",
    "id_pedido": "order_id",
    "行号": "line_no",
    "línea": "line_no",
    "linea": "line_no",
    "物料编码": "sku",
    "产品编码": "sku",
    "código_producto": "sku",
    "codigo_producto": "sku",
    "订单日期": "order_date",
    "下单日期": "order_date",
    "fecha_pedido": "order_date",
    "数量": "quantity",
    "订货数量": "quantity",
    "cantidad": "quantity",
    "单价": "unit_price",
    "净价": "unit_price",
    "precio_unitario": "unit_price",
    "款式": "style",
    "estilo": "style",
    "modelo": "style",
    # complaints
    "投诉编号": "complaint_id",
    "工单号": "complaint_id",
    "id_reclamación": "complaint_id",
    "id_reclamacion": "complaint_id",
    "número_reclamación": "complaint_id",
    "投诉日期": "opened_on",
    "受理日期": "opened_on",
    "fecha_apertura": "opened_on",
    "类别": "category",
    "投诉类别": "category",
    "categoría": "category",
    "categoria": "category",
    "严重程度": "severity",
    "gravedad": "severity",
    "severidad": "severity",
    "关闭日期": "closed_on",
    "结案日期": "closed_on",
    "fecha_cierre": "closed_on",
    # quality
    "事件编号": "incident_id",
    "质量事件编号": "incident_id",
    "id_incidente": "incident_id",
    "报告日期": "reported_on",
    "fecha_reporte": "reported_on",
    "fecha_informe": "reported_on",
    "缺陷类型": "defect_type",
    "tipo_defecto": "defect_type",
    "影响数量": "units_affected",
    "unidades_afectadas": "units_affected",
}

_SPACES = re.compile(r"[\s\-]+")


def normalise_header(header: object) -> str:
    """Case, surrounding spaces and inner spaces/dashes don't matter in a header."""
    return _SPACES.sub("_", str(header).strip().lower())


def source_for_file(file_name: str) -> Source | None:
    """The source a file belongs to, by the start of its name (`orders_2026-10.csv` -> orders)."""
    lowered = file_name.lower()
    return next((SOURCES[n] for n in SOURCE_ORDER if lowered.startswith(n)), None)


# Category and severity values as Chinese and Spanish exports write them.
VALUE_ALIASES: dict[str, dict[str, str]] = {
    "category": {
        "质量": "quality", "物流": "logistics", "包装": "packaging", "服务": "service",
        "设计": "design", "其他": "other", "calidad": "quality", "logística": "logistics",
        "logistica": "logistics", "embalaje": "packaging", "servicio": "service",
        "diseño": "design", "diseno": "design", "otro": "other", "otros": "other",
    },
    "severity": {
        "低": "low", "中": "medium", "高": "high", "baja": "low", "media": "medium",
        "alta": "high", "bajo": "low", "medio": "medium", "alto": "high",
    },
}  # fmt: skip
