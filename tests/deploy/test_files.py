"""The deploy files are valid for the tools that read them: hadolint for the Dockerfile,
Kubernetes' schemas for the manifest, and what compose, Spaces and Community Cloud expect."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _yaml(path: Path):
    class Loader(yaml.SafeLoader):
        pass

    # compose's `!reset []` empties a list that `extends` brought in.
    Loader.add_constructor("!reset", lambda loader, node: loader.construct_sequence(node))
    return yaml.load(path.read_text(), Loader=Loader)  # noqa: S506 (SafeLoader subclass)


def test_hadolint_passes_the_dockerfile():
    done = subprocess.run(
        [BIN / "hadolint", "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_kubernetes_manifest_validates_against_its_schemas():
    done = subprocess.run(
        [BIN / "kubernetes-validate", "--strict", "deploy/k8s/graphlab.yaml"],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    kinds = {d["kind"]: d for d in yaml.safe_load_all((ROOT / "deploy/k8s/graphlab.yaml").open())}
    assert set(kinds) == {"Deployment", "Service", "Ingress"}
    container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/_stcore/health"
    assert kinds["Service"]["spec"]["sessionAffinity"] == "ClientIP"
    assert (
        kinds["Ingress"]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"]
        == "cookie"
    )


def test_the_image_runs_as_uid_1000_on_port_from_env_with_a_health_check():
    text = (ROOT / "Dockerfile").read_text()
    assert "USER 1000" in text and "ENV " in text and "PORT=7860" in text
    assert "HEALTHCHECK" in text and "deploy/healthcheck.py" in text
    assert 'ENTRYPOINT ["deploy/entrypoint.sh"]' in text
    card = (ROOT / "deploy/huggingface/README.md").read_text().split("---")[1]
    space = yaml.safe_load(card)
    assert space["sdk"] == "docker" and space["app_port"] == 7860


def test_compose_runs_the_image_with_limits_and_the_scale_file_puts_haproxy_in_front():
    app = _yaml(ROOT / "compose.yaml")["services"]["app"]
    assert app["build"] == "." and app["healthcheck"]["test"][-1] == "deploy/healthcheck.py"
    assert app["deploy"]["resources"]["limits"]["memory"]
    scale = _yaml(ROOT / "deploy/compose.scale.yaml")["services"]
    replicas = sorted(name for name in scale if name != "proxy")
    assert replicas == ["app1", "app2"]
    for name in replicas:
        assert scale[name]["extends"] == {"file": "../compose.yaml", "service": "app"}
        assert scale[name]["ports"] == []
    assert scale["proxy"]["entrypoint"] == ["/deploy/proxy.sh"]
    assert scale["proxy"]["command"] == [f"{name}:8501" for name in replicas]
    assert set(scale["proxy"]["depends_on"]) == set(replicas)


def test_requirements_pin_cpu_torch_and_every_app_dependency_at_the_tested_versions():
    lines = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    pins = dict(ln.split("==") for ln in lines if "==" in ln)
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    assert pins["torch"].endswith("+cpu")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["app"]
    names = {re.split(r"[<>=\[ ]", spec, maxsplit=1)[0].lower() for spec in wanted}
    assert names <= set(pins), names - set(pins)
    for name, version in pins.items():  # the versions this suite runs with
        assert metadata.version(name) == version, name
    assert {"graphviz", "fonts-noto-cjk"} <= set((ROOT / "packages.txt").read_text().split())
