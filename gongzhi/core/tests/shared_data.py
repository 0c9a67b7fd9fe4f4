"""The development data beside the repository, for the tests that use it."""


def shared_data(*parts: str):
    """A file of the development data in ../shared/data beside the repository. A user's clone
    has no ../shared, so the test skips with the reason; in CI (CI=true) the data is always laid
    out, so its absence fails the test instead of skipping it quietly."""
    import os
    from pathlib import Path

    import pytest

    path = Path(__file__).resolve().parents[3].parent / "shared" / "data" / Path(*parts)
    if not path.exists():
        reason = f"../shared not present: {path} is needed for this test"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI always has ../shared)")
        pytest.skip(reason)
    return path
