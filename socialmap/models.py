"""The sociale kaart: the partner organisations a school works with, and their phone numbers."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from socialmap import parser


class Kind(models.TextChoices):
    VEILIG_THUIS = parser.VEILIG_THUIS, _("Veilig Thuis / AMK")
    POLICE = parser.POLICE, _("Politie")
    CRISIS = parser.CRISIS, _("Crisisdienst")
    JGZ = parser.JGZ, _("Jeugdgezondheidszorg (JGZ)")
    CJG = parser.CJG, _("Centrum voor Jeugd en Gezin (CJG)")
    CARE_TEAM = parser.CARE_TEAM, _("Zorgteam / zorgadviesteam")
    YOUTH_CARE = parser.YOUTH_CARE, _("Jeugdhulp / jeugdzorg")
    GGZ = parser.GGZ, _("GGZ")
    MEE = parser.MEE, _("MEE")
    SOCIAL_WORK = parser.SOCIAL_WORK, _("Maatschappelijk werk")
    HELPLINE = parser.HELPLINE, _("Hulplijn")
    LEERPLICHT = parser.LEERPLICHT, _("Leerplicht (leerplichtambtenaar)")
    OTHER = parser.OTHER, _("Anders")


class OrganisationQuerySet(models.QuerySet):
    def for_school(self, school):
        """The school's own entries and the ones its board shares with all its schools (for the dossier pickers)."""
        return (self.filter(Q(school=school) | Q(board_id=school.board_id, school__isnull=True))
                .prefetch_related("phones").order_by("name"))

    def on_emergency_sheet(self):
        return self.filter(on_emergency_sheet=True)


class Organisation(models.Model):
    """One partner on the sociale kaart: of one school, or of a board that shares it with its schools."""

    board = models.ForeignKey("schools.Board", on_delete=models.CASCADE, null=True, blank=True,
                              related_name="organisations", verbose_name=_("bestuur"))
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="organisations", verbose_name=_("school"))
    name = models.CharField(_("organisatie"), max_length=200)
    # Lower case without punctuation: a re-import finds the entry back under a slightly different spelling.
    normalised_name = models.CharField(max_length=200, editable=False, db_index=True)
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    contact_person = models.CharField(_("contactpersoon"), max_length=200, blank=True)
    address = models.TextField(_("adres"), blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    website = models.CharField(_("website"), max_length=300, blank=True)
    notes = models.TextField(_("opmerkingen"), blank=True)
    on_emergency_sheet = models.BooleanField(
        _("op het noodblad"), default=False,
        help_text=_("Het noodblad hangt in de personeelskamer: wie belt u bij acuut gevaar?"))
    updated_at = models.DateTimeField(_("gewijzigd op"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisatie op de sociale kaart")
        verbose_name_plural = _("sociale kaart")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(board__isnull=True, school__isnull=False) | Q(board__isnull=False, school__isnull=True),
                name="socialmap_organisation_board_xor_school",
            ),
            models.UniqueConstraint(fields=["school", "normalised_name"], condition=Q(school__isnull=False),
                                    name="socialmap_unique_name_per_school"),
            models.UniqueConstraint(fields=["board", "normalised_name"], condition=Q(board__isnull=False),
                                    name="socialmap_unique_name_per_board"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalised_name = parser.normalise_name(self.name)
        super().save(*args, **kwargs)

    def clean(self):
        if (self.board_id is None) == (self.school_id is None):
            raise ValidationError(_("Een organisatie hoort bij één school of bij één bestuur."))

    @property
    def is_shared(self) -> bool:
        """Shared by the board: schools see it but cannot change it."""
        return self.board_id is not None

    @property
    def website_url(self) -> str:
        if not self.website:
            return ""
        return self.website if self.website.startswith(("http://", "https://")) else f"https://{self.website}"

    def as_parsed(self) -> parser.ParsedOrganisation:
        return parser.ParsedOrganisation(
            name=self.name, kind=self.kind, contact=self.contact_person, address=self.address,
            phones=[(phone.number, phone.note) for phone in self.phones.all()], email=self.email,
            website=self.website, notes=self.notes, on_emergency_sheet=self.on_emergency_sheet,
        )


class PhoneNumber(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("nummer"), max_length=40)
    note = models.CharField(_("toelichting"), max_length=200, blank=True,
                            help_text=_("Bijv. bereikbaarheid (ma-vr 8.30-17.00) of 'bij geen gehoor'."))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("telefoonnummer")
        verbose_name_plural = _("telefoonnummers")
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.number} ({self.note})" if self.note else self.number

    @property
    def tel_uri(self) -> str:
        digits = "".join(c for c in self.number if c.isdigit() or c == "+")
        return f"tel:{digits}"
