from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from accounts.roles import Role
from vault.fields import EncryptedTextField
from vault.models import RowIdentity


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Addresses are stored lowercased: any capitalisation signs in to the same account.
        return self.get(email=(username or "").strip().lower())

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff member. Signs in by e-mail; what they may see follows from their memberships."""

    email = models.EmailField(_("e-mailadres"), unique=True)
    full_name = models.CharField(_("naam"), max_length=200)
    job_title = models.CharField(_("functie"), max_length=200, blank=True)
    # Only staff trained to make a diagnosis (e.g. an orthopedagoog) may fill in the diagnosis field.
    qualified_for_diagnosis = models.BooleanField(_("bevoegd om diagnoses vast te leggen"), default=False)
    is_active = models.BooleanField(_("actief"), default=True)
    is_staff = models.BooleanField(_("toegang tot beheer"), default=False)
    date_joined = models.DateTimeField(_("aangemaakt op"), auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("medewerker")
        verbose_name_plural = _("medewerkers")
        ordering = ["full_name"]

    def __str__(self):
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        # One account per address, whatever its capitalisation (the admin site, imports and forms alike).
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    def membership_list(self) -> list:
        """The person's memberships with their school (and board), ordered by school name: loaded once per
        user object, i.e. once per request, and shared by the navigation, the school pages' role checks and
        the dossier access rule (cases.access), which would otherwise each ask again."""
        cached = self.__dict__.get("_membership_list")
        if cached is None or cached[0] != _membership_changes[0]:
            # Any membership saved or deleted in this process since (a role added in this request, say) reloads.
            cached = (_membership_changes[0],
                      list(self.memberships.select_related("school__board").order_by("school__name", "pk")))
            self.__dict__["_membership_list"] = cached
        return cached[1]

    def forget_memberships(self) -> None:
        """Call after changing this person's memberships within the same request."""
        self.__dict__.pop("_membership_list", None)

    def roles_at(self, school) -> set[str]:
        return {m.role for m in self.membership_list() if m.school_id == school.pk}

    def schools_with_role(self, *roles):
        from schools.models import School

        return School.objects.filter(memberships__user=self, memberships__role__in=roles).distinct()


# Counts the membership changes in this process, so that a person's loaded memberships are never used after one.
_membership_changes = [0]


def _memberships_changed(**kwargs):
    _membership_changes[0] += 1


class Membership(models.Model):
    """One role of one person at one school. A person may hold several roles at several schools."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rol"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rol op school")
        verbose_name_plural = _("rollen op scholen")
        constraints = [models.UniqueConstraint(fields=["user", "school", "role"], name="unique_membership")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.school}"


models.signals.post_save.connect(_memberships_changed, sender=Membership, dispatch_uid="membership_list_saved")
models.signals.post_delete.connect(_memberships_changed, sender=Membership, dispatch_uid="membership_list_deleted")


class PendingRole(models.Model):
    """A role that opens dossiers (or their metadata), given by someone who cannot read dossiers themselves.

    Until a member of the school's directie confirms it, it is not a Membership and grants nothing: the
    functioneel beheerder manages accounts, but cannot make an account that reads dossiers on their own.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pending_roles")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="pending_roles")
    role = models.CharField(_("rol"), max_length=30, choices=Role.choices)
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rol die op bevestiging wacht")
        verbose_name_plural = _("rollen die op bevestiging wachten")
        ordering = ["requested_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "school", "role"], name="unique_pending_role")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.school}"


# --- single sign-on (OpenID Connect) -----------------------------------------------------------------------------


def _split_list(text: str) -> list[str]:
    return [part.strip().lower() for part in (text or "").replace(";", ",").replace("\n", ",").split(",")
            if part.strip()]


class IdentityProvider(RowIdentity):
    """A board's own OpenID Connect provider (Microsoft Entra ID, Google Workspace, any standard one).

    Staff whose e-mail address ends in one of `email_domains` sign in there; the account must already exist
    here and belong to a school of this board (accounts.sso). The client secret is stored encrypted.
    """

    board = models.OneToOneField("schools.Board", on_delete=models.CASCADE, related_name="identity_provider",
                                 verbose_name=_("schoolbestuur"))
    name = models.CharField(_("naam voor medewerkers"), max_length=100, default="Microsoft 365",
                            help_text=_("Zo heet de knop, bijv. ‘Microsoft 365’ of ‘Google Workspace’."))
    issuer = models.URLField(
        _("issuer (uitgever)"), max_length=300,
        help_text=_("Het adres van de provider; /.well-known/openid-configuration wordt erachter gezet. "
                    "Bijv. https://login.microsoftonline.com/<tenant-id>/v2.0 of https://accounts.google.com."))
    client_id = models.CharField(_("client-ID"), max_length=200)
    client_secret = EncryptedTextField(_("clientgeheim"))
    email_domains = models.CharField(
        _("e-maildomeinen"), max_length=500,
        help_text=_("Komma-gescheiden, bijv. ‘desprong.nl, stichting-demo.nl’. Alleen adressen op deze domeinen "
                    "loggen via deze provider in."))
    required = models.BooleanField(
        _("schoolaccount verplicht"), default=False,
        help_text=_("Aan: medewerkers van dit bestuur kunnen niet meer met een wachtwoord inloggen."))
    mfa_acr_values = models.CharField(
        _("acr-waarden die als tweede factor tellen"), max_length=300, blank=True,
        help_text=_("Optioneel, komma-gescheiden. Zonder deze waarden telt alleen een token waarin ‘amr’ "
                    "meervoudige authenticatie noemt (mfa, otp, hwk, sc)."))
    enabled = models.BooleanField(_("actief"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inlogprovider (OpenID Connect)")
        verbose_name_plural = _("inlogproviders (OpenID Connect)")

    def __str__(self):
        return f"{self.name} – {self.board}"

    @property
    def key(self) -> str:
        return f"board-{self.pk}"

    @property
    def domains(self) -> list[str]:
        return _split_list(self.email_domains)

    @property
    def acr_values(self) -> list[str]:
        return _split_list(self.mfa_acr_values)


class ProviderMFADevice(Device):
    """The second factor a provider vouched for (its token said MFA was done). It never accepts a code: it only
    marks a session as verified by django-otp's rules, and names the provider in the session and the audit."""

    def verify_token(self, token):
        return False

    def verify_is_allowed(self):
        return False, {"reason": "provider"}

    class Meta:
        verbose_name = _("tweede factor via schoolaccount")
        verbose_name_plural = _("tweede factor via schoolaccount")
