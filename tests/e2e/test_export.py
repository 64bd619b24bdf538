"""``gridledger export`` + ``verify-export`` on the demo, checked after the gateway is gone; every byte matters.

One demo (real anvil, real ``gridledger up --demo`` on SQLite) per module: records are
committed, corrected and erased, two exports are written (a committee's admin, the
subdistrict's admin), one export is interrupted, and then the gateway is stopped: every
check below runs against the chain alone. Tampering runs the real CLI entry point
in-process (``ledger.cli.app.main``) so that dozens of cases stay fast; the round trip and
the bad-input cases run it as a process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger import ijson
from ledger.chain.address_book import Deployment, read_address_book
from ledger.chain.client import ChainClient
from ledger.cli.app import main
from ledger.client.gateway import GatewayClient
from ledger.errors import DocumentError
from ledger.export import EXPORT_FORMAT, write_export
from ledger.export.layout import sha256_hex, sign_manifest
from ledger.keys import load_keystore
from ledger.ops.localchain import free_port
from tests.conftest import new_account

CLI = [sys.executable, "-c", "from ledger.cli.app import main; main()"]
PASSWORD = "demo-password-not-secret"


@dataclass
class Demo:
    env: dict[str, str]
    data: Path
    rpc: str
    book: Path
    office: Path  # sd-east's export: both committees
    owner: Path  # rc-sunshine's admin's export
    exported: dict[str, subprocess.CompletedProcess[str]]
    ids: dict[str, str]
    interrupted: Path


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def _seed(url: str, keys: Path) -> dict[str, str]:
    """Records of both committees, a corrected version and an erased record, all anchored."""

    def as_(name: str) -> GatewayClient:
        return GatewayClient(url, load_keystore(keys / f"{name}.json", PASSWORD))

    with (
        as_("rc-sunshine-recorder") as recorder,
        as_("rc-harmony-recorder") as harmony,
        as_("rc-sunshine-admin") as adm,
    ):
        first = recorder.commit("household", {"address": "Road 8-1-101", "head": "Qian Bo", "members": 2})["id"]
        gone = recorder.commit("household", {"address": "Road 8-1-102", "head": "Sun Yi", "members": 1})["id"]
        recorder.wait_anchored(first)
        second = recorder.commit("household", {"address": "Road 8-1-101", "head": "Qian Bo", "members": 3},
                                 supersedes=first)["id"]  # fmt: skip
        other = harmony.commit("meeting", {"date": "2026-12-03", "topic": "Lights", "attendees": 5})["id"]
        for record_id in (gone, second, other):
            recorder.wait_anchored(record_id) if record_id != other else harmony.wait_anchored(other)
        adm.erase(gone)
    return {"first": first, "second": second, "erased": gone, "harmony": other}


class _Interrupt:
    """A progress sink that presses Ctrl-C on the third record."""

    def __init__(self) -> None:
        self.records = 0

    def stage(self, name: str, total: int | None) -> None:
        pass

    def advance(self, steps: int = 1) -> None:
        self.records += steps
        if self.records == 3:
            raise KeyboardInterrupt


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    home = tmp_path_factory.mktemp("demo")
    data, port = home / "data", free_port()
    env = {
        **os.environ, "GRIDLEDGER_DATA_DIR": str(data), "GRIDLEDGER_PORT": str(port),
        "GRIDLEDGER_CHAIN_PORT": str(free_port()), "GRIDLEDGER_GATEWAY_URL": f"http://127.0.0.1:{port}",
        "GRIDLEDGER_KEY_PASSWORD": PASSWORD,
    }  # fmt: skip
    assert run(env, "chain", "start").returncode == 0
    log = (home / "gateway.log").open("w")
    gateway = subprocess.Popen([*CLI, "up", "--demo"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert gateway.poll() is None, (home / "gateway.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the demo gateway did not become ready"
            time.sleep(0.2)
        keys = data / "demo-keys"
        ids = _seed(env["GRIDLEDGER_GATEWAY_URL"], keys)
        exported = {
            "office": run({**env, "GRIDLEDGER_KEY": str(keys / "sd-east-admin.json")}, "export", "--out",
                          str(home / "office")),
            "owner": run({**env, "GRIDLEDGER_KEY": str(keys / "rc-sunshine-admin.json")}, "export", "--out",
                         str(home / "owner")),
            "recorder": run({**env, "GRIDLEDGER_KEY": str(keys / "rc-sunshine-recorder.json")}, "export", "--out",
                            str(home / "by-recorder")),
            "existing": run({**env, "GRIDLEDGER_KEY": str(keys / "sd-east-admin.json")}, "export", "--out",
                            str(home / "office")),
        }  # fmt: skip
        book = data / "addressbook.json"
        rpc = f"http://127.0.0.1:{(data / 'chain' / 'anvil.port').read_text().strip()}"
        interrupted = home / "interrupted"
        with GatewayClient(env["GRIDLEDGER_GATEWAY_URL"], load_keystore(keys / "sd-east-admin.json", PASSWORD)) as gw:
            deployment = Deployment.connect(ChainClient(rpc), read_address_book(book))
            with pytest.raises(KeyboardInterrupt):
                write_export(gw, deployment, interrupted, progress=_Interrupt())
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(60)
        log.close()
    try:
        with pytest.raises(httpx.TransportError):  # every check below runs with no gateway
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
        yield Demo(env, data, rpc, book, home / "office", home / "owner", exported, ids, interrupted)
    finally:
        assert run(env, "chain", "stop").returncode == 0


def verify_export(demo: Demo, directory: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run(demo.env, "verify-export", str(directory), "--rpc", demo.rpc, *extra)


def in_process(demo: Demo, directory: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    """``gridledger verify-export`` through the real entry point, without a new interpreter."""
    argv = ["gridledger", "verify-export", str(directory), "--rpc", demo.rpc, "--address-book", str(demo.book), *extra]
    saved = sys.argv
    sys.argv = argv
    try:
        with pytest.raises(SystemExit) as info:
            main()
    finally:
        sys.argv = saved
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def records_index(directory: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in json.loads((directory / "records.json").read_text())["records"]}


# -- the round trip ------------------------------------------------------------------------------


def test_exports_verify_against_the_chain_alone_after_the_gateway_is_gone(demo: Demo) -> None:
    for name in ("office", "owner"):
        assert demo.exported[name].returncode == 0, demo.exported[name].stderr
    assert "(1 erased)" in demo.exported["office"].stdout and "signed" in demo.exported["office"].stdout
    office = verify_export(demo, demo.office)
    assert office.returncode == 0, office.stdout + office.stderr
    assert office.stdout.count("\n") == 1 and office.stdout.startswith("VALID: export of sd-east by 0x")
    owner = verify_export(demo, demo.owner, "--address-book", str(demo.book))
    assert owner.returncode == 0 and owner.stdout.startswith("VALID: export of rc-sunshine"), owner.stdout
    assert "Traceback" not in office.stderr + owner.stderr


def test_the_office_export_holds_both_committees_and_the_owner_export_only_its_own(demo: Demo) -> None:
    office, owner = records_index(demo.office), records_index(demo.owner)
    assert {r["owner"] for r in office.values()} == {"rc-sunshine", "rc-harmony"}
    assert {r["owner"] for r in owner.values()} == {"rc-sunshine"} and set(owner) < set(office)
    assert len(owner) == 4 + 3  # the demo's four, and ours: two households and a correction
    second = office[demo.ids["second"]]
    assert (second["version"], second["supersedes"]) == (2, demo.ids["first"])
    manifest = json.loads((demo.office / "manifest.json").read_text())
    assert manifest["format"] == EXPORT_FORMAT and manifest["exporter"]["org"] == "sd-east"
    assert manifest["counts"]["records"] == len(office) and manifest["counts"]["log_entries"] > 0


def test_an_erased_record_keeps_its_valid_receipt_and_has_no_payload(demo: Demo) -> None:
    erased = demo.ids["erased"]
    item = records_index(demo.office)[erased]
    assert item["status"] == "erased" and item["erased_at"]
    assert (demo.office / "records" / f"{erased}.receipt.json").is_file()
    assert not (demo.office / "records" / f"{erased}.disclosure.json").exists()
    assert "Sun Yi" not in "".join(p.read_text() for p in demo.office.rglob("*") if p.is_file())
    verified = run(demo.env, "verify", "--receipt", str(demo.office / "records" / f"{erased}.receipt.json"),
                   "--rpc", demo.rpc)  # fmt: skip
    assert verified.returncode == 0 and "payload not given or erased" in verified.stdout


def test_an_export_needs_an_auditor_key_a_new_directory_and_leaves_nothing_when_interrupted(demo: Demo) -> None:
    refused = demo.exported["recorder"]
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert "admins and auditors" in refused.stderr and not (demo.office.parent / "by-recorder").exists()
    existing = demo.exported["existing"]
    assert existing.returncode == 2 and "already exists" in existing.stderr
    assert not demo.interrupted.exists()
    assert [p.name for p in demo.interrupted.parent.iterdir() if ".partial-" in p.name] == []


# -- every byte matters -----------------------------------------------------------------------------


def files_of(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


def expected_exit(rel: str, data: bytes) -> int:
    """1 for a changed export; 2 only when manifest.json no longer says it is one of this format.

    Everything but the manifest is hashed in it, and the manifest's exact bytes are signed, so a
    changed byte is always found. But a manifest that no longer parses, or no longer names
    ``gridledger-export/1``, does not say what it is: verify-export cannot tell a damaged export
    from something else, and refuses to judge it (exit 2, one line) rather than guess.
    """
    if rel != "manifest.json":
        return 1
    try:
        document = ijson.loads(data)
    except DocumentError:
        return 2
    return 1 if isinstance(document, dict) and document.get("format") == EXPORT_FORMAT else 2


def test_flipping_any_byte_of_any_file_is_detected(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "case"
    shutil.copytree(demo.office, case)
    rels = files_of(case)
    assert {"README.md", "addressbook.json", "manifest.json", "manifest.sig", "records.json", "access-log/heads.json",
            "access-log/entries.jsonl"} <= set(rels)  # fmt: skip
    seen = {1: 0, 2: 0}
    for rel in rels:
        data = (case / rel).read_bytes()
        spread = 8 if rel == "manifest.json" else 2  # the one file whose damage can mean "not an export"
        for pos in sorted({0, len(data) - 1, *(len(data) * k // (spread + 1) for k in range(1, spread + 1))}):
            flipped = bytearray(data)
            flipped[pos] ^= 0x01
            (case / rel).write_bytes(bytes(flipped))
            code, out, err = in_process(demo, case, capsys)
            (case / rel).write_bytes(data)
            where = f"{rel} byte {pos}: {out}{err}"
            assert code == expected_exit(rel, bytes(flipped)), where
            seen[code] += 1
            assert "Traceback" not in err, where
            if code == 2:
                assert err.count("\n") == 1 and err.startswith("error: ") and "not a GridLedger export" in err, where
                continue
            summary = out.splitlines()[-1]
            assert summary.startswith(f"INVALID: export {case}: "), where
            named = "manifest" if rel in ("manifest.json", "manifest.sig") else rel
            assert named in summary, where
    assert seen[1] > 70 and seen[2] >= 1  # the manifest's opening brace at least
    code, out, _ = in_process(demo, case, capsys)
    assert code == 0 and out.startswith("VALID"), out  # every byte was put back: valid again


def test_a_missing_an_extra_and_a_linked_file_are_each_found(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    disclosure = next(r for r in files_of(demo.office) if r.endswith(".disclosure.json"))
    cases = {
        "missing": (lambda d: (d / disclosure).unlink(), f"{disclosure} is listed in the manifest but missing"),
        "extra": (lambda d: (d / "records" / "notes.txt").write_text("x"), "records/notes.txt is not listed"),
        "link": (lambda d: (d / "link.json").symlink_to(d / "records.json"), "link.json is a symbolic link"),
        "unsigned": (lambda d: (d / "manifest.sig").unlink(), "manifest.sig is missing"),
    }
    for name, (change, reason) in cases.items():
        case = tmp_path / name
        shutil.copytree(demo.office, case)
        change(case)
        code, out, _ = in_process(demo, case, capsys)
        assert code == 1 and reason in out.splitlines()[-1], (name, out)


# -- re-signed forgeries: the content checks behind the hashes -------------------------------------


def resign(directory: Path, key: Path | None, edit: Any) -> None:
    """Change the export with ``edit``, re-hash every file into the manifest, and sign it again.

    With the exporter's own key this is what a dishonest exporter could do; the checks that
    remain are the ones against the chain and between the files.
    """
    edit(directory)
    manifest = json.loads((directory / "manifest.json").read_text())
    account = load_keystore(key, PASSWORD) if key else new_account()
    manifest["exporter"]["address"] = account.address
    manifest["files"] = {rel: sha256_hex((directory / rel).read_bytes()) for rel in files_of(directory)
                         if rel not in ("manifest.json", "manifest.sig")}  # fmt: skip
    data = (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
    (directory / "manifest.json").write_bytes(data)
    (directory / "manifest.sig").write_bytes(sign_manifest(account, data))


def _edit_json(path: Path, change: Any) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def _edit_first_entry(directory: Path) -> None:
    path = directory / "access-log" / "entries.jsonl"
    lines = path.read_text().splitlines()
    entry = json.loads(lines[0])
    entry["leaf"] = entry["leaf"].replace('"outcome":"allowed"', '"outcome":"refused"')
    path.write_text("\n".join([json.dumps(entry, separators=(",", ":")), *lines[1:]]) + "\n")


def _edit_disclosure(directory: Path) -> None:
    path = next((directory / "records").glob("*.disclosure.json"))
    _edit_json(path, lambda d: d["fields"][next(iter(d["fields"]))].update(value="changed"))


def _supersede_wrongly(directory: Path) -> None:
    def change(index: dict[str, Any]) -> None:
        for item in index["records"]:
            if item["supersedes"]:
                item["version"] = 3

    _edit_json(directory / "records.json", change)


FORGERIES = {
    "a leaf rewritten": (_edit_first_entry, "is not in the access log's current head"),
    "a value changed": (_edit_disclosure, "does not match the commitment"),
    "a version misstated": (_supersede_wrongly, "states its version otherwise than its signed entry"),
    "an anchored head moved": (
        lambda d: _edit_json(d / "access-log" / "heads.json", lambda h: h["anchored"][0].update(tree_size=1)),
        "anchored head 0 of the access log is not the one on-chain",
    ),
    "a record dropped from the index only": (
        lambda d: _edit_json(d / "records.json", lambda i: i["records"].pop()),
        "which is no part of an export's layout",
    ),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forgery_re_signed_by_the_exporter_is_still_found(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str], forgery: str
) -> None:
    edit, reason = FORGERIES[forgery]
    case = tmp_path / "forged"
    shutil.copytree(demo.office, case)
    resign(case, demo.data / "demo-keys" / "sd-east-admin.json", edit)
    code, out, err = in_process(demo, case, capsys)
    assert code == 1 and reason in out, out + err


def test_an_export_signed_by_a_stranger_is_invalid(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "stranger"
    shutil.copytree(demo.office, case)
    resign(case, None, lambda d: None)
    code, out, _ = in_process(demo, case, capsys)
    assert code == 1 and "was not an admin or auditor of sd-east" in out.splitlines()[-1], out


def test_an_export_re_signed_by_a_recorder_of_the_organisation_is_invalid(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A member who may not export (a recorder) cannot vouch for one, e.g. with records removed."""
    case = tmp_path / "recorder"
    shutil.copytree(demo.owner, case)
    resign(case, demo.data / "demo-keys" / "rc-sunshine-recorder.json", lambda d: None)
    code, out, _ = in_process(demo, case, capsys)
    assert code == 1 and "was not an admin or auditor of rc-sunshine" in out.splitlines()[-1], out


# -- bad input: one line, exit 2, never a traceback --------------------------------------------------


def test_what_is_no_export_is_one_line_and_exit_2(demo: Demo, tmp_path: Path) -> None:
    def manifest(text: str) -> Path:
        directory = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
        shutil.copytree(demo.office, directory)
        (directory / "manifest.json").write_text(text)
        return directory

    later = json.loads((demo.office / "manifest.json").read_text()) | {"format": "gridledger-export/2"}
    cases = {
        "a file": (demo.office / "README.md", "is not a directory"),
        "no manifest": (demo.data, "is not a GridLedger export: it has no manifest.json"),
        "another version": (manifest(json.dumps(later)), "format 'gridledger-export/2'; this gridledger reads"),
        "not JSON": (manifest("{not json"), "is not a GridLedger export: manifest.json is not JSON"),
        "no format": (manifest('{"files": {}}'), "manifest.json names no format"),
        "nested too deeply": (manifest("[" * 200_000), "is not a GridLedger export"),
        "duplicate members": (manifest('{"format": "gridledger-export/1", "format": "x"}'), "not I-JSON"),
    }
    for name, (directory, reason) in cases.items():
        result = verify_export(demo, directory, "--address-book", str(demo.book))
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1 and reason in result.stderr and "Traceback" not in result.stderr, name


def test_no_trusted_address_book_is_refused_unless_the_export_s_own_is_trusted_with_a_warning(
    demo: Demo, tmp_path: Path
) -> None:
    bare = {**demo.env, "GRIDLEDGER_DATA_DIR": str(tmp_path)}
    refused = run(bare, "verify-export", str(demo.owner), "--rpc", demo.rpc)
    assert refused.returncode == 2 and "no trusted address book" in refused.stderr and refused.stderr.count("\n") == 1
    trusted = run(bare, "verify-export", str(demo.owner), "--rpc", demo.rpc, "--trust-export-address-book")
    assert trusted.returncode == 0 and trusted.stdout.startswith("VALID"), trusted.stdout + trusted.stderr
    assert trusted.stderr.startswith("warning: trusting the export's own address book")
    down = run(demo.env, "verify-export", str(demo.owner), "--rpc", f"http://127.0.0.1:{free_port()}")
    assert down.returncode == 2 and down.stderr.count("\n") == 1 and "Traceback" not in down.stderr, down.stderr


def test_a_manifest_of_this_format_with_broken_members_is_an_invalid_verdict(
    demo: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    case = tmp_path / "broken"
    shutil.copytree(demo.office, case)
    _edit_json(case / "manifest.json", lambda m: m.update(files=["README.md"]))
    code, out, _ = in_process(demo, case, capsys)
    assert code == 1 and out.splitlines()[-1].endswith("manifest.json is malformed: files must be an object"), out
