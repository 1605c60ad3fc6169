from django import forms
from django.utils import timezone

from editing.fields import GovukDateField


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        max_length=100,
        help_text='For example "Power BI quarterly report". Only you see it.',
        error_messages={"required": "Say what the token is for"},
    )
    expires_on = GovukDateField(
        label="Expiry date",
        required=False,
        help_text="The last day the token works, for example 31 3 2027. Leave it empty for a "
        "token that works until you revoke it.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on < timezone.localdate():
            raise forms.ValidationError("The expiry date must be today or in the future")
        return expires_on


class RevokeForm(forms.Form):
    """Nothing to fill in: the button says what happens."""
