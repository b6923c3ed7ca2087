from tests.factories import SiteFactory


def test_site_phone_is_stored_normalised(db):
    assert SiteFactory(phone="+86 21 6123-4567").phone == "02161234567"
