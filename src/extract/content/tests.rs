//! Unit tests for main-content detection, on small hand-written pages.

use super::*;

fn text(html: &str) -> String {
    main_paragraphs(&Html::parse_document(html), &Overrides::default(), None).join("\n\n")
}

#[test]
fn picks_article_and_drops_chrome() {
    let html = r##"<html><body>
      <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li></ul></nav>
      <div class="trending"><p>Trending: celebrity news, sports results, and weather, all here today</p></div>
      <article><h1>Envoys meet Putin</h1>
        <p>US envoys met Vladimir Putin in Moscow on Tuesday, for about five hours, officials said.</p>
        <div class="share-bar"><a href="#">Share</a></div>
        <p>The Kremlin said no compromise on territory was reached, though talks were useful.</p>
      </article>
      <div class="newsletter"><p>Sign up for our newsletter, get the news, every morning, free</p></div>
      <footer><p>Copyright 2025 Example News, all rights reserved, worldwide</p></footer>
    </body></html>"##;
    assert_eq!(
        text(html),
        "Envoys meet Putin\n\nUS envoys met Vladimir Putin in Moscow on Tuesday, for about five hours, officials said.\n\nThe Kremlin said no compromise on territory was reached, though talks were useful."
    );
}

#[test]
fn loose_text_and_line_breaks_make_paragraphs() {
    let html = "<html><body><div class=\"post-body\">First paragraph of the story, long enough to count as text.<br><br>Second paragraph, also long enough, with a <a href=\"/x\">link</a> inside.<h2>Background</h2><p>Third, a proper paragraph element with commas, clauses, and detail.</p></div></body></html>";
    assert_eq!(
        text(html),
        "First paragraph of the story, long enough to count as text.\n\nSecond paragraph, also long enough, with a link inside.\n\nBackground\n\nThird, a proper paragraph element with commas, clauses, and detail."
    );
}

#[test]
fn sibling_containers_join_and_link_lists_go() {
    let para = "A sentence of the article, with a clause, and another clause, and more words here.";
    let html = format!(
        "<html><body><div id=\"wrap\"><div class=\"txt\"><p>{para}</p><p>{para}</p></div>\
         <ul><li><a href=\"/a\">Related one</a></li><li><a href=\"/b\">Related two</a></li></ul>\
         <div class=\"txt\"><p>{para} Two.</p><p>{para} Three.</p></div></div></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("Three."), "{got}");
    assert!(got.contains("Two."), "{got}");
    assert!(!got.contains("Related one"), "{got}");
}

#[test]
fn class_noise_falls_back_to_a_lenient_pass() {
    let para = "Paragraph text of the article, with commas, clauses, and enough length to count. ";
    let html = format!(
        "<html><body><div class=\"lte-banner-w980\"><p>{}</p><p>{}</p><p>{}</p></div></body></html>",
        para.repeat(3),
        para.repeat(3),
        para.repeat(3)
    );
    assert!(text(&html).len() > 600);
}

#[test]
fn a_wrapper_with_a_chrome_name_holding_most_text_is_read() {
    let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
    let page = |class: &str| {
        format!(
            "<html><body><div class=\"{class}\"><div class=\"intro\"><p>{para}</p><p>{para}</p><p>{para}</p></div></div>\
             <div class=\"sidebar\"><p>Sidebar text, about other things, and more things.</p></div></body></html>"
        )
    };
    let got = text(&page("sidebar-container"));
    assert!(got.contains("The article's paragraph"), "{got}");
    assert!(!got.contains("Sidebar text"), "{got}");
    // Comment threads stay out however long they are.
    let comment = "A reader's comment, long and opinionated, with commas, and clauses too.";
    let got = text(&format!(
        "<html><body><div class=\"story\"><p>{para}</p><p>{para}</p></div>\
         <div class=\"comments\"><p>{comment}</p><p>{comment}</p><p>{comment}</p><p>{comment}</p></div></body></html>"
    ));
    assert!(got.contains("The article's paragraph"), "{got}");
    assert!(!got.contains("A reader's comment"), "{got}");
}

#[test]
fn a_short_article_is_not_read_as_its_long_comment_thread() {
    // Shorter than a strict reading trusts, so a lenient one is tried: the thread must
    // stay out of that one too.
    let article = "<p>The city council voted on Thursday to approve a new budget for road repairs.</p>\
                   <p>The mayor is expected to sign the measure next week, after a hearing.</p>";
    let comments: String = (0..150)
        .map(|i| format!("<div class=\"comment\"><p>Comment {i}: I agree, the council should fix Main Street.</p></div>"))
        .collect();
    let got = text(&format!(
        "<html><body><article>{article}</article>\
         <section id=\"comments\" class=\"comments\">{comments}</section></body></html>"
    ));
    assert!(got.contains("approve a new budget"), "{got}");
    assert!(!got.contains("Comment 1:"), "{got}");
    // Commentary is an article, whatever its name shares with comments.
    let got = text(&format!(
        "<html><body><div class=\"commentary-body\">{article}</div></body></html>"
    ));
    assert!(got.contains("approve a new budget"), "{got}");
}

#[test]
fn a_table_laid_out_page_gives_its_paragraphs_not_its_row() {
    let related: String = (0..15)
        .map(|i| format!("<a href=\"/r{i}\">Related story number {i} about something else</a><br>"))
        .collect();
    let html = format!(
        "<html><body><table><tr><td valign=\"top\">{related}</td><td valign=\"top\">\
         <b>Springfield approves budget</b><br><br>\
         The city council of Springfield voted on Thursday to approve a new budget for roads.<br><br>\
         Council member Jane Ortiz said the plan would fix more than 300 potholes before winter.\
         </td></tr></table></body></html>"
    );
    let got = text(&html);
    assert!(!got.contains("Related story"), "{got}");
    assert!(!got.contains('\t'), "read as a data row: {got}");
    let paragraphs: Vec<&str> = got.split("\n\n").collect();
    assert!(
        paragraphs.iter().any(|p| p.starts_with("The city council"))
            && paragraphs.iter().any(|p| p.starts_with("Council member")),
        "{got}"
    );
}

#[test]
fn lines_citing_links_stay_and_link_lines_go() {
    let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
    let html = format!(
        "<html><body><article><p>{para}</p><p>{para}</p>\
         <ul><li>Neil has patches up to <a href=\"/1\">improve the behaviour of the tab unloader</a>, and <a href=\"/2\">show UI when subframes crash</a></li>\
         <li>Mike fixed <a href=\"/3\">a bug in the printing preview dialog</a></li></ul>\
         <p><a href=\"/more\">Read more stories like this one</a></p></article></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("Neil has patches"), "{got}");
    assert!(got.contains("Mike fixed"), "{got}");
    assert!(!got.contains("Read more"), "{got}");
}

#[test]
fn data_table_rows_are_lines_and_layout_tables_are_paragraphs() {
    let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
    let html = format!(
        "<html><body><article><p>{para}</p><p>{para}</p><table>\
         <tr><th>Rank</th><th>School</th><th>Salary</th></tr>\
         <tr><td>1</td><td>Booth</td><td>$175,000</td></tr>\
         <tr><td>2</td><td><a href=\"/k\">Kellogg</a></td><td>$165,000</td></tr>\
         <tr><td>3</td><td>Wharton</td><td>$175,000</td></tr></table></article></body></html>"
    );
    let got = text(&html);
    assert!(got.ends_with("Rank\tSchool\tSalary\n\n1\tBooth\t$175,000\n\n2\tKellogg\t$165,000\n\n3\tWharton\t$175,000"), "{got}");
    // A layout table's cells hold paragraphs: they stay paragraphs.
    let html = format!(
        "<html><body><table><tr><td><p>{para}</p><p>{para} Two.</p><p>{para} Three.</p></td>\
         <td><p>Side note.</p></td></tr></table></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("Two.\n\nThe article's"), "{got}");
}

#[test]
fn collapsed_panels_are_read_and_hidden_boxes_are_not() {
    let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
    let html = format!(
        "<html><body><article><p>{para}</p><p>{para}</p>\
         <h3><a role=\"button\" aria-controls=\"step-1\">1. Check your roof</a></h3>\
         <div id=\"step-1\" style=\"display: none\"><p>Shade, pitch and age decide how much a roof yields.</p></div>\
         <div style=\"display:none\"><p>A hidden tracking notice, never shown to anyone.</p></div>\
         <div class=\"author-bio\"><p>Jo Writer has covered energy for ten years, and lives in Leeds.</p></div>\
         <div class=\"box cta\"><p>Get three free quotes from vetted installers near you today.</p></div>\
         <p class=\"affiliate-disclosure\">We may be paid when you buy through links on this page, at no cost to you.</p>\
         </article></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("Shade, pitch and age"), "{got}");
    assert!(!got.contains("tracking notice"), "{got}");
    assert!(!got.contains("Jo Writer"), "{got}");
    assert!(!got.contains("free quotes"), "{got}");
    assert!(!got.contains("We may be paid"), "{got}");
}

#[test]
fn what_follows_the_body_in_a_wider_container_must_be_more_of_it() {
    let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
    let section = |n: &str| format!("<div class=\"section\"><p>{para} {n}</p><p>{para}</p></div>");
    let body = format!(
        "<div class=\"body\"><p>{para} Three.</p><p>{para}</p><p>{para}</p><p>{para}</p><p>{para}</p><p>{para}</p></div>"
    );
    let html = format!(
        "<html><body><main><div class=\"intro\"><p>Intro to the story, with a clause, and more words.</p></div>\
         {}{}{body}\
         <div class=\"cta\"><p>Ready to start? Call our team today, we answer within the hour, every day.</p></div>\
         <div class=\"more\"><p>Another post, about other things, with its own summary text here.</p></div>\
         </main></body></html>",
        section("One."),
        section("Two."),
    );
    let got = text(&html);
    assert!(got.contains("Intro to the story"), "{got}");
    assert!(got.contains("One.") && got.contains("Three."), "{got}");
    assert!(!got.contains("Another post"), "{got}");
    // Sections of the same kind after the body are more of the article.
    let html = format!(
        "<html><body><main><div class=\"intro\"><p>Intro to the story, with a clause, and more words.</p></div>\
         <div class=\"s\"><p>{para} One.</p><p>{para}</p><p>{para}</p><p>{para}</p></div>\
         <div class=\"s\"><p>{para} Two.</p><p>{para}</p></div><div class=\"s\"><p>{para} Three.</p><p>{para}</p></div>\
         <div class=\"cover\"><p>{para} Four.</p><p>{para}</p><p>{para}</p></div></main></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("Two.") && got.contains("Three."), "{got}");
}

#[test]
fn ties_go_to_the_earlier_candidate_every_time() {
    // Two blocks that score the same (as many commas, both long), one holding most of
    // the text: picking either must not depend on the hash map's order.
    let block = |w: &str, words: usize| {
        let p = format!("<p>{w}, {w}, {}.</p>", format!("{w} ").repeat(words));
        format!("<div class=\"box\"><div>{p}{p}{p}</div></div>")
    };
    let html = format!(
        "<html><body><main>{}</main><main>{}</main></body></html>",
        block("alpha", 200),
        block("gamma", 60)
    );
    let first = text(&html);
    for _ in 0..30 {
        assert_eq!(text(&html), first);
    }
}

#[test]
fn a_page_wrapped_in_a_form_is_read_without_its_footer() {
    let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
    let foot =
        "Our offices, our addresses, our phone numbers, our hours, and our partners, listed.";
    let html = format!(
        "<html><body><form id=\"Form\"><main><div class=\"post\">{}</div></main>\
         <footer><div>{}</div></footer></form></body></html>",
        format!("<p>{para}</p>").repeat(8),
        format!("<p>{foot}</p>").repeat(10),
    );
    let got = text(&html);
    assert!(got.contains("The article's paragraph"), "{got}");
    assert!(!got.contains("Our offices"), "{got}");
}

#[test]
fn an_faq_after_the_body_and_its_questions_are_read() {
    let para =
        "The article's paragraph, with commas, clauses, and enough words, to count here, and more.";
    let body = format!(
        "<div class=\"body\">{}</div>",
        format!("<p>{para}</p>").repeat(8)
    );
    let html = format!(
        "<html><body><article>{body}<div class=\"section-2\"><h2>Frequently asked questions</h2>\
         <div class=\"item\"><button aria-expanded=\"false\" aria-controls=\"a1\">What does the plan cost per month?</button>\
         <div id=\"a1\" hidden><p>It costs ten dollars.</p></div></div></div>\
         <div class=\"other\"><button aria-expanded=\"false\">Menu</button><p>Unrelated box.</p></div></article></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("What does the plan cost per month?"), "{got}");
    assert!(got.contains("It costs ten dollars."), "{got}");
    assert!(!got.contains("Menu"), "{got}");
    assert!(!got.contains("Unrelated box"), "{got}");
}

#[test]
fn an_article_split_into_wrapped_parts_is_read_whole() {
    let para = "The article's paragraph, with commas, clauses, and enough words to count here.";
    let part = |n: &str, paras: usize| {
        format!(
            "<div class=\"wrap\"><div class=\"story-body story-body-{n}\"><p>Part {n}.</p>{}</div></div>",
            format!("<p>{para}</p>").repeat(paras)
        )
    };
    let html = format!(
        "<html><body><main>{}<div class=\"ad\"><p>Buy a thing.</p></div>{}</main></body></html>",
        part("1", 3),
        part("2", 12)
    );
    let got = text(&html);
    assert!(got.starts_with("Part 1."), "{got}");
    assert!(got.contains("Part 2."), "{got}");
    assert!(!got.contains("Buy a thing"), "{got}");
}

#[test]
fn deep_nesting_finishes() {
    let html = format!(
        "{}<p>deep text, deep text, deep text</p>",
        "<div>".repeat(5000)
    );
    let _ = main_paragraphs(&Html::parse_document(&html), &Overrides::default(), None);
}

/// A paragraph long enough to vote for its container: "Paragraph 3 of the guide, …".
fn long_paragraph(of: &str, n: usize) -> String {
    format!(
        "<p>Paragraph {n} of the {of}, with commas, clauses, and enough words to count as text here.</p>"
    )
}

#[test]
fn an_article_of_nested_sections_is_read_from_its_start() {
    let para = |n: usize| long_paragraph("guide", n);
    let intro: String = (1..=3).map(para).collect();
    let body: String = (4..=12).map(para).collect();
    // The opening section sits outside the nested block that holds most of the text.
    let html = format!(
        "<html><body><article><section class=\"intro\">{intro}</section>\
         <section><div class=\"callout\"><p>A short aside.</p></div><section class=\"main\">{body}</section></section>\
         </article><footer><p>Copyright notice, with commas, and more words, for the footer.</p></footer></body></html>"
    );
    let got = text(&html);
    assert!(got.starts_with("Paragraph 1 of the guide"), "{got}");
    assert!(got.contains("Paragraph 12 of the guide"), "{got}");
    assert!(!got.contains("Copyright"), "{got}");
    // Without an `<article>` around them, blocks outside the chosen one stay out.
    let loose = html
        .replace("<article>", "<div>")
        .replace("</article>", "</div>");
    assert!(!text(&loose).contains("Paragraph 1 of"), "{}", text(&loose));
}

#[test]
fn a_standfirst_inside_the_marked_body_is_read() {
    let para = |n: usize| long_paragraph("story", n);
    let body: String = (1..=9).map(para).collect();
    let html = format!(
        "<html><body><div class=\"{{}}\"><div class=\"intro\"><p>The standfirst sums the story up in one long sentence that runs well past a byline's length, then on and on about what the reader will find below it.</p></div>\
         <div class=\"main\">{body}</div></div><footer><p>Copyright notice, with commas, and more words, for the footer.</p></footer></body></html>"
    );
    let got = text(&html.replace("{}", "post-content"));
    assert!(got.starts_with("The standfirst sums"), "{got}");
    assert!(got.contains("Paragraph 9 of the story"), "{got}");
    // A wrapper not named as the body keeps to the block that scores best.
    let loose = text(&html.replace("{}", "wrap"));
    assert!(!loose.contains("The standfirst"), "{loose}");
}

#[test]
fn teaser_cards_beside_the_body_are_left_out() {
    let para = "<p>A paragraph of the story, with commas, clauses, and detail, enough to be read as text.</p>";
    let card = |n: usize| {
        format!(
            "<div class=\"card\"><h3><a href=\"/other-{n}\">Another story {n}</a></h3>\
             <p>Blurb {n}, with commas, clauses, asides, and more, to tempt, to lure, to pull the reader away.</p></div>"
        )
    };
    let cards: String = (1..=4).map(card).collect();
    let html = format!(
        "<html><body><div id=\"wrap\"><div class=\"txt\">{}</div><div class=\"list\">{cards}</div></div></body></html>",
        para.repeat(9)
    );
    let got = text(&html);
    assert!(got.contains("A paragraph of the story"), "{got}");
    assert!(!got.contains("Blurb 1"), "{got}");
    // Headings without the blurbs around them are not cards: the list is read as before.
    let plain = html
        .replace("<h3><a href", "<h3><span data-href")
        .replace("</a></h3>", "</span></h3>");
    assert!(text(&plain).contains("Blurb 1"), "{}", text(&plain));
}

#[test]
fn headings_linking_to_themselves_are_read_and_headings_linking_away_are_not() {
    let para = long_paragraph("story", 2);
    let html = format!(
        "<html><body><div class=\"post-body\">{para}\
         <h3 id=\"costs\"><a href=\"#costs\">What it costs</a></h3>{para}\
         <h3><a href=\"/elsewhere\">Another story</a></h3>{para}</div></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("What it costs"), "{got}");
    assert!(!got.contains("Another story"), "{got}");
}

#[test]
fn headings_named_like_chrome_are_read_inside_the_article() {
    let para = long_paragraph("newsletter", 2);
    let html = format!(
        "<html><body><div class=\"body markup\">{para}\
         <h3 class=\"header-anchor-post\">The second part</h3>{para}{para}</div>\
         <div class=\"sidebar\"><h3 class=\"widget-header\">Popular posts</h3></div></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("The second part"), "{got}");
    assert!(!got.contains("Popular posts"), "{got}");
}

#[test]
fn author_cards_and_sections_after_the_article_are_left_out() {
    let para = long_paragraph("report", 1);
    for class in [
        "author-card",
        "author-section",
        "contributor-bio",
        "hero-author",
    ] {
        let html = format!(
            "<html><body><article>{para}{para}{para}\
             <div class=\"{class}\"><p>Jo Writer is a reporter who has covered energy for ten years.</p></div>\
             </article></body></html>"
        );
        let got = text(&html);
        assert!(got.contains("Paragraph 1 of the report"), "{class}: {got}");
        assert!(!got.contains("Jo Writer"), "{class}: {got}");
    }
}

#[test]
fn numbered_entries_of_a_roundup_are_read_with_their_linked_headings() {
    let para = long_paragraph("roundup", 1);
    let html = format!(
        "<html><body><div class=\"post-body\">{para}\
         <h2><a href=\"https://one.example\">1. First Pick</a></h2>{para}\
         <h2><a href=\"https://two.example\">#2 Second Pick</a></h2>{para}\
         <h2><a href=\"/other-story\">10 Best Picks Elsewhere</a></h2>{para}</div></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("1. First Pick"), "{got}");
    assert!(got.contains("#2 Second Pick"), "{got}");
    assert!(!got.contains("10 Best Picks"), "{got}");
}

#[test]
fn headings_wrapped_in_a_link_to_themselves_are_read() {
    let para = long_paragraph("guide", 1);
    let html = format!(
        "<html><body><div class=\"article-body\">{para}\
         <a id=\"anchor-1\" href=\"/guide#anchor-1\"><h2>How we picked</h2></a>{para}\
         <a href=\"/other#anchor-2\"><h2>Somewhere else</h2></a>{para}</div></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("How we picked"), "{got}");
    assert!(!got.contains("Somewhere else"), "{got}");
}

#[test]
fn paragraphs_wrapped_in_a_script_link_are_read_and_script_controls_are_not() {
    let para = long_paragraph("story", 1);
    let html = format!(
        "<html><body><div class=\"article-body\">{para}\
         <a href=\"javascript:void(0)\"><p>A paragraph made clickable by a script, read as text.</p></a>\
         <p><a href=\"javascript:history.back()\">Go back</a></p>{para}</div></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("made clickable by a script"), "{got}");
    assert!(!got.contains("Go back"), "{got}");
}

#[test]
fn formulas_are_read_inline_with_their_sentence() {
    let html = "<html><body><article><p>When <math><mi>a</mi><mo>≠</mo><mn>0</mn></math>, there \
                are two solutions to <mjx-container><mjx-assistive-mml><math><mi>a</mi><msup><mi>x</mi>\
                <mn>2</mn></msup><mo>+</mo><mi>c</mi><mo>=</mo><mn>0</mn></math></mjx-assistive-mml>\
                </mjx-container> and both are real when the discriminant is positive.</p></article>\
                </body></html>";
    assert_eq!(
        text(html),
        "When a ≠ 0 , there are two solutions to a x 2 + c = 0 and both are real when the discriminant is positive."
    );
}

#[test]
fn headings_linking_to_other_sites_are_read_and_those_to_the_site_are_not() {
    let para = long_paragraph("review", 1);
    let html = format!(
        "<html><body><div class=\"article-body\">{para}\
         <h3><a href=\"https://maker.example/rez\">Rez Infinite ($30)</a></h3>{para}\
         <h3><a href=\"https://www.news.example/other-story\">Another Story Of Ours</a></h3>{para}\
         <h3><a href=\"/more\">More From Us</a></h3>{para}</div></body></html>"
    );
    let doc = Html::parse_document(&html);
    let read = |site| main_paragraphs(&doc, &Overrides::default(), site).join("\n\n");
    let got = read(Some("news.example"));
    assert!(got.contains("Rez Infinite ($30)"), "{got}");
    assert!(!got.contains("Another Story Of Ours"), "{got}");
    assert!(!got.contains("More From Us"), "{got}");
    // Without the page's own address, no link can be told to lead elsewhere.
    assert!(!read(None).contains("Rez Infinite"));
}

#[test]
fn code_is_read_whole_whatever_its_highlighter_calls_its_parts() {
    let para = long_paragraph("git", 1);
    let html = format!(
        "<html><body><div class=\"post-content\">{para}<pre><code>\
         <span class=\"token comment\"># view the state of the repo</span>\n\
         <span class=\"token function\">git</span> status</code></pre>{para}\
         <div class=\"comments\"><p>A reader's comment under the post, long enough to be a paragraph.</p></div>\
         </div></body></html>"
    );
    let got = text(&html);
    assert!(got.contains("# view the state of the repo"), "{got}");
    assert!(got.contains("git status"), "{got}");
    assert!(!got.contains("A reader's comment"), "{got}");
}
