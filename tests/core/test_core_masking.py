import pytest

from pilkada.audit.models import AuditEntry
from pilkada.core.masking import (
    log_unmasked_access,
    mask_address,
    mask_birth_date,
    mask_name,
    mask_nik,
)


def test_nik_keeps_region_and_last_two_digits():
    assert mask_nik("3171014101900001") == "317101********01"
    assert mask_nik("12345") == "12*45"
    assert mask_nik("") == ""


def test_name_keeps_first_and_last_letters_of_each_word():
    assert mask_name("SITI NURHALIZA") == "S**I N*******A"
    assert mask_name("AL B") == "A* B"


def test_birth_date_and_address():
    import datetime as dt

    assert mask_birth_date(dt.date(1990, 4, 1)) == "**-**-1990"
    assert mask_address("JL. KENANGA NO. 5", "001", "002") == "****** RT 001/RW 002"


@pytest.mark.django_db
def test_unmasked_access_is_audited():
    log_unmasked_access(actor="tester", what="voters.test", object_type="voters.Voter",
                        object_ids=[1, 2, 3])
    entry = AuditEntry.objects.get(action="personal_data.unmasked")
    assert entry.object_id == "voters.test"
    assert entry.new["count"] == 3
