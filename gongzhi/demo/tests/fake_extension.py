"""An extension module for the test of the demo's extension point."""

calls = []


def seed(*, rng, subdistricts, stdout) -> None:
    calls.append({"number": rng.random(), "subdistricts": [s.code for s in subdistricts]})
    stdout.write("fake extension seeded\n")
