"""Why CUDA is or is not used: the NVIDIA driver, the CUDA / cuDNN libraries on this machine, and
the exact error ONNX Runtime gives when its CUDA provider is started, boiled down to one line.

The most common complaint about ONNX Runtime apps is "it does not use my GPU"; the cause is
nearly always one of: the CPU-only wheel, no driver, or CUDA / cuDNN of the wrong major version.
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Iterator

from vidanime.engine import session

# What ONNX Runtime's CUDA provider loads (cuDNN for convolutions, the rest for the runtime).
LIBRARIES = ("cudart", "cublas", "cublasLt", "cufft", "curand", "cudnn")
# Libraries whose major version follows CUDA's (or cuDNN's): a mismatch means the provider fails.
_FOLLOWS = {"cudart": "CUDA", "cublas": "CUDA", "cublasLt": "CUDA", "cudnn": "cuDNN"}
_NO_DRIVER_FILES = "/proc/driver/nvidia/version, /dev/nvidia0"
INSTALL_HINT = "pip install 'vidanime[cuda]'"


@dataclass
class CudaFacts:
    """What decides whether ``--device auto`` runs on CUDA."""

    onnxruntime: str  # the installed wheel and version, e.g. "onnxruntime-gpu 1.31.1"
    has_provider: bool  # this ONNX Runtime build offers CUDAExecutionProvider
    gpu_present: bool  # what --device auto sees (session.nvidia_gpu_present)
    driver: str | None  # the NVIDIA driver version (and GPU), when one is installed
    visible_devices: str | None  # CUDA_VISIBLE_DEVICES as set
    libraries: dict[str, list[str]] = field(default_factory=dict)  # stem -> files found
    started: bool = False  # the provider started when asked for
    provider_error: str | None = None  # ONNX Runtime's own words when it did not
    requirement: str | None = None  # e.g. "cuDNN 9.* and CUDA 13.*", from ONNX Runtime's message
    reason: str = ""  # one line: used or not, and why


def onnxruntime_wheel() -> str:
    """``onnxruntime-gpu 1.31.1``: which of the two wheels (they share one module) is installed."""
    for name in ("onnxruntime-gpu", "onnxruntime"):
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    import onnxruntime as ort

    return f"onnxruntime {ort.__version__}"


def driver_version() -> str | None:
    """The driver version (and GPU names) from nvidia-smi, else the kernel module's version file."""
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            out = subprocess.run([smi, "--query-gpu=driver_version,name", "--format=csv,noheader"], capture_output=True, text=True, timeout=10)
            rows = [r.split(",", 1) for r in out.stdout.strip().splitlines() if "," in r]
            if out.returncode == 0 and rows:
                return f"{rows[0][0].strip()} ({', '.join(r[1].strip() for r in rows)})"
        except (OSError, subprocess.SubprocessError):
            pass
    version = Path("/proc/driver/nvidia/version")
    if version.is_file():
        text = version.read_text(errors="ignore")
        found = re.search(r"Kernel Module\s+(?:for \S+\s+)?([\d.]+)", text)
        return found.group(1) if found else text.splitlines()[0].strip()
    return None


def _library_dirs() -> list[Path]:
    """Where the loader and ONNX Runtime's preload look: LD_LIBRARY_PATH / PATH, the CUDA toolkit,
    the pip ``nvidia-*`` wheels."""
    dirs = [Path(p) for p in os.environ.get("LD_LIBRARY_PATH" if os.name != "nt" else "PATH", "").split(os.pathsep) if p]
    for var in ("CUDA_HOME", "CUDA_PATH"):
        if os.environ.get(var):
            dirs += [Path(os.environ[var]) / "lib64", Path(os.environ[var]) / "bin"]
    dirs.append(Path("/usr/local/cuda/lib64"))
    try:
        import nvidia  # the namespace package of the nvidia-*-cu1x wheels

        dirs += [Path(p) / sub for p in nvidia.__path__ for sub in ("*/lib", "*/bin")]
    except ImportError:
        pass
    return dirs


def _ldconfig_cache() -> list[str]:
    if sys.platform != "linux" or not shutil.which("ldconfig"):
        return []
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.rsplit("=>", 1)[1].strip() for line in out.splitlines() if "=>" in line]


def find_libraries() -> dict[str, list[str]]:
    """Each CUDA / cuDNN library -> the versioned files found (``libcudnn.so.9``, ``cudnn64_9.dll``)."""
    pattern = "{}64_*.dll" if os.name == "nt" else "lib{}.so.*"
    cached, dirs = _ldconfig_cache(), _library_dirs()
    found: dict[str, list[str]] = {}
    for stem in LIBRARIES:
        name = re.compile(rf"^lib{stem}\.so\.\d+$" if os.name != "nt" else rf"^{stem}64_\d+\.dll$")
        paths = [p for d in dirs for p in glob.glob(str(d / pattern.format(stem)))] + cached
        found[stem] = sorted({p for p in paths if name.match(os.path.basename(p))})
    return found


def version_gaps(libraries: dict[str, list[str]], requirement: str | None) -> list[str]:
    """Libraries missing, or present only at another major version than ONNX Runtime asks for."""
    wanted = dict(re.findall(r"(CUDA|cuDNN) (\d+)", requirement or ""))
    gaps = []
    for stem, files in libraries.items():
        majors = {m.group(1) for f in files if (m := re.search(r"(?:\.so\.|_)(\d+)", os.path.basename(f)))}
        need = wanted.get(_FOLLOWS.get(stem, ""))
        if not files:
            gaps.append(f"{stem} missing")
        elif need and need not in majors:
            gaps.append(f"{stem} is {'/'.join(sorted(majors))}, needs {need}")
    return gaps


@contextlib.contextmanager
def captured_fds() -> Iterator[list[str]]:
    """What is written to stdout / stderr inside the block, by C++ code (ONNX Runtime logs there,
    not through Python) or by Python prints (its preload_dlls); the text is in the yielded list
    afterwards and nothing reaches the screen."""
    text: list[str] = []
    printed = io.StringIO()
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile(mode="w+b") as sink, contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        saved = [os.dup(1), os.dup(2)]
        try:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            yield text
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)
            sink.seek(0)
            text.append(sink.read().decode("utf-8", "replace") + printed.getvalue())


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _message(line: str) -> str:
    """An ONNX Runtime log line without its time, source location and library path."""
    message = line.split("] ", 1)[-1].split(" : FAIL : ", 1)[-1]
    return re.sub(r"\S*[/\\](\w*onnxruntime_providers_cuda\.\w+)", r"\1", message)


def parse_provider_log(log: str) -> tuple[str | None, str | None]:
    """(the error, the requirement) from what ONNX Runtime logged while starting CUDA: its first
    error line, else its first 'Failed to ...' warning; the CUDA / cuDNN versions it asks for."""
    lines = [_ANSI.sub("", line).strip() for line in log.splitlines()]
    errors = [line for line in lines if "[E:onnxruntime" in line] or [line for line in lines if "Failed to" in line]
    requirement = re.search(r"Require (cuDNN \d+(?:\.[\d*]+)? and CUDA \d+(?:\.[\d*]+)?)", "\n".join(lines))
    return (_message(errors[0]) if errors else None), (requirement.group(1) if requirement else None)


def _tiny_model() -> bytes:
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 8, 8])
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "probe", [x], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


def start_provider() -> tuple[bool, str | None, str | None]:
    """Start ONNX Runtime's CUDA provider as ``--device cuda`` would (after loading the pip CUDA
    libraries when they are there): (started, error, requirement)."""
    import onnxruntime as ort

    ort.set_default_logger_severity(2)  # its warning names the CUDA / cuDNN versions it needs
    with captured_fds() as log:
        try:
            if hasattr(ort, "preload_dlls"):
                ort.preload_dlls()
            sess = ort.InferenceSession(_tiny_model(), providers=[session.CUDA, session.CPU])
            started, raised = sess.get_providers()[0] == session.CUDA, None
        except Exception as exc:  # noqa: BLE001 - any failure is the answer we report
            started, raised = False, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    error, requirement = parse_provider_log(log[0])
    if started:
        return True, None, requirement
    return False, raised or error or "the CUDA provider did not start (ONNX Runtime gave no reason)", requirement


def verdict(facts: CudaFacts) -> str:
    """One line: whether ``--device auto`` uses CUDA, and the first reason it does not."""
    if not facts.has_provider:
        return f"CUDA not used: {facts.onnxruntime} has no CUDA provider (the CPU build); on Linux x86_64 install onnxruntime-gpu"
    if facts.visible_devices in ("", "-1"):
        return f"CUDA not used: CUDA_VISIBLE_DEVICES={facts.visible_devices!r} hides every GPU"
    if not facts.gpu_present:
        if facts.started:
            return f"CUDA not used by --device auto: no NVIDIA driver files ({_NO_DRIVER_FILES}), though the provider starts; use --device cuda"
        return "CUDA not used: no NVIDIA GPU driver on this machine"
    if not facts.started:
        needs = f"; this ONNX Runtime needs {facts.requirement}" if facts.requirement else ""
        return f"CUDA not used: the CUDA provider failed to start: {facts.provider_error}{needs}; try {INSTALL_HINT}"
    return f"CUDA used by --device auto (driver {facts.driver or 'found'})"


def gather() -> CudaFacts:
    import onnxruntime as ort

    facts = CudaFacts(
        onnxruntime=onnxruntime_wheel(),
        has_provider=session.CUDA in ort.get_available_providers(),
        gpu_present=session.nvidia_gpu_present(),
        driver=driver_version(),
        visible_devices=os.environ.get("CUDA_VISIBLE_DEVICES"),
        libraries=find_libraries(),
    )
    if facts.has_provider:
        facts.started, facts.provider_error, facts.requirement = start_provider()
    facts.reason = verdict(facts)
    return facts
