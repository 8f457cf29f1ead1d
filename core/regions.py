"""Administrative regions the store ships to. Kenya first; other countries take free text."""

KENYA_COUNTIES = (
    "Baringo", "Bomet", "Bungoma", "Busia", "Elgeyo-Marakwet", "Embu", "Garissa", "Homa Bay",
    "Isiolo", "Kajiado", "Kakamega", "Kericho", "Kiambu", "Kilifi", "Kirinyaga", "Kisii", "Kisumu",
    "Kitui", "Kwale", "Laikipia", "Lamu", "Machakos", "Makueni", "Mandera", "Marsabit", "Meru",
    "Migori", "Mombasa", "Murang'a", "Nairobi", "Nakuru", "Nandi", "Narok", "Nyamira", "Nyandarua",
    "Nyeri", "Samburu", "Siaya", "Taita-Taveta", "Tana River", "Tharaka-Nithi", "Trans Nzoia",
    "Turkana", "Uasin Gishu", "Vihiga", "Wajir", "West Pokot",
)  # fmt: skip


def _key(name: str) -> str:
    text = name.strip().lower()
    if text.endswith(" county"):
        text = text[: -len(" county")]
    return "".join(ch for ch in text if ch.isalnum())


_KENYA_BY_KEY = {_key(name): name for name in KENYA_COUNTIES}


def canonical_county(country: str, county: str) -> str | None:
    """
    Return the county's canonical spelling ("nairobi county" → "Nairobi"), or None if unknown.

    Shipping zones match addresses by county, so Kenyan counties must be spelled one way.
    Other countries' regions are kept as written.
    """
    if country.upper() != "KE":
        return county.strip()
    return _KENYA_BY_KEY.get(_key(county))
