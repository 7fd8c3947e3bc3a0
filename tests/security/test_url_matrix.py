"""The full permission matrix: every URL pattern of the platform, every persona, the status each must get.

``test_every_url_pattern_has_a_row`` walks ``django.urls.get_resolver()`` and fails when a pattern
has no row below (each row's URL is resolved to its pattern), so a new endpoint cannot ship without
saying who may use it. The admin site is left to Django (staff only; no persona is staff) and gets
one row; the schema and its docs have rows of their own.

The objects are those of ``tests/security/world.py``: ENS filed by FR and unloaded in NL (FR's open
case, a control FR forwarded to NL with NL's seizure), one FR-only ENS, an FR national profile, a
restricted EU criterion, an NL RIF addressed to FR only, an FR draft RIF, a crisis, a PCA for FR
and DE, an FR watch list, an operator, a backtest, a refresh run. Germany is concerned by none of
the FR/NL objects: it gets 404 on them, like any Member State on what is not its own, so existence
does not leak. Actions are sent with an empty form or body, so an allowed persona gets the refusal
of the content (400, or the redirect back to the page with the message) and nothing is decided.

The area-level matrices (``tests/*/test_*permissions*.py`` and friends) test the finer variants;
this one guarantees nothing is forgotten. Exports and reads of restricted logic leave audit entries
(the last tests here; ``tests/security/test_hardening.py`` covers the criterion page, JSON export
and REST detail reads of restricted logic).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve

from crms.audit.models import AuditEntry
from risk_engine.models import Criterion, CriterionVersion
from tests.permissions import Case, check_matrix, client_for
from tests.security.world import FR_PROFILE, FR_WATCH_LIST, RESTRICTED, TOY, World
from workbench.models import Decision, Referral, SavedQueueFilter

pytestmark = pytest.mark.django_db

EU_SIDE = ["commission", "commission_approver", "eu_auditor"]
COMMISSION = ["commission", "commission_approver"]
FR_PEOPLE = ["fr_analyst", "fr_risk_manager", "fr_auditor"]
FR_WORKERS = ["fr_analyst", "fr_risk_manager"]
AUDITORS = ["eu_auditor", "fr_auditor"]
PEOPLE = [*EU_SIDE, *FR_PEOPLE, "nl_analyst", "de_analyst"]
EVERYONE = [*PEOPLE, "fr_system"]
AUTHORS = [*COMMISSION, *FR_WORKERS, "nl_analyst", "de_analyst"]  # risk staff: every role that writes
READ_EVERYTHING = [*EU_SIDE, "fr_auditor"]  # the audit log, with the risk managers
SIGNED_OUT = {"outsider": 302, "anonymous": 302}  # an account without an organisation cannot sign in
API_SIGNED_OUT = {"outsider": 401, "anonymous": 401}


def page(ok: list[str], *, status: int = 200, others: int = 403, hidden: list[str] = (), **cells: int) -> dict:
    """Browser pages: ``ok`` get ``status``, the other people ``others``, ``hidden`` 404 (wins); the national
    system has no browser area (403); signed out to the login page; ``cells`` as given."""
    expected = dict.fromkeys(PEOPLE, others) | {"fr_system": 403} | SIGNED_OUT
    return expected | dict.fromkeys(ok, status) | dict.fromkeys(hidden, 404) | cells


def api(ok: list[str], *, status: int = 200, others: int = 403, hidden: list[str] = (), **cells: int) -> dict:
    """REST (token): ``ok`` get ``status``, the others ``others``, ``hidden`` 404 (wins); signed out 401."""
    expected = dict.fromkeys(EVERYONE, others) | API_SIGNED_OUT
    return expected | dict.fromkeys(ok, status) | dict.fromkeys(hidden, 404) | cells


def browser_rows(w: World) -> list[Case]:
    mrn, fr_only = w.mrn, w.fr_only_mrn
    fr_case, fwd_case, nl_case, req = w.open_case.pk, w.forwarded_from.pk, w.nl_case.pk, w.request.pk
    saved_filter = SavedQueueFilter.objects.get_or_create(user=w.people["fr_analyst"], name="matrix")[0].pk
    fr_only_case = w.fr_only_case.pk
    case_att = w.case_attachment.pk
    rif, draft, att = w.rif.reference, w.draft_rif.reference, w.attachment.pk
    crisis, pca, wl, entry, bt = w.crisis.pk, w.pca.pk, FR_WATCH_LIST, w.entry.pk, w.backtest.pk
    eori, auth = w.operator.eori, w.authorisation.pk
    not_fr = ["nl_analyst", "de_analyst"]
    fr_and_eu = [*EU_SIDE, *FR_PEOPLE]
    rif_readers = [*EU_SIDE, *FR_PEOPLE, "nl_analyst"]  # NL wrote it, FR received it; DE did not
    workbench = ["eu_auditor", *FR_PEOPLE, "nl_analyst", "de_analyst"]  # Member State staff and auditors
    workbench_page = {"commission": 403, "commission_approver": 403}
    restricted_logic = AUTHORS  # contract v2 section 3: risk staff read published restricted logic, auditors never
    member_states = [p for p in PEOPLE if p not in EU_SIDE]
    editors = [*COMMISSION, "fr_risk_manager"]  # the operator registry (FR operator)
    return [
        # --- the shell ------------------------------------------------------------------------------------------
        Case("GET", "/", page(EVERYONE)),
        Case("GET", "/login/", dict.fromkeys(EVERYONE, 302) | {"outsider": 200, "anonymous": 200}),
        Case("POST", "/logout/", dict.fromkeys([*EVERYONE, "outsider", "anonymous"], 302)),
        Case("GET", "/healthz", dict.fromkeys([*EVERYONE, "outsider", "anonymous"], 200)),
        Case("GET", "/reference/", page(EVERYONE)),
        Case("GET", "/reference/participants/", page(EVERYONE)),
        Case("GET", "/reference/offices/?member_state=FR", page(EVERYONE)),
        Case("GET", "/reference/countries/?q=chi", page(EVERYONE)),
        Case("GET", "/reference/hs/?q=9303", page(EVERYONE)),
        Case("GET", "/reference/risk-areas/", page(EVERYONE)),
        Case("GET", "/reference/vague-terms/", page(EVERYONE)),
        Case("GET", "/audit/", page([*READ_EVERYTHING, "fr_risk_manager"])),
        # --- the global search (issue 14): every person; each kind scoped by its selector (tests/search) ----
        Case("GET", "/search/?q=acme", page(PEOPLE)),
        Case("GET", f"/search/?q={mrn[:6]}", page(PEOPLE)),
        Case("GET", "/admin/", dict.fromkeys([*EVERYONE, "outsider", "anonymous"], 302)),  # staff only
        # --- declarations (contract 2.4: first entry, unloading, the Commission, auditors) ----------------------
        Case("GET", "/declarations/", page(EVERYONE)),
        Case("GET", f"/declarations/{mrn}/", page([*fr_and_eu, "fr_system", "nl_analyst"], hidden=["de_analyst"])),
        Case("GET", f"/declarations/{fr_only}/", page([*fr_and_eu, "fr_system"], hidden=not_fr)),
        # --- operators and AEO ------------------------------------------------------------------------------
        Case("GET", "/operators/", page(PEOPLE)),
        Case("GET", f"/operators/{eori}/", page(PEOPLE)),
        Case("GET", "/operators/new/", page(editors)),
        Case("POST", "/operators/new/", page(editors)),  # an empty form: shown again with its errors
        Case("GET", "/operators/import/", page(editors)),
        Case("POST", "/operators/import/", page(editors)),
        Case("GET", f"/operators/{eori}/edit/", page(editors)),
        Case("POST", f"/operators/{eori}/edit/", page(editors)),
        Case("GET", f"/operators/{eori}/authorisations/new/", page(editors)),
        Case("GET", f"/operators/{eori}/authorisations/{auth}/edit/", page(editors)),
        # --- criteria: EU criteria for all people, the FR profile for FR and the Commission -------------------
        Case("GET", "/criteria/", page(PEOPLE)),
        Case("GET", f"/criteria/{TOY}/", page(PEOPLE)),
        Case("GET", f"/criteria/{FR_PROFILE}/", page(fr_and_eu, hidden=not_fr)),
        Case("GET", f"/criteria/{RESTRICTED}/", page(PEOPLE)),  # the page; its logic never for auditors
        Case("GET", f"/criteria/{TOY}/diff/", page(PEOPLE)),
        Case("GET", f"/criteria/{FR_PROFILE}/diff/", page(fr_and_eu, hidden=not_fr)),
        Case("GET", "/criteria/new/", page(AUTHORS)),
        Case("GET", f"/criteria/{TOY}/edit/", page(AUTHORS)),
        Case("GET", f"/criteria/{FR_PROFILE}/edit/", page([*COMMISSION, *FR_WORKERS], hidden=not_fr)),
        Case("GET", f"/criteria/{RESTRICTED}/edit/", page(restricted_logic)),
        Case("GET", f"/criteria/{TOY}/export.json", page(PEOPLE)),
        Case("GET", f"/criteria/{FR_PROFILE}/export.json", page(fr_and_eu, hidden=not_fr)),
        Case("GET", f"/criteria/{RESTRICTED}/export.json", page(restricted_logic, hidden=AUDITORS)),
        Case("POST", "/criteria/builder/preview/", page(PEOPLE), data={}),  # the problems, in the answer
        Case("POST", "/criteria/builder/save/", page(AUTHORS, status=400), data={}),
        Case("GET", "/criteria/builder/lookup/?kind=hs&q=93", page(PEOPLE)),
        Case("POST", f"/criteria/{FR_PROFILE}/transition/retire/", page(["fr_risk_manager"], status=400,
                                                                         hidden=not_fr)),
        Case("POST", f"/criteria/{TOY}/transition/retire/", page(["commission_approver"], status=400)),
        Case("POST", f"/criteria/{TOY}/promote/", page(COMMISSION, status=409)),
        Case("POST", f"/criteria/{FR_PROFILE}/promote/", page(FR_WORKERS, status=409, hidden=not_fr)),
        # The Commission's backtest covers every Member State: EU-wide readers only (issue 13).
        Case("GET", f"/criteria/{TOY}/backtests/{bt}/", page(EU_SIDE, hidden=member_states)),
        Case("GET", f"/criteria/{TOY}/backtests/{bt}/progress/", page(EU_SIDE, hidden=member_states)),
        Case("GET", f"/criteria/{TOY}/backtests/latest/", page(PEOPLE)),
        Case("GET", f"/criteria/{FR_PROFILE}/backtests/latest/", page(fr_and_eu, hidden=not_fr)),
        Case("GET", f"/criteria/{RESTRICTED}/backtests/latest/", page(restricted_logic, hidden=AUDITORS)),
        Case("POST", f"/criteria/{TOY}/backtests/", page(AUTHORS, status=400)),  # no period: nothing queued
        Case("POST", f"/criteria/{FR_PROFILE}/backtests/", page([*COMMISSION, *FR_WORKERS], status=400,
                                                                 hidden=not_fr)),
        # --- watch lists: FR's own list for FR and the Commission --------------------------------------------
        Case("GET", "/criteria/watch-lists/", page(PEOPLE)),
        Case("GET", "/criteria/watch-lists/new/", page(AUTHORS)),
        Case("POST", "/criteria/watch-lists/new/", page(AUTHORS, status=400)),
        Case("GET", f"/criteria/watch-lists/{wl}/", page(fr_and_eu, hidden=not_fr)),
        Case("POST", f"/criteria/watch-lists/{wl}/entries/", page(FR_WORKERS, status=400, hidden=not_fr)),
        Case("POST", f"/criteria/watch-lists/{wl}/entries/{entry}/remove/", page(FR_WORKERS, status=400,
                                                                                  hidden=not_fr)),
        Case("POST", f"/criteria/watch-lists/{wl}/import/", page(FR_WORKERS, status=400, hidden=not_fr)),
        # --- the workbench: cases and requests of the Member States concerned ---------------------------------
        Case("GET", "/workbench/", page(workbench, **workbench_page)),
        Case("GET", "/workbench/awaiting-results/", page(workbench, **workbench_page)),
        Case("GET", f"/workbench/cases/{fr_case}/", page(["eu_auditor", *FR_PEOPLE], hidden=not_fr,
                                                          **workbench_page)),
        Case("GET", f"/workbench/cases/{nl_case}/", page(["eu_auditor", "nl_analyst"],
                                                          hidden=[*FR_PEOPLE, "de_analyst"], **workbench_page)),
        Case("POST", f"/workbench/cases/{fr_case}/claim/", page(FR_WORKERS, status=302, hidden=not_fr,
                                                                 **workbench_page)),
        Case("POST", f"/workbench/cases/{fr_case}/release/", page(FR_WORKERS, status=302, hidden=not_fr,
                                                                   **workbench_page)),
        Case("POST", f"/workbench/cases/{fr_case}/assign/", page(FR_WORKERS, status=302, hidden=not_fr,
                                                                  **workbench_page)),  # no assignee: refused
        Case("POST", "/workbench/filters/", page(workbench, status=302, **workbench_page)),  # no name: refused
        Case("POST", f"/workbench/filters/{saved_filter}/delete/", page(["fr_analyst"], status=302,
                                                                         hidden=[p for p in workbench if p != "fr_analyst"],
                                                                         **workbench_page)),
        Case("POST", f"/workbench/cases/{fr_case}/decide/", page(FR_WORKERS, status=400, hidden=not_fr,
                                                                  **workbench_page)),  # no action: form again
        Case("POST", f"/workbench/cases/{fr_case}/notes/", page(FR_WORKERS, status=400, hidden=not_fr,
                                                                 **workbench_page)),  # empty note: form again
        Case("GET", f"/workbench/cases/{fr_case}/attachments/{case_att}/",
             page(["eu_auditor", *FR_PEOPLE], hidden=not_fr, **workbench_page)),
        Case("GET", f"/workbench/cases/{nl_case}/attachments/{case_att}/",  # FR's file through NL's case: none
             page([], hidden=["eu_auditor", *FR_PEOPLE, *not_fr], **workbench_page)),
        # The control FR forwarded happens in NL: FR has nothing to record there (404), NL does.
        Case("POST", f"/workbench/cases/{fwd_case}/control-results/",
             page([], hidden=[*FR_WORKERS, *not_fr], **workbench_page)),
        Case("POST", f"/workbench/cases/{nl_case}/control-results/",  # recorded: the case is closed
             page([], hidden=[*FR_PEOPLE, "nl_analyst", "de_analyst"], **workbench_page)),
        Case("GET", f"/workbench/cases/{fr_only_case}/", page(["eu_auditor", *FR_PEOPLE], hidden=not_fr,
                                                               **workbench_page)),
        Case("POST", f"/workbench/cases/{fr_only_case}/control-results/", page(FR_WORKERS, status=400,
                                                                                hidden=not_fr, **workbench_page)),
        Case("GET", "/workbench/requests/", page(workbench, **workbench_page)),
        Case("GET", "/workbench/requests/new/", page(["fr_analyst", "fr_risk_manager", "nl_analyst", "de_analyst"],
                                                      hidden=AUDITORS, **workbench_page)),
        Case("POST", "/workbench/requests/new/", page(["fr_analyst", "fr_risk_manager", "nl_analyst", "de_analyst"],
                                                       status=400, hidden=AUDITORS, **workbench_page)),
        Case("GET", f"/workbench/requests/{req}/", page(["eu_auditor", *FR_PEOPLE, "nl_analyst"],
                                                         hidden=["de_analyst"], **workbench_page)),
        Case("POST", f"/workbench/requests/{req}/reply/", page([*FR_WORKERS, "nl_analyst"], status=400,
                                                                hidden=["de_analyst"], **workbench_page)),
        Case("POST", f"/workbench/requests/{req}/close/", page(FR_WORKERS, status=302, hidden=["de_analyst"],
                                                                **workbench_page)),
        # ICS2 referrals: the referring Member State's workers close or ask again (an empty form: the case page
        # again, 400, the message beside the field)
        Case("POST", f"/workbench/referrals/{w.referral.pk}/close/", page(FR_WORKERS, status=400, hidden=not_fr,
                                                                          **workbench_page)),
        Case("POST", f"/workbench/referrals/{w.referral.pk}/ask-again/", page(FR_WORKERS, status=400,
                                                                              hidden=not_fr, **workbench_page)),
        Case("GET", f"/workbench/feedback/{TOY}/", page(PEOPLE)),
        Case("GET", f"/workbench/feedback/{FR_PROFILE}/", page(fr_and_eu, hidden=not_fr)),
        # --- risk information: the RIF NL sent to FR, FR's draft, crises, PCAs --------------------------------
        Case("GET", "/rif/", page(PEOPLE)),
        Case("GET", "/rif/new/", page(AUTHORS, hidden=AUDITORS)),
        Case("POST", "/rif/new/", page(AUTHORS, status=400, hidden=AUDITORS)),
        Case("GET", "/rif/follow-up/", page(PEOPLE)),
        Case("GET", "/rif/notifications/", page(PEOPLE)),
        Case("GET", f"/rif/{rif}/", page(rif_readers, hidden=["de_analyst"])),
        Case("GET", f"/rif/{rif}/attachments/{att}/", page(rif_readers, hidden=["de_analyst"])),
        Case("GET", f"/rif/{draft}/", page(FR_PEOPLE, hidden=[*EU_SIDE, *not_fr])),
        Case("GET", f"/rif/{draft}/edit/", page(FR_WORKERS, hidden=[*EU_SIDE, *not_fr, "fr_auditor"])),
        Case("POST", f"/rif/{draft}/edit/", page(FR_WORKERS, status=400, hidden=[*EU_SIDE, *not_fr, "fr_auditor"])),
        Case("POST", f"/rif/{draft}/transition/submit/", page(FR_PEOPLE, status=302, hidden=[*EU_SIDE, *not_fr])),
        Case("POST", f"/rif/{rif}/read/", page(PEOPLE, status=302, hidden=["de_analyst"])),
        Case("POST", f"/rif/{rif}/feedback/", page(PEOPLE, status=302, hidden=["de_analyst"])),
        Case("POST", f"/rif/{rif}/attachments/", page(PEOPLE, status=302, hidden=["de_analyst"])),
        Case("POST", f"/rif/{rif}/criterion/", page(PEOPLE, status=302, hidden=["de_analyst"])),
        Case("GET", "/rif/crises/", page(PEOPLE)),
        Case("GET", "/rif/crises/new/", page(COMMISSION, hidden=[p for p in PEOPLE if p not in COMMISSION])),
        Case("POST", "/rif/crises/new/", page(COMMISSION, status=400, hidden=[p for p in PEOPLE if p not in COMMISSION])),
        Case("GET", f"/rif/crises/{crisis}/", page(PEOPLE)),
        Case("POST", f"/rif/crises/{crisis}/posts/", page(PEOPLE, status=302)),
        Case("POST", f"/rif/crises/{crisis}/criteria/", page(PEOPLE, status=302)),
        Case("POST", f"/rif/crises/{crisis}/close/", page(PEOPLE, status=302)),
        Case("GET", "/pca/", page(PEOPLE)),
        Case("GET", "/pca/new/", page(COMMISSION, hidden=[p for p in PEOPLE if p not in COMMISSION])),
        Case("POST", "/pca/new/", page(COMMISSION, status=400, hidden=[p for p in PEOPLE if p not in COMMISSION])),
        Case("GET", f"/pca/{pca}/", page(PEOPLE)),
        Case("POST", f"/pca/{pca}/results/", page(PEOPLE, status=302)),
        Case("POST", f"/pca/{pca}/suspend/", page(PEOPLE, status=302)),
        Case("POST", f"/pca/{pca}/resume/", page(PEOPLE, status=302)),
        Case("POST", f"/pca/{pca}/close/", page(PEOPLE, status=302)),
        # --- selection settings (issue 15 point 7): Member State staff read, its risk manager changes -----------
        Case("GET", "/selection/", page([*COMMISSION, *workbench])),  # the Commission and EU auditors: overview
        Case("POST", "/selection/", page(["fr_risk_manager"], status=302)),  # the empty form: nothing changes
        Case("GET", "/reference/high-interest-countries/", page(EVERYONE)),
        Case("POST", "/reference/high-interest-countries/", page(COMMISSION, status=400)),  # no list sent
        # --- risk models (issue 16): FR model readers as the API; FR risk managers move it (empty form: refused) ---
        Case("GET", "/models/", page([*EU_SIDE, *FR_PEOPLE, "nl_analyst", "de_analyst"])),
        Case("GET", f"/models/{w.fr_model.pk}/", page([*EU_SIDE, *FR_PEOPLE], hidden=not_fr)),
        Case("POST", f"/models/{w.fr_model.pk}/approve/",
             page([*EU_SIDE, *FR_PEOPLE], status=302, hidden=not_fr)),
        # --- price outliers and baselines (issue 16 point 5): risk staff, auditors, the Commission; each its rows --
        Case("GET", "/prices/outliers/", page([*EU_SIDE, *FR_PEOPLE, "nl_analyst", "de_analyst"])),
        Case("GET", "/prices/outliers/?since=01/01/2026&until=31/01/2026&member_state=DE&hs=6109",
             page([*EU_SIDE, *FR_PEOPLE, "nl_analyst", "de_analyst"])),
        Case("GET", "/prices/outliers/?since=31/12/9999", page([*EU_SIDE, *FR_PEOPLE, "nl_analyst", "de_analyst"],
                                                               status=400)),  # outside the query window
        Case("GET", "/prices/baselines/?hs=9503", page([*EU_SIDE, *FR_PEOPLE, "nl_analyst", "de_analyst"])),
        # --- the Commission's analysis workspace (issue 15 point 8): Commission people only; experts flag --------
        Case("GET", "/analysis/", page(EU_SIDE)),
        Case("GET", "/analysis/?member_state=FR&since=01/01/2026&outcome=control_recommended", page(EU_SIDE)),
        Case("GET", f"/analysis/parties/?eori={w.operator.eori}", page(EU_SIDE)),
        Case("GET", f"/analysis/declarations/{mrn}/", page(EU_SIDE)),
        Case("POST", f"/analysis/declarations/{mrn}/", page(COMMISSION, status=400)),  # no note: nothing flagged
        Case("GET", "/analysis/declarations/00XX0000000000000/", page([], hidden=EU_SIDE)),
        # --- indicators (exports are audited: see below) ----------------------------------------------------
        Case("GET", "/indicators/", page(PEOPLE)),
        Case("GET", f"/indicators/refresh/{w.refresh.pk}/", page(PEOPLE)),
        Case("POST", "/indicators/refresh/", page(PEOPLE, status=302, hidden=AUDITORS)),
        Case("GET", "/indicators/export/hits.csv", page(PEOPLE)),
        Case("GET", "/indicators/export/all.xlsx", page(PEOPLE)),
        Case("GET", "/indicators/records/controls/", page(PEOPLE)),
        Case("GET", "/indicators/reports/quarterly/?quarter=2026-Q4", page(PEOPLE)),
        Case("GET", "/indicators/reports/annual/?year=2026&format=pdf", page(PEOPLE)),
        Case("GET", f"/indicators/criteria/{TOY}/?period=2026", page(PEOPLE)),
        Case("GET", f"/indicators/criteria/{FR_PROFILE}/?period=2026", page(fr_and_eu, hidden=not_fr)),
        # --- the API's documentation (session) ------------------------------------------------------------
        Case("GET", "/api/docs/", dict.fromkeys(EVERYONE, 200) | API_SIGNED_OUT),
    ]  # fmt: skip


def api_rows(w: World) -> list[Case]:
    mrn, fwd, fr_only, rif, draft = w.mrn, w.forwarded_mrn, w.fr_only_mrn, w.rif.reference, w.draft_rif.reference
    not_fr = ["nl_analyst", "de_analyst"]
    fr_side = [*EU_SIDE, *FR_PEOPLE, "fr_system"]
    people_readers = [*EU_SIDE, *FR_PEOPLE, "nl_analyst", "de_analyst"]
    return [
        Case("GET", "/api/v1/me/", api(EVERYONE), api=True),
        Case("GET", "/api/v1/search/?q=acme", api(EVERYONE), api=True),
        Case("GET", "/api/v1/search/?q=a", api(EVERYONE, status=400), api=True),  # too short: 400 naming q
        Case("GET", "/api/schema/", api(EVERYONE), api=True),
        # --- declarations: only national systems file; readers as in contract 2.4 ---------------------------
        Case("GET", "/api/v1/declarations/", api(EVERYONE), api=True),
        Case("POST", "/api/v1/declarations/", api(["fr_system"], status=400), data={}, api=True),
        Case("POST", "/api/v1/declarations/batch/", api(["fr_system"], status=400), data={}, api=True),
        Case(
            "POST", "/api/v1/history/batch/", api(["fr_system", "fr_risk_manager"], status=400), data={}, api=True
        ),
        Case(
            "GET",
            f"/api/v1/models/{w.fr_model.pk}/",
            api([*EU_SIDE, *FR_PEOPLE], hidden=["fr_system", "nl_analyst", "de_analyst"]),
            api=True,
        ),
        # model governance: FR risk managers move FR models (the body is refused: nothing moves); readers 403
        *[
            Case("POST", f"/api/v1/models/{w.fr_model.pk}/{action}/",
                 api(["fr_risk_manager"], status=400, hidden=["fr_system", "nl_analyst", "de_analyst"]),
                 data={"x_unknown": 1}, api=True)
            for action in ("submit", "approve", "shadow", "live", "retire")
        ],
        Case("GET", f"/api/v1/declarations/{mrn}/", api([*fr_side, "nl_analyst"], hidden=["de_analyst"]), api=True),
        Case("GET", f"/api/v1/declarations/{fr_only}/", api(fr_side, hidden=not_fr), api=True),
        Case("GET", f"/api/v1/declarations/{mrn}/assessment/", api([*fr_side, "nl_analyst"], hidden=["de_analyst"]),
             api=True),
        Case("GET", f"/api/v1/declarations/{fr_only}/assessment/", api(fr_side, hidden=not_fr), api=True),
        Case("POST", f"/api/v1/declarations/{mrn}/amendments/", api(["fr_system"], status=400), data={}, api=True),
        Case("GET", f"/api/v1/declarations/{fwd}/decisions/", api([*fr_side, "nl_analyst"], hidden=["de_analyst"]),
             api=True),
        Case("GET", f"/api/v1/declarations/{fr_only}/decisions/", api(fr_side, hidden=not_fr), api=True),
        Case("GET", f"/api/v1/declarations/{fwd}/control-results/",
             api([*fr_side, "nl_analyst"], hidden=["de_analyst"]), api=True),
        Case("POST", f"/api/v1/declarations/{fwd}/control-results/",
             api(["fr_system", *FR_WORKERS, "nl_analyst"], status=400, hidden=["de_analyst"]), data={}, api=True),
        Case("GET", "/api/v1/decisions/", api(EVERYONE), api=True),
        # Commission flags: whoever reads the ENS (each Member State only the flags written for it)
        Case("GET", f"/api/v1/declarations/{mrn}/flags/", api([*fr_side, "nl_analyst"], hidden=["de_analyst"]),
             api=True),
        # --- ICS2 referrals: both Member States' staff and systems read; the first-entry system answers -------
        Case("GET", "/api/v1/referrals/", api(EVERYONE), api=True),
        Case("GET", f"/api/v1/referrals/{w.referral.pk}/", api(fr_side, hidden=not_fr), api=True),
        Case("POST", f"/api/v1/referrals/{w.referral.pk}/answers/", api(["fr_system"], status=400, hidden=not_fr),
             data={}, api=True),
        # --- notifications: everyone reads their own feed; webhooks are for national systems ------------------
        Case("GET", "/api/v1/events/", api(EVERYONE), api=True),
        Case("GET", "/api/v1/subscriptions/", api(["fr_system"]), api=True),
        Case("POST", "/api/v1/subscriptions/", api(["fr_system"], status=400), data={}, api=True),
        Case("GET", f"/api/v1/subscriptions/{w.subscription.pk}/", api(["fr_system"], others=404), api=True),
        Case("DELETE", f"/api/v1/subscriptions/{w.subscription.pk}/", api(["fr_system"], status=204, others=404),
             api=True),
        # --- criteria: EU logic for people, never for national systems; the FR profile for FR and the EU -------
        Case("GET", "/api/v1/criteria/", api(EVERYONE), api=True),
        Case("POST", "/api/v1/criteria/", api(AUTHORS, status=400), data={}, api=True),
        # Contract v2 section 3: national systems read published EU criteria and their own profiles.
        Case("GET", f"/api/v1/criteria/{TOY}/", api([*people_readers, "fr_system"]), api=True),
        Case("GET", f"/api/v1/criteria/{FR_PROFILE}/", api([*EU_SIDE, *FR_PEOPLE, "fr_system"], hidden=not_fr),
             api=True),
        # National profiles are authored by their Member State's risk staff only; the Commission reads them.
        Case("PUT", f"/api/v1/criteria/{FR_PROFILE}/", api(FR_WORKERS, status=400, hidden=not_fr),
             data={}, api=True),
        # Nothing is in draft: the state answers first (409) to all who may see the profile.
        Case("POST", f"/api/v1/criteria/{FR_PROFILE}/submit/", api([*EU_SIDE, *FR_PEOPLE, "fr_system"], status=409,
                                                                   hidden=not_fr), data={}, api=True),
        Case("POST", f"/api/v1/criteria/{FR_PROFILE}/approve/", api(["fr_risk_manager"], status=409,
                                                                    hidden=not_fr), data={}, api=True),
        # Return and reject: the approvers only, and nothing is submitted (409).
        Case("POST", f"/api/v1/criteria/{FR_PROFILE}/return/", api(["fr_risk_manager"], status=409,
                                                                   hidden=not_fr), data={}, api=True),
        Case("POST", f"/api/v1/criteria/{FR_PROFILE}/reject/", api(["fr_risk_manager"], status=409,
                                                                   hidden=not_fr), data={}, api=True),
        Case("GET", "/api/v1/watch-lists/", api(EVERYONE), api=True),
        Case("POST", "/api/v1/watch-lists/", api(AUTHORS, status=400), data={}, api=True),
        # --- indicators ------------------------------------------------------------------------------------
        Case("GET", "/api/v1/indicators/", api(EVERYONE), api=True),
        Case("GET", "/api/v1/indicators/evaluation/?period=2026", api(EVERYONE), api=True),
        # --- RIFs: recipients and the author's organisation ---------------------------------------------------
        Case("GET", "/api/v1/rifs/", api(EVERYONE), api=True),
        Case("POST", "/api/v1/rifs/", api([*AUTHORS, "fr_system"], status=400), data={}, api=True),
        Case("GET", f"/api/v1/rifs/{rif}/", api([*fr_side, "nl_analyst"], hidden=["de_analyst"]), api=True),
        Case("GET", f"/api/v1/rifs/{draft}/", api([*FR_PEOPLE, "fr_system"], hidden=[*EU_SIDE, *not_fr]), api=True),
        Case("POST", f"/api/v1/rifs/{rif}/feedback/", api(["fr_system", *FR_WORKERS], status=400,
                                                          hidden=["de_analyst"]), data={}, api=True),
        # --- the rest of the exchange (issue 15 point 5) ----------------------------------------------------
        Case("POST", f"/api/v1/rifs/{rif}/read/", api(["fr_system", *FR_WORKERS], hidden=["de_analyst"]), data={},
             api=True),  # recipients' risk staff and system; the author, the Commission, auditors: 403
        Case("GET", f"/api/v1/rifs/{rif}/attachments/{w.attachment.pk}/", api([*fr_side, "nl_analyst"],
                                                                             hidden=["de_analyst"]), api=True),
        Case("GET", "/api/v1/crises/", api(EVERYONE), api=True),
        Case("GET", f"/api/v1/crises/{w.crisis.pk}/", api(EVERYONE), api=True),
        Case("GET", f"/api/v1/crises/{w.crisis.pk}/posts/", api(EVERYONE), api=True),
        Case("POST", f"/api/v1/crises/{w.crisis.pk}/posts/", api(AUTHORS, status=400), data={}, api=True),
        Case("GET", "/api/v1/pcas/", api(EVERYONE), api=True),
        Case("GET", f"/api/v1/pcas/{w.pca.pk}/", api(EVERYONE), api=True),
        # Information requests: FR asked NL; a bilateral exchange (EU auditors oversee it, the Commission does not).
        Case("GET", "/api/v1/information-requests/", api(EVERYONE), api=True),
        Case("POST", "/api/v1/information-requests/", api(["fr_system", *FR_WORKERS, "nl_analyst", "de_analyst"],
                                                          status=400), data={}, api=True),
        Case("GET", f"/api/v1/information-requests/{w.request.pk}/", api([*FR_PEOPLE, "fr_system", "nl_analyst",
                                                                          "eu_auditor"],
                                                                         hidden=["de_analyst", *COMMISSION]), api=True),
        Case("POST", f"/api/v1/information-requests/{w.request.pk}/messages/",
             api(["fr_system", *FR_WORKERS, "nl_analyst"], status=400, hidden=["de_analyst", *COMMISSION]), data={},
             api=True),
        Case("POST", f"/api/v1/information-requests/{w.request.pk}/close/",  # a field it does not take: 400
             api(["fr_system", *FR_WORKERS], status=400, hidden=["de_analyst", *COMMISSION]), data={"x": 1},
             api=True),
        # Selection settings and the high-interest countries (issue 15 point 7).
        Case("GET", "/api/v1/selection-settings/", api([*FR_PEOPLE, "fr_system", "nl_analyst", "de_analyst"],
                                                       **dict.fromkeys(EU_SIDE, 400)), api=True),  # ?member_state=
        Case("PUT", "/api/v1/selection-settings/", api(["fr_risk_manager"], status=400), data={}, api=True),
        Case("GET", "/api/v1/reference/high-interest-countries/", api(EVERYONE), api=True),
        Case("PUT", "/api/v1/reference/high-interest-countries/", api(COMMISSION, status=400), data={}, api=True),
        # Allowed actions really happen: the approver retires the EU criterion (the others are refused).
        Case("POST", f"/api/v1/criteria/{TOY}/retire/", api(["commission_approver"], status=200), data={}, api=True),
        # Last: revoking the token (check_matrix makes a new one for each row).
        Case("DELETE", "/api/v1/me/token/", api(EVERYONE, status=204), api=True),
    ]  # fmt: skip


# --- every pattern has a row ------------------------------------------------------------------------------------


def all_routes(resolver=None, prefix: str = "") -> set[str]:
    resolver = resolver or get_resolver()
    routes = set()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route != "admin/":  # Django's admin: staff only, and no persona is staff (one row above)
                routes |= all_routes(pattern, route)
        else:
            routes.add(route)
    return routes


def covered_routes(cases: list[Case]) -> set[str]:
    return {resolve(urlsplit(case.url).path).route for case in cases}


def test_every_url_pattern_has_a_row(world):
    rows = browser_rows(world) + api_rows(world)
    missing = all_routes() - covered_routes(rows)
    assert not missing, "URL patterns without a row in the permission matrix:\n" + "\n".join(sorted(missing))


# --- the matrix -------------------------------------------------------------------------------------------------


def test_browser_matrix(world):
    personas = {name: world.people[name] for name in [*EVERYONE, "outsider", "anonymous"]}
    check_matrix(personas, browser_rows(world))
    # Nothing was decided or retired by the empty forms.
    assert Decision.objects.count() == 3  # the three of the world (two controls, a request for information)
    assert not CriterionVersion.objects.filter(criterion__code__in=[TOY, FR_PROFILE], status="retired").exists()
    assert Referral.objects.filter(status="open", round=1).count() == 1  # neither closed nor asked again


def test_api_matrix(world):
    personas = {name: world.people[name] for name in [*EVERYONE, "outsider", "anonymous"]}
    check_matrix(personas, api_rows(world))


def test_an_eu_draft_is_the_commissions_on_every_criteria_url(world):
    """Contract v2 section 3: an EU criterion that was never published is the Commission's (its staff and its
    auditor); everyone else gets the 404 of a code that does not exist, on every page and endpoint reading it
    (the full persona x path x version state enumeration: tests/risk_engine/test_eu_drafts.py)."""
    from risk_engine import services
    from tests.risk_engine.conftest import make_criterion

    draft = services.create_criterion(actor=world.people["sec_author"], data=make_criterion("CRC-SEC-DRAFT"))
    code, member_states = draft.criterion.code, [*FR_PEOPLE, "nl_analyst", "de_analyst"]
    personas = {name: world.people[name] for name in [*EVERYONE, "outsider", "anonymous"]}
    check_matrix(
        personas,
        [
            Case("GET", f"/criteria/{code}/", page(EU_SIDE, hidden=member_states)),
            Case("GET", f"/criteria/{code}/diff/", page(EU_SIDE, hidden=member_states)),
            Case("GET", f"/criteria/{code}/edit/", page(COMMISSION, hidden=[*FR_WORKERS, "nl_analyst", "de_analyst"])),
            Case("GET", f"/criteria/{code}/export.json", page(EU_SIDE, hidden=member_states)),
            Case("GET", f"/criteria/{code}/backtests/latest/", page(EU_SIDE, hidden=member_states)),
            Case("GET", f"/workbench/feedback/{code}/", page(EU_SIDE, hidden=member_states)),
            Case("GET", f"/indicators/criteria/{code}/?period=2026", page(EU_SIDE, hidden=member_states)),
            Case("GET", f"/api/v1/criteria/{code}/", api(EU_SIDE, hidden=[*member_states, "fr_system"]), api=True),
            Case("POST", f"/api/v1/criteria/{code}/submit/", api([], hidden=[*member_states, "fr_system"],
                 commission=403, commission_approver=403, eu_auditor=403), data={}, api=True),
        ],
    )  # fmt: skip
    listed = {
        c["code"] for c in client_for(world.people["fr_analyst"], api=True).get("/api/v1/criteria/").json()["results"]
    }
    assert TOY in listed and code not in listed


# --- exports and reads of restricted logic leave a trace ----------------------------------------------------------


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


EXPORTS = [
    ("/indicators/export/hits.csv", "hits", "csv"),
    ("/indicators/export/all.xlsx", "all", "xlsx"),
    ("/indicators/reports/quarterly/?quarter=2026-Q4&format=pdf", "report:quarterly", "pdf"),
    ("/indicators/reports/annual/?year=2026&format=pdf", "report:annual", "pdf"),
]


@pytest.mark.parametrize("url,table,fmt", EXPORTS, ids=[e[1] + "." + e[2] for e in EXPORTS])
def test_every_indicator_export_is_audited(world, url, table, fmt):
    response = _signed_in(world.people["de_analyst"]).get(url)
    assert response.status_code == 200 and response.has_header("Content-Disposition")
    entry = AuditEntry.objects.get(action="indicators.exported")
    assert (entry.actor_username, entry.after["table"], entry.after["format"]) == ("de_analyst", table, fmt)


def test_the_report_pages_themselves_are_not_exports(world):
    assert (
        _signed_in(world.people["fr_analyst"]).get("/indicators/reports/quarterly/?quarter=2026-Q4").status_code == 200
    )
    assert not AuditEntry.objects.filter(action="indicators.exported").exists()


def test_restricted_logic_reads_in_the_builder_the_diff_and_the_rest_list_are_audited(world):
    """test_hardening covers the criterion page, the JSON export and the REST detail."""
    from tests.risk_engine.conftest import api_client

    commission = _signed_in(world.people["commission"])
    assert commission.get(f"/criteria/{RESTRICTED}/diff/").status_code == 200
    assert commission.get(f"/criteria/{RESTRICTED}/edit/").status_code == 200
    assert api_client(world.people["commission"]).get("/api/v1/criteria/").status_code == 200
    reads = AuditEntry.objects.filter(
        action="criterion.restricted_logic_read", object_id=str(Criterion.objects.get(code=RESTRICTED).pk)
    )
    assert sorted(e.after["where"] for e in reads) == ["api list", "builder", "version diff"]
    # Who may not see the logic leaves no read: the list hides it from an auditor, the export is 404.
    api_client(world.people["eu_auditor"]).get("/api/v1/criteria/")
    assert _signed_in(world.people["fr_auditor"]).get(f"/criteria/{RESTRICTED}/export.json").status_code == 404
    assert reads.count() == 3
    # Reading an ordinary criterion is not a restricted read.
    commission.get(f"/criteria/{TOY}/diff/")
    assert (
        reads.count() == 3
        and not AuditEntry.objects.filter(
            action="criterion.restricted_logic_read", object_id=str(Criterion.objects.get(code=TOY).pk)
        ).exists()
    )


def test_criteria_json_exports_and_rif_attachment_downloads_are_audited(world):
    nl = _signed_in(world.people["nl_analyst"])
    assert nl.get(f"/criteria/{TOY}/export.json").status_code == 200
    exported = AuditEntry.objects.get(action="criterion.exported")
    assert (exported.actor_username, exported.object_id, exported.after) == (
        "nl_analyst",
        str(Criterion.objects.get(code=TOY).pk),
        {"version": 1},
    )
    fr = _signed_in(world.people["fr_analyst"])
    assert fr.get(f"/rif/{world.rif.reference}/attachments/{world.attachment.pk}/").status_code == 200
    downloaded = AuditEntry.objects.get(action="rif.attachment_downloaded")
    assert (downloaded.actor_username, downloaded.after["name"]) == ("fr_analyst", "photo.png")
    # Refused exports leave no entry: DE may not see the RIF, an auditor may not export restricted logic.
    _signed_in(world.people["de_analyst"]).get(f"/rif/{world.rif.reference}/attachments/{world.attachment.pk}/")
    _signed_in(world.people["fr_auditor"]).get(f"/criteria/{RESTRICTED}/export.json")
    assert AuditEntry.objects.filter(action__in=["criterion.exported", "rif.attachment_downloaded"]).count() == 2
