"""Profiles: what is particular to one API, applied only where its spec opts in.

The core (loader, router, validator, negotiator, mocker, state) knows no particular API and asks the profile
through a few small questions: how is an error answered, are bearer tokens JWTs to verify, which operations
have handlers of their own, how is a derived body shaped. A spec opts into a profile with `x-contract-profile`
(or, for Ravan's, with its `x-invalid-input-code`); a spec without one gets the generic profile, whose answers
are Prism's. docs/profiles.md says what each adds.
"""

from __future__ import annotations

from mock_server.profiles.base import GenericProfile, Profile
from mock_server.spec import RAVAN_PROFILE, ApiSpec

__all__ = ["GenericProfile", "Profile", "profile_for"]


def profile_for(spec: ApiSpec) -> Profile:
    """The profile the spec opts into, else the generic one."""
    if spec.profile == RAVAN_PROFILE:
        from mock_server.profiles.ravan import RavanProfile

        return RavanProfile(spec)
    return GenericProfile(spec)
