"""What a newcomer's `make` targets do, run as a newcomer (or a script) would."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.contrib.auth.hashers import check_password

ROOT = Path(__file__).resolve().parent.parent


def make(target, tmp_path, **env):
    """`make TARGET` in the project, with no terminal on standard input, on a
    throwaway SQLite database, using the virtualenv that runs the tests
    (`-o install`: it is installed already)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_SUPERUSER_")
    }
    environment.update(
        DJANGO_DEBUG="1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    )
    return subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            "install",
            f"BIN={Path(sys.executable).parent}",
            target,
        ],
        cwd=ROOT,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def superusers(database):
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT username, email, password FROM auth_user WHERE is_superuser"
        ).fetchall()


def test_make_admin_without_a_terminal_or_a_password_fails_and_says_why(tmp_path):
    result = make("admin", tmp_path)
    assert result.returncode != 0
    assert "no terminal" in result.stderr
    assert "DJANGO_SUPERUSER_PASSWORD" in result.stderr
    # It stopped before touching the database.
    assert not (tmp_path / "db.sqlite3").exists()


def test_make_admin_with_a_password_but_no_username_fails_and_says_why(tmp_path):
    result = make(
        "admin",
        tmp_path,
        DJANGO_SUPERUSER_PASSWORD="geheim-123",
    )
    assert result.returncode != 0
    assert "DJANGO_SUPERUSER_USERNAME" in result.stderr


def test_make_admin_creates_the_superuser_from_the_environment(tmp_path, settings):
    result = make(
        "admin",
        tmp_path,
        DJANGO_SUPERUSER_USERNAME="chief",
        DJANGO_SUPERUSER_PASSWORD="a-long-secret-9",
    )
    assert result.returncode == 0, result.stderr
    [(username, email, password)] = superusers(tmp_path / "db.sqlite3")
    assert (username, email) == ("chief", "")
    # The account was made with the development settings' hashers.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    assert check_password("a-long-secret-9", password)

    again = make(
        "admin",
        tmp_path,
        DJANGO_SUPERUSER_USERNAME="second",
        DJANGO_SUPERUSER_EMAIL="second@example.com",
        DJANGO_SUPERUSER_PASSWORD="another-secret-7",
    )
    assert again.returncode == 0, again.stderr
    assert [row[:2] for row in superusers(tmp_path / "db.sqlite3")] == [
        ("chief", ""),
        ("second", "second@example.com"),
    ]
