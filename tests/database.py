"""What the database says when it refuses a row, on SQLite and on PostgreSQL alike."""

import re


def violates(constraint: str, *columns: str) -> str:
    """A ``match=`` pattern for the IntegrityError of ``constraint``.

    PostgreSQL names the constraint that refused the row. SQLite names a check constraint too,
    but a unique one by its columns: give them as ``"table.column"``.

        with pytest.raises(IntegrityError, match=violates("response_reason_required")):
    """
    pattern = re.escape(constraint)
    if columns:
        pattern += "|UNIQUE constraint failed: " + re.escape(", ".join(columns))
    return pattern
