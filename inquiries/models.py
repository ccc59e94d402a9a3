"""Information requests: Veilig Thuis, the Raad voor de Kinderbescherming or a gecertificeerde instelling asks
the school about a pupil, also when the school never reported.

The school may answer without the parents' consent within the law that gives the asker its task (Wmo 2015
art. 5.2.6 for Veilig Thuis, Burgerlijk Wetboek art. 1:240 for the Raad, Jeugdwet art. 7.3.11 lid 4 for a
gecertificeerde instelling), normally after telling the parents unless that endangers the child. A request is
kept on the pupil's dossier (one is opened when there is none) and goes with it when retention destroys it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vault.fields import EncryptedTextField
from vault.models import RowIdentity


class Requester(models.TextChoices):
    VEILIG_THUIS = "veilig_thuis", _("Veilig Thuis")
    RAAD = "raad", _("Raad voor de Kinderbescherming")
    GI = "gi", _("Gecertificeerde instelling (jeugdbescherming of jeugdreclassering)")


class LegalBasis(models.TextChoices):
    WMO = "wmo_5_2_6", _("Wet maatschappelijke ondersteuning 2015, art. 5.2.6 (Veilig Thuis)")
    BW = "bw_1_240", _("Burgerlijk Wetboek, art. 1:240 (Raad voor de Kinderbescherming)")
    JEUGDWET = "jw_7_3_11", _("Jeugdwet, art. 7.3.11 lid 4 (gecertificeerde instelling)")
    CONSENT = "consent", _("Toestemming van de ouder(s) met gezag")


# The statutory basis that lets each asker receive information without consent; consent fits every asker.
BASIS_FOR = {
    Requester.VEILIG_THUIS: {LegalBasis.WMO, LegalBasis.CONSENT},
    Requester.RAAD: {LegalBasis.BW, LegalBasis.CONSENT},
    Requester.GI: {LegalBasis.JEUGDWET, LegalBasis.CONSENT},
}


class ParentsTold(models.TextChoices):
    BEFORE = "before", _("Ja, vóór het antwoord")
    AFTER = "after", _("Achteraf, na het antwoord")
    NOT = "not", _("Nee")


class WithholdGround(models.TextChoices):
    """Why a journal entry is left out of what the school gives (AVG art. 5(1)(c): no more than necessary)."""

    NOT_NEEDED = "not_needed", _("Niet nodig voor de vraag (niet meer dan noodzakelijk)")
    THIRD_PARTY = "third_party", _("Informatie over of van anderen (derden)")
    ENDANGERS = "endangers", _("Verstrekken zou het kind of een ander in gevaar brengen")


class InformationRequest(RowIdentity):
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="information_requests")
    requester_kind = models.CharField(_("wie vraagt"), max_length=20, choices=Requester.choices)
    requester = EncryptedTextField(_("naam en contactpersoon"),
                                   help_text=_("Bijv. ‘Raad voor de Kinderbescherming Noord, J. Bakker’."))
    legal_basis = models.CharField(_("grondslag"), max_length=20, choices=LegalBasis.choices)
    asked = EncryptedTextField(_("wat wordt gevraagd"))
    received_on = models.DateField(_("ontvangen op"))
    parents_told = models.CharField(_("ouders geïnformeerd"), max_length=10, choices=ParentsTold.choices)
    parents_told_on = models.DateField(_("ouders geïnformeerd op"), null=True, blank=True)
    not_told_reason = EncryptedTextField(_("waarom niet vooraf"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    answered_on = models.DateField(_("beantwoord op"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    given = EncryptedTextField(_("wat is gegeven"), blank=True)
    # When the coordinator went through the entries: a copy made again leaves out what was saved later.
    answered_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the parents are told afterwards: the reminder to do so, done once the day is recorded.
    task = models.ForeignKey("cases.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             editable=False)

    class Meta:
        verbose_name = _("informatieverzoek")
        verbose_name_plural = _("informatieverzoeken")
        ordering = ["received_on", "pk"]

    @property
    def is_answered(self):
        return self.answered_on is not None

    @property
    def parents_still_to_be_told(self) -> bool:
        """Answered (or to be answered) before telling the parents, and their being told is not recorded yet."""
        return self.parents_told == ParentsTold.AFTER and self.parents_told_on is None

    @property
    def reviewed_until(self):
        """The moment up to which entries were reviewed for the answer (for answers given before `answered_at`
        existed: the end of the day it was answered on)."""
        if self.answered_at is not None:
            return self.answered_at
        if self.answered_on is None:
            return None
        import datetime

        return timezone.make_aware(datetime.datetime.combine(self.answered_on, datetime.time.max))


class WithheldFromAnswer(RowIdentity):
    """One journal entry left out of the answer, with the ground and the coordinator's reason."""

    request = models.ForeignKey(InformationRequest, on_delete=models.CASCADE, related_name="withheld")
    entry = models.ForeignKey("cases.Entry", on_delete=models.CASCADE, related_name="+")
    ground = models.CharField(_("grond"), max_length=20, choices=WithholdGround.choices)
    reason = EncryptedTextField(_("reden"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["request", "entry"], name="unique_withheld_from_answer")]
