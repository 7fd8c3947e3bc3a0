"""Monthly partitions (issue 17): where rows land, creation ahead, retention by dropping a month."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import override_settings

from crms.audit.models import AuditEntry
from crms.declarations import partitions
from crms.declarations.models import Declaration, DeclarationVersion
from crms.declarations.services import amend_declaration, file_history
from crms.learning.models import HistoryLabel
from risk_engine.models import Assessment, Hit
from risk_engine.screening import screen_versions
from tests.conftest import make_user
from tests.risk_engine.conftest import file_bodies, make_criterion, make_ens, publish_criterion

MARCH, APRIL = dt.date(2025, 3, 1), dt.date(2025, 4, 1)
# Every table that points at declaration versions from outside the partitioned five: dropping a month
# deletes their rows first. A new one must be added here (and is then covered by drop_month, which
# reads the same relations): a month it would keep could not be dropped.
VERSION_DEPENDENTS = {
    "learning.HistoryLabel",
    "learning.ModelScore",
    "risk_engine.AssessmentRecord",
    "risk_engine.ScreeningFailure",
    "workbench.Case",
    "workbench.ControlResult",
    "workbench.Decision",
    "workbench.Referral",
}


@pytest.fixture
def cast(reference_data):
    return {
        "system": make_user("pt_system", "FR", "national_system"),
        "author": make_user("pt_author", "EU", "commission"),
        "approver": make_user("pt_approver", "EU", "commission_approver"),
    }


def _partition_of(table: str, column: str, value: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT DISTINCT tableoid::regclass::text FROM "{table}" WHERE "{column}" = %s', [value])
        return [row[0] for row in cursor.fetchall()]


def _history(cast, month: dt.date, count: int = 1) -> list[Declaration]:
    received = [dt.datetime.combine(month + dt.timedelta(days=9), dt.time(8, n), tzinfo=dt.UTC) for n in range(count)]
    results = file_history([make_ens() for _ in range(count)], received, user=cast["system"])
    assert [result.status for result in results] == [201] * count, [result.errors for result in results]
    return list(Declaration.objects.filter(mrn__in=[result.mrn for result in results]))


def test_the_five_tables_are_partitioned_by_range_on_their_month_column(db):
    with connection.cursor() as cursor:
        for table, column in partitions.FAMILY:
            cursor.execute(
                """SELECT p.partstrat, a.attname FROM pg_partitioned_table p
                   JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
                   WHERE p.partrelid = %s::regclass""",
                [table],
            )
            assert cursor.fetchone() == ("r", column), table


def _referencing(table: str) -> set[str]:
    """Tables with a foreign key to ``table`` in the database itself (the partitions' own excluded)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT DISTINCT c.conrelid::regclass::text FROM pg_constraint c
               WHERE c.contype = 'f' AND c.confrelid = %s::regclass AND c.conparentid = 0""",
            [table],
        )
        return {row[0] for row in cursor.fetchall()} - {name for name, _ in partitions.FAMILY}


def test_every_table_pointing_at_versions_is_known_to_retention(db):
    found = {model._meta.label for model, _field in partitions._version_dependents()}
    assert found == VERSION_DEPENDENTS
    tables = {model._meta.db_table for model, _field in partitions._version_dependents()}
    assert tables == _referencing(partitions.VERSIONS)
    declaration_tables = {model._meta.db_table for model, _field in partitions._declaration_dependents()}
    assert declaration_tables == _referencing("declarations_declaration")


def test_a_live_filing_its_amendment_and_their_screening_land_in_the_current_month(cast):
    publish_criterion(make_criterion("CRC-PART-TOYS"), cast["author"], cast["approver"])
    (mrn,) = file_bodies(cast["system"], make_ens())
    declaration = Declaration.objects.get(mrn=mrn)
    amended = make_ens(lrn=declaration.lrn, place_of_loading="CNSHA")
    assert amend_declaration(declaration, amended, user=cast["system"]).status == 201
    month = partitions.month_start(dt.datetime.now(dt.UTC))
    versions = list(DeclarationVersion.objects.filter(declaration=declaration).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    screen_versions([v.pk for v in versions])
    for version in versions:
        assert partitions.month_of_id(version.pk) == month
        expected = {table: [partitions.partition_name(table, month)] for table, _ in partitions.FAMILY}
        assert _partition_of("declarations_declarationversion", "id", version.pk) == expected[partitions.VERSIONS]
        assert _partition_of("declarations_party", "version_id", version.pk) == expected["declarations_party"]
        assert _partition_of("declarations_goodsitem", "version_id", version.pk) == expected["declarations_goodsitem"]
        assessment = Assessment.objects.get(version=version)
        assert assessment.pk == version.pk
        assert _partition_of("risk_engine_assessment", "id", assessment.pk) == expected["risk_engine_assessment"]
        assert Hit.objects.filter(assessment=assessment).exists()
        assert _partition_of("risk_engine_hit", "assessment_id", assessment.pk) == expected["risk_engine_hit"]


def test_one_assessment_per_version_is_held_by_the_primary_key(cast):
    (mrn,) = file_bodies(cast["system"], make_ens())
    version = DeclarationVersion.objects.get(declaration__mrn=mrn)
    screen_versions([version.pk])
    screen_versions([version.pk])  # re-screening replaces it
    assert Assessment.objects.filter(version=version).count() == 1
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO risk_engine_assessment SELECT * FROM risk_engine_assessment WHERE version_id = %s",
            [version.pk],
        )
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(  # an id other than its version's
            "UPDATE risk_engine_assessment SET id = id + 1 WHERE version_id = %s", [version.pk]
        )


def test_history_lands_in_the_month_it_was_filed(cast):
    (declaration,) = _history(cast, MARCH)
    version = declaration.versions.get()
    assert partitions.month_of_id(version.pk) == MARCH
    assert _partition_of("declarations_declarationversion", "id", version.pk) == [
        "declarations_declarationversion_y2025m03"
    ]
    assert _partition_of("declarations_goodsitem", "version_id", version.pk) == ["declarations_goodsitem_y2025m03"]
    assert MARCH in [entry.month for entry in partitions.list_months()]


def test_a_month_already_in_the_default_partition_is_reported_and_its_rows_stay_readable(cast, monkeypatch):
    monkeypatch.setattr("crms.declarations.services.ensure_months", lambda months: None)
    (declaration,) = _history(cast, dt.date(2024, 5, 1))
    version = declaration.versions.get()
    assert _partition_of("declarations_declarationversion", "id", version.pk) == [
        "declarations_declarationversion_default"
    ]
    result = partitions.ensure_months([dt.date(2024, 5, 1)])
    assert result.created == [] and len(result.blocked) == 1  # the month in all five tables or in none
    assert "05/2024: rows of that month are in the default partition" in result.blocked[0]
    assert dt.date(2024, 5, 1) not in [entry.month for entry in partitions.list_months()]
    assert DeclarationVersion.objects.filter(pk=version.pk).exists()


def _declared_keys() -> set[tuple[str, str]]:
    """(referencing table, referenced table) of every declared foreign key (not a partition's clone)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
               WHERE contype = 'f' AND conparentid = 0"""
        )
        return set(cursor.fetchall())


def test_every_month_keys_its_children_to_its_own_parents_and_no_parent_keys_another(cast):
    partitions.ensure_months([MARCH])  # and the months migrate created, and the defaults
    keys = _declared_keys()
    suffixes = ["default"] + [partitions.month_suffix(e.month) for e in partitions.list_months() if e.month]
    assert len(suffixes) >= 4
    for child, _column, parent in partitions.LOCAL_KEYS:
        assert (child, parent) not in keys  # the parents' key would route every check through the parent
        for suffix in suffixes:
            assert (f"{child}_{suffix}", f"{parent}_{suffix}") in keys, (child, suffix)


def test_every_partition_has_every_index_of_its_table(cast):
    """An index of a partitioned table exists in each partition (or every lookup by declaration reads
    whole partitions: an index built ``ON ONLY`` the parent once left a year's ENS pages at 5 s)."""
    partitions.ensure_months([MARCH])
    with connection.cursor() as cursor:
        for table, _column in partitions.FAMILY:
            cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [table])
            (count,) = cursor.fetchone()
            cursor.execute(
                """SELECT i.indexrelid::regclass::text, i.indisvalid,
                          (SELECT count(*) FROM pg_inherits h WHERE h.inhparent = i.indexrelid)
                   FROM pg_index i WHERE i.indrelid = %s::regclass""",
                [table],
            )
            indexes = cursor.fetchall()
            assert len(indexes) >= 2 and count >= 4, table
            for index, valid, attached in indexes:
                assert valid and attached == count, (table, index, attached, count)


def test_a_child_row_pointing_at_no_parent_is_refused_by_the_database(cast):
    """Every partition-level key (LOCAL_KEYS) holds what the parent-level key held: a party, goods item,
    assessment or hit whose parent does not exist is refused, under the key's own name."""
    publish_criterion(make_criterion("CRC-PART-KEYS"), cast["author"], cast["approver"])
    (mrn,) = file_bodies(cast["system"], make_ens())
    version = DeclarationVersion.objects.get(declaration__mrn=mrn)
    screen_versions([version.pk])
    assessment = Assessment.objects.get(version=version)
    assert Hit.objects.filter(assessment=assessment).exists()
    parent_ids = {partitions.VERSIONS: version.pk, "risk_engine_assessment": assessment.pk}
    suffix = partitions.month_suffix(partitions.month_of_id(version.pk))
    for child, column, parent in partitions.LOCAL_KEYS:
        key = partitions.local_key_name(child, column, suffix)
        with pytest.raises(IntegrityError, match=key), transaction.atomic(), connection.cursor() as c:
            shifted = [column]
            if child == "risk_engine_assessment":  # its id is its version's (a check): both move, its hits go
                c.execute("DELETE FROM risk_engine_hit WHERE assessment_id = %s", [assessment.pk])
                shifted.append("id")
            c.execute(  # to a parent of the same month (same partition) that does not exist
                f"UPDATE {child} SET {', '.join(f'{name} = {name} + 5000000000' for name in shifted)} "
                f"WHERE {column} = %s",
                [parent_ids[parent]],
            )
            assert c.rowcount >= 1, child
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_month_waiting_in_the_default_partition_is_moved_into_its_own(cast, monkeypatch):
    may = dt.date(2024, 5, 1)
    publish_criterion(make_criterion("CRC-PART-REHOME"), cast["author"], cast["approver"])
    with monkeypatch.context() as patched:
        patched.setattr("crms.declarations.services.ensure_months", lambda months: None)
        declarations = _history(cast, may, count=2)
    versions = [declaration.versions.get() for declaration in declarations]
    screen_versions([version.pk for version in versions])
    for declaration, version in zip(declarations, versions, strict=True):
        HistoryLabel.objects.create(
            version=version, declaration=declaration, irregularity_found=True, recorded_at=version.filed_at
        )
    keys = _keys_into_family()
    before = {table: _rows_of(table, column, may) for table, column in partitions.FAMILY}
    assert before["risk_engine_hit"] and all(before.values())  # something in every table, and a case or label on it
    assert {_where(table, column, may) for table, column in partitions.FAMILY} == {"default"}

    result = partitions.rehome_month(may)

    assert result.rows == {table: len(rows) for table, rows in before.items()}
    assert len(result.created) == len(partitions.FAMILY)
    assert {table: _rows_of(table, column, may) for table, column in partitions.FAMILY} == before  # same rows, ids
    assert {_where(table, column, may) for table, column in partitions.FAMILY} == {"y2024m05"}
    assert HistoryLabel.objects.filter(version__in=versions).count() == 2  # what pointed at them still does
    assert _keys_into_family() == keys  # the foreign keys dropped for the move are all back, as they were
    assert may in [entry.month for entry in partitions.list_months()]
    assert AuditEntry.objects.filter(action="retention.month_rehomed", object_repr="filed in 05/2024").exists()
    with pytest.raises(LookupError, match="already has its partitions"):
        partitions.rehome_month(may)
    assert partitions.drop_month(may).versions == 2  # and it can now be dropped like any month


def test_the_rehome_command_names_the_month_it_refuses(cast):
    _history(cast, MARCH)
    keys_before = _keys_into_family()
    with pytest.raises(CommandError, match="--rehome: a month as YYYY-MM"):
        call_command("partitions", "--rehome", "05/2024")
    with pytest.raises(CommandError, match="03/2025 already has its partitions"):
        call_command("partitions", "--rehome", "2025-03")
    with pytest.raises(CommandError, match="Nothing of 01/1900 waits in the default partitions"):
        call_command("partitions", "--rehome", "1900-01")
    assert dt.date(1900, 1, 1) not in [entry.month for entry in partitions.list_months()]
    assert _keys_into_family() == keys_before  # the keys dropped for the attempt came back with the rollback


def _keys_into_family() -> set[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
               WHERE contype = 'f' AND conparentid = 0 AND confrelid = ANY(%s::regclass[])""",
            [[table for table, _ in partitions.FAMILY]],
        )
        return set(cursor.fetchall())


def _rows_of(table: str, column: str, month: dt.date) -> list[tuple]:
    low, high = partitions.month_bounds(month)
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" WHERE "{column}" >= %s AND "{column}" < %s ORDER BY 1', [low, high])
        return cursor.fetchall()


def _where(table: str, column: str, month: dt.date) -> str:
    low, high = partitions.month_bounds(month)
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT DISTINCT tableoid::regclass::text FROM "{table}" WHERE "{column}" >= %s AND "{column}" < %s',
            [low, high],
        )
        (name,) = [row[0] for row in cursor.fetchall()]
    return name.rsplit("_", 1)[1]


def test_months_ahead_are_created_once(db):
    now = dt.datetime(2031, 11, 20, tzinfo=dt.UTC)
    first = partitions.ensure_ahead(now)
    assert len(first.created) == 3 * len(partitions.FAMILY) and not first.blocked
    assert "declarations_declarationversion_y2032m01" in first.created
    assert partitions.ensure_ahead(now).created == []


def test_past_months_are_created_from_since_so_history_lands_in_its_month(cast):
    now = dt.datetime(2031, 11, 20, tzinfo=dt.UTC)
    result = partitions.ensure_ahead(now, since=dt.date(2031, 8, 14))
    months = sorted({name.rsplit("_", 1)[1] for name in result.created})
    assert months == ["y2031m08", "y2031m09", "y2031m10", "y2031m11", "y2031m12", "y2032m01"]
    (declaration,) = _history(cast, dt.date(2031, 9, 1))
    version = declaration.versions.get()
    assert _partition_of("declarations_declarationversion", "id", version.id) == [
        "declarations_declarationversion_y2031m09"
    ]
    assert partitions.ensure_ahead(now, since=dt.date(2040, 1, 1)).created == []  # a future since adds nothing


def test_the_command_creates_past_months_within_bounds(cast):
    out = StringIO()
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=70)
    call_command("partitions", "--ensure", "--since", f"{since:%Y-%m}", stdout=out)
    assert partitions.month_start(since) in [entry.month for entry in partitions.list_months()]
    with pytest.raises(CommandError, match="--since goes with --ensure"):
        call_command("partitions", "--since", "2026-01")
    with pytest.raises(CommandError, match="--since: a month as YYYY-MM"):
        call_command("partitions", "--ensure", "--since", "01/2026")
    with pytest.raises(CommandError, match="at most 10 years back"):  # not ten thousand tables by a typo
        call_command("partitions", "--ensure", "--since", "0001-01")


def test_dropping_a_month_removes_it_whole_and_nothing_else(cast):
    march = _history(cast, MARCH, count=3)
    (april,) = _history(cast, APRIL)
    for declaration in [*march, april]:
        version = declaration.versions.get()
        HistoryLabel.objects.create(
            version=version, declaration=declaration, irregularity_found=True, recorded_at=version.filed_at
        )
    result = partitions.drop_month(MARCH)
    assert (result.versions, result.declarations) == (3, 3)
    assert result.dependents == {"learning.HistoryLabel": 3}
    assert not Declaration.objects.filter(pk__in=[d.pk for d in march]).exists()
    assert Declaration.objects.filter(pk=april.pk).exists() and HistoryLabel.objects.filter(declaration=april).exists()
    assert MARCH not in [entry.month for entry in partitions.list_months()]
    assert APRIL in [entry.month for entry in partitions.list_months()]
    entry = AuditEntry.objects.get(action="retention.month_dropped")
    assert entry.after["versions"] == 3 and entry.object_repr == "filed in 03/2025"
    with pytest.raises(LookupError):
        partitions.drop_month(MARCH)


@override_settings(DECLARATION_RETENTION_MONTHS=12)
def test_months_past_the_retention_period_expire(cast):
    _history(cast, dt.date(2025, 11, 1))
    _history(cast, dt.date(2025, 12, 1))
    expired = partitions.expired_months(dt.datetime(2026, 12, 6, tzinfo=dt.UTC))
    assert dt.date(2025, 11, 1) in expired and dt.date(2025, 12, 1) not in expired
    with override_settings(DECLARATION_RETENTION_MONTHS=0):
        assert partitions.expired_months(dt.datetime(2026, 12, 6, tzinfo=dt.UTC)) == []


def test_the_command_lists_months_and_refuses_a_malformed_one(cast):
    _history(cast, MARCH)
    out = StringIO()
    call_command("partitions", stdout=out)
    assert "03/2025" in out.getvalue() and "default" in out.getvalue()
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("partitions", "--drop", "March")
    with pytest.raises(CommandError, match="No partitions"):
        call_command("partitions", "--drop", "1999-01")
    this_month = f"{dt.datetime.now(dt.UTC):%Y-%m}"
    with pytest.raises(CommandError, match="not over yet"):  # live data is never dropped by a typo
        call_command("partitions", "--drop", this_month)


def test_racing_amendments_never_share_a_version_number(cast):
    """No unique index holds (declaration, version) on a partitioned table: the declaration's row lock does."""
    (mrn,) = file_bodies(cast["system"], make_ens())
    declaration = Declaration.objects.get(mrn=mrn)
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def amend(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            body = make_ens(lrn=declaration.lrn, place_of_loading=["CNSHA", "CNPVG", "CNNGB", "CNTAO"][n])
            statuses.append(amend_declaration(declaration, body, user=cast["system"]).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=amend, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses == [201] * 4
    numbers = list(DeclarationVersion.objects.filter(declaration=declaration).values_list("version", flat=True))
    assert sorted(numbers) == [1, 2, 3, 4, 5]
    declaration.refresh_from_db()
    assert declaration.current_version == 5
    assert declaration.current_version_pk == DeclarationVersion.objects.get(declaration=declaration, version=5).pk


def test_a_declaration_amended_in_a_later_month_stays_until_its_last_month_goes(cast):
    (declaration,) = _history(cast, MARCH)
    partitions.ensure_months([APRIL])
    with connection.cursor() as cursor:  # version 2 filed in April (amendments are live-only: written directly)
        columns = [f.column for f in DeclarationVersion._meta.concrete_fields if f.column not in ("id", "version")]
        cursor.execute(
            f"""INSERT INTO declarations_declarationversion (id, version, {", ".join(columns)})
                SELECT crms_version_id('2025-04-10T08:00:00Z'), 2, {", ".join(columns)}
                FROM declarations_declarationversion WHERE declaration_id = %s""",
            [declaration.pk],
        )
    Declaration.objects.filter(pk=declaration.pk).update(current_version=2)
    first = partitions.drop_month(MARCH)
    assert (first.versions, first.declarations) == (1, 0)
    assert list(DeclarationVersion.objects.filter(declaration=declaration).values_list("version", flat=True)) == [2]
    second = partitions.drop_month(APRIL)
    assert (second.versions, second.declarations) == (1, 1)
    assert not Declaration.objects.filter(pk=declaration.pk).exists()


@pytest.mark.parametrize("dependents", ["_version_dependents", "_declaration_dependents"])
def test_rows_that_protect_others_are_deleted_before_them(db, dependents):
    """Over every model pointing at versions / declarations: none PROTECTs a model deleted before it."""
    from django.db.models import PROTECT

    order = [model for model, _field in getattr(partitions, dependents)()]
    for index, model in enumerate(order):
        protected = {
            f.related_model
            for f in model._meta.concrete_fields
            if f.is_relation and f.remote_field.on_delete is PROTECT
        }
        assert not protected & set(order[:index]), (model, order)


def test_a_month_with_cases_decisions_and_control_results_drops_whole(cast):
    """Cases, decisions (which PROTECT their case) and control results of the month leave with it."""
    from workbench import services as workbench
    from workbench.models import Case, ControlResult, Decision

    analyst = make_user("pt_analyst", "FR", "analyst")
    publish_criterion(make_criterion("CRC-PART-CASE"), cast["author"], cast["approver"])
    (mrn,) = file_bodies(cast["system"], make_ens())
    screen_versions(list(DeclarationVersion.objects.filter(declaration__mrn=mrn).values_list("pk", flat=True)))
    case = Case.objects.get(declaration__mrn=mrn, member_state_id="FR")
    workbench.decide(actor=analyst, case=case, action="control", control_type="physical", control_place="border")
    workbench.record_control_result(
        actor=analyst, declaration=case.declaration, data={"control_type": "physical", "result": "no_irregularity"}
    )
    month = partitions.month_start(dt.datetime.now(dt.UTC))
    later = dt.datetime.combine(partitions.next_month(month), dt.time(12), tzinfo=dt.UTC)
    try:
        result = partitions.drop_month(month, now=later)
    finally:
        partitions.ensure_ahead()  # the current month's partitions, for the tests after this one
    assert result.declarations == 1
    assert {"workbench.Case", "workbench.Decision", "workbench.ControlResult"} <= set(result.dependents)
    assert not (Case.objects.exists() or Decision.objects.exists() or ControlResult.objects.exists())
    assert not Declaration.objects.filter(mrn=mrn).exists()
