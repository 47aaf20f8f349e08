"""The packaged public data: present, cited, and what the loader expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsatu.demo import datafiles

SHARED = Path("/work/shared/data")


@pytest.mark.parametrize("folder", datafiles.FOLDERS)
def test_each_folder_has_its_source_md(folder: str) -> None:
    source = datafiles.data_root() / folder / "SOURCE.md"
    assert source.is_file()
    text = source.read_text(encoding="utf-8")
    assert len(text) > 200


@pytest.mark.parametrize("folder", datafiles.FOLDERS)
def test_source_md_is_copied_verbatim(folder: str) -> None:
    """The shared original is the start of the packaged copy (notes may only be appended)."""
    original = SHARED / folder / "SOURCE.md"
    if not original.is_file():
        pytest.skip("the shared data folder is not available here")
    packaged = (datafiles.data_root() / folder / "SOURCE.md").read_text(encoding="utf-8")
    assert packaged.startswith(original.read_text(encoding="utf-8"))


def test_readme_lists_every_folder() -> None:
    readme = (datafiles.data_root() / "README.md").read_text(encoding="utf-8")
    for folder in datafiles.FOLDERS:
        assert f"`{folder}/`" in readme


def test_kiel_main_data_has_all_rows() -> None:
    rows = datafiles.read_csv("kiel_ust_release7", "bilateral_assistance_main_data.csv")
    assert len(rows) == 1032
    assert len({r["ID"] for r in rows}) == 432


def test_kiel_citation_is_kept() -> None:
    text = (datafiles.data_root() / "kiel_ust_release7" / "SOURCE.md").read_text(encoding="utf-8")
    assert "Kiel Working Paper, No. 2218" in text
