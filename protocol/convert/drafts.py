"""A conversion waiting for a person: the document's text, the proposals and each decision on them.

The draft is rebuilt from the stored text on every look (the conversion is deterministic, see
test_the_same_document_always_gives_the_same_draft); only the person's decisions are stored. Nothing becomes a
meldcode version until a person with a managing role stores it, and nothing is adopted without the same
confirmation as an uploaded version.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PENDING, ACCEPTED, EDITED, REJECTED = "pending", "accepted", "edited", "rejected"
MAX_EDIT = 2000


class ConversionDraft(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+", verbose_name=_("school"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("geüpload door"))
    created_at = models.DateTimeField(_("geüpload op"), default=timezone.now)
    filename = models.CharField(_("bestandsnaam"), max_length=200)
    sha256 = models.CharField(max_length=64)
    document_text = models.TextField(_("tekst van het document"))
    template_key = models.CharField(_("sjabloon"), max_length=40)
    confidence = models.FloatField(_("zekerheid"))
    decisions = models.JSONField(_("beslissingen"), default=dict)  # {proposal id: {"status": ..., "value": ...}}
    version = models.ForeignKey("protocol.MeldcodeVersion", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("opgeslagen als versie"))

    class Meta:
        app_label = "protocol"
        verbose_name = _("omgezette meldcode (concept)")
        verbose_name_plural = _("omgezette meldcodes (concepten)")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.filename} ({self.created_at:%Y-%m-%d})"

    def conversion(self):
        """The conversion of the stored text with the person's decisions applied to its proposals."""
        from protocol.convert import convert_text

        conversion = convert_text(self.document_text, self.filename)
        conversion.sha256 = self.sha256
        for proposal in conversion.proposals:
            decision = self.decisions.get(proposal.id) or {}
            proposal.status = decision.get("status", PENDING)
            proposal.edited_value = decision.get("value", "")
        return conversion

    def decide(self, proposal_id: str, status: str, value: str = "") -> None:
        self.decisions = {**self.decisions, proposal_id: {"status": status, "value": value[:MAX_EDIT]}}
