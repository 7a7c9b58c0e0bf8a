"""The shared snippet highlighter."""

from readingroom.search.query import parse
from readingroom.search.snippets import pattern, snippet


def test_marks_stemmed_and_accented_words_and_escapes_markup():
    text = "Missiles in Cuba. <script>alert(1)</script> Our negotiating position on the policy of Mëhilli."
    html = snippet(text, pattern(parse("negotiations policies mehilli")))
    assert "<b>negotiating</b>" in html and "<b>policy</b>" in html and "<b>Mëhilli</b>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_window_is_around_the_first_match_and_cut_at_words():
    text = "word " * 500 + "the Chrysanthemum Throne " + "tail " * 500
    html = snippet(text, pattern(parse("chrysanth*")))
    assert "<b>Chrysanthemum</b>" in html and len(html) < 320
    assert html.startswith("word") and not html.endswith("tai")


def test_only_word_starts_match():
    assert "<b>" not in snippet("A paragraph about eruption.", pattern(parse("rupt*")))


def test_no_match_gives_the_start_of_the_text():
    assert snippet("First words of the text.", pattern(parse("absent"))) == "First words of the text."


def test_a_folded_match_far_into_a_text_and_across_the_cuts_where_it_is_folded_piece_by_piece():
    """The text is folded in growing pieces (512, 1,024, ... characters) until one holds a match: a match far
    into it, and one that straddles a cut, are still found, and the window is around the first of them."""
    filler = "Á vita után a bizottság ülésezett. "  # every word has a diacritic; none is a query word
    for offset in range(0, 60):
        head = filler * 14 + "x" * offset  # about 500 characters, then shifted across the first cut
        text = head + " A küldöttség megérkezett Moszkvába. " + filler * 40 + "küldöttek"
        html = snippet(text, pattern(parse("kuldottseg"), ["hu"]))
        assert "<b>küldöttség</b>" in html, offset
    late = filler * 100 + "Kádár János levele. " + filler * 3
    assert "<b>Kádár</b>" in snippet(late, pattern(parse("kadar")))
    assert "<b>" not in snippet(filler * 100, pattern(parse("kadar")))


def test_the_piecewise_search_finds_what_a_search_of_the_whole_text_finds():
    """The first match, found piece by piece (lower-cased, then folded), is where a search of the whole
    lower-cased text, then of the whole folded text, finds it: words cut by the pieces' ends included."""
    import random

    from readingroom.search.snippets import _first_match, _matches, fold

    rng = random.Random(11)
    words = ["Küldöttség", "küldöttek", "Negotiations", "negotiator", "Mëhilli", "Хрущёв", "Москве", "the", "a"]
    words += ["Trade" * 30, "ülés", "talks", "és", "x" * 130 + "negotiate"]  # long words across the cuts
    for _ in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 900)))
        query = rng.choice(["negotiations", "kuldottseg", "mehilli", "хрущев", "москва", "trade"])
        regex = pattern(parse(query), ["en", "hu", "ru"])
        assert regex is not None
        expected = next(_matches(text, text.lower(), regex), None) or next(_matches(text, fold(text), regex), None)
        assert _first_match(text, regex) == expected, (query, len(text))


def test_the_folded_text_is_skipped_only_where_folding_changes_no_letter():
    """The folded text is made only when the text holds a character that folding changes into another letter
    or digit (or a CJK one): every such character of the Basic Multilingual Plane is one the check finds,
    and a text with typographic quotes and dashes alone is found on its lower case."""
    from readingroom.search.snippets import _FOLDS, fold

    for code in range(0x80, 0x10000):
        ch = chr(code)
        folded, lowered = fold(ch), ch.lower()
        if folded != lowered and any(c.isalnum() for c in folded + lowered):
            assert _FOLDS.search(ch), hex(code)
    english = "The “delegation” — as agreed — met the Minister’s deputies. " * 80 + "Negotiations began."
    assert not _FOLDS.search(english)
    assert "<b>Negotiations</b>" in snippet(english, pattern(parse("negotiation")))
    assert "<b>Mëhilli</b>" in snippet("Përshëndetje. " * 200 + "Mëhilli foli.", pattern(parse("mehilli")))
    assert "<b>毛澤東</b>" in snippet("“文件” — " * 300 + "毛澤東說", pattern(parse("毛泽东"), ["zh"]))
