"""The password policy: at least 12 characters, and not guessable.

"Not guessable" is zxcvbn's verdict (the ``zxcvbn`` package, a maintained Python port of
Dropbox's estimator): it ships the 30,000 most common passwords of public breach corpora and
English words, names and keyboard patterns, and scores a password 0-4 by the guesses an attacker
needs. A score under 3 (fewer than about 10^8 guesses) is refused with zxcvbn's own reason
("This is a top-10 common password", "Repeats like abcabc..."). The check runs offline: no
password leaves the server. The user's own username and names count as guessable too.

Passwords are set through the API (``POST/PATCH /api/v1/users``, ``PUT /api/v1/me/password``);
the demo loader seeds its documented demo password without the policy (``app.demo.loader``).
"""

from __future__ import annotations

from collections.abc import Iterable

from zxcvbn import zxcvbn

from app.errors import Invalid

MIN_LENGTH = 12
MAX_LENGTH = 200
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable: moderate protection from offline attack"


def check_password(
    password: str, *, user_inputs: Iterable[str] = (), field: str = "password"
) -> None:
    """Refuse a password under the policy with a 422 saying why (both languages)."""
    if len(password) < MIN_LENGTH:
        raise Invalid.field(
            field,
            f"at least {MIN_LENGTH} characters, not {len(password)} (密码至少 {MIN_LENGTH} 个字符)",
        )
    if len(password) > MAX_LENGTH:
        raise Invalid.field(
            field, f"at most {MAX_LENGTH} characters (密码最多 {MAX_LENGTH} 个字符)"
        )
    verdict = zxcvbn(password, user_inputs=[i for i in user_inputs if i], max_length=MAX_LENGTH)
    if verdict["score"] < MIN_SCORE:
        reason = verdict["feedback"]["warning"] or "it is too easy to guess"
        raise Invalid.field(
            field,
            f"too common or easy to guess: {reason} (密码过于常见或容易猜到)",
        )
