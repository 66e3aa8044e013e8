// `browse --text`: an HTML page as readable plain text, the way lynx -dump or w3m -dump show it.
// Pure (bytes in, text out, no I/O), total (any input renders, nothing fails), thread-safe.
//
// What it does: the <title> first, underlined; headings as "# ", "## ", ...; paragraphs, divs and
// other blocks separated by a blank line; <br> a line break; lists indented, "* " for <ul> and
// "1. " for <ol> (start= honoured), nested lists deeper; <pre> kept as written; table rows one a
// line with cells separated by " | "; <hr> a line of dashes; images by their alt text
// "[image: ALT]"; form fields as "[NAME: ____]" and buttons as "[ LABEL ]"; character references
// decoded (named ones HTML pages commonly use, and every numeric one, to UTF-8); whitespace
// collapsed outside <pre>; <script>, <style>, <template>, <svg> and comments dropped.
// Links: the text of each <a href> is followed by "[N]"; the same URL keeps its number; N's
// absolute URL (resolved against the page's URL, or its <base href>) is listed at the end under
// "Links:". javascript: links are not numbered.
//
// Not done: CSS (display:none content shows), line wrapping (the terminal wraps), tables laid out
// in columns, character sets other than UTF-8 and ASCII (bytes pass through as they are).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wc::client {

struct TextPage {
  std::string title;               // <title>, whitespace collapsed, references decoded
  std::string body;                // the rendered text, ending with one '\n' unless empty
  std::vector<std::string> links;  // links[N-1] is the absolute URL of "[N]"
};

[[nodiscard]] TextPage render_html(std::string_view html, std::string_view page_url);

// The whole `--text` output: title and its underline, body, and the "Links:" list.
[[nodiscard]] std::string format_text_page(const TextPage& page);

// Decodes character references in `text` ("&amp;", "&#233;", "&#x1F600;"), appending to `out`.
// Unknown or malformed references stay as written.
void decode_entities(std::string_view text, std::string& out);

}  // namespace wc::client
