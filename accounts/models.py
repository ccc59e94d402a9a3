from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


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

    def roles_at(self, school) -> set[str]:
        return {m.role for m in self.memberships.all() if m.school_id == school.pk}

    def schools_with_role(self, *roles):
        from schools.models import School

        return School.objects.filter(memberships__user=self, memberships__role__in=roles).distinct()


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
