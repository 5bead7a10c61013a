"""README picture of `vidanime serve`: the page with the sample clip and a before / after preview,
taken in Debian's headless Chromium.

    python -m lab.release.serve_screenshot docs/serve.png
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from vidanime.serve.app import create_app


def main(out: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                 f"--user-data-dir={tempfile.mkdtemp()}", "--window-size=1100,1250", "--hide-scrollbars"):  # fmt: skip
        options.add_argument(flag)
    browser = webdriver.Chrome(service=webdriver.ChromeService(executable_path="/usr/bin/chromedriver"), options=options)
    try:
        browser.get(f"http://127.0.0.1:{port}/")
        wait = WebDriverWait(browser, 60)
        browser.find_element(By.ID, "use-sample").click()
        wait.until(lambda b: b.find_element(By.ID, "preview").is_enabled())
        browser.find_element(By.ID, "preview").click()
        wait.until(lambda b: b.execute_script("return document.getElementById('preview-image').naturalWidth") > 0)
        browser.save_screenshot(str(out))
    finally:
        browser.quit()
        server.should_exit = True


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/serve.png"))
