"""The candidacy front page lists what a role may open."""


def test_hub_menu_by_role(client, election, kpu_dki, pps_gambir):
    anonymous = client.get("/pencalonan/").content.decode()
    assert "/pencalonan/dukungan/" not in anonymous
    client.force_login(kpu_dki)
    kpu = client.get("/pencalonan/").content.decode()
    assert "/pencalonan/dukungan/" in kpu and "/pencalonan/daftar-nik/" in kpu
    client.force_login(pps_gambir)
    pps = client.get("/pencalonan/").content.decode()
    assert "/pencalonan/daftar-nik/" not in pps
