"""A real browser finds the cat: headless Chromium, driven by selenium, loads
the http_charfinder page, types "cat face" into its form, submits it, and
checks that the answer's table holds U+1F63A. Run by tests/http.rs's
browser test:  python3 tests/http/browser.py http://127.0.0.1:PORT/ SCREENSHOT.png
"""
import os
import sys

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import headless  # noqa: E402  (tests/support/headless.py)

url, screenshot = sys.argv[1], sys.argv[2]
with headless.chromium(900, 620) as browser:
    browser.get(url)
    message = browser.find_element(By.ID, "message").text
    assert message == "Enter words describing characters.", message
    box = browser.find_element(By.NAME, "query")
    box.send_keys("cat face")
    box.submit()
    WebDriverWait(browser, 30).until(ready.url_contains("query=cat+face"))
    WebDriverWait(browser, 30).until(
        ready.text_to_be_present_in_element((By.ID, "message"), "matches"))
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tr")
    cells = [[cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td, th")]
             for row in rows]
    print("message:", browser.find_element(By.ID, "message").text)
    for cell in cells:
        print("row:", "\t".join(cell))
    browser.save_screenshot(screenshot)
