"""Writes to the reference data: loading a data file, retiring objects."""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from django.db import models, transaction

from audit import log as audit
from framework.dataset import Dataset
from framework.models import (
    Crime,
    Indicator,
    Pillar,
    PillarTool,
    PolicyTool,
    ReferenceModel,
    Report,
    RiskFactor,
    RiskLevel,
    ThresholdSet,
    ToolMapping,
)

M = TypeVar("M", bound=ReferenceModel)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass
class LoadReport:
    counts: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1

    def total(self, outcome: str) -> int:
        return sum(counter[outcome] for counter in self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{kind}: {c[CREATED]} created, {c[UPDATED]} updated, {c[UNCHANGED]} unchanged"
            for kind, c in self.counts.items()
        ]


class _Loader:
    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.report = LoadReport()

    def upsert(
        self,
        kind: str,
        model: type[M],
        code: str,
        values: dict[str, Any],
        m2m: dict[str, list[models.Model]] | None = None,
    ) -> M:
        """Create or update the object with this code; retirement (is_active) is left alone."""
        # django-stubs types the manager of type[M] by M's bound; it holds M's rows.
        manager = cast("models.Manager[M]", model._default_manager)
        obj = manager.filter(code=code).first()
        if obj is None:
            obj = model(code=code, **values)
            obj._change_reason = self.reason
            obj.save()
            outcome = CREATED
        else:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            for name in changed:
                setattr(obj, name, values[name])
            if changed:
                obj._change_reason = self.reason
                obj.save(update_fields=changed)
            outcome = UPDATED if changed else UNCHANGED
        for name, related in (m2m or {}).items():
            manager = getattr(obj, name)
            wanted = {item.pk for item in related}
            if set(manager.values_list("pk", flat=True)) != wanted:
                manager.set(related)
                if outcome == UNCHANGED:
                    outcome = UPDATED
        self.report.add(kind, outcome)
        return obj


@transaction.atomic
def load_framework(dataset: Dataset) -> LoadReport:
    """Upsert every object of a validated data set by code, in one transaction; the audit
    log gets one entry for the load (not one per object) when it changed anything."""
    with audit.suppressed():
        report = _load(dataset)
    if report.total(CREATED) or report.total(UPDATED):
        audit.record(
            "reference_loaded",
            data={
                "file": str(dataset.path),
                "counts": {kind: dict(counter) for kind, counter in report.counts.items()},
            },
        )
    return report


def _load(dataset: Dataset) -> LoadReport:
    loader = _Loader(reason=f"load_framework {dataset.path}")
    records = dataset.records

    crimes = {
        item["code"]: loader.upsert(
            "crimes",
            Crime,
            item["code"],
            {
                "name": item["name"],
                "legally_defined": item["legally_defined"],
                "legal_basis": item.get("legal_basis", ""),
                "summary": item.get("summary", ""),
                "order": order,
                "translations": item.get("translations", {}),
            },
        )
        for order, item in enumerate(records["crimes"], start=1)
    }
    for item in records["risk_levels"]:
        loader.upsert(
            "risk levels",
            RiskLevel,
            item["code"],
            {
                "name": item["name"],
                "rank": item["rank"],
                "definition": item.get("definition", ""),
                "translations": item.get("translations", {}),
            },
        )
    reports = {
        item["code"]: loader.upsert(
            "reports",
            Report,
            item["code"],
            {
                "year": item["year"],
                "title": item["title"],
                "symbol": item["symbol"],
                "translations": item.get("translations", {}),
            },
        )
        for item in records["reports"]
    }
    pillars = {
        item["code"]: loader.upsert(
            "pillars",
            Pillar,
            item["code"],
            {
                "number": item["number"],
                "title": item["title"],
                "summary": item.get("summary", ""),
                "translations": item.get("translations", {}),
            },
            m2m={"reports": [reports[code] for code in item.get("reports", [])]},
        )
        for item in records["pillars"]
    }
    tools = {
        item["code"]: loader.upsert(
            "policy tools",
            PolicyTool,
            item["code"],
            {
                "name": item["name"],
                "coercive": item.get("coercive", False),
                "last_resort": item.get("last_resort", False),
                "translations": item.get("translations", {}),
            },
        )
        for item in records["tools"]
    }
    entries = {
        item["code"]: loader.upsert(
            "pillar/tool entries",
            PillarTool,
            item["code"],
            {
                "pillar_id": pillars[item["pillar"]].pk,
                "tool_id": tools[item["tool"]].pk,
                "description": item.get("description", ""),
                "order": item.get("order", 0),
                "translations": item.get("translations", {}),
            },
        )
        for item in records["pillar_tools"]
    }
    factors = {
        item["code"]: loader.upsert(
            "risk factors",
            RiskFactor,
            item["code"],
            {
                "number": item["number"],
                "title": item["title"],
                "summary": item.get("summary", ""),
                "kind": item["kind"],
                "is_conduct": item.get("is_conduct", False),
                "indicators_complete": item.get("indicators_complete", True),
                "verification": item.get("verification", ""),
                "translations": item.get("translations", {}),
            },
            m2m={"crimes": [crimes[code] for code in item.get("crimes", [])]},
        )
        for item in records["risk_factors"]
    }
    indicators = {
        row["code"]: loader.upsert(
            "indicators",
            Indicator,
            row["code"],
            {
                "factor_id": factors[row["factor"]].pk,
                "label": row["label"],
                "order": row["order"],
                "source_confidence": row.get("confidence", Indicator.Confidence.ADMIN),
                "translations": row.get("translations", {}),
            },
        )
        for row in dataset.indicators
    }
    for item in records["mappings"]:
        indicator = item.get("indicator")
        loader.upsert(
            "mappings",
            ToolMapping,
            item["code"],
            {
                "factor_id": factors[item["factor"]].pk,
                "indicator_id": indicators[indicator].pk if indicator else None,
                "entry_id": entries[item["entry"]].pk,
                "strength": item["strength"],
                "rationale": item["rationale"],
            },
        )
    for item in records["thresholds"]:
        skip = ("code", "imminent_enabling_factors")
        values = {key: value for key, value in item.items() if key not in skip}
        loader.upsert(
            "thresholds",
            ThresholdSet,
            item["code"],
            values,
            m2m={
                "imminent_enabling_factors": [
                    factors[code] for code in item["imminent_enabling_factors"]
                ]
            },
        )
    return loader.report


def retire(obj: ReferenceModel, *, reason: str = "") -> None:
    """Take a reference object out of use without deleting it."""
    obj.is_active = False
    obj._change_reason = reason or "retired"
    obj.save(update_fields=["is_active"])
