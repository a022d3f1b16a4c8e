"""File names and folders as Windows and macOS users have them: non-ASCII names, spaces,
Excel's CRLF + BOM, upper-case extensions, and `\\\\server\\share` UNC paths (checked with
PureWindowsPath here; the same code runs on WindowsPath there)."""
from __future__ import annotations

import codecs
import zipfile
from pathlib import Path, PureWindowsPath

import pytest
from PySide6.QtCore import QUrl

from sis_desktop.core.canvas.errors import InvalidOptions
from sis_desktop.core.canvas.upload import bundle_csvs, extension_of, multipart_body
from sis_desktop.core.sis_csv import validate_paths
from sis_desktop.core.sis_csv.sources import is_csv_name, is_zip_name

UNC = PureWindowsPath(r"\\fileserver\SIS exports\Année 2026")
EXCEL = {  # what Excel's "CSV UTF-8" writes: a BOM and CRLF line ends
    "Élèves inscrits.csv": "user_id,login_id,first_name,last_name,status\r\n"
                           "u1,zoe,Zoë,Brontë,active\r\nu2,jose,José,Núñez,active\r\n",
    "Cours d'été.CSV": "course_id,short_name,long_name,account_id,term_id,status\r\n"
                       "c1,FR 101,Français été,,,active\r\n",
}


@pytest.fixture
def excel_files(tmp_path) -> list[Path]:
    folder = tmp_path / "Données SIS" / "export du 07-12"
    folder.mkdir(parents=True)
    paths = []
    for name, text in EXCEL.items():
        path = folder / name
        path.write_bytes(codecs.BOM_UTF8 + text.encode("utf-8"))
        paths.append(path)
    return paths


@pytest.mark.parametrize("name, extension", [
    ("users.csv", "csv"), ("USERS.CSV", "csv"), ("Élèves inscrits.Csv", "csv"),
    ("export.ZIP", "zip")])
def test_unc_paths_keep_their_name_and_extension(name, extension):
    path = UNC / name
    assert str(path).startswith("\\\\fileserver\\SIS exports\\")
    assert extension_of(path) == extension
    assert is_csv_name(path) == (extension == "csv") and is_zip_name(path) == (extension == "zip")


def test_a_refused_unc_file_is_named_without_its_folder():
    with pytest.raises(InvalidOptions) as info:
        extension_of(UNC / "Notes.xlsx")
    assert str(info.value).startswith("'Notes.xlsx' is neither a .csv nor a .zip file")


def test_a_file_dropped_from_a_share_keeps_the_server():
    url = QUrl("file://fileserver/SIS exports/Année 2026/Élèves inscrits.csv")
    assert url.isLocalFile()
    local = PureWindowsPath(url.toLocalFile())  # what the drop zone receives on Windows
    assert local.drive == "\\\\fileserver\\SIS exports"
    assert local.name == "Élèves inscrits.csv" and extension_of(local) == "csv"


def test_excel_files_with_crlf_bom_and_accents_validate_clean(excel_files):
    report = validate_paths([str(p) for p in excel_files])
    assert report.errors == [] and report.warnings == []
    assert sorted(f.type for f in report.files) == ["course", "user"]


def test_several_files_are_zipped_under_their_own_unicode_names(excel_files, tmp_path):
    dest = bundle_csvs(excel_files, tmp_path / "out.zip")
    with zipfile.ZipFile(dest) as zf:
        assert sorted(zf.namelist()) == sorted(EXCEL)
        assert all(info.flag_bits & 0x800 for info in zf.infolist())  # names marked UTF-8
        assert zf.read("Élèves inscrits.csv").startswith(codecs.BOM_UTF8)


def test_the_upload_names_the_file_in_utf8(excel_files):
    body = multipart_body(excel_files[0], [], filename=(UNC / excel_files[0].name).name)
    head = bytes(next(iter(body)))
    assert 'filename="Élèves inscrits.csv"'.encode("utf-8") in head


def test_files_from_a_folder_with_spaces_and_accents_import(excel_files, sandbox):
    with sandbox.client() as client:
        created = client.create_import(excel_files)
        final = client.poll(created.id, intervals=[0.02])
    assert final.workflow_state == "imported", final
    assert final.data["counts"]["users"] == 2 and final.data["counts"]["courses"] == 1
