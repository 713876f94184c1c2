"""Structure: sections, steps, figures, notes and lists from cleaned Markdown."""

from __future__ import annotations

from cleanguide.clean import clean
from cleanguide.model import Article, BulletList, Code, Contents, Figure, Note, Paragraph
from cleanguide.structure import build_guide
from cleanguide.typography import plain, tidy


def guide_of(body: str, title: str = "A guide"):
    article = Article(source="a.md", meta={"title": title}, body=body, body_line=4)
    return build_guide(article, clean(article), "a")


def test_step_paragraphs_with_and_without_titles() -> None:
    g = guide_of(
        "Intro.\n\n## Part 1. First way\n\nStep 1 Free download the app on your device.\n\n"
        "Step 2 Choose Device Data Backup\n\n Open the tool and click it.\n\n"
        "![Shot](https://cdn.example/shot.jpg)\n\nShot caption\n"
    )
    (method,) = g.methods
    assert method.number == 1 and method.title == "Part 1. First way"
    s1, s2 = method.steps
    assert (s1.number, s1.title) == (1, "")
    assert isinstance(s1.blocks[0], Paragraph) and "Free download" in s1.blocks[0].text
    assert s2.title == "Choose Device Data Backup"
    assert s2.figures == [Figure("https://cdn.example/shot.jpg", "Shot", "Shot caption")]


def test_ordered_list_steps_keep_images_and_code() -> None:
    g = guide_of(
        "## 1\\. Flush the DNS cache\n\nDo this:\n\n1. Open **Command Prompt**.\n"
        "2. Type this:  \n![Run it](https://cdn.example/run.png)\n3. Press Enter.\n\n"
        "```\nipconfig /flushdns\n```\n"
    )
    (method,) = g.methods
    assert [s.number for s in method.steps] == [1, 2, 3]
    assert method.steps[1].figures[0].alt == "Run it"
    assert isinstance(method.steps[2].blocks[-1], Code)
    assert method.steps[2].blocks[-1].text == "ipconfig /flushdns"


def test_step_numbers_restarting_start_a_new_procedure() -> None:
    g = guide_of(
        "## Part 1. Tools\n\n### Using ADB\n\n- **Step 1.** Install.\n- **Step 2.** Run.\n\n"
        "### Using Fastboot\n\n- **Step 1.** Reboot.\n"
    )
    (method,) = g.methods
    procedures = [b for b in method.body if type(b).__name__ == "Procedure"]
    assert [len(p.steps) for p in procedures] == [2, 1]


def test_notes_bullets_and_trailing_prose() -> None:
    g = guide_of(
        "## Part 2. Tool\n\nKey features:\n\n• One.\n\n• Two.\n\n"
        "Step 1 Do it now please.\n\n![S](https://cdn.example/s.png)\n\n"
        "Note : Keep a copy.\n\nAfterwards, restore anything you want.\n\n"
        "In this article, we showed two methods.\n"
    )
    (method,) = g.methods
    assert BulletList(("One.", "Two.")) in method.body
    step = method.steps[0]
    assert step.figures and not any(isinstance(b, Note) for b in step.blocks)
    assert Note("note", "Keep a copy.") in method.body
    assert isinstance(g.closing[0], Paragraph) and g.closing[0].text.startswith("In this article")


def test_article_toc_links_to_sections_and_duplicate_title_heading_drops() -> None:
    g = guide_of(
        "## A guide\n\nIntro.\n\n* [Part 1. Alpha](https://tools.techidaily.com/)\n"
        "* [Part 2. Beta](https://tools.techidaily.com/)\n\n## Part 1\\. Alpha\n\nStep 1 Go.\n\n"
        "## Part 2\\. Beta\n\nStep 1 Stop.\n"
    )
    assert isinstance(g.intro[0], Paragraph)  # the title heading is not repeated
    toc = next(b for b in g.intro if isinstance(b, Contents))
    assert toc.entries == (("Part 1. Alpha", 0), ("Part 2. Beta", 1))


def test_article_without_steps_is_one_page() -> None:
    g = guide_of("## About\n\nJust prose here.\n\n## More\n\nAnd more.\n")
    assert g.methods == [] and any(isinstance(b, Paragraph) for b in g.intro)


def test_typography_repairs_bold_links_and_commas() -> None:
    assert (
        tidy("essential to**backup pictures** , in case")
        == "essential to **backup pictures**, in case"
    )
    assert tidy('the "**Backup & Sync** " menu') == 'the "**Backup & Sync**" menu'
    assert tidy("download[Google Photos](https://x.example/) app") == (
        "download [Google Photos](https://x.example/) app"
    )
    assert tidy("keep `a , b` verbatim ,") == "keep `a , b` verbatim,"
    assert plain("Part 1\\. **Backup** [x](https://e.example)") == "Part 1. Backup x"


def test_typography_puts_the_space_back_after_a_colon() -> None:
    assert tidy("Go to folders:**Windows > System32**") == "Go to folders: **Windows > System32**"
    assert tidy("Note,**this**; and;**that**") == "Note, **this**; and; **that**"
    assert tidy("at 10:**30** sharp") == "at 10:**30** sharp"  # digits: not a word's colon
