"""End to end in a real headless Chromium (Debian's chromium and chromium-driver, driven by selenium).

Search a phrase and see the highlighted hit, open the document at the passage, fill the
draft form and download a .docx that python-docx opens, upload a draft for formatting.
Screenshots of the search and draft pages are saved under the test's temporary folder;
set BIGAN_UPDATE_SCREENSHOTS=1 (or delete the file) to refresh docs/screenshot-search.png.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import docx
import pytest

from tests.web.support import DATA, web_kb  # noqa: F401 (fixture)

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshot-search.png"
PHRASE = "一刻钟党建服务圈"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="需要 Debian 的 chromium 和 chromium-driver（apt-get install chromium chromium-driver）"),
]


@pytest.fixture
def server(web_kb):
    """Yield the base address of the app served by `bigan serve`'s server on a free loopback port."""
    from bigan.web import create_app
    from bigan.web.server import make_server, run

    httpd = make_server(create_app(web_kb), "127.0.0.1", 0)
    thread = threading.Thread(target=run, args=(httpd,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.effective_port}"
    finally:
        httpd.stop()
        thread.join(timeout=30)


@pytest.fixture
def browser(tmp_path):
    """Yield a headless Chromium with a fresh profile, downloading into tmp_path/downloads."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="需要 selenium（pip install selenium）")
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1280,800", "--lang=zh-CN",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(downloads), "download.prompt_for_download": False,
        "safebrowsing.enabled": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": str(downloads)})
        # A 1280×800 page whatever room the (headless) window frame takes.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
        driver.downloads = downloads
        yield driver
    finally:
        driver.quit()


def _wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting in the browser")
        time.sleep(0.1)


def _downloaded(folder: Path, suffix: str) -> Path:
    def done():
        files = [p for p in folder.iterdir() if p.suffix == suffix]
        partial = [p for p in folder.iterdir() if p.suffix == ".crdownload"]
        return files[0] if files and not partial else None

    return _wait_for(done)


def test_search_document_draft_and_format(server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    # 检索: the query box has the focus; type and press Enter.
    browser.get(server + "/")
    box = browser.switch_to.active_element
    assert box.get_attribute("id") == "q"
    box.send_keys(PHRASE + Keys.ENTER)
    marks = _wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".hit mark"))
    assert [m.text for m in marks] == [PHRASE] * 3
    assert f"“{PHRASE}”共 3 条" in browser.find_element(By.ID, "total").text
    browser.save_screenshot(str(tmp_path / "search.png"))
    if os.environ.get("BIGAN_UPDATE_SCREENSHOTS") or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(tmp_path / "search.png", SCREENSHOT)

    # 文档: the first hit opens the document at that passage.
    browser.find_element(By.CSS_SELECTOR, ".hit .passage a").click()
    _wait_for(lambda: "/doc/" in browser.current_url)
    anchor = browser.current_url.rsplit("#", 1)[1]
    passage = browser.find_element(By.ID, anchor)
    assert PHRASE in passage.text
    assert browser.execute_script("return document.querySelector(':target').id") == anchor
    assert "在全市基层党建工作座谈会上的讲话" in browser.find_element(By.TAG_NAME, "h1").text

    # 起草: fill the form, see the preview with its sources, download the .docx.
    browser.get(server + "/draft")
    Select(browser.find_element(By.ID, "template")).select_by_value("座谈会")
    browser.find_element(By.ID, "topic").send_keys("基层党建")
    browser.find_element(By.ID, "unit").send_keys("江州市")
    browser.find_element(By.ID, "speaker").send_keys("张三")
    browser.find_element(By.ID, "make-draft").click()
    title = _wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, ".draft-title"))[0]
    assert title.text == "在江州市基层党建工作座谈会上的讲话"
    assert browser.find_elements(By.CSS_SELECTOR, ".source a")
    browser.save_screenshot(str(tmp_path / "draft.png"))
    browser.find_element(By.ID, "download-docx").click()
    drafted = _downloaded(browser.downloads, ".docx")
    text = "".join(p.text for p in docx.Document(str(drafted)).paragraphs)
    assert "基层党建" in text
    drafted.rename(tmp_path / "draft.docx")

    # 排版: upload a draft, download the laid-out .docx.
    browser.get(server + "/format")
    browser.find_element(By.ID, "file").send_keys(str(DATA / "upload" / "草稿.txt"))
    browser.find_element(By.ID, "do-format").click()
    _wait_for(lambda: browser.find_elements(By.ID, "download"))[0].click()
    formatted = _downloaded(browser.downloads, ".docx")
    assert formatted.name == "草稿-排版.docx"
    paragraphs = [p.text for p in docx.Document(str(formatted)).paragraphs]
    assert "关于开展社区议事协商试点工作的通知" in "".join(paragraphs)

    assert (tmp_path / "search.png").stat().st_size > 10_000
    assert (tmp_path / "draft.png").stat().st_size > 10_000
