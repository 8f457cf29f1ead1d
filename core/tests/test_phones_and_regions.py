"""Phone numbers as M-Pesa wants them (`2547XXXXXXXX`) and Kenyan counties spelled one way."""

import pytest

from core.phones import InvalidPhoneNumber, normalize_phone
from core.regions import KENYA_COUNTIES, canonical_county


@pytest.mark.parametrize(
    "raw",
    ["0712345678", "+254712345678", "254712345678", "0712 345 678", "+254 712-345-678", " 0712345678 "],
)
def test_normalize_phone_turns_every_common_kenyan_form_into_country_code_digits(raw):
    assert normalize_phone(raw) == "254712345678"


@pytest.mark.parametrize("raw", ["0110123456", "+254110123456", "254110123456"])
def test_normalize_phone_accepts_safaricom_011_numbers(raw):
    assert normalize_phone(raw) == "254110123456"


def test_normalize_phone_keeps_a_foreign_number_written_with_its_country_code():
    assert normalize_phone("+44 20 7946 0958") == "442079460958"


def test_normalize_phone_reads_local_numbers_in_the_region_it_is_given():
    assert normalize_phone("020 7946 0958", region="GB") == "442079460958"


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "",
        "   ",
        "abc",
        "071234567",  # a digit short
        "07123456789",  # a digit too many
        "0712345678" * 4,  # 40 characters
        "call me on 0712345678 after six pm please",
    ],
)
def test_normalize_phone_rejects_what_is_not_a_phone_number(raw):
    with pytest.raises(InvalidPhoneNumber):
        normalize_phone(raw)


def test_invalid_phone_number_is_a_value_error():
    with pytest.raises(ValueError, match="valid phone number"):
        normalize_phone("abc")


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("nairobi county", "Nairobi"),
        ("NAIROBI", "Nairobi"),
        ("  Nairobi  ", "Nairobi"),
        ("Nairobi County", "Nairobi"),
        ("Murang'a", "Murang'a"),
        ("muranga", "Murang'a"),
        ("Murang\u2019a", "Murang'a"),
        ("taita taveta", "Taita-Taveta"),
        ("Elgeyo Marakwet County", "Elgeyo-Marakwet"),
        ("trans-nzoia", "Trans Nzoia"),
    ],
)
def test_canonical_county_spells_kenyan_counties_one_way(written, canonical):
    assert canonical_county("KE", written) == canonical


def test_canonical_county_knows_all_47_counties():
    assert len(set(KENYA_COUNTIES)) == 47
    for county in KENYA_COUNTIES:
        assert canonical_county("KE", county.upper()) == county


def test_canonical_county_reads_the_country_code_in_any_case():
    assert canonical_county("ke", "nairobi") == "Nairobi"


@pytest.mark.parametrize("written", ["Atlantis", "", "County"])
def test_canonical_county_answers_none_for_an_unknown_kenyan_county(written):
    assert canonical_county("KE", written) is None


@pytest.mark.parametrize(
    ("country", "written"),
    [("UG", "Kampala Central"), ("TZ", "Dar es Salaam"), ("US", "atlantis county")],
)
def test_canonical_county_keeps_other_countries_regions_as_written(country, written):
    assert canonical_county(country, written) == written
