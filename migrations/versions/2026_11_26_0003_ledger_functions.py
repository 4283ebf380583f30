"""ledger functions: transfers in one round trip on PostgreSQL

Two PL/pgSQL functions behind `easypay.ledger.postgres`, with exactly the semantics of
`ledger.service.transfer` for each transfer: a transfer already made under the request's key
answers for it (the same transfer: returned again; another one: "key reused"), whatever the
balances say now; otherwise the transfer is made or refused.

- `ledger_transfer(...)`: one transfer; one conditional UPDATE per side in ascending id order,
  then the insert (a taken key undoes the sides); the key is looked up only after a refusal or
  a taken key.
- `ledger_transfer_batch(...)`: many transfers. The touched accounts are locked once in
  ascending id order and loaded; the transfers are decided one after the other in memory (each
  sees the sums left by the ones before it); the accepted ones are inserted in one statement,
  and every account is updated once with its net change. Keys are not looked up in advance:
  when a refused transfer's key is taken, or the insert hits a taken key (a replay, or a key a
  concurrent transaction has committed meanwhile), the insert is rolled back and the batch
  decided again, this time with the taken keys known.

Result status codes (both functions): 0 made, 1 replay of an existing transfer (its id,
expires_at, reference and created_at are returned), 2 account not found, 3 unit mismatch,
4 holding cap exceeded, 5 insufficient funds, 6 transfer key reused.

Nothing on SQLite.

Revision ID: 0f29c41e5653
Revises: 5a06513b6f5c
Create Date: 2026-11-26 23:40:00.000000+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0f29c41e5653"
down_revision: str | None = "5a06513b6f5c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRANSFER = r"""
CREATE OR REPLACE FUNCTION ledger_transfer(
    p_key text, p_kind text, p_debit bigint, p_credit bigint, p_amount bigint, p_unit text,
    p_code text, p_reference text, p_expires_at timestamptz, p_cap bigint,
    p_created_at timestamptz,
    OUT r_status smallint, OUT r_id bigint, OUT r_expires_at timestamptz, OUT r_reference text,
    OUT r_created_at timestamptz)
LANGUAGE plpgsql AS $function$
DECLARE
    v_held bigint := CASE WHEN p_kind = 'pending' THEN p_amount ELSE 0 END;
    v_posted bigint := CASE WHEN p_kind = 'pending' THEN 0 ELSE p_amount END;
    v_side bigint;
    v_applied bigint;
    v_refusal smallint := 0;
    v_unit text;
    v_found boolean;
    v_existing ledger_transfers%ROWTYPE;
BEGIN
    -- Each side is one conditional UPDATE, in ascending id order (no deadlocks); a refusal
    -- undoes the side applied before it and says why, as the generic path does.
    FOREACH v_side IN ARRAY ARRAY[least(p_debit, p_credit), greatest(p_debit, p_credit)] LOOP
        IF v_side = p_debit THEN
            UPDATE ledger_accounts
               SET debits_pending = debits_pending + v_held,
                   debits_posted = debits_posted + v_posted
             WHERE id = p_debit AND unit = p_unit
               AND ((flags & 1) = 0 OR debits_pending + debits_posted + p_amount <= credits_posted);
        ELSE
            UPDATE ledger_accounts
               SET credits_pending = credits_pending + v_held,
                   credits_posted = credits_posted + v_posted
             WHERE id = p_credit AND unit = p_unit
               AND ((flags & 2) = 0 OR credits_pending + credits_posted + p_amount <= debits_posted)
               AND (p_cap IS NULL
                    OR credits_posted + credits_pending - debits_posted + p_amount <= p_cap);
        END IF;
        IF NOT FOUND THEN
            IF v_applied = p_debit THEN
                UPDATE ledger_accounts
                   SET debits_pending = debits_pending - v_held,
                       debits_posted = debits_posted - v_posted
                 WHERE id = p_debit;
            ELSIF v_applied = p_credit THEN
                UPDATE ledger_accounts
                   SET credits_pending = credits_pending - v_held,
                       credits_posted = credits_posted - v_posted
                 WHERE id = p_credit;
            END IF;
            SELECT unit INTO v_unit FROM ledger_accounts WHERE id = v_side;
            v_found := FOUND;
            v_refusal := CASE WHEN NOT v_found THEN 2
                              WHEN v_unit <> p_unit THEN 3
                              WHEN v_side = p_credit AND p_cap IS NOT NULL THEN 4
                              ELSE 5 END;
            EXIT;
        END IF;
        v_applied := v_side;
    END LOOP;

    IF v_refusal = 0 THEN
        INSERT INTO ledger_transfers (transfer_key, kind, debit_account_id, credit_account_id,
                                      amount, unit, pending_id, expires_at, code, reference,
                                      created_at)
        VALUES (p_key, p_kind, p_debit, p_credit, p_amount, p_unit, NULL, p_expires_at, p_code,
                p_reference, p_created_at)
        ON CONFLICT DO NOTHING
        RETURNING id INTO r_id;
        IF r_id IS NOT NULL THEN
            r_status := 0;
            RETURN;
        END IF;
        -- The key was used before: undo.
        UPDATE ledger_accounts
           SET debits_pending = debits_pending - v_held, debits_posted = debits_posted - v_posted
         WHERE id = p_debit;
        UPDATE ledger_accounts
           SET credits_pending = credits_pending - v_held,
               credits_posted = credits_posted - v_posted
         WHERE id = p_credit;
    END IF;

    -- Refused now, or the key is taken: a transfer made earlier under this key answers if it
    -- is the same transfer ("key reused" otherwise); with none, the refusal stands.
    SELECT * INTO v_existing FROM ledger_transfers WHERE transfer_key = p_key;
    IF FOUND THEN
        IF v_existing.kind = p_kind AND v_existing.debit_account_id = p_debit
           AND v_existing.credit_account_id = p_credit AND v_existing.amount = p_amount
           AND v_existing.unit = p_unit AND v_existing.code = p_code THEN
            r_status := 1;
            r_id := v_existing.id;
            r_expires_at := v_existing.expires_at;
            r_reference := v_existing.reference;
            r_created_at := v_existing.created_at;
        ELSE
            r_status := 6;
        END IF;
    ELSE
        r_status := CASE WHEN v_refusal <> 0 THEN v_refusal ELSE 6 END;
    END IF;
END
$function$;
"""

TRANSFER_BATCH = r"""
CREATE OR REPLACE FUNCTION ledger_transfer_batch(
    p_account_ids bigint[], p_debit_index int[], p_credit_index int[], p_amounts bigint[],
    p_units text[], p_pending boolean[], p_caps bigint[], p_keys text[], p_codes text[],
    p_references text[], p_expires_at timestamptz[], p_created_at timestamptz)
RETURNS TABLE (r_status smallint, r_id bigint, r_expires_at timestamptz, r_reference text,
               r_created_at timestamptz)
LANGUAGE plpgsql AS $function$
-- p_account_ids: every account the batch touches, distinct, ascending. Transfer i debits
-- p_account_ids[p_debit_index[i]] and credits p_account_ids[p_credit_index[i]]. The caller has
-- already refused bad amounts and transfers from an account to itself.
DECLARE
    n int := coalesce(cardinality(p_keys), 0);
    m int := coalesce(cardinality(p_account_ids), 0);
    v_sequence regclass := pg_get_serial_sequence('ledger_transfers', 'id')::regclass;
    -- the accounts, aligned with p_account_ids: as loaded (a_*), and as the batch goes (w_*)
    a_found boolean[]; a_unit text[]; a_flags int[];
    a_dp bigint[]; a_dq bigint[]; a_cp bigint[]; a_cq bigint[];
    w_dp bigint[]; w_dq bigint[]; w_cp bigint[]; w_cq bigint[];
    v_found_ids bigint[];
    v_previous int[];  -- the previous transfer of this batch with the same key, or 0
    -- transfers already in the table with a key of this batch (looked up after a taken key)
    v_check_keys boolean := false;
    e_id bigint[]; e_kind text[]; e_debit bigint[]; e_credit bigint[]; e_amount bigint[];
    e_unit text[]; e_code text[]; e_expires timestamptz[]; e_reference text[];
    e_created timestamptz[];
    -- per transfer: the answer
    v_status smallint[]; v_id bigint[]; v_expires timestamptz[]; v_reference text[];
    v_created timestamptz[];
    v_attempt int := 0;
    i int; j int; d int; c int; s int; v_amount bigint; v_cap bigint; v_unit text;
    v_refusal smallint; v_row record;
BEGIN
    IF n = 0 THEN
        RETURN;
    END IF;

    -- Lock the touched accounts in ascending id order (no deadlocks), and load them. NO KEY
    -- UPDATE, as an UPDATE takes: it lets the foreign-key checks of other inserts (KEY SHARE)
    -- through, which FOR UPDATE would block (a deadlock with a concurrent post or void).
    SELECT coalesce(array_agg(x.id ORDER BY x.id), '{}'), array_agg(x.unit ORDER BY x.id),
           array_agg(x.flags ORDER BY x.id), array_agg(x.debits_pending ORDER BY x.id),
           array_agg(x.debits_posted ORDER BY x.id), array_agg(x.credits_pending ORDER BY x.id),
           array_agg(x.credits_posted ORDER BY x.id)
      INTO v_found_ids, a_unit, a_flags, a_dp, a_dq, a_cp, a_cq
      FROM (SELECT la.id, la.unit, la.flags, la.debits_pending, la.debits_posted,
                   la.credits_pending, la.credits_posted
              FROM ledger_accounts la WHERE la.id = ANY(p_account_ids)
             ORDER BY la.id FOR NO KEY UPDATE) AS x;
    IF v_found_ids = p_account_ids THEN
        a_found := array_fill(true, ARRAY[m]);
    ELSE
        -- Some accounts do not exist (or the caller broke the contract): align with the ids.
        IF EXISTS (SELECT 1
                     FROM (SELECT t.id, lag(t.id) OVER (ORDER BY t.o) AS before
                             FROM unnest(p_account_ids) WITH ORDINALITY AS t(id, o)) AS u
                    WHERE u.id IS NULL OR u.id <= u.before) THEN
            RAISE EXCEPTION 'ledger_transfer_batch: account ids must be distinct and ascending';
        END IF;
        SELECT array_agg(f.id IS NOT NULL ORDER BY u.o), array_agg(f.unit ORDER BY u.o),
               array_agg(coalesce(f.flags, 0) ORDER BY u.o),
               array_agg(coalesce(f.dp, 0) ORDER BY u.o), array_agg(coalesce(f.dq, 0) ORDER BY u.o),
               array_agg(coalesce(f.cp, 0) ORDER BY u.o), array_agg(coalesce(f.cq, 0) ORDER BY u.o)
          INTO a_found, a_unit, a_flags, a_dp, a_dq, a_cp, a_cq
          FROM unnest(p_account_ids) WITH ORDINALITY AS u(id, o)
          LEFT JOIN unnest(v_found_ids, a_unit, a_flags, a_dp, a_dq, a_cp, a_cq)
               AS f(id, unit, flags, dp, dq, cp, cq) ON f.id = u.id;
    END IF;

    SELECT array_agg(coalesce(k.before, 0) ORDER BY k.o) INTO v_previous
      FROM (SELECT t.o, lag(t.o) OVER (PARTITION BY t.key ORDER BY t.o)::int AS before
              FROM unnest(p_keys) WITH ORDINALITY AS t(key, o)) AS k;

    LOOP
        v_attempt := v_attempt + 1;
        w_dp := a_dp; w_dq := a_dq; w_cp := a_cp; w_cq := a_cq;
        v_status := array_fill(NULL::smallint, ARRAY[n]);
        v_id := array_fill(NULL::bigint, ARRAY[n]);
        v_expires := array_fill(NULL::timestamptz, ARRAY[n]);
        v_reference := array_fill(NULL::text, ARRAY[n]);
        v_created := array_fill(NULL::timestamptz, ARRAY[n]);
        e_id := array_fill(NULL::bigint, ARRAY[n]);
        IF v_check_keys THEN
            e_kind := array_fill(NULL::text, ARRAY[n]);
            e_debit := array_fill(NULL::bigint, ARRAY[n]);
            e_credit := array_fill(NULL::bigint, ARRAY[n]);
            e_amount := array_fill(NULL::bigint, ARRAY[n]);
            e_unit := array_fill(NULL::text, ARRAY[n]);
            e_code := array_fill(NULL::text, ARRAY[n]);
            e_expires := array_fill(NULL::timestamptz, ARRAY[n]);
            e_reference := array_fill(NULL::text, ARRAY[n]);
            e_created := array_fill(NULL::timestamptz, ARRAY[n]);
            FOR v_row IN
                SELECT k.o, t.id, t.kind, t.debit_account_id, t.credit_account_id, t.amount,
                       t.unit, t.code, t.expires_at, t.reference, t.created_at
                  FROM unnest(p_keys) WITH ORDINALITY AS k(key, o)
                  JOIN ledger_transfers t ON t.transfer_key = k.key
            LOOP
                e_id[v_row.o] := v_row.id; e_kind[v_row.o] := v_row.kind;
                e_debit[v_row.o] := v_row.debit_account_id;
                e_credit[v_row.o] := v_row.credit_account_id;
                e_amount[v_row.o] := v_row.amount; e_unit[v_row.o] := v_row.unit;
                e_code[v_row.o] := v_row.code; e_expires[v_row.o] := v_row.expires_at;
                e_reference[v_row.o] := v_row.reference; e_created[v_row.o] := v_row.created_at;
            END LOOP;
        END IF;

        FOR i IN 1..n LOOP
            d := p_debit_index[i]; c := p_credit_index[i]; v_amount := p_amounts[i];
            v_unit := p_units[i]; v_cap := p_caps[i];
            v_refusal := 0;
            -- A taken key (a transfer in the table, or one made earlier in this batch) answers
            -- for the transfer made under it if it is the same transfer, else "key reused",
            -- whatever the balances say now.
            IF e_id[i] IS NOT NULL THEN
                IF e_kind[i] = (CASE WHEN p_pending[i] THEN 'pending' ELSE 'single' END)
                   AND e_debit[i] = p_account_ids[d] AND e_credit[i] = p_account_ids[c]
                   AND e_amount[i] = v_amount AND e_unit[i] = v_unit
                   AND e_code[i] = p_codes[i] THEN
                    v_refusal := 1;
                    v_id[i] := e_id[i]; v_expires[i] := e_expires[i];
                    v_reference[i] := e_reference[i]; v_created[i] := e_created[i];
                ELSE
                    v_refusal := 6;
                END IF;
            ELSE
                j := v_previous[i];
                WHILE j > 0 AND v_status[j] <> 0 LOOP
                    j := v_previous[j];
                END LOOP;
                IF j > 0 THEN
                    IF p_pending[j] = p_pending[i] AND p_debit_index[j] = d
                       AND p_credit_index[j] = c AND p_amounts[j] = v_amount
                       AND p_units[j] = v_unit AND p_codes[j] = p_codes[i] THEN
                        v_refusal := 1;
                        v_id[i] := v_id[j]; v_expires[i] := p_expires_at[j];
                        v_reference[i] := p_references[j]; v_created[i] := p_created_at;
                    ELSE
                        v_refusal := 6;
                    END IF;
                END IF;
            END IF;
            -- Both sides, in ascending id order; the first refusal is the answer.
            IF v_refusal = 0 THEN
                FOREACH s IN ARRAY ARRAY[least(d, c), greatest(d, c)] LOOP
                    IF NOT a_found[s] THEN
                        v_refusal := 2;
                    ELSIF a_unit[s] <> v_unit THEN
                        v_refusal := 3;
                    ELSIF s = d THEN
                        IF (a_flags[s] & 1) <> 0 AND w_dp[s] + w_dq[s] + v_amount > w_cq[s] THEN
                            v_refusal := 5;
                        END IF;
                    ELSIF ((a_flags[s] & 2) <> 0 AND w_cp[s] + w_cq[s] + v_amount > w_dq[s])
                          OR (v_cap IS NOT NULL
                              AND w_cq[s] + w_cp[s] - w_dq[s] + v_amount > v_cap) THEN
                        v_refusal := CASE WHEN v_cap IS NOT NULL THEN 4 ELSE 5 END;
                    END IF;
                    EXIT WHEN v_refusal <> 0;
                END LOOP;
            END IF;
            IF v_refusal = 0 THEN
                IF p_pending[i] THEN
                    w_dp[d] := w_dp[d] + v_amount; w_cp[c] := w_cp[c] + v_amount;
                ELSE
                    w_dq[d] := w_dq[d] + v_amount; w_cq[c] := w_cq[c] + v_amount;
                END IF;
                v_id[i] := nextval(v_sequence);
            END IF;
            v_status[i] := v_refusal;
        END LOOP;

        -- Keys are looked up only when needed: a refused transfer may have been made before
        -- under its key (then that transfer answers), and an insert that hits a taken key
        -- raises unique_violation; both decide the batch again with the taken keys known.
        IF NOT v_check_keys AND EXISTS (
            SELECT 1
              FROM unnest(v_status, p_keys) AS r(status, key)
              JOIN ledger_transfers t ON t.transfer_key = r.key
             WHERE r.status BETWEEN 2 AND 5) THEN
            v_check_keys := true;
            CONTINUE;
        END IF;
        BEGIN
            INSERT INTO ledger_transfers (id, transfer_key, kind, debit_account_id,
                                          credit_account_id, amount, unit, pending_id,
                                          expires_at, code, reference, created_at)
            SELECT r.id, r.key, CASE WHEN r.held THEN 'pending' ELSE 'single' END,
                   p_account_ids[r.d], p_account_ids[r.c], r.amount, r.unit, NULL, r.expires,
                   r.code, r.reference, p_created_at
              FROM unnest(v_status, v_id, p_keys, p_pending, p_debit_index, p_credit_index,
                          p_amounts, p_units, p_expires_at, p_codes, p_references)
                   AS r(status, id, key, held, d, c, amount, unit, expires, code, reference)
             WHERE r.status = 0;
        EXCEPTION WHEN unique_violation THEN
            -- A key of this batch is taken (a replay, or a key a concurrent transaction has
            -- committed since): decide again, looking the keys up first.
            IF v_attempt >= 5 THEN
                RAISE EXCEPTION 'ledger_transfer_batch: transfer keys keep being taken'
                      USING ERRCODE = '40001';
            END IF;
            v_check_keys := true;
            CONTINUE;
        END;
        EXIT;
    END LOOP;

    -- One update per account, with its net change.
    UPDATE ledger_accounts la
       SET debits_pending = la.debits_pending + (x.wdp - x.dp),
           debits_posted = la.debits_posted + (x.wdq - x.dq),
           credits_pending = la.credits_pending + (x.wcp - x.cp),
           credits_posted = la.credits_posted + (x.wcq - x.cq)
      FROM unnest(p_account_ids, a_dp, a_dq, a_cp, a_cq, w_dp, w_dq, w_cp, w_cq)
           AS x(id, dp, dq, cp, cq, wdp, wdq, wcp, wcq)
     WHERE la.id = x.id
       AND (x.wdp <> x.dp OR x.wdq <> x.dq OR x.wcp <> x.cp OR x.wcq <> x.cq);

    RETURN QUERY SELECT * FROM unnest(v_status, v_id, v_expires, v_reference, v_created);
END
$function$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(TRANSFER)
    op.execute(TRANSFER_BATCH)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DROP FUNCTION IF EXISTS ledger_transfer_batch(bigint[], int[], int[], bigint[], text[], "
        "boolean[], bigint[], text[], text[], text[], timestamptz[], timestamptz)"
    )
    op.execute(
        "DROP FUNCTION IF EXISTS ledger_transfer(text, text, bigint, bigint, bigint, text, text, "
        "text, timestamptz, bigint, timestamptz)"
    )
