"""Production settings: refuse to start unsafely, and pass Django's deployment checklist."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-for-the-test-only-9f3a1c",
    "ALLOWED_HOSTS": "r2p.example.org",
}


def run_manage(env_overrides: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_without_secret_key_refuses_to_start():
    result = run_manage({"DEBUG": "false", "ALLOWED_HOSTS": "r2p.example.org"}, "check")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_off_without_allowed_hosts_refuses_to_start():
    env = {**PRODUCTION_ENV, "ALLOWED_HOSTS": ""}

    result = run_manage(env, "check")

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must list" in result.stderr


def test_deployment_checklist_passes_under_the_documented_production_settings():
    result = run_manage(PRODUCTION_ENV, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_malformed_boolean_is_refused_with_its_name():
    result = run_manage({**PRODUCTION_ENV, "DEBUG": "maybe"}, "check")

    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_a_local_env_file_sets_defaults_and_the_environment_wins(tmp_path):
    env_file = tmp_path / "local.env"
    env_file.write_text("# a trial machine\nDEBUG=true\nALLOWED_HOSTS='from-the-file.example'\n")
    base = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "ALLOWED_HOSTS")}
    script = "from django.conf import settings; print(settings.DEBUG, settings.ALLOWED_HOSTS)"

    def settings_with(**env: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", f"import django; django.setup(); {script}"],
            cwd=settings.BASE_DIR,
            env={**base, "DJANGO_SETTINGS_MODULE": "r2p_project.settings", **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert settings_with(R2P_ENV_FILE=str(env_file)) == "True ['from-the-file.example']"
    production = {**PRODUCTION_ENV, "R2P_ENV_FILE": str(env_file)}
    assert settings_with(**production) == "False ['r2p.example.org']"
