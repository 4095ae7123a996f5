"""Open the app in Chromium like a visitor: every page, its rendered graph, a gallery pick."""

import pytest

from graphlab.sandbox.share import encode_program

pytestmark = pytest.mark.browser

GRAPH = '[data-testid="stGraphVizChart"] svg, .gl-canvas svg'


def _wait_for_graph(page, text: str | None = None):
    page.wait_for_selector(GRAPH, state="visible")
    if text:
        page.locator(GRAPH).filter(has_text=text).first.wait_for(state="visible")


def test_a_share_link_opens_through_the_router_on_a_fresh_server(page, server_url):
    # First in this file on purpose: the bug it guards against showed only on a server's first page.
    code = encode_program("a = torch.ones(3, requires_grad=True)\nshared_link = (a * 2).sum()")
    page.goto(f"{server_url}/expression_lab?code={code}")
    _wait_for_graph(page, "shared_link")
    nav = page.locator('[data-testid="stSidebarNav"]')
    assert "Tools" in nav.inner_text() and "Expression Lab" in nav.inner_text()


# Pages that open on text, not on a graph, and the heading they open on.
NO_GRAPH = {"Course": "Lesson 1", "Glossary": "Glossary"}


def test_every_page_renders_its_graph(page, server_url):
    page.goto(server_url)
    _wait_for_graph(page, "TanhBackward0")
    links = page.locator('[data-testid="stSidebarNav"] a')
    links.filter(has_text="Graph Explorer").first.wait_for(state="visible")
    titles = [links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())]
    assert "Home" in titles and "Graph Explorer" in titles, titles
    for title in titles:
        page.locator('[data-testid="stSidebarNav"] a').filter(has_text=title).first.click()
        page.wait_for_load_state("networkidle")
        if title == "Live Training":  # its graph sits in a tab; the page opens on the controls
            page.get_by_role("button", name="Start training").first.wait_for(state="visible")
        elif title in NO_GRAPH:  # the course opens on its first lesson's prose; the glossary
            page.locator("h1").filter(has_text=NO_GRAPH[title]).first.wait_for()
        else:
            _wait_for_graph(page)
        assert page.locator('[data-testid="stException"]').count() == 0, title


def test_pick_a_gallery_example_and_see_its_graph(page, server_url, tmp_path):
    page.goto(f"{server_url}/graph_explorer")
    _wait_for_graph(page, "SigmoidBackward0")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Example").first.click()
    page.get_by_role("option", name="A small CNN").click()
    _wait_for_graph(page, "ConvolutionBackward0")
    # The drawing comes before the rest of the page: wait for the inspector of this example
    # (just above the downloads) before pressing a download button of this run, not the last.
    page.locator('[data-testid="stTable"]').filter(has_text="loss").first.wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=str(tmp_path / "explorer.png"), full_page=True)
    # The DOT export is drawn when clicked: the same graph, with its legend.
    with page.expect_download() as download:
        page.get_by_role("button", name="DOT").click()
    text = download.value.path().read_text()
    assert text.startswith("digraph") and "ConvolutionBackward0" in text and "legend" in text


def test_step_through_plays_on_its_own_and_pauses(page, server_url):
    # The frame view is a fragment with run_every: it never ticks inside AppTest, only here.
    page.goto(f"{server_url}/step_through")
    _wait_for_graph(page)
    headline = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text=" / ").first

    def frame() -> int:
        return int(headline.inner_text().split("/")[0].strip())

    assert frame() == 1
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMarkdownContainer"]')]
            .some(e => /^\\s*[3-9] \\/ /.test(e.innerText))""",
        timeout=20_000,
    )
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(state="visible")
    paused_at = frame()
    page.wait_for_timeout(2500)
    assert frame() == paused_at > 2
