"""Reference tables for the synthetic population: names, birthplaces, streets. No Django.

Everything here is data, not logic: the generator in :mod:`pilkada.synth.population` draws
from these tables with the weights given. Names are upper case, as Dukcapil writes them.

A *pool* is a naming tradition: first names for men and women, and second names (the last
part of a two- or three-part name) for men and women. In pools with ``family_name`` the
second name is a family name (Batak marga, Chinese-Indonesian surname, Hadhrami family
name): a father passes it to his children, and wives keep their own. ``islam`` and
``modern`` are shared pools: Arabic-derived first names used by every Muslim community, and
the names parents gave from the 1990s on.

Weights are relative frequencies within one table (roughly: the top names of each list are
the common ones; Siti, Nur, Muhammad, Dewi, Agus, Sri are very common on purpose).
"""

from __future__ import annotations

from dataclasses import dataclass


def _table(text: str) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Parse lines of ``NAME WEIGHT`` (the name may contain spaces; weight defaults to 1).

    A name listed twice gets the sum of its weights."""
    table: dict[str, float] = {}
    for raw in text.strip().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, _, tail = line.rpartition(" ")
        try:
            weight = float(tail)
            name = head.strip()
        except ValueError:
            weight, name = 1.0, line
        key = name.upper()
        table[key] = table.get(key, 0.0) + weight
    return tuple(table), tuple(table.values())


@dataclass(frozen=True)
class Pool:
    """One naming tradition. Each table is ``(names, weights)``."""

    key: str
    male_first: tuple[tuple[str, ...], tuple[float, ...]]
    female_first: tuple[tuple[str, ...], tuple[float, ...]]
    male_second: tuple[tuple[str, ...], tuple[float, ...]]
    female_second: tuple[tuple[str, ...], tuple[float, ...]]
    family_name: bool = False
    # Probabilities of one, two and three name parts for people aged 50+ and under 35
    # (in between: the average of the two).
    parts_old: tuple[float, float, float] = (0.2, 0.65, 0.15)
    parts_young: tuple[float, float, float] = (0.05, 0.55, 0.40)
    # Share of first names taken from the shared ``islam`` pool (Muslim traditions only).
    islam_share: float = 0.0
    # Share of people under 35 named in the ``modern`` style instead.
    modern_share: float = 0.0


ISLAM = Pool(
    key="islam",
    male_first=_table("""
        MUHAMMAD 100
        AHMAD 40
        ABDUL 18
        MOHAMAD 10
        MOCHAMMAD 6
        ACHMAD 6
        ABDULLAH 5
        ALI 5
        HASAN 5
        HUSEIN 3
        UMAR 3
        YUSUF 5
        IBRAHIM 3
        ISMAIL 3
        IMAM 4
        NUR 12
        SYAIFUL 4
        SAIFUL 4
        ARIF 6
        RAHMAT 7
        HIDAYAT 3
        FAJAR 3
        ZAINAL 3
        ILHAM 4
        IRFAN 4
        FAISAL 4
        RIDWAN 4
        LUTFI 2
        HAMDAN 2
        SYAMSUL 3
        KHOIRUL 3
        MAHMUD 3
        ABDURRAHMAN 2
        HAMZAH 2
        SOLEH 3
        FAHMI 2
        HUSNI 2
        YAHYA 2
        ZAKARIA 2
        ISKANDAR 3
        """),
    female_first=_table("""
        SITI 100
        NUR 45
        NURUL 12
        FATIMAH 8
        AISYAH 8
        SYARIFAH 3
        KHADIJAH 4
        ZAINAB 4
        AMINAH 6
        HALIMAH 5
        RAHMAWATI 6
        NURHAYATI 8
        MARYAM 4
        SALMA 3
        HANIFAH 3
        ROHMAH 4
        ZAHRA 3
        NAFISAH 3
        ULFAH 3
        MASITOH 3
        NURJANAH 6
        KHOIRUNNISA 3
        ANNISA 6
        HUSNUL 2
        LAILA 3
        MUNAWAROH 2
        JUBAEDAH 3
        FAUZIAH 4
        ROSIDAH 3
        HASANAH 4
        """),
    male_second=_table("""
        RAHMAN 5
        HIDAYAT 5
        HAKIM 4
        ARIFIN 5
        HASAN 3
        FAUZI 4
        RAHMAT 3
        SYAHPUTRA 3
        RIZAL 3
        MAULANA 4
        """),
    female_second=_table("""
        AMINAH 4
        HASANAH 4
        FAUZIAH 3
        KHOTIMAH 3
        MUSLIMAH 2
        NURJANAH 3
        AZIZAH 3
        ZAHRO 2
        """),
)

MODERN = Pool(
    key="modern",
    male_first=_table("""
        MUHAMMAD 30
        RIZKY 10
        DIMAS 6
        FAJAR 5
        ADITYA 6
        ARYA 4
        BAYU 5
        ILHAM 5
        YOGA 4
        RENDI 3
        FIKRI 3
        FARHAN 5
        ALDI 4
        RIFKI 3
        NAUFAL 4
        REZA 4
        ANDI 5
        IRFAN 3
        DAFFA 4
        RAFI 3
        GILANG 3
        DANIEL 2
        KEVIN 2
        ALIF 3
        AKBAR 3
        FAHRI 3
        HAIKAL 2
        RAIHAN 3
        ZIDAN 2
        ARDIANSYAH 2
        ILYAS 2
        RAMA 3
        SATRIA 2
        DWI 4
        EKO 2
        DANU 2
        BIMA 2
        GALIH 2
        RANGGA 2
        IQBAL 3
        """),
    female_first=_table("""
        PUTRI 12
        AYU 6
        DEWI 10
        NABILA 5
        AULIA 5
        SALSABILA 4
        DINDA 4
        INDAH 5
        FITRI 6
        NADIA 4
        AMELIA 4
        ANISA 5
        RAHMA 3
        KHAIRUNNISA 3
        ZAHRA 4
        NURUL 6
        TIARA 3
        CITRA 3
        INTAN 4
        DIAN 4
        RATNA 3
        RINA 3
        WULAN 3
        DELLA 2
        FEBRIANTI 2
        NOVI 3
        RISKA 3
        AYUNDA 2
        SHINTA 2
        YULIA 3
        DWI 5
        TRI 3
        MELATI 2
        SALSA 2
        NAYLA 2
        """),
    male_second=_table("""
        PRATAMA 14
        SAPUTRA 14
        RAMADHAN 10
        HIDAYAT 6
        KURNIAWAN 8
        FIRMANSYAH 6
        SETIAWAN 7
        MAULANA 7
        NUGRAHA 4
        PERMANA 4
        SYAHPUTRA 4
        WIJAYA 3
        PRASETYO 5
        SANTOSO 3
        ARDIANSYAH 3
        HAKIM 3
        FAUZAN 3
        ALFARIZI 2
        AKBAR 3
        PUTRA 8
        """),
    female_second=_table("""
        SAPUTRI 12
        LESTARI 8
        RAMADHANI 7
        AULIA 4
        ANGGRAINI 6
        PERMATASARI 5
        WULANDARI 7
        PUSPITA 4
        SARI 8
        NOVITASARI 4
        PRATIWI 6
        RAHMAWATI 5
        KURNIASIH 3
        AMALIA 4
        HANDAYANI 3
        MAHARANI 4
        OKTAVIANI 3
        FEBRIANI 3
        NURAINI 4
        PUTRI 6
        """),
)

POOLS: dict[str, Pool] = {
    "jawa": Pool(
        key="jawa",
        male_first=_table("""
            AGUS 40
            BUDI 25
            BAMBANG 18
            JOKO 12
            EKO 14
            DWI 12
            TRI 8
            HERU 10
            SLAMET 12
            SUPARMAN 6
            SUGIONO 5
            SUTRISNO 6
            SUPRIYADI 7
            SUHARTO 5
            SUMARNO 5
            SUYANTO 5
            SUGENG 5
            HARYANTO 6
            TEGUH 6
            WAHYU 10
            PURNOMO 4
            WIDODO 4
            PAIMAN 3
            WAGIMAN 3
            SUKIRNO 3
            SUNARTO 4
            SUPARNO 4
            SUWARNO 3
            GUNAWAN 4
            HENDRO 3
            YUDI 4
            ARIS 5
            ANTO 4
            DEDI 6
            KUSNADI 3
            PRIYO 3
            SETYO 3
            SISWANTO 4
            SUHERMAN 3
            TONI 3
            BAGUS 3
            CAHYO 3
            YANTO 3
            JUMADI 3
            SURYADI 4
            """),
        female_first=_table("""
            SRI 50
            DEWI 25
            ENDANG 10
            SUMARNI 6
            SUPARMI 5
            SUMIATI 6
            WARSINAH 3
            TUMINAH 3
            PONIRAH 2
            SUPRIHATIN 3
            SUNARTI 6
            SULASTRI 6
            SUKINAH 3
            PARMI 3
            TRI 8
            DWI 10
            ENDAH 5
            RATNA 6
            NINING 4
            YANTI 7
            WAHYUNI 6
            SUSI 5
            YULI 6
            LESTARI 5
            TUTI 4
            WATI 4
            RUSMINI 3
            SITI 20
            MURNI 3
            KASMINI 2
            SRIYATUN 2
            SUWARNI 3
            PURWANTI 4
            ISTIQOMAH 3
            WINARSIH 3
            RINI 5
            ERNA 4
            TITIK 4
            ANI 5
            """),
        male_second=_table("""
            SANTOSO 12
            WIBOWO 10
            SUSANTO 8
            PRASETYO 9
            NUGROHO 10
            PURNOMO 6
            SETIAWAN 9
            WIDODO 6
            HARTONO 6
            SUSILO 5
            RAHARJO 5
            SUGIARTO 5
            WAHYUDI 6
            SAPUTRO 6
            HARYANTO 5
            KUSUMO 3
            SULISTYO 4
            PRIYANTO 4
            HIDAYAT 5
            CAHYONO 4
            SURYANTO 4
            WALUYO 3
            PAMUNGKAS 3
            UTOMO 4
            JATMIKO 3
            """),
        female_second=_table("""
            SUSANTI 8
            LESTARI 9
            RAHAYU 10
            WAHYUNINGSIH 6
            HANDAYANI 8
            KURNIASIH 5
            SETYOWATI 5
            PURWANTI 5
            MULYANI 6
            WULANDARI 6
            ASTUTI 6
            SUSILOWATI 4
            RAHMAWATI 5
            NINGSIH 6
            SULISTYOWATI 4
            SURYANI 4
            PURWANINGSIH 3
            UTAMI 5
            WIDYASTUTI 3
            HARTATI 4
            """),
        parts_old=(0.30, 0.58, 0.12),
        parts_young=(0.05, 0.55, 0.40),
        islam_share=0.25,
        modern_share=0.55,
    ),
    "sunda": Pool(
        key="sunda",
        male_first=_table("""
            ASEP 25
            UJANG 10
            DEDE 10
            CECEP 8
            DADANG 8
            ENDANG 6
            YAYAN 6
            UJANG 4
            AGUS 15
            DEDI 10
            DODI 5
            IWAN 8
            ENCEP 4
            ENDAN 3
            ADE 8
            AAN 4
            OMAN 3
            UDIN 4
            JAJANG 4
            ROHMAN 3
            HENDRA 5
            ANDRI 4
            DENI 5
            TATANG 3
            NANANG 4
            WAWAN 6
            KOKO 2
            UUS 2
            YUYUN 2
            """),
        female_first=_table("""
            EUIS 10
            NENG 10
            IIS 6
            IMAS 6
            ENENG 6
            NENENG 5
            YATI 5
            TITIN 5
            CUCU 4
            ELIS 6
            EUIS 3
            YAYAH 3
            ENTIN 3
            IDA 5
            NUNUNG 4
            LILIS 5
            TETI 4
            YANI 5
            ROSITA 3
            DEWI 12
            SRI 8
            RINA 4
            WIWIN 3
            IKA 3
            """),
        male_second=_table("""
            SUNARYA 6
            SUPRIATNA 7
            HERMAWAN 8
            KUSNADI 6
            RUSTANDI 5
            SOBARI 4
            SUHENDAR 5
            MULYANA 6
            SOPIAN 4
            GUNAWAN 6
            SETIADI 5
            HIDAYAT 8
            NURDIN 5
            SUPARDI 4
            KOSASIH 4
            SUTISNA 5
            RUHIYAT 3
            SAEPULOH 3
            """),
        female_second=_table("""
            NURAENI 7
            KOMALASARI 5
            SUMIRAT 3
            ROHAETI 5
            JUBAEDAH 5
            SUKAESIH 4
            NURHASANAH 5
            MARLINA 5
            SURYANI 5
            KURNIASIH 4
            MULYANINGSIH 3
            RAHAYU 6
            SARTIKA 4
            """),
        parts_old=(0.25, 0.62, 0.13),
        parts_young=(0.05, 0.55, 0.40),
        islam_share=0.30,
        modern_share=0.55,
    ),
    "betawi": Pool(
        key="betawi",
        male_first=_table("""
            MUHAMMAD 10
            SAMAN 4
            ROJALI 4
            MUHIDIN 4
            SAPRUDIN 4
            NAWI 3
            ZAENAL 5
            JAENUDIN 5
            MAMAT 4
            UDIN 5
            ENTONG 2
            ROHIM 4
            HASAN 5
            SAMSUDIN 4
            SARIPUDIN 4
            ABDUL 8
            MUHAMAD 4
            HAERUDIN 3
            JUNAEDI 4
            MAMAN 3
            SARMILI 2
            NAPIS 2
            SAMAD 3
            RIDWAN 4
            SAIPUL 4
            SUPRIADI 4
            MULYADI 4
            BUDI 6
            AGUS 10
            ANDI 4
            """),
        female_first=_table("""
            SITI 20
            MAEMUNAH 4
            NAPSIAH 3
            JULAEHA 4
            ROHAYA 3
            MUNAROH 3
            NURLELA 4
            NURHASANAH 4
            MASITOH 3
            ROSMINI 3
            SAIDAH 3
            MAESAROH 3
            JUBAEDAH 4
            HALIMAH 4
            AMINAH 4
            MARYATI 3
            SALMAH 3
            ROHANAH 3
            NURYATI 3
            MUNAWAROH 3
            DEWI 8
            SRI 6
            YULIANTI 3
            RATNA 3
            """),
        male_second=_table("""
            SAIMAN 3
            SARIPUDIN 4
            JUNAEDI 4
            HIDAYAT 6
            SOLEH 4
            RAHMAN 5
            ARIFIN 4
            SUPRIADI 4
            MULYADI 4
            FIRDAUS 3
            SYAHRONI 3
            ROHMAN 3
            MASYKUR 2
            SAPUTRA 5
            """),
        female_second=_table("""
            NURHAYATI 5
            HASANAH 4
            MARYAM 3
            ROHAYATI 3
            SOLEHAH 3
            NURJANAH 4
            FAUZIAH 3
            SARIPAH 3
            AINI 3
            """),
        parts_old=(0.28, 0.60, 0.12),
        parts_young=(0.05, 0.55, 0.40),
        islam_share=0.45,
        modern_share=0.55,
    ),
    "batak": Pool(
        key="batak",
        male_first=_table("""
            MARULI 4
            PARLINDUNGAN 3
            TUMPAL 3
            HOTMAN 3
            JONTER 2
            DAVID 4
            ROBERT 4
            JOHANNES 4
            PETRUS 3
            DANIEL 4
            SAHAT 3
            PANDAPOTAN 2
            TIGOR 3
            BONAR 3
            RICARDO 3
            JEFRI 3
            HENDRIK 3
            ANDREAS 4
            MARTIN 3
            SAMUEL 3
            FERDINAND 2
            BENNY 3
            POLTAK 2
            RUDOLF 2
            """),
        female_first=_table("""
            ROSMAWATI 4
            MARIA 6
            HOTMAULI 3
            RUTH 3
            LAMRIA 3
            TIOMINAR 2
            DEBORA 3
            ROSLINA 3
            ELISABETH 4
            MARTHA 3
            KRISTINA 3
            DUMARIA 2
            NURSIAH 2
            SONDANG 2
            ROTUA 2
            MERRY 3
            RENTA 2
            LASMARIA 2
            YOHANA 3
            """),
        male_second=_table("""
            SIMANJUNTAK 5
            HUTAPEA 4
            SIREGAR 6
            NASUTION 6
            LUBIS 6
            SINAGA 5
            SITUMORANG 5
            PANJAITAN 5
            SIAHAAN 5
            SIMATUPANG 4
            TAMBUNAN 4
            MANURUNG 4
            PASARIBU 4
            HARAHAP 5
            SIHOMBING 4
            NAPITUPULU 4
            SITOMPUL 4
            SIRAIT 3
            GINTING 4
            TARIGAN 4
            SEMBIRING 4
            SILALAHI 4
            HUTAGALUNG 3
            PURBA 3
            SARAGIH 4
            DAMANIK 3
            MARPAUNG 4
            SIMAMORA 3
            PANGARIBUAN 3
            HUTAURUK 3
            """),
        female_second=_table("""
            SIMANJUNTAK 5
            HUTAPEA 4
            SIREGAR 6
            NASUTION 6
            LUBIS 6
            SINAGA 5
            SITUMORANG 5
            PANJAITAN 5
            SIAHAAN 5
            SIMATUPANG 4
            TAMBUNAN 4
            MANURUNG 4
            PASARIBU 4
            HARAHAP 5
            SIHOMBING 4
            NAPITUPULU 4
            SITOMPUL 4
            SIRAIT 3
            GINTING 4
            TARIGAN 4
            SEMBIRING 4
            SILALAHI 4
            HUTAGALUNG 3
            PURBA 3
            SARAGIH 4
            DAMANIK 3
            MARPAUNG 4
            SIMAMORA 3
            PANGARIBUAN 3
            HUTAURUK 3
            """),
        family_name=True,
        parts_old=(0.03, 0.62, 0.35),
        parts_young=(0.02, 0.50, 0.48),
    ),
    "minang": Pool(
        key="minang",
        male_first=_table("""
            AFRIZAL 4
            YULIZAR 3
            ZULKIFLI 4
            ASRUL 3
            DASRIL 3
            JASMAN 3
            NOFRIZAL 3
            ERIZAL 3
            BUDIMAN 3
            HENDRA 5
            YUSRIZAL 3
            DEDI 3
            ZULFIKAR 3
            SYAFRIL 3
            AZWAR 3
            EFENDI 4
            FIRDAUS 3
            RIZAL 4
            ANDRI 3
            MASRIL 2
            """),
        female_first=_table("""
            YUSNIDAR 3
            ERNIDA 3
            DESMAWATI 3
            NURHAYATI 4
            ASMAH 3
            ROSNI 3
            YUSMANIAR 2
            FITRIANI 4
            ELFIDA 3
            ROSMANIAR 2
            YENI 4
            ERNAWATI 4
            SYAFRIDA 2
            MARNI 3
            DEWI 5
            """),
        male_second=_table("""
            PUTRA 6
            CHANIAGO 4
            TANJUNG 4
            KOTO 3
            SIKUMBANG 3
            PILIANG 3
            JAMBAK 2
            SUTAN 3
            SYAFEI 3
            EFENDI 3
            """),
        female_second=_table("""
            PUTRI 6
            YENTI 3
            ASRIL 2
            ERNI 2
            MARLINA 3
            SUSANTI 3
            YANTI 3
            """),
        parts_old=(0.30, 0.60, 0.10),
        parts_young=(0.05, 0.55, 0.40),
        islam_share=0.25,
        modern_share=0.5,
    ),
    "tionghoa": Pool(
        key="tionghoa",
        male_first=_table("""
            HENDRA 6
            SUSANTO 4
            WILLIAM 4
            KEVIN 4
            ANDREAS 4
            STEVEN 4
            ROBERT 3
            YOHANES 3
            JONATHAN 3
            FELIX 3
            HARTONO 3
            BUDI 5
            HENRY 3
            JIMMY 3
            SUGIANTO 3
            DARMAWAN 3
            EDWARD 2
            VINCENT 3
            MICHAEL 3
            RICHARD 2
            ALBERT 2
            TEDDY 2
            JOHAN 3
            """),
        female_first=_table("""
            LINDA 5
            LIANA 4
            VERONICA 3
            MELIANA 3
            JESSICA 3
            FELICIA 3
            SUSAN 3
            YULIANA 4
            CHRISTINE 3
            NATALIA 3
            MEILANI 3
            LILY 3
            SANTI 3
            WENNY 2
            LANNY 2
            MEGAWATI 2
            VIVIAN 2
            CINDY 3
            GRACE 2
            IVANA 2
            """),
        male_second=_table("""
            WIJAYA 10
            TANOTO 2
            HALIM 5
            GUNAWAN 6
            SANTOSO 6
            KUSUMA 5
            SALIM 4
            TANUWIJAYA 3
            SETIADI 3
            LIMANTO 2
            HARTANTO 3
            TJAHJADI 2
            SUTANTO 3
            LIEM 2
            TAN 4
            LIM 3
            ONG 2
            GO 1
            WONG 2
            HALIMAN 2
            WINATA 3
            SUSILO 2
            """),
        female_second=_table("""
            WIJAYA 10
            HALIM 5
            GUNAWAN 6
            SANTOSO 6
            KUSUMA 5
            SALIM 4
            TANUWIJAYA 3
            SETIADI 3
            HARTANTO 3
            SUTANTO 3
            TAN 4
            LIM 3
            WINATA 3
            DEWI 3
            """),
        family_name=True,
        parts_old=(0.12, 0.70, 0.18),
        parts_young=(0.03, 0.62, 0.35),
    ),
    "arab": Pool(
        key="arab",
        male_first=_table("""
            MUHAMMAD 10
            AHMAD 6
            ALI 5
            HUSEIN 4
            HASAN 4
            UMAR 4
            ABDULLAH 5
            SALIM 3
            SEGAF 2
            FAHMI 3
            MUNIR 2
            IDRUS 2
            ALWI 3
            ZEIN 3
            """),
        female_first=_table("""
            FATIMAH 6
            SYARIFAH 6
            AISYAH 4
            ZAINAB 4
            KHADIJAH 4
            NUR 4
            SALMA 3
            RUGAYAH 2
            NAJWA 2
            SARAH 3
            """),
        male_second=_table("""
            ALATAS 5
            ASSEGAF 4
            ALHABSYI 4
            SHAHAB 3
            BASALAMAH 3
            BAWAZIER 3
            ALKAFF 3
            ALAYDRUS 3
            BAHASUAN 2
            ALJUFRI 3
            BAFADAL 2
            """),
        female_second=_table("""
            ALATAS 5
            ASSEGAF 4
            ALHABSYI 4
            SHAHAB 3
            BASALAMAH 3
            BAWAZIER 3
            ALKAFF 3
            ALAYDRUS 3
            ALJUFRI 3
            """),
        family_name=True,
        parts_old=(0.03, 0.55, 0.42),
        parts_young=(0.02, 0.48, 0.50),
        islam_share=0.3,
    ),
}

#: Share of people of each naming tradition, by province code; ``default`` for the others.
#: DKI after the 2010 census (Javanese, Betawi, Sundanese, Chinese-Indonesian, Batak, Minang,
#: Arab); smaller groups are folded into the Javanese pool.
POOL_SHARES: dict[str, dict[str, float]] = {
    "31": {
        "jawa": 0.38,
        "betawi": 0.27,
        "sunda": 0.15,
        "tionghoa": 0.07,
        "batak": 0.05,
        "minang": 0.05,
        "arab": 0.03,
    },
    "default": {
        "jawa": 0.45,
        "sunda": 0.15,
        "betawi": 0.05,
        "tionghoa": 0.05,
        "batak": 0.10,
        "minang": 0.15,
        "arab": 0.05,
    },
}

#: The usual birthplace written for someone born in the province itself (else the name of
#: the kab/kota from the region file is used).
PROVINCE_BIRTHPLACE: dict[str, str] = {
    "11": "BANDA ACEH",
    "12": "MEDAN",
    "13": "PADANG",
    "31": "JAKARTA",
    "32": "BANDUNG",
    "33": "SEMARANG",
    "34": "YOGYAKARTA",
    "35": "SURABAYA",
    "36": "SERANG",
    "51": "DENPASAR",
    "73": "MAKASSAR",
}

#: Birthplaces of people born outside the province, by naming tradition.
BIRTHPLACES: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "jawa": _table("""
        SEMARANG 6
        SURABAYA 5
        YOGYAKARTA 5
        SURAKARTA 4
        SOLO 2
        KLATEN 4
        WONOGIRI 4
        BOYOLALI 3
        KEBUMEN 4
        PURWOREJO 3
        TEGAL 4
        BREBES 4
        PEKALONGAN 3
        CILACAP 3
        BANYUMAS 3
        MAGELANG 3
        MALANG 3
        KEDIRI 2
        MADIUN 2
        PATI 2
        DEMAK 2
        GROBOGAN 2
        SRAGEN 2
        KARANGANYAR 2
        LAMPUNG 2
        BEKASI 3
        TANGERANG 3
        BOGOR 3
        DEPOK 2
        """),
    "sunda": _table("""
        BANDUNG 6
        BOGOR 6
        GARUT 5
        TASIKMALAYA 4
        CIANJUR 4
        SUKABUMI 4
        KUNINGAN 4
        CIREBON 3
        MAJALENGKA 3
        SUMEDANG 3
        KARAWANG 3
        SUBANG 2
        INDRAMAYU 3
        CIAMIS 3
        PURWAKARTA 2
        BEKASI 3
        """),
    "betawi": _table("""
        BEKASI 5
        TANGERANG 5
        DEPOK 4
        BOGOR 3
        """),
    "batak": _table("""
        MEDAN 8
        TARUTUNG 4
        PEMATANGSIANTAR 5
        BALIGE 4
        SIBOLGA 3
        PADANG SIDEMPUAN 3
        KABANJAHE 3
        PORSEA 2
        TEBING TINGGI 2
        """),
    "minang": _table("""
        PADANG 8
        BUKITTINGGI 5
        PAYAKUMBUH 4
        PARIAMAN 4
        SOLOK 3
        BATUSANGKAR 3
        PADANG PANJANG 2
        """),
    "tionghoa": _table("""
        MEDAN 4
        PONTIANAK 4
        SINGKAWANG 3
        SEMARANG 3
        SURABAYA 3
        BANDUNG 3
        PANGKAL PINANG 2
        TANGERANG 3
        MAKASSAR 2
        """),
    "arab": _table("""
        SURABAYA 3
        PEKALONGAN 3
        BOGOR 3
        PALEMBANG 3
        GRESIK 2
        BONDOWOSO 2
        SOLO 2
        """),
}

#: Street names (no prefix); an RT sits on one street, written "JL. X" or "GG. X".
STREETS: tuple[tuple[str, ...], tuple[float, ...]] = _table("""
    MANGGA
    DELIMA
    MELATI
    KENANGA
    MAWAR
    ANGGREK
    CEMPAKA
    FLAMBOYAN
    DAHLIA
    KAMBOJA
    SAWO
    DUKU
    RAMBUTAN
    JAMBU
    NANGKA
    SALAK
    BELIMBING
    KELAPA
    BAMBU
    BERINGIN
    H. ABDUL MAJID
    H. SAIMAN
    H. MUNIR
    H. NAWI
    H. SAMAN
    H. RIDI
    H. JAIDI
    RAYA BOGOR
    RAYA PASAR MINGGU
    KEBON JERUK
    KEBON SIRIH
    KEBON KACANG
    KEBON BARU
    KRAMAT
    BUNGUR
    SWADAYA
    GOTONG ROYONG
    MERDEKA
    PERSATUAN
    KEMERDEKAAN
    PEMUDA
    PENDIDIKAN
    MASJID
    MUSHOLA AL IKHLAS
    AL HIDAYAH
    SEJAHTERA
    DAMAI
    SENTOSA
    BAHAGIA
    MAKMUR
    PERMATA
    MUTIARA
    INTAN
    BERLIAN
    DIPONEGORO
    SUDIRMAN
    KARTINI
    PANGERAN ANTASARI
    TEUKU UMAR
    CUT NYAK DIEN
    IMAM BONJOL
    HASANUDDIN
    PATTIMURA
    SISINGAMANGARAJA
    GATOT SUBROTO
    AHMAD YANI
    DEWI SARTIKA
    RADEN SALEH
    KI HAJAR DEWANTARA
    DR. SAHARJO
    PANJAITAN
    SUPRAPTO
    HALIMUN
    SETIABUDI
    KEMANGGISAN ILIR
    CIDENG
    KALIBARU
    KALIMALANG
    PULO
    TANAH TINGGI
    TANAH MERAH
    BATU
    BATU AMPAR
    CILILITAN
    CONDET
    KAMPUNG MELAYU
    KAMPUNG BARU
    KAMPUNG BALI
    PETOGOGAN
    SWASEMBADA
    PEMBANGUNAN
    KAPUK
    TELUK GONG
    WARAKAS
    SUNTER
    RAWA BADAK
    RAWA BELONG
    RAWA BUAYA
    RAWASARI
    PALMERAH
    KEMUNING
    AKASIA
    CENDANA
    JATI
    MAHONI
    PALEM
    TERATAI
    SAKURA
    NUSA INDAH
    BOUGENVILLE
    PERINTIS KEMERDEKAAN
    MANUNGGAL
    BHAKTI
    KARYA
    INPRES
    MANDIRI
    CEMARA
    RANDU
    KURNIA
    HARAPAN
""")

#: Academic and religious titles as written in DP4 (prefix or, after a comma, suffix).
TITLE_PREFIX_MALE: tuple[str, ...] = ("H.", "DR.", "IR.", "DRS.")
TITLE_PREFIX_FEMALE: tuple[str, ...] = ("HJ.", "DR.", "IR.", "DRA.")
TITLE_SUFFIX: tuple[str, ...] = ("S.KOM.", "S.H.", "S.E.", "S.PD.", "S.T.", "M.M.", "A.MD.")

#: Roman numerals after a street name ("JL. KENANGA III").
ROMAN: tuple[str, ...] = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
