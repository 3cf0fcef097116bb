import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consents.choices import Channel
from insights.models import Segment
from insights.segments import rules_clean


class SegmentForm(forms.ModelForm):
    # The rule builder (insights/static/insights/segment.js) writes the conditions here.
    rules = forms.CharField(label=_("Conditions"), required=False,
                            widget=forms.HiddenInput(attrs={"id": "id_rules"}))
    sendable_channel = forms.ChoiceField(
        label=_("Only sendable on"), required=False,
        choices=[("", _("Any contact")), *Channel.choices],
        help_text=_("Restrict to contacts a campaign may message on this channel."))

    class Meta:
        model = Segment
        fields = ["name", "description", "sendable_channel", "rules"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["rules"] = json.dumps(self.instance.rules)

    def clean_rules(self) -> list:
        raw = self.cleaned_data.get("rules") or "[]"
        try:
            rules = json.loads(raw)
        except ValueError as error:
            raise forms.ValidationError(_("The conditions could not be read.")) from error
        try:
            return rules_clean(rules)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error
