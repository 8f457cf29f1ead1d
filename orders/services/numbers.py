import secrets

# Crockford's base32 without I, L, O and U: nothing a customer reading the number on the phone can mistake.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def order_number_new() -> str:
    """
    `DK-7F3K-9Q2M`: 12 characters (M-Pesa's AccountReference limit), random so it reveals nothing
    about sales volume, 32⁸ ≈ 10¹² values; the unique index catches the rare collision.
    """
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"DK-{code[:4]}-{code[4:]}"
