from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    email = forms.EmailField(label=_("E-mailadres"), widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Wachtwoord"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"), max_length=20,
        help_text=_("De zescijferige code uit uw authenticator-app, of een van uw herstelcodes."),
        # Not inputmode "numeric": recovery codes hold letters and a hyphen.
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "autofocus": True}),
    )


class ReauthForm(forms.Form):
    password = forms.CharField(label=_("Wachtwoord"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}))
    token = forms.CharField(label=_("Code"), max_length=20,
                            help_text=_("De zescijferige code uit uw authenticator-app."),
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class ReauthCodeForm(forms.Form):
    """The second factor alone, after the school account's provider confirmed the first."""

    token = forms.CharField(label=_("Code"), max_length=20,
                            help_text=_("De zescijferige code uit uw authenticator-app."),
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-mailadres"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}))


# --- the set-up page of an installation administrator ---------------------------------------------------------

FIRST_ROLE_CHOICES = [("directie", _("Directie")), ("beheer", _("Functioneel beheerder"))]


class BoardForm(forms.Form):
    name = forms.CharField(label=_("Naam van het schoolbestuur"), max_length=200)
    slug = forms.SlugField(label=_("Korte naam in adressen"), max_length=50, required=False,
                           help_text=_("Leeg laten: wordt gemaakt van de naam."))


class InviteFields(forms.Form):
    invite_email = forms.EmailField(label=_("E-mailadres van de eerste directie of beheerder"), required=False,
                                    max_length=254)  # the account's column (PostgreSQL enforces it)
    invite_name = forms.CharField(label=_("Naam"), max_length=200, required=False)
    invite_role = forms.ChoiceField(label=_("Rol"), choices=FIRST_ROLE_CHOICES, initial="directie")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("invite_name") and not cleaned.get("invite_email"):
            self.add_error("invite_email", _("Geef het e-mailadres van wie u uitnodigt."))
        return cleaned


class SchoolForm(InviteFields):
    board = forms.ModelChoiceField(label=_("Schoolbestuur"), queryset=None, empty_label=None)
    name = forms.CharField(label=_("Naam van de school"), max_length=200)
    brin = forms.CharField(label=_("BRIN-nummer"), max_length=6, help_text=_("Bijvoorbeeld 12AB."))
    slug = forms.SlugField(label=_("Korte naam in adressen"), max_length=50, required=False,
                           help_text=_("Leeg laten: wordt gemaakt van de naam."))
    address = forms.CharField(label=_("Adres"), max_length=300, required=False)
    phone = forms.CharField(label=_("Telefoon"), max_length=40, required=False)

    field_order = ["board", "name", "brin", "slug", "address", "phone", "invite_email", "invite_name", "invite_role"]

    def __init__(self, *args, **kwargs):
        from schools.models import Board

        super().__init__(*args, **kwargs)
        self.fields["board"].queryset = Board.objects.order_by("name")


class InviteForm(InviteFields):
    school = forms.ModelChoiceField(label=_("School"), queryset=None, empty_label=None)
    resend = forms.BooleanField(label=_("Ook opnieuw sturen als de rol er al is (bijv. als de link verlopen is)"),
                                required=False)

    field_order = ["school", "invite_email", "invite_name", "invite_role", "resend"]

    def __init__(self, *args, **kwargs):
        from schools.models import School

        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = School.objects.select_related("board").order_by("board__name", "name")
        self.fields["invite_email"].required = True


# --- single sign-on ----------------------------------------------------------------------------------------------

class SSOStartForm(forms.Form):
    sso_email = forms.EmailField(
        label=_("E-mailadres van school"), max_length=254,
        help_text=_("Aan uw e-mailadres zien we bij welk schoolbestuur u hoort en waar u inlogt."),
        widget=forms.EmailInput(attrs={"autocomplete": "username"}))


class IdentityProviderForm(forms.ModelForm):
    """A board's OpenID Connect provider. The secret is never shown again: left empty, the stored one stays."""

    issuer = forms.URLField(
        label=_("Issuer (uitgever)"), max_length=300, assume_scheme="https",
        help_text=_("Het adres van de provider; /.well-known/openid-configuration wordt erachter gezet. "
                    "Bijv. https://login.microsoftonline.com/<tenant-id>/v2.0 of https://accounts.google.com."))

    client_secret = forms.CharField(label=_("Clientgeheim"), required=False, strip=True,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
                                    help_text=_("Wordt versleuteld opgeslagen. Leeg laten: het opgeslagen geheim "
                                                "blijft."))

    class Meta:
        from accounts.models import IdentityProvider

        model = IdentityProvider
        fields = ["name", "issuer", "client_id", "client_secret", "email_domains", "required", "mfa_acr_values",
                  "enabled"]

    def clean_client_secret(self):
        secret = self.cleaned_data.get("client_secret", "")
        if not secret:
            if not self.instance.pk:
                raise forms.ValidationError(_("Vul het clientgeheim in dat de provider u gaf."))
            return self.instance.client_secret
        return secret

    def clean_email_domains(self):
        from accounts.models import IdentityProvider, _split_list

        domains = _split_list(self.cleaned_data.get("email_domains", ""))
        if not domains:
            raise forms.ValidationError(_("Noem minstens één e-maildomein, bijv. desprong.nl."))
        for domain in domains:
            if "@" in domain or "." not in domain or " " in domain:
                raise forms.ValidationError(_("‘%(domain)s’ is geen e-maildomein (bijv. desprong.nl).")
                                            % {"domain": domain})
        others = IdentityProvider.objects.exclude(pk=self.instance.pk)
        for other in others:
            taken = set(domains) & set(other.domains)
            if taken:
                raise forms.ValidationError(
                    _("Het domein %(domain)s hoort al bij de provider van %(board)s.")
                    % {"domain": ", ".join(sorted(taken)), "board": other.board.name})
        return ", ".join(domains)

    def clean_issuer(self):
        issuer = self.cleaned_data.get("issuer", "").rstrip("/")
        if not issuer.startswith("https://") and not issuer.startswith("http://127.0.0.1") \
                and not issuer.startswith("http://localhost"):
            raise forms.ValidationError(_("Het adres van de provider moet met https:// beginnen."))
        return issuer
