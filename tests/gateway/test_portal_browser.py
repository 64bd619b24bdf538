"""The portal in a real browser: Debian's Chromium, driven by Playwright, against a real gateway and chain.

Each of GridLedger's people signs in with a keystore file (decrypted in the page) and does
their work: a committee worker commits a household through the form and sees it anchored;
a department drops that record's file and receipt and sees it verified, then a file with
one changed character and sees why it fails; the subdistrict auditor sees the department's
read and a refused read in the timeline; the resident sees the read of their record. Every
page passes axe-core with no serious or critical violation, in Chinese and in English, and
is saved as a screenshot to docs/portal/. /docs renders with the network cut off.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Browser, Page, sync_playwright

from ledger.chain.address_book import Deployment
from ledger.client import residents as sdk
from ledger.client.gateway import GatewayClient, GatewayClientError
from ledger.keys import create_keystore
from ledger.ops.localchain import free_port
from ledger.subject_map import map_log_id
from ledger.types import Role
from tests.conftest import Consortium
from tests.gateway.conftest import gateway_settings, serving

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "portal"
AXE = ROOT / "portal" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]  # fmt: skip
PASSWORD = "portal-test-password"
ID_NUMBER = "110101198807076543"
HOUSEHOLD = {"address": "阳光路 3 号 2 单元 501", "head": "王芳", "head_id_number": ID_NUMBER, "members": "3"}

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is missing: run ./scripts/bootstrap")


@pytest.fixture(scope="module")
def database_kind() -> str:
    """One database is enough here: the pages use the same API on both (the API tests run on both)."""
    return "postgresql"


@dataclass
class Portal:
    url: str
    rpc_url: str
    keys: dict[str, Path]
    resident: LocalAccount
    home: Path
    clients: dict[str, GatewayClient]

    def client(self, account: LocalAccount) -> GatewayClient:
        """One client per account for the module (closed with it: no socket left open)."""
        if account.address not in self.clients:
            self.clients[account.address] = GatewayClient(self.url, account)
        return self.clients[account.address]


@pytest.fixture(scope="module")
def portal(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, deployment: Deployment, admin: LocalAccount,
    org: Consortium,
) -> Iterator[Portal]:  # fmt: skip
    assert (ROOT / "portal" / "dist" / "portal.js").is_file(), "the portal is not built: run ./scripts/bootstrap"
    home = tmp_path_factory.mktemp("portal")
    port = free_port()
    settings = gateway_settings(home / "gw", database_url, deployment, admin, authorities=f"127.0.0.1:{port}")
    resident: LocalAccount = Account.create()
    reviewer: LocalAccount = Account.create()  # the office's privacy reviewer: only the consortium admin names one
    deployment.membership.add_member(admin, reviewer.address, "sd-east", Role.PRIVACY_REVIEWER)
    people = {"recorder": org.c1_recorder, "department": org.dept_verifier, "auditor": org.sd_admin,
              "committee-admin": org.c1_admin, "resident": resident, "reviewer": reviewer}  # fmt: skip
    keys = {}
    for name, account in people.items():
        keys[name] = home / f"{name}.json"
        create_keystore(keys[name], PASSWORD, private_key=bytes(account.key), iterations=1024)
    with serving(settings) as url:
        portal = Portal(url, deployment.chain.rpc_url, keys, resident, home, {})
        try:
            yield portal
        finally:
            for client in portal.clients.values():
                client.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_page(browser: Browser) -> Page:
    # bypass_csp only so that the test can inject axe-core; the page's own code runs under the CSP
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True,
                                  viewport={"width": 1280, "height": 900})  # fmt: skip
    context.set_default_timeout(60_000)
    return context.new_page()


def ready(page: Page, name: str) -> None:
    page.wait_for_selector(f"body[data-ready='{name}']")


def go(page: Page, portal: Portal, name: str) -> None:
    """Open page ``name`` (again: a reload when it is the one shown; the session cookie keeps it signed in)."""
    page.evaluate("document.body.dataset.ready = ''")
    if page.url.endswith(f"#/{name}"):
        page.reload()
    else:
        page.goto(f"{portal.url}/#/{name}")
    ready(page, name)


def sign_in(page: Page, portal: Portal, who: str, first_page: str, *, shot: bool = False) -> None:
    page.goto(portal.url + "/")
    ready(page, "signin")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    if shot:
        check_and_shoot(page, "signin")
    page.set_input_files("input[name=keystore]", str(portal.keys[who]))
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    ready(page, first_page)


def row_texts(page: Page, selector: str) -> list[str]:
    rows = page.locator(selector)
    return [rows.nth(i).inner_text() for i in range(rows.count())]


def serious_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def shoot(page: Page, name: str) -> None:
    """axe-core on the page as it is now (no serious violation), and its screenshot."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    lang = page.locator("html").get_attribute("lang")
    assert serious_violations(page) == [], f"{name} ({lang})"
    page.screenshot(path=str(SHOTS / f"{name}.{lang}.png"), full_page=True)


def switch_language(page: Page, lang: str) -> None:
    current = page.evaluate("document.body.dataset.ready")
    page.evaluate("document.body.dataset.ready = ''")
    page.click("#lang")
    page.wait_for_selector(f"html[lang='{lang}']")
    ready(page, current)


def check_and_shoot(page: Page, name: str) -> None:
    """axe-core in Chinese and in English (no serious violation), a screenshot of each, back to Chinese."""
    for lang in ("zh-CN", "en"):
        if page.locator("html").get_attribute("lang") != lang:
            switch_language(page, lang)
        shoot(page, name)
    switch_language(page, "zh-CN")


@pytest.fixture(scope="module")
def household(browser: Browser, portal: Portal, org: Consortium) -> str:
    """The committee worker signs in and commits a household through the form; it is anchored."""
    page = new_page(browser)
    sign_in(page, portal, "recorder", "new-record", shot=True)
    check_and_shoot(page, "committee-new-record")
    form = page.locator("main form.card")
    for name, value in HOUSEHOLD.items():
        page.fill(f"main [name={name}]", value)
    page.click("main form.card button[type=submit]")
    page.wait_for_selector("main form.card[data-anchored]", timeout=120_000)
    record_id = str(form.get_attribute("data-anchored"))
    assert "已上链" in page.locator("main .message").inner_text()  # "anchored", in Chinese
    go(page, portal, "records")
    assert page.locator("main table tbody tr").count() >= 1
    check_and_shoot(page, "committee-records")
    page.context.close()
    return record_id


def test_a_committee_worker_commits_through_the_form_and_a_bad_value_is_worded_plainly(
    browser: Browser, portal: Portal, household: str, org: Consortium
) -> None:
    record = portal.client(org.c1_recorder).get(household)
    assert record["payload"]["head_id_number"] == ID_NUMBER and record["payload"]["members"] == 3
    page = new_page(browser)
    sign_in(page, portal, "recorder", "new-record")
    page.fill("main [name=address]", "Road 1")
    page.fill("main [name=head]", "Li")
    page.fill("main [name=members]", "many")
    page.fill("main [name=head_id_number]", "12345")
    page.click("main form.card button[type=submit]")
    message = page.locator("main .message.error").inner_text()
    assert "“members”必须是整数" in message and "“head_id_number”的格式不正确" in message
    assert "12345" not in message  # errors name the field and the rule, never the value
    page.context.close()


@pytest.fixture(scope="module")
def department_reads(portal: Portal, org: Consortium, household: str) -> dict[str, Path]:
    """The committee grants civil affairs the household's personal fields; the department reads the
    record (allowed) and a record it was not granted (refused); the resident is enrolled."""
    admin, recorder, department = (portal.client(a) for a in (org.c1_admin, org.c1_recorder, org.dept_verifier))
    sdk.enrol(recorder, portal.resident.address, ID_NUMBER)
    admin.grant("rc-sunshine", "civil-affairs", ["address", "head", "members"], "welfare eligibility check",
                int(time.time()) + 30 * 86400, record_type="household")  # fmt: skip
    seen = department.get(household)
    assert sorted(seen["payload"]) == ["address", "head", "members"]
    meeting = recorder.commit("meeting", {"date": "2026-11-30", "topic": "Bicycle shed", "attendees": 7})
    with pytest.raises(GatewayClientError) as refused:
        department.get(meeting["id"])
    assert refused.value.status == 403
    files = {"record": portal.home / f"{household}.record.json", "receipt": portal.home / f"{household}.receipt.json"}
    files["record"].write_text(json.dumps(seen["disclosure"], ensure_ascii=False, indent=2))
    files["receipt"].write_text(json.dumps(department.receipt(household), indent=2))
    return files


def test_a_department_verifies_a_dropped_record_and_its_receipt_and_sees_a_tampered_one_fail(
    browser: Browser, portal: Portal, department_reads: dict[str, Path]
) -> None:
    page = new_page(browser)
    sign_in(page, portal, "department", "granted")
    assert page.locator("main table tbody tr").count() >= 1  # the grant to civil affairs
    check_and_shoot(page, "department-granted")
    go(page, portal, "readable")
    check_and_shoot(page, "department-readable")
    go(page, portal, "verify")
    page.fill("#rpc-url", portal.rpc_url)
    page.set_input_files("#drop-files", [str(department_reads["record"]), str(department_reads["receipt"])])
    page.wait_for_selector("main[data-verdict]")
    assert page.locator("main").get_attribute("data-verdict") == "valid", page.locator("main .message").inner_text()
    assert page.locator("main .checklist li.check-fail").count() == 0
    assert page.locator("main .checklist li.check-pass").count() >= 10  # each check shown
    shoot(page, "department-verify")
    tampered = portal.home / "tampered.record.json"
    tampered.write_text(department_reads["record"].read_text().replace("王芳", "王方"))  # one character
    for lang, failed_words in (("zh-CN", "核验失败"), ("en", "Verification failed")):
        if lang == "en":
            switch_language(page, "en")
            page.fill("#rpc-url", portal.rpc_url)
        page.evaluate("delete document.querySelector('main').dataset.verdict")
        page.set_input_files("#drop-files", [str(tampered), str(department_reads["receipt"])])
        page.wait_for_selector("main[data-verdict]")
        assert page.locator("main").get_attribute("data-verdict") == "invalid:disclosure-proof"
        failed = page.locator("main .checklist li.check-fail").inner_text()
        assert "disclosure-proof" in failed and "not included under entry.commitment" in failed
        assert failed_words in page.locator("main .message").inner_text()
        shoot(page, "department-verify-tampered")
    # a receipt alone proves the entry, not the fields, and says so; two records, or a stray file, are refused
    page.evaluate("delete document.querySelector('main').dataset.verdict")
    page.set_input_files("#drop-files", [str(department_reads["receipt"])])
    page.wait_for_selector("main[data-verdict]")
    assert page.locator("main").get_attribute("data-verdict") == "valid"
    assert "no field was checked" in page.locator("main .message").inner_text()
    for files in ([department_reads["record"], tampered, department_reads["receipt"]],
                  [portal.keys["department"], department_reads["receipt"]]):  # fmt: skip
        page.evaluate("delete document.querySelector('main').dataset.verdict")
        page.set_input_files("#drop-files", [str(f) for f in files])
        page.wait_for_selector("main[data-verdict]")
        assert page.locator("main").get_attribute("data-verdict") == "refused"
        assert page.locator("main .checklist li").count() == 0  # nothing is checked, so nothing is shown valid
    page.context.close()


def test_the_committee_admin_sees_the_grant_given_and_the_residents_requests(
    browser: Browser, portal: Portal, department_reads: dict[str, Path]
) -> None:
    page = new_page(browser)
    sign_in(page, portal, "committee-admin", "records")
    go(page, portal, "grants")
    rows = row_texts(page, "main table tbody tr")
    assert any("civil-affairs" in r and "生效" in r for r in rows), rows  # active, in Chinese
    check_and_shoot(page, "committee-grants")
    go(page, portal, "requests")
    check_and_shoot(page, "committee-requests")
    page.context.close()


def test_a_sensitive_grant_is_given_reviewed_and_revoked_from_the_pages(
    browser: Browser, portal: Portal, department_reads: dict[str, Path], org: Consortium
) -> None:
    """The admin signs the grant in the page (EIP-712, as the CLI does); naming a sensitive field makes it a
    proposal, which the office's privacy reviewer approves in the page; then the admin revokes it."""
    admin = new_page(browser)
    sign_in(admin, portal, "committee-admin", "records")
    go(admin, portal, "grants")
    admin.select_option("#grant-grantee", "civil-affairs")
    admin.select_option("#grant-type", "household")
    admin.check("#gf-head")
    admin.check("#gf-low_income")  # sensitive
    admin.fill("#grant-purpose", "冬季补贴审核")
    admin.click("main form.card button[type=submit]")
    admin.wait_for_function("document.querySelector('main .message.ok')?.textContent.includes('待审查')")
    grants = portal.client(org.c1_admin).grants()
    proposal = next(g for g in grants if g["fields"] == ["head", "low_income"])
    assert proposal["state"] == "proposed" and proposal["purpose"] == "冬季补贴审核"
    reviewer = new_page(browser)
    sign_in(reviewer, portal, "reviewer", "reviews")
    check_and_shoot(reviewer, "reviewer-proposals")
    reviewer.click(f"main button[data-approve='{proposal['id']}']")
    reviewer.wait_for_function("document.querySelector('main .message.ok') !== null")
    assert next(g for g in portal.client(org.c1_admin).grants() if g["id"] == proposal["id"])["state"] == "active"
    reviewer.context.close()
    go(admin, portal, "grants")  # a reload: the cookie still reads, but the key is no longer in the page
    admin.click(f"main button[data-grant='{proposal['id']}']")
    admin.wait_for_selector("main .unlock form")  # so the act asks for the keystore again before it signs
    admin.set_input_files("main .unlock input[name=keystore]", str(portal.keys["committee-admin"]))
    admin.fill("main .unlock input[name=password]", PASSWORD)
    admin.click("main .unlock button[type=submit]")
    admin.wait_for_function("document.querySelector('main .message.ok') !== null")
    assert next(g for g in portal.client(org.c1_admin).grants() if g["id"] == proposal["id"])["state"] == "revoked"
    admin.context.close()


def test_the_auditor_sees_the_department_read_and_the_refused_read(
    browser: Browser, portal: Portal, department_reads: dict[str, Path], household: str, deployment: Deployment,
    org: Consortium,
) -> None:
    page = new_page(browser)
    sign_in(page, portal, "auditor", "timeline")
    texts = row_texts(page, "main table.entries tbody tr")
    assert any("civil-affairs" in x and "允许" in x for x in texts), texts  # allowed read
    refused = page.locator("main table.entries tbody tr.refused")
    assert refused.count() >= 1 and "civil-affairs" in refused.first.inner_text()  # highlighted
    assert page.locator("main svg.chart rect").count() >= 1  # reads per department per week
    page.select_option("#flt-outcome", "refused")
    page.click("main form.filters button[type=submit]")
    page.wait_for_selector("main [data-query*='outcome=refused'] table.entries")
    assert page.locator("main table.entries tbody tr:not(.refused)").count() == 0
    page.goto(f"{portal.url}/#/timeline")
    check_and_shoot(page, "auditor-timeline")
    go(page, portal, "log")
    page.click("main button.primary >> text=运行核查")
    page.wait_for_selector("main [data-mismatches]", timeout=120_000)
    assert page.locator("main [data-mismatches]").get_attribute("data-mismatches") == "0"
    anchor_subject_map(portal, deployment, org)  # so that there is an anchored head to extend
    page.fill("#log-rpc", portal.rpc_url)
    page.click("#log-check")
    page.wait_for_selector("main[data-chain-check]")
    assert page.locator("main").get_attribute("data-chain-check") == "ok", page.locator("main").inner_text()
    assert page.locator("main table >> nth=-1").locator("tbody tr").count() >= 1  # the anchored heads
    shoot(page, "auditor-log")

    def another_root(route: Any) -> None:  # a gateway that serves a head the chain never saw
        head = route.fetch().json()
        head["root"] = "0x" + "ab" * 32
        route.fulfill(json=head)

    page.route("**/v1/audit/log/head", another_root)
    page.evaluate("delete document.querySelector('main').dataset.chainCheck")
    page.click("#log-check")
    page.wait_for_selector("main[data-chain-check]")
    assert page.locator("main").get_attribute("data-chain-check") == "failed"
    assert "核查失败" in page.locator("main").inner_text()
    page.context.close()


def test_a_committee_worker_imports_a_csv_after_a_preview(browser: Browser, portal: Portal, org: Consortium) -> None:
    good = portal.home / "households.csv"
    good.write_text("address,head,members,head_id_number\n"
                    + "".join(f"导入路 {i} 号,张{i},{i + 1},11010119900101{1000 + i}\n" for i in range(3)))  # fmt: skip
    bad = portal.home / "bad.csv"
    bad.write_text("address,head,members\nRoad 1,Li,2\nRoad 2,Wang,many\n")
    page = new_page(browser)
    sign_in(page, portal, "recorder", "new-record")
    go(page, portal, "import")
    page.select_option("#import-type", "household")
    page.set_input_files("#import-file", str(bad))
    page.wait_for_selector("main tr.bad")
    assert "第 3 行" in page.locator("main tr.bad").inner_text()  # the row, by its line in the file
    assert page.locator("main button.primary").is_hidden()  # nothing is imported while a row is wrong
    page.set_input_files("#import-file", str(good))
    page.wait_for_selector("main button.primary:visible")
    assert page.locator("main tr.bad").count() == 0
    before = len(portal.client(org.c1_recorder).request("GET", "/v1/records?limit=500")["items"])
    page.click("main button.primary")
    page.wait_for_function("document.querySelector('main .message.ok')?.textContent.includes('导入完成')")
    assert page.locator("main progress").get_attribute("value") == "3"
    after = len(portal.client(org.c1_recorder).request("GET", "/v1/records?limit=500")["items"])
    assert after == before + 3
    check_and_shoot(page, "committee-import")
    page.context.close()


def test_the_resident_sees_who_read_their_record_and_checks_nothing_was_left_out(
    browser: Browser, portal: Portal, department_reads: dict[str, Path], household: str, deployment: Deployment,
    org: Consortium,
) -> None:
    page = new_page(browser)
    sign_in(page, portal, "resident", "my-records")
    assert page.locator(f"main [data-record='{household}']").count() == 1
    check_and_shoot(page, "resident-records")
    go(page, portal, "my-access")
    rows = row_texts(page, "main table tbody tr")
    assert any("civil-affairs" in r and "address, head, members" in r for r in rows), rows
    check_and_shoot(page, "resident-access")
    # the completeness check in the page, against the chain: first as served, then with a read left out
    anchor_subject_map(portal, deployment, org)
    page.fill("#me-rpc", portal.rpc_url)
    page.click("main button.primary")
    page.wait_for_selector("main[data-complete]")
    assert page.locator("main").get_attribute("data-complete") == "true", page.locator("main .message").inner_text()
    assert "没有遗漏" in page.locator("main .message").inner_text()
    shoot(page, "resident-access-checked")

    def drop_the_department_read(route: Any) -> None:
        answer = route.fetch().json()
        answer["entries"] = [e for e in answer["entries"] if "civil-affairs" not in e.get("leaf", "")]
        route.fulfill(json=answer)

    page.route("**/v1/me/access*", drop_the_department_read)
    page.evaluate("delete document.querySelector('main').dataset.complete")
    page.click("main button.primary")
    page.wait_for_selector("main[data-complete]")
    assert page.locator("main").get_attribute("data-complete") == "false"
    assert "核验失败" in page.locator("main .message").inner_text()
    page.context.close()


def anchor_subject_map(portal: Portal, deployment: Deployment, org: Consortium, timeout: float = 120) -> None:
    """Ask for the access log (and the subject map) to be anchored and wait until the map covers the log."""
    auditor = portal.client(org.sd_admin)
    deadline = time.monotonic() + timeout
    while True:
        head = auditor.request("POST", "/v1/audit/log/anchor", {})
        anchored = deployment.registry.latest_log_head(head["org"], map_log_id(bytes.fromhex(head["log_id"][2:])))
        if anchored is not None and anchored.tree_size >= head["size"]:
            return
        assert time.monotonic() < deadline, "the subject map was not anchored"
        time.sleep(0.2)


def test_the_api_docs_render_with_the_network_cut_off(browser: Browser, portal: Portal) -> None:
    page = new_page(browser)
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(portal.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{portal.url}/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "GridLedger" in page.locator(".swagger-ui .info .title").inner_text()
    assert outside == []
    page.context.close()


def test_portal_assets_are_served_with_a_strict_policy_and_missing_ones_are_problems(portal: Portal) -> None:
    with httpx.Client(base_url=portal.url) as http:
        page = http.get("/")
        assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
        missing = http.get("/portal/nothing-here.js")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
        assert http.get("/portal/..%2F..%2Fpyproject.toml").status_code == 404


def test_a_committee_worker_makes_a_new_version_from_the_list(
    browser: Browser, portal: Portal, household: str, org: Consortium
) -> None:
    page = new_page(browser)
    sign_in(page, portal, "recorder", "new-record")
    go(page, portal, "records")
    page.evaluate("document.body.dataset.ready = ''")
    page.click(f"main button[data-record='{household}']")
    ready(page, "new-record")
    assert page.locator("main [name=head]").input_value() == "王芳"  # the old version's values, to change
    assert page.locator("#record-type").is_disabled()
    page.fill("main [name=members]", "4")
    page.click("main form.card button[type=submit]")
    page.wait_for_selector("main form.card[data-anchored]", timeout=120_000)
    successor = str(page.locator("main form.card").get_attribute("data-anchored"))
    record = portal.client(org.c1_recorder).get(successor)
    assert (record["version"], record["supersedes"], record["payload"]["members"]) == (2, household, 4)
    go(page, portal, "records")
    assert page.locator(f"main button[data-record='{household}']").count() == 0  # superseded: no second successor
    page.context.close()
