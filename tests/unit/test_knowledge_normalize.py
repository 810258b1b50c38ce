"""Normaliser: case, punctuation, letter runs, reduplication, slang, synonyms, stemming."""
import string

from hypothesis import given, strategies as st

from knowledge.normalize import (FULL, Analyzer, Lexicon, Pipeline, normalize_text, stem)


def terms(text, **flags):
    return Analyzer(Pipeline(**flags) if flags else FULL).terms(text)


def test_case_punctuation_and_accents():
    assert normalize_text("Gmn cara RAT, online?!  Café") == ["gmn", "cara", "rat", "online", "cafe"]


def test_repeated_letters_are_collapsed():
    assert normalize_text("tolonggg minnnn pleaseee") == ["tolong", "min", "please"]


def test_reduplication():
    assert normalize_text("anggota2 dan anggota-anggota, simpanan2nya") == [
        "anggota", "dan", "anggota", "simpanan", "2", "nya"]
    assert normalize_text("sp2 dari dinas") == ["sp", "2", "dari", "dinas"]  # not reduplication


def test_letters_and_digits_are_split():
    assert normalize_text("rat 2thn pph21") == ["rat", "2", "thn", "pph", "21"]


@given(st.text(alphabet=string.ascii_letters + string.digits + " -.,?!2é", max_size=60))
def test_normalize_is_idempotent_and_clean(text):
    tokens = normalize_text(text)
    assert all(t and t.isalnum() and t == t.lower() for t in tokens)
    assert normalize_text(" ".join(tokens)) == tokens


def test_slang_abbreviations_and_regional_words():
    analyzer = Analyzer()
    assert analyzer.words("gmn sy yg gk blm") == ["bagaimana", "saya", "yang", "tidak", "belum"]
    assert analyzer.words("piye") == ["bagaimana"]      # Javanese
    assert analyzer.words("kumaha") == ["bagaimana"]    # Sundanese
    assert analyzer.words("duwit artos duit") == ["uang", "uang", "uang"]
    assert analyzer.words("lapkeu") == ["laporan", "keuangan"]


def test_question_words_and_chat_particles_are_dropped():
    assert terms("gmn cara RAT online min?") == ["rat", "daring"]
    assert terms("halo kak, mohon info dong") == []


def test_domain_synonyms_share_one_term():
    loan = {terms(w)[0] for w in ["kredit", "pinjaman", "utang", "hutang", "meminjam"]}
    assert loan == {"pinjam"}
    assert terms("gaji") == terms("upah")
    assert terms("kopkar") == terms("koperasi karyawan") == terms("koperasi pegawai") == ["kopkar"]
    assert terms("SHU") == terms("sisa hasil usaha") == ["shu"]
    assert terms("rapat anggota tahunan") == terms("RAT") == ["rat"]
    assert terms("rapat anggota luar biasa") == ["ralb"]          # longest phrase wins
    assert terms("anggota meninggal dunia") == ["anggota", "wafat"]


def test_stemming_and_its_cache():
    assert terms("simpanannya dicairkan") == ["simpan", "tarik"]
    assert terms("pembubaran") == ["bubar"] and terms("dibubarkan") == ["bubar"]
    stem.cache_clear()
    stem("pemeriksaan")
    stem("pemeriksaan")
    info = stem.cache_info()
    assert info.hits == 1 and info.misses == 1


def test_place_names_are_kept_verbatim():
    assert terms("koperasi di bekasi") == ["koperasi", "bekasi"]  # Sastrawi alone: 'bekas'
    assert terms("bekasi", stemming=False) == ["bekasi"]


def test_switches():
    assert terms("gmn kredit", slang=False) == ["gmn", "pinjam"]
    assert terms("gmn kredit", synonyms=False) == ["kredit"]
    assert terms("simpanan", stemming=False) == ["simpan"]         # synonym still folds it
    assert terms("simpanannya", stemming=False) == ["simpanannya"]
    assert terms("penarikan dana", synonyms=False, stemming=False) == ["penarikan", "dana"]
    assert terms("cara RAT", stopwords=False) == ["cara", "rat"]
    raw = Analyzer(Pipeline(raw=True)).terms("Gmn cara RAT online min?")
    assert raw == ["gmn", "cara", "rat", "online", "min"]


def test_lexicon_data_files_are_consistent():
    lex = Lexicon.load()
    assert len(lex.slang) > 200 and len(lex.phrases) > 300
    for key, value in lex.slang.items():
        assert key == key.lower() and value, key
    for canonical in lex.canonicals:
        assert " " not in canonical and canonical not in lex.stopwords


def test_jakarta_colloquial_affixes_are_reduced():
    analyzer = Analyzer()
    cases = {"minjemin": "pinjam", "ngurus": "urus", "nagih": "tagih", "nyetor": "setor",
             "ngumpul": "kumpul", "ngitung": "hitung", "idupin": "hidup", "meriksa": "periksa",
             "motong": "potong", "disetorin": "setor", "gantiin": "ganti", "ngebagiin": "bagi",
             "nyelesain": "selesai", "mutusin": "putus", "nutupin": "tutup"}
    assert {w: analyzer.words(w) for w in cases} == {w: [r] for w, r in cases.items()}
    assert terms("ngajuin pinjaman") == terms("mengajukan pinjaman") == ["aju", "pinjam"]


def test_colloquial_rules_leave_standard_and_known_words_alone():
    analyzer = Analyzer()
    words = "mesin ingin main kemarin margin izin nasabah manajer admin login minimarket online"
    assert analyzer.words(words) == words.split()
    assert analyzer.words("nabung") == ["nabung"]      # a synonym variant as written
    assert Analyzer(Pipeline(slang=False)).words("minjemin") == ["minjemin"]


def test_sundanese_nga_keun_is_reduced():
    analyzer = Analyzer()
    assert analyzer.words("ngabubarkeun dibubarkeun") == ["bubar", "bubar"]


def test_negation_is_kept_on_the_next_content_word():
    assert terms("shu gk dibagi") == ["shu", "tidak_bagi", "bagi"]
    assert terms("simpanan ga bisa dicairkan") == ["simpan", "tidak_tarik", "tarik"]
    assert terms("shu dibagi") == ["shu", "bagi"]
    # a question tag ("boleh gk", "sah gk") negates nothing; synonym phrases keep their meaning
    assert terms("boleh gk kopkar minjemin") == ["kopkar", "pinjam"]
    assert terms("rat sah gk") == ["rat", "sah"]
    assert terms("koperasi tidak aktif") == ["koperasi", "nonaktif"]
    assert terms("shu gk dibagi", stopwords=False)[:3] == ["shu", "tidak", "bagi"]


def test_bikin_is_making_but_buat_may_be_for():
    assert terms("mau bikin koperasi") == ["pendirian"]
    assert terms("sak etap buat koperasi") == ["sak", "koperasi"]
