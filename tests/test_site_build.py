"""The course website: built from the stored notebooks, and refused when a page breaks."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from site_builder import build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The whole site, built once into a temporary folder (no execution, no network)."""
    base = tmp_path_factory.mktemp("site")
    source, output = base / "src", base / "html"
    build_site.prepare(source)
    build_site.build(source, output)
    build_site.postprocess(output)
    return source, output


def test_every_lesson_of_both_editions_is_a_page(site):
    _, output = site
    for edition in build_site.EDITIONS:
        for lesson in build_site.lessons(edition):
            assert (output / edition / f"{lesson.stem}.html").is_file(), (edition, lesson.name)
    assert (output / "index.html").is_file() and (output / "notes_checked.html").is_file()


def test_korean_pages_say_they_are_korean(site):
    _, output = site
    assert '<html lang="ko"' in (output / "ko" / "04_cnn.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in (output / "en" / "04_cnn.html").read_text(encoding="utf-8")


def test_no_page_of_the_site_links_to_a_missing_file(site):
    _, output = site
    assert build_site.broken_links(output) == []


def test_the_link_check_finds_a_missing_image(site, tmp_path):
    _, output = site
    copy = tmp_path / "html"
    shutil.copytree(output, copy)
    image = next((copy / "_images").iterdir())
    image.unlink()
    assert any(image.name in link for link in build_site.broken_links(copy))


def test_widget_views_are_left_out_and_the_twin_is_linked(site):
    source, _ = site
    lesson = json.loads((source / "ko" / "02_padding_and_strides.ipynb").read_text())
    mimes = {m for c in lesson["cells"] for o in c.get("outputs", []) for m in o.get("data", {})}
    assert build_site.WIDGET not in mimes
    assert "".join(lesson["cells"][0]["source"]).endswith("(../en/02_padding_and_strides)\n")


def test_a_broken_notebook_fails_the_build(site, tmp_path):
    source, _ = site
    broken = tmp_path / "src"
    shutil.copytree(source, broken)
    page = broken / "en" / "01_convolution.ipynb"
    lesson = json.loads(page.read_text())
    lesson["cells"][1]["source"] = ["![a figure that is not there](img/missing.png)\n"]
    lesson["cells"][1]["cell_type"] = "markdown"
    lesson["cells"][1].pop("outputs", None), lesson["cells"][1].pop("execution_count", None)
    page.write_text(json.dumps(lesson))
    with pytest.raises(subprocess.CalledProcessError) as failed:
        build_site.build(broken, tmp_path / "html")
    assert "missing.png" in failed.value.stderr
