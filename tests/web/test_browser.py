"""End to end in a real headless Chromium (Debian's chromium and chromium-driver, driven by selenium).

Search a phrase and see the highlighted hit, open the document at the passage, fill the
draft form and download a .docx that python-docx opens, upload a draft for formatting.
Screenshots of the search and draft pages are saved under the test's temporary folder;
set BIGAN_UPDATE_SCREENSHOTS=1 (or delete the file) to refresh docs/screenshot-search.png.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
import zipfile
from pathlib import Path

import docx
import pytest

from tests.web.support import DATA, swap_kb, web_kb  # noqa: F401 (fixtures)

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
    with _serving(web_kb) as address:
        yield address


@pytest.fixture
def swap_server(swap_kb):
    """Yield the address of the app over the 垃圾分类 library, whose parts have several candidates."""
    with _serving(swap_kb) as address:
        yield address


@contextlib.contextmanager
def _serving(kb_root):
    from bigan.web import create_app
    from bigan.web.server import make_server, run

    httpd = make_server(create_app(kb_root), "127.0.0.1", 0)
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


OLD_PART = "各街道党工委书记是垃圾分类的第一责任人"  # part 3 as selected (南湖区)
NEW_PART = "市级财政要安排垃圾分类专项资金，市委组织部要把垃圾分类纳入乡镇领导班子考核"  # 青山县's, adapted


def test_draft_swap_a_part_and_a_heading_set_then_download(swap_server, browser, tmp_path):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    def texts(selector):
        try:
            return [e.text for e in browser.find_elements(By.CSS_SELECTOR, selector)]
        except StaleElementReferenceException:
            return []

    def part_three():
        return "".join(texts("#part-3 .para p"))

    browser.get(swap_server + "/draft")
    Select(browser.find_element(By.ID, "template")).select_by_value("动员部署会")
    browser.find_element(By.ID, "topic").send_keys("垃圾分类")
    browser.find_element(By.ID, "unit").send_keys("江州市")
    browser.find_element(By.ID, "date").send_keys("2026-03-01")
    browser.find_element(By.ID, "make-draft").click()
    _wait_for(lambda: OLD_PART in part_three())
    first_headings = texts(".draft > .part > .head .part-heading")
    assert len(first_headings) == 3

    # 换用: open part 3's candidates and take the 青山县 one; the other parts stay.
    browser.find_element(By.CSS_SELECTOR, "#candidates-3 summary").click()
    offered = browser.find_element(By.CSS_SELECTOR, '#candidates-3 button[value="3:2"]')
    assert "县级财政要安排垃圾分类专项资金" in offered.find_element(By.XPATH, "..").text
    before = {n: "".join(texts(f"#part-{n} .para p")) for n in (1, 2)}
    offered.click()
    _wait_for(lambda: NEW_PART in part_three())
    assert OLD_PART not in part_three()
    assert {n: "".join(texts(f"#part-{n} .para p")) for n in (1, 2)} == before
    assert browser.current_url.endswith("#part-3")  # the page opens at the part swapped
    browser.find_element(By.CSS_SELECTOR, "#candidates-3 summary").click()
    browser.save_screenshot(str(tmp_path / "draft-swap.png"))
    assert texts(".draft > .part > .head .part-heading") == first_headings

    # 用这组: the second heading set replaces the headings; the swapped part stays.
    sets = [t.split(" ／ ") for t in texts(".heading-set .set-headings")]
    assert len(sets) >= 2
    browser.find_element(By.CSS_SELECTOR, 'button[name="use_heading_set"][value="2"]').click()
    wanted = [f"{n}、{h}" for n, h in zip("一二三", sets[1])]
    _wait_for(lambda: texts(".draft > .part > .head .part-heading") == wanted)
    assert NEW_PART in part_three()
    browser.save_screenshot(str(tmp_path / "draft-choices.png"))
    try:
        browser.find_element(By.CSS_SELECTOR, ".heading-set.current .tag")
    except NoSuchElementException:
        raise AssertionError("the heading set in use is not marked") from None

    # The .docx is the draft the writer sees: read its paragraphs and its XML back.
    browser.find_element(By.ID, "download-docx").click()
    drafted = _downloaded(browser.downloads, ".docx")
    paragraphs = [p.text for p in docx.Document(str(drafted)).paragraphs]
    assert all(h in paragraphs for h in wanted)
    assert any(NEW_PART in p for p in paragraphs) and not any(OLD_PART in p for p in paragraphs)
    with zipfile.ZipFile(drafted) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert "市级财政要安排垃圾分类专项资金" in xml and "县级财政" not in xml
    assert (tmp_path / "draft-choices.png").stat().st_size > 10_000
