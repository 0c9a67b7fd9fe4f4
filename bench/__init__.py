"""gongzhi's benchmarks: `make bench` (= `python -m bench`). Not part of the test suite."""
