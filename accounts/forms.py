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
