"""The queue's filter lists must not leak other customers' or staff names to a contact."""


def test_customer_contact_queue_names_no_other_customer_and_no_staff(client, contact_a, customer_b, engineer, case_a):
    # The staff queue sends a contact to the portal, whose list is theirs.
    client.force_login(contact_a)
    assert client.get("/cases/")["Location"] == "/portal/"
    html = client.get("/portal/").content.decode()
    assert case_a.number in html
    assert customer_b.name not in html
    assert engineer.username not in html
    assert 'name="owner"' not in html


def test_staff_queue_offers_every_customer_and_owner(client, agent, engineer, customer_a, customer_b):
    client.force_login(agent)
    html = client.get("/cases/").content.decode()
    assert customer_a.name in html and customer_b.name in html
    assert 'name="owner"' in html and engineer.username in html


def test_contact_cannot_filter_on_another_customer(client, contact_a, customer_b, open_case):
    other = open_case(customer_b, title="外部客户的故障")
    client.force_login(contact_a)
    response = client.get("/cases/", {"customer": customer_b.pk, "status": "all"}, follow=True)
    assert response.redirect_chain == [("/portal/", 302)]
    assert other.number not in response.content.decode()
