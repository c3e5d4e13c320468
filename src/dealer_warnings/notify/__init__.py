"""Notification: the alert lifecycle, routing, e-mail digests and their delivery.

Reads what detection stored (alerts, dealer_risk, dealer_month, stg_dealers) and never
recomputes an indicator; detection never sends mail. `pipeline.notify` runs the two halves:
`prepare_messages` decides and records the e-mails in one transaction, `deliver_pending` sends
every one not yet sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from dealer_warnings.notify.delivery import Delivery, deliver_pending
from dealer_warnings.notify.digests import Decided, NotDetected, prepare_messages, report_link
from dealer_warnings.notify.lifecycle import STATUSES
from dealer_warnings.notify.routing import load_routing
from dealer_warnings.notify.silences import silence

__all__ = [
    "NotDetected",
    "NotifyReport",
    "deliver_pending",
    "load_routing",
    "prepare_messages",
    "report_link",
    "silence",
]


@dataclass(frozen=True)
class NotifyReport:
    decided: Decided
    delivery: Delivery

    def summary(self) -> str:
        decided, delivery = self.decided, self.delivery
        events = ", ".join(f"{decided.events[s]} {s}" for s in STATUSES if decided.events[s])
        told = ", ".join(f"{decided.due[s]} {s}" for s in STATUSES if decided.due[s])
        lines = [
            f"Alert lifecycle {decided.month:%Y-%m}: {events or 'no alerts'}; "
            f"to tell now: {told or 'nothing new'} "
            f"({decided.held_back} told before or acknowledged/snoozed)."
        ]
        if decided.unrouted:
            shown = ", ".join(decided.unrouted[:5]) + (", ..." if len(decided.unrouted) > 5 else "")
            lines.append(
                f"  nobody to tell about {len(decided.unrouted)} dealer(s) without a manager "
                f"e-mail ({shown}): set `fallback` in the routing file"
            )
        how = (
            f"sent to {delivery.destination}"
            if delivery.destination.startswith("smtp://")
            else f"written as .eml files to {delivery.destination} (no SMTP host configured)"
        )
        lines.append(f"E-mails: {decided.created} new, {delivery.sent} {how}.")
        if delivery.undelivered:
            lines.append(
                f"  {delivery.undelivered} not delivered yet ({delivery.error}); "
                "they stay in the outbox and are retried on the next run."
            )
        return "\n".join(lines)
