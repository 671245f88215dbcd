"""Every public name has a docstring example, and every example runs and prints what it says."""
import doctest

import pytest

import fastrbm
import fastrbm.datasets

PUBLIC = [(fastrbm, name) for name in fastrbm.__all__ if name != "__version__"] + [
    (fastrbm.datasets, name) for name in ("load_mnist", "binarize", "download_mnist", "read_idx", "get_cache_dir")]


@pytest.mark.parametrize("module, name", PUBLIC, ids=[name for _, name in PUBLIC])
def test_public_docstring_example_runs(module, name):
    obj = getattr(module, name)
    assert "Examples\n    --------" in (obj.__doc__ or ""), f"{name} has no Examples section"
    tests = doctest.DocTestFinder(recurse=False).find(obj, name)  # in the globals of its module
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0 and result.failed == 0, f"{name}: {result.failed} of {result.attempted} failed"
