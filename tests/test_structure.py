"""Structure: sections, steps, figures, notes and lists from cleaned Markdown."""

from __future__ import annotations

import html
import re

import markdown
import pytest

from cleanguide.clean import clean
from cleanguide.meta import Meta
from cleanguide.model import (
    Article,
    BulletList,
    Code,
    Contents,
    ContentsEntry,
    Figure,
    Note,
    Paragraph,
    Procedure,
    Raw,
    Step,
)
from cleanguide.render import render_guide
from cleanguide.structure import build_guide
from cleanguide.typography import plain, tidy


def guide_of(body: str, title: str = "A guide"):
    article = Article(source="a.md", meta=Meta(title), body=body, body_line=4)
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
    assert toc.entries == (ContentsEntry("Part 1. Alpha", 0), ContentsEntry("Part 2. Beta", 1))


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


@pytest.mark.parametrize(
    "text",
    [
        "Fix DRIVER_IRQL_NOT_LESS_OR_EQUAL on Windows",
        "Edit my_file_name.txt, then snake_case and _em_",
        "Method 5: Emphasis *x* and `code` and \\*esc\\*",
        "**Bold** _it_ and \\_x\\_",
        "2 * 3 * 4 = 24, a*b*c, Use ** and * in globs",
        "*a **b** c* and __strong__",
        "`a_b_c` and ``a ` b`` code",
        "C:\\Users\\me and 1\\. Item",
        "[the *link*](https://e.example)_after_ and more",
        "Open [`config.ini`](https://e.example) and [**`winget`**](u)",
        "**bold**_em_ and _em_`code`",
    ],
)
def test_plain_text_is_what_markdown_shows(text: str) -> None:
    """Titles, alt text and slugs read a heading as Python-Markdown would show it: a Windows
    error code in a method's heading kept its underscores only in the page's text."""
    shown = markdown.Markdown().convert(text)
    assert plain(text) == " ".join(html.unescape(re.sub(r"<[^>]+>", "", shown)).split())
    assert plain("![an_image](x.png) shot") == "an_image shot"  # (an image: its alt text)


def test_plain_text_marks_what_it_sets_aside_with_a_character_the_text_lacks() -> None:
    every_private_one = "".join(chr(c) for c in range(0xE000, 0xF900))
    text = f"{every_private_one} \\*x\\* `a_b` [my_link](u)"
    assert plain(text) == f"{every_private_one} *x* a_b my_link"


def test_a_method_heading_with_an_error_code_keeps_it_in_its_title() -> None:
    guide = guide_of(
        "## Method 1: Fix DRIVER_IRQL_NOT_LESS_OR_EQUAL\n\nStep 1 Open it.\n\n"
        "## Method 2: Edit my_config_file.ini\n\nStep 1 Save it.\n"
    )
    assert [s.title for s in guide.sections] == [
        "Method 1: Fix DRIVER_IRQL_NOT_LESS_OR_EQUAL",
        "Method 2: Edit my_config_file.ini",
    ]


# --- steps as the author numbered them (issue 12) -------------------------------------------


def test_a_bold_label_that_runs_over_the_title_leaves_no_stray_bold_mark() -> None:
    """ "**Step 1: Open Steam**": the bold opens before the label and closes after the
    title; the title is "Open Steam", not "Open Steam**"."""
    g = guide_of(
        "## Method 1: Steam\n\n**Step 1: Open Steam**\n\nClick **Steam > Settings**.\n\n"
        "**Step 2 - Add the drive** in the Storage tab.\n\n**Step 3:** Restart **Steam**.\n"
    )
    (method,) = g.methods
    assert [(s.number, s.title) for s in method.steps] == [
        (1, "Open Steam"),
        (2, ""),
        (3, ""),
    ]
    assert method.steps[1].blocks == [Paragraph("Add the drive in the Storage tab.")]
    assert method.steps[2].blocks == [Paragraph("Restart **Steam**.")]


def test_bullets_under_a_steps_text_stay_a_list_of_that_step() -> None:
    """Indented bullets under a list item, or bullets right under a step label's line, are
    the step's own list: they used to run into its text as one paragraph ("… list. - If it
    is Running, choose Restart. - If it is Stopped…")."""
    g = guide_of(
        "## Method 1: Services\n\n1. Find **DNS Client** in the list.\n"
        "    - If it is **Running**, choose **Restart**.\n"
        "    - If it is **Stopped**, choose **Start**.\n2. Close Services.\n\n"
        "Step 3. Check both adapters and then:\n- Wi-Fi\n- Ethernet\n"
    )
    (method,) = g.methods
    first, second, third = method.steps
    assert first.blocks == [
        Paragraph("Find **DNS Client** in the list."),
        BulletList(
            ("If it is **Running**, choose **Restart**.", "If it is **Stopped**, choose **Start**.")
        ),
    ]
    assert second.blocks == [Paragraph("Close Services.")]
    assert third.blocks[-1] == BulletList(("Wi-Fi", "Ethernet"))
    assert guide_of("Prose with - a dash\nand more.\n").intro == [
        Paragraph("Prose with - a dash\nand more.")
    ]
    # a bullet's own bullets, two spaces in, stay items of its list, as they were
    assert guide_of("What you need:\n\n- a phone\n  - with Android 10\n- a cable\n").intro == [
        Paragraph("What you need:"),
        BulletList(("a phone", "with Android 10", "a cable")),
    ]


def test_numbered_questions_under_an_faq_heading_are_no_methods() -> None:
    """With methods as H3 headings, an FAQ's "### 1. Does it delete my files?" was a third
    method page (the FAQ heading left empty, the description "No."): a bare number before
    a question is an FAQ entry, shown on the guide's home page."""
    g = guide_of(
        "Turn it off in two ways.\n\n### Solution 1: Use Settings\n\n1. Open it.\n2. Turn it off.\n\n"
        "### Solution 2: Use the command\n\n1. Open it.\n2. Run it.\n\n## FAQs\n\n"
        "### 1. Does turning it off delete my files?\n\nNo. Only the encryption is removed.\n"
    )
    assert [m.title for m in g.methods] == [
        "Solution 1: Use Settings",
        "Solution 2: Use the command",
    ]
    assert [s.title for s in g.sections if not s.is_method] == [
        "FAQs",
        "1. Does turning it off delete my files?",
    ]
    assert g.sections[-1].body == [Paragraph("No. Only the encryption is removed.")]


def test_a_raw_html_article_has_its_methods_and_steps() -> None:
    """A scraped page's raw `<h2>Part 1: …</h2>` starts a method, and its `<p>Step N …</p>`
    lines, with no blank line between them, are steps; a block holding other HTML too is
    kept as it is."""
    g = guide_of(
        "<p>Set the phone up in two ways.</p>\n\n<h2>Part 1: From Settings</h2>\n\n"
        "<p>Step 1. Open the Settings app.</p>\n<p>Step 2. Tap <b>System</b>.</p>\n"
        "<p>Keep it charged.</p>\n\n<h2>Part 2: With ADB</h2>\n\n"
        "<p>Step 1. Enable USB debugging.</p>\n<div>A box</div>\n"
    )
    first, second = g.methods
    assert first.title == "Part 1: From Settings" and second.title == "Part 2: With ADB"
    assert numbers(first.steps) == [1, 2]
    assert first.steps[1].blocks == [Paragraph("Tap <b>System</b>.")]
    assert not second.steps  # its <p> shares a block with a <div>: as written
    assert Raw("<p>Step 1. Enable USB debugging.</p>\n<div>A box</div>") in second.body


def test_a_bullet_list_stays_a_list_when_an_item_runs_over_lines() -> None:
    """A bullet whose text runs on over a second line, or holds bullets four spaces in, made
    the whole list paragraphs ("a phone" / "- with Android 10" / "a cable")."""
    g = guide_of(
        "What you need:\n\n- a phone\n    - with Android 10\n- a cable that\n  charges\n- a PC\n"
    )
    assert g.intro == [
        Paragraph("What you need:"),
        BulletList(("a phone", "with Android 10", "a cable that charges", "a PC")),
    ]


def numbers(steps: list[Step]) -> list[object]:
    """Each step's number, a phase's as (number, [its sub-steps' numbers])."""
    return [(s.number, numbers(s.substeps)) if s.substeps else s.number for s in steps]


PHASES = (
    "## Method 1: Reset the cache\n\n#### Step 1: Stop the services\n\n"
    "1) Open **Terminal (Admin)**.\n\n2) Type **net stop wuauserv**.\n\n"
    "![stop](https://cdn.example/stop.png)\n\nWait until the service is stopped.\n\n"
    "3) Type **net stop bits**.\n\n4) Leave the window open.\n\n"
    "#### Step 2: Clear the folder\n\n1) Open **File Explorer**.\n\n2) Go to the folder.\n\n"
    "3) Delete everything.\n\n4) Start the service again.\n\n"
    "## Method 2: Troubleshoot\n\n1. Open **Settings**.\n2. Run the troubleshooter.\n"
)


def test_a_phase_keeps_its_number_title_and_own_sub_steps() -> None:
    g = guide_of(PHASES)
    first, second = g.methods
    assert numbers(first.steps) == [(1, [1, 2, 3, 4]), (2, [1, 2, 3, 4])]
    assert [s.title for s in first.steps] == ["Stop the services", "Clear the folder"]
    # the screenshot and the paragraph between sub-steps 2 and 3 belong to sub-step 2
    sub2 = first.steps[0].substeps[1]
    assert [type(b).__name__ for b in sub2.blocks] == ["Paragraph", "Figure", "Paragraph"]
    assert first.figures == [Figure("https://cdn.example/stop.png", "stop")]
    assert (first.step_count, second.step_count, g.step_count) == (10, 2, 12)


def test_step_headings_never_start_sections() -> None:
    g = guide_of("#### Step 1: Prepare\n\n1) Open it.\n\n#### Step 2: Finish\n\n1) Close it.\n")
    assert g.sections == []
    (proc,) = [b for b in g.intro if isinstance(b, Procedure)]
    assert numbers(proc.steps) == [(1, [1]), (2, [1])]


def test_a_list_goes_on_across_screenshots_captions_notes_and_prose() -> None:
    g = guide_of(
        "## 1\\. Use Disk Cleanup\n\n 1) Press the **Windows** key.\n\n"
        "![](https://cdn.example/a.png)\n\nThe search box\n\n 2) Choose **(C:)**.\n\n"
        "Tip: Pick the system drive.\n\n 3) Tick the boxes.\n\nThis may take a while.\n\n"
        " 4) Click **OK**.\n\n![](https://cdn.example/b.png)\n\nThen restart.\n"
    )
    (method,) = g.methods
    (proc,) = [b for b in method.body if isinstance(b, Procedure)]
    assert numbers(proc.steps) == [1, 2, 3, 4]
    one, two, three, four = proc.steps
    assert one.figures == [Figure("https://cdn.example/a.png", "", "The search box")]
    assert Note("tip", "Pick the system drive.") in two.blocks
    assert Paragraph("This may take a while.") in three.blocks
    # after the last step, its screenshot is its own; the prose after it is the method's
    assert four.figures and method.body[-1] == Paragraph("Then restart.")


def test_numbering_restarts_where_the_author_restarts_and_is_never_invented() -> None:
    g = guide_of(
        "## Part 1\\. Tools\n\n1. Open it.\n2. Close it.\n\nIf that fails:\n\n"
        "1. Open it again.\n- a bullet among the steps\n2. Close it again.\n\n"
        "## Part 2\\. Later\n\n3) Open the app.\n\n4) Sign in.\n\n6) Sync.\n"
    )
    first, second = g.methods
    procs = [b.steps for b in first.body if isinstance(b, Procedure)]
    assert [numbers(p) for p in procs] == [[1, 2], [1, 2]]
    assert BulletList(("a bullet among the steps",)) in procs[1][0].blocks
    assert numbers(second.steps) == [3, 4, 6]  # as written: no 1, 2 or 5 made up


def test_spelled_out_and_bold_step_labels() -> None:
    g = guide_of(
        "## Part 1\\. Install\n\nStep One: Download the installer.\n\n"
        "**Step Two** Run the installer.\n\nThird step: Restart.\n\n"
        "Step one is to know what you want.\n\n- **First step**: Open it.\n"
    )
    (method,) = g.methods
    procs = [b.steps for b in method.body if isinstance(b, Procedure)]
    assert [numbers(p) for p in procs] == [[1, 2, 3], [1]]
    assert Paragraph("Step one is to know what you want.") in method.body  # prose, not a step


def test_a_run_of_numbered_items_is_split_when_the_numbers_follow_on() -> None:
    g = guide_of(
        "## Fix it\n\nPlease follow the steps. **Step One**1) Navigate to**C:\\\\Temp**.\n\n"
        "Delete what you can. 2) Empty the **Download** folder.\n\n"
        "3) Restart. ![](https://cdn.example/r.png) **Step Two** **Warning**: Back up first. "
        "1) Press**Windows key**and**R**.\n\n2) Type **regedit**.\n"
    )
    (method,) = g.methods
    assert numbers(method.steps) == [(1, [1, 2, 3]), (2, [1, 2])]
    assert method.body[0] == Paragraph("Please follow the steps.")
    one, two = method.steps
    assert one.substeps[0].blocks == [
        Paragraph("Navigate to **C:\\\\Temp**."),
        Paragraph("Delete what you can."),
    ]
    assert two.blocks == [Note("warning", "Back up first.")]
    assert two.substeps[0].blocks == [Paragraph("Press **Windows key** and **R**.")]
    assert g.diagnostics == []


def test_a_run_that_does_not_follow_on_is_kept_with_a_warning() -> None:
    g = guide_of(
        "## Method 1: Pick\n\nStep 1 Open the app.\n\n"
        "Step 2 There are two ways. 1) Use the app. 3) Use the website.\n\nStep 3 Close it.\n"
    )
    (method,) = g.methods
    assert numbers(method.steps) == [1, 2, 3]
    assert method.steps[1].blocks == [
        Paragraph("There are two ways. 1) Use the app. 3) Use the website.")
    ]
    (warning,) = g.diagnostics
    assert str(warning).startswith("a.md:8: warning: numbered items run together")
    assert "(Step 2, 1, 3)" in warning.message and warning.rule == "structure"


def test_prose_that_merely_holds_numbers_is_not_split() -> None:
    g = guide_of("## About\n\nWindows 10. 2) is not a step: it is lower case after it.\n")
    assert g.methods == [] and g.diagnostics == []


def test_in_page_contents_link_sections_and_sub_headings_never_steps() -> None:
    g = guide_of(
        "## Hand tracking\n\nIntro.\n\n1. [What is OpenCV](#part3-1)\n2. [Install](#part3-3)\n\n"
        "## Part 1\\. Learn\n\n### What is OpenCV\n\nA library.\n\n"
        "## Part 2\\. Install\n\n1. Download.\n2. Run.\n"
    )
    (toc,) = [b for b in g.intro if isinstance(b, Contents)]
    assert toc.entries == (
        ContentsEntry("What is OpenCV", 0, "What is OpenCV"),
        ContentsEntry("Install", 1),
    )
    assert g.step_count == 2


def test_unwrapped_farm_contents_paragraphs_become_contents() -> None:
    g = guide_of(
        "Intro.\n\n[**1. Use Disk Cleanup**](https://tools.techidaily.com/x/)\n\n"
        "[**2. Use DISM**](https://tools.techidaily.com/x/)\n\n"
        "## **1\\. Use Disk Cleanup**\n\n1) Open it.\n\n## **2\\. Use DISM**\n\n1) Run it.\n"
    )
    (toc,) = [b for b in g.intro if isinstance(b, Contents)]
    assert [(e.text, e.section) for e in toc.entries] == [
        ("1. Use Disk Cleanup", 0),
        ("2. Use DISM", 1),
    ]


def test_typography_puts_the_space_back_after_a_colon() -> None:
    assert tidy("Go to folders:**Windows > System32**") == "Go to folders: **Windows > System32**"
    assert tidy("Note,**this**; and;**that**") == "Note, **this**; and; **that**"
    assert tidy("at 10:**30** sharp") == "at 10:**30** sharp"  # digits: not a word's colon


def test_a_fence_in_a_list_item_is_its_steps_code_copied_as_is() -> None:
    code = '<a href="https://www.techidaily.com/x/">farm</a>\n  indented\n2. not a step'
    indented = "\n".join("    " + line for line in code.split("\n"))
    g = guide_of(f"1. Open the file:\n\n    ```html\n{indented}\n    ```\n\n2. Save it.\n")
    s1, s2 = (s for b in g.intro if isinstance(b, Procedure) for s in b.steps)
    assert (s1.number, s2.number) == (1, 2)
    assert s1.blocks == [Paragraph("Open the file:"), Code(code, "html")]
    pages = render_guide(g)
    assert f"```html\n{code}\n```" in pages[0].body


def test_headings_show_their_markup_not_its_characters() -> None:
    """A heading's escapes and emphasis are Markdown, as in a paragraph: the reader sees
    "1. What is ADB?", not "1\\. What is ADB?" or "**Next steps**"."""
    import markdown

    g = guide_of(
        "Intro.\n\n## Part 1. Use ADB\n\nSome words.\n\n### 1\\. What is ADB?\n\nIt talks.\n\n"
        "### **Next steps** for C:\\\\Windows\n\nRead on.\n\n"
        "### Back up `data_1` & <b>more</b>\n\nOk.\n"
    )
    (_, method) = render_guide(g)  # the h3 under "Part 1" are the method page's h2
    html = markdown.markdown(method.body, extensions=["attr_list"])
    headings = [h for h in html.split("\n") if h.startswith("<h2")]
    assert headings == [
        "<h2>1. What is ADB?</h2>",
        "<h2><strong>Next steps</strong> for C:\\Windows</h2>",
        "<h2>Back up <code>data_1</code> &amp; <b>more</b></h2>",  # as in a paragraph
    ]


def test_a_step_text_keeps_its_bold_and_never_shows_its_html_as_a_title() -> None:
    """A bold mark after "Step 1" opens the text's own bold (it closes one only if one
    opened before the label); a short step line holding HTML is the step's text, rendered
    as prose (sanitised), not a plain-text title that shows the tags."""
    import markdown

    g = guide_of(
        "Intro.\n\n## Method 1: Disk Cleanup\n\n"
        "Step 1 **Win + S** opens search; type *Disk Cleanup*.\n\n"
        "**Step 2** Right-click the text and choose <b>Copy</b>\n\n"
        "Step 3 Restart the PC <script>alert(1)</script>\n\n"
        "**Step 4:** Select the drive\n"
    )
    (method,) = g.methods
    steps = [s for b in method.body if isinstance(b, Procedure) for s in b.steps]
    assert [(s.number, s.title) for s in steps] == [
        (1, ""),
        (2, ""),
        (3, "Restart the PC"),  # the script was cleaned away (active-html, audited)
        (4, "Select the drive"),
    ]
    first = steps[0].blocks[0]
    assert isinstance(first, Paragraph)
    assert first.text == "**Win + S** opens search; type *Disk Cleanup*."
    (_, page) = render_guide(g)
    html = markdown.markdown(page.body, extensions=["attr_list", "md_in_html"])
    assert "<strong>Win + S</strong> opens search" in html
    assert "choose <b>Copy</b>" in html
    assert "&lt;b&gt;" not in html and "script" not in html


def test_sub_step_labels_are_the_sub_steps_of_their_step() -> None:
    """ "Step 2.1" and "Step 2.2" after "Step 2" are its sub-steps 1 and 2 (the author's
    numbers, #step-2-1), not two more steps numbered 2; one that names no step before it
    is text, kept as written."""
    g = guide_of(
        "Intro.\n\n## Method 1: Reset this PC\n\nStep 1: Back up your files.\n\n"
        "Step 2: Reset:\n\nStep 2.1: Open **Settings** > **Recovery**.\n\n"
        "**Step 2.2:** Click **Reset PC**.\n\nStep 3: Sign in again.\n\n"
        "Step 5.1: Read the log.\n"
    )
    (method,) = g.methods
    assert numbers(method.steps) == [1, (2, [1, 2]), 3]
    first, second = method.steps[1].substeps
    assert first.blocks == [Paragraph("Open **Settings** > **Recovery**.")]
    assert second.blocks == [Paragraph("Click **Reset PC**.")]
    assert method.step_count == 5
    assert Paragraph("Step 5.1: Read the log.") in method.body
    (_, page) = render_guide(g)
    assert '<ol class="cg-steps cg-dotted" start="1" type="1" markdown="block">' in page.body
    assert '<li id="step-2-2" data-number="2.2" markdown="block">' in page.body  # "2.2."
    assert "1: Open" not in page.body


def test_methods_steps_and_notes_are_read_in_the_languages_articles_are_written_in() -> None:
    """German, Japanese (with full-width colons) and Arabic labels of methods, steps and
    notes. A Japanese step that is a sentence (it ends with an ideographic full stop) is the
    step's text, not its title."""
    cases = {
        "de": (
            "## Lösung 1: Warteschlange leeren\n\nSchritt 1: Drücken Sie **Win + R**.\n\n"
            "Schritt 2: Beenden Sie den Dienst.\n\nHinweis: Sie brauchen Adminrechte.\n\n"
            "## Methode 2: Treiber\n\n1. Öffnen Sie den Geräte-Manager.\n",
            "note",
        ),
        "ja": (
            "## 方法1：Print Screenキーを使う\n\nステップ1：画面を表示します。\n\n"
            "ステップ2：**PrtScn** キーを押します。\n\n注意：古い名前です。\n\n"
            "## 方法2：Snipping Tool\n\n1. **Win + Shift + S** を押します。\n",
            "warning",
        ),
        "ar": (
            "## الطريقة 1: النسخ الاحتياطي\n\nالخطوة 1: افتح واتساب.\n\n"
            "الخطوة 2: اضغط على الإعدادات.\n\nملاحظة: تحتاج إلى اتصال.\n\n"
            "## الطريقة 2: نسخ محلي\n\n1. افتح الملفات.\n",
            "note",
        ),
    }
    for lang, (body, kind) in cases.items():
        g = guide_of("Intro.\n\n" + body)
        first, second = g.methods
        assert (first.number, second.number) == (1, 2), lang
        assert numbers(first.steps) == [1, 2] and numbers(second.steps) == [1], lang
        assert all(s.title == "" for s in first.steps), (lang, [s.title for s in first.steps])
        notes = [b for b in first.body if isinstance(b, Note)]
        assert [n.kind for n in notes] == [kind], lang


def test_a_sub_step_label_ends_with_any_delimiter_and_a_decimal_is_no_label() -> None:
    """ "Step 2.1." and "**Step 2.2.**" are sub-steps as "Step 2.1:" is; "Step 1.5GB…",
    "Step 3.0 is…" and "Step 3.1.2" name no step: kept as written."""
    g = guide_of(
        "Intro.\n\n## Method 1: Reset\n\nStep 1: Back up.\n\nStep 2. Reset:\n\n"
        "Step 2.1. Accept the license.\n\n- **Step 2.2.** Lift the lid.\n\n"
        "Step 3. Free 1.5GB.\n\nStep 3.0 is the version.\n\n"
        "Step 1.5GB of free space is needed.\n\nStep 3.1.2 Odd.\n"
    )
    (method,) = g.methods
    assert numbers(method.steps) == [1, (2, [1, 2]), 3]
    subs = method.steps[1].substeps
    assert [b.text for s in subs for b in s.blocks if isinstance(b, Paragraph)] == [
        "Accept the license.",
        "Lift the lid.",
    ]
    kept = [b.text for b in method.body if isinstance(b, Paragraph)]
    assert kept == [
        "Step 3.0 is the version.",
        "Step 1.5GB of free space is needed.",
        "Step 3.1.2 Odd.",
    ]


def test_a_bold_method_label_on_its_own_line_is_a_method_heading() -> None:
    g = guide_of(
        "Intro.\n\n## Fix 3) Registry\n\nStep 1. Open **regedit**.\n\n"
        "**Method 4: PowerShell**\n\n1. Open **PowerShell** as admin.\n2. Run the command.\n\n"
        "**1. Not a method**: bold, but no method word.\n"
    )
    fix, method = g.methods
    assert (fix.number, fix.title, [s.number for s in fix.steps]) == (3, "Fix 3) Registry", [1])
    assert (method.number, method.title) == (4, "Method 4: PowerShell")
    assert [s.number for s in method.steps] == [1, 2]
    assert "Not a method" in plain(str(method.body[-1]))


def test_bold_method_labels_without_method_headings_sit_below_the_heading_before() -> None:
    g = guide_of(
        "## Ways to fix it\n\nTwo ways.\n\n**Way 1: Restart**\n\nStep 1. Hold the button.\n\n"
        "**Way 2 - Reset**\n\nStep 1. Open Settings.\n\nStep 2. Tap Reset.\n"
    )
    assert [(m.number, m.title, len(m.steps)) for m in g.methods] == [
        (1, "Way 1: Restart", 1),
        (2, "Way 2 - Reset", 2),
    ]


def test_number_signs_and_words_in_labels() -> None:
    g = guide_of(
        "## Method #1: Settings\n\nStep #1: Open **Settings**.\n\nStep No. 2: Tap it.\n\n"
        "## Solution Five: Another app\n\nStep # 1 - Install it.\n"
    )
    assert [(m.number, [s.number for s in m.steps]) for m in g.methods] == [(1, [1, 2]), (5, [1])]


def test_numbered_paragraphs_escaped_or_bold_are_steps() -> None:
    g = guide_of(
        "## Part 1. Registry\n\n1\\. Open **regedit**.\n\n2\\. Go to the key.\n\n"
        "**3.** Delete the value.\n\n4\\) Restart.\n\n2019\\. was the year: no step.\n"
    )
    (part,) = g.methods
    assert [s.number for s in part.steps] == [1, 2, 3, 4]
    texts = [plain(b.text) for s in part.steps for b in s.blocks if isinstance(b, Paragraph)]
    assert texts[:4] == ["Open regedit.", "Go to the key.", "Delete the value.", "Restart."]


def test_a_numbered_list_of_questions_is_no_procedure_and_keeps_its_numbers() -> None:
    g = guide_of(
        "## Method 1. Create one\n\n1. Open **System Protection**.\n2. Click **Create**.\n\n"
        "## Frequently Asked Questions\n\n1. Does a restore point back up my files?\n\n"
        " No. It only saves system settings.\n\n2. How long does it take?\n\n A minute.\n\n"
        "3. Can I delete old ones?\n\n Yes, with Disk Cleanup.\n"
    )
    (method,) = g.methods
    assert [s.number for s in method.steps] == [1, 2]
    faq = next(s for s in g.sections if s.title == "Frequently Asked Questions")
    assert not faq.is_method and faq.step_count == 0
    lists = [b for b in faq.body if isinstance(b, BulletList)]
    assert [(b.ordered, b.start) for b in lists] == [(True, 1), (True, 2), (True, 3)]
    home = render_guide(g)[0].text
    # Markdown numbers every list from 1: the author's 2 and 3 are kept
    assert '<ol start="2" markdown="block">' in home and '<ol start="3"' in home
    assert "Can I delete old ones?" in home


def test_steps_that_ask_a_question_stay_steps() -> None:
    g = guide_of("## Method 1. Check\n\n1. Is the light on?\n2. Is the cable in?\n3. Restart.\n")
    assert [s.number for s in g.methods[0].steps] == [1, 2, 3]


def test_a_guide_is_listed_under_at_most_max_topics_with_a_warning() -> None:
    from cleanguide.structure.guide import MAX_TOPICS

    tags = (*(f"tag{i}" for i in range(300)), "Tag1")  # the same topic twice
    article = Article(
        source="a.md", meta=Meta("A guide", tags=tags), body="Open it.\n", body_line=4
    )
    g = build_guide(article, clean(article), "a")
    assert g.topics == tags[:MAX_TOPICS]
    (warning,) = [d for d in g.diagnostics if "tags and categories" in d.message]
    assert f"300 tags and categories: the guide is listed under the first {MAX_TOPICS}" in str(
        warning
    )
    assert str(warning).startswith("a.md:1: warning:")


def test_a_section_heading_on_the_home_page_keeps_its_code_and_escapes() -> None:
    """A section that is no method is a heading of the home page, written from the author's
    Markdown: its code span stays code (it used to be written from the plain title, and
    `<b>` inside it became markup that ran on past the heading)."""
    import markdown

    g = guide_of(
        "Open the app.\n\n## Code `<img src=x onerror=alert(3)>` here\n\n"
        "## Escaped \\<img src=x\\> too\n\n## Type `<b>` to bold\n\nDone.\n"
    )
    assert not g.methods
    html = markdown.markdown(render_guide(g)[0].body)
    headings = [h for h in html.split("\n") if h.startswith("<h2")]
    assert headings == [
        "<h2>Code <code>&lt;img src=x onerror=alert(3)&gt;</code> here</h2>",
        "<h2>Escaped \\&lt;img src=x&gt; too</h2>",  # text, as in a paragraph
        "<h2>Type <code>&lt;b&gt;</code> to bold</h2>",
    ]


def test_a_quoted_note_is_a_note_and_other_quotes_stay_quotes() -> None:
    g = guide_of(
        "## Method 1. Reset\n\nStep 1. Hold the button.\n\n> **Warning:** Back up first.\n>\n"
        "> It erases all.\n\nStep 2. Wait.\n\n> Tip: the light blinks.\n\n> Just a quote.\n\n"
        "> Note: nested\n> > quote\n"
    )
    (method,) = g.methods
    blocks = [b for s in method.steps for b in s.blocks] + list(method.body)
    notes = [b for b in blocks if isinstance(b, Note)]
    assert notes == [
        Note("warning", "Back up first.\n\nIt erases all."),
        Note("tip", "the light blinks."),
    ]
    assert method.steps[0].blocks[-1] == notes[0]  # in its step


def test_raw_html_step_paragraphs_and_headings_are_steps() -> None:
    g = guide_of(
        "## Method 1. Use Task Manager\n\n"
        '<p id="step-1">Step 1: Press <strong>Ctrl + Shift + Esc</strong> and find *.tmp_ files.</p>\n\n'
        "Step 2: Open the **Startup** tab.\n\n"
        '<h3 id="step-3">Step 3: Disable the app</h3>\n\n'
        "<p>Not a step: <em>just HTML</em>.</p>\n"
    )
    (method,) = g.methods
    assert [s.number for s in method.steps] == [1, 2, 3]
    first = method.steps[0].blocks[0]
    assert isinstance(first, Paragraph)
    # its HTML stays; its text's Markdown characters are text, as they were in HTML
    assert first.text == "Press <strong>Ctrl + Shift + Esc</strong> and find \\*.tmp\\_ files."
    assert method.steps[2].title == "Disable the app"
    assert method.step_count == 3
