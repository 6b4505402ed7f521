"""`voicecoach model download`: fetched from a local HTTP server, verified, unpacked safely."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voicecoach.hearing.model_download import download, install
from voicecoach.hearing.vosk_models import ModelError, ModelSpec

NAME = "vosk-model-test-en-us-0.1"
MODEL_FILES = {
    f"{NAME}/am/final.mdl": b"acoustic model",
    f"{NAME}/conf/model.conf": b"--beam=10.0\n",
    f"{NAME}/graph/HCLr.fst": b"graph",
    f"{NAME}/README": b"test model",
}


def build_zip(files: dict[str, bytes], symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def spec_for(data: bytes, url: str) -> ModelSpec:
    return ModelSpec(NAME, url, len(data), hashlib.sha256(data).hexdigest(), "test")


class _Server:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        files = self.files

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def server() -> Iterator[_Server]:
    serving = _Server()
    yield serving
    serving.close()


def test_download_verifies_and_unpacks_the_model(server: _Server, tmp_path: Path):
    data = build_zip(MODEL_FILES)
    server.files["/model.zip"] = data
    seen: list[tuple[int, int]] = []
    path = download(spec_for(data, server.url("/model.zip")), tmp_path,
                    progress=lambda done, total: seen.append((done, total)))
    assert path == tmp_path / NAME
    assert (path / "am" / "final.mdl").read_bytes() == b"acoustic model"
    assert seen[-1] == (len(data), len(data))
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]  # nothing left behind


def test_tampered_archive_is_refused_and_nothing_installed(server: _Server, tmp_path: Path):
    good = build_zip(MODEL_FILES)
    tampered = build_zip({**MODEL_FILES, f"{NAME}/am/final.mdl": b"acoustic modeX"})
    assert len(good) == len(tampered)
    server.files["/model.zip"] = tampered
    with pytest.raises(ModelError, match="SHA-256"):
        download(spec_for(good, server.url("/model.zip")), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_wrong_size_is_refused(server: _Server, tmp_path: Path):
    good = build_zip(MODEL_FILES)
    server.files["/model.zip"] = good + b"extra"
    with pytest.raises(ModelError, match="more than the expected"):
        download(spec_for(good, server.url("/model.zip")), tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("evil", [f"{NAME}/../../escaped.txt", "/tmp/absolute.txt"])
def test_paths_escaping_the_target_are_refused(server: _Server, tmp_path: Path, evil: str):
    data = build_zip({**MODEL_FILES, evil: b"owned"})
    server.files["/model.zip"] = data
    target = tmp_path / "models"
    with pytest.raises(ModelError, match="outside its folder"):
        download(spec_for(data, server.url("/model.zip")), target)
    assert not (tmp_path / "escaped.txt").exists()
    assert list(target.iterdir()) == []


def test_symbolic_links_are_refused(tmp_path: Path):
    data = build_zip(MODEL_FILES, symlink=f"{NAME}/link")
    archive = tmp_path / "m.zip"
    archive.write_bytes(data)
    with pytest.raises(ModelError, match="symbolic link"):
        install(spec_for(data, "file:"), archive, tmp_path / "models")


def test_archive_without_a_model_is_refused(tmp_path: Path):
    data = build_zip({f"{NAME}/README": b"no model here"})
    archive = tmp_path / "m.zip"
    archive.write_bytes(data)
    with pytest.raises(ModelError, match="not a Vosk model"):
        install(spec_for(data, "file:"), archive, tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []


def test_offline_machine_gets_the_manual_route(tmp_path: Path):
    closed = "http://127.0.0.1:9/model.zip"  # the discard port: nothing listens
    with pytest.raises(ModelError) as caught:
        download(spec_for(b"x", closed), tmp_path)
    message = str(caught.value)
    assert "cannot reach" in message and "voicecoach model install" in message


def test_http_error_is_named(server: _Server, tmp_path: Path):
    with pytest.raises(ModelError, match="answered 404"):
        download(spec_for(b"x", server.url("/missing.zip")), tmp_path)


def test_installing_a_local_copy_works_offline(tmp_path: Path):
    data = build_zip(MODEL_FILES)
    archive = tmp_path / f"{NAME}.zip"
    archive.write_bytes(data)
    path = install(spec_for(data, "unused"), archive, tmp_path / "models")
    assert (path / "conf" / "model.conf").is_file()


def test_an_installed_model_is_not_downloaded_again(server: _Server, tmp_path: Path):
    data = build_zip(MODEL_FILES)
    server.files["/model.zip"] = data
    spec = spec_for(data, server.url("/model.zip"))
    download(spec, tmp_path)
    del server.files["/model.zip"]
    assert download(spec, tmp_path) == tmp_path / NAME
