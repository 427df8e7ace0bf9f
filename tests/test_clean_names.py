"""Names: normalisation, initials, variant keys (NOTES.md §4)."""
import pytest

from analysis.register.clean.names import comparison_key, is_initials, normalise_name, split_forms


def test_normalise():
    assert normalise_name("CRISTHIAN ALEX ROJAS VÁSQUEZ") == ("CRISTHIAN ALEX ROJAS VASQUEZ", False)
    assert normalise_name("José  Sañudo-Quispe") == ("JOSE SANUDO QUISPE", False)
    assert normalise_name("SENA[...]") == ("SENA", True)


def test_split_forms():
    assert split_forms("Denilson Huacara ; Edison ; Denilson") == ["Denilson Huacara", "Edison", "Denilson"]


@pytest.mark.parametrize("text", ["D.A.Q.", "C. M. R. L.", "R.P.M.LL.", "Y.O.H", "D. A. Q", "J.W.T.C."])
def test_initials(text):
    assert is_initials(text)


@pytest.mark.parametrize("text", ["NN", "David A. Q.", "Jhamileth N. A.", "Miguel Arcana", ""])
def test_not_initials(text):
    assert not is_initials(text)


@pytest.mark.parametrize("a,b", [
    ("Beckhan Romario Quispe Garfias", "Becan Romario Quispe Garfias"),
    ("Beckam Romario Quispe Garfias", "Beckham Romario Quispe Garfias"),
    ("Jhonatan Alarcón Galindo", "Jonatan Alarcón Galindo"),
    ("Ghiovanny Illanes Ramos", "Giovanni Illanes Ramos"),
    ("Jhamileth Aroquipa Hancco", "Yamilet Aroquipa Hancco"),
    ("Brayan Apaza Jumpiri", "Brayan Apaza Jumpuri"),
    ("WILFREDO LIZARME BARBOSA", "Wilfredo Lizarme Barboza"),
    ("Rosalino Flórez Valverde", "Rosalino Flores Valverde"),
    ("Nixosn Sánchez Huaynacari", "Nixon Sánchez Huaynacari"),
    ("Xavier Candamo Dasilva", "Xavier Candamo Da Silva"),
    ("Jhan Carlos Condori Arcana", "Jhan Carlo Condori Arcana"),
    ("Cristhian Rojas", "Cristian Rojas"),
])
def test_variants_share_a_key(a, b):
    assert comparison_key(a) == comparison_key(b)


def test_different_names_keep_different_keys():
    assert comparison_key("Paul Mamani Apaza") != comparison_key("Christian Mamani Hancco")
