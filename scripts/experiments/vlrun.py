"""vlrun.py - runs `vcpulab run` and returns its JSON report (shared by the
experiment scripts in this folder)."""
import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_BIN = os.path.join(ROOT, "build-release/vcpulab")


def run_json(binary, scenario, args=(), sets=()):
    """`binary run scenario args... --set kv...` -> the parsed JSON report."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [binary, "run", scenario, *args, "--json", out.name]
        for kv in sets:
            cmd += ["--set", kv]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out.name) as f:
            return json.load(f)


def run_text_json(binary, text, args=(), sets=()):
    """The same for a scenario given as YAML text."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as scn:
        scn.write(text)
        scn.flush()
        return run_json(binary, scn.name, args, sets)
