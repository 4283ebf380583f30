"""Strings of the operator's institution and transparency-log pages: key → (Korean, English)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "institutions.admin.tab": ("기관", "Institutions"),
    "tlog.admin.tab": ("투명성 로그", "Transparency log"),
}
