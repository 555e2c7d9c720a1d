"""The sample shop's report in a real browser at phone width (PRODUCT §21): headless Chromium
(Debian's `chromium`), driven over the DevTools protocol on a pipe (standard library only), as
a 390 px wide phone. The page must draw something (the screenshot has more than one colour),
scroll only vertically (scrollWidth ≤ 390, also at 360) and ask the network for nothing.

Skips, saying how to install it, where no Chromium can be found (README: Development)."""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from builders import REVIEW_HEADER, oid, review, write_csv

NOW = "2026-11-21 10:00"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL = "apt-get install -y chromium fonts-wqy-zenhei (README: Development, 'the browser test')"


def find_browser() -> str | None:
    explicit = os.environ.get("SHOPTOOL_TEST_CHROMIUM")
    if explicit:
        return explicit
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


class Chromium:
    """Headless Chromium over --remote-debugging-pipe: commands on fd 3, answers on fd 4, each
    message JSON ended by a NUL byte."""

    FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
             "--disable-default-apps", "--mute-audio", "--hide-scrollbars")

    def __init__(self, binary: str, profile: Path, timeout: float = 60):
        self.timeout = timeout
        commands_r, self._commands = os.pipe()
        self._answers, answers_w = os.pipe()

        def plumb():  # in the child: its fd 3 reads our commands, its fd 4 writes the answers
            high_r, high_w = os.dup(commands_r), os.dup(answers_w)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.process = subprocess.Popen(
            [binary, *self.FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=plumb, pass_fds=(3, 4))
        os.close(commands_r)
        os.close(answers_w)
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str) -> dict:
        for event in self.events:
            if event.get("method") == method:
                self.events.remove(event)
                return event
        while True:
            event = self._read()
            if event.get("method") == method:
                return event
            self.events.append(event)

    def _read(self) -> dict:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._answers], [], [], self.timeout)
            if not ready:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self._answers, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:  # noqa: BLE001  already gone
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._answers)


def open_phone(browser: Chromium, url: str, width: int, height: int = 844) -> str:
    """A new tab sized as a phone (mobile viewport, so <meta viewport> applies), at `url`."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for method in ("Page.enable", "Network.enable"):
        browser.send(method, session=session)
    browser.send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True}, session)
    browser.send("Page.navigate", {"url": url}, session)
    browser.wait_for("Page.loadEventFired")
    return session


def measure(browser: Chromium, session: str) -> dict:
    expression = ("JSON.stringify({scroll: document.documentElement.scrollWidth, "
                  "client: document.documentElement.clientWidth, inner: window.innerWidth, "
                  "height: document.documentElement.scrollHeight, "
                  "wide: Array.from(document.querySelectorAll('body *')).filter("
                  "e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)"
                  ".slice(0, 5).map(e => e.tagName + '.' + (e.getAttribute('class') || ''))})")
    found = browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session)
    return json.loads(found["result"]["value"])


def screenshot(browser: Chromium, session: str, full_page: bool = True) -> bytes:
    params: dict = {"format": "png"}
    if full_page:
        params["captureBeyondViewport"] = True
        metrics = browser.send("Page.getLayoutMetrics", session=session)["cssContentSize"]
        params["clip"] = {"x": 0, "y": 0, "width": metrics["width"], "height": min(metrics["height"], 12000),
                          "scale": 1}
    return base64.b64decode(browser.send("Page.captureScreenshot", params, session)["data"])


def png_colours(data: bytes, limit: int = 64) -> set[tuple[int, ...]]:
    """The distinct colours of an 8-bit RGB/RGBA PNG (up to `limit`), decoded with zlib alone."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type, _, _, interlace = header
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, header
    channels = 4 if colour_type == 6 else 3
    raw, stride = zlib.decompress(idat), width * channels
    previous, colours, offset = bytearray(stride), set(), 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        for x in range(0, stride, channels * 7):  # every 7th pixel is plenty to tell a blank page
            colours.add(tuple(line[x:x + channels]))
        if len(colours) >= limit:
            break
        previous = line
    return colours


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = find_browser()
    if binary is None:
        pytest.skip(f"no Chromium on this machine, so the report is not checked in a browser: {INSTALL}")
    chromium = Chromium(binary, tmp_path_factory.mktemp("chromium-profile"))
    try:
        chromium.send("Browser.getVersion")
    except (RuntimeError, TimeoutError, OSError) as exc:
        chromium.close()
        pytest.skip(f"Chromium at {binary} does not start headless here ({exc}): {INSTALL}")
    yield chromium
    chromium.close()


@pytest.fixture
def sample_report(cli, sample, shop_folder):
    """The sample shop as the README imports it, on the sample day, after the morning's texts went
    out; its stock sheets exported two days before (so freshness shows red), and one late 差评 so
    the deadlines show a row."""
    stock = ("page_stock.csv", "warehouse_wangdiantong.xlsx")
    for name in stock:
        assert cli("import", sample(name), "--now", "2026-11-19 08:00").exit_code in (0, 3)
    names = [n for n in os.listdir(Path(__file__).resolve().parent.parent / "samples")
             if n not in stock and (Path(__file__).resolve().parent.parent / "samples" / n).is_file()]
    assert cli("import", *[sample(n) for n in names], "--now", "2026-11-21 09:30").exit_code in (0, 3)
    # and one 差评 whose explanation window ends tomorrow (the samples' are either past or weeks away)
    write_csv(shop_folder / "reviews-late.csv", REVIEW_HEADER,
              [review(9, "差评", "2026-10-23 12:00:00", 评价内容="没收到货，打我电话 13698765432")])
    assert cli("import", "reviews-late.csv", "--now", "2026-11-21 09:30").exit_code == 0
    assert cli("remind-unpaid", "--now", "2026-11-21 09:40", "-q").exit_code == 0
    assert cli("notify-shipped", "--now", "2026-11-21 09:40", "-q").exit_code == 0
    result = cli("report", "--now", NOW, "-o", "report.html")
    assert result.exit_code == 0, result
    return shop_folder / "report.html"


@pytest.mark.parametrize("width", [390, 360])
def test_the_sample_report_fits_a_phone_and_loads_nothing(browser, sample_report, shop_folder, width):
    url = sample_report.resolve().as_uri()
    session = open_phone(browser, url, width)
    sizes = measure(browser, session)
    png = screenshot(browser, session)
    (shop_folder / f"report-{width}.png").write_bytes(png)

    assert sizes["client"] == width, sizes
    assert sizes["scroll"] <= width, f"the page scrolls sideways at {width} px: {sizes}"
    assert not sizes["wide"], sizes
    assert sizes["height"] > 2000, sizes  # the panels are drawn, not collapsed
    assert len(png_colours(png)) > 1, "the screenshot is blank"
    requests = [e["params"]["request"]["url"] for e in browser.events if e.get("method") == "Network.requestWillBeSent"
                and e.get("sessionId") == session]
    assert requests == [url], f"the page asked for more than itself: {requests}"
    browser.events.clear()


def test_the_page_draws_what_the_manager_needs(browser, sample_report):
    session = open_phone(browser, sample_report.resolve().as_uri(), 390)
    expression = ("JSON.stringify({text: document.body.innerText, "
                  "headings: Array.from(document.querySelectorAll('h2')).map(h => h.childNodes[0].textContent.trim()), "
                  "svgs: document.querySelectorAll('svg[role=img] > title').length, "
                  "stale: document.querySelectorAll('tr.stale').length, "
                  "red: getComputedStyle(document.querySelector('tr.stale td')).color})")
    found = json.loads(browser.send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                    session)["result"]["value"])
    text = found["text"]
    # deadlines first, then trouble, the day's list, the period's numbers, trends, freshness
    assert found["headings"] == ["期限", "包裹异常", "今日待办", "本期数据", "趋势", "数据新鲜度"]
    assert "退款即将超时" in text and "未导入退款数据" not in text  # the sample shop's refunds (#18)
    deadlines = text[text.index("期限"):text.index("包裹异常")]
    assert oid(9) in deadlines and "剩 1 天" in deadlines and "136****5432" in deadlines
    assert "13698765432" not in text
    assert found["svgs"] >= 8  # a week of bars, a sparkline per metric, the stock breakdown
    assert found["stale"] == 2 and found["red"] == "rgb(198, 40, 40)"
    browser.events.clear()
