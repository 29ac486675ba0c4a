"""Build the course website: both editions of every lesson, from their stored outputs.

``python docs/site/build_site.py`` (or ``make site``) lays out a Sphinx source tree in
``build/site-src/`` and builds static HTML into ``build/site/`` (both git-ignored):

- the home page is the README's introduction, in English and Korean;
- ``en/`` and ``ko/`` hold the lessons, each edition with its own table of contents, and
  every lesson starts with a link to its twin in the other language;
- outputs that only a live kernel can show (ipywidget views, and the text repr that
  stands in for them) are left out: the lessons draw a static view after each explorer;
- Korean pages are marked ``lang="ko"``.

The build treats every Sphinx warning as an error (a missing image, a broken reference,
a notebook that does not parse), so a broken page fails ``make test``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SOURCE, OUTPUT = ROOT / "build" / "site-src", ROOT / "build" / "site"
WIDGET = "application/vnd.jupyter.widget-view+json"
EDITIONS = {
    "en": {
        "folder": ROOT / "notebooks",
        "title": "Lessons (English)",
        "twin": "이 레슨의 한국어판",
        "about": "The eight lessons, in order. Each page is a notebook as it ran, with its "
        "outputs; open the same notebook in JupyterLab (`make lab`) to move the sliders.",
    },
    "ko": {
        "folder": ROOT / "notebooks" / "ko",
        "title": "수업 (한국어)",
        "twin": "This lesson in English",
        "about": "여덟 레슨을 차례대로 싣는다. 각 페이지는 실행한 그대로의 노트북과 그 출력이다. "
        "슬라이더를 움직여 보려면 같은 노트북을 JupyterLab(`make lab`)에서 연다.",
    },
}


def lessons(edition: str) -> list[Path]:
    return sorted(EDITIONS[edition]["folder"].glob("0*.ipynb"))


def title_of(notebook: dict) -> str:
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise ValueError("a lesson without a '# ' title")


def without_live_outputs(notebook: dict) -> dict:
    """The notebook minus the outputs that need a running kernel (widget views)."""
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            outputs = cell.get("outputs", [])
            cell["outputs"] = [o for o in outputs if WIDGET not in o.get("data", {})]
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def with_twin_link(notebook: dict, edition: str, name: str) -> dict:
    other = "ko" if edition == "en" else "en"
    link = {
        "cell_type": "markdown",
        "id": "site-twin",
        "metadata": {},
        "source": [f"[{EDITIONS[edition]['twin']}](../{other}/{name})\n"],
    }
    notebook["cells"].insert(0, link)
    return notebook


def home_page() -> str:
    """The README's introduction (up to its first set-up section), links made local."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    intro = readme.split("\n## Two commands", 1)[0]
    intro = intro.replace("](docs/img/", "](img/")
    intro = intro.replace("](docs/notes_checked.md)", "](notes_checked.md)")
    intro = re.sub(r"\]\(notebooks/ko/\)", "](ko/index.md)", intro)
    toc = "\n".join(
        [
            "```{toctree}",
            ":maxdepth: 1",
            ":caption: vizcnn",
            "",
            f"{EDITIONS['en']['title']} <en/index>",
            f"{EDITIONS['ko']['title']} <ko/index>",
            "notes_checked",
            "notes/cnn-study-notes.ko",
            "```",
        ]
    )
    return intro.rstrip() + "\n\n" + toc + "\n"


def edition_index(edition: str) -> str:
    entries = []
    for path in lessons(edition):
        entries.append(path.stem)
    return "\n".join(
        [
            f"# {EDITIONS[edition]['title']}",
            "",
            EDITIONS[edition]["about"],
            "",
            "```{toctree}",
            ":maxdepth: 1",
            "",
            *entries,
            "```",
            "",
        ]
    )


def prepare(source: Path = SOURCE) -> None:
    """Lay out the Sphinx source tree (default: build/site-src/)."""
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    shutil.copy(HERE / "conf.py", source / "conf.py")
    import jupyter_server_mathjax  # MathJax's own files: math renders with no network

    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(mathjax, source / "_static" / "mathjax")
    shutil.copytree(ROOT / "docs" / "img", source / "img")
    checked = (ROOT / "docs" / "notes_checked.md").read_text(encoding="utf-8")
    checked = checked.replace("](../notebooks/ko/", "](ko/").replace("](../notebooks/", "](en/")
    (source / "notes_checked.md").write_text(checked, encoding="utf-8")
    shutil.copytree(ROOT / "docs" / "notes", source / "notes")  # the study notes themselves
    (source / "index.md").write_text(home_page(), encoding="utf-8")
    for edition in EDITIONS:
        folder = source / edition
        folder.mkdir()
        (folder / "index.md").write_text(edition_index(edition), encoding="utf-8")
        for path in lessons(edition):
            notebook = json.loads(path.read_text(encoding="utf-8"))
            title_of(notebook)  # a lesson without a title fails here, by name
            notebook = with_twin_link(without_live_outputs(notebook), edition, path.stem)
            text = json.dumps(notebook, ensure_ascii=False)
            (folder / path.name).write_text(text, encoding="utf-8")


def build(source: Path = SOURCE, output: Path = OUTPUT) -> subprocess.CompletedProcess:
    """sphinx-build, every warning an error; raises ``CalledProcessError`` with its words."""
    shutil.rmtree(output, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q"]
    done = subprocess.run([*command, str(source), str(output)], capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise subprocess.CalledProcessError(done.returncode, command, done.stdout, done.stderr)
    return done


def postprocess(output: Path = OUTPUT) -> None:
    """Mark the Korean pages as Korean (Sphinx has one language per project)."""
    for page in (output / "ko").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        html = re.sub(r'<html lang="[a-z-]+"', '<html lang="ko"', html, count=1)
        page.write_text(html, encoding="utf-8")


_LINK = re.compile(r'(?:href|src)="([^"#?]+)[^"]*"')


def broken_links(output: Path = OUTPUT) -> list[str]:
    """Every internal link or image of the built site that names no file, as
    ``page -> target``; links to other sites and to anchors on the same page are skipped."""
    broken = []
    pages = [p for p in output.rglob("*.html") if "_static" not in p.relative_to(output).parts]
    for page in sorted(pages):  # (_static holds the theme's template fragments, no pages)
        for target in _LINK.findall(page.read_text(encoding="utf-8")):
            if re.match(r"^[a-z]+:", target) or target.startswith("//"):
                continue  # https:, mailto:, data: ... : not a file of the site
            if not (page.parent / target).resolve().exists():
                broken.append(f"{page.relative_to(output)} -> {target}")
    return broken


def main() -> int:
    import time

    start = time.perf_counter()
    prepare()
    build()
    postprocess()
    broken = broken_links()
    if broken:
        print("broken links:\n  " + "\n  ".join(broken[:20]), file=sys.stderr)
        return 1
    size = sum(p.stat().st_size for p in OUTPUT.rglob("*") if p.is_file())
    seconds = time.perf_counter() - start
    print(f"site built in {OUTPUT.relative_to(ROOT)}: {size / 1e6:.1f} MB, {seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
