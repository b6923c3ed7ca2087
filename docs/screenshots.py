"""The screenshots of docs/field.md, taken again from the running application.

Regenerate with (from the repository's root; needs Debian's chromium, `make chromium`):

    .venv/bin/python docs/screenshots.py

A fresh demo database in a temporary directory (`seed_demo`, then a few steps through the
services so that each page has something to show), a live server in a thread, Debian's
chromium driven by Playwright (nothing is downloaded). The PNGs go to docs/img/field/ and are
kept under 200 kB each (a palette of 256 colours when the full-colour image is larger).
Not part of the test suite.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "img" / "field"
MAX_BYTES = 200_000
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
PASSWORD = "demo1234"  # aftersales.demo.people.DEMO_PASSWORD

# A throw-away database and media directory: the demo's own var/ is never touched.
os.environ["AFTERSALES_VAR_DIR"] = tempfile.mkdtemp(prefix="aftersales-screenshots-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")
# Playwright's sync API keeps an event loop on this thread; the seeding below is synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
sys.path.insert(0, str(ROOT))


def seed() -> dict:
    """The demo data, then what the pictures need, all through the services."""
    from django.core.management import call_command
    from django.utils import timezone

    from aftersales.accounts.models import User
    from aftersales.cases.models import Case
    from aftersales.dispatch import services as dispatch
    from aftersales.dispatch.models import Team, VendorCase
    from aftersales.field import services as field
    from aftersales.field.models import Visit

    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("compile_messages_check", compile=True, skip_checks=True)
    call_command("seed_demo", skip_checks=True)
    users = {user.username: user for user in User.objects.all()}

    # A case page with all of the dispatch panel: the demo's vendor TAC case (at L4), handled
    # on site for a product problem, handed over to the vendor liaison team.
    tac = VendorCase.objects.filter(kind=VendorCase.Kind.VENDOR_TAC).select_related("case").first()
    assert tac is not None, "the demo has a vendor TAC case"
    dispatch.set_handling(case=tac.case, by=users["liaison"], mode="A3", diagnosis="product")
    if tac.case.team is None or tac.case.team.name != "三线专家中心（COE）":
        dispatch.request_handover(
            case=tac.case,
            by=users["liaison"],
            to_team=Team.objects.get(name="三线专家中心（COE）"),
            reason="厂家补丁需专家中心在现场验证",
        )

    # The engineer's visit today (demo), and a second one under way on another case.
    engineer = users["engineer"]
    visit = Visit.objects.filter(engineers=engineer).order_by("pk").first()
    assert visit is not None, "the demo has a visit for the engineer"
    other = (
        Case.objects.filter(status__in=["accepted", "in_progress"], site__isnull=False)
        .exclude(pk=visit.case_id)
        .order_by("opened_at")
        .first()
    )
    if other is not None:
        second = field.dispatch_visit(
            case=other,
            by=users["duty"],
            engineers=[engineer],
            planned_departure_at=timezone.now(),
            purpose="复核上次维修的结果",
        )
        field.move_visit(visit=second, action="depart", by=engineer)
    intake_equipment = visit.case.equipment
    return {"users": users, "visit": visit, "tac_case": tac.case, "intake": (visit.case.customer, intake_equipment)}


def small_png(path: Path) -> None:
    """Keep the picture under MAX_BYTES: a 256-colour palette, then a smaller scale if needed."""
    from PIL import Image

    if path.stat().st_size <= MAX_BYTES:
        return
    image = Image.open(path).convert("RGB")
    scale = 1.0
    while True:
        size = (int(image.width * scale), int(image.height * scale))
        smaller = image.resize(size, Image.Resampling.LANCZOS) if scale < 1 else image
        smaller.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
        if path.stat().st_size <= MAX_BYTES or scale < 0.5:
            return
        scale -= 0.1


def sign(page, test_id: str) -> None:
    """Draw a signature with the mouse on the pad (the pad takes pointer events)."""
    pad = page.get_by_test_id(test_id)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + 20, y + h * 0.6)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(x + 20 + step * (w - 40) / 15, y + h * (0.3 if step % 2 else 0.7), steps=3)
    page.mouse.up()


def main() -> None:
    import django

    django.setup()
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread
    from playwright.sync_api import sync_playwright

    data = seed()
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    base = f"http://127.0.0.1:{server.port}"
    OUT.mkdir(parents=True, exist_ok=True)
    visit, tac_case = data["visit"], data["tac_case"]
    customer, equipment = data["intake"]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])

        def page_for(username: str, *, phone: bool = False):
            options = {"is_mobile": True, "has_touch": True} if phone else {}
            context = browser.new_context(
                base_url=base,
                viewport=PHONE if phone else DESKTOP,
                locale="zh-CN",
                timezone_id="Asia/Shanghai",
                **options,
            )
            page = context.new_page()
            page.goto("/login/")
            page.locator("input[name=username]").fill(username)
            page.locator("input[name=password]").fill(PASSWORD)
            page.locator("main form button.primary").click()
            page.wait_for_load_state()
            return page

        def shot(page, name: str, *, full_page: bool = False) -> None:
            path = OUT / f"{name}.png"
            page.screenshot(path=str(path), full_page=full_page)
            small_png(path)
            print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1000} kB")

        desk = page_for("duty")
        desk.goto("/dispatch/roster/")
        desk.get_by_test_id("roster-week").wait_for()
        shot(desk, "roster-week")
        desk.goto("/dispatch/")
        shot(desk, "dispatch-board")
        desk.goto(f"/cases/{tac_case.number}/")
        desk.get_by_test_id("dispatch-panel").scroll_into_view_if_needed()
        desk.get_by_test_id("dispatch-panel").screenshot(path=str(OUT / "case-dispatch-panel.png"))
        small_png(OUT / "case-dispatch-panel.png")
        print(f"docs/img/field/case-dispatch-panel.png: {(OUT / 'case-dispatch-panel.png').stat().st_size // 1000} kB")

        agent = page_for("agent")
        query = f"?customer={customer.pk}" + (f"&equipment={equipment.pk}" if equipment else "")
        agent.goto(f"/intake/{query}")
        agent.locator("input[name=title]").fill("中继全断，全院外线不通")
        proposal = agent.get_by_test_id("dispatch-proposal")
        proposal.scroll_into_view_if_needed()
        agent.wait_for_timeout(500)
        shot(agent, "intake-proposal")

        phone = page_for("engineer", phone=True)
        phone.goto("/field/")
        shot(phone, "my-visits-today", full_page=True)
        phone.goto(f"/field/visits/{visit.pk}/")
        phone.locator("[data-action=depart]").click()
        phone.wait_for_load_state()
        phone.locator("[data-action=arrive]").click()
        phone.wait_for_load_state()
        symptom = phone.locator("form[data-move=confirm_symptom]")
        symptom.locator("textarea[name=text]").fill("所有外线无法呼出，内线正常")
        symptom.locator("input[name=confirmed_by]").fill("王主任")
        symptom.locator("button").click()
        phone.wait_for_load_state()
        phone.goto(f"/field/visits/{visit.pk}/")
        shot(phone, "visit-on-site", full_page=True)
        phone.locator("form[data-move=complete] textarea[name=text]").fill("更换中继板 TN464F，拨测 20 次均正常")
        phone.locator("[data-action=complete]").click()
        phone.wait_for_load_state()
        phone.get_by_test_id("write-report").click()
        form = phone.get_by_test_id("report-form")
        form.locator("input[name=customer_signer]").fill("王主任")
        form.locator("textarea[name=test_notes]").fill("拨测 20 次均正常")
        form.locator("input[name=material_name]").first.fill("中继板 TN464F")
        form.locator("input[name=material_quantity]").first.fill("1")
        form.locator("textarea[name=open_points]").fill("机房空调漏水，需物业处理")
        sign(phone, "customer_signature-pad")
        sign(phone, "engineer_signature-pad")
        shot(phone, "report-form-signed", full_page=True)
        browser.close()
    server.terminate()


if __name__ == "__main__":
    main()
