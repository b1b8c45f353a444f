"""'+ Create a resource': the Marketplace page (portal-ui §1.4)."""

from django.urls import reverse


def test_it_opens_the_marketplace_with_search_categories_and_products(alice):
    response = alice.get(reverse("create_resource"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Create a resource" in html
    assert 'placeholder="Search the Marketplace"' in html
    for category in ("Popular", "Compute", "Containers", "Databases", "Networking", "Web"):
        assert f">{category}</a>" in html
    for kind in ("resourcegroup", "virtualnetwork", "appserviceplan", "webapp"):
        assert f'href="{reverse("create_wizard", kwargs={"kind": kind})}"' in html


def test_it_is_linked_from_the_portal_menu(alice):
    html = alice.get(reverse("home")).content.decode()
    assert f'href="{reverse("create_resource")}"' in html


def test_it_shows_a_category_of_products(alice):
    html = alice.get(reverse("create_resource"), {"category": "networking"}).content.decode()
    assert 'data-product="virtualnetwork"' in html
    assert 'data-product="webapp"' not in html


def test_it_answers_a_search_with_the_product_list_fragment(alice):
    response = alice.get(reverse("create_resource"), {"q": "virtual net"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="product-list">')
    assert "<html" not in html
    assert 'data-product="virtualnetwork"' in html
    assert 'data-product="resourcegroup"' not in html
    assert "HX-Request" in response["Vary"]


def test_it_says_when_the_search_finds_nothing(alice):
    html = alice.get(reverse("create_resource"), {"q": "<script>x</script>"}).content.decode()
    assert "No results were found" in html
    assert "<script>x</script>" not in html


def test_it_opens_the_resource_group_wizard_from_the_resource_groups_add_link(alice):
    response = alice.get(reverse("create_resource") + "?kind=resourcegroup")
    assert response.status_code == 302
    assert response["Location"] == reverse("create_wizard", kwargs={"kind": "resourcegroup"})
    html = alice.get(response["Location"]).content.decode()
    assert "Create a resource group" in html


def test_it_refuses_a_post_with_405(alice):
    assert alice.post(reverse("create_resource")).status_code == 405


def test_an_unknown_product_is_a_404(alice):
    assert alice.get(reverse("create_wizard", kwargs={"kind": "nope"})).status_code == 404


def test_networking_products_open_their_wizard_in_the_first_resource_group(alice):
    from django.urls import reverse

    html = alice.get(reverse("create_resource"), {"category": "networking"}).content.decode()
    sub = alice.sandbox.subscriptions.get().subscription_id
    for url_name in ("networking:nsg_create", "networking:route_table_create", "networking:gateway_create", "networking:private_endpoint_create"):
        assert reverse(url_name, kwargs={"subscription_id": sub, "rg": "contoso-rg"}) in html, url_name
