from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from webhooks import safety
from webhooks.models import EventType, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("http or https; checked against internal addresses."))
    events = forms.MultipleChoiceField(label=_("Events"), choices=EventType.choices,
                                       widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            safety.target_check(url)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
        return url
