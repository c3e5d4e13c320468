# ruff: noqa: RUF001  (Chinese text uses full-width punctuation on purpose)
"""The fixed text of the e-mails in English, Chinese and Spanish.

Only the template's own words and the indicators' names are translated; alert explanations
are shown as stored. The tests hold every indicator of `detect.INDICATORS` to a name here.
"""

from __future__ import annotations

from datetime import date

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "subject_digest": "Dealer warnings {month}: {dealers} dealer(s) ({changes})",
        "subject_summary": "Dealer warnings {month}: daily summary, top {top_n} dealers",
        "title_digest": "Dealers that need your attention",
        "title_summary": "Daily summary: the top {top_n} dealers across all managers",
        "greeting": "Hello {name},",
        "intro_digest": "what changed in the alerts of {month} since your last digest:",
        "intro_summary": "the dealers to call first in {month}, for all managers; changes in this run:",
        "nothing_changed": "none",
        "rank": "Rank {rank}",
        "risk": "risk {risk}",
        "manager": "Manager",
        "no_manager": "no manager",
        "chart_caption": "Last 13 months: units ordered (bars), sell-out revenue (line)",
        "resolved_title": "Resolved: no alert in {month}",
        "resolved_line": "last alert in {previous}",
        "ack_hint": "Already on it? Run `dealer-warnings ack DEALER INDICATOR` to stop the "
        "repeats until it gets worse, or `dealer-warnings snooze DEALER INDICATOR --days 14`.",
        "footer": "Sent by dealer-warnings for the alerts of {month} (run of {run_date}).",
        "new": "new",
        "escalated": "escalated",
        "ongoing": "ongoing",
        "resolved": "resolved",
        "warning": "warning",
        "critical": "critical",
        "order_drop": "Order drop",
        "sales_drop": "Sell-out drop",
        "price_drop": "Price drop",
        "complaint_spike": "Complaint spike",
        "quality_spike": "Quality incident spike",
        "service_overdue": "Overdue service cases",
        "sellthrough_gap": "Buying more than it sells",
        "category_spike": "Complaint spike in one category",
        "style_shift": "Best-selling styles dropped",
        "report_link": "Trends, peers and what drove each alert: the report of {month}",
    },
    "zh": {
        "subject_digest": "经销商预警 {month}：{dealers} 家经销商（{changes}）",
        "subject_summary": "经销商预警 {month}：每日汇总，前 {top_n} 家经销商",
        "title_digest": "需要您关注的经销商",
        "title_summary": "每日汇总：所有经理名下风险最高的 {top_n} 家经销商",
        "greeting": "{name}，您好：",
        "intro_digest": "自上次摘要以来，{month} 预警的变化：",
        "intro_summary": "{month} 所有经理名下最应优先联系的经销商；本次运行的变化：",
        "nothing_changed": "无",
        "rank": "第 {rank} 名",
        "risk": "风险 {risk}",
        "manager": "经理",
        "no_manager": "无经理",
        "chart_caption": "最近 13 个月：订货数量（柱）、终端销售额（线）",
        "resolved_title": "已解除：{month} 无预警",
        "resolved_line": "最后一次预警在 {previous}",
        "ack_hint": "已在处理？运行 `dealer-warnings ack 经销商编码 指标` 可停止重复提醒，"
        "直到情况恶化；或 `dealer-warnings snooze 经销商编码 指标 --days 14`。",
        "footer": "由 dealer-warnings 针对 {month} 的预警发送（运行日期 {run_date}）。",
        "new": "新增",
        "escalated": "升级",
        "ongoing": "持续",
        "resolved": "已解除",
        "warning": "警告",
        "critical": "严重",
        "order_drop": "订货量下降",
        "sales_drop": "终端销售下降",
        "price_drop": "价格下降",
        "complaint_spike": "投诉激增",
        "quality_spike": "质量事件激增",
        "service_overdue": "服务工单超期未处理",
        "sellthrough_gap": "进货远超终端销售",
        "category_spike": "某类投诉激增",
        "style_shift": "畅销款式订货骤减",
        "report_link": "趋势、同行对比及每条预警的成因：{month} 报告",
    },
    "es": {
        "subject_digest": "Alertas de distribuidores {month}: {dealers} distribuidor(es) ({changes})",
        "subject_summary": "Alertas de distribuidores {month}: resumen diario, los {top_n} primeros",
        "title_digest": "Distribuidores que requieren su atención",
        "title_summary": "Resumen diario: los {top_n} distribuidores de mayor riesgo de todos los gestores",
        "greeting": "Hola, {name}:",
        "intro_digest": "lo que cambió en las alertas de {month} desde su último resumen:",
        "intro_summary": "los distribuidores a llamar primero en {month}, de todos los gestores; "
        "cambios en esta ejecución:",
        "nothing_changed": "ninguno",
        "rank": "Puesto {rank}",
        "risk": "riesgo {risk}",
        "manager": "Gestor",
        "no_manager": "sin gestor",
        "chart_caption": "Últimos 13 meses: unidades pedidas (barras), ventas al cliente final (línea)",
        "resolved_title": "Resueltas: sin alerta en {month}",
        "resolved_line": "última alerta en {previous}",
        "ack_hint": "¿Ya se ocupa de ello? `dealer-warnings ack DISTRIBUIDOR INDICADOR` detiene "
        "las repeticiones hasta que empeore, o `dealer-warnings snooze DISTRIBUIDOR INDICADOR "
        "--days 14`.",
        "footer": "Enviado por dealer-warnings para las alertas de {month} (ejecución del {run_date}).",
        "new": "nueva",
        "escalated": "agravada",
        "ongoing": "continúa",
        "resolved": "resuelta",
        "warning": "aviso",
        "critical": "crítica",
        "order_drop": "Caída de pedidos",
        "sales_drop": "Caída de ventas al cliente final",
        "price_drop": "Caída de precios",
        "complaint_spike": "Aumento de reclamaciones",
        "quality_spike": "Aumento de incidencias de calidad",
        "service_overdue": "Casos de servicio vencidos",
        "sellthrough_gap": "Compra más de lo que vende",
        "category_spike": "Aumento de reclamaciones de una categoría",
        "style_shift": "Caída de los estilos más vendidos",
        "report_link": "Tendencias, comparación con sus pares y causas de cada alerta: el informe de {month}",
    },
}

_SPANISH_MONTHS = (
    *("enero", "febrero", "marzo", "abril", "mayo", "junio"),
    *("julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"),
)


def month_name(month: date, language: str) -> str:
    """date(2026, 10, 1) -> 'October 2026', '2026年10月', 'octubre de 2026'."""
    if language == "zh":
        return f"{month.year}年{month.month}月"
    if language == "es":
        return f"{_SPANISH_MONTHS[month.month - 1]} de {month.year}"
    return f"{month:%B %Y}"


def word(language: str, key: str) -> str:
    """A fixed word or phrase; an unknown key (a new indicator's name) as itself."""
    return TEXT[language].get(key, key)
