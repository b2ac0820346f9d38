"""The customRdpProperty parser on strings shaped as real host pools hold them, and what each
redirection property reads as, set, unset, duplicated or malformed."""

from __future__ import annotations

import pytest

from govkit.sources.avd import rdp

# the public Bicep/Terraform baseline (domain research, section 4.4)
BASELINE = ("audiocapturemode:i:0;audiomode:i:0;drivestoredirect:s:;redirectclipboard:i:0;"
            "redirectcomports:i:0;redirectprinters:i:0;redirectsmartcards:i:0;"
            "screen mode id:i:2;")
# what the Azure portal writes for a new host pool with its device redirection defaults
PORTAL = ("drivestoredirect:s:*;audiomode:i:0;videoplaybackmode:i:1;redirectclipboard:i:1;"
          "redirectprinters:i:1;devicestoredirect:s:*;redirectcomports:i:1;"
          "redirectsmartcards:i:1;usbdevicestoredirect:s:*;enablecredsspsupport:i:1;"
          "redirectwebauthn:i:1;use multimon:i:1;")


def reading(text: str | None, name: str) -> rdp.Reading:
    found = rdp.read(rdp.parse(text), rdp.BY_NAME[name])
    assert isinstance(found, rdp.Reading), found
    return found


def test_the_public_baseline_parses_entry_by_entry() -> None:
    parsed = rdp.parse(BASELINE)
    assert not parsed.malformed
    assert [(e.name, e.type, e.value) for e in parsed.entries] == [
        ("audiocapturemode", "i", "0"), ("audiomode", "i", "0"), ("drivestoredirect", "s", ""),
        ("redirectclipboard", "i", "0"), ("redirectcomports", "i", "0"),
        ("redirectprinters", "i", "0"), ("redirectsmartcards", "i", "0"),
        ("screen mode id", "i", "2")]
    assert reading(BASELINE, "redirectclipboard") == rdp.Reading(
        "redirectclipboard", False, True, "redirectclipboard:i:0 (the clipboard is not redirected)")
    drives = reading(BASELINE, "drivestoredirect")
    assert not drives.allowed and drives.setting == "drivestoredirect:s: (no drives)"
    # left out of the baseline: the client's defaults apply
    usb = reading(BASELINE, "usbdevicestoredirect")
    assert usb.allowed and not usb.explicit
    assert usb.setting == ("usbdevicestoredirect not set: the Remote Desktop client redirects "
                           "all USB devices by default (*)")


def test_the_portal_defaults_redirect_everything_explicitly() -> None:
    for name in ("redirectclipboard", "drivestoredirect", "redirectprinters",
                 "usbdevicestoredirect", "devicestoredirect", "redirectcomports"):
        found = reading(PORTAL, name)
        assert found.allowed and found.explicit, name
    assert reading(PORTAL, "drivestoredirect").setting == \
        "drivestoredirect:s:* (all drives, including those connected later)"
    assert reading(PORTAL, "redirectclipboard").setting.startswith("redirectclipboard:i:1")


@pytest.mark.parametrize(("text", "name", "allowed", "setting"), [
    (None, "redirectclipboard", True,
     "redirectclipboard not set: the Remote Desktop client redirects the clipboard by default"),
    ("", "redirectprinters", True,
     "redirectprinters not set: the Remote Desktop client redirects printers by default"),
    ("redirectclipboard:i:0", "camerastoredirect", False,
     "camerastoredirect not set: the Remote Desktop client redirects no cameras by default"),
    ("redirectclipboard:i:0", "audiocapturemode", False,
     "audiocapturemode not set: the Remote Desktop client does not redirect the microphone "
     "by default"),
    ("redirectclipboard:i:0", "redirectcomports", True,
     "redirectcomports not set: the Remote Desktop client redirects serial (COM) ports by "
     "default"),
    ("redirectclipboard:i:0", "devicestoredirect", True,
     "devicestoredirect not set: the Remote Desktop client redirects all MTP and PTP devices "
     "such as phones and cameras by default (*)")])
def test_an_absent_property_takes_the_documented_client_default(
        text: str | None, name: str, allowed: bool, setting: str) -> None:
    assert reading(text, name) == rdp.Reading(name, allowed, False, setting)


def test_whitespace_case_and_a_trailing_semicolon_are_read_as_the_client_does() -> None:
    parsed = rdp.parse("  RedirectClipboard : i : 0 ;\n drivestoredirect:s: ;;")
    assert not parsed.malformed
    assert reading("  RedirectClipboard : i : 0 ;", "redirectclipboard").allowed is False
    assert [(e.name, e.value) for e in parsed.entries] == [("RedirectClipboard", "0"),
                                                          ("drivestoredirect", "")]


def test_values_keep_their_colons_and_drive_lists_their_semicolons() -> None:
    parsed = rdp.parse(r"full address:s:host.example:3389;drivestoredirect:s:C\:;E\:;"
                       "redirectprinters:i:0")
    assert not parsed.malformed
    values = {e.name: e.value for e in parsed.entries}
    assert values["full address"] == "host.example:3389"
    assert values["drivestoredirect"] == r"C\:;E\:"
    drives = reading(r"drivestoredirect:s:C\:;E\:;", "drivestoredirect")
    assert drives.allowed and drives.setting == r"drivestoredirect:s:C\:;E\: (the drives listed)"
    later = reading("drivestoredirect:s:DynamicDrives", "drivestoredirect")
    assert later.allowed and later.setting.endswith("(drives connected later)")


def test_a_contradictory_duplicate_reads_as_the_last_and_says_so() -> None:
    found = reading("redirectclipboard:i:0;drivestoredirect:s:;redirectclipboard:i:1",
                    "redirectclipboard")
    assert found.allowed and found.explicit
    assert found.setting == (
        "redirectclipboard:i:1 (the clipboard is redirected); redirectclipboard is set 2 "
        "times (redirectclipboard:i:0, redirectclipboard:i:1): the last one applies, as the "
        "Remote Desktop client reads them")
    same = reading("redirectprinters:i:0;redirectprinters:i:0", "redirectprinters")
    assert same.setting == "redirectprinters:i:0 (printers are not redirected)"


@pytest.mark.parametrize(("text", "problem"), [
    ("redirectclipboard:0", "not a name:type:value entry"),
    ("redirectclipboard:b:0", "type 'b' is neither i (integer) nor s (string)"),
    ("redirectclipboard:i:off", "an i (integer) property with the value 'off'"),
    ("redirectclipboard:s:0", "redirectclipboard takes type i, not s")])
def test_a_malformed_entry_is_kept_and_leaves_its_property_unknown(text: str,
                                                                   problem: str) -> None:
    parsed = rdp.parse(f"drivestoredirect:s:;{text};redirectprinters:i:0")
    assert parsed.malformed == (rdp.Malformed(text, problem),)
    troubles = rdp.read(parsed, rdp.BY_NAME["redirectclipboard"])
    assert troubles == [rdp.Malformed(text, problem)]
    # the entries it cannot concern are still read
    assert isinstance(rdp.read(parsed, rdp.BY_NAME["redirectprinters"]), rdp.Reading)


def test_a_malformed_entry_without_a_readable_name_leaves_every_property_unknown() -> None:
    parsed = rdp.parse("redirectclipboard:i:0;:i:1;redirectprinters:i:0")
    assert parsed.malformed == (rdp.Malformed(":i:1", "no property name before the first ':'"),)
    for redirection in rdp.REDIRECTIONS:
        assert not isinstance(rdp.read(parsed, redirection), rdp.Reading), redirection.name


def test_a_fragment_after_a_non_list_entry_is_malformed_not_a_continuation() -> None:
    parsed = rdp.parse("redirectclipboard:i:0;E\\:")
    assert [m.text for m in parsed.malformed] == ["E\\:"]
    assert parsed.malformed[0].concerns == "e\\"


def test_an_unknown_integer_value_counts_as_on() -> None:
    assert reading("redirectclipboard:i:2", "redirectclipboard").allowed is True
