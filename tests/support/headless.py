"""Headless Chromium for the browser tests and bench/live, made in one place:
Debian's chromium and chromedriver (installed by .ci/install-browser), a
throw-away profile, no background traffic. Use:

    with headless.chromium(1200, 760) as browser:
        browser.get(url)
"""
import contextlib
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync")


@contextlib.contextmanager
def chromium(width, height):
    """A headless browser of that window size, quit (and its profile
    removed) however the block ends; pages get 30 s to load."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in FLAGS + (f"--window-size={width},{height}",):
        options.add_argument(flag)
    with tempfile.TemporaryDirectory() as profile:
        options.add_argument(f"--user-data-dir={profile}")
        browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        try:
            browser.set_page_load_timeout(30)
            yield browser
        finally:
            browser.quit()
