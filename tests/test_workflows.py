"""The GitHub workflows: schema-valid, and only a push to main deploys Pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted(
    p for p in (ROOT / ".github" / "workflows").iterdir() if p.suffix in (".yml", ".yaml")
)
PAGES = ROOT / ".github" / "workflows" / "pages.yml"
CHECK_JSONSCHEMA = [
    sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows"
]  # fmt: skip
PUBLISHING = ("actions/configure-pages@", "actions/upload-pages-artifact@", "actions/deploy-pages@")


def load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # PyYAML reads the `on:` key as the boolean True (YAML 1.1).
    if True in data:
        data["on"] = data.pop(True)
    return data


def uses(job: dict[str, Any]) -> list[str]:
    return [str(step.get("uses", "")) for step in job.get("steps", [])]


def test_there_are_workflows() -> None:
    assert PAGES in WORKFLOWS


def check_schema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHECK_JSONSCHEMA, str(path)], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_github_schema(workflow: Path) -> None:
    result = check_schema(workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schema_check_rejects_a_broken_workflow(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("on: push\njobs:\n  build:\n    steps: []\n", encoding="utf-8")
    assert check_schema(bad).returncode != 0  # no runs-on: the check does look


def test_push_to_main_deploys_with_deploy_pages() -> None:
    wf = load(PAGES)
    assert wf["on"]["push"]["branches"] == ["main"]
    deploy = wf["jobs"]["deploy"]
    assert any(u.startswith("actions/deploy-pages@") for u in uses(deploy))
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert "steps.deployment.outputs.page_url" in deploy["environment"]["url"]
    assert deploy["concurrency"]["group"] == "pages"
    assert "build" in (deploy["needs"] if isinstance(deploy["needs"], list) else [deploy["needs"]])


def only_on_push(*guards: object) -> bool:
    return any("github.event_name == 'push'" in str(g or "") for g in guards)


def test_pull_request_builds_and_checks_but_never_deploys() -> None:
    wf = load(PAGES)
    assert "pull_request" in wf["on"]
    assert only_on_push(wf["jobs"]["deploy"].get("if"))
    for name, job in wf["jobs"].items():
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith(PUBLISHING):
                assert only_on_push(job.get("if"), step.get("if")), (name, step)
    build = wf["jobs"]["build"]
    assert "if" not in build  # pull requests do run the build
    runs = " ".join(str(s.get("run", "")) for s in build["steps"])
    assert "mkdocs build --strict" in runs
    assert "cleanguide check-links site" in runs


def test_build_environment() -> None:
    build = load(PAGES)["jobs"]["build"]
    env = build["env"]
    assert env["NO_MKDOCS_2_WARNING"] == "1"
    assert "CLEANGUIDE_OFFLINE" not in env
    assert env["SITE_URL"] == (
        "https://${{ github.repository_owner }}.github.io/${{ github.event.repository.name }}/"
    )
    steps = {str(s.get("uses", "")).split("@")[0]: s for s in build["steps"] if "uses" in s}
    assert steps["actions/setup-python"]["with"]["cache"] == "pip"
    assert steps["actions/setup-python"]["with"]["cache-dependency-path"] == "pyproject.toml"
    assert steps["actions/cache"]["with"]["path"] == ".cache/cleanguide"
    assert steps["actions/upload-pages-artifact"]["with"]["path"] == "site"
    assert "actions/configure-pages" in steps
