"""Settings, read from `EASYPAY_*` environment variables.

Every setting has a default for the embedded mode (SQLite under ./var, sandbox bank mounted in
the same process), so `make run` needs no configuration at all.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EASYPAY_", extra="ignore")

    # --- where things live -------------------------------------------------------------------
    database_url: str = Field(
        "sqlite+aiosqlite:///./var/easypay.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    var_dir: Path = Field(Path("./var"), description="Embedded-mode data: database, secrets.")
    secret_key_file: Path | None = Field(
        None,
        description="File holding the server secret (PIN hashing, CSRF). Created on first start. "
        "Default: <var_dir>/secret.key. Keep it outside the database and its backups.",
    )
    secret_key: str | None = Field(
        None, description="The server secret itself (hex); overrides secret_key_file."
    )
    base_url: str = Field("http://127.0.0.1:8000", description="Public address of the app.")
    host: str = Field("127.0.0.1", description="Address `easypay serve` binds to.")
    port: int = Field(8000, description="Port `easypay serve` binds to.")
    db_pool_size: int = Field(10, description="PostgreSQL connections per process.")

    # --- the bank --------------------------------------------------------------------------
    bank_base_url: str | None = Field(
        None,
        description="Open-banking API base URL. Default: the sandbox bank mounted in this app "
        "(<base_url>/sandbox/bank).",
    )
    bank_api_token: str = Field("sandbox-token", description="Bearer token for the bank API.")
    bank_timeout_seconds: float = Field(5.0, description="Give up on a bank call after this.")
    bank_reconcile_after_seconds: int = Field(
        30, description="A bank call still unresolved after this is reconciled by the worker."
    )
    mount_sandbox: bool = Field(
        True, description="Mount the sandbox bank (/sandbox/bank) and card issuer (/sandbox/card)."
    )

    # --- the card issuer ---------------------------------------------------------------------
    card_issuer_base_url: str | None = Field(
        None,
        description="Card issuer API base URL. Default: the sandbox card issuer mounted in this "
        "app (<base_url>/sandbox/card).",
    )
    card_issuer_api_token: str = Field(
        "sandbox-card-token", description="Bearer token for the card issuer API."
    )
    card_issuer_timeout_seconds: float = Field(
        5.0, description="Give up on a card issuer call after this."
    )

    # --- product rules (specs/product-rules.md) ----------------------------------------------
    money_holding_cap: int = Field(2_000_000, description="Most Pay Money a user may hold (KRW).")
    auto_charge_step: int = Field(10_000, description="Auto-charge rounds up to this step (KRW).")
    charge_min: int = Field(1_000, description="Smallest charge (KRW).")
    pin_max_failures: int = Field(5, description="Wrong PINs in a row before value-moving locks.")
    session_days: int = Field(30, description="How long a sign-in session lasts.")
    payment_ready_minutes: int = Field(
        15, description="An online payment not approved within this expires."
    )
    tlog_origin: str | None = Field(
        None,
        description="Transparency log origin (and key name); default <host of base_url>/"
        "certificates. Never change it once checkpoints exist.",
    )
    settlement_hour_kst: int = Field(
        1,
        ge=0,
        le=23,
        description="From this hour (Korea time) the worker settles the previous business day.",
    )
    transfer_max_amount: int = Field(2_000_000, description="Most one transfer may send (KRW).")
    transfer_daily_limit: int = Field(
        5_000_000, description="Most a user may send per day (KST), all transfers together (KRW)."
    )
    transfer_receive_hours: int = Field(
        72, description="A transfer not received within this returns to the sender."
    )
    transfer_reminder_hours: int = Field(
        24, description="The recipient is reminded this long before a transfer returns."
    )

    # --- abuse limits --------------------------------------------------------------------
    signin_limit_per_phone: int = Field(10, description="Sign-in attempts per phone per window.")
    signin_limit_per_ip: int = Field(50, description="Sign-in attempts per IP per window.")
    pin_reset_limit_per_user: int = Field(
        5, description="Wrong passwords per user per window when resetting the PIN."
    )
    card_verify_limit_per_user: int = Field(
        5, description="Card registrations the issuer refuses (wrong details) per user per window."
    )
    rate_window_seconds: int = Field(300, description="Rate-limit window.")

    # --- runtime -------------------------------------------------------------------------
    run_worker_in_process: bool = Field(
        True, description="`easypay serve` also runs the worker loop (the embedded mode)."
    )
    worker_poll_seconds: float = Field(1.0, description="Worker idle poll interval.")
    secure_cookies: bool = Field(False, description="Mark cookies Secure (set true behind HTTPS).")
    max_request_bytes: int = Field(
        1_048_576, description="The largest request body accepted (413 beyond it)."
    )
    log_level: str = Field("INFO", description="Log level of the JSON logs.")
    load_demo_on_serve: bool = Field(False, description="`serve` loads the demo data first.")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def cookies_secure(self) -> bool:
        """Cookies are marked Secure when asked to, and always when the app is served over
        HTTPS (a session cookie must never travel in clear text)."""
        return self.secure_cookies or self.base_url.lower().startswith("https://")

    @property
    def bank_url(self) -> str:
        return self.bank_base_url or f"{self.base_url.rstrip('/')}/sandbox/bank"

    @property
    def card_issuer_url(self) -> str:
        return self.card_issuer_base_url or f"{self.base_url.rstrip('/')}/sandbox/card"

    @cached_property
    def server_secret(self) -> bytes:
        """The server secret kept outside the database; created on first use in embedded mode."""
        if self.secret_key:
            return bytes.fromhex(self.secret_key)
        path = self.secret_key_file or self.var_dir / "secret.key"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return bytes.fromhex(path.read_text().strip())


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(settings_of)]
