#!/usr/bin/python3
"""tend's status page in headless Chromium, as a person at a browser uses it.

page_probe.py BASE USER PASSWORD SCREENSHOT PROGRAM=STATE...: BASE is http://host:port.
Checks that every path answers 401 without the password; with it, that the page lists
each PROGRAM in its STATE, that the "stop" button of the first RUNNING one stops it (seen
on the page, which refreshes itself) with no error in the browser's console, that a
program's hostile log line shows as text, that the page fits a phone's width; then, with
JavaScript off, that the page reads the same and its "start" form starts the program
again. Saves a screenshot at SCREENSHOT. Prints "ok" and exits 0, or says what failed."""
import base64
import sys
import time
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

DEADLINE = 20  # seconds to wait for a state to show


def fail(what):
    print("FAIL:", what)
    sys.exit(1)


def unauthorized_everywhere(base):
    for method, path in [("GET", "/"), ("GET", "/live"), ("GET", "/api/status"), ("GET", "/tend.js"),
                         ("GET", "/tend.css"), ("GET", "/metrics"), ("POST", "/action"),
                         ("GET", "/nosuch")]:
        req = urllib.request.Request(base + path, method=method, data=b"do=stop&name=web" if method == "POST" else None)
        try:
            urllib.request.urlopen(req, timeout=5)
            fail("%s %s answered without the password" % (method, path))
        except urllib.error.HTTPError as e:
            if e.code != 401:
                fail("%s %s without the password: %d, not 401" % (method, path, e.code))


def browser(auth, javascript):
    opts = webdriver.ChromeOptions()
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--disable-extensions", "--window-size=1100,720"]:
        opts.add_argument(arg)
    if not javascript:
        opts.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    # Every request carries the password, as a browser does once it was typed in.
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": "Basic " + auth}})
    return d


def states(d):
    """Each row's program and state; {} when the page replaced them meanwhile."""
    try:
        return {r.get_attribute("data-name"): r.get_attribute("data-state")
                for r in d.find_elements(By.CSS_SELECTOR, "tr[data-name]")}
    except StaleElementReferenceException:
        return {}


def click(d, program, action):
    """Clicks a button of the program's row, found again if the page replaced it."""
    def done():
        try:
            row = d.find_element(By.CSS_SELECTOR, 'tr[data-name="%s"]' % program)
            row.find_element(By.CSS_SELECTOR, 'button[value="%s"]' % action).click()
            return True
        except StaleElementReferenceException:
            return False
    wait_for("the %s button of %s" % (action, program), done)


def wait_for(what, check):
    end = time.time() + DEADLINE
    while time.time() < end:
        if check():
            return
        time.sleep(0.1)
    fail("waited %ds for %s" % (DEADLINE, what))


def console_errors(d):
    return [e for e in d.get_log("browser") if e["level"] == "SEVERE"]


def main():
    base, user, password, screenshot = sys.argv[1:5]
    expected = dict(a.split("=", 1) for a in sys.argv[5:])
    auth = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    unauthorized_everywhere(base)

    target = next(n for n, s in expected.items() if s == "RUNNING")
    d = browser(auth, javascript=True)
    try:
        d.get(base + "/?log=" + target)
        wait_for("every program listed", lambda: states(d) == expected)
        if "alert" in d.title or d.find_elements(By.CSS_SELECTOR, "pre b"):
            fail("a program's line became markup")
        log = d.execute_script("return document.querySelector('pre').textContent")
        if "<b>bold?</b>" not in log:
            fail("the program's line is not shown as text: %r" % log)
        d.save_screenshot(screenshot)
        url = d.current_url
        click(d, target, "stop")
        wait_for(target + " STOPPED on the page", lambda: states(d).get(target) == "STOPPED")
        if d.current_url != url:
            fail("the page was left for %s" % d.current_url)
        errors = console_errors(d)
        if errors:
            fail("console errors: %s" % errors)
        d.set_window_size(390, 844)
        wide = d.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        if wide > 0:
            fail("the page is %dpx wider than a phone" % wide)
    finally:
        d.quit()

    d = browser(auth, javascript=False)
    try:
        d.get(base + "/")
        if states(d).get(target) != "STOPPED":
            fail("without JavaScript the page shows %s" % states(d))
        listed = states(d)
        if set(listed) != set(expected):
            fail("without JavaScript the page lists %s" % listed)
        click(d, target, "start")

        def started():
            d.get(base + "/")
            return states(d).get(target) == "RUNNING"
        wait_for(target + " RUNNING again by the form", started)
        errors = console_errors(d)
        if errors:
            fail("console errors without JavaScript: %s" % errors)
    finally:
        d.quit()
    print("ok")


if __name__ == "__main__":
    main()
