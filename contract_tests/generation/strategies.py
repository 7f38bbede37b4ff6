"""Hypothesis strategies of the property tests: well-formed and malformed inputs, bad Authorization values.

Each takes `live`: against a live URL they draw only what an HTTP stack hands to the application
(contract_tests/transport/reachable.py); against the embedded mock they draw everything.
"""

from __future__ import annotations

from hypothesis import strategies as st

from contract_tests.transport.reachable import DOT_SEGMENTS, PATH_REWRITTEN, header_alphabet, text_alphabet
from mock_server.spec import ApiSpec


def well_formed(spec: ApiSpec, name: str, location: str) -> st.SearchStrategy[str]:
    """Values that match a parameter's pattern."""
    return st.from_regex(spec.parameter_pattern(name, location), fullmatch=True)


def malformed_ids(spec: ApiSpec, live: bool) -> st.SearchStrategy[str]:
    """Appointment IDs outside the pattern: odd characters, or too long.

    Never '/' or a lone '.'/'..' (another route to any router); live, nothing a router or proxy
    rewrites or refuses either.
    """
    pattern = spec.parameter_pattern("appointment_id", "path")
    longest = spec.parameter_schema("appointment_id", "path")["maxLength"]
    excluded = "/" + ("".join(sorted(PATH_REWRITTEN)) if live else "")
    return st.one_of(
        st.text(text_alphabet(live, exclude=excluded), min_size=1, max_size=40).filter(
            lambda s: not pattern.fullmatch(s) and s not in DOT_SEGMENTS
        ),
        st.text(st.sampled_from("abcXYZ019_-"), min_size=longest + 1, max_size=longest + 60),
    )


def malformed_orgs(spec: ApiSpec, live: bool) -> st.SearchStrategy[str]:
    """`org_id` query values outside the pattern, the empty one included."""
    pattern = spec.parameter_pattern("org_id", "query")
    return st.one_of(st.just(""), st.text(text_alphabet(live), min_size=1, max_size=40).filter(lambda s: not pattern.fullmatch(s)))


def bad_authorizations(live: bool) -> st.SearchStrategy[str]:
    """Authorization values that carry no valid bearer token (no leading blank: HTTP strips it)."""
    text = st.text(header_alphabet(live), max_size=80).map(str.lstrip)
    return st.one_of(
        st.just(""),
        st.just("Bearer"),
        st.just("Bearer "),
        st.builds("Basic {}".format, text),
        st.builds("Token {}".format, text),
        st.builds("Bearer {}".format, text),
        text,
    )
