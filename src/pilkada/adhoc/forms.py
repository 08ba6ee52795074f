"""Forms of the ad hoc bodies' public pages: they parse and render; the rules and their
messages are the services' (:mod:`pilkada.adhoc.services.apply`), so the web, the CLI and
any API refuse the same input with the same words. Fields are therefore not "required"
here: the service says what is missing, in one voice."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ApplicationDocument, Body
from .models.applications import Education

__all__ = ["AccessForm", "ApplicationForm", "CorrectionForm", "DocumentForm"]

_DOC_ACCEPT = "application/pdf,image/jpeg,image/png"


def _text(label, *, max_length=255, help_text="", **attrs):
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
    )


class CorrectionForm(forms.Form):
    """The applicant's data (everything but the body, the area and the documents)."""

    nik = _text(
        _("NIK"),
        max_length=40,
        help_text=_("16 angka, sesuai KTP-el."),
        inputmode="numeric",
        autocomplete="off",
    )
    nkk = _text(
        _("Nomor KK"),
        max_length=40,
        help_text=_("16 angka, sesuai Kartu Keluarga."),
        inputmode="numeric",
        autocomplete="off",
    )
    nama = _text(_("Nama lengkap"), max_length=200, autocomplete="name")
    tempat_lahir = _text(_("Tempat lahir"), max_length=100)
    tanggal_lahir = forms.DateField(
        label=_("Tanggal lahir"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    jenis_kelamin = forms.ChoiceField(
        label=_("Jenis kelamin"),
        required=False,
        choices=[("L", _("Laki-laki")), ("P", _("Perempuan"))],
        widget=forms.RadioSelect,
    )
    status_kawin = forms.ChoiceField(
        label=_("Status perkawinan"),
        required=False,
        choices=[("", "—"), ("B", _("Belum kawin")), ("S", _("Kawin")), ("P", _("Pernah kawin"))],
    )
    alamat = _text(_("Alamat tempat tinggal"), autocomplete="street-address")
    rt = _text(_("RT"), max_length=5, inputmode="numeric", size="4")
    rw = _text(_("RW"), max_length=5, inputmode="numeric", size="4")
    # domicile_kecamatan and domicile_code are rendered by the dependent selects.
    phone = _text(_("Nomor telepon/WhatsApp"), max_length=30, inputmode="tel", autocomplete="tel")
    email = _text(
        _("Email (tidak wajib)"),
        max_length=300,
        help_text=_("Jika diisi, nomor pendaftaran dan kode akses juga dikirim ke email ini."),
        type="email",
        autocomplete="email",
    )
    education = forms.ChoiceField(
        label=_("Pendidikan terakhir"),
        required=False,
        choices=[("", "—"), *Education.choices],
    )
    health_statement = forms.BooleanField(
        label=_("Saya menyatakan sehat jasmani, rohani, dan bebas penyalahgunaan narkotika."),
        required=False,
    )
    party_statement = forms.BooleanField(
        label=_(
            "Saya menyatakan tidak menjadi anggota partai politik, atau sudah tidak menjadi "
            "anggota partai politik paling singkat 5 tahun."
        ),
        required=False,
    )
    previous_service = forms.CharField(
        label=_("Pengalaman sebagai badan ad hoc (tidak wajib)"),
        required=False,
        max_length=2100,
        help_text=_("Contoh: PPS 2019; KPPS 2024."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    previous_terms = forms.IntegerField(
        label=_("Berapa periode pernah menjadi anggota badan yang sama"),
        required=False,
        min_value=0,
        max_value=99,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def service_data(self, *, region_code: str, domicile_code: str) -> dict:
        """The values the service takes (after ``is_valid()``)."""
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        data["region_code"] = region_code
        data["domicile_code"] = domicile_code
        if data.get("previous_terms") is None:
            data["previous_terms"] = 0
        return data


class ApplicationForm(CorrectionForm):
    """The public form: the body, then the person, then the documents."""

    body = forms.ChoiceField(label=_("Badan"), required=False, choices=[("", "—"), *Body.choices])
    doc_ktp = forms.FileField(
        label=ApplicationDocument.Kind.KTP.label,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _DOC_ACCEPT}),
    )
    doc_ijazah = forms.FileField(
        label=ApplicationDocument.Kind.DIPLOMA.label,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _DOC_ACCEPT}),
    )
    doc_surat_sehat = forms.FileField(
        label=ApplicationDocument.Kind.HEALTH.label,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _DOC_ACCEPT}),
    )
    doc_surat_pernyataan = forms.FileField(
        label=_("Surat pernyataan (tidak wajib)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _DOC_ACCEPT}),
    )

    def documents(self) -> dict:
        return {
            kind: self.cleaned_data[f"doc_{kind}"]
            for kind in ApplicationDocument.Kind.values
            if self.cleaned_data.get(f"doc_{kind}")
        }


class DocumentForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas baru"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": _DOC_ACCEPT}),
    )


class AccessForm(forms.Form):
    number = _text(_("Nomor pendaftaran"), max_length=40, autocomplete="off")
    access_code = forms.CharField(
        label=_("Kode akses"),
        required=False,
        max_length=40,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
