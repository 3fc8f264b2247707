"""The dashboard, as accounting opens it in Chromium: pictures, numbers beside them, links to the lists."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ACCOUNTING, SALES, Server, browsing, sign_in


def test_the_dashboard_shows_the_funnel_and_each_number_opens_the_matching_list(page: Page):
    sign_in(page, *ACCOUNTING)
    expect(page.locator("#funnel .recharts-wrapper")).to_be_visible()  # the picture...
    expect(page.locator("#funnel").get_by_role("cell", name="Submitted")).to_be_visible()  # ...and its numbers
    expect(page.locator("#ageing .recharts-wrapper")).to_be_visible()
    expect(page.locator("#ageing").get_by_role("cell", name="PENDING")).to_be_visible()

    page.locator("#dashboard-period").select_option("year")
    expect(page).to_have_url(re.compile(r"period=year"))
    expect(page.locator("#period-label")).to_contain_text("This year:")
    approved = page.locator("#funnel").get_by_role("row").filter(has_text="Approved").get_by_role("link")
    expect(approved).not_to_have_text("0")
    count = approved.inner_text()
    approved.click()
    expect(page).to_have_url(re.compile(r"/accounting/financing\?.*statuses=Approved"))
    expect(page.locator("#apps-count")).to_have_text(f"{count} applications")

    page.go_back()
    submitted = page.locator("#funnel").get_by_role("row").filter(has_text="Submitted").get_by_role("link")
    expect(submitted).not_to_have_text("0")
    count = submitted.inner_text()
    page.locator("#funnel .recharts-bar-rectangle path").first.click()  # the picture is a link too
    expect(page).to_have_url(re.compile(r"/accounting/financing\?.*statuses="))
    expect(page.locator("#apps-count")).to_have_text(f"{count} applications")
    page.go_back()
    pending = page.locator("#ageing").get_by_role("row").filter(has_text="PENDING").get_by_role("link").nth(1)
    count = pending.inner_text()  # PENDING fundings 0-30 days in the status: the first segment of its bar
    page.locator("#ageing .recharts-bar-rectangle path").first.click()
    expect(page).to_have_url(re.compile(r"/accounting/funding-entries\?.*ages=0-30"))
    expect(page.locator("#entries-count")).to_have_text(f"{count} fundings")
    page.go_back()

    page.reload()  # the period is in the URL: it survives a reload
    expect(page.locator("#dashboard-period")).to_have_value("year")
    page.locator("#dashboard-location").select_option(label="Dallas")
    expect(page).to_have_url(re.compile(r"location=\d+"))
    late = page.locator("#overdue-count")
    expect(late).to_have_text(re.compile(r"^\d+ fundings$"))
    total = late.inner_text().split()[0]
    late.click()
    expect(page).to_have_url(re.compile(r"/accounting/funding-entries\?.*expected_to="))
    expect(page.locator("#entries-count")).to_have_text(f"{total} fundings")


def test_a_user_without_company_accounting_sees_no_money_figures(page: Page):
    sign_in(page, *SALES)
    expect(page.locator("#customer-total")).to_be_visible()
    expect(page.locator("#funnel")).to_have_count(0)
    expect(page.locator("#overdue")).to_have_count(0)


# The WCAG 2 contrast of each element's text against what is painted behind it (canvas resolves any CSS colour).
CONTRAST = """(selector) => {
  const ctx = document.createElement("canvas").getContext("2d", {willReadFrequently: true});
  const rgba = (c) => { ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = "#000"; ctx.fillStyle = c; ctx.fillRect(0, 0, 1, 1);
                        const d = ctx.getImageData(0, 0, 1, 1).data; return [d[0], d[1], d[2], d[3] / 255]; };
  const over = (top, under) => top.slice(0, 3).map((v, i) => v * top[3] + under[i] * (1 - top[3])).concat(1);
  const background = (el) => {
    const layers = [];
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor); if (c[3] > 0) layers.push(c); if (c[3] === 1) break;
    }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const lum = (c) => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
                       return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                       return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  return [...document.querySelectorAll(selector)].filter(el => el.textContent.trim()).map(el => {
    const style = getComputedStyle(el), back = background(el);
    const text = over(rgba(el instanceof SVGElement ? style.fill : style.color), back);
    const [hi, lo] = [lum(text), lum(back)].sort((a, b) => b - a);
    return {text: el.textContent.trim().slice(0, 30), ratio: (hi + 0.05) / (lo + 0.05), back: lum(back)};
  });
}"""
CHART_TEXT = ", ".join(f"#{card} {part}" for card in ("funnel", "weeks", "funders", "ageing")
                       for part in (".recharts-cartesian-axis-tick-value", ".recharts-legend-item-text", "td", "th"))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_charts_and_their_numbers_are_readable_in_light_and_dark_mode(scheme: str, server: Server,
                                                                      browser: Browser) -> None:
    """Every axis label, legend entry and number of the charts reads at WCAG AA (4.5:1) in both colour modes."""
    with browsing(server, browser, color_scheme=scheme) as (page,):
        sign_in(page, *ACCOUNTING)
        page.goto("/?period=year")
        expect(page.locator("#funnel .recharts-cartesian-axis-tick-value").first).to_be_visible()
        expect(page.locator("#ageing .recharts-legend-item-text").first).to_be_visible()
        found = page.evaluate(CONTRAST, CHART_TEXT)
        assert len(found) > 40, found
        assert all((f["back"] < 0.05) if scheme == "dark" else (f["back"] > 0.8) for f in found), \
            f"the page is not in {scheme} mode"
        poor = [f for f in found if f["ratio"] < 4.5]
        assert poor == [], f"text below 4.5:1 in {scheme} mode: {poor[:10]}"
