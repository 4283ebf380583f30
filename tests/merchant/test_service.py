"""Merchant rules: business numbers, self sign-up, review, keys and the settlement account."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from easypay.db import Database
from easypay.errors import InvalidInput
from easypay.kit.crypto import sha256_hex
from easypay.merchant import service
from easypay.merchant.errors import (
    AlreadyApplied,
    BusinessNumberTaken,
    InvalidBusinessNumber,
    MerchantNotActive,
    MerchantNotFound,
    MerchantNotPending,
    SettlementHolderMismatch,
)
from easypay.models import LedgerAccount, Merchant, MerchantCid
from easypay.money.errors import BankAccountNotFound, UnknownBank
from easypay.money.gateway import BankGateway
from tests.merchant import builders as build
from tests.payment import builders as pay


async def merchant_count(database: Database) -> int:
    async with database.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(Merchant))).scalar_one())


class TestBusinessNumber:
    @pytest.mark.no_database
    @pytest.mark.parametrize(
        "raw", ["124-81-00998", "2208162517", " 220-81-62517 ", "120 81 47521"]
    )
    def test_valid_numbers_become_ten_digits(self, raw: str) -> None:
        assert service.business_number(raw) == raw.replace("-", "").replace(" ", "")

    @pytest.mark.no_database
    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "1248100997",  # wrong check digit
            "1234567890",
            "124810099",  # nine digits
            "12481009981",  # eleven
            "12481OO998",  # letters
            "１２４８１００９９８",  # full-width digits
            "-124810099",
            "124-81-0099８",
        ],
    )
    def test_bad_numbers_are_refused(self, raw: str) -> None:
        with pytest.raises(InvalidBusinessNumber):
            service.business_number(raw)

    @pytest.mark.no_database
    def test_the_builder_makes_valid_numbers(self) -> None:
        for serial in range(200):
            number = build.business_number(serial)
            assert service.business_number(number) == number
            with pytest.raises(InvalidBusinessNumber):
                service.business_number(build.with_wrong_check_digit(number))


class TestApply:
    async def test_an_application_waits_with_one_cid_and_no_usable_keys(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner = await build.applicant(client, database)
        number = build.business_number(dashed=True)
        merchant = await build.apply(database, bank, owner, "  초코   상점 ", number)
        assert merchant.status == "pending"
        assert merchant.name == "초코 상점"
        assert merchant.owner_id == owner.user_id
        assert merchant.business_number == number.replace("-", "")
        assert merchant.approved_at is None
        assert not service.keys_issued(merchant)
        assert (merchant.settlement_bank_code, merchant.settlement_account_number) == (
            owner.bank_code,
            owner.account_number,
        )
        assert merchant.settlement_holder_name == "김민준"
        async with database.transaction() as session:
            cids = await service.cids(session, merchant)
            payable = await session.execute(
                select(LedgerAccount).where(LedgerAccount.owner_id == merchant.id)
            )
        assert len(cids) == 1
        assert service.CID_PATTERN.match(cids[0].cid)
        assert payable.scalars().first() is not None

    async def test_a_pending_merchant_cannot_call_the_api(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner = await build.applicant(client, database)
        merchant = await build.apply(database, bank, owner)
        # Whatever key one tries, nothing matches the marker kept until keys are issued.
        for key in ("", merchant.admin_key_hash, merchant.admin_key_hash[len(service.UNISSUED) :]):
            response = await client.post(
                "/v1/payment/ready", headers={"Authorization": f"KakaoAK {key}"}
            )
            assert response.status_code == 401
        # Even a pending merchant that somehow holds real key digests is refused by its status.
        admin_key = "a" * 32
        async with database.transaction() as session:
            pending = await session.get(Merchant, merchant.id)
            assert pending is not None
            assert pending.status == "pending"
            pending.admin_key_hash = sha256_hex(admin_key)
        response = await client.post(
            "/v1/payment/ready", headers={"Authorization": f"KakaoAK {admin_key}"}
        )
        assert response.status_code == 401

    async def test_one_open_application_per_person(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner = await build.applicant(client, database)
        first = await build.apply(database, bank, owner)
        with pytest.raises(AlreadyApplied):
            await build.apply(database, bank, owner, "두번째상점")
        await build.approve(database, first.id)
        with pytest.raises(AlreadyApplied):  # an approved merchant counts too
            await build.apply(database, bank, owner, "두번째상점")
        assert await merchant_count(database) == 1

    async def test_a_business_number_in_use_is_refused(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        number = build.business_number()
        first = await build.apply(
            database, bank, await build.applicant(client, database), number=number
        )
        other = await build.applicant(client, database, "이서연")
        with pytest.raises(BusinessNumberTaken):
            await build.apply(
                database,
                bank,
                other,
                "다른상점",
                build.business_number(int(number[5:9]), dashed=True),
            )
        assert await merchant_count(database) == 1
        async with database.transaction() as session:
            await service.reject(session, first.id)
        # A rejected application frees the number.
        again = await build.apply(database, bank, other, "다른상점", number)
        assert again.status == "pending"

    async def test_a_rejected_applicant_may_apply_again(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner = await build.applicant(client, database)
        first = await build.apply(database, bank, owner)
        async with database.transaction() as session:
            rejected = await service.reject(session, first.id)
        assert rejected.status == "rejected"
        second = await build.apply(database, bank, owner)
        assert second.id != first.id
        user = await build.user_of(database, owner)
        async with database.transaction() as session:
            assert (await service.application_of(session, user)).id == second.id  # type: ignore[union-attr]
            assert await service.merchant_of(session, user) is None

    @pytest.mark.parametrize("name", ["", "   ", "가" * 101])
    async def test_bad_names_are_refused(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway, name: str
    ) -> None:
        owner = await build.applicant(client, database)
        with pytest.raises(InvalidInput):
            await build.apply(database, bank, owner, name)
        assert await merchant_count(database) == 0

    async def test_bad_business_numbers_create_nothing(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner = await build.applicant(client, database)
        for number in (
            "1234567890",
            "12345",
            build.with_wrong_check_digit(build.business_number()),
        ):
            with pytest.raises(InvalidBusinessNumber):
                await build.apply(database, bank, owner, number=number)
        assert await merchant_count(database) == 0

    async def test_the_account_must_be_the_applicants_or_the_business(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner = await build.applicant(client, database)
        user = await build.user_of(database, owner)
        strangers = await build.open_account(database, "박지훈")
        business = await build.open_account(database, "초코 상점")
        async with database.transaction() as session:
            with pytest.raises(SettlementHolderMismatch):
                await service.apply(
                    session, bank, user, "초코상점", build.business_number(), "088", strangers
                )
        assert await merchant_count(database) == 0
        async with database.transaction() as session:
            merchant = await service.apply(
                session, bank, user, "초코상점", build.business_number(), "088", business
            )
        assert merchant.settlement_holder_name == "초코 상점"

    async def test_unknown_accounts_and_banks_are_refused(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner = await build.applicant(client, database)
        user = await build.user_of(database, owner)
        cases = [
            ("088", "999999999999", BankAccountNotFound),
            ("999", owner.account_number, UnknownBank),
            ("088", "12-34", InvalidInput),
            ("088", "", InvalidInput),
        ]
        for bank_code, number, error in cases:
            async with database.transaction() as session:
                with pytest.raises(error):
                    await service.apply(
                        session, bank, user, "초코상점", build.business_number(), bank_code, number
                    )
        assert await merchant_count(database) == 0


class TestReview:
    async def test_approve_makes_the_merchant_active(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        applied = await build.apply(database, bank, await build.applicant(client, database))
        async with database.transaction() as session:
            approved = await service.approve(session, applied.id, fee_bp=180)
        assert approved.status == "active"
        assert approved.approved_at is not None
        assert approved.fee_bp == 180
        assert not service.keys_issued(approved)  # the owner issues them on the dashboard

    async def test_only_pending_applications_are_reviewed(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        applied = await build.apply(database, bank, await build.applicant(client, database))
        await build.approve(database, applied.id)
        for review in (service.approve, service.reject):
            async with database.transaction() as session:
                with pytest.raises(MerchantNotPending):
                    await review(session, applied.id)
        assert (await build.merchant(database, applied.id)).status == "active"

    async def test_unknown_merchants_and_bad_fees(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        async with database.transaction() as session:
            with pytest.raises(MerchantNotFound):
                await service.approve(session, 999_999)
            with pytest.raises(MerchantNotFound):
                await service.reject(session, 999_999)
        applied = await build.apply(database, bank, await build.applicant(client, database))
        for fee in (-1, 10_001):
            async with database.transaction() as session:
                with pytest.raises(InvalidInput):
                    await service.approve(session, applied.id, fee_bp=fee)
        assert (await build.merchant(database, applied.id)).status == "pending"


class TestKeys:
    async def test_rotation_stops_the_old_keys_at_once(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        _, old = await build.approved_shop(client, database, bank)
        started = await pay.ready(client, old)  # the first keys work
        new = await build.issue_keys(database, old.merchant_id)
        assert (new.admin_key, new.secret_key) != (old.admin_key, old.secret_key)
        params = {"cid": old.cid, "tid": started.tid}
        refused = await pay.call(client, old, "order", params)
        assert refused.status_code == 401
        assert pay.error_of(refused) == -401
        assert (await pay.call(client, old, "order", params, "json")).status_code == 401
        assert (await pay.call(client, new, "order", params)).status_code == 200
        assert (await pay.call(client, new, "order", params, "json")).status_code == 200

    async def test_keys_are_kept_as_digests_only(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        _, shop = await build.approved_shop(client, database, bank)
        stored = await build.merchant(database, shop.merchant_id)
        assert stored.admin_key_hash == sha256_hex(shop.admin_key)
        assert shop.admin_key not in (stored.admin_key_hash, stored.secret_key_hash)

    async def test_pending_and_rejected_merchants_get_no_keys(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        applied = await build.apply(database, bank, await build.applicant(client, database))
        with pytest.raises(MerchantNotActive):
            await build.issue_keys(database, applied.id)
        async with database.transaction() as session:
            await service.reject(session, applied.id)
        with pytest.raises(MerchantNotActive):
            await build.issue_keys(database, applied.id)
        assert not service.keys_issued(await build.merchant(database, applied.id))


class TestSettlementAccount:
    async def test_the_bank_names_the_holder(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        _, shop = await build.approved_shop(client, database, bank)
        business = await build.open_account(database, "초코상점", bank_code="004")
        account = await service.inquire_account(bank, "004", business)
        async with database.transaction() as session:
            merchant = await session.get(Merchant, shop.merchant_id)
            assert merchant is not None
            await service.set_settlement_account(session, merchant, account)
        stored = await build.merchant(database, shop.merchant_id)
        assert (stored.settlement_bank_code, stored.settlement_account_number) == ("004", business)

    async def test_someone_elses_account_changes_nothing(
        self, client: httpx.AsyncClient, database: Database, bank: BankGateway
    ) -> None:
        owner, shop = await build.approved_shop(client, database, bank)
        strangers = await build.open_account(database, "박지훈")
        account = await service.inquire_account(bank, "088", strangers)
        async with database.transaction() as session:
            merchant = await session.get(Merchant, shop.merchant_id)
            assert merchant is not None
            with pytest.raises(SettlementHolderMismatch):
                await service.set_settlement_account(session, merchant, account)
        stored = await build.merchant(database, shop.merchant_id)
        assert stored.settlement_account_number == owner.account_number


class TestCreate:
    async def test_an_operator_made_merchant_with_an_owner(
        self, client: httpx.AsyncClient, database: Database
    ) -> None:
        owner = await build.applicant(client, database)
        user = await build.user_of(database, owner)
        async with database.transaction() as session:
            created = await service.create(session, "직영점", ["tc0direct1"], 300, owner=user)
        assert created.cids == ["TC0DIRECT1"]
        assert created.merchant.status == "active"
        assert created.merchant.owner_id == owner.user_id
        assert service.keys_issued(created.merchant)
        async with database.transaction() as session:
            with pytest.raises(AlreadyApplied):
                await service.create(session, "둘째", [], 300, owner=user)
        async with database.transaction() as session:
            count = await session.execute(select(func.count()).select_from(MerchantCid))
        assert count.scalar_one() == 1
