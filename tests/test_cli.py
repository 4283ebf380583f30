"""The `easypay` command as operators and scripts use it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EASYPAY = str(Path(sys.executable).parent / "easypay")


def run(settings, *args: str, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "EASYPAY_DATABASE_URL": settings.database_url,
        "EASYPAY_SECRET_KEY": settings.secret_key,
        "EASYPAY_VAR_DIR": str(settings.var_dir),
    }
    return subprocess.run(
        [EASYPAY, *args], env=env, capture_output=True, text=True, timeout=120, input=input_text
    )


class TestUserCreate:
    async def test_prints_ids_and_token_as_json(self, settings, client):
        result = run(
            settings,
            "user",
            "create",
            "--phone",
            "010-5555-1234",
            "--name",
            "홍길동",
            "--birth-date",
            "1991-03-01",
            "--password",
            "pa55-word-ok",
            "--pin",
            "246801",
            "--token",
            "--json",
        )
        assert result.returncode == 0, result.stderr
        created = json.loads(result.stdout)
        assert created["phone"] == "+821055551234"
        assert created["pin_set"] is True
        me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"})
        assert me.json()["id"] == created["user_id"]

    async def test_bad_input_fails_cleanly(self, settings):
        result = run(
            settings,
            "user",
            "create",
            "--phone",
            "12",
            "--name",
            "홍길동",
            "--birth-date",
            "1991-03-01",
            "--password",
            "pa55-word-ok",
            "--json",
        )
        assert result.returncode != 0
        assert "Phone number" in result.stderr + result.stdout


class TestMerchantCreate:
    async def test_prints_keys_once_as_json(self, settings):
        result = run(
            settings, "merchant", "create", "--name", "My Shop", "--cid", "MYSHOP0001", "--json"
        )
        assert result.returncode == 0, result.stderr
        created = json.loads(result.stdout)
        assert created["cids"] == ["MYSHOP0001"]
        assert len(created["admin_key"]) == 32
        assert created["secret_key"].startswith("DEV")
        again = run(
            settings, "merchant", "create", "--name", "Copy", "--cid", "MYSHOP0001", "--json"
        )
        assert again.returncode != 0


class TestCreateOperator:
    async def test_operator_can_read_the_console_api(self, settings, client):
        result = run(
            settings,
            "admin",
            "create-operator",
            "--phone",
            "010-5555-0000",
            "--name",
            "관리자",
            "--birth-date",
            "1980-01-01",
            "--password",
            "operator-pass-1",
            "--json",
        )
        assert result.returncode == 0, result.stderr
        session = await client.post(
            "/api/v1/sessions", json={"phone": "010-5555-0000", "password": "operator-pass-1"}
        )
        headers = {"Authorization": f"Bearer {session.json()['token']}"}
        health = await client.get("/api/v1/admin/ledger/health", headers=headers)
        assert health.status_code == 200
        assert health.json()["ok"] is True


class TestDemoAndVerify:
    async def test_demo_loads_once_and_the_ledger_verifies(self, settings, client):
        first = run(settings, "demo")
        assert first.returncode == 0, first.stderr
        assert "loaded" in first.stderr
        second = run(settings, "demo")
        assert "already present" in second.stderr
        session = await client.post(
            "/api/v1/sessions", json={"phone": "010-1234-5678", "password": "easypay-demo-1"}
        )
        headers = {"Authorization": f"Bearer {session.json()['token']}"}
        balance = await client.get("/api/v1/money/balance", headers=headers)
        assert balance.json()["balance"] == 100_000
        verify = run(settings, "ledger", "verify")
        assert verify.returncode == 0, verify.stdout + verify.stderr
        assert "all invariants hold" in verify.stderr
