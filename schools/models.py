from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Board(models.Model):
    """A schoolbestuur (bevoegd gezag): runs one or more schools and adopts their meldcode."""

    name = models.CharField(_("naam"), max_length=200)
    slug = models.SlugField(unique=True)

    class Meta:
        verbose_name = _("schoolbestuur")
        verbose_name_plural = _("schoolbesturen")
        ordering = ["name"]

    def __str__(self):
        return self.name


class School(models.Model):
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="schools", verbose_name=_("bestuur"))
    name = models.CharField(_("naam"), max_length=200)
    slug = models.SlugField(unique=True)
    brin = models.CharField(_("BRIN-nummer"), max_length=6, unique=True)
    address = models.CharField(_("adres"), max_length=300, blank=True)
    phone = models.CharField(_("telefoon"), max_length=40, blank=True)
    # Policy a school may set (it can only tighten the default access rule, never widen it).
    directie_sees_all_cases = models.BooleanField(
        _("directie ziet alle dossiers van de school"), default=True,
        help_text=_("Uit: de directie ziet alleen dossiers waarin zij in het team staat."),
    )
    ib_sees_all_cases = models.BooleanField(
        _("intern begeleider ziet alle dossiers van de school"), default=True,
        help_text=_("Uit: de intern begeleider ziet alleen dossiers waarin zij in het team staat en kan "
                    "andere dossiers alleen openen met een vastgelegde reden."),
    )
    verwijsindex_connected = models.BooleanField(_("aangesloten op de Verwijsindex"), default=False)
    retention_years_after_leaving = models.PositiveSmallIntegerField(
        _("bewaartermijn na vertrek (jaren)"), default=2,
        help_text=_("Hoe lang een gesloten dossier bewaard blijft nadat de leerling de school verliet."),
    )

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("scholen")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Pupil(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Ingeschreven")
        LEFT = "left", _("Uitgeschreven")

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils", verbose_name=_("school"))
    student_number = models.CharField(_("leerlingnummer"), max_length=40, blank=True)
    first_name = models.CharField(_("voornaam"), max_length=100)
    last_name = models.CharField(_("achternaam"), max_length=150)
    date_of_birth = models.DateField(_("geboortedatum"))
    group = models.CharField(_("groep"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    left_on = models.DateField(_("uitgeschreven op"), null=True, blank=True)

    class Meta:
        verbose_name = _("leerling")
        verbose_name_plural = _("leerlingen")
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["school", "last_name", "first_name"])]
        constraints = [
            models.UniqueConstraint(fields=["school", "student_number"], condition=~models.Q(student_number=""),
                                    name="unique_student_number_per_school"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day):
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


class GuardianQuerySet(models.QuerySet):
    def current(self):
        """The parents and carers as they are now: what every page, count, form and import works with."""
        return self.filter(removed_at__isnull=True)

    def removed(self):
        return self.filter(removed_at__isnull=False)


class Guardian(models.Model):
    """A parent or carer of a pupil; whether they hold parental authority (gezag) matters for consent.

    Removing a guardian only marks the row (`removed_at`): a dossier may still mention her, and the
    anonymised documents must keep replacing her name. Use `Guardian.objects.current()` or
    `pupil.guardians.current()` wherever guardians are listed, counted or edited; only the anonymiser
    reads them all.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("naam"), max_length=200)
    relation = models.CharField(_("relatie"), max_length=60, help_text=_("Bijv. moeder, vader, pleegouder, voogd."))
    has_authority = models.BooleanField(_("heeft gezag"), default=True)
    phone = models.CharField(_("telefoon"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("adres"), max_length=300, blank=True)
    removed_at = models.DateTimeField(_("verwijderd op"), null=True, blank=True, editable=False)

    objects = GuardianQuerySet.as_manager()

    class Meta:
        verbose_name = _("ouder/verzorger")
        verbose_name_plural = _("ouders/verzorgers")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.name} ({self.relation})"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    def remove(self, *, at=None) -> bool:
        """Mark as removed; False if someone else already did (or the row is gone).

        Phone and e-mail go at once (keep no more than needed); name and address stay, because the anonymiser
        needs them to keep her out of anonymised documents."""
        at = at or timezone.now()
        updated = type(self).objects.current().filter(pk=self.pk).update(removed_at=at, phone="", email="")
        if updated:
            self.removed_at, self.phone, self.email = at, "", ""
        return bool(updated)
