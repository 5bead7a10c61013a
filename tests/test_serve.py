"""`vidanime serve`: the JSON API in-process, and the page end to end in a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from factories import audio_summary, make_clip, read_frames

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install '.[web]')")
pytest.importorskip("httpx", reason="the API tests need httpx")

from fastapi.testclient import TestClient  # noqa: E402

from vidanime.serve.app import create_app, safe_name  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def client(tmp_path: Path, neg_model: Path) -> TestClient:
    from vidanime.styles.store import add_style

    add_style("neg", neg_model, "test model", {})  # a fast style for the API tests
    app = create_app(max_upload_mb=5, ttl_seconds=3600, root=tmp_path / "server")
    with TestClient(app) as c:
        yield c
    assert not (tmp_path / "server").exists()  # the server's folder is gone after it stops


def wait(client: TestClient, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = client.get(f"/api/jobs/{job_id}").json()
        if state["state"] not in ("queued", "running"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {state['state']}")


def test_upload_convert_download(client: TestClient, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "holiday clip.mp4", n_frames=12, audio="aac")
    with open(clip, "rb") as fh:
        created = client.post("/api/jobs", files={"file": ("../../holiday clip.mp4", fh, "video/mp4")}, data={"style": "neg", "temporal": "off"})
    assert created.status_code == 200, created.text
    state = wait(client, created.json()["id"])
    assert state["state"] == "done" and state["progress"]["frames"] == 12 and state["progress"]["total"] == 12
    result = client.get(state["result"])
    assert result.status_code == 200 and "holiday_clip_neg.mp4" in result.headers["content-disposition"]
    out = tmp_path / "out.mp4"
    out.write_bytes(result.content)
    assert len(read_frames(out)[0]) == 12 and audio_summary(out) is not None


def test_bad_uploads_get_clear_errors(client: TestClient) -> None:
    r = client.post("/api/jobs", files={"file": ("notes.txt", b"hello", "text/plain")}, data={"style": "neg"})
    assert r.status_code == 400 and "not a video or an image" in r.json()["detail"]
    r = client.post("/api/jobs", files={"file": ("fake.mp4", b"\0" * 1000, "video/mp4")}, data={"style": "neg"})
    assert r.status_code == 400 and "fake.mp4" in r.json()["error"]
    r = client.post("/api/jobs", files={"file": ("big.mp4", b"\0" * (7 * 2**20), "video/mp4")}, data={"style": "neg"})
    assert r.status_code == 413 and "limit is 5 MB" in r.json()["error"]
    r = client.post("/api/jobs", data={"style": "nope", "upload": "0" * 12})
    assert r.status_code == 400 and "not installed" in r.json()["error"]
    r = client.post("/api/jobs", data={"style": "neg", "upload": "0" * 12, "quality": "ultra"})
    assert r.status_code == 400 and "quality is one of auto, best, balanced, fast" in r.json()["detail"]
    assert client.get("/api/jobs/../../etc/passwd").status_code == 404
    assert client.get("/api/uploads/..%2F..%2Fetc/preview").status_code == 404


def test_preview_and_sample(client: TestClient) -> None:
    up = client.post("/api/uploads/sample")
    assert up.status_code == 200 and up.json()["kind"] == "video"
    r = client.get(f"/api/uploads/{up.json()['id']}/preview", params={"style": "neg"})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content[:4] == b"\x89PNG"
    for quality in ("best", "fast"):  # the page's speed choices reach the preview
        assert client.get(f"/api/uploads/{up.json()['id']}/preview", params={"style": "neg", "quality": quality}).status_code == 200
    assert client.get(f"/api/uploads/{up.json()['id']}/preview", params={"style": "neg", "resolution": "999"}).status_code == 400
    styles = client.get("/api/styles").json()
    assert styles[0]["name"] == "cel" and {"neg", "cel"} <= {s["name"] for s in styles}


def test_faces_draw_for_a_picture_and_a_clear_400_for_a_video(client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page's faces choice reaches the preview and the job; a video with it is refused before any work."""
    from factories import FACE_BOX, portrait

    from vidanime import anime_face
    from vidanime.images.io import read_image, write_image
    from vidanime.quality import faces

    monkeypatch.setattr(faces, "available", lambda: True)
    monkeypatch.setattr(faces, "detect", lambda rgb, min_neighbours=8: [FACE_BOX])
    monkeypatch.setattr(anime_face, "found_eye_pair", lambda grey, box: ((96.0, 90.0), (144.0, 90.0)))
    write_image(tmp_path / "face.png", portrait())
    with open(tmp_path / "face.png", "rb") as fh:
        up = client.post("/api/uploads", files={"file": ("face.png", fh, "image/png")}).json()
    previews = [client.get(f"/api/uploads/{up['id']}/preview", params={"style": "neg", "faces": f}).content for f in ("keep", "draw")]
    assert previews[0] != previews[1]
    outputs = []
    for mode in ("keep", "draw"):
        created = client.post("/api/jobs", data={"upload": up["id"], "style": "neg", "faces": mode})
        assert created.status_code == 200, created.text
        state = wait(client, created.json()["id"])
        assert state["state"] == "done", state
        (tmp_path / f"{mode}.png").write_bytes(client.get(state["result"]).content)
        outputs.append(read_image(tmp_path / f"{mode}.png")[0])
    assert np.array_equal(outputs[0], 255 - portrait()) and not np.array_equal(outputs[0], outputs[1])
    clip = make_clip(tmp_path / "c.mp4", n_frames=4)
    with open(clip, "rb") as fh:
        refused = client.post("/api/jobs", files={"file": ("c.mp4", fh, "video/mp4")}, data={"style": "neg", "faces": "draw"})
    assert refused.status_code == 400 and "pictures" in refused.text
    assert client.post("/api/jobs", data={"upload": up["id"], "style": "neg", "faces": "smile"}).status_code == 400


def test_two_queued_jobs_and_cancel(client: TestClient, tmp_path: Path) -> None:
    long = make_clip(tmp_path / "long.mp4", n_frames=240, size=(240, 320), audio=None)
    short = make_clip(tmp_path / "short.mp4", n_frames=6, audio=None)
    up_long = client.post("/api/uploads", files={"file": ("long.mp4", long.read_bytes(), "video/mp4")}).json()["id"]
    up_short = client.post("/api/uploads", files={"file": ("short.mp4", short.read_bytes(), "video/mp4")}).json()["id"]
    first = client.post("/api/jobs", data={"upload": up_long, "style": "cel"}).json()  # the real style: slow enough to cancel
    second = client.post("/api/jobs", data={"upload": up_short, "style": "neg"}).json()
    assert second["state"] == "queued" and second["position"] in (1, 2)
    deadline = time.monotonic() + 60
    while client.get(f"/api/jobs/{first['id']}").json()["state"] != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.get(f"/api/jobs/{second['id']}").json()["position"] == 1
    assert client.delete(f"/api/jobs/{first['id']}").status_code == 200
    assert wait(client, first["id"])["state"] == "cancelled"
    assert client.get(f"/api/jobs/{first['id']}/result").status_code == 409
    assert wait(client, second["id"])["state"] == "done"  # the queue went on
    job_folder = next(p for p in (tmp_path / "server").iterdir() if p.name == first["id"])
    assert [p.name for p in job_folder.iterdir() if p.name.startswith(".")] == []  # no partial file left


def test_add_style_by_upload(client: TestClient, neg_model: Path, tmp_path: Path) -> None:
    r = client.post("/api/styles", data={"name": "mine", "license": "MIT"}, files={"file": ("m.onnx", neg_model.read_bytes())})
    assert r.status_code == 200, r.text
    assert any(s["name"] == "mine" and s["license"] == "MIT" for s in client.get("/api/styles").json())
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    r = client.post("/api/styles", data={"name": "bad"}, files={"file": ("bad.onnx", bad.read_bytes())})
    assert r.status_code == 400 and "error" in r.json()


def test_file_names_are_sanitised() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("my clip (1).MP4") == "my_clip_1_.MP4"
    assert safe_name("") == "upload"


# --- a real browser ---------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_page_in_headless_chromium(tmp_path: Path, neg_model: Path) -> None:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    import uvicorn
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    from vidanime.styles.store import add_style

    add_style("neg", neg_model, "test model", {})
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(root=tmp_path / "server"), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,1400"):  # fmt: skip
        options.add_argument(flag)
    browser = webdriver.Chrome(service=webdriver.ChromeService(executable_path=driver), options=options)
    try:
        browser.get(f"http://127.0.0.1:{port}/")
        wait = WebDriverWait(browser, 60)
        wait.until(lambda b: len(Select(b.find_element(By.ID, "style")).options) >= 2)
        clip = make_clip(tmp_path / "clip.mp4", n_frames=24, size=(180, 320), audio="aac")
        browser.find_element(By.ID, "file").send_keys(str(clip))
        wait.until(ec.element_to_be_clickable((By.ID, "convert")))
        Select(browser.find_element(By.ID, "style")).select_by_value("neg")
        browser.find_element(By.ID, "preview").click()
        wait.until(ec.visibility_of_element_located((By.ID, "preview-image")))
        wait.until(lambda b: b.execute_script("return document.getElementById('preview-image').naturalWidth") > 0)
        browser.find_element(By.ID, "convert").click()
        wait.until(lambda b: b.find_element(By.ID, "result").get_attribute("data-state") == "done")
        assert "24/24 frames" in browser.find_element(By.ID, "progress-text").text
        link = browser.find_element(By.ID, "download").get_attribute("href")
        shot = Path(os.environ.get("VIDANIME_SERVE_SCREENSHOT", tmp_path / "page.png"))
        browser.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
    finally:
        browser.quit()
    import httpx

    out = tmp_path / "downloaded.mp4"
    out.write_bytes(httpx.get(link, timeout=30).content)
    assert len(read_frames(out)[0]) == 24 and audio_summary(out) is not None
    server.should_exit = True
    thread.join(timeout=30)
