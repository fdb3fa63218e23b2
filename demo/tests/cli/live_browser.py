"""The live view in a real browser: headless Chromium, driven by selenium,
opens the demo's page, types 6 into its input box, and waits for a
`compute(6)` column with `fib(...)` boxes and for `fib(6) = 8` in the output
panel. Run by demo/tests/cli/live.rs:
    python3 live_browser.py http://127.0.0.1:PORT/ SCREENSHOT.png [LINE] [SHOT_AFTER_S]
With LINE and SHOT_AFTER_S (for docs/), it types LINE and takes the
screenshot that many seconds later instead.
"""
import os
import sys
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "..", "tests", "support"))
import headless  # noqa: E402  (tests/support/headless.py)

url, screenshot = sys.argv[1], sys.argv[2]
line = sys.argv[3] if len(sys.argv) > 3 else "6"
shot_after = float(sys.argv[4]) if len(sys.argv) > 4 else None
with headless.chromium(1200, 760) as browser:
    browser.get(url)
    wait = WebDriverWait(browser, 30, poll_frequency=0.02)
    wait.until(lambda b: b.find_element(By.ID, "connection").text == "live")
    wait.until(lambda b: b.execute_script(
        "return !!document.querySelector(\".task[data-name='main_task']\")"))
    box = browser.find_element(By.ID, "line")
    box.send_keys(line + "\n")
    if shot_after is not None:
        time.sleep(shot_after)
        browser.save_screenshot(screenshot)
        print("screenshot taken")
        sys.exit(0)

    # The page redraws its columns at every snapshot (up to 30 a second):
    # read them in one script, or the elements found go stale.
    def frames_of(b):
        return b.execute_script(
            "const c = document.querySelector(`.task[data-name='compute(${arguments[0]})']`);"
            "return c ? [...c.querySelectorAll('.frame')].map(f => f.textContent) : [];", line)

    def output(b):
        return b.execute_script(
            "return [...document.querySelectorAll('#output .line')].map(l => l.textContent);")

    def fib_boxes(b):
        frames = frames_of(b)
        return frames if any(f.startswith("fib(") for f in frames) else False

    frames = wait.until(fib_boxes)
    print("column:", " | ".join(frames))
    browser.save_screenshot(screenshot)
    lines = wait.until(lambda b: (lambda o: o if "fib(6) = 8" in o else False)(output(b)))
    print("output:", " | ".join(lines))
