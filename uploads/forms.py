from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from uploads.models import Upload


class UploadFileForm(forms.Form):
    """Steps 1 and 2: the file and the status its contacts get."""

    name = forms.CharField(label=_("File name"), max_length=200,
                           help_text=_("Identifies this upload in the list of file transfers."))
    file = forms.FileField(label=_("File"),
                           widget=forms.ClearableFileInput(
                               attrs={"accept": ".csv,.txt,.tsv,.xlsx"}),
                           help_text=_("CSV or TXT with a header row, a TXT list with one user "
                                       "per line, or an Excel workbook (.xlsx). Any common "
                                       "encoding and , ; tab or | delimiters are recognised."))
    mode = forms.ChoiceField(label=_("Status"), choices=Upload.Mode.choices,
                             initial=Upload.Mode.IYS, widget=forms.RadioSelect)
    turkish_numbers = forms.BooleanField(
        label=_("Numbers without a country code are Turkish (+90)"), required=False,
        help_text=_("Off: a phone number must start with its country code (+90…), as İYS "
                    "asks. On: 0532 123 45 67, 90532…, (0535) … and 5321234567 are read as "
                    "+90. Your choice is remembered for your next upload."))

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than the limit of %(limit)d MB.")
                % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)})
        return file


class StatusForm(forms.Form):
    """Step 2 again, for an upload still at the matching step."""

    mode = forms.ChoiceField(label=_("Status"), choices=Upload.Mode.choices,
                             widget=forms.RadioSelect)


class SheetForm(forms.Form):
    """Step 3 of a workbook with several sheets: which one holds the contacts."""

    sheet = forms.ChoiceField(label=_("Sheet"))

    def __init__(self, *args, sheets: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [(name, name) for name in sheets]


class MatchingForm(forms.Form):
    """Step 3: one choice per column of the file."""

    def __init__(self, *args, headers: list[str], mapping: list[str],
                 choices: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        for index, header in enumerate(headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=header, choices=choices, required=False,
                initial=mapping[index] if index < len(mapping) else "")

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{i}", "") for i in range(len(self.headers))]
