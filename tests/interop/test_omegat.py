"""OmegaT 3.6 (Debian's ``omegat``) loads the default TBX and TMX exports (issue 15).

OmegaT runs headless in console-translate mode on a generated project: ``tm/auto/`` holds
the TMX export (OmegaT inserts its exact matches when it loads the project, so a translated
target file proves the memory was read) and ``glossary/`` the TBX export. Console mode has no
glossary pane, so a Groovy script, run by OmegaT on the project's events, reads every TBX of
the project's glossary folder with the class that fills the pane (``GlossaryReaderTBX``, which
picks the languages from the project) and prints the entries.

Where OmegaT is not installed the test is skipped, saying so; ``.ci/run`` installs it and
sets ``TAIYAKU_REQUIRE_OMEGAT=1``, which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import Exports

JAR = Path(os.environ.get("OMEGAT_JAR", "/usr/share/omegat/OmegaT.jar"))

PROJECT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<omegat>
  <project version="1.0">
    <source_dir>__DEFAULT__</source_dir>
    <target_dir>__DEFAULT__</target_dir>
    <tm_dir>__DEFAULT__</tm_dir>
    <glossary_dir>__DEFAULT__</glossary_dir>
    <glossary_file>__DEFAULT__</glossary_file>
    <dictionary_dir>__DEFAULT__</dictionary_dir>
    <source_lang>ja</source_lang>
    <target_lang>en</target_lang>
    <source_tok>org.omegat.tokenizer.LuceneJapaneseTokenizer</source_tok>
    <target_tok>org.omegat.tokenizer.LuceneEnglishTokenizer</target_tok>
    <sentence_seg>false</sentence_seg>
    <support_default_translations>true</support_default_translations>
    <remove_tags>false</remove_tags>
  </project>
</omegat>
"""

SCRIPT = """import org.omegat.core.Core
import org.omegat.gui.glossary.GlossaryReaderTBX
def dir = new File(Core.getProject().getProjectProperties().getGlossaryRoot())
dir.listFiles().findAll { it.name.endsWith(".tbx") }.sort { it.name }.each { f ->
    try {
        GlossaryReaderTBX.read(f, false).each { e ->
            println "GLOSSARY\\t" + f.name + "\\t" + e.getSrcText() + "\\t" + e.getLocText() +
                "\\t" + e.getCommentText().replace("\\n", " | ")
        }
    } catch (Exception ex) {
        println "GLOSSARY-ERROR\\t" + f.name + "\\t" + ex
    }
}
println "EVENT\\t" + eventType
"""


def _java() -> str:
    java = shutil.which("java")
    if java is None or not JAR.is_file():
        reason = (f"OmegaT is not installed (no java or no {JAR}): apt-get install omegat "
                  "(.ci/run does)")
        if os.environ.get("TAIYAKU_REQUIRE_OMEGAT"):
            pytest.fail(reason + "; TAIYAKU_REQUIRE_OMEGAT is set")
        pytest.skip(reason)
    return java


@pytest.fixture(scope="module")
def omegat_run(exports: Exports, tmp_path_factory: pytest.TempPathFactory
               ) -> tuple[Path, str]:
    """(project folder, OmegaT's console output) after a console-translate run."""
    java = _java()
    base = tmp_path_factory.mktemp("omegat")
    project = base / "project"
    for sub in ("source", "target", "tm/auto", "glossary", "dictionary", "omegat"):
        (project / sub).mkdir(parents=True)
    (project / "omegat.project").write_text(PROJECT, encoding="utf-8")
    (project / "source" / "article.txt").write_text(
        "港湾の規制を強化した。\n\n新しい文で、メモリにない。\n", encoding="utf-8")
    shutil.copy(exports.tbx, project / "glossary" / "glossary.tbx")
    shutil.copy(exports.tmx, project / "tm" / "auto" / "memory.tmx")
    script = base / "check.groovy"
    script.write_text(SCRIPT, encoding="utf-8")
    proc = subprocess.run(
        [java, "-Djava.awt.headless=true", "-jar", str(JAR), str(project),
         "--mode=console-translate", f"--config-dir={base / 'config'}",
         "--disable-project-locking", "--no-team", f"--script={script}"],
        capture_output=True, timeout=300, env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    output = (proc.stdout + proc.stderr).decode("utf-8", "replace")
    assert proc.returncode == 0, output[-3000:]
    return project, output


def test_omegat_loads_the_tmx_export(omegat_run: tuple[Path, str]) -> None:
    project, output = omegat_run
    assert "Reading of TMX file complete" in output or "TMXR_INFO_READING_COMPLETE" in output
    errors = [line for line in output.splitlines() if "Error:" in line or "Exception" in line]
    assert errors == [], "\n".join(errors)
    target = (project / "target" / "article.txt").read_text(encoding="utf-8")
    # the exact match from the TMX was inserted; the new sentence stays Japanese
    assert target.splitlines()[0] == "Port rules were tightened."
    assert "新しい文で、メモリにない。" in target


def _glossary_rows(output: str) -> list[list[str]]:
    """The entries the Groovy script printed on the project's first load."""
    first_run = output.split("EVENT\tLOAD")[0]
    return [line.split("\t") for line in first_run.splitlines()
            if line.startswith("GLOSSARY\t")]


def test_omegat_loads_the_default_tbx_export(omegat_run: tuple[Path, str]) -> None:
    _, output = omegat_run
    assert "GLOSSARY-ERROR" not in output, output[-3000:]
    assert "EVENT\tLOAD" in output
    terms = sorted((r[2], r[3]) for r in _glossary_rows(output))
    assert terms == [("港湾", "port"), ("港湾局", "port authority"),
                     ("輸出規制", "export control")]


def test_omegat_glossary_comments_are_readable(omegat_run: tuple[Path, str]) -> None:
    """The comment of a term in OmegaT's glossary pane is the entry's note, definition and
    status in words: none of taiyaku's own JSON (readings, scores, origin) shows (issue 15.14).
    """
    _, output = omegat_run
    comments = {r[2]: r[4] for r in _glossary_rows(output)}
    assert len(comments) == 3, output[-3000:]
    for term, comment in comments.items():
        assert "taiyaku" not in comment and "{" not in comment, (term, comment)
        # the readings taiyaku keeps for the Japanese terms are not shown either
        assert "こうわん" not in comment, (term, comment)
    assert "Status: approved" in comments["港湾"] and "house style" in comments["港湾"]
    assert "preferredTerm-admn-sts" in comments["港湾"]
    assert "Status: candidate — not reviewed" in comments["輸出規制"]
    assert "preferredTerm" not in comments["輸出規制"]
    assert "Status: forbidden — do not use" in comments["港湾局"]
    assert "definition: The public body that runs a port" in comments["港湾局"]
