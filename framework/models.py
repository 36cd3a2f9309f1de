"""Reference data: the R2P pillars and tools, the Framework of Analysis, and thresholds.

Every object has a stable ``code``; loading upserts by code. Objects are retired
(``is_active`` off), never deleted: every foreign key to a reference object is
``on_delete=PROTECT``, and deleting one (an object or a query's objects, in the admin or in
code) raises ``ProtectedError``, whether anything uses it yet or not: the history of what an
assessment meant depends on it, and a many-to-many link (a crime's factors, a report's
pillars) would otherwise vanish with it.
"""

from collections.abc import Sequence
from typing import Any, ClassVar, NoReturn, Self, TypeVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, router
from django.db.models import ProtectedError
from django.db.models.deletion import Collector
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments import scales

_Reference = TypeVar("_Reference", bound="ReferenceModel")


RETIRE_INSTEAD = _("Reference data is retired, never deleted: turn off “active” instead.")


class ReferenceQuerySet(models.QuerySet[_Reference]):
    def active(self) -> Self:
        return self.filter(is_active=True)

    def delete(self) -> tuple[int, dict[str, int]]:
        objects = list(self)
        if objects:
            refuse_deletion(objects)
        return 0, {}


def refuse_deletion(objects: Sequence["ReferenceModel"]) -> NoReturn:
    """Raise ProtectedError: naming what uses the objects where something does, else saying
    that reference data is never deleted."""
    collector = Collector(using=router.db_for_write(type(objects[0])))
    collector.collect(objects)  # raises ProtectedError for the objects in use, naming the uses
    raise ProtectedError(str(RETIRE_INSTEAD), set(objects))


class ReferenceModel(models.Model):
    code = models.CharField(_("code"), max_length=120, unique=True)
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Retire an object instead of deleting it.")
    )

    objects = ReferenceQuerySet.as_manager()

    # Set before a save: simple-history writes it into the history row as the reason.
    _change_reason: str

    class Meta:
        abstract = True

    def delete(self, using: Any = None, keep_parents: bool = False) -> tuple[int, dict[str, int]]:
        refuse_deletion([self])


class TranslatedReference(ReferenceModel):
    """A reference object whose texts are shown in the reader's language.

    Its own fields hold the English text; ``translations`` the other languages, with whose
    words they are: ``{"fr": {"status": "official" | "working", "<field>": "<text>"}}`` for
    the fields named in ``translatable_fields`` (read with ``framework.i18n.localized``).

    One JSON field rather than django-modeltranslation or django-parler: no column per
    language (modeltranslation needs a migration for every language added) and no extra
    table and join per model (parler), so a page reads a text in any language with the row
    it already fetches; django-simple-history records the translations with the object, in
    the same history row as its English text; and the reference data file carries them in
    the same shape, object by object.
    """

    #: The fields whose text is translated, in the order the admin shows them.
    translatable_fields: ClassVar[tuple[str, ...]] = ()

    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_("The texts in the other languages, each official UN text or a working one."),
    )

    class Meta:
        abstract = True


class Crime(TranslatedReference):
    translatable_fields = ("name", "legal_basis", "summary")

    name = models.CharField(_("name"), max_length=100)
    legally_defined = models.BooleanField(_("legally defined"), default=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("crime")
        verbose_name_plural = _("crimes")

    def __str__(self) -> str:
        return self.name


class RiskLevel(TranslatedReference):
    """A step on the scale of risk (low, then the R2P Monitor categories)."""

    translatable_fields = ("name", "definition")

    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    definition = models.TextField(_("definition"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["rank"]
        verbose_name = _("risk level")
        verbose_name_plural = _("risk levels")

    def __str__(self) -> str:
        return self.name


class Report(TranslatedReference):
    """An annual report of the Secretary-General on R2P."""

    translatable_fields = ("title",)

    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=300)
    symbol = models.CharField(_("document symbol"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        ordering = ["year"]
        verbose_name = _("Secretary-General report")
        verbose_name_plural = _("Secretary-General reports")

    def __str__(self) -> str:
        return f"{self.year}: {self.title} ({self.symbol})"


class Pillar(TranslatedReference):
    translatable_fields = ("title", "summary")

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    reports = models.ManyToManyField(
        Report, blank=True, related_name="pillars", verbose_name=_("reports that elaborate it")
    )
    history = HistoricalRecords(m2m_fields=[reports])

    class Meta:
        ordering = ["number"]
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")

    def __str__(self) -> str:
        return self.title


class PolicyTool(TranslatedReference):
    """A policy tool; it may be listed under more than one pillar (see PillarTool)."""

    translatable_fields = ("name",)

    name = models.CharField(_("name"), max_length=200)
    coercive = models.BooleanField(
        _("coercive"),
        default=False,
        help_text=_("Coercive tools are proposed only at the top of the risk scale."),
    )
    last_resort = models.BooleanField(
        _("last resort"),
        default=False,
        help_text=_("Always marked as a last resort when proposed."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("policy tool")
        verbose_name_plural = _("policy tools")

    def __str__(self) -> str:
        return self.name


class PillarTool(TranslatedReference):
    """A tool as listed under one pillar, with that pillar's description of it."""

    translatable_fields = ("description",)

    pillar = models.ForeignKey(
        Pillar, on_delete=models.PROTECT, related_name="entries", verbose_name=_("pillar")
    )
    tool = models.ForeignKey(
        PolicyTool, on_delete=models.PROTECT, related_name="entries", verbose_name=_("tool")
    )
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pillar__number", "order", "code"]
        verbose_name = _("tool under a pillar")
        verbose_name_plural = _("tools under pillars")
        constraints = [
            models.UniqueConstraint(fields=["pillar", "tool"], name="pillartool_unique_per_pillar")
        ]

    def __str__(self) -> str:
        return f"{self.tool} (P{self.pillar.number})" if self.pillar_id else str(self.tool)


class RiskFactor(TranslatedReference):
    translatable_fields = ("title", "summary", "verification")

    Kind = scales.FactorKind

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=scales.FACTOR_KIND_CHOICES)
    crimes = models.ManyToManyField(
        Crime,
        blank=True,
        related_name="specific_factors",
        verbose_name=_("crimes (specific factors only)"),
    )
    is_conduct = models.BooleanField(
        _("conduct factor"),
        default=False,
        help_text=_("Shows the crime itself under way (used by the current-crisis rule)."),
    )
    indicators_complete = models.BooleanField(
        _("indicator list complete"),
        default=True,
        help_text=_("Off while the indicator list is known to be incomplete."),
    )
    verification = models.TextField(_("verification note"), blank=True)
    history = HistoricalRecords(m2m_fields=[crimes])

    class Meta:
        ordering = ["number"]
        verbose_name = _("risk factor")
        verbose_name_plural = _("risk factors")

    def __str__(self) -> str:
        return f"RF{self.number}. {self.title}"


class Indicator(TranslatedReference):
    translatable_fields = ("label",)

    class Confidence(models.TextChoices):
        VERIFIED = "verified_secondary_source", _("verified against a secondary source")
        RECALLED_HIGH = "recalled_high", _("recalled, high confidence")
        RECALLED_LOW = "recalled_low", _("recalled, low confidence: verify")
        ADMIN = "admin", _("entered by an admin")

    factor = models.ForeignKey(
        RiskFactor,
        on_delete=models.PROTECT,
        related_name="indicators",
        verbose_name=_("risk factor"),
    )
    label = models.TextField(_("label"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    source_confidence = models.CharField(
        _("source confidence"), max_length=40, choices=Confidence.choices, default=Confidence.ADMIN
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["factor__number", "order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"


class ToolMapping(ReferenceModel):
    """A link from a risk factor (or one of its indicators) to a tool under a pillar."""

    factor = models.ForeignKey(
        RiskFactor, on_delete=models.PROTECT, related_name="mappings", verbose_name=_("risk factor")
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="mappings",
        verbose_name=_("indicator"),
        help_text=_("Leave empty when the tool addresses the risk factor as a whole."),
    )
    entry = models.ForeignKey(
        PillarTool,
        on_delete=models.PROTECT,
        related_name="mappings",
        verbose_name=_("tool under a pillar"),
    )
    strength = models.PositiveSmallIntegerField(
        _("strength"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text=_("1 = contributes, 2 = addresses, 3 = directly targets."),
    )
    rationale = models.TextField(_("rationale"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["factor__number", "entry__pillar__number", "entry__order"]
        verbose_name = _("factor-to-tool mapping")
        verbose_name_plural = _("factor-to-tool mappings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(strength__gte=1, strength__lte=3),
                name="toolmapping_strength_1_to_3",
            ),
            models.UniqueConstraint(
                fields=["factor", "entry"],
                condition=models.Q(indicator__isnull=True),
                name="toolmapping_one_factor_link_per_entry",
            ),
            models.UniqueConstraint(
                fields=["indicator", "entry"],
                condition=models.Q(indicator__isnull=False),
                name="toolmapping_one_indicator_link_per_entry",
            ),
        ]

    def __str__(self) -> str:
        target = self.indicator.code if self.indicator is not None else f"RF{self.factor.number}"
        return f"{target} → {self.entry}"


class ThresholdSet(ReferenceModel):
    """The risk and escalation thresholds. The active set with code "default" is used."""

    Severity = scales.Severity
    Level = scales.Level

    name = models.CharField(_("name"), max_length=200)
    crisis_conduct_severity = models.CharField(
        _("current crisis: a conduct factor at"),
        max_length=10,
        choices=scales.THRESHOLD_SEVERITY_CHOICES,
        default=Severity.HIGH,
    )
    imminent_specific_severity = models.CharField(
        _("imminent risk: a specific factor at"),
        max_length=10,
        choices=scales.THRESHOLD_SEVERITY_CHOICES,
        default=Severity.HIGH,
    )
    imminent_conduct_severity = models.CharField(
        _("imminent risk: a conduct factor at"),
        max_length=10,
        choices=scales.THRESHOLD_SEVERITY_CHOICES,
        default=Severity.MODERATE,
    )
    imminent_common_count = models.PositiveSmallIntegerField(
        _("imminent risk: number of common factors"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
    )
    imminent_common_severity = models.CharField(
        _("imminent risk: common factors at"),
        max_length=10,
        choices=scales.THRESHOLD_SEVERITY_CHOICES,
        default=Severity.MODERATE,
    )
    imminent_enabling_factors = models.ManyToManyField(
        RiskFactor,
        blank=True,
        related_name="+",
        verbose_name=_("imminent risk: enabling or triggering factors"),
    )
    imminent_enabling_severity = models.CharField(
        _("imminent risk: enabling or triggering factor at"),
        max_length=10,
        choices=scales.THRESHOLD_SEVERITY_CHOICES,
        default=Severity.MODERATE,
    )
    serious_common_count = models.PositiveSmallIntegerField(
        _("serious concern: number of common factors"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(8)],
    )
    serious_common_severity = models.CharField(
        _("serious concern: common factors at"),
        max_length=10,
        choices=scales.THRESHOLD_SEVERITY_CHOICES,
        default=Severity.MODERATE,
    )
    serious_specific_severity = models.CharField(
        _("serious concern: a specific factor at"),
        max_length=10,
        choices=scales.THRESHOLD_SEVERITY_CHOICES,
        default=Severity.MODERATE,
    )
    pillar2_min_level = models.CharField(
        _("Pillar II assistance from level"),
        max_length=20,
        choices=scales.THRESHOLD_LEVEL_CHOICES,
        default=Level.SERIOUS_CONCERN,
    )
    pillar3_min_level = models.CharField(
        _("Pillar III response from level"),
        max_length=20,
        choices=scales.THRESHOLD_LEVEL_CHOICES,
        default=Level.IMMINENT_RISK,
    )
    coercive_min_level = models.CharField(
        _("coercive tools from level"),
        max_length=20,
        choices=scales.THRESHOLD_LEVEL_CHOICES,
        default=Level.CURRENT_CRISIS,
    )
    # Escalation: how far up the chain a summary proposes to go.
    sc_briefing_level = models.CharField(
        _("request a Security Council briefing from level (State unwilling or perpetrator)"),
        max_length=20,
        choices=scales.THRESHOLD_LEVEL_CHOICES,
        default=Level.CURRENT_CRISIS,
    )
    brief_sg_level = models.CharField(
        _("brief the Secretary-General from level"),
        max_length=20,
        choices=scales.THRESHOLD_LEVEL_CHOICES,
        default=Level.CURRENT_CRISIS,
    )
    brief_sg_rise = models.PositiveSmallIntegerField(
        _("brief the Secretary-General on a rise of (levels)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    alert_sa_level = models.CharField(
        _("alert the Special Adviser from level"),
        max_length=20,
        choices=scales.THRESHOLD_LEVEL_CHOICES,
        default=Level.IMMINENT_RISK,
    )
    alert_sa_rise = models.PositiveSmallIntegerField(
        _("alert the Special Adviser on a rise of (levels)"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
    )
    monitor_level = models.CharField(
        _("keep monitoring from level"),
        max_length=20,
        choices=scales.THRESHOLD_LEVEL_CHOICES,
        default=Level.SERIOUS_CONCERN,
    )
    # Review: which rungs of the ladder need two reviewers (the four-eyes rule, twice over).
    alert_sa_second_review = models.BooleanField(
        _("alert the Special Adviser: needs a second reviewer"), default=False
    )
    brief_sg_second_review = models.BooleanField(
        _("brief the Secretary-General: needs a second reviewer"), default=True
    )
    sc_briefing_second_review = models.BooleanField(
        _("request a Security Council briefing: needs a second reviewer"), default=True
    )
    history = HistoricalRecords(m2m_fields=[imminent_enabling_factors])

    class Meta:
        ordering = ["code"]
        verbose_name = _("threshold set")
        verbose_name_plural = _("threshold sets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(imminent_common_count__gte=1, imminent_common_count__lte=8),
                name="thresholdset_imminent_common_count_1_to_8",
            ),
            models.CheckConstraint(
                condition=models.Q(serious_common_count__gte=1, serious_common_count__lte=8),
                name="thresholdset_serious_common_count_1_to_8",
            ),
        ]

    def __str__(self) -> str:
        return self.name
