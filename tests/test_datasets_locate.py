"""Where dataset files are looked for, the download, and the offline error."""

from __future__ import annotations

import sys
import types

import pytest
from dataset_files import NoNetwork, image_arrays, isolate, options, write_idx_set, write_mnist_npz

from nnspec.builtins.datasets import locate
from nnspec.builtins.datasets.images import FASHION_MNIST, MNIST, MNIST_SOURCE
from nnspec.errors import DataError

real_download_file = locate.download_file  # the autouse fixture replaces it; these tests need it


@pytest.fixture(autouse=True)
def places(monkeypatch, tmp_path):
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("NNSPEC_DATA", str(tmp_path / "nnspec-data"))
    return tmp_path


def test_search_order_is_nnspec_data_then_keras_cache_then_debian(places):
    arrays = image_arrays()
    own = write_mnist_npz(places / "nnspec-data" / "mnist" / "mnist.npz", arrays)
    cached = write_mnist_npz(places / "keras" / "datasets" / "mnist.npz", arrays)
    debian = write_idx_set(places / "debian" / "mnist", arrays)
    assert locate.find(MNIST_SOURCE).place == str(own.parent)
    own.unlink()
    assert locate.find(MNIST_SOURCE).place == str(cached.parent)
    cached.unlink()
    found = locate.find(MNIST_SOURCE)
    assert found.place == str(debian) and found.layout.format == "idx"


def test_an_explicit_path_comes_first_file_or_folder(places):
    arrays = image_arrays()
    write_mnist_npz(places / "nnspec-data" / "mnist" / "mnist.npz", arrays)
    mine = write_mnist_npz(places / "mine" / "digits.npz", arrays)
    assert locate.find(MNIST_SOURCE, str(mine)).path == mine
    folder = write_idx_set(places / "idx", arrays)
    found = locate.find(MNIST_SOURCE, str(folder))
    assert found.layout.format == "idx" and found.paths[0].parent == folder


def test_a_missing_explicit_path_is_an_error_even_when_data_is_elsewhere(places):
    write_mnist_npz(places / "keras" / "datasets" / "mnist.npz", image_arrays())
    with pytest.raises(DataError, match='path="/nowhere/mnist.npz" does not exist'):
        MNIST.load(options(MNIST, path="/nowhere/mnist.npz"), 0)


def test_a_folder_without_the_files_is_named_with_what_it_lacks(places):
    (places / "empty").mkdir()
    with pytest.raises(DataError, match="does not hold mnist.npz or train-images"):
        locate.find(MNIST_SOURCE, str(places / "empty"))


def test_offline_error_names_the_dataset_the_places_and_the_remedies(places):
    with pytest.raises(DataError) as caught:
        FASHION_MNIST.load(options(FASHION_MNIST), 0)
    text = caught.value.render()
    assert "\n" not in text  # one message
    assert "dataset 'fashion_mnist' not found here and the download failed" in text
    assert "no network in tests" in text
    for place in ("$NNSPEC_DATA/fashion_mnist", "Keras cache", str(places / "keras" / "datasets" / "fashion-mnist"),
                  str(places / "debian" / "fashion-mnist")):
        assert place in text
    assert 'path="..."' in text and "apt-get install dataset-fashion-mnist" in text


def test_offline_error_says_when_nnspec_data_is_not_set(places, monkeypatch):
    monkeypatch.delenv("NNSPEC_DATA")
    with pytest.raises(DataError, match=r"looked in: \$NNSPEC_DATA \(not set\)"):
        MNIST.load(options(MNIST), 0)


def test_a_failed_download_leaves_no_file_in_the_cache(places, monkeypatch):
    def half_download(url, target, file_hash):
        target.parent.mkdir(parents=True, exist_ok=True)
        raise NoNetwork("connection reset")

    monkeypatch.setattr(locate, "download_file", half_download)
    with pytest.raises(DataError, match="connection reset"):
        MNIST.load(options(MNIST), 0)
    assert not list((places / "keras").rglob("*.npz"))


def test_availability_says_where_the_data_is(places):
    assert MNIST.availability(options(MNIST)) == "will download"
    write_idx_set(places / "debian" / "mnist", image_arrays())
    assert MNIST.availability(options(MNIST)) == f"found: {places / 'debian' / 'mnist'}"
    assert MNIST.availability(options(MNIST, path="/nowhere")).startswith("missing:")


# ---------------------------------------------------------------- the real downloader, Keras faked


@pytest.fixture
def fake_keras(monkeypatch):
    """A stand-in for keras.utils whose get_file writes what the test says."""
    behaviour = {}

    def get_file(fname, origin, cache_dir, cache_subdir, file_hash):
        path = f"{cache_dir}/{cache_subdir}/{fname}"
        with open(path, "wb") as handle:
            handle.write(behaviour.get("content", b"data"))
        if behaviour.get("fail"):
            raise Exception(f"URL fetch failure on {origin}")
        return path

    module = types.ModuleType("keras.utils")
    module.get_file = get_file
    monkeypatch.setitem(sys.modules, "keras.utils", module)
    return behaviour


def test_download_file_renames_only_a_complete_file(tmp_path, fake_keras):
    target = tmp_path / "cache" / "mnist.npz"
    fake_keras["content"] = b"complete"
    real_download_file("https://example.invalid/mnist.npz", target, None)
    assert target.read_bytes() == b"complete"
    assert [p.name for p in target.parent.iterdir()] == ["mnist.npz"]  # no temporary folder left


def test_download_file_leaves_nothing_when_the_transfer_fails(tmp_path, fake_keras):
    target = tmp_path / "cache" / "mnist.npz"
    fake_keras["fail"] = True
    with pytest.raises(Exception, match="URL fetch failure"):
        real_download_file("https://example.invalid/mnist.npz", target, None)
    assert list(target.parent.iterdir()) == []


def test_download_file_refuses_a_file_with_another_hash(tmp_path, fake_keras):
    target = tmp_path / "cache" / "mnist.npz"
    with pytest.raises(DataError, match="expected SHA-256"):
        real_download_file("https://example.invalid/mnist.npz", target, "0" * 64)
    assert list(target.parent.iterdir()) == []


def test_unpacked_idx_files_are_found_too(places):
    from dataset_files import IDX_NAMES, write_idx

    folder = places / "nnspec-data" / "fashion_mnist"
    for name, array in zip(IDX_NAMES, image_arrays()):
        write_idx(folder / name.removesuffix(".gz"), array)
    assert FASHION_MNIST.load(options(FASHION_MNIST), 0).x_train.shape == (12, 784)
