"""Applications to an ad hoc body: the public form's data, the documents, what the system's
checks found, the officers' document check, the scores and the ranking.

One application per person (NIK) and body in an election; the applicant can see and correct
it with its number and access code until the window closes. The checks' outcome is stored
per application (``eligibility_reasons``: the codes of :data:`REASONS`, comma-separated),
written set-based by :mod:`pilkada.adhoc.services.eligibility`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .bodies import Body

__all__ = ["REASONS", "WARNINGS", "Application", "ApplicationDocument", "Education"]


class Education(models.TextChoices):
    """Highest completed education, in order (the rules compare the rank)."""

    SD = "sd", _("SD/sederajat")
    SMP = "smp", _("SMP/sederajat")
    SMA = "sma", _("SMA/SMK/sederajat")
    D3 = "d3", _("Diploma (D1-D3)")
    S1 = "s1", _("S1/D4")
    S2 = "s2", _("S2")
    S3 = "s3", _("S3")


#: Why an application fails the checks, one code each (pages translate them).
REASONS: dict[str, str] = {
    "nik_invalid": _("NIK tidak sah"),
    "under_age": _("belum berusia minimal"),
    "over_age": _("melebihi usia maksimal"),
    "domicile_outside_area": _("tidak berdomisili di wilayah kerja"),
    "education_below_minimum": _("pendidikan di bawah syarat minimal"),
    "party_member": _("anggota partai politik dalam 5 tahun terakhir"),
    "supporter_listed": _("terdaftar sebagai pendukung pasangan calon perseorangan"),
    "seated_elsewhere": _("sudah menjadi anggota badan ad hoc lain"),
    "marriage_tie": _("ikatan perkawinan dengan anggota badan yang sama"),
    "term_limit": _("melebihi batas masa jabatan"),
    "health_statement_missing": _("tanpa pernyataan sehat jasmani dan rohani"),
    "party_statement_missing": _("tanpa pernyataan tidak menjadi anggota partai"),
}

#: What the checks note without failing the application.
WARNINGS: dict[str, str] = {
    "not_in_register": _("NIK tidak ditemukan dalam daftar pemilih"),
    "register_data_differs": _("data berbeda dengan daftar pemilih"),
}


class Application(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Terkirim")
        WITHDRAWN = "withdrawn", _("Ditarik")

    class Check(models.TextChoices):
        PENDING = "pending", _("Belum diperiksa")
        ELIGIBLE = "eligible", _("Memenuhi syarat")
        INELIGIBLE = "ineligible", _("Tidak memenuhi syarat")

    class Result(models.TextChoices):
        NONE = "", _("Belum ada")
        SELECTED = "selected", _("Terpilih")
        RESERVE = "reserve", _("Cadangan")
        NOT_SELECTED = "not_selected", _("Tidak terpilih")

    election = models.ForeignKey("schedule.Election", on_delete=models.CASCADE)
    body = models.CharField(_("badan"), max_length=10, choices=Body.choices)
    #: The area applied for (see ``BODY_LEVEL``): kecamatan, kelurahan or TPS code.
    region_code = models.CharField(_("wilayah kerja"), max_length=13)
    #: Public application number (shown to the applicant, on announcements).
    number = models.CharField(_("nomor pendaftaran"), max_length=20, unique=True)
    #: PBKDF2 hash of the access code the applicant keeps (Django's password hasher).
    access_code_hash = models.CharField(max_length=128)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)

    # -- the form --------------------------------------------------------------------------
    nik = models.CharField(_("NIK"), max_length=16)
    nkk = models.CharField(_("nomor KK"), max_length=16, blank=True, default="")
    nama = models.CharField(_("nama lengkap"), max_length=200)
    tempat_lahir = models.CharField(_("tempat lahir"), max_length=100)
    tanggal_lahir = models.DateField(_("tanggal lahir"))
    jenis_kelamin = models.CharField(
        _("jenis kelamin"), max_length=1, choices=[("L", _("Laki-laki")), ("P", _("Perempuan"))]
    )
    status_kawin = models.CharField(
        _("status perkawinan"),
        max_length=1,
        choices=[("B", _("Belum kawin")), ("S", _("Kawin")), ("P", _("Pernah kawin"))],
    )
    alamat = models.CharField(_("alamat"), max_length=255)
    rt = models.CharField(_("RT"), max_length=3, blank=True, default="")
    rw = models.CharField(_("RW"), max_length=3, blank=True, default="")
    #: Kelurahan of domicile (KPU code, 10 digits).
    domicile_code = models.CharField(_("kelurahan domisili"), max_length=10)
    phone = models.CharField(_("nomor telepon"), max_length=20)
    email = models.EmailField(_("surel"), blank=True, default="")
    education = models.CharField(_("pendidikan terakhir"), max_length=3, choices=Education.choices)
    health_statement = models.BooleanField(_("pernyataan sehat jasmani dan rohani"), default=False)
    party_statement = models.BooleanField(
        _("pernyataan tidak menjadi anggota partai politik dalam 5 tahun terakhir"), default=False
    )
    #: Earlier service in ad hoc bodies, as the applicant wrote it ("PPS 2019; KPPS 2024").
    previous_service = models.TextField(
        _("pengalaman sebagai badan ad hoc"), blank=True, default=""
    )
    #: Earlier terms in the same body (read by the term limit, when one is set).
    previous_terms = models.PositiveSmallIntegerField(_("periode sebelumnya"), default=0)
    submitted_at = models.DateTimeField(auto_now_add=True)
    #: The day of application on the election's clock (``PILKADA_TODAY`` in a simulation):
    #: the age rule counts on it. Null for rows written without it (the local day of
    #: ``submitted_at`` is used then).
    submitted_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    # -- the system's checks (set-based; see services.eligibility) -------------------------
    eligibility = models.CharField(max_length=10, choices=Check.choices, default=Check.PENDING)
    eligibility_reasons = models.CharField(max_length=255, blank=True, default="")
    eligibility_warnings = models.CharField(max_length=255, blank=True, default="")
    eligibility_checked_at = models.DateTimeField(null=True, blank=True)
    register_voter_id = models.BigIntegerField(null=True, blank=True)

    # -- the officers' steps -----------------------------------------------------------------
    #: Documents checked by an officer: None not yet, True complete and valid, False not.
    documents_ok = models.BooleanField(null=True, blank=True)
    documents_note = models.TextField(blank=True, default="")
    written_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    interview_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    final_score = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    result = models.CharField(max_length=12, choices=Result.choices, blank=True, default="")
    ranked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["election", "body", "region_code", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "body", "nik"], name="adhoc_application_person_body"
            ),
        ]
        indexes = [
            models.Index(fields=["election", "body", "region_code"], name="adhoc_app_area"),
            models.Index(fields=["nik"], name="adhoc_app_nik"),
        ]

    def __str__(self):
        return f"{self.number} {self.body} {self.region_code}"

    @property
    def reasons(self) -> list[str]:
        return [r for r in self.eligibility_reasons.split(",") if r]

    @property
    def warnings(self) -> list[str]:
        return [w for w in self.eligibility_warnings.split(",") if w]


class ApplicationDocument(models.Model):
    class Kind(models.TextChoices):
        KTP = "ktp", _("KTP-el")
        DIPLOMA = "ijazah", _("Ijazah terakhir")
        HEALTH = "surat_sehat", _("Surat keterangan sehat")
        STATEMENT = "surat_pernyataan", _("Surat pernyataan")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(upload_to="adhoc/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True, default="")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="adhoc_document_kind"),
        ]

    def __str__(self):
        return f"{self.application_id}:{self.kind}"
