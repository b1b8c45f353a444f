"""Fuzzing every form the portal draws (issue #12): the forms are found in
the pages' HTML (tests/fuzz/forms.py), the hostile values are in
tests/fuzz/payloads.py; tests/portal/test_fuzz_all_forms.py runs a bounded
number in the suite, `make fuzz` (tests/fuzz/run_fuzz.py) ten thousand or
more against a real server."""
