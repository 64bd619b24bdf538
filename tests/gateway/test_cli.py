"""The gridledger CLI, run as a real process: one clear line and exit 2 for user mistakes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.chain.address_book import Deployment, read_address_book
from ledger.keys import create_keystore
from ledger.ops.localchain import free_port

GRIDLEDGER = [sys.executable, "-c", "from ledger.cli.app import main; main()"]
PASSWORD = "correct horse"


def run(args: list[str], data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "GRIDLEDGER_DATA_DIR": str(data_dir), "GRIDLEDGER_KEY_PASSWORD": PASSWORD, **env}
    return subprocess.run(
        [*GRIDLEDGER, *args], capture_output=True, text=True, env=environment, timeout=120, stdin=subprocess.DEVNULL
    )


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
def keystore(tmp_path: Path) -> Path:
    path = tmp_path / "deployer.json"
    create_keystore(path, PASSWORD, iterations=2)
    return path


def test_deploy_writes_an_address_book_and_refuses_to_overwrite_it(tmp_path: Path, keystore: Path, anvil: str) -> None:
    book = tmp_path / "book.json"
    result = run(["deploy", "--rpc", anvil, "--key", str(keystore), "--address-book", str(book)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "deployed to chain 31337" in result.stdout
    data = json.loads(book.read_text())
    assert data["chain_id"] == 31337 and set(data["artifacts"]) == {"Membership", "RecordRegistry", "AccessGrants",
                                                                    "RecordTypes"}
    again = run(["deploy", "--rpc", anvil, "--key", str(keystore), "--address-book", str(book)], tmp_path)
    assert "already exists" in one_error_line(again) and "--force" in one_error_line(again)
    assert json.loads(book.read_text()) == data
    forced = run(["deploy", "--rpc", anvil, "--key", str(keystore), "--address-book", str(book), "--force"], tmp_path)
    assert forced.returncode == 0 and json.loads(book.read_text())["membership"] != data["membership"]


def test_deploy_to_an_unreachable_rpc_says_so(tmp_path: Path, keystore: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run(["deploy", "--rpc", url, "--key", str(keystore)], tmp_path)
    line = one_error_line(result)
    assert f"no chain node answers at {url}" in line and "gridledger chain start" in line
    assert not (tmp_path / "addressbook.json").exists()


def test_a_wrong_keystore_password_says_so(tmp_path: Path, keystore: Path, anvil: str) -> None:
    result = run(["deploy", "--rpc", anvil, "--key", str(keystore)], tmp_path, GRIDLEDGER_KEY_PASSWORD="wrong")
    assert "wrong password for keystore" in one_error_line(result)
    assert not (tmp_path / "addressbook.json").exists()


def test_a_missing_key_and_a_missing_password_say_so(tmp_path: Path, keystore: Path, anvil: str) -> None:
    assert "pass --key" in one_error_line(run(["deploy", "--rpc", anvil], tmp_path))
    env = {k: v for k, v in os.environ.items() if k != "GRIDLEDGER_KEY_PASSWORD"}
    result = subprocess.run(
        [*GRIDLEDGER, "deploy", "--rpc", anvil, "--key", str(keystore)],
        capture_output=True, text=True, env={**env, "GRIDLEDGER_DATA_DIR": str(tmp_path)}, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert "GRIDLEDGER_KEY_PASSWORD" in one_error_line(result)


def test_an_address_book_for_another_chain_is_refused(tmp_path: Path, deployment: Deployment, anvil: str) -> None:
    book = tmp_path / "book.json"
    book.write_text(json.dumps({**deployment.book.to_json(), "chain_id": 1}))
    result = run(["org", "list", "--rpc", anvil, "--address-book", str(book)], tmp_path)
    line = one_error_line(result)
    assert "runs chain 31337, but the address book is for chain 1" in line


def test_a_missing_anvil_binary_says_which_command_fixes_it(tmp_path: Path) -> None:
    result = run(["chain", "start"], tmp_path, GRIDLEDGER_ANVIL=str(tmp_path / "nope"))
    assert "cannot run anvil" in one_error_line(result)


def test_org_member_and_besu_allowlist_round_trip(tmp_path: Path, keystore: Path, anvil: str, snapshot: None) -> None:
    book = tmp_path / "book.json"
    common = ["--rpc", anvil, "--address-book", str(book)]
    assert run(["deploy", "--key", str(keystore), *common], tmp_path).returncode == 0
    registered = run(
        ["org", "register", "sd-east", "--kind", "subdistrict", "--name", "East", "--key", str(keystore), *common],
        tmp_path,
    )
    assert registered.returncode == 0 and "registered subdistrict sd-east" in registered.stdout
    member = tmp_path / "member.json"
    account = create_keystore(member, PASSWORD, iterations=2)
    added = run(
        ["member", "add", str(member), "--org", "sd-east", "--roles", "admin,auditor", "--key", str(keystore), *common],
        tmp_path,
    )
    assert added.returncode == 0, added.stderr
    assert f"added {account.address} to sd-east as admin, auditor" in added.stdout
    shown = run(["member", "show", account.address, *common], tmp_path)
    assert shown.stdout.strip() == f"{account.address}: sd-east, admin, auditor"
    listed = run(["org", "list", "--json", *common], tmp_path)
    assert json.loads(listed.stdout) == [
        {
            "id": "sd-east",
            "kind": "subdistrict",
            "parent": None,
            "name": "East",
            "active": True,
            "gateway": None,
            "members": [account.address],
        }
    ]
    allowlist = tmp_path / "permissions_config.toml"
    exported = run(["besu-allowlist", "--out", str(allowlist), *common], tmp_path)
    assert exported.returncode == 0 and "wrote 2 accounts" in exported.stdout
    text = allowlist.read_text()
    assert text.count('"0x') == 2 and f'"{account.address}"' in text and text.strip().endswith("]")
    deployer = read_address_book(book).deployer
    assert f'"{deployer}"' in text


def test_user_mistakes_in_arguments_are_one_line(
    tmp_path: Path, keystore: Path, anvil: str, deployment: Deployment
) -> None:
    book = tmp_path / "book.json"
    book.write_text(json.dumps(deployment.book.to_json()))
    common = ["--rpc", anvil, "--address-book", str(book), "--key", str(keystore)]
    assert "unknown kind" in one_error_line(
        run(["org", "register", "x", "--kind", "planet", "--name", "X", *common], tmp_path)
    )
    assert "unknown role 'boss'" in one_error_line(
        run(["member", "add", "0x" + "11" * 20, "--org", "sd-east", "--roles", "boss", *common], tmp_path)
    )
    assert "not an Ethereum address" in one_error_line(
        run(["member", "add", "nobody", "--org", "sd-east", "--roles", "admin", *common], tmp_path)
    )
    assert "invalid id 'Bad Id'" in one_error_line(
        run(["org", "register", "Bad Id", "--kind", "subdistrict", "--name", "X", *common], tmp_path)
    )
    refused = run(["org", "register", "sd-x", "--kind", "subdistrict", "--name", "X", *common], tmp_path)
    assert "the contract refused: MembershipUnauthorized" in one_error_line(refused)
